"""A local Slack Web API stand-in: a real HTTP server on 127.0.0.1 answering in Slack's shapes.

Responses follow the examples in Slack's method documentation (``{"ok": true, ...}`` /
``{"ok": false, "error": "..."}``). Every call is recorded so a test or the demo can see exactly
what the bot sent. A test can make a method fail, answer 429 with ``Retry-After``, or hold its
answer until released (to prove the bot acked Slack before doing slow work).
"""

from __future__ import annotations

import itertools
import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

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


def _decode(value: Any) -> Any:
    """slack-sdk sends blocks/views as JSON strings inside form bodies; decode them back."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class SlackWebApi:
    """Start with ``with SlackWebApi(token, users) as slack:``; point ``SLACK_API_URL`` at ``slack.url``."""

    def __init__(self, token: str = "xoxb-standin", users: list[FakeUser] | None = None) -> None:
        self.token = token
        self.users = {u.id: u for u in users or []}
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
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/"

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

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Block until ``method`` has been called ``count`` times (the bot works after its ack)."""
        # Counted in condition waits rather than clock readings, so a test on a frozen clock cannot hang.
        rounds = max(1, int(timeout / 0.05))
        with self._changed:
            while len([c for c in self._state.calls if c.method == method]) < count:
                if rounds == 0:
                    seen = [c.method for c in self._state.calls]
                    raise TimeoutError(f"{method} called fewer than {count} times; calls so far: {seen}")
                rounds -= 1
                self._changed.wait(0.05)
            return [c for c in self._state.calls if c.method == method]

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
        with self._changed:
            return [m for (ch, _ts), m in sorted(self._state.messages.items()) if ch == channel]

    def view(self, view_id: str) -> dict:
        with self._changed:
            return self._state.views[view_id]

    def last_opened_view(self) -> dict:
        with self._changed:
            return self._state.views[self._state.opened[-1]]

    def dm_channel(self, user_id: str) -> str:
        return "D" + user_id[1:]

    # -- what tests arrange -----------------------------------------------------------------
    def fail(self, method: str, error: str, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` answer ``{"ok": false, "error": error}``."""
        self._state.faults.setdefault(method, []).append(_Fault(times, error=error))

    def rate_limit(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` answer HTTP 429 with ``Retry-After``."""
        self._state.faults.setdefault(method, []).append(_Fault(times, retry_after=retry_after))

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
        workspace = buckets.setdefault("*", _TokenBucket(limits.workspace_per_minute / 60, limits.workspace_per_minute))
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
        return {
            "id": user.id,
            "team_id": TEAM_ID,
            "name": user.name,
            "deleted": False,
            "real_name": user.name.title(),
            "tz": user.tz,
            "is_admin": user.is_admin,
            "is_owner": False,
            "is_bot": False,
            "profile": {"email": user.email, "real_name": user.name.title(), "display_name": user.name},
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
        if method in ("views.open", "views.publish", "views.push", "views.update"):
            view = args.get("view") or {}
            view_id = args.get("view_id") or f"V{next(self._ids):08d}"
            stored = {
                "private_metadata": "",
                "callback_id": "",
                "external_id": "",
                "clear_on_close": False,
                "notify_on_close": False,
                **view,
                "id": view_id,
                "team_id": TEAM_ID,
                "state": {"values": {}},
                "hash": f"{int(time.time())}.{view_id}",
                "root_view_id": view_id,
                "previous_view_id": None,
                "app_id": "A0APP0001",
                "app_installed_team_id": TEAM_ID,
                "bot_id": BOT_ID,
            }
            state.views[view_id] = stored
            if method == "views.open":
                state.opened.append(view_id)
            return {"ok": True, "view": stored}
        if method == "users.info":
            user = self.users.get(args.get("user", ""))
            return {"ok": True, "user": self._user_payload(user)} if user else {"ok": False, "error": "user_not_found"}
        if method == "users.lookupByEmail":
            email = (args.get("email") or "").lower()
            for user in self.users.values():
                if user.email.lower() == email:
                    return {"ok": True, "user": self._user_payload(user)}
            return {"ok": False, "error": "users_not_found"}
        if method == "conversations.history":
            channel = args.get("channel", "")
            oldest = float(args.get("oldest") or 0)
            with_metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
            found = [
                {k: v for k, v in m.items() if k != "metadata" or with_metadata}
                for (ch, ts), m in state.messages.items()
                if ch == channel and float(ts) > oldest
            ]
            found.sort(key=lambda m: float(m["ts"]), reverse=True)  # newest first, as Slack returns them
            limit = int(args.get("limit") or 100)
            return {
                "ok": True,
                "messages": found[:limit],
                "has_more": len(found) > limit,
                "pin_count": 0,
                "response_metadata": {"next_cursor": ""},
            }
        if method == "conversations.open":
            user = (args.get("users") or "").split(",")[0]
            return {"ok": True, "channel": {"id": self.dm_channel(user)}}
        return {"ok": False, "error": "unknown_method"}

    def _handle(self, method: str, args: dict[str, Any], token: str | None) -> tuple[int, dict, dict[str, str]]:
        with self._changed:
            self._state.in_flight += 1
        try:
            return self._respond(method, args, token)
        finally:
            with self._changed:
                self._state.in_flight -= 1
                self._changed.notify_all()

    def _respond(self, method: str, args: dict[str, Any], token: str | None) -> tuple[int, dict, dict[str, str]]:
        with self._changed:
            self._state.calls.append(Call(method, args, token))
            self._changed.notify_all()
            index = self._state.counts[method] = self._state.counts.get(method, 0) + 1
        hold = self._state.holds.get(method)
        if hold is not None and index > hold[0]:
            hold[1].wait(timeout=30)
        with self._changed:
            if token != self.token:
                return 200, {"ok": False, "error": "invalid_auth"}, {}
            retry_after = self._over_limit(method, args)
            if retry_after is not None:
                return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)}
            faults = self._state.faults.get(method) or []
            if faults:
                fault = faults[0]
                fault.remaining -= 1
                if fault.remaining <= 0:
                    faults.pop(0)
                if fault.retry_after is not None:
                    return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(fault.retry_after)}
                return 200, {"ok": False, "error": fault.error}, {}
            return 200, self._answer(method, args), {}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                method = self.path.split("/api/", 1)[-1].split("?")[0]
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                if "json" in (self.headers.get("Content-Type") or ""):
                    args = json.loads(raw or "{}")
                else:
                    args = {k: _decode(v) for k, v in parse_qsl(raw, keep_blank_values=True)}
                auth = self.headers.get("Authorization") or ""
                token = auth.removeprefix("Bearer ") if auth else args.pop("token", None)
                status, body, headers = api._handle(method, args, token)
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

        return Handler


def users_from(names: list[str], make_id: Callable[[int], str] = lambda i: f"U0USER{i:03d}") -> list[FakeUser]:
    """Fake users ``name@example.com`` with IDs U0USER001, U0USER002, …"""
    return [FakeUser(make_id(i), name, f"{name}@example.com") for i, name in enumerate(names, start=1)]
