"""Pulling the providers' usage reports over HTTPS (``airetro import-usage --from-api P``).

Each provider's report is paginated (``has_more`` / ``next_page``); every page is streamed through
the same record parser the saved-file formats use, so rows come out one at a time in the order the
provider sends them and the import pipeline can take them all in one transaction: a page that
fails half-way aborts the whole import and nothing is stored.

The admin key comes from the environment (``ANTHROPIC_ADMIN_KEY``, ``OPENAI_ADMIN_KEY``); the base
URL too (``ANTHROPIC_API_URL``, default https://api.anthropic.com; ``OPENAI_API_URL``, default
https://api.openai.com), so the tests point it at ``bot.standin.providers``. A key is only ever sent
over HTTPS, or plain HTTP to this machine (the stand-in).

The Anthropic report is grouped by ``account_id`` too, and its accounts and API keys are attributed to
e-mails through the Admin API's users and API keys lists (``bot/usage/pull/anthropic.py``).
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http.client import HTTPException
from typing import IO
from urllib.parse import urlencode, urlsplit

from bot.usage.formats import _pages, anthropic, claude_code, openai
from bot.usage.rows import Row

ANTHROPIC_VERSION = "2023-06-01"
USER_AGENT = "airetro/0.1 (+usage import)"
TIMEOUT = 60  # seconds per socket operation
ATTEMPTS = 3  # per page, when the provider answers 429 or a 5xx
MAX_RETRY_AFTER = 30.0
MAX_PAGES = 10_000
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


class FetchError(Exception):
    """A fetch that cannot go on: one line for the operator; nothing of the import is kept."""


@dataclass(frozen=True)
class Provider:
    name: str  # as given to --from-api
    title: str  # for messages
    source: str  # the format's SOURCE: a saved file and a fetch of the same period replace each other
    key_env: str
    url_env: str
    default_url: str
    key_hint: str


PROVIDERS: dict[str, Provider] = {
    "anthropic": Provider(
        "anthropic",
        "Anthropic",
        anthropic.SOURCE,
        "ANTHROPIC_ADMIN_KEY",
        "ANTHROPIC_API_URL",
        "https://api.anthropic.com",
        "an Admin API key (sk-ant-admin…) from the Claude Console",
    ),
    "claude-code": Provider(
        "claude-code",
        "Anthropic",
        claude_code.SOURCE,
        "ANTHROPIC_ADMIN_KEY",
        "ANTHROPIC_API_URL",
        "https://api.anthropic.com",
        "an Admin API key (sk-ant-admin…) from the Claude Console",
    ),
    "openai": Provider(
        "openai",
        "OpenAI",
        openai.SOURCE,
        "OPENAI_ADMIN_KEY",
        "OPENAI_API_URL",
        "https://api.openai.com",
        "an organization Admin key from the OpenAI platform settings",
    ),
    "cursor": Provider(  # pulled by bot/usage/pull/cursor.py (POST, Basic auth)
        "cursor",
        "Cursor",
        "cursor",
        "CURSOR_ADMIN_KEY",
        "CURSOR_API_URL",
        "https://api.cursor.com",
        "an Admin API key from the Cursor team dashboard (Settings, Cursor Admin API Keys)",
    ),
}

MESSAGES_PATH = "/v1/organizations/usage_report/messages"
CLAUDE_CODE_PATH = "/v1/organizations/usage_report/claude_code"
COMPLETIONS_PATH = "/v1/organization/usage/completions"
# account_id too: the Admin API leaves it null unless grouped by it, summing everyone who signs in into one
# workspace row; the accounts and API keys are then attributed to e-mails by bot/usage/pull/anthropic.py
ANTHROPIC_GROUP_BY = ("account_id", "api_key_id", "workspace_id", "model")


@dataclass(frozen=True)
class Fetch:
    """One provider's report for ``since``..``until`` (UTC days, inclusive); iterate for its rows."""

    provider: Provider
    since: date
    until: date
    key: str
    base_url: str
    today: date
    sleep: Callable[[float], None] = time.sleep
    # Anthropic: True for an account / API key id that `identities map` ties to someone (kept as it is)
    mapped: Callable[[str], bool] | None = None
    # what the pull has to tell the operator besides the import's counts (filled as it finishes)
    notes: list[str] = field(default_factory=list, init=False, repr=False, compare=False)
    _days: set[date] = field(default_factory=set, init=False, repr=False, compare=False)  # buckets received

    @property
    def source(self) -> str:
        return self.provider.source

    @property
    def covers(self) -> list[date] | None:
        """After iterating: the days this pull reported in full for the whole organisation (the day buckets
        the report sent, empty ones included), so its rows replace every stored row of its source on those
        days (an id now attributed to an e-mail leaves no stale row behind); None: its rows replace only
        the stored rows with the same key, day and model."""
        return sorted(self._days) if self.provider.name == "anthropic" else None

    @property
    def label(self) -> str:
        return f"{self.provider.name} API {self.since}..{self.until}"

    def __iter__(self) -> Iterator[Row]:
        if self.provider.name == "anthropic":
            return self._anthropic()
        if self.provider.name == "claude-code":
            return self._claude_code()
        if self.provider.name == "cursor":
            from bot.usage.pull import cursor  # imports this module: loaded on use

            return cursor.rows(self)
        return self._openai()

    # -- the three reports ---------------------------------------------------------------------
    def _anthropic(self) -> Iterator[Row]:
        params: dict[str, object] = {
            "starting_at": f"{self.since.isoformat()}T00:00:00Z",
            "bucket_width": "1d",
            "group_by[]": list(ANTHROPIC_GROUP_BY),
            "limit": 31,  # the documented maximum for 1d buckets
        }
        if self.until < self.today:  # otherwise up to now: today's bucket is still filling
            params["ending_at"] = f"{(self.until + timedelta(days=1)).isoformat()}T00:00:00Z"
        from bot.usage.pull.anthropic import People  # the package's modules import this one

        people = People(self._json_page, self.mapped)
        for ref, bucket in self._pages(MESSAGES_PATH, params, ""):
            for index, row in enumerate(anthropic.rows_of(ref, bucket)):
                yield people.attribute(row, bucket["results"][index])  # rows_of has checked results[index]
            self._days.add(_pages.utc_day(bucket, "starting_at", ref))
        self.notes[:] = people.lines()

    def _claude_code(self) -> Iterator[Row]:
        day = self.since
        while day <= min(self.until, self.today):  # the report covers one day per query
            params = {"starting_at": day.isoformat(), "limit": 1000}
            for ref, record in self._pages(CLAUDE_CODE_PATH, params, f"{day} "):
                yield from claude_code.rows_of(ref, record)
            day += timedelta(days=1)

    def _openai(self) -> Iterator[Row]:
        params: dict[str, object] = {
            "start_time": _unix(self.since),
            "bucket_width": "1d",
            "group_by": ["user_id", "project_id", "api_key_id", "model"],
            "limit": 31,
        }
        if self.until < self.today:
            params["end_time"] = _unix(self.until + timedelta(days=1))
        for ref, bucket in self._pages(COMPLETIONS_PATH, params, ""):
            yield from openai.rows_of(ref, bucket)

    # -- pagination and HTTP -------------------------------------------------------------------
    def _pages(self, path: str, params: Mapping[str, object], name: str) -> Iterator[tuple[str, dict]]:
        """Every record of every page: follows ``has_more`` / ``next_page`` to the end. Records are
        named ``{name}page N: data[i]``."""
        cursor: str | None = None
        seen: set[str] = set()
        for number in range(1, MAX_PAGES + 1):
            query = {**params, **({"page": cursor} if cursor else {})}
            label = f"{name}page {number}"
            meta = _pages.PageMeta()
            where = f"{self.provider.title} {path}, {label}"
            with self._open(path, query, where) as response:
                try:
                    yield from _pages.read_pages(response, meta, page_label=label)
                except (OSError, HTTPException, _pages.InvalidJSON) as exc:
                    reason = exc.message if isinstance(exc, _pages.InvalidJSON) else _reason(exc)
                    raise FetchError(f"{where} broke off while being read ({reason})") from None
            if not meta.has_more:
                return
            if not meta.next_page:
                raise FetchError(f"{where} says has_more but gives no next_page")
            if meta.next_page in seen:
                raise FetchError(f"{where} repeats an earlier next_page cursor")
            seen.add(meta.next_page)
            cursor = meta.next_page
        raise FetchError(f"{self.provider.title} {path}: more than {MAX_PAGES} pages; ask for fewer days")

    def _json_page(self, path: str, query: Mapping[str, object], label: str) -> object:
        """One page of a small JSON answer (an Admin API list), read whole."""
        where = f"{self.provider.title} {label}"
        with self._open(path, query, where) as response:
            try:
                return json.loads(response.read())
            except (OSError, HTTPException) as exc:
                raise FetchError(f"{where} broke off while being read ({_reason(exc)})") from None
            except ValueError:
                raise FetchError(f"{where} is not JSON") from None

    def _open(self, path: str, query: Mapping[str, object], label: str) -> IO[bytes]:
        url = f"{self.base_url}{path}?{urlencode(query, doseq=True)}"
        request = urllib.request.Request(url, headers=self._headers(), method="GET")
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return urllib.request.urlopen(request, timeout=TIMEOUT)
            except urllib.error.HTTPError as exc:
                detail = _error_message(exc)
                exc.close()
                if exc.code in (401, 403):
                    raise FetchError(
                        f"{self.provider.title} rejected the key in {self.provider.key_env} "
                        f"(HTTP {exc.code}{': ' + detail if detail else ''}); it needs {self.provider.key_hint}"
                    ) from None
                if (exc.code == 429 or exc.code >= 500) and attempt < ATTEMPTS:
                    self.sleep(_retry_after(exc))
                    continue
                raise FetchError(f"{label} failed: HTTP {exc.code}{': ' + detail if detail else ''}") from None
            except (TimeoutError, urllib.error.URLError, ConnectionError, HTTPException) as exc:
                raise FetchError(f"cannot reach {self.base_url} ({_reason(exc)})") from None
        raise AssertionError("unreachable")

    def _headers(self) -> dict[str, str]:
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if self.provider.key_env == "OPENAI_ADMIN_KEY":
            headers["Authorization"] = f"Bearer {self.key}"
        else:
            headers["x-api-key"] = self.key
            headers["anthropic-version"] = ANTHROPIC_VERSION
        return headers


