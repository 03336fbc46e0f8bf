"""GitHub Copilot's per-user usage metrics (``airetro import-usage --from-api copilot --org ORG``).

For every UTC day of the period, ``GET {GITHUB_API_URL}/orgs/{org}/copilot/metrics/reports/users-1-day
?day=YYYY-MM-DD`` answers ``{"download_links": [...], "report_day": ...}``: links to NDJSON files, one
line per user and day (``bot/usage/formats/copilot.py`` reads them). The token comes from
``GITHUB_TOKEN`` (a token allowed to read the organization's Copilot metrics) and goes in ``Authorization:
Bearer``, with ``Accept: application/vnd.github+json`` and ``X-GitHub-Api-Version: 2022-11-28``; the base
URL from ``GITHUB_API_URL`` (default https://api.github.com; GitHub Enterprise Server: ``https://HOST/api/v3``).

The download links are pre-signed and usually on another host (cloud storage): they are fetched with no
token, which is only ever sent to the API's own host (scheme, host and port), over HTTPS or to this
machine, and never along a redirect to another host. A link that is not https:// (or http:// to this
machine) is refused. A day with no report (``204``) gives no rows. ``429`` and ``5xx`` answers are
retried after their ``Retry-After`` (at most ``MAX_RETRY_AFTER`` seconds, ``ATTEMPTS`` tries). Rows
stream from the download bodies one line at a time into the import, which keeps nothing if any day or
line fails.

Today's report is not out until the day is over, so a period is asked up to yesterday (UTC).
"""

from __future__ import annotations

import json
import os
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http.client import HTTPException
from typing import IO
from urllib.parse import quote, urlencode, urlsplit

from bot.usage.fetch import FetchError
from bot.usage.formats import copilot
from bot.usage.rows import Row

TOKEN_ENV = "GITHUB_TOKEN"
URL_ENV = "GITHUB_API_URL"
DEFAULT_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
ACCEPT = "application/vnd.github+json"
USER_AGENT = "airetro/0.1 (+usage import)"
TOKEN_HINT = "a GitHub token allowed to read the organization's Copilot metrics"
USERS_1_DAY = "/orgs/{org}/copilot/metrics/reports/users-1-day"
USERS_28_DAY = "/orgs/{org}/copilot/metrics/reports/users-28-day/latest"
TIMEOUT = 60  # seconds per socket operation
ATTEMPTS = 3  # per request, when GitHub answers 429 or a 5xx
MAX_RETRY_AFTER = 30.0
MAX_ANSWER_BYTES = 1 << 20  # a report answer is a few links
MAX_LINKS = 1000
MAX_DAYS = 366
ORG_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,98}[A-Za-z0-9])?$")
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


class _SameHostRedirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects, dropping the token when one leads to another host."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: object,
        newurl: str,
    ) -> urllib.request.Request | None:
        new = super().redirect_request(req, fp, code, msg, headers, newurl)  # type: ignore[arg-type]
        if new is not None and _origin(newurl) != _origin(req.full_url):
            for name in ("Authorization", "authorization"):
                new.headers.pop(name, None)
                new.unredirected_hdrs.pop(name, None)
        if new is not None and not _allowed(newurl):
            raise FetchError(f"GitHub redirected to {_shown(newurl)}, which is neither https:// nor this machine")
        return new


_OPENER = urllib.request.build_opener(_SameHostRedirects())


