"""Token usage records and the weekly per-person token summaries kept beside the answers."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import ColumnElement, Table, bindparam, delete, func, or_
from sqlmodel import Session, select

from storage.dialect import insert, thursday_of
from storage.models import TokenSummary, UsageRecord
from storage.weeks import week_days, week_key

# what a usage record holds besides its key: the sums every source fills (the staging area sums the same)
USAGE_SUMS = (
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "cost_usd",
    "estimated_cost_usd",
    "unknown_cost_tokens",
    "requests",
)
_UPDATABLE = ("person_id", *USAGE_SUMS)
SUMMARIES_PER_CHUNK = 1000


def week_of_thursday(value: str | date) -> str:
    """The ISO week of a Thursday as ``thursday_of`` gives it (text on SQLite, a date on PostgreSQL)."""
    return week_key(value if isinstance(value, date) else date.fromisoformat(value))


def _differs(table: Table, excluded: object, names: Sequence[str]) -> ColumnElement[bool]:
    """Null-safe: the stored row's ``names`` differ from the row being upserted (``IS DISTINCT FROM``)."""
    return or_(*(table.c[name].is_distinct_from(excluded[name]) for name in names))


def _upsert_statement(session: Session) -> object:
    table = UsageRecord.__table__
    statement = insert(session, table)
    return statement.on_conflict_do_update(
        index_elements=["source", "person_key", "day", "model"],
        set_={name: statement.excluded[name] for name in (*_UPDATABLE, "imported_at")},
        where=_differs(table, statement.excluded, _UPDATABLE),
    )


def upsert_usage(session: Session, rows: Sequence[dict]) -> None:
    """Insert usage rows; a row for the same (source, person, day, model) replaces the old one where its values
    differ (an unchanged one keeps its ``imported_at``). (Imports go through the staging pipeline; this is for a
    few rows at a time.)"""
    if not rows:
        return
    now = datetime.now(UTC)
    defaults = {
        "cache_read_tokens": 0,
        "cache_write_tokens": 0,
        "requests": 0,
        "person_id": None,
        "estimated_cost_usd": 0.0,
        "unknown_cost_tokens": 0,
    }
    session.connection().execute(_upsert_statement(session), [{**defaults, **row, "imported_at": now} for row in rows])


# Of one person-day's (source, model) records, those whose tokens count (``bot.usage.overlap``); None: all.
CountedRule = Callable[[list[tuple[str, str]]], set[tuple[str, str]]]


def refresh_token_summaries(
    session: Session, person_weeks: Iterable[tuple[int, str]], counted: CountedRule | None = None
) -> int:
    """Recompute the stored token summary of each (person, ISO week); returns how many were refreshed.

    Done a thousand person-weeks at a time (memory stays a chunk's): the usage is summed per person, day,
    source and model in SQL; ``counted`` picks, per person-day, the records that count when several sources
    saw the same tokens; one executemany upsert writes the summaries (one with the same figures is left as it
    was, ``updated_at`` too), and a person-week left with no usage loses its summary.
    """
    wanted = sorted(set(person_weeks))
    for start in range(0, len(wanted), SUMMARIES_PER_CHUNK):
        _refresh_chunk(session, wanted[start : start + SUMMARIES_PER_CHUNK], counted)
    return len(wanted)


@dataclass
class _Week:
    tokens: int = 0
    cost: float = 0.0
    estimated: float = 0.0
    unknown: int = 0
    by_model: dict[str, int] = field(default_factory=dict)
    sources: set[str] = field(default_factory=set)


def _sums(grain: tuple) -> tuple:
    tokens = func.sum(
        UsageRecord.input_tokens
        + UsageRecord.output_tokens
        + UsageRecord.cache_read_tokens
        + UsageRecord.cache_write_tokens
    )
    sums = (tokens, func.sum(UsageRecord.cost_usd), func.sum(UsageRecord.estimated_cost_usd))
    return (*grain, UsageRecord.source, UsageRecord.model, *sums, func.sum(UsageRecord.unknown_cost_tokens))