def fetch(
    provider: str,
    since: date | None = None,
    until: date | None = None,
    env: Mapping[str, str] | None = None,
    *,
    today: date | None = None,
    sleep: Callable[[float], None] = time.sleep,
    mapped: Callable[[str], bool] | None = None,
) -> Fetch:
    """The fetch of ``provider``'s report (default: the last 7 days up to today, UTC).

    Checks the key, the base URL and the dates now (FetchError / ValueError); HTTP happens only as
    the returned Fetch is iterated. ``mapped`` (Anthropic): whether ``airetro identities map`` ties an
    account or API key id to someone; such an id is kept as it is instead of becoming its owner's e-mail.
    """
    if provider not in PROVIDERS:
        raise ValueError(f"unknown provider {provider!r}: use one of {', '.join(PROVIDERS)}")
    spec = PROVIDERS[provider]
    env = os.environ if env is None else env
    today = today or datetime.now(UTC).date()
    until = until or today
    since = since or until - timedelta(days=6)
    if since > until:
        raise ValueError(f"--since {since} is after --until {until}")
    if since > today:
        raise ValueError(f"--since {since} is in the future (today is {today} UTC)")
    key = (env.get(spec.key_env) or "").strip()
    if not key:
        raise FetchError(f"{spec.key_env} is not set: export {spec.key_hint} to use --from-api {provider}")
    base_url = _base_url(env.get(spec.url_env) or spec.default_url, spec.url_env)
    return Fetch(spec, since, until, key, base_url, today, sleep, mapped)


def parse_day(text: str) -> date:
    """``2026-11-16`` (a UTC day) for ``--since`` / ``--until``."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a date like 2026-11-16") from None


def _base_url(raw: str, name: str) -> str:
    url = raw.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname in _LOCAL_HOSTS:
        return url
    raise FetchError(f"{name} {raw!r} must be an https:// URL (plain http only to localhost): it carries the key")


def _unix(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def _retry_after(exc: urllib.error.HTTPError) -> float:
    try:
        seconds = float(exc.headers.get("Retry-After", "1"))
    except (TypeError, ValueError):
        seconds = 1.0
    return max(0.0, min(seconds, MAX_RETRY_AFTER))


def _error_message(exc: urllib.error.HTTPError) -> str:
    """The provider's own one-line message: both use ``{"error": {"message": ...}}``."""
    try:
        body = json.loads(exc.read(65536) or b"null")
        message = body["error"]["message"]
    except (ValueError, TypeError, KeyError, OSError, HTTPException):
        return ""
    return " ".join(str(message).split())[:200]


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None) or exc
    text = " ".join(str(reason).split()) or type(exc).__name__
    return text[:200]
