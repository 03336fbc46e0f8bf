"""An import's staging area: TEMP tables on the import's own connection, inside its transaction.

Rows go in by batches; rows with the same key, day and model (usage) or key and day (activity) are added
together, or, for a strict format, the first repeat is noted with both records' names. Every distinct key
then gets its person (``stage_keys``; resolved before this transaction touches the main database, which it
then locks for writing), and one ``INSERT … SELECT … ON CONFLICT DO UPDATE`` per table moves the staged rows
into ``usage_records`` / ``activity_records``, replacing rows with the same (source, key, day[, model]) whose
values or owner differ: a row stored with the same values is not written (its ``imported_at`` stays that of the
import that last changed it). The person-weeks the staged rows fall in are noted in ``stage_weeks``, those whose
rows change (inserted, updated, re-attributed or removed) marked ``changed``: only their token summaries are
recomputed. Nothing here holds rows in Python: memory stays a batch's, whatever the file's size.

One code path on both engines; what differs is in ``_SQLite`` and ``_Postgres`` (chosen by the connection's
dialect): column types, placeholders, null-safe comparison, how a batch goes in, the join that keeps the staged
rows the outer loop, the write lock, and the settings for the import (SQLite: a bigger page cache for the TEMP
tables; PostgreSQL: ``work_mem``, no Memoize). On SQLite a batch is one executemany upsert into the keyed tables
(in key order, adding up on the way in); on PostgreSQL it is a ``COPY`` into input tables (``stage_*_in``),
added up into the staged tables by one ``INSERT … SELECT … GROUP BY`` each when the staged rows are first read
(``seal``; no batch may come after that, on either engine).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from operator import itemgetter

from sqlalchemy import Connection, CursorResult, text
from sqlmodel import Session

from storage.dialect import dialect_name, sql_text, thursday_of
from storage.queries.activity import FIELDS as ACTIVITY_FIELDS
from storage.queries.usage import USAGE_SUMS

_REAL = ("cost_usd", "estimated_cost_usd")
ACTIVITY_SUMS = ACTIVITY_FIELDS
_TRACE = ("n", "file", "ref", "seq")  # rows added in, and where the first one came from
_DUPLICATE = ("dup_file", "dup_ref", "dup_seq")  # the first repeat (strict formats)
USAGE_GRAIN = ("person_key", "day", "model")
ACTIVITY_GRAIN = ("person_key", "day")
EVENT_GRAIN = ("event_id",)
TABLES = (
    "stage_usage",
    "stage_activity",
    "stage_events",
    "stage_keys",
    "stage_weeks",
    "stage_buckets",
    "stage_usage_changed",
    "stage_activity_changed",
)
_EVENT_COLUMNS = ("event_id", "person_key", "day", "model", *USAGE_SUMS)
DAYS_PER_PASS = 500  # days a clear_days statement names
# how a person-week is noted in ``stage_weeks``: once, marked changed if any noting says so
_NOTED = "ON CONFLICT (person_id, thursday) DO UPDATE SET changed = 1 WHERE excluded.changed = 1"
IMPORT_LOCK = 7_402_611_339  # pg_advisory_xact_lock key: "airetro usage writes" (migrations: ..337, leader: ..338)


def lock_usage_writes(bind: Connection | Session) -> None:
    """Wait for, then hold to the commit, the right to write usage and recompute token summaries: imports and
    identity (un)mapping take turns, so each recomputes summaries from the others' committed rows. PostgreSQL: a
    transaction-level advisory lock. SQLite: nothing to do (one writer at a time already)."""
    if dialect_name(bind) == "postgresql":
        bind.execute(text(f"SELECT pg_advisory_xact_lock({IMPORT_LOCK})"))


@dataclass(frozen=True)
class Duplicate:
    """A record repeating an earlier one's key, day (and model): both named by file index and ref."""

    file: int
    ref: str
    first_file: int
    first_ref: str
    usage: bool  # a usage row (key, day, model) rather than an activity row (key, day)


def _of(table: str, columns: tuple[str, ...]) -> list[str]:
    return [f"{table}.{c}" for c in columns]


def _columns(engine: _SQLite | _Postgres, grain: tuple[str, ...], sums: tuple[str, ...]) -> list[str]:
    columns = [f"{c} {engine.DAY if c == 'day' else 'TEXT'} NOT NULL" for c in grain]
    return columns + [f"{c} {engine.REAL if c in _REAL else engine.INTEGER} NOT NULL" for c in sums]


def _trace_columns(engine: _SQLite | _Postgres) -> list[str]:
    return ["n INTEGER NOT NULL", "file INTEGER NOT NULL", "ref TEXT", f"seq {engine.INTEGER} NOT NULL"]


