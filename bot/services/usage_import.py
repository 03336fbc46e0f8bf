"""Importing token usage and provider activity: the pipeline every format goes through.

A parser (``bot/usage/formats``) yields rows one at a time; they are staged in batches in TEMP tables
inside the import's one transaction (``storage/queries/usage_staging.py``: an executemany each on SQLite, a
COPY on PostgreSQL; keys normalised: e-mails lower-cased; the same key, day and model added together, or
for a strict format a repeat is an error naming both records). Every
distinct key is then resolved to a person once (``bot/services/identities.py``), reading on short
sessions of its own and asking Slack for unknown e-mails before the import writes anything, so no
write lock is held while Slack answers. Then the database is locked for writing, the people found are
stored, and the staged rows replace the stored rows with the same (source, key, day[, model]) in one
statement per table, where their values or owner differ — so re-importing a file, or a period overlapping an
earlier import, writes nothing that did not change in the source (a row stored with the same values keeps its
``imported_at``). The token summaries of the person-weeks whose rows changed are recomputed last; the others
stay as they are. A bad record anywhere, in any of the files, raises UsageFileError naming the file and the
record, and nothing of any file is kept. Every row is checked against ``bot/usage/bounds.py`` as it is
staged (counts, costs, days, texts; and the import's counts added up), so nothing the database cannot hold
is refused late by the database, unnamed. Memory stays one batch's, whatever the number of rows.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine
from sqlmodel import Session

from bot.services.identities import EmailLookup, KeyResolver, store
from bot.usage.bounds import MAX_SUM, check_row, printable
from bot.usage.formats import load
from bot.usage.keys import normalise
from bot.usage.overlap import counted_rule
from bot.usage.prices import estimate
from bot.usage.rows import ActivityRow, RecordError, Row, UsageRow
from storage.engine import session_scope
from storage.queries.activity import FIELDS as ACTIVITY_FIELDS
from storage.queries.identities import mapped_person_id
from storage.queries.usage import refresh_token_summaries, week_of_thursday
from storage.queries.usage_staging import Duplicate, Staging

__all__ = [
    "BATCH",
    "EmailLookup",
    "ImportReport",
    "UsageFileError",
    "import_files",
    "import_rows",
    "import_usage_csv",
    "mapped_key_check",
    "slack_email_lookup",
]

BATCH = 5000  # rows staged per executemany
KEYS_PER_PASS = 1000  # keys resolved per round trip to the staging table
SUMMARIES_PER_PASS = 1000  # person-weeks whose token summaries are recomputed at a time
# A file names its few keys over and over: each normalised once (a bounded cache: memory stays bounded too).
_key = lru_cache(maxsize=4096)(normalise)


class UsageFileError(ValueError):
    """A record that cannot be imported: ``<file>, <record ref>: <problem>. Nothing was imported.``"""

    def __init__(self, file: str, ref: str, problem: str) -> None:
        # a ref or problem quoting the file (a key, a tool's name) could hold a terminal escape: shown escaped
        super().__init__(f"{file}, {printable(ref)}: {printable(problem, 1000)}. Nothing was imported.")
        self.file = file
        self.ref = ref
        self.problem = problem


@dataclass
class ImportReport:
    rows: int = 0  # records read (usage + activity)
    usage_rows: int = 0
    activity_rows: int = 0
    attributed: int = 0  # records whose key names a person
    unattributed_keys: dict[str, int] = field(default_factory=dict)  # key → records, most first
    person_weeks: int = 0  # weekly token summaries brought up to date: those of the person-weeks the rows are in
    files: list[str] = field(default_factory=list)
    usage_records: int = 0  # stored rows the import's rows make: one per key, day and model
    activity_records: int = 0  # one per key and day
    repeated: int = 0  # requests (events) read more than once in this import, counted once
    # What the database held already (so two imports of the same rows still compare equal): of the records above,
    # those stored with the same values and owner before, left as they were; and of the person-weeks, those whose
    # rows changed, so whose token summaries were recomputed (a re-import of the same file: none).
    usage_unchanged: int = field(default=0, compare=False)
    activity_unchanged: int = field(default=0, compare=False)
    person_weeks_changed: int = field(default=0, compare=False)


def _costs(row: UsageRow) -> tuple[float, float, int]:
    """(cost, of which estimated, tokens of unknown cost): a source without dollars gets list prices, and a
    model without them stays unknown, never $0."""
    if row.cost_known:
        return row.cost_usd, 0.0, 0
    tokens = (row.input_tokens, row.output_tokens, row.cache_read_tokens, row.cache_write_tokens)
    estimated = estimate(row.model, *tokens)
    if estimated is None:
        return 0.0, 0.0, sum(tokens)
    return estimated, estimated, 0


def _usage_values(row: UsageRow, trace: tuple) -> tuple:
    costs = (row.cost_usd, 0.0, 0) if row.cost_known else _costs(row)  # (once a row: the common case inline)
    tokens = (row.input_tokens, row.output_tokens, row.cache_read_tokens, row.cache_write_tokens)
    return (_key(row.person_key), row.day.isoformat(), row.model, *tokens, *costs, row.requests, *trace)


def _event_values(row: UsageRow) -> tuple:
    tokens = (row.input_tokens, row.output_tokens, row.cache_read_tokens, row.cache_write_tokens)
    return (
        row.event_id,
        _key(row.person_key),
        row.day.isoformat(),
        row.model,
        *tokens,
        *_costs(row),
        row.requests,
    )


def _activity_values(row: ActivityRow, trace: tuple) -> tuple:
    return (_key(row.person_key), row.day.isoformat(), *(getattr(row, name) for name in ACTIVITY_FIELDS), *trace)


class _Import:
    """One import: its staging tables, the files staged so far and the running counts."""

    def __init__(self, session: Session, source: str, strict: bool) -> None:
        self.session = session
        self.source = source
        self.strict = strict
        self.staging = Staging(session.connection(), strict=strict)
        self.staging.create()
        self.report = ImportReport()
        self.seq = 0
        self.events_read = 0
        self.counted = 0  # every count of every row staged, added up: kept within bounds.MAX_SUM

    def stage(self, rows: Iterable[Row], label: str) -> None:
        file = len(self.report.files)
        self.report.files.append(label)
        usage: list[tuple] = []
        activity: list[tuple] = []
        events: list[tuple] = []
        try:
            for row in rows:
                self.seq += 1
                self.counted += check_row(row)  # refused here, by its record, not by the database half-way through
                if self.counted > MAX_SUM:
                    raise RecordError(row.ref, f"the import's counts add up past {MAX_SUM:,} (more than can be stored)")
                trace = (1, file, row.ref if self.strict else None, self.seq)
                if isinstance(row, UsageRow) and row.event_id:
                    events.append(_event_values(row))
                    self.events_read += 1
                elif isinstance(row, UsageRow):
                    usage.append(_usage_values(row, trace))
                elif isinstance(row, ActivityRow):
                    activity.append(_activity_values(row, trace))
                else:
                    raise TypeError(f"a parser yielded {type(row).__name__}, not a UsageRow or ActivityRow")
                if len(usage) + len(activity) + len(events) >= BATCH:
                    self._flush(usage, activity, events)
            self._flush(usage, activity, events)
        except RecordError as exc:
            self._flush(usage, activity, events)
            self.check_duplicates()  # a repeat before the bad record is the first problem
            raise UsageFileError(label, exc.ref, exc.message) from None

    def _flush(self, usage: list[tuple], activity: list[tuple], events: list[tuple]) -> None:
        self.staging.add(usage, activity, events)
        self.report.usage_rows += len(usage) + len(events)
        self.report.activity_rows += len(activity)
        usage.clear()
        activity.clear()
        events.clear()

    def check_duplicates(self) -> None:
        if not self.strict:
            return
        found = self.staging.first_duplicate()
        if found is not None:
            raise self._duplicate_error(found)

    def _duplicate_error(self, dup: Duplicate) -> UsageFileError:
        files = self.report.files
        first = dup.first_ref if dup.first_file == dup.file else f"{files[dup.first_file]}, {dup.first_ref}"
        what = "same person, date and model" if dup.usage else "same person and date"
        return UsageFileError(files[dup.file], dup.ref, f"{what} as {first}")

    def _resolve(self, resolver: KeyResolver) -> None:
        """Who every staged key is, read on short sessions of their own (Slack asked for unknown e-mails):
        this transaction writes nothing of the main database, nor reads it, until every key is resolved."""
        after: str | None = None
        while keys := self.staging.keys_after(after, KEYS_PER_PASS):
            with Session(self.session.get_bind()) as reader:
                found = [(resolver.resolve(reader, key), key) for key in keys]
            self.staging.set_people([(r.person_id, r.slack_user_id, r.email, key) for r, key in found])
            after = keys[-1]

    def finish(self, lookup_email: EmailLookup | None, replace_days: Iterable[date] | None = None) -> ImportReport:
        self.check_duplicates()
        staging, report = self.staging, self.report
        staging.count_keys()
        self._resolve(KeyResolver(lookup_email))
        staging.lock_main()
        after: str | None = None
        while pending := staging.to_store(after, KEYS_PER_PASS):
            staging.set_people([(store(self.session, user, email), user, email, key) for key, user, email in pending])
            after = pending[-1][0]
        report.rows = report.usage_rows + report.activity_rows
        report.attributed, report.unattributed_keys = staging.attribution()
        report.usage_records, report.activity_records = staging.staged_counts()
        report.repeated = self.events_read - staging.staged_events()
        if replace_days is not None:
            staging.clear_days(self.source, list(replace_days))
        usage_written, activity_written = staging.merge(self.source, datetime.now(UTC))
        report.usage_unchanged = max(report.usage_records - usage_written, 0)
        report.activity_unchanged = max(report.activity_records - activity_written, 0)
        report.person_weeks, _ = staging.noted_weeks()
        noted: tuple[int, str] | None = None
        while part := staging.person_weeks_after(noted, SUMMARIES_PER_PASS):
            report.person_weeks_changed += refresh_token_summaries(
                self.session, [(p, week_of_thursday(t)) for p, t in part], counted_rule()
            )
            noted = part[-1]
        staging.drop()
        return report


def import_rows(
    engine: Engine,
    source: str,
    rows: Iterable[Row],
    *,
    lookup_email: EmailLookup | None = None,
    strict_duplicates: bool = False,
    label: str = "",
    replace_days: Iterable[date] | None = None,
    then: Callable[[Session], None] | None = None,
) -> ImportReport:
    """Import ``rows`` as ``source`` in one transaction; a RecordError from ``rows`` becomes a
    UsageFileError naming ``label`` (default: the source) and the record, and nothing is kept.

    ``replace_days``: the rows report those days in full, so they replace every stored record of ``source``
    on them, not only those with the same key. Default: the ``covers`` of ``rows`` (once read) when it has
    one (a pull of a whole-organisation report, ``bot.usage.fetch.Fetch``).

    ``then``: more writes in the import's transaction once its records are stored (with the database's
    write lock held), kept or dropped with them (the OTLP receiver's activity events)."""
    with session_scope(engine) as session:
        job = _Import(session, source, strict_duplicates)
        job.stage(rows, label or source)
        days = replace_days if replace_days is not None else getattr(rows, "covers", None)
        report = job.finish(lookup_email, days)
        if then is not None:
            then(session)
        return report


def import_files(
    engine: Engine,
    fmt: str,
    paths: Sequence[str],
    *,
    lookup_email: EmailLookup | None = None,
    parse: Callable[[str], Iterable[Row]] | None = None,
) -> ImportReport:
    """Import the files of format ``fmt`` together, in one transaction: a bad record in any file
    means nothing from any file is kept. ``parse``: the format's parser with options given (Copilot's
    ``--logins``), instead of its plain ``parse``."""
    module = load(fmt)
    seen: set[str] = set()
    for path in paths:
        if not os.path.isfile(path):
            raise FileNotFoundError(errno.ENOENT, "no such file", str(path))
        real = os.path.realpath(path)
        if real in seen:
            raise ValueError(f"{path} is given twice: its rows would be counted twice")
        seen.add(real)
    with session_scope(engine) as session:
        job = _Import(session, module.SOURCE, getattr(module, "STRICT_DUPLICATES", False))
        for path in paths:
            job.stage((parse or module.parse)(str(path)), str(path))
        return job.finish(lookup_email)


def import_usage_csv(engine: Engine, path: Path | str, lookup_email: EmailLookup | None = None) -> ImportReport:
    """Import one plain CSV file (the weekly loop's format)."""
    return import_files(engine, "csv", [str(path)], lookup_email=lookup_email)


def mapped_key_check(engine: Engine) -> Callable[[str], bool]:
    """Whether ``airetro identities map`` ties a key to someone, read on a short session of its own (for a
    pull that attributes ids to e-mails by itself: ``fetch(..., mapped=...)``; a mapping wins)."""

    def mapped(key: str) -> bool:
        with Session(engine) as reader:
            return mapped_person_id(reader, key) is not None

    return mapped


def slack_email_lookup(client: WebClient) -> EmailLookup:
    """Resolve e-mails with ``users.lookupByEmail`` (scope ``users:read.email``), each e-mail asked once
    for the life of the returned function (make one per import)."""
    cache: dict[str, str | None] = {}

    def lookup(email: str) -> str | None:
        if email not in cache:
            try:
                cache[email] = client.users_lookupByEmail(email=email)["user"]["id"]
            except SlackApiError as exc:
                if exc.response.get("error") != "users_not_found":
                    raise
                cache[email] = None
        return cache[email]

    return lookup
