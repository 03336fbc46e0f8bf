"""A local stand-in for the two Cursor Admin API endpoints ``--from-api cursor`` calls: a real HTTP server
on 127.0.0.1 answering in the documented shapes, from the records it is given.

- ``POST /teams/daily-usage-data`` ``{"startDate", "endDate"}`` (Unix milliseconds, both required): the
  member-day records whose ``date`` is in the range, as ``{"data": [...], "period": {"startDate",
  "endDate"}}``.
- ``POST /teams/filtered-usage-events`` ``{"startDate", "endDate", "page", "pageSize"}`` (``page`` from 1,
  default 1; ``pageSize`` default 10): the events whose ``timestamp`` is in the range, a page at a time, as
  ``{"totalUsageEventsCount", "pagination": {"numPages", "currentPage", "pageSize", "hasNextPage",
  "hasPreviousPage"}, "usageEvents": [...], "period"}``. A page holds at most ``max_page_size`` events, so
  a test can make a small team's events span several pages.

The key is checked as Cursor takes it: HTTP Basic, the key as user name and an empty password; anything
else is answered 401. Every request is recorded (path, JSON body, headers); a test can make the n-th
request to an endpoint fail with a status (and ``Retry-After``), or cut its body off half-way. The record
lists may be changed while the server runs (a new event arriving between two pages).
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler

from bot.standin.local_server import LocalServer

CURSOR_KEY = "key_standin0123456789abcdef0123456789abcdef"
DAILY = "/teams/daily-usage-data"
EVENTS = "/teams/filtered-usage-events"
DEFAULT_PAGE_SIZE = 10


@dataclass(frozen=True)
class Request:
    """One request as the stand-in saw it: header names lower-cased, the body as parsed JSON."""

    path: str
    body: object
    headers: dict[str, str]


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


class CursorAdminApi(LocalServer):
    """``with CursorAdminApi(daily=[...], events=[...]) as api:``; point ``CURSOR_API_URL`` at ``api.url``
    and set ``CURSOR_ADMIN_KEY`` to ``CURSOR_KEY``. ``daily`` are ``/teams/daily-usage-data`` records,
    ``events`` ``/teams/filtered-usage-events`` usage events, served in the order given."""

    def __init__(
        self,
        daily: Iterable[dict] = (),
        events: Iterable[dict] = (),
        *,
        key: str = CURSOR_KEY,
        max_page_size: int = 1000,
    ) -> None:
        self.daily: list[dict] = list(daily)
        self.events: list[dict] = list(events)
        self.key = key
        self.max_page_size = max_page_size
        super().__init__("cursor-standin")

    @classmethod
    def from_files(cls, daily: Iterable[str] = (), events: Iterable[str] = (), **options: object) -> CursorAdminApi:
        """Serve the records of saved responses: ``data`` of daily-usage-data answers, ``usageEvents`` of
        filtered-usage-events answers."""

        def items(paths: Iterable[str], key: str) -> list[dict]:
            found: list[dict] = []
            for path in paths:
                with open(path, encoding="utf-8") as handle:
                    found += json.load(handle)[key]
            return found

        return cls(items(daily, "data"), items(events, "usageEvents"), **options)  # type: ignore[arg-type]

    # -- serving -----------------------------------------------------------------------------
    def _answer(self, method: str, path: str, raw: bytes, headers: dict[str, str]) -> tuple[int, dict, dict]:
        try:
            body: object = json.loads(raw or b"null")
        except ValueError:
            body = raw.decode("utf-8", "replace")
        fault = self._record(path, Request(path, body, headers))
        try:
            if path not in (DAILY, EVENTS):
                raise _Refused(404, f"no route for {path}")
            if method != "POST":
                raise _Refused(405, f"{path} takes POST")
            self._authorise(headers)
            if fault is not None and fault.status is not None:
                extra = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
                return fault.status, extra, {"error": "stand-in fault"}
            answer = self._daily(body) if path == DAILY else self._events(body)
        except _Refused as refused:
            return refused.status, {}, {"error": refused.message}
        return 200, ({"X-Standin-Cut": "1"} if fault is not None else {}), answer

    def _authorise(self, headers: dict[str, str]) -> None:
        expected = "Basic " + base64.b64encode(f"{self.key}:".encode()).decode()
        if headers.get("authorization") != expected:
            raise _Refused(401, "Invalid API key")

    def _daily(self, body: object) -> dict:
        start, end = _range(body)
        data = [record for record in list(self.daily) if start <= int(record["date"]) <= end]
        return {"data": data, "period": {"startDate": start, "endDate": end}}

    def _events(self, body: object) -> dict:
        start, end = _range(body)
        params = body if isinstance(body, dict) else {}
        page = _whole(params, "page", 1)
        size = min(_whole(params, "pageSize", DEFAULT_PAGE_SIZE), self.max_page_size)
        found = [event for event in list(self.events) if start <= int(event["timestamp"]) <= end]
        pages = math.ceil(len(found) / size)
        return {
            "totalUsageEventsCount": len(found),
            "pagination": {
                "numPages": pages,
                "currentPage": page,
                "pageSize": size,
                "hasNextPage": page < pages,
                "hasPreviousPage": page > 1,
            },
            "usageEvents": found[(page - 1) * size : page * size],
            "period": {"startDate": start, "endDate": end},
        }

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:  # keep test output quiet
                pass

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                headers = {name.lower(): value for name, value in self.headers.items()}
                status, extra, body = api._answer(method, self.path.split("?", 1)[0], raw, headers)
                payload = json.dumps(body).encode()
                cut = extra.pop("X-Standin-Cut", None)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                if cut:  # promise the whole body, send half, hang up
                    self.wfile.write(payload[: len(payload) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(payload)

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                self._serve("POST")

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                self._serve("GET")

        return Handler


def _range(body: object) -> tuple[int, int]:
    if not isinstance(body, dict):
        raise _Refused(400, "the body must be a JSON object")
    start, end = _whole(body, "startDate", None), _whole(body, "endDate", None)
    if start > end:
        raise _Refused(400, "startDate is after endDate")
    return start, end


def _whole(body: dict, name: str, default: int | None) -> int:
    value = body.get(name)
    if value is None:
        if default is None:
            raise _Refused(400, f"{name} is required")
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < (1 if name in ("page", "pageSize") else 0):
        raise _Refused(400, f"{name} must be a non-negative whole number (Unix milliseconds for dates)")
    return value