def _staged_columns(engine: _SQLite | _Postgres, grain: tuple[str, ...], sums: tuple[str, ...]) -> list[str]:
    columns = _columns(engine, grain, sums) + _trace_columns(engine)
    return columns + ["dup_file INTEGER", "dup_ref TEXT", f"dup_seq {engine.INTEGER}"]


class _SQLite:
    """SQLite (the sqlite3 module): each batch one executemany upsert into the keyed staged tables."""

    INTEGER, REAL, DAY = "INTEGER", "REAL", "TEXT"
    SUFFIX = ""  # of a TEMP table
    KEYED_SUFFIX = "WITHOUT ROWID"  # the rows kept in key order: each staged row is one B-tree lookup
    INPUTS: tuple[str, ...] = ()  # no input tables: batches go straight into the staged ones
    ORDERED_JOIN = "CROSS JOIN"  # SQLite's way to keep the left table the outer loop
    TEMP = "temp."
    DIFFERS = "IS NOT"  # null-safe (row values too)
    # The staged tables' pages in memory while importing (KiB; SQLite's default is 2,000): the pages a batch goes
    # into (about one per key, for a file in day order) then stay there. Bounded, whatever the file's size.
    CACHE_KIB = 16_384

    def __init__(self, staging: Staging) -> None:
        self.staging = staging
        self.cache: int | None = None  # the TEMP page cache's size before ``prepare``
        self.usage_insert = self._insert_sql("stage_usage", USAGE_GRAIN, USAGE_SUMS, staging.strict)
        self.activity_insert = self._insert_sql("stage_activity", ACTIVITY_GRAIN, ACTIVITY_SUMS, staging.strict)
        # an event repeated within one import (the same page twice) is kept once: its first values stand
        self.event_insert = (
            f"INSERT INTO temp.stage_events ({', '.join(_EVENT_COLUMNS)}) "
            f"VALUES ({', '.join('?' for _ in _EVENT_COLUMNS)}) ON CONFLICT (event_id) DO NOTHING"
        )

    @staticmethod
    def _insert_sql(name: str, grain: tuple[str, ...], sums: tuple[str, ...], strict: bool) -> str:
        columns = (*grain, *sums, *_TRACE)
        head = f"INSERT INTO temp.{name} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
        if strict:
            update = ", ".join(f"{c} = coalesce({c}, excluded.{c.removeprefix('dup_')})" for c in _DUPLICATE)
        else:
            update = ", ".join(f"{c} = {c} + excluded.{c}" for c in (*sums, "n"))
        return f"{head} ON CONFLICT ({', '.join(grain)}) DO UPDATE SET {update}"

    @staticmethod
    def staged_table(name: str, columns: list[str], key: tuple[str, ...]) -> str:
        """A table of added-up rows: keyed, the executemany upserts' conflict target."""
        return f"CREATE TEMP TABLE {name} ({', '.join(columns)}, PRIMARY KEY ({', '.join(key)})) WITHOUT ROWID"

    @staticmethod
    def sql(text: str) -> str:
        return text  # sqlite3's placeholders are ``?`` already

    def begin(self) -> None:
        """The sqlite3 module only opens a transaction by itself before INSERT/UPDATE/DELETE, not before
        CREATE: opened here, so that a rollback takes the tables away too."""
        if not self.staging.connection.connection.driver_connection.in_transaction:
            self.staging.connection.exec_driver_sql("BEGIN")

    def create_inputs(self) -> None:
        """None: batches go straight into the staged tables."""

    def prepare(self) -> None:
        """A bigger page cache for the TEMP tables, till ``done``."""
        run = self.staging.connection.exec_driver_sql
        self.cache = run("PRAGMA temp.cache_size").scalar()
        run(f"PRAGMA temp.cache_size = -{self.CACHE_KIB}")

    def done(self) -> None:
        if self.cache is not None:
            self.staging.connection.exec_driver_sql(f"PRAGMA temp.cache_size = {int(self.cache)}")
            self.cache = None

    def add(self, usage: list[tuple], activity: list[tuple], events: list[tuple]) -> None:
        """Each batch in key order, so that each B-tree page it goes into is visited once, not once a row (a sort
        that keeps rows with the same key in the order they came: the first stays first, sums add up alike)."""
        run = self.staging.connection.exec_driver_sql
        if usage:
            run(self.usage_insert, sorted(usage, key=itemgetter(0, 1, 2)))
        if activity:
            run(self.activity_insert, sorted(activity, key=itemgetter(0, 1)))
        if events:
            run(self.event_insert, sorted(events, key=itemgetter(0)))

    def seal(self) -> None:
        """Nothing to add up: the upserts did."""

    def lock(self) -> None:
        """Take the database's write lock now (waiting for it as SQLite's busy timeout allows), before this
        transaction reads anything of the main database: a read first would pin a snapshot, and writing after
        someone else's commit would then fail outright (SQLITE_BUSY_SNAPSHOT under WAL)."""
        self.staging.connection.exec_driver_sql("UPDATE people SET id = id WHERE 0")

    @staticmethod
    def day(value: date) -> str:
        return value.isoformat()

    @staticmethod
    def stamp(now: datetime) -> str:
        return now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")  # as SQLAlchemy stores DateTime in SQLite


