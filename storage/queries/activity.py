"""Provider activity records (what Claude Code analytics says people did): reading them per person-week,
re-attributing them when a key is mapped, and a person's own records for their export."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, func, or_
from sqlmodel import Session, select

from storage.models import ActivityRecord
from storage.weeks import week_days

FIELDS = (
    "sessions",
    "lines_added",
    "lines_removed",
    "commits",
    "pull_requests",
    "tool_accepted",
    "tool_rejected",
    "interactions",
    "code_generations",
    "code_acceptances",
    "agent_requests",
)


@dataclass(frozen=True)
class ActivityTotals:
    """One person's provider activity in one ISO week, summed over days and sources."""

    sessions: int = 0
    lines_added: int = 0
    lines_removed: int = 0
    commits: int = 0
    pull_requests: int = 0
    tool_accepted: int = 0
    tool_rejected: int = 0
    interactions: int = 0
    code_generations: int = 0
    code_acceptances: int = 0
    agent_requests: int = 0
    days: int = 0  # days with a record
    sources: tuple[str, ...] = ()  # the sources that reported it


def activity_by_person_week(session: Session, person_ids: Sequence[int], week: str) -> dict[int, ActivityTotals]:
    """The week's activity totals of each of ``person_ids`` that has any (people without none are left out)."""
    if not person_ids:
        return {}
    monday, sunday = week_days(week)
    query = (
        select(
            ActivityRecord.person_id,
            *(func.sum(getattr(ActivityRecord, name)) for name in FIELDS),
            func.count(func.distinct(ActivityRecord.day)),
        )
        .where(
            ActivityRecord.person_id.in_(list(person_ids)),
            ActivityRecord.day >= monday,
            ActivityRecord.day <= sunday,
        )
        .group_by(ActivityRecord.person_id)
    )
    sources: dict[int, set[str]] = {}
    for person_id, source in session.exec(
        select(ActivityRecord.person_id, ActivityRecord.source)
        .where(
            ActivityRecord.person_id.in_(list(person_ids)),
            ActivityRecord.day >= monday,
            ActivityRecord.day <= sunday,
        )
        .distinct()
    ):
        sources.setdefault(person_id, set()).add(source)
    return {
        person_id: ActivityTotals(
            *(int(value or 0) for value in sums), sources=tuple(sorted(sources.get(person_id, ())))
        )
        for person_id, *sums in session.exec(query)
    }


def attribute_key(session: Session, key: str, person_id: int | None) -> int:
    """Attribute every activity record under ``key`` to the person, or to nobody; returns how many."""
    table = ActivityRecord.__table__
    return session.execute(table.update().where(table.c.person_key == key).values(person_id=person_id)).rowcount


def _of(person_id: int | None, keys: Iterable[str]) -> object:
    """Records attributed to the person, or attributed to nobody under one of their keys."""
    unattributed = and_(ActivityRecord.person_id.is_(None), ActivityRecord.person_key.in_(sorted(keys)))
    return or_(ActivityRecord.person_id == person_id, unattributed) if person_id is not None else unattributed


def records_of(session: Session, person_id: int | None, keys: Iterable[str]) -> list[ActivityRecord]:
    query = select(ActivityRecord).where(_of(person_id, keys)).order_by(ActivityRecord.day, ActivityRecord.source)
    return list(session.exec(query))
