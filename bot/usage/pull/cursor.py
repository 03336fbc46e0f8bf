"""Cursor's Admin API (``airetro import-usage --from-api cursor``): what each member did, and what each
request cost.

Two endpoints, both ``POST`` with a JSON body and the admin key as HTTP Basic user name (empty password),
as Cursor documents (``curl -u KEY:``); dates are Unix times in milliseconds:

- ``/teams/daily-usage-data`` ``{"startDate", "endDate"}`` → ``{"data": [...], "period": {...}}``, one
  record per member and day. Each becomes an ActivityRow keyed by ``email``: interactions = chatRequests
  + composerRequests + cmdkUsages, code generations = totalTabsShown + totalApplies, code acceptances =
  totalTabsAccepted + totalAccepts, agent requests = agentRequests, lines added / removed =
  acceptedLinesAdded / acceptedLinesDeleted, tool accepted / rejected = totalAccepts / totalRejects. A
  bucketed source: importing a day again replaces the member's record of that day. A record with
  ``isActive: false`` and nothing counted is left out (it says nothing was done; stored, it would make an
  idle member look like one with tool activity).
- ``/teams/filtered-usage-events`` ``{"startDate", "endDate", "page", "pageSize"}`` →
  ``{"totalUsageEventsCount", "pagination": {"numPages", "currentPage", "pageSize", "hasNextPage",
  "hasPreviousPage"}, "usageEvents": [...], "period"}``, one event per request, followed page by page
  until ``hasNextPage`` is false. Each becomes a UsageRow keyed by ``userEmail`` (one request; tokens
  from ``tokenUsage``; cost = ``tokenUsage.totalCents`` / 100: Cursor reports cents). An event without
  ``tokenUsage`` (a request-priced call) or without ``totalCents`` has no dollars: its cost is marked
  unknown (``cost_known=False``), never $0. Cursor gives events no id, so each gets one derived from what
  identifies the request (user, timestamp, model, kind, max mode, token counts): the same event seen
  again (a page read twice, a window imported again, events shifting between pages while new ones arrive)
  is kept once, while distinct events of a day add up. The cents are left out of the id, so a cost Cursor
  revises later replaces the old figure instead of adding to it.

A long period is asked for in windows of at most ``WINDOW_DAYS`` days. A 429 (or a 5xx) is retried after
the ``Retry-After`` the API asks for, as ``bot/usage/fetch.py`` does; the key is only sent over HTTPS or to
this machine (the stand-in, ``bot/standin/cursor.py``). Everything is streamed: memory stays one record's.
"""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from http.client import HTTPException
from typing import IO, TYPE_CHECKING

import ijson

from bot.usage import fetch as http
from bot.usage import keys
from bot.usage.formats import _pages
from bot.usage.rows import ActivityRow, RecordError, Row, UsageRow

if TYPE_CHECKING:
    from bot.usage.fetch import Fetch

SOURCE = "cursor"
TITLE = "Cursor"  # the key's name and base URL are in PROVIDERS["cursor"] (bot/usage/fetch.py)
DAILY_PATH = "/teams/daily-usage-data"
EVENTS_PATH = "/teams/filtered-usage-events"
PAGE_SIZE = 100  # events per page asked for
WINDOW_DAYS = 30  # days per request: a long period is asked for a window at a time
_MS_FLOOR = 10**12  # 2001-09-09 in milliseconds: a smaller time is seconds, not milliseconds


# -- the pull ------------------------------------------------------------------------------------


def rows(run: Fetch) -> Iterator[Row]:
    """Every row of ``run``'s period: per window, the members' days (activity), then the usage events."""
    windows = list(_windows(run.since, run.until))
    for first, last in windows:
        span = f" {first}..{last}" if len(windows) > 1 else ""
        body = {"startDate": _ms(first), "endDate": _ms(last + timedelta(days=1)) - 1}
        yield from _activity(run, body, span)
        yield from _events(run, body, span)


def _windows(since: date, until: date) -> Iterator[tuple[date, date]]:
    """``since``..``until`` in consecutive windows of at most WINDOW_DAYS days (first and last day)."""
    first = since
    while first <= until:
        last = min(until, first + timedelta(days=WINDOW_DAYS - 1))
        yield first, last
        first = last + timedelta(days=1)


def _activity(run: Fetch, body: dict, span: str) -> Iterator[ActivityRow]:
    where = f"{TITLE} {DAILY_PATH}{span}"
    for ref, record in _read(run, DAILY_PATH, body, where, f"{DAILY_PATH}{span}", "data", {}):
        row = activity_row(ref, record)
        if row is not None:
            yield row


