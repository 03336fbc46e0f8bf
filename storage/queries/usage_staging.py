"""An import's staging area: SQLite TEMP tables on the import's own connection, inside its transaction.

Rows go in by batches (executemany); rows with the same key, day and model (usage) or key and day
(activity) are added together on the way in, or, for a strict format, the first repeat is noted with
both records' names. Every distinct key then gets its person (``stage_keys``; resolved before this
transaction touches the main database, which it then locks for writing at once), and one
``INSERT … SELECT … ON CONFLICT DO UPDATE`` per table moves the staged rows into ``usage_records`` /
``activity_records``, replacing rows with the same (source, key, day[, model]); the person-weeks whose
token summaries change are noted in ``stage_weeks``. Nothing here holds rows in Python: memory stays
a batch's, whatever the file's size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, CursorResult

from storage.queries.activity import FIELDS as ACTIVITY_FIELDS
from storage.queries.usage import THURSDAY_SQL, USAGE_SUMS

_REAL = ("cost_usd", "estimated_cost_usd")
ACTIVITY_SUMS = ACTIVITY_FIELDS
_TRACE = ("n", "file", "ref", "seq")  # rows added in, and where the first one came from
_DUPLICATE = ("dup_file", "dup_ref", "dup_seq")  # the first repeat (strict formats)


@dataclass(frozen=True)
class Duplicate:
    """A record repeating an earlier one's key, day (and model): both named by file index and ref."""

    file: int
    ref: str
    first_file: int
    first_ref: str
    usage: bool  # a usage row (key, day, model) rather than an activity row (key, day)


def _table_sql(name: str, grain: tuple[str, ...], sums: tuple[str, ...]) -> str:
    columns = [f"{c} TEXT NOT NULL" for c in grain]
    columns += [f"{c} {'REAL' if c in _REAL else 'INTEGER'} NOT NULL" for c in sums]
    columns += ["n INTEGER NOT NULL", "file INTEGER NOT NULL", "ref TEXT", "seq INTEGER NOT NULL"]
    columns += ["dup_file INTEGER", "dup_ref TEXT", "dup_seq INTEGER"]
    return f"CREATE TEMP TABLE {name} ({', '.join(columns)}, PRIMARY KEY ({', '.join(grain)})) WITHOUT ROWID"


def _insert_sql(name: str, grain: tuple[str, ...], sums: tuple[str, ...], strict: bool) -> str:
    columns = (*grain, *sums, *_TRACE)
    head = f"INSERT INTO temp.{name} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    if strict:
        update = ", ".join(f"{c} = coalesce({c}, excluded.{c.removeprefix('dup_')})" for c in _DUPLICATE)
    else:
        update = ", ".join(f"{c} = {c} + excluded.{c}" for c in (*sums, "n"))
    return f"{head} ON CONFLICT ({', '.join(grain)}) DO UPDATE SET {update}"


USAGE_GRAIN = ("person_key", "day", "model")
ACTIVITY_GRAIN = ("person_key", "day")
EVENT_GRAIN = ("event_id",)
TABLES = ("stage_usage", "stage_activity", "stage_events", "stage_keys", "stage_weeks")
_EVENT_COLUMNS = ("event_id", "person_key", "day", "model", *USAGE_SUMS)


