"""A local stand-in for GitHub's Copilot usage metrics reports, as ``--from-api copilot`` calls them: two
real HTTP servers on 127.0.0.1, the REST API and a storage host the pre-signed download links point at.

- ``GET /orgs/{org}/copilot/metrics/reports/users-1-day?day=YYYY-MM-DD`` → ``{"download_links": [...],
  "report_day": "YYYY-MM-DD"}``; a day without a report → ``204`` (no body); no or a malformed ``day`` →
  ``422``.
- ``GET /orgs/{org}/copilot/metrics/reports/users-28-day/latest`` → ``{"download_links": [...],
  "report_start_day": ..., "report_end_day": ...}``, or ``204``.
- An unknown organization or path → ``404`` ``{"message": "Not Found", ...}``; no or a wrong token
  (``Authorization: Bearer …`` or ``token …``) → ``401`` ``{"message": "Bad credentials", ...}``; an
  ``X-GitHub-Api-Version`` other than 2022-11-28 → ``400``.
- The download host serves each report file's NDJSON bytes as given, at ``/copilot-usage/<id>.ndjson
  ?sig=…``; a wrong signature → ``403`` (as cloud storage answers an expired link). Links may instead point
  at the API host (``/copilot-usage-redirect/<id>``, token required), which redirects there with a 302.

Every request is recorded (host ``api`` or ``download``, path, parameters, headers). ``fail(host, status)``
answers the next request to that host with ``status`` (``Retry-After`` if given); ``rate_limit_once()`` is
a 429 with ``Retry-After`` once.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

GITHUB_TOKEN = "ghp_standin0123456789abcdefghijklmnopqr"
API_VERSION = "2022-11-28"
DOCS = "https://docs.github.com/rest/copilot/copilot-usage-metrics"
_REPORT = re.compile(r"^/orgs/([^/]+)/copilot/metrics/reports/(users-1-day|users-28-day/latest)$")
_FILE = re.compile(r"^/copilot-usage/([0-9a-f]+)\.ndjson$")
_REDIRECT = re.compile(r"^/copilot-usage-redirect/([0-9a-f]+)$")


@dataclass(frozen=True)
class Request:
    """One request as the stand-in saw it: header names lower-cased, parameters as lists."""

    host: str  # "api" or "download"
    path: str
    params: dict[str, list[str]]
    headers: dict[str, str]

    def param(self, name: str) -> str | None:
        values = self.params.get(name)
        return values[0] if values else None


@dataclass
class _Fault:
    host: str
    status: int
    retry_after: str | None
    times: int


@dataclass
class _Org:
    days: dict[str, list[str]] = field(default_factory=dict)  # day → file ids (or extra links)
    latest_28_day: tuple[str, str, list[str]] | None = None  # start, end, file ids


class GitHubApis:
    """``with GitHubApis() as github:`` then ``github.add_day("acme", "2026-11-16", [ndjson_bytes])``; point
    ``GITHUB_API_URL`` at ``github.url`` and set ``GITHUB_TOKEN`` to ``github.token``."""

    def __init__(self, token: str = GITHUB_TOKEN) -> None:
        self.token = token
        self._orgs: dict[str, _Org] = {}
        self._files: dict[str, tuple[str, bytes]] = {}  # id → (signature, body)
        self._requests: list[Request] = []
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self._api = ThreadingHTTPServer(("127.0.0.1", 0), self._handler("api"))
        self._storage = ThreadingHTTPServer(("127.0.0.1", 0), self._handler("download"))
        self._threads = []
        for server in (self._api, self._storage):
            server.daemon_threads = True
            self._threads.append(threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True))

    # -- lifecycle -----------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._api.server_address[1]}"

    @property
    def download_url(self) -> str:
        return f"http://127.0.0.1:{self._storage.server_address[1]}"

    def start(self) -> GitHubApis:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        for server in (self._api, self._storage):
            server.shutdown()
            server.server_close()

    def __enter__(self) -> GitHubApis:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # -- arranging the reports -----------------------------------------------------------------
    def add_org(self, org: str) -> None:
        with self._lock:
            self._orgs.setdefault(org.lower(), _Org())

    def add_day(
        self,
        org: str,
        day: date | str,
        files: Iterable[bytes | str | Path],
        links: Sequence[str] = (),
        *,
        via_api: bool = False,
    ) -> None:
        """The users-1-day report of ``day``: one download link per file (NDJSON bytes or a file's path),
        then ``links`` as given (a test's hostile links). ``via_api``: the links point at the API host, which
        redirects (302) to the download host."""
        ids = [("via:" if via_api else "") + self._store(item) for item in files]
        with self._lock:
            self._orgs.setdefault(org.lower(), _Org()).days[str(day)] = [*ids, *(f"link:{link}" for link in links)]

    def set_latest_28_day(
        self, org: str, start: date | str, end: date | str, files: Iterable[bytes | str | Path]
    ) -> None:
        ids = [self._store(item) for item in files]
        with self._lock:
            self._orgs.setdefault(org.lower(), _Org()).latest_28_day = (str(start), str(end), ids)

    def _store(self, item: bytes | str | Path) -> str:
        body = item if isinstance(item, bytes) else Path(item).read_bytes()
        name = secrets.token_hex(8)
        with self._lock:
            self._files[name] = (secrets.token_urlsafe(16), body)
        return name

    # -- what tests look at and arrange ----------------------------------------------------------
    def requests(self, host: str | None = None) -> list[Request]:
        with self._lock:
            return [r for r in self._requests if host is None or r.host == host]

    def fail(self, host: str, status: int, *, retry_after: str | None = None, times: int = 1) -> None:
        """Answer the next ``times`` requests to ``host`` (``api`` or ``download``) with ``status``."""
        with self._lock:
            self._faults.append(_Fault(host, status, retry_after, times))

    def rate_limit_once(self, retry_after: str = "1") -> None:
        self.fail("api", 429, retry_after=retry_after)

    # -- serving -----------------------------------------------------------------------------------
    def _answer(self, request: Request) -> tuple[int, dict[str, str], bytes | None]:
        with self._lock:
            self._requests.append(request)
            fault = next((f for f in self._faults if f.host == request.host), None)
            if fault is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
        if request.host == "download":
            return self._download(request, fault)
        if not self._authorised(request.headers):
            return _json(401, {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"})
        version = request.headers.get("x-github-api-version")
        if version is not None and version != API_VERSION:
            return _json(400, {"message": f"Unsupported 'X-GitHub-Api-Version': {version}", "documentation_url": DOCS})
        if fault is not None:
            extra = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            message = "API rate limit exceeded" if fault.status == 429 else "stand-in fault"
            status, headers, body = _json(fault.status, {"message": message, "documentation_url": DOCS})
            return status, headers | extra, body
        redirect = _REDIRECT.match(request.path)
        if redirect and redirect.group(1) in self._files:
            return 302, {"Location": self._signed(redirect.group(1))}, b""
        match = _REPORT.match(request.path)
        with self._lock:
            org = self._orgs.get(unquote(match.group(1)).lower()) if match else None
            if org is None:
                return _json(404, {"message": "Not Found", "documentation_url": DOCS, "status": "404"})
            if match.group(2) == "users-28-day/latest":
                if org.latest_28_day is None:
                    return 204, {}, None
                start, end, ids = org.latest_28_day
                return _json(
                    200, {"download_links": self._links(ids), "report_start_day": start, "report_end_day": end}
                )
            day = request.param("day") or ""
            try:
                date.fromisoformat(day)
            except ValueError:
                return _json(422, {"message": "Validation Failed: day must be YYYY-MM-DD", "documentation_url": DOCS})
            if day not in org.days:
                return 204, {}, None
            return _json(200, {"download_links": self._links(org.days[day]), "report_day": day})

    def _authorised(self, headers: dict[str, str]) -> bool:
        given = headers.get("authorization", "")
        return given in (f"Bearer {self.token}", f"token {self.token}")

    def _links(self, ids: list[str]) -> list[str]:
        links = []
        for name in ids:
            if name.startswith("link:"):
                links.append(name.removeprefix("link:"))
            elif name.startswith("via:"):
                links.append(f"{self.url}/copilot-usage-redirect/{name.removeprefix('via:')}")
            else:
                links.append(self._signed(name))
        return links

    def _signed(self, name: str) -> str:
        return f"{self.download_url}/copilot-usage/{name}.ndjson?sig={self._files[name][0]}"

    def _download(self, request: Request, fault: _Fault | None) -> tuple[int, dict[str, str], bytes | None]:
        if fault is not None:
            return fault.status, {"Content-Type": "text/plain"}, b"stand-in fault"
        match = _FILE.match(request.path)
        with self._lock:
            stored = self._files.get(match.group(1)) if match else None
        if stored is None:
            return 404, {"Content-Type": "text/plain"}, b"BlobNotFound"
        signature, body = stored
        if request.param("sig") != signature:
            return 403, {"Content-Type": "text/plain"}, b"AuthenticationFailed: signature mismatch or expired"
        return 200, {"Content-Type": "application/x-ndjson"}, body

    def _handler(self, host: str) -> type[BaseHTTPRequestHandler]:
        apis = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                parts = urlsplit(self.path)
                headers = {name.lower(): value for name, value in self.headers.items()}
                request = Request(host, parts.path, parse_qs(parts.query), headers)
                status, extra, body = apis._answer(request)
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                if body is not None:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if body is not None:
                    self.wfile.write(body)

        return Handler


def _json(status: int, body: dict) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json; charset=utf-8"}, json.dumps(body).encode()


def ndjson(records: Iterable[dict]) -> bytes:
    """Records as an NDJSON report file's bytes."""
    return b"".join(json.dumps(record).encode() + b"\n" for record in records)
