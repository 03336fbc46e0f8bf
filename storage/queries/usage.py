"""Token usage records (idempotent upsert) and the weekly per-person token summaries."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func
from sqlalchemy.dialects.sqlite import insert
from sqlmodel import Session, select

from storage.models import TokenSummary, UsageRecord

_UPDATABLE = ("person_id", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "cost_usd")


def upsert_usage(session: Session, rows: Sequence[dict]) -> None:
    """Insert usage rows; a row for the same (source, person, day, model) replaces the old one."""
    if not rows:
        return
    now = datetime.now(UTC)
    statement = insert(UsageRecord).values([{**row, "imported_at": now} for row in rows])
    statement = statement.on_conflict_do_update(
        index_elements=["source", "person_key", "day", "model"],
        set_={name: statement.excluded[name] for name in _UPDATABLE} | {"imported_at": now},
    )
    session.execute(statement)


def _iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def refresh_token_summaries(session: Session, person_weeks: Iterable[tuple[int, str]]) -> int:
    """Recompute the stored token summary of each (person, ISO week); returns how many were written."""
    written = 0
    for person_id, week in sorted(set(person_weeks)):
        year, number = week.split("-W")
        monday = date.fromisocalendar(int(year), int(number), 1)
        in_week = (
            UsageRecord.person_id == person_id,
            UsageRecord.day >= monday,
            UsageRecord.day <= monday + timedelta(days=6),
        )
        tokens_expr = func.sum(
            UsageRecord.input_tokens
            + UsageRecord.output_tokens
            + UsageRecord.cache_read_tokens
            + UsageRecord.cache_write_tokens
        )
        tokens, cost = session.exec(select(tokens_expr, func.sum(UsageRecord.cost_usd)).where(*in_week)).one()
        top = session.exec(
            select(UsageRecord.model).where(*in_week).group_by(UsageRecord.model).order_by(tokens_expr.desc())
        ).first()
        values = {"tokens": int(tokens or 0), "cost_usd": float(cost or 0.0), "top_model": top}
        statement = insert(TokenSummary).values(person_id=person_id, week=week, updated_at=datetime.now(UTC), **values)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["person_id", "week"], set_=values | {"updated_at": statement.excluded.updated_at}
            )
        )
        written += 1
    return written


def person_weeks_of(rows: Iterable[dict]) -> set[tuple[int, str]]:
    return {(row["person_id"], _iso_week(row["day"])) for row in rows if row.get("person_id") is not None}


def token_summaries(session: Session, person_ids: Sequence[int], week: str) -> dict[int, TokenSummary]:
    if not person_ids:
        return {}
    query = select(TokenSummary).where(TokenSummary.week == week, TokenSummary.person_id.in_(person_ids))
    return {summary.person_id: summary for summary in session.exec(query)}
