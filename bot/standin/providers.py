"""A local stand-in for the three provider usage endpoints ``--from-api`` calls: a real HTTP server
on 127.0.0.1 serving the documented shapes, page by page, from fixture records.

- ``GET /v1/organizations/usage_report/messages`` (Anthropic; ``x-api-key`` + ``anthropic-version``):
  buckets whose ``starting_at`` is at or after the ``starting_at`` parameter and, when ``ending_at``
  is given, whose ``ending_at`` is not after it; their results grouped only by the ``group_by[]``
  dimensions asked for, the others null and summed over (``bot.standin.anthropic_admin``).
- ``GET /v1/organizations/users`` and ``GET /v1/organizations/api_keys`` (Anthropic Admin API): the
  organisation's members and API keys, paged by ``limit`` / ``after_id`` (``has_more``, ``last_id``).
- ``GET /v1/organizations/usage_report/claude_code`` (Anthropic): the records of the one day
  ``starting_at=YYYY-MM-DD`` names.
- ``GET /v1/organization/usage/completions`` (OpenAI; ``Authorization: Bearer``): buckets with
  ``start_time`` at or after the parameter and ``end_time`` not after ``end_time`` when given.

Pages hold at most ``page_size`` items (or the request's smaller ``limit``) and link with
``has_more`` / ``next_page`` (an opaque cursor the next request passes as ``page``). A wrong key is
answered 401 with each provider's error body. Every request is recorded (path, query parameters,
headers); a test can make the n-th request to an endpoint fail with a status (and ``Retry-After``),
or cut its body off half-way.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from bot.standin import anthropic_admin
from bot.standin.local_server import LocalServer
from bot.usage.formats import _pages

ANTHROPIC_KEY = "sk-ant-admin01-standin-0123456789"
OPENAI_KEY = "sk-admin-standin-0123456789"

MESSAGES = "/v1/organizations/usage_report/messages"
CLAUDE_CODE = "/v1/organizations/usage_report/claude_code"
COMPLETIONS = "/v1/organization/usage/completions"
USERS = "/v1/organizations/users"
API_KEYS = "/v1/organizations/api_keys"
_LISTS = (USERS, API_KEYS)
_DEFAULT_LIMIT = {MESSAGES: 7, CLAUDE_CODE: 20, COMPLETIONS: 7}
_MAX_LIMIT = {MESSAGES: 31, CLAUDE_CODE: 1000, COMPLETIONS: 31}


@dataclass(frozen=True)
class Request:
    """One request as the stand-in saw it: header names lower-cased, parameters as lists."""

    path: str
    params: dict[str, list[str]]
    headers: dict[str, str]

    def param(self, name: str) -> str | None:
        values = self.params.get(name)
        return values[0] if values else None


class _Refused(Exception):
    def __init__(self, status: int, body: dict) -> None:
        super().__init__(status)
        self.status, self.body = status, body


class ProviderApis(LocalServer):
    """``with ProviderApis(anthropic=[...], claude_code=[...], openai=[...]) as apis:``; point
    ``ANTHROPIC_API_URL`` and ``OPENAI_API_URL`` at ``apis.url``. The three lists are the data items
    the endpoints serve (buckets, actor-day records, buckets) in order; ``users`` and ``api_keys`` the
    Anthropic organisation's members and API keys. They may be changed while the server runs."""

    def __init__(
        self,
        anthropic: Iterable[dict] = (),
        claude_code: Iterable[dict] = (),
        openai: Iterable[dict] = (),
        *,
        page_size: int = 2,
        anthropic_key: str = ANTHROPIC_KEY,
        openai_key: str = OPENAI_KEY,
        users: Iterable[dict] = (),
        api_keys: Iterable[dict] = (),
    ) -> None:
        self.data: dict[str, list[dict]] = {
            MESSAGES: list(anthropic),
            CLAUDE_CODE: list(claude_code),
            COMPLETIONS: list(openai),
            USERS: list(users),  # Admin API user objects, in list order
            API_KEYS: list(api_keys),  # Admin API API key objects
        }
        self.page_size = page_size
        self.anthropic_key, self.openai_key = anthropic_key, openai_key
        super().__init__("provider-standin")

    @classmethod
    def from_files(
        cls,
        anthropic: Iterable[str] = (),
        claude_code: Iterable[str] = (),
        openai: Iterable[str] = (),
        **options: object,
    ) -> ProviderApis:
        """Serve the data items of saved report files (any form the format parsers read)."""

        def items(paths: Iterable[str]) -> list[dict]:
            return [record for path in paths for _ref, record in _pages.read_file(path)]

        return cls(items(anthropic), items(claude_code), items(openai), **options)  # type: ignore[arg-type]

    # -- serving -----------------------------------------------------------------------------
    def _answer(self, path: str, params: dict[str, list[str]], headers: dict[str, str]) -> tuple[int, dict, dict]:
        fault = self._record(path, Request(path, params, headers))
        if path not in self.data:
            return 404, {}, _error(path, 404, "not_found_error", f"no route for {path}")
        try:
            self._authorise(path, headers)
            if fault is not None and fault.status is not None:
                extra = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
                return fault.status, extra, _error(path, fault.status, "api_error", "stand-in fault")
            page = self._page(path, params)
        except _Refused as refused:
            return refused.status, {}, refused.body
        return 200, ({"X-Standin-Cut": "1"} if fault is not None else {}), page

    def _authorise(self, path: str, headers: dict[str, str]) -> None:
        if path == COMPLETIONS:
            if headers.get("authorization") != f"Bearer {self.openai_key}":
                given = headers.get("authorization", "").removeprefix("Bearer ")
                raise _Refused(
                    401, _error(path, 401, "invalid_request_error", f"Incorrect API key provided: {given[:8]}…")
                )
            return
        if headers.get("x-api-key") != self.anthropic_key:
            raise _Refused(401, _error(path, 401, "authentication_error", "invalid x-api-key"))
        if not headers.get("anthropic-version"):
            raise _Refused(400, _error(path, 400, "invalid_request_error", "anthropic-version: header is required"))

    def _page(self, path: str, params: dict[str, list[str]]) -> dict:
        try:
            if path in _LISTS:
                return anthropic_admin.list_page(self.data[path], params, self.page_size)
            dimensions = anthropic_admin.group_by(params) if path == MESSAGES else ()
        except anthropic_admin.BadRequest as exc:
            raise _Refused(400, _error(path, 400, "invalid_request_error", str(exc))) from None
        items = [item for item in self.data[path] if self._wanted(path, item, params)]
        if path == MESSAGES:
            items = [anthropic_admin.grouped(bucket, dimensions) for bucket in items]
        start = _cursor_offset(path, _one(params, "page"))
        limit = _int_param(path, params, "limit", _DEFAULT_LIMIT[path], 1, _MAX_LIMIT[path])
        size = min(limit, self.page_size)
        chunk = items[start : start + size]
        more = start + size < len(items)
        page = {"data": chunk, "has_more": more, "next_page": _cursor(path, start + size) if more else None}
        return {"object": "page", **page} if path == COMPLETIONS else page

    def _wanted(self, path: str, item: dict, params: dict[str, list[str]]) -> bool:
        if path == CLAUDE_CODE:
            day = _one(params, "starting_at")
            if not day or len(day) != 10:
                raise _Refused(400, _error(path, 400, "invalid_request_error", "starting_at must be YYYY-MM-DD"))
            return _pages.utc_day(item, "date", "record").isoformat() == day
        if path == MESSAGES:
            if _one(params, "bucket_width") not in (None, "1d"):
                raise _Refused(400, _error(path, 400, "invalid_request_error", "the stand-in serves 1d buckets"))
            since = _stamp(path, _one(params, "starting_at"), "starting_at", required=True)
            until = _stamp(path, _one(params, "ending_at"), "ending_at", required=False)
            begins, ends = _stamp(path, item["starting_at"], "", True), _stamp(path, item["ending_at"], "", True)
            return begins >= since and (until is None or ends <= until)
        if _one(params, "bucket_width") not in (None, "1d"):
            raise _Refused(400, _error(path, 400, "invalid_request_error", "the stand-in serves 1d buckets"))
        since = _int_param(path, params, "start_time", None, 0, None)
        if since is None:
            raise _Refused(400, _error(path, 400, "invalid_request_error", "start_time is required"))
        until = _int_param(path, params, "end_time", None, 0, None)
        return item["start_time"] >= since and (until is None or item["end_time"] <= until)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        apis = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                parts = urlsplit(self.path)
                headers = {name.lower(): value for name, value in self.headers.items()}
                status, extra, body = apis._answer(parts.path, parse_qs(parts.query), headers)
                payload = json.dumps(body, default=_number).encode()
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

        return Handler


