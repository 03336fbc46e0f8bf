"""An import's staging area: TEMP tables on the import's own connection, inside its transaction.

Rows go in by batches; rows with the same key, day and model (usage) or key and day (activity) are added
together, or, for a strict format, the first repeat is noted with both records' names. Every distinct key
then gets its person (``stage_keys``; resolved before this transaction touches the main database, which it
then locks for writing), and one ``INSERT … SELECT … ON CONFLICT DO UPDATE`` per table moves the staged rows
into ``usage_records`` / ``activity_records``, replacing rows with the same (source, key, day[, model]); the
person-weeks whose token summaries change are noted in ``stage_weeks``. Nothing here holds rows in Python:
memory stays a batch's, whatever the file's size.

One code path on both engines; what differs is in ``_SQLite`` and ``_Postgres`` (chosen by the connection's
dialect): column types, placeholders, how a batch goes in, the join that keeps the staged rows the outer
loop, and the write lock. On SQLite a batch is one executemany upsert into the keyed tables (adding up on the
way in); on PostgreSQL it is a ``COPY`` into input tables (``stage_*_in``), added up into the staged
tables by one ``INSERT … SELECT … GROUP BY`` each when the staged rows are first read (``seal``; no batch may
come after that, on either engine).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

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
TABLES = ("stage_usage", "stage_activity", "stage_events", "stage_keys", "stage_weeks")
_EVENT_COLUMNS = ("event_id", "person_key", "day", "model", *USAGE_SUMS)
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

    def __init__(self, staging: Staging) -> None:
        self.staging = staging
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

    def add(self, usage: list[tuple], activity: list[tuple], events: list[tuple]) -> None:
        run = self.staging.connection.exec_driver_sql
        if usage:
            run(self.usage_insert, usage)
        if activity:
            run(self.activity_insert, activity)
        if events:
            run(self.event_insert, events)

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

    def __init__(self, staging: Staging) -> None:
        self.staging = staging
        self.copies = (
            ("stage_usage_in", (*USAGE_GRAIN, *USAGE_SUMS, *_TRACE)),
            ("stage_activity_in", (*ACTIVITY_GRAIN, *ACTIVITY_SUMS, *_TRACE)),
            ("stage_events_in", _EVENT_COLUMNS),
        )
        self.seals = (
            self._seal_sql("stage_usage", USAGE_GRAIN, USAGE_SUMS, staging.strict),
            self._seal_sql("stage_activity", ACTIVITY_GRAIN, ACTIVITY_SUMS, staging.strict),
            # an event repeated within one import (the same page twice) is kept once: its first values stand
            f"INSERT INTO stage_events ({', '.join(_EVENT_COLUMNS)}) SELECT DISTINCT ON (event_id) "
            f"{', '.join(_EVENT_COLUMNS)} FROM stage_events_in ORDER BY event_id, seq",
        )

    @staticmethod
    def _seal_sql(name: str, grain: tuple[str, ...], sums: tuple[str, ...], strict: bool) -> str:
        """Add the copied rows up into ``name``, one row per key. Strict: each key's first row, with its second
        noted as the repeat; else the rows summed (the first one's file and seq kept: both only grow)."""
        keys = ", ".join(grain)
        columns = ", ".join((*grain, *sums, *_TRACE, *_DUPLICATE))
        if strict:
            first = [f"min({c}) FILTER (WHERE rn = 1)" for c in (*sums, *_TRACE)]
            second = [f"min({c.removeprefix('dup_')}) FILTER (WHERE rn = 2)" for c in _DUPLICATE]
            rows = (
                f"(SELECT *, row_number() OVER (PARTITION BY {keys} ORDER BY seq) AS rn FROM {name}_in) AS r "
                "WHERE rn <= 2"
            )
        else:
            first = [f"sum({c})" for c in (*sums, "n")] + ["min(file)", "min(ref)", "min(seq)"]
            second = ["NULL", "NULL", "NULL"]
            rows = f"{name}_in"
        return (
            f"INSERT INTO {name} ({columns}) SELECT {keys}, {', '.join((*first, *second))} FROM {rows} GROUP BY {keys}"
        )

    @staticmethod
    def staged_table(name: str, columns: list[str], _key: tuple[str, ...]) -> str:
        """A table of added-up rows: filled once, by ``seal``, a row per key already (so no key to check)."""
        return f"CREATE TEMP TABLE {name} ({', '.join(columns)}) ON COMMIT DROP"

    @staticmethod
    def sql(text: str) -> str:
        return text.replace("?", "%s")  # psycopg's placeholders (no statement here holds a literal ? or %)

    def begin(self) -> None:
        """psycopg opens the transaction with the first statement: CREATE TEMP TABLE is inside it."""
        self.staging.connection.exec_driver_sql(f"SET LOCAL work_mem = '{self.WORK_MEM}'")  # to the commit

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
            f"PRIMARY KEY (person_id, thursday)) {engine.KEYED_SUFFIX}"
        )
        engine.create_inputs()

    def drop(self) -> None:
        for name in (*TABLES, *self.engine.INPUTS):
            self._run(f"DROP TABLE IF EXISTS {self.engine.TEMP}{name}")

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
        self._run(
            "INSERT INTO stage_keys (person_key, n) SELECT person_key, sum(n) FROM ("
            "SELECT person_key, n FROM stage_usage UNION ALL SELECT person_key, n FROM stage_activity "
            "UNION ALL SELECT person_key, 1 FROM stage_events) AS staged GROUP BY person_key"
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
        usage = self._run(
            "SELECT count(*) FROM (SELECT person_key, day, model FROM stage_usage UNION "
            "SELECT person_key, day, model FROM stage_events) AS staged"
        ).scalar()
        activity = self._run("SELECT count(*) FROM stage_activity").scalar()
        return int(usage), int(activity)

    def clear_days(self, source: str, days: list[date]) -> None:
        """Before ``merge``, for an import that reports ``days`` in full: remove ``source``'s stored records of
        those days, so the import replaces them whole and a key that changed (an account or API key id now
        attributed to its e-mail) leaves no stale row to be counted twice. The removed rows' person-weeks are
        noted in ``stage_weeks``. Bucketed sources only (not events)."""
        for day in days:
            for table in ("usage_records", "activity_records"):
                params = (source, self.engine.day(day))
                self._run(
                    f"INSERT INTO stage_weeks SELECT DISTINCT person_id, {self._thursday('day')} FROM {table} "
                    "WHERE source = ? AND day = ? AND person_id IS NOT NULL ON CONFLICT (person_id, thursday) "
                    "DO NOTHING",
                    params,
                )
                self._run(f"DELETE FROM {table} WHERE source = ? AND day = ?", params)

    def merge(self, source: str, now: datetime) -> None:
        """Move the staged rows into the record tables (replacing same-key rows of ``source``), noting in
        ``stage_weeks`` the person-weeks whose token summaries change: the replaced rows' and the new rows'."""
        self._seal()
        self._run(
            f"INSERT INTO stage_weeks SELECT DISTINCT u.person_id, {self._thursday('u.day')} "
            f"FROM stage_usage AS s {self.engine.ORDERED_JOIN} usage_records AS u ON u.source = ? "
            "AND u.person_key = s.person_key AND u.day = s.day AND u.model = s.model WHERE u.person_id IS NOT NULL "
            "ON CONFLICT (person_id, thursday) DO NOTHING",
            (source,),
        )
        self._run(
            f"INSERT INTO stage_weeks SELECT DISTINCT k.person_id, {self._thursday('s.day')} "
            "FROM stage_usage AS s JOIN stage_keys AS k ON k.person_key = s.person_key "
            "WHERE k.person_id IS NOT NULL ON CONFLICT (person_id, thursday) DO NOTHING"
        )
        stamp = self.engine.stamp(now)
        self._merge_events(source, stamp)
        for table, name, grain, sums in (
            ("usage_records", "stage_usage", USAGE_GRAIN, USAGE_SUMS),
            ("activity_records", "stage_activity", ACTIVITY_GRAIN, ACTIVITY_SUMS),
        ):
            replaced = ", ".join(f"{c} = excluded.{c}" for c in ("person_id", *sums, "imported_at"))
            self._run(
                f"INSERT INTO {table} (source, person_id, {', '.join((*grain, *sums))}, imported_at) "
                f"SELECT ?, k.person_id, {', '.join(f's.{c}' for c in (*grain, *sums))}, ? "
                f"FROM {name} AS s JOIN stage_keys AS k ON k.person_key = s.person_key WHERE true "
                f"ON CONFLICT (source, {', '.join(grain)}) DO UPDATE SET {replaced}",
                (source, stamp),
            )

    def _merge_events(self, source: str, stamp: str | datetime) -> None:
        """Keep each staged event once (a known one takes its new values), then make the source's usage record
        of every (key, day, model) they touch the sum of all its events, old and new."""
        if not self._run("SELECT 1 FROM stage_events LIMIT 1").first():
            return
        columns = ", ".join(_EVENT_COLUMNS)
        replaced = ", ".join(f"{c} = excluded.{c}" for c in (*_EVENT_COLUMNS[1:], "imported_at"))
        self._run(
            f"INSERT INTO usage_events (source, {columns}, imported_at) SELECT ?, {columns}, ? FROM stage_events "
            f"WHERE true ON CONFLICT (source, event_id) DO UPDATE SET {replaced}",
            (source, stamp),
        )
        # the weeks of the people an event named before, if it moved (a key, day or model changed)
        self._run(
            f"INSERT INTO stage_weeks SELECT DISTINCT k.person_id, {self._thursday('s.day')} "
            "FROM stage_events AS s JOIN stage_keys AS k ON k.person_key = s.person_key "
            "WHERE k.person_id IS NOT NULL ON CONFLICT (person_id, thursday) DO NOTHING"
        )
        sums = ", ".join(f"sum(e.{c})" for c in USAGE_SUMS)
        replaced = ", ".join(f"{c} = excluded.{c}" for c in ("person_id", *USAGE_SUMS, "imported_at"))
        self._run(
            f"INSERT INTO usage_records (source, person_id, person_key, day, model, {', '.join(USAGE_SUMS)}, "
            f"imported_at) SELECT ?, k.person_id, e.person_key, e.day, e.model, {sums}, ? "
            "FROM usage_events AS e JOIN stage_keys AS k ON k.person_key = e.person_key "
            "WHERE e.source = ? AND (e.person_key, e.day, e.model) IN "
            "(SELECT DISTINCT person_key, day, model FROM stage_events) "
            "GROUP BY e.person_key, e.day, e.model, k.person_id "  # one person per key: the same groups
            f"ON CONFLICT (source, person_key, day, model) DO UPDATE SET {replaced}",
            (source, stamp, source),
        )

    def person_weeks_after(self, after: tuple[int, str | date] | None, limit: int) -> list[tuple[int, str | date]]:
        """Up to ``limit`` of the person-weeks ``merge`` noted, as (person id, Thursday of the week: ISO text on
        SQLite, a date on PostgreSQL), in order, after ``after``."""
        if after is None:
            rows = self._run("SELECT person_id, thursday FROM stage_weeks ORDER BY 1, 2 LIMIT ?", (limit,))
        else:
            rows = self._run(
                "SELECT person_id, thursday FROM stage_weeks WHERE (person_id, thursday) > (?, ?) "
                "ORDER BY 1, 2 LIMIT ?",
                (*after, limit),
            )
        return [(person_id, thursday) for person_id, thursday in rows]