def _events(run: Fetch, body: dict, span: str) -> Iterator[UsageRow]:
    for number in range(1, http.MAX_PAGES + 1):
        where = f"{TITLE} {EVENTS_PATH}{span}, page {number}"
        meta: dict = {}
        page = {**body, "page": number, "pageSize": PAGE_SIZE}
        label = f"{EVENTS_PATH}{span} page {number}"
        for ref, event in _read(run, EVENTS_PATH, page, where, label, "usageEvents", meta):
            yield usage_row(ref, event)
        pagination = meta.get("pagination")
        if pagination is None:
            return  # a single page
        more = pagination.get("hasNextPage")
        if not isinstance(more, bool):
            raise http.FetchError(f"{where} has no hasNextPage (true or false) in its pagination")
        if not more:
            return
    raise http.FetchError(f"{TITLE} {EVENTS_PATH}: more than {http.MAX_PAGES} pages; ask for fewer days")


# -- records → rows --------------------------------------------------------------------------------

_INTERACTIONS = ("chatRequests", "composerRequests", "cmdkUsages")
_GENERATIONS = ("totalTabsShown", "totalApplies")
_ACCEPTANCES = ("totalTabsAccepted", "totalAccepts")


def activity_row(ref: str, record: dict) -> ActivityRow | None:
    """One member-day of ``/teams/daily-usage-data``; None for an inactive day with nothing counted."""
    day = _ms_day(record, "date", ref)
    key = keys.normalise(_pages.text(record, "email", ref))

    def total(names: tuple[str, ...]) -> int:
        return sum(_pages.count(record, name, ref) for name in names)

    row = ActivityRow(
        person_key=key,
        day=day,
        ref=ref,
        interactions=total(_INTERACTIONS),
        code_generations=total(_GENERATIONS),
        code_acceptances=total(_ACCEPTANCES),
        agent_requests=_pages.count(record, "agentRequests", ref),
        lines_added=_pages.count(record, "acceptedLinesAdded", ref),
        lines_removed=_pages.count(record, "acceptedLinesDeleted", ref),
        tool_accepted=_pages.count(record, "totalAccepts", ref),
        tool_rejected=_pages.count(record, "totalRejects", ref),
    )
    active = record.get("isActive")
    if active is not None and not isinstance(active, bool):
        raise RecordError(ref, f"isActive {active!r} is not true or false")
    counted = (row.interactions, row.code_generations, row.code_acceptances, row.agent_requests)
    if active is False and not any((*counted, row.lines_added, row.lines_removed, row.tool_rejected)):
        return None
    return row


def usage_row(ref: str, event: dict) -> UsageRow:
    """One request of ``/teams/filtered-usage-events``."""
    key = keys.normalise(_pages.text(event, "userEmail", ref))
    ref = f"{ref} ({key})"
    stamp = _ms_value(event, "timestamp", ref)
    model = _pages.optional_text(event, "model", ref) or "unknown"
    kind = _pages.optional_text(event, "kind", ref)
    max_mode = event.get("maxMode")
    if max_mode is not None and not isinstance(max_mode, bool):
        raise RecordError(ref, f"maxMode {max_mode!r} is not true or false")
    usage = event.get("tokenUsage")
    tokens = (0, 0, 0, 0)
    cents: float | None = None
    if usage is not None:
        if not isinstance(usage, dict):
            raise RecordError(ref, "tokenUsage is not an object")
        where = f"{ref}.tokenUsage"
        tokens = (
            _pages.count(usage, "inputTokens", where),
            _pages.count(usage, "outputTokens", where),
            _pages.count(usage, "cacheReadTokens", where, required=False),
            _pages.count(usage, "cacheWriteTokens", where, required=False),
        )
        if usage.get("totalCents") is not None:
            cents = _pages.amount(usage, "totalCents", where)
    return UsageRow(
        person_key=key,
        day=_day(stamp, "timestamp", ref),
        model=model,
        ref=ref,
        input_tokens=tokens[0],
        output_tokens=tokens[1],
        cache_read_tokens=tokens[2],
        cache_write_tokens=tokens[3],
        cost_usd=round(cents / 100, 6) if cents is not None else 0.0,
        cost_known=cents is not None,
        requests=1,
        event_id=event_id(key, stamp, model, kind, max_mode, tokens),
    )


def event_id(
    key: str, stamp: int, model: str, kind: str | None, max_mode: bool | None, tokens: tuple[int, int, int, int]
) -> str:
    """A stable id for a usage event (Cursor gives none): the same request always gets the same id."""
    identity = json.dumps([key, stamp, model, kind, max_mode, *tokens], separators=(",", ":"))
    return "cursor:" + hashlib.sha256(identity.encode()).hexdigest()[:32]


