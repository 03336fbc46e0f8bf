"""GitHub Copilot usage metrics per user and day: the NDJSON reports the organization's
``users-1-day`` and ``users-28-day`` report endpoints link to (``download_links``), saved as files or
read straight from the links (``bot/usage/pull/copilot.py``).

One JSON object per line, one line per user and day: ``day``, ``user_login`` (``user_id``,
``enterprise_id`` …), ``user_initiated_interaction_count``, ``code_generation_activity_count``,
``code_acceptance_activity_count``, ``loc_added_sum``, ``loc_deleted_sum``, ``used_agent``,
``used_chat``, ``totals_by_feature`` (per ``feature``: ``code_completion``, ``chat_panel_agent_mode``,
``agent_edit`` …), ``totals_by_cli`` (``session_count``, ``request_count``, ``token_usage``
``{prompt_tokens_sum, output_tokens_sum}``) and breakdowns by IDE, language and model that are not
needed here. Counts a report leaves out are 0.

Each line yields an ActivityRow keyed ``github:<login>`` (lower-cased: GitHub logins ignore case):
interactions = ``user_initiated_interaction_count``, code generations / acceptances = the two activity
counts, lines added / removed = ``loc_added_sum`` / ``loc_deleted_sum``, agent requests = the
interactions of the agent features in ``totals_by_feature`` (at least 1 when ``used_agent`` says the
agent was used), sessions = ``totals_by_cli.session_count``. Where ``totals_by_cli.token_usage`` is
given, a UsageRow too: model ``copilot-cli`` (or the model the report names), input =
``prompt_tokens_sum``, output = ``output_tokens_sum``, requests = ``request_count``; the report has no
dollars, so the cost is left to list prices (unknown when there are none), never $0. A day on which
nothing was counted (a 28-day report may list one) yields nothing. AI credits have no field to land in yet
and are not imported.

A bucketed source: a user-day is one record (``STRICT_DUPLICATES``: the same user and day twice in one
import is an error naming both lines, as two overlapping 28-day reports imported together would be), and
importing a day again replaces that user's buckets of that day. A ``logins`` mapping (``--logins
FILE.csv``, columns ``github_login,email``) keys a mapped login by the person's e-mail instead.

Read line by line (a gzip-compressed file too), each line at most ``MAX_LINE_BYTES`` and nested at most
``MAX_DEPTH`` deep; a bad line raises RecordError naming it (``line 12``).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import zlib
from collections.abc import Iterator, Mapping
from datetime import date
from typing import IO, Any

from bot.usage import bounds, keys
from bot.usage.formats import _pages
from bot.usage.rows import ActivityRow, RecordError, Row, UsageRow

SOURCE = "copilot"
STRICT_DUPLICATES = True
KEY_PREFIX = "github:"
CLI_MODEL = "copilot-cli"
MAX_LINE_BYTES = 1 << 20  # one user-day record is a few kilobytes
MAX_DEPTH = 16  # the records nest four deep (stricter than bounds.MAX_JSON_DEPTH, for a line json.loads reads)
# GitHub logins: letters, digits and hyphens (Enterprise Managed Users add ``_shortcode``)
LOGIN_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")
_GZIP_MAGIC = b"\x1f\x8b"
_NOT_MARKS = bytes(byte for byte in range(256) if byte not in b'[]{}"')  # deleted when nesting is measured
COUNTED = ("sessions", "lines_added", "lines_removed", "interactions", "code_generations", "code_acceptances",
           "agent_requests")  # fmt: skip


def person_key(login: str) -> str:
    """The key a GitHub login is stored under: ``github:octocat``."""
    return KEY_PREFIX + login.strip().lower()


def parse(path: str, logins: Mapping[str, str] | None = None) -> Iterator[Row]:
    """The rows of a saved users-1-day or users-28-day NDJSON report (plain or gzip)."""
    with open(path, "rb") as handle:
        yield from read(handle, logins=logins)


def read(handle: IO[bytes], *, logins: Mapping[str, str] | None = None, ref_prefix: str = "") -> Iterator[Row]:
    """The rows of an NDJSON report read from ``handle`` (a file, or a download's HTTP body); records are
    named ``{ref_prefix}line N``."""
    stream = _maybe_gunzip(handle)
    number = 0
    while True:
        number += 1
        ref = f"{ref_prefix}line {number}"
        try:
            line = stream.readline(MAX_LINE_BYTES + 1)
        except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
            raise RecordError(ref, f"cannot be read: the gzip data is broken ({exc or type(exc).__name__})") from None
        if not line:
            return
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            raise RecordError(ref, f"is longer than {MAX_LINE_BYTES:,} bytes (one user-day record per line)")
        record = _decode(line, ref, first=number == 1)
        if record is not None:
            yield from rows_of(ref, record, logins)


def rows_of(ref: str, record: object, logins: Mapping[str, str] | None = None) -> Iterator[Row]:
    """One user-day record: its ActivityRow, then a UsageRow where the CLI's token usage is given."""
    if not isinstance(record, dict):
        raise RecordError(ref, "is not a JSON object (one user-day record per line)")
    day = _pages.utc_day(record, "day", ref)
    login = _login(record, ref)
    key = (logins or {}).get(login.lower()) or person_key(login)
    agent = 0
    for where, total in _optional_objects(record, "totals_by_feature", ref):
        feature = _pages.text(total, "feature", where)
        if "agent" in feature:
            agent += _pages.count(total, "user_initiated_interaction_count", where, required=False)
    if _flag(record, "used_agent", ref) and not agent:
        agent = 1  # the report says the agent was used, without counting its requests
    used_chat = _flag(record, "used_chat", ref)
    cli = _optional_mapping(record, "totals_by_cli", ref)
    cli_ref = f"{ref}.totals_by_cli"
    activity = ActivityRow(
        person_key=key,
        day=day,
        ref=ref,
        sessions=_pages.count(cli, "session_count", cli_ref, required=False) if cli else 0,
        lines_added=_pages.count(record, "loc_added_sum", ref, required=False),
        lines_removed=_pages.count(record, "loc_deleted_sum", ref, required=False),
        interactions=_pages.count(record, "user_initiated_interaction_count", ref, required=False),
        code_generations=_pages.count(record, "code_generation_activity_count", ref, required=False),
        code_acceptances=_pages.count(record, "code_acceptance_activity_count", ref, required=False),
        agent_requests=agent,
    )
    usage = _usage_row(key, day, cli, cli_ref) if cli else None
    used_cli = usage is not None and bool(usage.input_tokens or usage.output_tokens or usage.requests)
    if not (used_chat or used_cli or any(getattr(activity, name) for name in COUNTED)):
        return  # a day the user did nothing (a 28-day report may list it): stored, it would count as active
    yield activity
    if usage is not None:
        yield usage


def _usage_row(key: str, day: date, cli: dict, cli_ref: str) -> UsageRow | None:
    tokens = _optional_mapping(cli, "token_usage", cli_ref)
    if tokens is None:
        return None
    where = f"{cli_ref}.token_usage"
    model = _model(tokens, where) or _model(cli, cli_ref) or CLI_MODEL
    return UsageRow(
        person_key=key,
        day=day,
        model=model,
        ref=where,
        input_tokens=_pages.count(tokens, "prompt_tokens_sum", where, required=False),
        output_tokens=_pages.count(tokens, "output_tokens_sum", where, required=False),
        requests=_pages.count(cli, "request_count", cli_ref, required=False),
        cost_known=False,
    )


def load_logins(path: str) -> dict[str, str]:
    """A ``github_login,email`` CSV (with that header) as login (lower-cased) → e-mail (lower-cased).
    ValueError names the file and line of a bad row, a login given two e-mails, or an e-mail given two logins
    (their user-days would be one person's twice: refused by the import as repeats)."""
    found: dict[str, str] = {}
    lines: dict[str, int] = {}
    owners: dict[str, str] = {}  # e-mail → login: one login per person, as a user-day is one record
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        try:
            header = [name.strip().lower() for name in next(reader, [])]
            if header[:2] != ["github_login", "email"]:
                raise ValueError(f"{path}, line 1: expected the header github_login,email")
            for fields in reader:
                where = f"{path}, line {reader.line_num}"
                if not any(field.strip() for field in fields):
                    continue
                if len(fields) < 2:
                    raise ValueError(f"{where}: expected github_login,email")
                login, email = fields[0].strip().removeprefix("@"), keys.normalise(fields[1])
                try:
                    bounds.text(email, "email")
                except ValueError as exc:
                    raise ValueError(f"{where}: {exc}") from None
                if not LOGIN_RE.match(login):
                    raise ValueError(f"{where}: github_login {login!r} is not a GitHub login")
                if not keys.is_email(email):
                    raise ValueError(f"{where}: email {fields[1].strip()!r} is not an e-mail address")
                login = login.lower()
                if found.get(login, email) != email:
                    raise ValueError(f"{where}: {login} is given a second e-mail (line {lines[login]} gives another)")
                if owners.get(email, login) != login:
                    raise ValueError(
                        f"{where}: {email} is given to {owners[email]} on line {lines[owners[email]]} already (map a "
                        "second login of a person with `airetro identities map github:LOGIN U…`)"
                    )
                found[login], lines[login], owners[email] = email, reader.line_num, login
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ValueError(f"{path}, line {reader.line_num}: {exc}") from None
    return found


# -- reading lines ---------------------------------------------------------------------------------


def _maybe_gunzip(handle: IO[bytes]) -> IO[bytes]:
    buffered: Any = handle if hasattr(handle, "peek") else io.BufferedReader(handle)  # type: ignore[arg-type]
    if buffered.peek(2)[:2] == _GZIP_MAGIC:
        return gzip.GzipFile(fileobj=buffered, mode="rb")  # type: ignore[return-value]
    return buffered


def _decode(line: bytes, ref: str, *, first: bool) -> object | None:
    """The line's JSON value; None for a blank line."""
    try:
        text = line.decode("utf-8-sig" if first else "utf-8")
    except UnicodeDecodeError:
        raise RecordError(ref, "is not UTF-8 text") from None
    text = text.rstrip("\r\n")
    if not text.strip():
        return None
    if _nests_too_deep(line):
        raise RecordError(ref, f"is not a usable record (nests deeper than {MAX_DEPTH} levels)")
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise RecordError(ref, f"is not valid JSON ({exc.msg} at column {exc.pos + 1})") from None
    except ValueError as exc:
        raise RecordError(ref, f"is not a usable record ({exc})") from None


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a number JSON allows")


def _nests_too_deep(raw: bytes) -> bool:
    """Whether objects and lists nest deeper than MAX_DEPTH, told from the line's bytes before they are parsed
    (so a hostile line cannot drive the parser's recursion), in C-speed passes: escaped quotes and
    backslashes dropped, then everything but brackets and quotes, then what is inside strings."""
    if raw.count(b"[") + raw.count(b"{") <= MAX_DEPTH:
        return False
    marks = raw.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _NOT_MARKS)
    depth = 0
    for char in b"".join(marks.split(b'"')[::2]):
        if char == 91 or char == 123:  # [ {
            depth += 1
            if depth > MAX_DEPTH:
                return True
        else:
            depth -= 1
    return False


# -- fields ----------------------------------------------------------------------------------------


def _login(record: dict, ref: str) -> str:
    if record.get("user_login") is None:
        raise RecordError(ref, "missing user_login (a users-… report has one per line; organization-… has none)")
    login = _pages.text(record, "user_login", ref)
    if not LOGIN_RE.match(login):
        raise RecordError(ref, f"user_login {login!r} is not a GitHub login")
    return login


def _flag(record: dict, key: str, ref: str) -> bool:
    value = record.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise RecordError(ref, f"{key} {value!r} is not true or false")
    return value


def _optional_mapping(record: dict, key: str, ref: str) -> dict | None:
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise RecordError(ref, f"{key} is not an object")
    return value


def _optional_objects(record: dict, key: str, ref: str) -> Iterator[tuple[str, dict]]:
    if record.get(key) is None:
        return iter(())
    return _pages.objects(record, key, ref)


def _model(record: dict, ref: str) -> str | None:
    value = record.get("model")
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not value.strip():
        raise RecordError(ref, f"model {bounds.show(value)} is not a model name")
    try:
        return bounds.text(value.strip(), "model")
    except ValueError as exc:
        raise RecordError(ref, str(exc)) from None
