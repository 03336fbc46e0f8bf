"""A local Slack Web API stand-in: a real HTTP server on 127.0.0.1 answering in Slack's shapes.

Responses follow the examples in Slack's method documentation (``{"ok": true, ...}`` /
``{"ok": false, "error": "..."}``). Every call is recorded so a test or the demo can see exactly
what the bot sent. A test can make a method fail, answer 429 with ``Retry-After``, or hold its
answer until released (to prove the bot acked Slack before doing slow work).

Besides ``/api/<method>`` the server takes ``POST /response/<anything>`` (a ``response_url``, what
Bolt's ``respond()`` posts to; answers ``ok`` like Slack) and ``POST /upload/<file_id>`` (the
``upload_url`` that ``files.getUploadURLExternal`` hands out, step two of ``files_upload_v2``).
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

TEAM_ID = "T0ACME001"
BOT_USER_ID = "U0BOT0001"
BOT_ID = "B0BOT0001"


@dataclass(frozen=True)
class FakeUser:
    id: str
    name: str
    email: str
    tz: str = "Europe/Berlin"
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False  # an app's bot user (``users.list`` lists them with everyone else)
    deleted: bool = False  # deactivated: still listed by ``users.list``, with ``deleted: true``


SLACKBOT = FakeUser("USLACKBOT", "slackbot", "", tz="America/Los_Angeles")
APP_BOT = FakeUser(BOT_USER_ID, "airetro", "", is_bot=True)


@dataclass(frozen=True)
class Call:
    method: str
    args: dict[str, Any]
    token: str | None


@dataclass
class _Fault:
    remaining: int
    error: str | None = None
    retry_after: int | None = None
    status: int | None = None  # an HTTP error status (500, 502, 503) instead of Slack's answer
    processed: bool = False  # the call took effect (a message posted) before the fault
    late: float | None = None  # the answer comes only after this many seconds (after the client gave up)
    drop: bool = False  # the connection is closed with no answer at all
    after: int = 0  # calls answered as usual before the fault begins


@dataclass(frozen=True)
class _Outcome:
    """What the HTTP handler sends: an answer, possibly late, or nothing (a dropped connection)."""

    status: int
    body: dict
    headers: dict[str, str]
    late: float | None = None
    drop: bool = False


class _TokenBucket:
    """``capacity`` calls at once, refilled at ``per_second``; answers how long until the next call may pass."""

    def __init__(self, per_second: float, capacity: float) -> None:
        self.per_second, self.capacity = per_second, capacity
        self.tokens, self.stamp = capacity, None

    def take(self, now: float) -> float:
        if self.stamp is not None:
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.per_second)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.per_second


@dataclass
class PostLimits:
    """chat.postMessage limits as Slack documents them: about one message per second per channel
    (short bursts allowed) and a workspace-wide limit of several hundred messages per minute."""

    per_channel_per_second: float = 1.0
    channel_burst: int = 3
    workspace_per_minute: int = 300
    workspace_burst: int | None = None  # calls at once before the workspace limit bites (default: a minute's)


@dataclass
class _State:
    calls: list[Call] = field(default_factory=list)
    messages: dict[tuple[str, str], dict] = field(default_factory=dict)
    views: dict[str, dict] = field(default_factory=dict)
    opened: list[str] = field(default_factory=list)
    faults: dict[str, list[_Fault]] = field(default_factory=dict)
    holds: dict[str, tuple[int, threading.Event]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    limits: PostLimits | None = None
    buckets: dict[str, _TokenBucket] = field(default_factory=dict)
    throttled: int = 0
    in_flight: int = 0
    responses: list[tuple[str, dict]] = field(default_factory=list)
    homes: dict[str, str] = field(default_factory=dict)  # user id -> id of their Home tab view
    uploads: dict[str, dict] = field(default_factory=dict)  # file id -> upload in progress / done
    files: list[dict] = field(default_factory=list)  # completed uploads, in order


def _multipart_file(body: bytes, content_type: str) -> bytes:
    """The file's bytes from a ``multipart/form-data`` body (the part with a filename, else the first)."""
    boundary = next(
        (p.split("=", 1)[1].strip().strip('"') for p in content_type.split(";") if p.strip().startswith("boundary=")),
        "",
    )
    if not boundary:
        return body
    parts = []
    for chunk in body.split(b"--" + boundary.encode())[1:]:
        if chunk.startswith(b"--"):  # the closing delimiter
            break
        head, _sep, content = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        parts.append((head.decode("latin-1").lower(), content.removesuffix(b"\r\n")))
    chosen = next((c for h, c in parts if "filename=" in h), None)
    if chosen is None:
        chosen = next((c for h, c in parts if 'name="file"' in h), parts[0][1] if parts else body)
    return chosen


