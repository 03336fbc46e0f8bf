"""Token usage records and the weekly per-person token summaries kept beside the answers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime

from sqlalchemy import bindparam, delete, func
from sqlalchemy.dialects.sqlite import insert
from sqlmodel import Session, select

from storage.models import TokenSummary, UsageRecord
from storage.weeks import week_days, week_key

_UPDATABLE = (
    "person_id",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "cost_usd",
    "requests",
)
SUMMARIES_PER_CHUNK = 1000
# The Thursday of a day's ISO week (Monday to Sunday): its ISO week is the day's, so grouping by it
# groups by week in SQL. SQLite's 'weekday 4' moves forward to the next Thursday (or stays).
THURSDAY_SQL = "date({}, '-3 days', 'weekday 4')"


def thursday(column: object) -> object:
    return func.date(column, "-3 days", "weekday 4")


def week_of_thursday(value: str | date) -> str:
    return week_key(value if isinstance(value, date) else date.fromisoformat(value))


def _upsert_statement() -> object:
    statement = insert(UsageRecord.__table__)
    return statement.on_conflict_do_update(
        index_elements=["source", "person_key", "day", "model"],
        set_={name: statement.excluded[name] for name in (*_UPDATABLE, "imported_at")},
    )


def upsert_usage(session: Session, rows: Sequence[dict]) -> None:
    """Insert usage rows; a row for the same (source, person, day, model) replaces the old one.
    (Imports go through the staging pipeline; this is for a few rows at a time.)"""
    if not rows:
        return
    now = datetime.now(UTC)
    defaults = {"cache_read_tokens": 0, "cache_write_tokens": 0, "requests": 0, "person_id": None}
    session.connection().execute(_upsert_statement(), [{**defaults, **row, "imported_at": now} for row in rows])


def refresh_token_summaries(session: Session, person_weeks: Iterable[tuple[int, str]]) -> int:
    """Recompute the stored token summary of each (person, ISO week); returns how many were refreshed.

    Done a thousand person-weeks at a time (memory stays a chunk's): the usage is summed per person,
    week and model in SQL, one executemany upsert writes the summaries, and a person-week left with no
    usage loses its summary.
    """
    wanted = sorted(set(person_weeks))
    for start in range(0, len(wanted), SUMMARIES_PER_CHUNK):
        _refresh_chunk(session, wanted[start : start + SUMMARIES_PER_CHUNK])
    return len(wanted)


def _refresh_chunk(session: Session, chunk: list[tuple[int, str]]) -> None:
    wanted = set(chunk)
    bounds = [week_days(week) for _, week in wanted]
    tokens_expr = func.sum(
        UsageRecord.input_tokens
        + UsageRecord.output_tokens
        + UsageRecord.cache_read_tokens
        + UsageRecord.cache_write_tokens
    )
    week_expr = thursday(UsageRecord.day)
    grouped = session.exec(
        select(UsageRecord.person_id, week_expr, UsageRecord.model, tokens_expr, func.sum(UsageRecord.cost_usd))
        .where(
            UsageRecord.person_id.in_(sorted({person for person, _ in wanted})),
            UsageRecord.day >= min(b[0] for b in bounds),
            UsageRecord.day <= max(b[1] for b in bounds),
        )
        .group_by(UsageRecord.person_id, week_expr, UsageRecord.model)
    )
    totals: dict[tuple[int, str], list] = {}
    for person_id, thursday_of_week, model, tokens, cost in grouped:
        key = (person_id, week_of_thursday(thursday_of_week))
        if key not in wanted:
            continue
        entry = totals.setdefault(key, [0, 0.0, {}])
        entry[0] += int(tokens or 0)
        entry[1] += float(cost or 0.0)
        entry[2][model] = entry[2].get(model, 0) + int(tokens or 0)
    now = datetime.now(UTC)
    values = [
        {
            "person_id": person_id,
            "week": week,
            "tokens": tokens,
            "cost_usd": cost,
            "top_model": max(sorted(by_model), key=by_model.get) if by_model else None,
            "updated_at": now,
        }
        for (person_id, week), (tokens, cost, by_model) in sorted(totals.items())
    ]
    if values:
        statement = insert(TokenSummary.__table__)
        statement = statement.on_conflict_do_update(
            index_elements=["person_id", "week"],
            set_={name: statement.excluded[name] for name in ("tokens", "cost_usd", "top_model", "updated_at")},
        )
        session.connection().execute(statement, values)
    gone = [{"p": person_id, "w": week} for person_id, week in sorted(wanted - totals.keys())]
    if gone:
        table = TokenSummary.__table__
        session.connection().execute(
            delete(table).where(table.c.person_id == bindparam("p"), table.c.week == bindparam("w")), gone
        )


def key_person_weeks(session: Session, key: str) -> set[tuple[int, str]]:
    """The (person, ISO week)s that usage records under ``key`` are attributed to."""
    week_expr = thursday(UsageRecord.day)
    rows = session.exec(
        select(UsageRecord.person_id, week_expr)
        .where(UsageRecord.person_key == key, UsageRecord.person_id.is_not(None))
        .distinct()
    )
    return {(person_id, week_of_thursday(day)) for person_id, day in rows}


def attribute_key(session: Session, key: str, person_id: int | None) -> int:
    """Attribute every usage record under ``key`` (any source) to the person, or to nobody; returns
    how many records carry the key."""
    table = UsageRecord.__table__
    return session.execute(table.update().where(table.c.person_key == key).values(person_id=person_id)).rowcount


def token_summaries(session: Session, person_ids: Sequence[int], week: str) -> dict[int, TokenSummary]:
    if not person_ids:
        return {}
    query = select(TokenSummary).where(TokenSummary.week == week, TokenSummary.person_id.in_(person_ids))
    return {summary.person_id: summary for summary in session.exec(query)}
