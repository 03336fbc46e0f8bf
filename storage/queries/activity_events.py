"""Activity reported one data point at a time, as deltas (Claude Code's OpenTelemetry counters).

Each data point is kept once per (source, event_id) in ``activity_events``; the source's activity record of
a (key, day) is then made the sum of all its events, so deltas from successive batches add up and a batch
sent again changes nothing. Run inside the import's transaction, after its activity records are written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime

from sqlalchemy import Date, bindparam, delete, text
from sqlmodel import Session

from storage.dialect import insert
from storage.models import ActivityEvent
from storage.queries.activity import FIELDS


def add_events(session: Session, source: str, events: Sequence[tuple[str, str, date, str, int]]) -> None:
    """Keep each (event_id, person_key, day, field, value) once: one already stored stays as it is."""
    if not events:
        return
    now = datetime.now(UTC)
    statement = insert(session, ActivityEvent.__table__).on_conflict_do_nothing(index_elements=["source", "event_id"])
    session.connection().execute(
        statement,
        [
            {"source": source, "event_id": e, "person_key": k, "day": d, "field": f, "value": v, "imported_at": now}
            for e, k, d, f, v in events
        ],
    )


def resum(session: Session, source: str, buckets: Iterable[tuple[str, date]]) -> None:
    """Make the source's activity record of each (key, day) the sum of its events (the record must exist)."""
    columns = ", ".join(FIELDS)
    sums = ", ".join(f"coalesce(sum(CASE WHEN e.field = '{name}' THEN e.value END), 0)" for name in FIELDS)
    wanted = sorted(set(buckets))
    if not wanted:
        return
    statement = text(
        f"UPDATE activity_records SET ({columns}) = (SELECT {sums} FROM activity_events AS e "
        "WHERE e.source = activity_records.source AND e.person_key = activity_records.person_key "
        "AND e.day = activity_records.day) WHERE source = :source AND person_key = :key AND day = :day"
    ).bindparams(bindparam("day", type_=Date))  # ISO text on SQLite, a DATE on PostgreSQL
    session.connection().execute(statement, [{"source": source, "key": key, "day": day} for key, day in wanted])


def forget_keys(session: Session, keys: Iterable[str]) -> int:
    """Delete the events under these keys (any source); how many."""
    table = ActivityEvent.__table__
    return session.execute(delete(table).where(table.c.person_key.in_(sorted(set(keys))))).rowcount