class _Postgres:
    """PostgreSQL (psycopg 3): each batch a ``COPY`` into an input table (``stage_*_in``), added up into the
    staged tables once, by ``seal``, before the staged rows are read. The TEMP tables go at commit (or
    rollback) whatever happens."""

    INTEGER, REAL, DAY = "BIGINT", "DOUBLE PRECISION", "DATE"
    SUFFIX = KEYED_SUFFIX = "ON COMMIT DROP"
    INPUTS = ("stage_usage_in", "stage_activity_in", "stage_events_in")
    WORK_MEM = "64MB"  # for the import's sorts and hash tables (the default 4MB would spill to disk)
    ORDERED_JOIN = "JOIN"  # the planner picks the join order
    TEMP = "pg_temp."
    DIFFERS = "IS DISTINCT FROM"

    def __init__(self, staging: Staging) -> None:
        self.staging = staging
        self.copies = (
            ("stage_usage_in", (*USAGE_GRAIN, *USAGE_SUMS, *_TRACE)),
            ("stage_activity_in", (*ACTIVITY_GRAIN, *ACTIVITY_SUMS, *_TRACE)),
            ("stage_events_in", _EVENT_COLUMNS),
        )
        self.seals = (
            self._seal_sql("stage_usage", USAGE_GRAIN, USAGE_SUMS),
            self._seal_sql("stage_activity", ACTIVITY_GRAIN, ACTIVITY_SUMS),
            # an event repeated within one import (the same page twice) is kept once: its first values stand
            f"INSERT INTO stage_events ({', '.join(_EVENT_COLUMNS)}) SELECT DISTINCT ON (event_id) "
            f"{', '.join(_EVENT_COLUMNS)} FROM stage_events_in ORDER BY event_id, seq",
        )

    @staticmethod
    def _seal_sql(name: str, grain: tuple[str, ...], sums: tuple[str, ...]) -> str:
        """Add the copied rows up into ``name``, one row per key (the first one's file and seq kept: both only
        grow; ``n`` counts the rows). A strict format's repeats are noted after, by ``_repeats_sql``."""
        keys = ", ".join(grain)
        columns = ", ".join((*grain, *sums, *_TRACE))
        added = [f"sum({c})" for c in (*sums, "n")] + ["min(file)", "min(ref)", "min(seq)"]
        return f"INSERT INTO {name} ({columns}) SELECT {keys}, {', '.join(added)} FROM {name}_in GROUP BY {keys}"

    @staticmethod
    def _repeats_sql(name: str, grain: tuple[str, ...]) -> str:
        """Strict, for the keys that came more than once (the import then fails, naming the earliest repeat): the
        first record's trace, and the second's as the repeat."""
        keys = ", ".join(grain)
        first = [f"min({c}) FILTER (WHERE rn = 1) AS {c}" for c in _TRACE[1:]]
        second = [f"min({c.removeprefix('dup_')}) FILTER (WHERE rn = 2) AS {c}" for c in _DUPLICATE]
        repeated = (
            f"SELECT i.*, row_number() OVER (PARTITION BY {', '.join(_of('i', grain))} ORDER BY i.seq) AS rn "
            f"FROM {name}_in AS i JOIN {name} AS t ON {' AND '.join(f't.{c} = i.{c}' for c in grain)} AND t.n > 1"
        )
        return (
            f"UPDATE {name} AS s SET {', '.join(f'{c} = r.{c}' for c in (*_TRACE[1:], *_DUPLICATE))} "
            f"FROM (SELECT {keys}, {', '.join((*first, *second))} FROM ({repeated}) AS x WHERE rn <= 2 "
            f"GROUP BY {keys}) AS r WHERE {' AND '.join(f's.{c} = r.{c}' for c in grain)}"
        )

    @staticmethod
    def staged_table(name: str, columns: list[str], _key: tuple[str, ...]) -> str:
        """A table of added-up rows: filled once, by ``seal``, a row per key already (so no key to check)."""
        return f"CREATE TEMP TABLE {name} ({', '.join(columns)}) ON COMMIT DROP"

    @staticmethod
    def sql(text: str) -> str:
        return text.replace("?", "%s")  # psycopg's placeholders (no statement here holds a literal ? or %)

    def begin(self) -> None:
        """psycopg opens the transaction with the first statement: CREATE TEMP TABLE is inside it. Settings to the
        commit: the import's ``work_mem``; and no Memoize node, which the planner puts over the lookup of each
        staged row in the stored ones (merge) although no two staged rows share a key: it never hits, and the
        hash join it keeps out is several times faster (1M rows: 4 s against 25 s)."""
        run = self.staging.connection.exec_driver_sql
        run(f"SET LOCAL work_mem = '{self.WORK_MEM}'")
        if (self.staging.connection.dialect.server_version_info or (0,)) >= (14,):  # Memoize came with 14
            run("SET LOCAL enable_memoize = off")

    def prepare(self) -> None:
        """Nothing more (``begin`` gave the transaction its ``work_mem``)."""

    def done(self) -> None:
        """Nothing to undo."""

    def create_inputs(self) -> None:
        """Unkeyed tables for the COPYs (each event numbered as it comes, so that its first copy is kept)."""
        run = self.staging.connection.exec_driver_sql
        for name, grain, sums in (
            ("stage_usage_in", USAGE_GRAIN, USAGE_SUMS),
            ("stage_activity_in", ACTIVITY_GRAIN, ACTIVITY_SUMS),
        ):
            columns = _columns(self, grain, sums) + _trace_columns(self)
            run(f"CREATE TEMP TABLE {name} ({', '.join(columns)}) {self.SUFFIX}")
        columns = _columns(self, ("event_id", "person_key", "day", "model"), USAGE_SUMS)
        run(
            f"CREATE TEMP TABLE stage_events_in ({', '.join(columns)}, seq BIGINT GENERATED ALWAYS AS IDENTITY) "
            f"{self.SUFFIX}"
        )

    def add(self, usage: list[tuple], activity: list[tuple], events: list[tuple]) -> None:
        """One COPY per table with rows (text format: days as ISO text, as the SQLite path takes them)."""
        raw = self.staging.connection.connection.driver_connection
        with raw.cursor() as cursor:
            for (name, columns), rows in zip(self.copies, (usage, activity, events), strict=True):
                if rows:
                    with cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)

    def seal(self) -> None:
        """Add the rows copied in up into the staged tables (then the planner is told their sizes)."""
        run = self.staging.connection.exec_driver_sql
        for statement in self.seals:
            run(statement)
        if self.staging.strict:
            for name, grain in (("stage_usage", USAGE_GRAIN), ("stage_activity", ACTIVITY_GRAIN)):
                if run(f"SELECT 1 FROM {name} WHERE n > 1 LIMIT 1").first():
                    run(self._repeats_sql(name, grain))
        run(f"DROP TABLE {', '.join(self.INPUTS)}")
        run("ANALYZE stage_usage, stage_activity, stage_events")

    def lock(self) -> None:
        """Imports take turns from here to their commit (a transaction-level advisory lock): an import's token
        summaries are then recomputed from every earlier import's committed rows. Other writers are not held up
        (PostgreSQL locks rows)."""
        lock_usage_writes(self.staging.connection)

    @staticmethod
    def day(value: date) -> date:
        return value

    @staticmethod
    def stamp(now: datetime) -> datetime:
        return now.astimezone(UTC)  # a timestamp with time zone