def _error(path: str, status: int, kind: str, message: str) -> dict:
    """Each provider's documented error body."""
    if path == COMPLETIONS:
        code = "invalid_api_key" if status == 401 else None
        return {"error": {"message": message, "type": kind, "param": None, "code": code}}
    return {"type": "error", "error": {"type": kind, "message": message}}


def _one(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[0] if values else None


def _int_param(
    path: str, params: dict[str, list[str]], name: str, default: int | None, low: int, high: int | None
) -> int | None:
    raw = _one(params, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _Refused(400, _error(path, 400, "invalid_request_error", f"{name} must be an integer")) from None
    if value < low or (high is not None and value > high):
        raise _Refused(400, _error(path, 400, "invalid_request_error", f"{name} must be in {low}..{high}"))
    return value


def _stamp(path: str, raw: str | None, name: str, required: bool) -> datetime | None:
    if raw is None:
        if required:
            raise _Refused(400, _error(path, 400, "invalid_request_error", f"{name} is required"))
        return None
    try:
        stamp = datetime.fromisoformat(raw)
    except ValueError:
        raise _Refused(400, _error(path, 400, "invalid_request_error", f"{name} is not RFC 3339")) from None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def _cursor(path: str, offset: int) -> str:
    return "page_" + base64.urlsafe_b64encode(f"{path}|{offset}".encode()).decode()


def _cursor_offset(path: str, cursor: str | None) -> int:
    if cursor is None:
        return 0
    try:
        where, offset = base64.urlsafe_b64decode(cursor.removeprefix("page_")).decode().split("|")
        if where == path:
            return int(offset)
    except (ValueError, UnicodeDecodeError):
        pass
    raise _Refused(400, _error(path, 400, "invalid_request_error", "invalid page cursor"))


def _number(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"cannot serve {type(value).__name__}")