@dataclass(frozen=True)
class CopilotPull:
    """The users-1-day reports of ``org`` for ``since``..``until`` (UTC days); iterate for their rows."""

    org: str
    since: date
    until: date
    token: str
    base_url: str
    today: date
    logins: Mapping[str, str] | None = None
    sleep: Callable[[float], None] = time.sleep
    source: str = copilot.SOURCE
    days_without_report: list[date] = field(default_factory=list)  # answered 204, filled in as read

    @property
    def label(self) -> str:
        return f"copilot API {self.org} {self.since}..{self.last_day}"

    @property
    def last_day(self) -> date:
        """The last day asked: ``until``, or yesterday if later (today's report is not out)."""
        return min(self.until, self.today - timedelta(days=1))

    def __iter__(self) -> Iterator[Row]:
        self.days_without_report.clear()
        day = self.since
        while day <= self.last_day:
            path = USERS_1_DAY.format(org=quote(self.org, safe=""))
            answer = self._api(path, {"day": day.isoformat()}, f"the {day} report")
            if answer is None:
                self.days_without_report.append(day)
            else:
                for number, link in enumerate(_links(answer, f"the {day} report"), start=1):
                    yield from self._download(link, f"{day} file {number}, ")
            day += timedelta(days=1)

    def latest_28_days(self) -> Iterator[Row]:
        """The rows of the latest users-28-day report (each day of it its own bucket)."""
        answer = self._api(USERS_28_DAY.format(org=quote(self.org, safe="")), {}, "the latest 28-day report")
        if answer is None:
            return
        for number, link in enumerate(_links(answer, "the latest 28-day report"), start=1):
            yield from self._download(link, f"28-day file {number}, ")

    # -- HTTP ------------------------------------------------------------------------------------
    def _api(self, path: str, query: Mapping[str, str], what: str) -> dict | None:
        """The report answer's JSON object; None when GitHub has no report (204)."""
        url = f"{self.base_url}{path}" + (f"?{urlencode(query)}" if query else "")
        headers = {
            "Authorization": f"Bearer {self.token}",
            "Accept": ACCEPT,
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": USER_AGENT,
        }
        with self._open(url, headers, what) as response:
            if response.status == 204:
                return None
            try:
                body = response.read(MAX_ANSWER_BYTES + 1)
            except (OSError, HTTPException) as exc:
                raise FetchError(f"GitHub's answer for {what} broke off ({_reason(exc)})") from None
        if len(body) > MAX_ANSWER_BYTES:
            raise FetchError(f"GitHub's answer for {what} is larger than {MAX_ANSWER_BYTES:,} bytes")
        if not body.strip():
            return None
        try:
            answer = json.loads(body)
        except ValueError:
            raise FetchError(f"GitHub's answer for {what} is not JSON") from None
        if not isinstance(answer, dict):
            raise FetchError(f"GitHub's answer for {what} is not a JSON object with download_links")
        return answer

    def _download(self, link: str, ref_prefix: str) -> Iterator[Row]:
        same_host = _origin(link) == _origin(self.base_url)
        headers = {"User-Agent": USER_AGENT}
        if same_host:  # GitHub Enterprise Server may serve the files itself
            headers |= {"Authorization": f"Bearer {self.token}", "X-GitHub-Api-Version": API_VERSION}
        what = f"the download {ref_prefix.removesuffix(', ')} ({_shown(link)})"
        with self._open(link, headers, what) as response:
            try:
                yield from copilot.read(response, logins=self.logins, ref_prefix=ref_prefix)
            except (OSError, HTTPException) as exc:
                raise FetchError(f"{what} broke off while being read ({_reason(exc)})") from None

    def _open(self, url: str, headers: Mapping[str, str], what: str) -> IO[bytes]:
        request = urllib.request.Request(url, headers=dict(headers), method="GET")
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return _OPENER.open(request, timeout=TIMEOUT)
            except urllib.error.HTTPError as exc:
                detail = _error_message(exc)
                exc.close()
                said = f"HTTP {exc.code}{': ' + detail if detail else ''}"
                if "Authorization" in headers and exc.code == 401:
                    raise FetchError(
                        f"GitHub rejected the token in {TOKEN_ENV} ({said}); it needs {TOKEN_HINT}"
                    ) from None
                if "Authorization" in headers and exc.code == 404:
                    raise FetchError(
                        f"GitHub has no organization {self.org!r} whose Copilot metrics the token in {TOKEN_ENV} "
                        f"may read ({said})"
                    ) from None
                limited = exc.code == 429 or (exc.code == 403 and _rate_limited(exc))
                if (limited or exc.code >= 500) and attempt < ATTEMPTS and _retry_after(exc) is not None:
                    self.sleep(_retry_after(exc) or 0.0)
                    continue
                if limited:
                    raise FetchError(f"GitHub's rate limit stopped {what} ({said}){_reset(exc)}") from None
                if "Authorization" in headers and exc.code == 403:
                    raise FetchError(
                        f"GitHub refused {what} ({said}): the token in {TOKEN_ENV} needs {TOKEN_HINT}, and the "
                        "organization must allow access to its Copilot metrics"
                    ) from None
                raise FetchError(f"{what} failed: {said}") from None
            except (TimeoutError, urllib.error.URLError, ConnectionError, HTTPException) as exc:
                raise FetchError(f"cannot reach {_shown(url)} for {what} ({_reason(exc)})") from None
        raise AssertionError("unreachable")