def _grouped(session: Session, people: set[int], first: date, last: date, by: object) -> list[tuple]:
    """The usage of ``people`` from ``first`` to ``last``, summed per person, ``by`` (a week or a day),
    source and model."""
    grain = (UsageRecord.person_id, by)
    query = (
        select(*_sums(grain))
        .where(UsageRecord.person_id.in_(sorted(people)), UsageRecord.day >= first, UsageRecord.day <= last)
        .group_by(*grain, UsageRecord.source, UsageRecord.model)
    )
    return list(session.exec(query))


def _add(entry: _Week, source: str, model: str, tokens: object, cost: object, est: object, unknown: object) -> None:
    entry.tokens += int(tokens or 0)
    entry.cost += float(cost or 0.0)
    entry.estimated += float(est or 0.0)
    entry.unknown += int(unknown or 0)
    entry.by_model[model] = entry.by_model.get(model, 0) + int(tokens or 0)
    entry.sources.add(source)


def _refresh_chunk(session: Session, chunk: list[tuple[int, str]], counted: CountedRule | None) -> None:
    """Summed per week in SQL; only a person-week with usage from several sources is looked at day by day,
    where the overlap rule decides which source's tokens count."""
    wanted = set(chunk)
    bounds = [week_days(week) for _, week in wanted]
    first, last = min(b[0] for b in bounds), max(b[1] for b in bounds)
    people = {person for person, _ in wanted}
    weekly: dict[tuple[int, str], list[tuple]] = {}
    by_week = thursday_of(session, UsageRecord.day)
    for person_id, thursday_of_week, *rest in _grouped(session, people, first, last, by_week):
        key = (person_id, week_of_thursday(thursday_of_week))
        if key in wanted:
            weekly.setdefault(key, []).append(tuple(rest))
    mixed = {key for key, rows in weekly.items() if counted is not None and len({r[0] for r in rows}) > 1}
    totals: dict[tuple[int, str], _Week] = {}
    for key, rows in weekly.items():
        if key not in mixed:
            entry = totals.setdefault(key, _Week())
            for row in rows:
                _add(entry, *row)
    if mixed:
        mixed_bounds = [week_days(week) for _, week in mixed]
        days: dict[tuple[int, date], list[tuple]] = {}
        by_day = _grouped(
            session,
            {person for person, _ in mixed},
            min(b[0] for b in mixed_bounds),
            max(b[1] for b in mixed_bounds),
            UsageRecord.day,
        )
        for person_id, day, *rest in by_day:
            day = day if isinstance(day, date) else date.fromisoformat(str(day))
            if (person_id, week_key(day)) in mixed:
                days.setdefault((person_id, day), []).append(tuple(rest))
        for (person_id, day), records in days.items():
            keep = counted([(r[0], r[1]) for r in records])
            entry = totals.setdefault((person_id, week_key(day)), _Week())
            for row in records:
                if (row[0], row[1]) in keep:  # else another source holds the same tokens, more completely
                    _add(entry, *row)
    now = datetime.now(UTC)
    values = [
        {
            "person_id": person_id,
            "week": week,
            "tokens": w.tokens,
            "cost_usd": w.cost,
            "estimated_cost_usd": w.estimated,
            "unknown_cost_tokens": w.unknown,
            "sources": ",".join(sorted(w.sources)),
            "top_model": max(sorted(w.by_model), key=w.by_model.get) if w.by_model else None,
            "updated_at": now,
        }
        for (person_id, week), w in sorted(totals.items())
    ]
    if values:
        statement = insert(session, TokenSummary.__table__)
        updated = (
            "tokens",
            "cost_usd",
            "estimated_cost_usd",
            "unknown_cost_tokens",
            "sources",
            "top_model",
            "updated_at",
        )
        statement = statement.on_conflict_do_update(
            index_elements=["person_id", "week"],
            set_={name: statement.excluded[name] for name in updated},
            where=_differs(TokenSummary.__table__, statement.excluded, updated[:-1]),  # the same: left as it was
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
    week_expr = thursday_of(session, UsageRecord.day)
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