def _ms_value(record: dict, name: str, ref: str) -> int:
    """A Unix time in milliseconds: a whole number, or a string of digits (events send strings)."""
    value = record.get(name)
    if value is None:
        raise RecordError(ref, f"missing {name}")
    if isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        raise RecordError(ref, f"{name} {value!r} is not a Unix time in milliseconds")
    if number < _MS_FLOOR:
        raise RecordError(ref, f"{name} {value!r} is not a Unix time in milliseconds (seconds?)")
    return number


def _ms_day(record: dict, name: str, ref: str) -> date:
    return _day(_ms_value(record, name, ref), name, ref)


def _day(stamp: int, name: str, ref: str) -> date:
    try:
        return datetime.fromtimestamp(stamp / 1000, UTC).date()
    except (OverflowError, OSError, ValueError):
        raise RecordError(ref, f"{name} {stamp} is not a Unix time in milliseconds") from None


def _ms(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()) * 1000


# -- HTTP and streaming ------------------------------------------------------------------------------


def _read(
    run: Fetch, path: str, body: dict, where: str, label: str, list_key: str, meta: dict
) -> Iterator[tuple[str, dict]]:
    """The records of ``list_key`` in the answer to ``POST path body``, one at a time, named
    ``{label}: {list_key}[i]``; ``meta["pagination"]`` receives the answer's pagination object."""
    with _post(run, path, body, where) as response:
        try:
            yield from _records(response, list_key, label, meta)
        except (OSError, HTTPException, ijson.JSONError) as exc:
            raise http.FetchError(f"{where} broke off while being read ({http._reason(exc)})") from None


def _records(handle: IO[bytes], list_key: str, label: str, meta: dict) -> Iterator[tuple[str, dict]]:
    events = ijson.parse(handle)
    item = f"{list_key}.item"
    index = 0
    seen = False
    for prefix, event, _value in events:
        if prefix == item:
            ref = f"{label}: {list_key}[{index}]"
            if event != "start_map":
                raise RecordError(ref, "expected an object")
            yield ref, _pages._build(events)
            index += 1
        elif prefix == list_key:
            if event == "start_array":
                seen = True
            elif event != "end_array":
                raise RecordError(f"{label}: {list_key}", "is not a list")
        elif prefix == "pagination" and event == "start_map":
            meta["pagination"] = _pages._build(events)
        elif prefix == "" and event not in ("start_map", "map_key", "end_map"):
            raise RecordError(label, f"expected a JSON object with a {list_key} list")
    if not seen:
        raise RecordError(label, f"has no {list_key} list")


def _post(run: Fetch, path: str, body: dict, where: str) -> IO[bytes]:
    data = json.dumps(body).encode()
    request = urllib.request.Request(f"{run.base_url}{path}", data=data, headers=_headers(run.key), method="POST")
    for attempt in range(1, http.ATTEMPTS + 1):
        try:
            return urllib.request.urlopen(request, timeout=http.TIMEOUT)
        except urllib.error.HTTPError as exc:
            detail = _error_message(exc)
            exc.close()
            if exc.code in (401, 403):
                spec, said = run.provider, f"HTTP {exc.code}{': ' + detail if detail else ''}"
                raise http.FetchError(
                    f"{spec.title} rejected the key in {spec.key_env} ({said}); it needs {spec.key_hint}"
                ) from None
            if (exc.code == 429 or exc.code >= 500) and attempt < http.ATTEMPTS:
                run.sleep(http._retry_after(exc))
                continue
            raise http.FetchError(f"{where} failed: HTTP {exc.code}{': ' + detail if detail else ''}") from None
        except (TimeoutError, urllib.error.URLError, ConnectionError, HTTPException) as exc:
            raise http.FetchError(f"cannot reach {run.base_url} ({http._reason(exc)})") from None
    raise AssertionError("unreachable")


def _headers(key: str) -> dict[str, str]:
    basic = base64.b64encode(f"{key}:".encode()).decode()  # the key as user name, no password
    return {
        "User-Agent": http.USER_AGENT,
        "Accept": "application/json",
        "Content-Type": "application/json",
        "Authorization": f"Basic {basic}",
    }


def _error_message(exc: urllib.error.HTTPError) -> str:
    """The API's one-line message: ``{"error": "..."}``, ``{"error": {"message": ...}}`` or ``{"message": ...}``."""
    try:
        body = json.loads(exc.read(65536) or b"null")
    except (ValueError, OSError, HTTPException):
        return ""
    message: object = None
    if isinstance(body, dict):
        error = body.get("error")
        message = error.get("message") if isinstance(error, dict) else error or body.get("message")
    return " ".join(str(message).split())[:200] if isinstance(message, str) and message.strip() else ""
