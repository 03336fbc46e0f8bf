"""Token usage records (idempotent upsert) and the weekly per-person token summaries."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import func
from sqlalchemy.dialects.sqlite import insert
from sqlmodel import Session, select

from storage.models import TokenSummary, UsageRecord
from storage.weeks import week_days, week_key

_UPDATABLE = ("person_id", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "cost_usd")


def _upsert_statement() -> object:
    statement = insert(UsageRecord.__table__)
    return statement.on_conflict_do_update(
        index_elements=["source", "person_key", "day", "model"],
        set_={name: statement.excluded[name] for name in (*_UPDATABLE, "imported_at")},
    )


def upsert_usage(session: Session, rows: Sequence[dict]) -> None:
    """Insert usage rows; a row for the same (source, person, day, model) replaces the old one.

    One compiled statement executed for many parameter sets (executemany), so a batch costs one
    round of SQLite work rather than one compile per row.
    """
    if not rows:
        return
    now = datetime.now(UTC)
    defaults = {"cache_read_tokens": 0, "cache_write_tokens": 0, "person_id": None}
    session.connection().execute(_upsert_statement(), [{**defaults, **row, "imported_at": now} for row in rows])


def refresh_token_summaries(session: Session, person_weeks: Iterable[tuple[int, str]]) -> int:
    """Recompute the stored token summary of each (person, ISO week); returns how many were written.

    One grouped query reads the usage of all the people and weeks concerned; one executemany
    upsert writes the summaries.
    """
    wanted = set(person_weeks)
    if not wanted:
        return 0
    bounds = [week_days(week) for _, week in wanted]
    tokens_expr = func.sum(
        UsageRecord.input_tokens
        + UsageRecord.output_tokens
        + UsageRecord.cache_read_tokens
        + UsageRecord.cache_write_tokens
    )
    grouped = session.exec(
        select(UsageRecord.person_id, UsageRecord.day, UsageRecord.model, tokens_expr, func.sum(UsageRecord.cost_usd))
        .where(
            UsageRecord.person_id.in_({person for person, _ in wanted}),
            UsageRecord.day >= min(b[0] for b in bounds),
            UsageRecord.day <= max(b[1] for b in bounds),
        )
        .group_by(UsageRecord.person_id, UsageRecord.day, UsageRecord.model)
    )
    totals: dict[tuple[int, str], list] = {key: [0, 0.0, {}] for key in wanted}
    for person_id, day, model, tokens, cost in grouped:
        entry = totals.get((person_id, week_key(day)))
        if entry is None:
            continue
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
    statement = insert(TokenSummary.__table__)
    statement = statement.on_conflict_do_update(
        index_elements=["person_id", "week"],
        set_={name: statement.excluded[name] for name in ("tokens", "cost_usd", "top_model", "updated_at")},
    )
    session.connection().execute(statement, values)
    return len(values)


def person_weeks_of(rows: Iterable[dict]) -> set[tuple[int, str]]:
    return {(row["person_id"], week_key(row["day"])) for row in rows if row.get("person_id") is not None}


def token_summaries(session: Session, person_ids: Sequence[int], week: str) -> dict[int, TokenSummary]:
    if not person_ids:
        return {}
    query = select(TokenSummary).where(TokenSummary.week == week, TokenSummary.person_id.in_(person_ids))
    return {summary.person_id: summary for summary in session.exec(query)}