def _invalid(argument: str) -> dict:
    return {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": [f"invalid `{argument}`"]}}


def _cursor(offset: int) -> str:
    return base64.b64encode(json.dumps({"offset": offset}).encode()).decode()


def _offset(cursor: str) -> int | None:
    try:
        offset = json.loads(base64.b64decode(cursor, validate=True))["offset"]
    except (binascii.Error, ValueError, TypeError, KeyError):
        return None
    return offset if isinstance(offset, int) and offset >= 0 else None


def _decode(value: Any) -> Any:
    """slack-sdk sends blocks/views as JSON strings inside form bodies; decode them back."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class SlackWebApi:
    """Start with ``with SlackWebApi(token, users) as slack:``; point ``SLACK_API_URL`` at ``slack.url``.

    ``channels`` maps channel id → member user ids (the bot is a member of each, as if invited);
    ``usergroups`` maps usergroup id → (handle, user ids); ``channel_names`` optionally names channels
    (default ``team-<id lower>``). All three are plain dicts on the instance a test may change while
    the server runs, e.g. ``slack.channels["C1"] = [...]``.
    """

    def __init__(
        self,
        token: str = "xoxb-standin",
        users: list[FakeUser] | None = None,
        channels: dict[str, list[str]] | None = None,
        usergroups: dict[str, tuple[str, list[str]]] | None = None,
        channel_names: dict[str, str] | None = None,
    ) -> None:
        self.token = token
        self.users = {u.id: u for u in users or []}
        self.channels: dict[str, list[str]] = {k: list(v) for k, v in (channels or {}).items()}
        self.usergroups: dict[str, tuple[str, list[str]]] = {
            k: (handle, list(ids)) for k, (handle, ids) in (usergroups or {}).items()
        }
        self.channel_names: dict[str, str] = dict(channel_names or {})
        # people's Slack statuses, as a test sets them (``set_status``): (text, emoji, expiration), by user ID
        self.statuses: dict[str, tuple[str, str, int]] = {}
        self._state = _State()
        self._changed = threading.Condition()
        self._ids = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="slack-standin", daemon=True
        )

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"{self._base}/api/"

    @property
    def _base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def response_url(self, tag: str) -> str:
        """A ``response_url`` on the stand-in: JSON POSTed to it is recorded (see :meth:`responses`)."""
        return f"{self._base}/response/{tag}"

    def start(self) -> SlackWebApi:
        self._thread.start()
        return self

    def stop(self) -> None:
        for _after, event in self._state.holds.values():
            event.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> SlackWebApi:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # -- what tests look at -----------------------------------------------------------------
    def calls(self, method: str | None = None) -> list[Call]:
        with self._changed:
            return [c for c in self._state.calls if method is None or c.method == method]

    def wait_for(
        self, method: str, count: int = 1, timeout: float = 5.0, *, where: Callable[[Call], bool] | None = None
    ) -> list[Call]:
        """Block until ``method`` has been called ``count`` times (the bot works after its ack).

        ``where`` narrows the calls counted (e.g. ``lambda c: c.args.get("user_id") == "U1"``).
        """
        # Counted in condition waits rather than clock readings, so a test on a frozen clock cannot hang.
        rounds = max(1, int(timeout / 0.05))

        def matching() -> list[Call]:
            return [c for c in self._state.calls if c.method == method and (where is None or where(c))]

        with self._changed:
            while len(matching()) < count:
                if rounds == 0:
                    seen = [c.method for c in self._state.calls]
                    raise TimeoutError(f"{method} called fewer than {count} times; calls so far: {seen}")
                rounds -= 1
                self._changed.wait(0.05)
            return matching()

    def responses(self) -> list[dict]:
        """JSON bodies POSTed to :meth:`response_url` URLs, in the order they arrived."""
        with self._changed:
            return [body for _tag, body in self._state.responses]

    def wait_for_responses(self, count: int = 1, timeout: float = 5.0) -> list[dict]:
        """Block until ``count`` bodies have been POSTed to response URLs; returns them all."""
        rounds = max(1, int(timeout / 0.05))
        with self._changed:
            while len(self._state.responses) < count:
                if rounds == 0:
                    have = len(self._state.responses)
                    raise TimeoutError(f"{have} responses to response_url, fewer than {count}")
                rounds -= 1
                self._changed.wait(0.05)
            return [body for _tag, body in self._state.responses]

    def wait_idle(self, timeout: float = 5.0) -> None:
        """Block until every call received so far has been answered (held calls included)."""
        rounds = max(1, int(timeout / 0.05))
        with self._changed:
            while self._state.in_flight:
                if rounds == 0:
                    raise TimeoutError(f"{self._state.in_flight} calls still unanswered")
                rounds -= 1
                self._changed.wait(0.05)

    def message(self, channel: str, ts: str) -> dict:
        with self._changed:
            return self._state.messages[(channel, ts)]

    def channel_messages(self, channel: str) -> list[dict]:
        """The messages in ``channel``, oldest first, without thread replies (see :meth:`thread`)."""
        with self._changed:
            return [
                m
                for (ch, ts), m in sorted(self._state.messages.items())
                if ch == channel and m.get("thread_ts", ts) == ts
            ]

    def thread(self, channel: str, ts: str) -> list[dict]:
        """The replies in the thread of the message ``ts`` (not the message itself), oldest first."""
        with self._changed:
            return [
                m
                for (ch, t), m in sorted(self._state.messages.items())
                if ch == channel and m.get("thread_ts") == ts and t != ts
            ]

    def view(self, view_id: str) -> dict:
        with self._changed:
            return self._state.views[view_id]

    def last_opened_view(self) -> dict:
        with self._changed:
            return self._state.views[self._state.opened[-1]]

    def opened_count(self) -> int:
        """How many views views.open has opened so far."""
        with self._changed:
            return len(self._state.opened)

    def opened_view(self, index: int, timeout: float = 5.0) -> dict:
        """The ``index``-th view opened with views.open (0 first), once it is stored: a call is recorded as it
        arrives and its view stored a moment later, so this waits for it."""
        rounds = max(1, int(timeout / 0.05))
        with self._changed:
            while len(self._state.opened) <= index:
                if rounds == 0:
                    raise TimeoutError(f"{len(self._state.opened)} views opened, fewer than {index + 1}")
                rounds -= 1
                self._changed.wait(0.05)
            return self._state.views[self._state.opened[index]]

    def home(self, user_id: str) -> dict | None:
        """The Home tab view last published for ``user_id`` (views.publish or a views.update of it)."""
        with self._changed:
            view_id = self._state.homes.get(user_id)
            return self._state.views[view_id] if view_id else None

    def files(self, channel: str | None = None) -> list[dict]:
        """Files uploaded and completed (files_upload_v2), oldest first; only those shared to ``channel`` if given.

        Each: ``id, filename, title, channel, content (bytes), initial_comment, thread_ts`` (and ``channels``,
        all channels it was shared to); ``channel`` is None for a file completed without a channel.
        """
        with self._changed:
            return [dict(f) for f in self._state.files if channel is None or channel in f["channels"]]

    def dm_channel(self, user_id: str) -> str:
        return "D" + user_id[1:]

    # -- what tests arrange -----------------------------------------------------------------
    def set_status(self, user_id: str, text: str = "", emoji: str = "", expiration: int = 0) -> None:
        """Set a person's status as they would in Slack (``expiration``: a Unix time, 0 for none). Like Slack,
        the profile shows it with its ``status_expiration``; the app judges whether it has expired."""
        self.statuses[user_id] = (text, emoji, expiration)

    def fail(self, method: str, error: str, times: int = 1, *, after: int = 0) -> None:
        """The next ``times`` calls of ``method`` answer ``{"ok": false, "error": error}`` (``after``: once that
        many more have been answered as usual)."""
        self._state.faults.setdefault(method, []).append(_Fault(times, error=error, after=after))

    def rate_limit(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` answer HTTP 429 with ``Retry-After``."""
        self._state.faults.setdefault(method, []).append(_Fault(times, retry_after=retry_after))

    def server_error(self, method: str, status: int = 500, *, processed: bool = False, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` answer HTTP ``status``; with ``processed`` the call took
        effect first (Slack posted the message, then failed to say so)."""
        self._state.faults.setdefault(method, []).append(_Fault(times, status=status, processed=processed))

    def answer_late(self, method: str, delay: float, *, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` take effect at once but are answered only after ``delay``
        seconds: a client with a shorter timeout gives up on a call that went through."""
        self._state.faults.setdefault(method, []).append(_Fault(times, processed=True, late=delay))

    def drop_connection(self, method: str, *, processed: bool = True, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` get no answer: the connection closes, after the call took
        effect (``processed``, the default) or before."""
        self._state.faults.setdefault(method, []).append(_Fault(times, processed=processed, drop=True))

    def hold(self, method: str, after: int = 0) -> threading.Event:
        """Calls of ``method`` after the first ``after`` wait (unanswered) until the returned event is set.

        A held call is answered, and takes effect, when released, even if its caller is gone: like
        Slack posting a message whose sender was killed before reading the answer.
        """
        event = threading.Event()
        self._state.holds[method] = (after, event)
        return event

    def enforce_post_limits(self, limits: PostLimits | None = None) -> None:
        """Answer chat.postMessage with 429 and ``Retry-After`` past Slack's documented rate."""
        self._state.limits = limits or PostLimits()

    @property
    def throttled(self) -> int:
        """How many calls the enforced limits answered with 429."""
        return self._state.throttled

    def _over_limit(self, method: str, args: dict[str, Any]) -> int | None:
        """Seconds to wait (for Retry-After) if this call breaks the enforced limits, else None."""
        limits = self._state.limits
        if limits is None or method != "chat.postMessage":
            return None
        now = time.monotonic()
        buckets = self._state.buckets
        burst = limits.workspace_burst or limits.workspace_per_minute
        workspace = buckets.setdefault("*", _TokenBucket(limits.workspace_per_minute / 60, burst))
        channel = buckets.setdefault(
            "#" + str(args.get("channel")), _TokenBucket(limits.per_channel_per_second, limits.channel_burst)
        )
        wait = max(workspace.take(now), channel.take(now))
        if wait <= 0:
            return None
        self._state.throttled += 1
        return max(1, math.ceil(wait))

    # -- the methods ------------------------------------------------------------------------
    def _ts(self) -> str:
        return f"{int(time.time())}.{next(self._ids):06d}"

    def _user_payload(self, user: FakeUser) -> dict:
        """A user object as ``users.info`` / ``users.list`` give it (bots: no e-mail, ``profile.bot_id``)."""
        real_name = user.name.title()
        try:  # a test may give a person a zone Slack would not know
            now = datetime.now(ZoneInfo(user.tz))
            tz_label, tz_offset = now.tzname(), int(now.utcoffset().total_seconds())
        except (ValueError, ZoneInfoNotFoundError):
            tz_label, tz_offset = user.tz, 0
        status = self.statuses.get(user.id, ("", "", 0))
        profile: dict[str, Any] = {
            "avatar_hash": user.id.encode().hex()[:12],
            "status_text": status[0],
            "status_emoji": status[1],
            "status_emoji_display_info": [],
            "status_expiration": status[2],
            "real_name": real_name,
            "display_name": user.name,
            "real_name_normalized": real_name,
            "display_name_normalized": user.name,
            **({"email": user.email} if user.email else {}),
            **{
                f"image_{size}": f"https://avatars.example.com/{user.id}_{size}.png"
                for size in (24, 32, 48, 72, 192, 512)
            },
            "team": TEAM_ID,
        }
        if user.is_bot:
            bot_id = BOT_ID if user.id == BOT_USER_ID else f"B{user.id[1:]}"
            profile |= {"bot_id": bot_id, "api_app_id": f"A{user.id[1:]}", "always_active": False}
        payload = {
            "id": user.id,
            "team_id": TEAM_ID,
            "name": user.name,
            "deleted": user.deleted,
            "color": "9f69e7",
            "real_name": real_name,
            "tz": user.tz,
            "tz_label": tz_label,
            "tz_offset": tz_offset,
            "profile": profile,
            "is_admin": user.is_admin,
            "is_owner": user.is_owner,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": user.is_bot,
            "updated": 1700000000,
            "is_app_user": False,
        }
        if not user.is_bot:
            payload["has_2fa"] = False
        return payload

    def _users_list(self, args: dict[str, Any]) -> dict:
        """Everyone in the workspace, deactivated people and bots (this app's among them) and Slackbot
        included, as Slack documents; all at once without a ``limit``, else a page and a ``next_cursor``."""
        listed = [*self.users.values()]
        listed += [u for u in (APP_BOT, SLACKBOT) if u.id not in self.users]
        offset = _offset(args["cursor"]) if args.get("cursor") else 0
        if offset is None:
            return {"ok": False, "error": "invalid_cursor"}
        try:
            limit = int(args.get("limit") or 0)
        except ValueError:
            return _invalid("limit")
        limit = min(limit, 1000) if limit > 0 else max(len(listed), 1)
        page = listed[offset : offset + limit]
        next_cursor = _cursor(offset + limit) if offset + limit < len(listed) else ""
        return {
            "ok": True,
            "members": [self._user_payload(u) for u in page],
            "cache_ts": int(time.time()),
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _store_view(self, view_id: str, view: dict) -> dict:
        stored = {
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            "clear_on_close": False,
            "notify_on_close": False,
            "close": None,
            "submit": None,
            **view,
            "id": view_id,
            "team_id": TEAM_ID,
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{next(self._ids):08x}",
            "root_view_id": view_id,
            "previous_view_id": None,
            "app_id": "A0APP0001",
            "app_installed_team_id": TEAM_ID,
            "bot_id": BOT_ID,
        }
        self._state.views[view_id] = stored
        return stored

    def _channel_members(self, channel: str) -> list[str] | None:
        """Members of a known channel (the bot included, as it has been invited), None if unknown."""
        if channel in self.channels:
            members = list(self.channels[channel])
        else:
            members = [u for u in self.users if self.dm_channel(u) == channel]
            if not members:
                return None
        return members if BOT_USER_ID in members else [*members, BOT_USER_ID]

    def _channel_payload(self, channel: str, members: list[str], with_count: bool) -> dict:
        created = 1700000000
        if channel[:1] == "D":
            user = next(m for m in members if m != BOT_USER_ID)
            return {"id": channel, "created": created, "is_im": True, "is_org_shared": False, "user": user}
        name = self.channel_names.get(channel) or f"team-{channel.lower()}"
        payload = {
            "id": channel,
            "name": name,
            "is_channel": not channel.startswith("G"),
            "is_group": channel.startswith("G"),
            "is_im": False,
            "is_mpim": False,
            "is_private": channel.startswith("G"),
            "created": created,
            "is_archived": False,
            "is_general": False,
            "unlinked": 0,
            "name_normalized": name,
            "is_shared": False,
            "is_org_shared": False,
            "is_ext_shared": False,
            "is_pending_ext_shared": False,
            "pending_shared": [],
            "context_team_id": TEAM_ID,
            "creator": members[0] if members else "",
            "is_member": True,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
            "previous_names": [],
        }
        if with_count:
            payload["num_members"] = len(members)
        return payload

    def _usergroup_payload(self, group_id: str, handle: str, members: list[str], with_users: bool) -> dict:
        payload = {
            "id": group_id,
            "team_id": TEAM_ID,
            "is_usergroup": True,
            "is_subteam": True,
            "name": handle.replace("-", " ").replace("_", " ").title(),
            "description": "",
            "handle": handle,
            "is_external": False,
            "date_create": 1700000000,
            "date_update": 1700000000,
            "date_delete": 0,
            "auto_type": None,
            "auto_provision": False,
            "enterprise_subteam_id": "",
            "created_by": members[0] if members else "",
            "updated_by": members[0] if members else "",
            "deleted_by": None,
            "prefs": {"channels": [], "groups": []},
            "user_count": len(members),
            "channel_count": 0,
        }
        if with_users:
            payload["users"] = list(members)
        return payload

    def _upload_url_for(self, args: dict[str, Any]) -> dict:
        filename = args.get("filename") or ""
        try:
            length = int(args.get("length") or "")
        except ValueError:
            length = -1
        if not filename or length < 0:
            bad = "filename" if not filename else "length"
            return _invalid(bad)
        file_id = f"F0UP{next(self._ids):06d}"
        self._state.uploads[file_id] = {"id": file_id, "filename": filename, "length": length, "content": None}
        return {"ok": True, "upload_url": f"{self._base}/upload/{file_id}", "file_id": file_id}

    def _complete_upload(self, args: dict[str, Any]) -> dict:
        items = args.get("files")
        if isinstance(items, str):
            items = _decode(items)
        if not isinstance(items, list) or not items or not all(isinstance(i, dict) and i.get("id") for i in items):
            return _invalid("files")
        uploads = self._state.uploads
        if any(uploads.get(i["id"], {}).get("content") is None or uploads[i["id"]].get("done") for i in items):
            return {"ok": False, "error": "file_not_found"}
        channels = [args["channel_id"]] if args.get("channel_id") else []
        channels += [c for c in str(args.get("channels") or "").split(",") if c and c not in channels]
        if args.get("thread_ts") and not channels:
            return _invalid("channel_id")
        now = int(time.time())
        answered = []
        for item in items:
            upload = uploads[item["id"]]
            upload["done"] = True
            title = item.get("title") or upload["filename"]
            self._state.files.append(
                {
                    "id": upload["id"],
                    "filename": upload["filename"],
                    "title": title,
                    "channel": channels[0] if channels else None,
                    "channels": list(channels),
                    "content": upload["content"],
                    "initial_comment": args.get("initial_comment") or None,
                    "thread_ts": args.get("thread_ts") or None,
                }
            )
            extension = upload["filename"].rsplit(".", 1)[-1].lower() if "." in upload["filename"] else "text"
            answered.append(
                {
                    "id": upload["id"],
                    "created": now,
                    "timestamp": now,
                    "name": upload["filename"],
                    "title": title,
                    "mimetype": "",
                    "filetype": extension,
                    "pretty_type": extension.upper(),
                    "user": BOT_USER_ID,
                    "user_team": TEAM_ID,
                    "editable": False,
                    "size": len(upload["content"]),
                    "mode": "hosted",
                    "is_external": False,
                    "external_type": "",
                    "is_public": any(c[:1] == "C" for c in channels),
                    "public_url_shared": False,
                    "display_as_bot": False,
                    "username": "",
                    "url_private": f"https://files.slack.com/files-pri/{TEAM_ID}-{upload['id']}/{upload['filename']}",
                    "url_private_download": (
                        f"https://files.slack.com/files-pri/{TEAM_ID}-{upload['id']}/download/{upload['filename']}"
                    ),
                    "permalink": f"https://acme.slack.com/files/{BOT_USER_ID}/{upload['id']}/{upload['filename']}",
                    "comments_count": 0,
                    "is_starred": False,
                    "shares": {},
                    "channels": [c for c in channels if c[:1] == "C"],
                    "groups": [c for c in channels if c[:1] == "G"],
                    "ims": [c for c in channels if c[:1] == "D"],
                    "has_more_shares": False,
                    "has_rich_preview": False,
                    "file_access": "visible",
                }
            )
        thread_ts = args.get("thread_ts")
        if thread_ts and channels:  # shared into a thread: a reply carrying the files, as Slack shows it
            ts = self._ts()
            self._state.messages[(channels[0], ts)] = {
                "type": "message",
                "user": BOT_USER_ID,
                "text": args.get("initial_comment") or "",
                "ts": ts,
                "thread_ts": thread_ts,
                "files": [{"id": f["id"], "name": f["name"], "title": f["title"]} for f in answered],
            }
        return {"ok": True, "files": answered}

    def _history_page(self, found: list[dict], args: dict[str, Any]) -> dict:
        """A page of ``found`` as conversations.history/replies answer: ``limit`` (at most 999) messages
        from the ``cursor``, metadata only with ``include_all_metadata``."""
        with_metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        try:
            limit = min(max(int(args.get("limit") or 100), 1), 999)
        except ValueError:
            return {"ok": False, "error": "invalid_limit"}
        offset = _offset(args["cursor"]) if args.get("cursor") else 0
        if offset is None:
            return {"ok": False, "error": "invalid_cursor"}
        page = [
            {k: v for k, v in m.items() if k != "metadata" or with_metadata} for m in found[offset : offset + limit]
        ]
        more = offset + limit < len(found)
        return {
            "ok": True,
            "messages": page,
            "has_more": more,
            "pin_count": 0,
            "response_metadata": {"next_cursor": _cursor(offset + limit) if more else ""},
        }

    def _answer(self, method: str, args: dict[str, Any]) -> dict:
        state = self._state
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://acme.slack.com/",
                "team": "Acme",
                "user": "airetro",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
            }
        if method == "chat.postMessage":
            channel = args.get("channel", "")
            if channel[:1] in "UW":
                if channel not in self.users:
                    return {"ok": False, "error": "channel_not_found"}
                channel = self.dm_channel(channel)
            ts = self._ts()
            message = {
                "type": "message",
                "user": BOT_USER_ID,
                "bot_id": BOT_ID,
                "text": args.get("text", ""),
                "blocks": args.get("blocks", []),
                "ts": ts,
            }
            if args.get("metadata"):
                message["metadata"] = args["metadata"]
            state.messages[(channel, ts)] = message
            return {"ok": True, "channel": channel, "ts": ts, "message": message}
        if method == "chat.update":
            key = (args.get("channel", ""), args.get("ts", ""))
            if key not in state.messages:
                return {"ok": False, "error": "message_not_found"}
            state.messages[key] = {
                **state.messages[key],
                "text": args.get("text", ""),
                "blocks": args.get("blocks", []),
            }
            return {"ok": True, "channel": key[0], "ts": key[1], "text": args.get("text", "")}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._ts()}
        if method == "views.publish":
            user_id = args.get("user_id") or ""
            view = args.get("view")
            if not user_id or not isinstance(view, dict) or view.get("type") != "home":
                return _invalid("user_id" if not user_id else "view")
            if user_id not in self.users:
                return {"ok": False, "error": "user_not_found"}
            view_id = state.homes.get(user_id)
            if args.get("hash") and view_id and state.views[view_id]["hash"] != args["hash"]:
                return {"ok": False, "error": "hash_conflict"}
            view_id = view_id or f"V{next(self._ids):08d}"
            state.homes[user_id] = view_id
            return {"ok": True, "view": self._store_view(view_id, view)}
        if method in ("views.open", "views.push", "views.update"):
            view_id = args.get("view_id") or f"V{next(self._ids):08d}"
            stored = self._store_view(view_id, args.get("view") or {})
            if method == "views.open":
                state.opened.append(view_id)
            return {"ok": True, "view": stored}
        if method == "users.info":
            user = self.users.get(args.get("user", ""))
            return {"ok": True, "user": self._user_payload(user)} if user else {"ok": False, "error": "user_not_found"}
        if method == "users.list":
            return self._users_list(args)
        if method == "users.lookupByEmail":
            email = (args.get("email") or "").lower()
            for user in self.users.values():
                if user.email and user.email.lower() == email:
                    return {"ok": True, "user": self._user_payload(user)}
            return {"ok": False, "error": "users_not_found"}
        if method == "conversations.history":
            channel = args.get("channel", "")
            oldest = float(args.get("oldest") or 0)
            found = [
                m
                for (ch, ts), m in state.messages.items()
                if ch == channel and float(ts) > oldest and m.get("thread_ts", ts) == ts  # no thread replies
            ]
            found.sort(key=lambda m: float(m["ts"]), reverse=True)  # newest first, as Slack returns them
            return self._history_page(found, args)
        if method == "conversations.replies":
            channel, parent = args.get("channel", ""), args.get("ts", "")
            if (channel, parent) not in state.messages:
                return {"ok": False, "error": "thread_not_found"}
            found = [
                m
                for (ch, ts), m in state.messages.items()
                if ch == channel and (ts == parent or m.get("thread_ts") == parent)
            ]
            found.sort(key=lambda m: float(m["ts"]))  # the parent first, then replies oldest first
            return self._history_page(found, args)
        if method == "conversations.members":
            members = self._channel_members(args.get("channel") or "")
            if members is None:
                return {"ok": False, "error": "channel_not_found"}
            offset = _offset(args["cursor"]) if args.get("cursor") else 0
            if offset is None:
                return {"ok": False, "error": "invalid_cursor"}
            try:
                limit = int(args.get("limit") or 100)
            except ValueError:
                return {"ok": False, "error": "invalid_limit"}
            limit = min(max(limit, 1), 1000)
            page = members[offset : offset + limit]
            next_cursor = _cursor(offset + limit) if offset + limit < len(members) else ""
            return {"ok": True, "members": page, "response_metadata": {"next_cursor": next_cursor}}
        if method == "conversations.info":
            channel = args.get("channel") or ""
            members = self._channel_members(channel)
            if members is None:
                return {"ok": False, "error": "channel_not_found"}
            with_count = str(args.get("include_num_members", "")).lower() in ("1", "true")
            return {"ok": True, "channel": self._channel_payload(channel, members, with_count)}
        if method == "usergroups.list":
            with_users = str(args.get("include_users", "")).lower() in ("1", "true")
            return {
                "ok": True,
                "usergroups": [
                    self._usergroup_payload(group_id, handle, ids, with_users)
                    for group_id, (handle, ids) in self.usergroups.items()
                ],
            }
        if method == "usergroups.users.list":
            group = self.usergroups.get(args.get("usergroup") or "")
            if group is None:
                return {"ok": False, "error": "no_such_subteam"}
            return {"ok": True, "users": list(group[1])}
        if method == "files.getUploadURLExternal":
            return self._upload_url_for(args)
        if method == "files.completeUploadExternal":
            return self._complete_upload(args)
        if method == "conversations.open":
            user = (args.get("users") or "").split(",")[0]
            return {"ok": True, "channel": {"id": self.dm_channel(user)}}
        return {"ok": False, "error": "unknown_method"}

    def _handle(self, method: str, args: dict[str, Any], token: str | None) -> _Outcome:
        with self._changed:
            self._state.in_flight += 1
        try:
            outcome = self._respond(method, args, token)
            if outcome.late is not None:  # still in flight: wait_idle() waits for the late answer too
                time.sleep(outcome.late)
            return outcome
        finally:
            with self._changed:
                self._state.in_flight -= 1
                self._changed.notify_all()

    def _respond(self, method: str, args: dict[str, Any], token: str | None) -> _Outcome:
        with self._changed:
            self._state.calls.append(Call(method, args, token))
            self._changed.notify_all()
            index = self._state.counts[method] = self._state.counts.get(method, 0) + 1
        hold = self._state.holds.get(method)
        if hold is not None and index > hold[0]:
            hold[1].wait(timeout=30)
        with self._changed:
            if token != self.token:
                return _Outcome(200, {"ok": False, "error": "invalid_auth"}, {})
            retry_after = self._over_limit(method, args)
            if retry_after is not None:
                return _Outcome(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)})
            faults = self._state.faults.get(method) or []
            if not faults:
                return _Outcome(200, self._answer(method, args), {})
            fault = faults[0]
            if fault.after > 0:
                fault.after -= 1
                return _Outcome(200, self._answer(method, args), {})
            fault.remaining -= 1
            if fault.remaining <= 0:
                faults.pop(0)
            if fault.retry_after is not None:
                return _Outcome(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(fault.retry_after)})
            if fault.error is not None:
                return _Outcome(200, {"ok": False, "error": fault.error}, {})
            answer = self._answer(method, args) if fault.processed else {"ok": False, "error": "internal_error"}
            if fault.status is not None:
                return _Outcome(fault.status, {"ok": False, "error": "internal_error"}, {})
            return _Outcome(200, answer, {}, late=fault.late, drop=fault.drop)

    def _receive_response(self, tag: str, data: bytes, _content_type: str) -> tuple[int, str]:
        """A POST to a response_url: Slack answers ``ok`` (HTTP 200), or 400 for a body that isn't JSON."""
        try:
            body = json.loads(data or b"null")
        except ValueError:
            return 400, "invalid_payload"
        if not isinstance(body, dict):
            return 400, "invalid_payload"
        with self._changed:
            self._state.responses.append((tag, body))
            self._changed.notify_all()
        return 200, "ok"

    def _receive_upload(self, file_id: str, data: bytes, content_type: str) -> tuple[int, str]:
        """Step two of files_upload_v2: the file's bytes POSTed to the upload_url (raw, or a multipart form)."""
        content = _multipart_file(data, content_type) if content_type.startswith("multipart/form-data") else data
        with self._changed:
            upload = self._state.uploads.get(file_id)
            if upload is None or upload.get("done"):
                return 404, "file_not_found"
            upload["content"] = content
            self._changed.notify_all()
        return 200, f"OK - {len(content)}"

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:  # keep test output quiet
                pass

            def _send(self, status: int, payload: bytes, content_type: str, headers: dict[str, str]) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                path = self.path.split("?")[0]
                data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                content_type = self.headers.get("Content-Type") or ""
                if path.startswith(("/response/", "/upload/")):
                    receive = api._receive_response if path.startswith("/response/") else api._receive_upload
                    status, text = receive(path.split("/", 2)[2], data, content_type)
                    self._send(status, text.encode(), "text/plain; charset=utf-8", {})
                    return
                method = path.split("/api/", 1)[-1]
                raw = data.decode()
                if "json" in content_type:
                    args = json.loads(raw or "{}")
                else:
                    args = {k: _decode(v) for k, v in parse_qsl(raw, keep_blank_values=True)}
                auth = self.headers.get("Authorization") or ""
                token = auth.removeprefix("Bearer ") if auth else args.pop("token", None)
                outcome = api._handle(method, args, token)
                if outcome.drop:  # no status line at all: the client sees the connection closed
                    self.close_connection = True
                    return
                try:
                    self._send(outcome.status, json.dumps(outcome.body).encode(), "application/json; charset=utf-8",
                               outcome.headers)  # fmt: skip
                except OSError:  # a late answer to a client that gave up
                    self.close_connection = True

        return Handler


def users_from(names: list[str], make_id: Callable[[int], str] = lambda i: f"U0USER{i:03d}") -> list[FakeUser]:
    """Fake users ``name@example.com`` with IDs U0USER001, U0USER002, …"""
    return [FakeUser(make_id(i), name, f"{name}@example.com") for i, name in enumerate(names, start=1)]
