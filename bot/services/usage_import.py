"""Importing token usage from the plain CSV format.

``email_or_slack_id,date,model,input_tokens,output_tokens,cost_usd`` — one row per person, day and
model.  The whole file is checked and written in one transaction: a bad row names its line and
nothing of the file is kept.  Re-importing a file replaces its rows (upsert on source, person,
day, model), so running the same import twice changes nothing.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine

from storage.engine import session_scope
from storage.queries import teams as tq
from storage.queries.usage import person_weeks_of, refresh_token_summaries, upsert_usage

SOURCE = "csv"
COLUMNS = ("email_or_slack_id", "date", "model", "input_tokens", "output_tokens", "cost_usd")
BATCH = 1000
SLACK_ID_RE = re.compile(r"^[UW][A-Z0-9]{2,}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

EmailLookup = Callable[[str], str | None]  # e-mail → Slack user ID, or None if unknown


class UsageFileError(ValueError):
    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}, line {line}: {message}. Nothing was imported.")
        self.line = line


@dataclass
class ImportReport:
    rows: int = 0
    attributed: int = 0
    unattributed_keys: set[str] = field(default_factory=set)
    person_weeks: int = 0


def _int(value: str, name: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"{name} {value!r} is not a whole number") from None
    if number < 0:
        raise ValueError(f"{name} is negative ({number})")
    return number


def _row(raw: dict[str, str]) -> dict:
    key = (raw["email_or_slack_id"] or "").strip()
    if SLACK_ID_RE.match(key):
        pass
    elif EMAIL_RE.match(key):
        key = key.lower()
    else:
        raise ValueError(f"email_or_slack_id {key!r} is neither an e-mail address nor a Slack user ID")
    try:
        day = date.fromisoformat((raw["date"] or "").strip())
    except ValueError:
        raise ValueError(f"date {raw['date']!r} is not a date like 2026-11-16") from None
    model = (raw["model"] or "").strip()
    if not model:
        raise ValueError("model is empty")
    try:
        cost = float(raw["cost_usd"])
    except (TypeError, ValueError):
        raise ValueError(f"cost_usd {raw['cost_usd']!r} is not a number") from None
    if cost < 0 or not math.isfinite(cost):
        raise ValueError(f"cost_usd {raw['cost_usd']!r} is not a non-negative amount")
    return {
        "source": SOURCE,
        "person_key": key,
        "day": day,
        "model": model,
        "input_tokens": _int(raw["input_tokens"].strip(), "input_tokens"),
        "output_tokens": _int(raw["output_tokens"].strip(), "output_tokens"),
        "cost_usd": cost,
    }


def _rows(path: Path) -> Iterator[dict]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = tuple((name or "").strip() for name in reader.fieldnames or ())
        reader.fieldnames = list(header)
        if header != COLUMNS:
            raise UsageFileError(str(path), 1, f"expected the header {','.join(COLUMNS)}")
        seen: dict[tuple, int] = {}
        for raw in reader:
            line = reader.line_num
            if None in raw or any(raw[name] is None for name in reader.fieldnames):
                raise UsageFileError(str(path), line, f"expected {len(COLUMNS)} fields")
            try:
                row = _row(raw)
            except ValueError as exc:
                raise UsageFileError(str(path), line, str(exc)) from None
            key = (row["person_key"], row["day"], row["model"])
            if key in seen:
                raise UsageFileError(str(path), line, f"same person, date and model as line {seen[key]}")
            seen[key] = line
            yield row


def import_usage_csv(engine: Engine, path: Path, lookup_email: EmailLookup | None = None) -> ImportReport:
    """Import ``path``; raises UsageFileError (and imports nothing) on the first bad line."""
    report = ImportReport()
    touched: set[tuple[int, str]] = set()
    with session_scope(engine) as session:
        known = tq.people_by_key(session)
        resolved: dict[str, int | None] = {}

        def resolve(key: str) -> int | None:
            if key in known:
                return known[key]
            if key not in resolved:
                if "@" not in key:  # a Slack user ID is an identity in itself
                    resolved[key] = tq.upsert_person(session, key).id
                else:
                    user_id = lookup_email(key) if lookup_email else None
                    resolved[key] = tq.upsert_person(session, user_id, email=key).id if user_id else None
            return resolved[key]

        batch: list[dict] = []
        for row in _rows(path):
            row["person_id"] = resolve(row["person_key"])
            report.rows += 1
            if row["person_id"] is None:
                report.unattributed_keys.add(row["person_key"])
            else:
                report.attributed += 1
            batch.append(row)
            if len(batch) >= BATCH:
                upsert_usage(session, batch)
                touched |= person_weeks_of(batch)
                batch = []
        upsert_usage(session, batch)
        touched |= person_weeks_of(batch)
        report.person_weeks = refresh_token_summaries(session, touched)
    return report


def slack_email_lookup(client: WebClient) -> EmailLookup:
    """Resolve e-mails with ``users.lookupByEmail`` (needs the ``users:read.email`` scope)."""

    def lookup(email: str) -> str | None:
        try:
            return client.users_lookupByEmail(email=email)["user"]["id"]
        except SlackApiError as exc:
            if exc.response.get("error") == "users_not_found":
                return None
            raise

    return lookup