class Staging:
    """The staging tables of one import on ``connection`` (call ``create`` first, ``drop`` last)."""

    def __init__(self, connection: Connection, *, strict: bool) -> None:
        self.connection = connection
        self.strict = strict
        self._usage_insert = _insert_sql("stage_usage", USAGE_GRAIN, USAGE_SUMS, strict)
        self._activity_insert = _insert_sql("stage_activity", ACTIVITY_GRAIN, ACTIVITY_SUMS, strict)
        # an event repeated within one import (the same page twice) is kept once: its first values stand
        self._event_insert = (
            f"INSERT INTO temp.stage_events ({', '.join(_EVENT_COLUMNS)}) "
            f"VALUES ({', '.join('?' for _ in _EVENT_COLUMNS)}) ON CONFLICT (event_id) DO NOTHING"
        )

    def _run(self, sql: str, params: object = None) -> CursorResult:
        if params is None:
            return self.connection.exec_driver_sql(sql)
        return self.connection.exec_driver_sql(sql, params)

    def create(self) -> None:
        """Create the tables inside the transaction, so a rollback takes them away too (the sqlite3
        module only opens a transaction by itself before INSERT/UPDATE/DELETE, not before CREATE)."""
        if not self.connection.connection.driver_connection.in_transaction:
            self._run("BEGIN")
        self.drop()
        self._run(_table_sql("stage_usage", USAGE_GRAIN, USAGE_SUMS))
        self._run(_table_sql("stage_activity", ACTIVITY_GRAIN, ACTIVITY_SUMS))
        sums = ", ".join(f"{c} {'REAL' if c in _REAL else 'INTEGER'} NOT NULL" for c in USAGE_SUMS)
        self._run(
            "CREATE TEMP TABLE stage_events (event_id TEXT PRIMARY KEY, person_key TEXT NOT NULL, day TEXT NOT NULL, "
            f"model TEXT NOT NULL, {sums}) WITHOUT ROWID"
        )
        for name in ("stage_usage", "stage_activity"):
            self._run(f"CREATE INDEX temp.{name}_dup ON {name} (dup_seq) WHERE dup_seq IS NOT NULL")
        self._run(
            "CREATE TEMP TABLE stage_keys (person_key TEXT PRIMARY KEY, n INTEGER NOT NULL, person_id INTEGER, "
            "slack_user_id TEXT, email TEXT)"
        )
        self._run(
            "CREATE TEMP TABLE stage_weeks (person_id INTEGER NOT NULL, thursday TEXT NOT NULL, "
            "PRIMARY KEY (person_id, thursday)) WITHOUT ROWID"
        )

    def drop(self) -> None:
        for name in TABLES:
            self._run(f"DROP TABLE IF EXISTS temp.{name}")

    def add(self, usage: list[tuple], activity: list[tuple], events: list[tuple] = ()) -> None:
        """Stage a batch: usage tuples (key, day, model, *USAGE_SUMS, 1, file, ref, seq), activity
        tuples (key, day, *ACTIVITY_SUMS, 1, file, ref, seq) and event tuples (event_id, key, day, model,
        *USAGE_SUMS); days as ISO text."""
        if usage:
            self._run(self._usage_insert, usage)
        if activity:
            self._run(self._activity_insert, activity)
        if events:
            self._run(self._event_insert, events)

    def first_duplicate(self) -> Duplicate | None:
        """The earliest repeat staged (strict formats), if any."""
        found = []
        for name, usage in (("stage_usage", True), ("stage_activity", False)):
            row = self._run(
                f"SELECT dup_seq, dup_file, dup_ref, file, ref FROM temp.{name} "
                "WHERE dup_seq IS NOT NULL ORDER BY dup_seq LIMIT 1"
            ).first()
            if row is not None:
                found.append((row[0], Duplicate(row[1], row[2], row[3], row[4], usage)))
        return min(found, key=lambda pair: pair[0])[1] if found else None

    def count_keys(self) -> None:
        """Fill ``stage_keys``: every distinct key with the number of records staged under it."""
        self._run(
            "INSERT INTO temp.stage_keys (person_key, n) SELECT person_key, sum(n) FROM ("
            "SELECT person_key, n FROM temp.stage_usage UNION ALL SELECT person_key, n FROM temp.stage_activity "
            "UNION ALL SELECT person_key, 1 FROM temp.stage_events) GROUP BY person_key"
        )

    def keys_after(self, after: str | None, limit: int) -> list[str]:
        """Up to ``limit`` staged keys in order, after ``after`` (None: from the first)."""
        if after is None:
            rows = self._run("SELECT person_key FROM temp.stage_keys ORDER BY person_key LIMIT ?", (limit,))
        else:
            rows = self._run(
                "SELECT person_key FROM temp.stage_keys WHERE person_key > ? ORDER BY person_key LIMIT ?",
                (after, limit),
            )
        return [row[0] for row in rows]

    def set_people(self, people: list[tuple[int | None, str | None, str | None, str]]) -> None:
        """(person_id, slack_user_id, email, key): who each key is; a Slack user ID without a person id is
        a person still to be stored (see ``to_store``)."""
        if people:
            self._run(
                "UPDATE temp.stage_keys SET person_id = ?, slack_user_id = ?, email = ? WHERE person_key = ?", people
            )

    def to_store(self, after: str | None, limit: int) -> list[tuple[str, str, str | None]]:
        """Up to ``limit`` (key, Slack user ID, e-mail) whose person is still to be stored, after ``after``."""
        where = "person_id IS NULL AND slack_user_id IS NOT NULL"
        if after is None:
            sql, params = f"SELECT person_key, slack_user_id, email FROM temp.stage_keys WHERE {where} ", (limit,)
        else:
            sql = f"SELECT person_key, slack_user_id, email FROM temp.stage_keys WHERE {where} AND person_key > ? "
            params = (after, limit)
        return [tuple(row) for row in self._run(sql + "ORDER BY person_key LIMIT ?", params)]

    def lock_main(self) -> None:
        """Take the database's write lock now (waiting for it as SQLite's busy timeout allows), before this
        transaction reads anything of the main database: a read first would pin a snapshot, and writing
        after someone else's commit would then fail outright (SQLITE_BUSY_SNAPSHOT under WAL)."""
        self._run("UPDATE people SET id = id WHERE 0")

    def attribution(self) -> tuple[int, dict[str, int]]:
        """Records staged under keys with a person, and the unattributed keys with their record counts."""
        attributed = self._run("SELECT coalesce(sum(n), 0) FROM temp.stage_keys WHERE person_id IS NOT NULL").scalar()
        unattributed = self._run(
            "SELECT person_key, n FROM temp.stage_keys WHERE person_id IS NULL ORDER BY n DESC, person_key"
        )
        return int(attributed), {key: int(n) for key, n in unattributed}

    def staged_events(self) -> int:
        """Distinct events staged (a repeated event id is one)."""
        return int(self._run("SELECT count(*) FROM temp.stage_events").scalar())

    def staged_counts(self) -> tuple[int, int]:
        """Distinct usage rows (key, day, model) and activity rows (key, day) staged."""
        usage = self._run(
            "SELECT count(*) FROM (SELECT person_key, day, model FROM temp.stage_usage UNION "
            "SELECT person_key, day, model FROM temp.stage_events)"
        ).scalar()
        activity = self._run("SELECT count(*) FROM temp.stage_activity").scalar()
        return int(usage), int(activity)

    def clear_days(self, source: str, days: list[str]) -> None:
        """Before ``merge``, for an import that reports ``days`` (ISO dates) in full: remove ``source``'s stored
        records of those days, so the import replaces them whole and a key that changed (an account or API key
        id now attributed to its e-mail) leaves no stale row to be counted twice. The removed rows'
        person-weeks are noted in ``stage_weeks``. Bucketed sources only (not events)."""
        for day in days:
            for table in ("usage_records", "activity_records"):
                self._run(
                    f"INSERT OR IGNORE INTO temp.stage_weeks SELECT DISTINCT person_id, {THURSDAY_SQL.format('day')} "
                    f"FROM {table} WHERE source = ? AND day = ? AND person_id IS NOT NULL",
                    (source, day),
                )
                self._run(f"DELETE FROM {table} WHERE source = ? AND day = ?", (source, day))

    def merge(self, source: str, now: datetime) -> None:
        """Move the staged rows into the record tables (replacing same-key rows of ``source``), noting in
        ``stage_weeks`` the person-weeks whose token summaries change: the replaced rows' and the new rows'."""
        self._run(
            f"INSERT OR IGNORE INTO temp.stage_weeks SELECT DISTINCT u.person_id, {THURSDAY_SQL.format('u.day')} "
            # CROSS JOIN: SQLite's way to keep the staged rows the outer loop, each found by the unique index
            "FROM temp.stage_usage AS s CROSS JOIN usage_records AS u ON u.source = ? AND u.person_key = s.person_key "
            "AND u.day = s.day AND u.model = s.model WHERE u.person_id IS NOT NULL",
            (source,),
        )
        self._run(
            f"INSERT OR IGNORE INTO temp.stage_weeks SELECT DISTINCT k.person_id, {THURSDAY_SQL.format('s.day')} "
            "FROM temp.stage_usage AS s JOIN temp.stage_keys AS k ON k.person_key = s.person_key "
            "WHERE k.person_id IS NOT NULL"
        )
        stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")  # as SQLAlchemy stores DateTime in SQLite
        self._merge_events(source, stamp)
        for table, name, grain, sums in (
            ("usage_records", "stage_usage", USAGE_GRAIN, USAGE_SUMS),
            ("activity_records", "stage_activity", ACTIVITY_GRAIN, ACTIVITY_SUMS),
        ):
            replaced = ", ".join(f"{c} = excluded.{c}" for c in ("person_id", *sums, "imported_at"))
            self._run(
                f"INSERT INTO {table} (source, person_id, {', '.join((*grain, *sums))}, imported_at) "
                f"SELECT ?, k.person_id, {', '.join(f's.{c}' for c in (*grain, *sums))}, ? "
                f"FROM temp.{name} AS s JOIN temp.stage_keys AS k ON k.person_key = s.person_key WHERE true "
                f"ON CONFLICT (source, {', '.join(grain)}) DO UPDATE SET {replaced}",
                (source, stamp),
            )

    def _merge_events(self, source: str, stamp: str) -> None:
        """Keep each staged event once (a known one takes its new values), then make the source's usage record
        of every (key, day, model) they touch the sum of all its events, old and new."""
        if not self._run("SELECT 1 FROM temp.stage_events LIMIT 1").first():
            return
        columns = ", ".join(_EVENT_COLUMNS)
        replaced = ", ".join(f"{c} = excluded.{c}" for c in (*_EVENT_COLUMNS[1:], "imported_at"))
        self._run(
            f"INSERT INTO usage_events (source, {columns}, imported_at) SELECT ?, {columns}, ? FROM temp.stage_events "
            f"WHERE true ON CONFLICT (source, event_id) DO UPDATE SET {replaced}",
            (source, stamp),
        )
        # the weeks of the people an event named before, if it moved (a key, day or model changed)
        self._run(
            f"INSERT OR IGNORE INTO temp.stage_weeks SELECT DISTINCT k.person_id, {THURSDAY_SQL.format('s.day')} "
            "FROM temp.stage_events AS s JOIN temp.stage_keys AS k ON k.person_key = s.person_key "
            "WHERE k.person_id IS NOT NULL"
        )
        sums = ", ".join(f"sum(e.{c})" for c in USAGE_SUMS)
        replaced = ", ".join(f"{c} = excluded.{c}" for c in ("person_id", *USAGE_SUMS, "imported_at"))
        self._run(
            f"INSERT INTO usage_records (source, person_id, person_key, day, model, {', '.join(USAGE_SUMS)}, "
            f"imported_at) SELECT ?, k.person_id, e.person_key, e.day, e.model, {sums}, ? "
            "FROM usage_events AS e JOIN temp.stage_keys AS k ON k.person_key = e.person_key "
            "WHERE e.source = ? AND (e.person_key, e.day, e.model) IN "
            "(SELECT DISTINCT person_key, day, model FROM temp.stage_events) "
            "GROUP BY e.person_key, e.day, e.model "
            f"ON CONFLICT (source, person_key, day, model) DO UPDATE SET {replaced}",
            (source, stamp, source),
        )

    def person_weeks_after(self, after: tuple[int, str] | None, limit: int) -> list[tuple[int, str]]:
        """Up to ``limit`` of the person-weeks ``merge`` noted, as (person id, Thursday of the week), in
        order, after ``after``."""
        if after is None:
            rows = self._run("SELECT person_id, thursday FROM temp.stage_weeks ORDER BY 1, 2 LIMIT ?", (limit,))
        else:
            rows = self._run(
                "SELECT person_id, thursday FROM temp.stage_weeks WHERE (person_id, thursday) > (?, ?) "
                "ORDER BY 1, 2 LIMIT ?",
                (*after, limit),
            )
        return [(person_id, thursday) for person_id, thursday in rows]