def pull(
    org: str | None,
    since: date | None = None,
    until: date | None = None,
    env: Mapping[str, str] | None = None,
    *,
    logins: Mapping[str, str] | None = None,
    today: date | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> CopilotPull:
    """The pull of ``org``'s users-1-day reports (default: the 7 days up to yesterday, UTC).

    Checks the organization, the token, the base URL and the dates now (FetchError / ValueError); HTTP
    happens only as the returned pull is iterated.
    """
    if not org or not org.strip():
        raise ValueError("--from-api copilot needs --org ORG (the GitHub organization)")
    org = org.strip()
    if not ORG_RE.match(org):
        raise ValueError(f"--org {org!r} is not a GitHub organization name")
    env = os.environ if env is None else env
    today = today or datetime.now(UTC).date()
    yesterday = today - timedelta(days=1)
    until = until or yesterday
    since = since or until - timedelta(days=6)
    if since > until:
        raise ValueError(f"--since {since} is after --until {until}")
    if since > yesterday:
        raise ValueError(
            f"--since {since}: GitHub publishes a day's Copilot report after it ends (today is {today} UTC)"
        )
    if (min(until, yesterday) - since).days >= MAX_DAYS:
        raise ValueError(f"--since {since} .. --until {until} is more than {MAX_DAYS} days: ask for fewer")
    token = (env.get(TOKEN_ENV) or "").strip()
    if not token:
        raise FetchError(f"{TOKEN_ENV} is not set: export {TOKEN_HINT} to use --from-api copilot")
    return CopilotPull(org, since, until, token, _base_url(env.get(URL_ENV) or DEFAULT_URL), today, logins, sleep)


# -- helpers -----------------------------------------------------------------------------------------


def _links(answer: dict, what: str) -> list[str]:
    links = answer.get("download_links")
    if not isinstance(links, list) or not all(isinstance(link, str) for link in links):
        raise FetchError(f"GitHub's answer for {what} has no download_links list")
    if len(links) > MAX_LINKS:
        raise FetchError(f"GitHub's answer for {what} has more than {MAX_LINKS} download links")
    for link in links:
        if not _allowed(link):
            raise FetchError(f"{what} links to {_shown(link)}, which is neither https:// nor this machine: not fetched")
    return links


def _allowed(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.hostname) and (
        parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOCAL_HOSTS)
    )


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"https": 443, "http": 80}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


def _shown(url: str) -> str:
    """A link without its query (a pre-signed link's signature stays out of messages)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"[:200]


def _base_url(raw: str) -> str:
    url = raw.strip().rstrip("/")
    if _allowed(url) and not urlsplit(url).query:
        return url
    raise FetchError(f"{URL_ENV} {raw!r} must be an https:// URL (plain http only to localhost): it carries the token")


def _retry_after(exc: urllib.error.HTTPError) -> float | None:
    """How long to wait before trying again: ``Retry-After`` (1 s if absent on a 429 or 5xx); None when a
    rate limit names no wait short enough to sit out (``x-ratelimit-reset`` an hour away, say)."""
    raw = exc.headers.get("Retry-After")
    if raw is None and exc.code == 403:
        return None
    try:
        seconds = float(raw if raw is not None else "1")
    except (TypeError, ValueError):
        seconds = 1.0
    return max(0.0, min(seconds, MAX_RETRY_AFTER)) if seconds <= MAX_RETRY_AFTER * 4 else None


def _rate_limited(exc: urllib.error.HTTPError) -> bool:
    """A 403 that is GitHub's rate limit, not a permission: no requests left, or a ``Retry-After``."""
    return exc.headers.get("x-ratelimit-remaining") == "0" or exc.headers.get("Retry-After") is not None


def _reset(exc: urllib.error.HTTPError) -> str:
    try:
        moment = datetime.fromtimestamp(int(exc.headers.get("x-ratelimit-reset", "")), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return ""
    return f"; it resets at {moment:%Y-%m-%d %H:%M} UTC"


def _error_message(exc: urllib.error.HTTPError) -> str:
    """GitHub's own one-line message: ``{"message": ..., "documentation_url": ...}``."""
    try:
        body = json.loads(exc.read(65536) or b"null")
        message = body["message"]
    except (ValueError, TypeError, KeyError, OSError, HTTPException):
        return ""
    return " ".join(str(message).split())[:200]


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None) or exc
    return (" ".join(str(reason).split()) or type(exc).__name__)[:200]