class Staging:
    """The staging tables of one import on ``connection`` (call ``create`` first, ``drop`` last)."""

    def __init__(self, connection: Connection, *, strict: bool) -> None:
        self.connection = connection
        self.strict = strict
        self.engine = _Postgres(self) if dialect_name(connection) == "postgresql" else _SQLite(self)
        self._sql: dict[str, str] = {}
        self._sealed = False  # staged rows have been read: no more can be added

    def _run(self, sql: str, params: object = None) -> CursorResult:
        """Run ``sql`` written with ``?`` placeholders, in the driver's own paramstyle."""
        statement = self._sql.get(sql)
        if statement is None:
            statement = self._sql[sql] = self.engine.sql(sql)
        if params is None:
            return self.connection.exec_driver_sql(statement)
        return self.connection.exec_driver_sql(statement, params)

    def _thursday(self, day: str) -> str:
        return sql_text(self.connection, thursday_of(self.connection, day))

    def create(self) -> None:
        """Create the tables inside the transaction, so a rollback takes them away too."""
        engine = self.engine
        engine.begin()
        self.drop()
        engine.prepare()
        for name, grain, sums in (
            ("stage_usage", USAGE_GRAIN, USAGE_SUMS),
            ("stage_activity", ACTIVITY_GRAIN, ACTIVITY_SUMS),
        ):
            self._run(engine.staged_table(name, _staged_columns(engine, grain, sums), grain))
        events = _columns(engine, ("event_id", "person_key", "day", "model"), USAGE_SUMS)
        self._run(engine.staged_table("stage_events", events, EVENT_GRAIN))
        for name in ("stage_usage", "stage_activity"):
            self._run(f"CREATE INDEX {name}_dup ON {name} (dup_seq) WHERE dup_seq IS NOT NULL")
        self._run(
            "CREATE TEMP TABLE stage_keys (person_key TEXT PRIMARY KEY, n INTEGER NOT NULL, person_id INTEGER, "
            f"slack_user_id TEXT, email TEXT) {engine.SUFFIX}"
        )
        self._run(
            f"CREATE TEMP TABLE stage_weeks (person_id INTEGER NOT NULL, thursday {engine.DAY} NOT NULL, "
            f"changed INTEGER NOT NULL, PRIMARY KEY (person_id, thursday)) {engine.KEYED_SUFFIX}"
        )
        for name, grain, sums in (
            ("stage_usage_changed", USAGE_GRAIN, USAGE_SUMS),
            ("stage_activity_changed", ACTIVITY_GRAIN, ACTIVITY_SUMS),
        ):  # the staged rows to write, with their owner now and before (see ``_upsert``)
            columns = ["person_id INTEGER", "was INTEGER", *_columns(engine, grain, sums)]
            self._run(f"CREATE TEMP TABLE {name} ({', '.join(columns)}) {engine.SUFFIX}")
        self._run(
            f"CREATE TEMP TABLE stage_buckets (person_key TEXT NOT NULL, day {engine.DAY} NOT NULL, "
            f"model TEXT NOT NULL, staged INTEGER NOT NULL, PRIMARY KEY (person_key, day, model)) {engine.KEYED_SUFFIX}"
        )
        engine.create_inputs()

    def drop(self) -> None:
        for name in (*TABLES, *self.engine.INPUTS):
            self._run(f"DROP TABLE IF EXISTS {self.engine.TEMP}{name}")
        self.engine.done()

    def add(self, usage: list[tuple], activity: list[tuple], events: list[tuple] = ()) -> None:
        """Stage a batch: usage tuples (key, day, model, *USAGE_SUMS, 1, file, ref, seq), activity
        tuples (key, day, *ACTIVITY_SUMS, 1, file, ref, seq) and event tuples (event_id, key, day, model,
        *USAGE_SUMS); days as ISO text. Every batch comes before the staged rows are first read."""
        if self._sealed:
            raise RuntimeError("the staged rows have been read: no more can be added")
        self.engine.add(usage, activity, events)

    def _seal(self) -> None:
        """Before the staged rows are first read: have them added up (PostgreSQL adds them up here)."""
        if not self._sealed:
            self.engine.seal()
            self._sealed = True

    def first_duplicate(self) -> Duplicate | None:
        """The earliest repeat staged (strict formats), if any."""
        self._seal()
        found = []
        for name, usage in (("stage_usage", True), ("stage_activity", False)):
            row = self._run(
                f"SELECT dup_seq, dup_file, dup_ref, file, ref FROM {name} "
                "WHERE dup_seq IS NOT NULL ORDER BY dup_seq LIMIT 1"
            ).first()
            if row is not None:
                found.append((row[0], Duplicate(row[1], row[2], row[3], row[4], usage)))
        return min(found, key=lambda pair: pair[0])[1] if found else None

    def count_keys(self) -> None:
        """Fill ``stage_keys``: every distinct key with the number of records staged under it."""
        self._seal()
        for name, n in (("stage_usage", "sum(n)"), ("stage_activity", "sum(n)"), ("stage_events", "count(*)")):
            self._run(  # each table read in its own key order (a staged table's key starts with person_key)
                f"INSERT INTO stage_keys (person_key, n) SELECT person_key, {n} FROM {name} WHERE true "
                "GROUP BY person_key ON CONFLICT (person_key) DO UPDATE SET n = stage_keys.n + excluded.n"
            )

    def keys_after(self, after: str | None, limit: int) -> list[str]:
        """Up to ``limit`` staged keys in order, after ``after`` (None: from the first)."""
        if after is None:
            rows = self._run("SELECT person_key FROM stage_keys ORDER BY person_key LIMIT ?", (limit,))
        else:
            rows = self._run(
                "SELECT person_key FROM stage_keys WHERE person_key > ? ORDER BY person_key LIMIT ?",
                (after, limit),
            )
        return [row[0] for row in rows]

    def set_people(self, people: list[tuple[int | None, str | None, str | None, str]]) -> None:
        """(person_id, slack_user_id, email, key): who each key is; a Slack user ID without a person id is
        a person still to be stored (see ``to_store``)."""
        if people:
            self._run("UPDATE stage_keys SET person_id = ?, slack_user_id = ?, email = ? WHERE person_key = ?", people)

    def to_store(self, after: str | None, limit: int) -> list[tuple[str, str, str | None]]:
        """Up to ``limit`` (key, Slack user ID, e-mail) whose person is still to be stored, after ``after``."""
        where = "person_id IS NULL AND slack_user_id IS NOT NULL"
        if after is None:
            sql, params = f"SELECT person_key, slack_user_id, email FROM stage_keys WHERE {where} ", (limit,)
        else:
            sql = f"SELECT person_key, slack_user_id, email FROM stage_keys WHERE {where} AND person_key > ? "
            params = (after, limit)
        return [tuple(row) for row in self._run(sql + "ORDER BY person_key LIMIT ?", params)]

    def lock_main(self) -> None:
        """Take the write lock imports take turns on, before this transaction reads anything of the main
        database (SQLite: the database's; PostgreSQL: an advisory lock held to the commit)."""
        self.engine.lock()

    def attribution(self) -> tuple[int, dict[str, int]]:
        """Records staged under keys with a person, and the unattributed keys with their record counts."""
        attributed = self._run("SELECT coalesce(sum(n), 0) FROM stage_keys WHERE person_id IS NOT NULL").scalar()
        unattributed = self._run(
            "SELECT person_key, n FROM stage_keys WHERE person_id IS NULL ORDER BY n DESC, person_key"
        )
        return int(attributed), {key: int(n) for key, n in unattributed}

    def staged_events(self) -> int:
        """Distinct events staged (a repeated event id is one)."""
        self._seal()
        return int(self._run("SELECT count(*) FROM stage_events").scalar())

    def staged_counts(self) -> tuple[int, int]:
        """Distinct usage rows (key, day, model) and activity rows (key, day) staged."""
        self._seal()
        if self._run("SELECT 1 FROM stage_events LIMIT 1").first():
            usage = self._run(
                "SELECT count(*) FROM (SELECT person_key, day, model FROM stage_usage UNION "
                "SELECT person_key, day, model FROM stage_events) AS staged"
            ).scalar()
        else:
            usage = self._run("SELECT count(*) FROM stage_usage").scalar()
        activity = self._run("SELECT count(*) FROM stage_activity").scalar()
        return int(usage), int(activity)

    def _differ(self, stored: list[str], new: list[str]) -> str:
        """Null-safe: the row value of the SQL expressions ``stored`` differs from that of ``new``."""
        return f"({', '.join(stored)}) {self.engine.DIFFERS} ({', '.join(new)})"

    def _note(self, select: str, params: tuple = ()) -> None:
        """Note in ``stage_weeks`` the (person id, Thursday, changed 0 or 1) that ``select`` gives, one row per
        person-week: once each, changed if any noting says so."""
        self._run(f"INSERT INTO stage_weeks (person_id, thursday, changed) {select} {_NOTED}", params)

    def clear_days(self, source: str, days: list[date]) -> None:
        """Before ``merge``, for an import that reports ``days`` in full: remove ``source``'s stored records of
        those days that no staged row replaces, so the import replaces the days whole and a key that changed (an
        account or API key id now attributed to its e-mail) leaves no stale row to be counted twice. The stored
        records' person-weeks are noted in ``stage_weeks``, changed where a usage record goes. Bucketed sources
        only (not events)."""
        self._seal()
        for start in range(0, len(days), DAYS_PER_PASS):
            part = [self.engine.day(day) for day in days[start : start + DAYS_PER_PASS]]
            among = f"r.source = ? AND r.day IN ({', '.join('?' for _ in part)})"
            for table, name, grain in (
                ("usage_records", "stage_usage", USAGE_GRAIN),
                ("activity_records", "stage_activity", ACTIVITY_GRAIN),
            ):
                unstaged = f"{table} AS r LEFT JOIN {name} AS s ON {' AND '.join(f's.{c} = r.{c}' for c in grain)}"
                # a usage record going changes its week's token summary; an activity record's week is only counted
                goes = "max(CASE WHEN s.person_key IS NULL THEN 1 ELSE 0 END)" if name == "stage_usage" else "0"
                self._note(
                    f"SELECT r.person_id, {self._thursday('r.day')}, {goes} FROM {unstaged} WHERE {among} "
                    "AND r.person_id IS NOT NULL GROUP BY 1, 2",
                    (source, *part),
                )
                self._run(
                    f"DELETE FROM {table} WHERE id IN (SELECT r.id FROM {unstaged} WHERE {among} "
                    "AND s.person_key IS NULL)",
                    (source, *part),
                )

    def merge(self, source: str, now: datetime) -> tuple[int, int]:
        """Move the staged rows into the record tables: a stored row of ``source`` with the same key is replaced
        where its values or its owner differ, and not written at all where they do not (its ``imported_at``
        stays). Every person-week the staged usage falls in is noted in ``stage_weeks`` (the report counts them),
        changed where its usage changes: a new or replaced row's week, and a re-attributed row's old owner's.
        Returns how many staged usage and activity records were written (inserted or replaced)."""
        self._seal()
        stamp = self.engine.stamp(now)
        self._note(
            f"SELECT k.person_id, {self._thursday('d.day')}, 0 FROM (SELECT DISTINCT person_key, day FROM stage_usage) "
            f"AS d {self.engine.ORDERED_JOIN} stage_keys AS k ON k.person_key = d.person_key "
            "WHERE k.person_id IS NOT NULL GROUP BY 1, 2"
        )
        events = self._merge_events(source, stamp)
        usage = self._upsert("usage_records", "stage_usage", USAGE_GRAIN, USAGE_SUMS, source, stamp)
        activity = self._upsert("activity_records", "stage_activity", ACTIVITY_GRAIN, ACTIVITY_SUMS, source, stamp)
        return events + usage, activity

    def _upsert(
        self, table: str, name: str, grain: tuple[str, ...], sums: tuple[str, ...], source: str, stamp: object
    ) -> int:
        """Write into ``table`` the rows staged in ``name`` whose stored row is missing, or differs in its values or
        owner; the others are left as they are (``imported_at`` too). How many were written.

        The rows to write are picked first, into ``{name}_changed`` (one lookup of each staged row; a re-import
        of the same rows picks none, and writes nothing), with their owner before: their person-weeks are noted
        changed, the old owner's too. Cheaper than an upsert's own DO UPDATE … WHERE on both engines (on
        PostgreSQL that would also lock, so write, every unchanged row)."""
        changed = f"{name}_changed"
        columns = ", ".join((*grain, *sums))
        match = " AND ".join(f"u.{c} = s.{c}" for c in grain)
        differs = self._differ(["u.person_id", *_of("u", sums)], ["k.person_id", *_of("s", sums)])
        self._run(
            f"INSERT INTO {changed} (person_id, was, {columns}) SELECT k.person_id, u.person_id, "
            f"{', '.join(_of('s', (*grain, *sums)))} FROM {name} AS s {self.engine.ORDERED_JOIN} stage_keys AS k "
            f"ON k.person_key = s.person_key LEFT JOIN {table} AS u ON u.source = ? AND {match} "
            f"WHERE u.id IS NULL OR {differs}",
            (source,),
        )
        if table == "usage_records":
            thursday = self._thursday("day")
            self._note(
                f"SELECT person_id, {thursday}, 1 FROM {changed} WHERE person_id IS NOT NULL UNION "
                f"SELECT was, {thursday}, 1 FROM {changed} WHERE was IS NOT NULL"
            )
        values = ("person_id", *sums)
        return self._run(
            f"INSERT INTO {table} (source, person_id, {columns}, imported_at) "
            f"SELECT ?, person_id, {columns}, ? FROM {changed} WHERE true "
            f"ON CONFLICT (source, {', '.join(grain)}) DO UPDATE SET "
            f"{', '.join(f'{c} = excluded.{c}' for c in (*values, 'imported_at'))} "
            f"WHERE {self._differ(_of(table, values), _of('excluded', values))}",  # (written meanwhile: as it is)
            (source, stamp),
        ).rowcount

    def _merge_events(self, source: str, stamp: object) -> int:
        """Keep each staged event once (a known one takes its new values, where they differ), then recompute the
        source's usage record of every (key, day, model) whose events changed (where a changed event is now and
        where it was before) or whose record is missing or has another owner now: the sum of all its events, old
        and new; a record left without events goes. Returns how many of the staged events' records were written."""
        if not self._run("SELECT 1 FROM stage_events LIMIT 1").first():
            return 0
        thursday, joined = self._thursday, self.engine.ORDERED_JOIN
        self._note(
            f"SELECT k.person_id, {thursday('d.day')}, 0 FROM (SELECT DISTINCT person_key, day FROM stage_events) "
            f"AS d {joined} stage_keys AS k ON k.person_key = d.person_key WHERE k.person_id IS NOT NULL GROUP BY 1, 2"
        )
        values = _EVENT_COLUMNS[1:]  # the key, day and model, and the sums
        changed = (
            "stage_events AS s LEFT JOIN usage_events AS e ON e.source = ? AND e.event_id = s.event_id "
            f"WHERE e.id IS NULL OR {self._differ(_of('e', values), _of('s', values))}"
        )
        self._run(  # the buckets of the events new or changed: where each is now (staged), and where it was
            "WITH moved AS (SELECT s.person_key, s.day, s.model, e.person_key AS was_key, e.day AS was_day, "
            f"e.model AS was_model FROM {changed} GROUP BY 1, 2, 3, 4, 5, 6) "
            "INSERT INTO stage_buckets (person_key, day, model, staged) SELECT person_key, day, model, max(staged) "
            "FROM (SELECT person_key, day, model, 1 AS staged FROM moved UNION ALL "
            "SELECT was_key, was_day, was_model, 0 FROM moved WHERE was_key IS NOT NULL) AS b "
            "WHERE true GROUP BY person_key, day, model",
            (source,),
        )
        self._run(  # and the staged buckets whose record is missing, or is someone else's now
            "INSERT INTO stage_buckets (person_key, day, model, staged) SELECT s.person_key, s.day, s.model, 1 "
            f"FROM (SELECT DISTINCT person_key, day, model FROM stage_events) AS s {joined} stage_keys AS k "
            "ON k.person_key = s.person_key LEFT JOIN usage_records AS u ON u.source = ? "
            "AND u.person_key = s.person_key AND u.day = s.day AND u.model = s.model "
            f"WHERE u.id IS NULL OR u.person_id {self.engine.DIFFERS} k.person_id "
            "ON CONFLICT (person_key, day, model) DO UPDATE SET staged = 1",
            (source,),
        )
        self._run(  # the events new or changed, picked first (as in ``_upsert``)
            f"INSERT INTO usage_events (source, {', '.join(_EVENT_COLUMNS)}, imported_at) "
            f"SELECT ?, {', '.join(_of('s', _EVENT_COLUMNS))}, ? FROM {changed} "
            "ON CONFLICT (source, event_id) DO UPDATE SET "
            f"{', '.join(f'{c} = excluded.{c}' for c in (*values, 'imported_at'))} "
            f"WHERE {self._differ(_of('usage_events', values), _of('excluded', values))}",
            (source, stamp, source),
        )
        if not self._run("SELECT 1 FROM stage_buckets LIMIT 1").first():
            return 0
        record = "u.source = ? AND u.person_key = b.person_key AND u.day = b.day AND u.model = b.model"
        events = "e.source = ? AND e.person_key = b.person_key AND e.day = b.day AND e.model = b.model"
        weeks = (
            f"SELECT u.person_id, {thursday('u.day')}, 1 FROM stage_buckets AS b JOIN usage_records AS u "
            f"ON {record} WHERE u.person_id IS NOT NULL GROUP BY 1, 2"
        )
        self._note(weeks, (source,))  # the records' weeks before: their owner may change, or they may go
        owner = "CASE WHEN k.person_key IS NULL THEN u.person_id ELSE k.person_id END"  # a key not staged keeps its
        values = ("person_id", *USAGE_SUMS)
        self._run(
            f"INSERT INTO usage_records (source, person_id, person_key, day, model, {', '.join(USAGE_SUMS)}, "
            f"imported_at) SELECT ?, {owner}, b.person_key, b.day, b.model, "
            f"{', '.join(f'sum(e.{c})' for c in USAGE_SUMS)}, ? FROM stage_buckets AS b "
            f"JOIN usage_events AS e ON {events} LEFT JOIN stage_keys AS k ON k.person_key = b.person_key "
            f"LEFT JOIN usage_records AS u ON {record} "
            "WHERE true GROUP BY b.person_key, b.day, b.model, k.person_key, k.person_id, u.person_id "
            "ON CONFLICT (source, person_key, day, model) DO UPDATE SET "
            f"{', '.join(f'{c} = excluded.{c}' for c in (*values, 'imported_at'))} "
            f"WHERE {self._differ(_of('usage_records', values), _of('excluded', values))}",
            (source, stamp, source, source),
        )
        self._run(
            f"DELETE FROM usage_records WHERE id IN (SELECT u.id FROM stage_buckets AS b JOIN usage_records AS u "
            f"ON {record} WHERE NOT EXISTS (SELECT 1 FROM usage_events AS e WHERE {events}))",
            (source, source),
        )
        self._note(weeks, (source,))  # and after
        return int(
            self._run(
                f"SELECT count(*) FROM stage_buckets AS b JOIN usage_records AS u ON {record} "
                "WHERE b.staged = 1 AND u.imported_at = ?",
                (source, stamp),
            ).scalar()
        )

    def noted_weeks(self) -> tuple[int, int]:
        """The person-weeks ``merge`` (and ``clear_days``) noted, and of those the ones whose rows changed."""
        total, changed = self._run("SELECT count(*), coalesce(sum(changed), 0) FROM stage_weeks").one()
        return int(total), int(changed)

    def person_weeks_after(self, after: tuple[int, str | date] | None, limit: int) -> list[tuple[int, str | date]]:
        """Up to ``limit`` of the person-weeks whose rows ``merge`` (or ``clear_days``) changed, as (person id,
        Thursday of the week: ISO text on SQLite, a date on PostgreSQL), in order, after ``after``: the token
        summaries to recompute."""
        if after is None:
            rows = self._run(
                "SELECT person_id, thursday FROM stage_weeks WHERE changed = 1 ORDER BY 1, 2 LIMIT ?", (limit,)
            )
        else:
            rows = self._run(
                "SELECT person_id, thursday FROM stage_weeks WHERE changed = 1 AND (person_id, thursday) > (?, ?) "
                "ORDER BY 1, 2 LIMIT ?",
                (*after, limit),
            )
        return [(person_id, thursday) for person_id, thursday in rows]
