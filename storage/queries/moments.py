"""Logged moments: stored once per Slack view, read, edited (only if unchanged since the form opened) and deleted."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, update
from sqlmodel import Session, select

from storage import dialect
from storage.models import Delivery, Moment, Person, Team
from storage.queries.cycles import with_context


def add_moment(session: Session, delivery_id: int, view_id: str, fields: Mapping[str, str | None]) -> Moment | None:
    """Store a logged moment once per Slack view; None when this view was already stored."""
    result = session.execute(
        dialect.insert(session, Moment)
        .values(delivery_id=delivery_id, view_id=view_id, created_at=datetime.now(UTC), **fields)
        .on_conflict_do_nothing(index_elements=["view_id"])
        .returning(Moment.id)
    ).first()
    if result is None:
        return None
    return session.exec(select(Moment).where(Moment.view_id == view_id)).one()


def moments_for(session: Session, delivery_id: int) -> list[Moment]:
    return list(session.exec(select(Moment).where(Moment.delivery_id == delivery_id).order_by(Moment.id)))


@dataclass(frozen=True)
class MomentContext:
    moment: Moment
    delivery: Delivery
    person: Person
    team: Team
    week: str


def moment_context(session: Session, moment_id: int) -> MomentContext | None:
    """A moment with its delivery, its author and the team-week it counts in; None if there is no such moment."""
    row = session.exec(with_context(Moment).where(Moment.id == moment_id)).first()
    if row is None:
        return None
    moment, delivery, person, team, cycle = row
    return MomentContext(moment=moment, delivery=delivery, person=person, team=team, week=cycle.week)


def update_moment(
    session: Session, moment_id: int, was: Mapping[str, str | None], fields: Mapping[str, str | None]
) -> bool:
    """Set a moment's ``fields`` if it still holds ``was`` (one conditional UPDATE: of two edits made from the
    same form, or a retried one, only the first changes it); True when it changed."""
    unchanged = [getattr(Moment, name).is_not_distinct_from(value) for name, value in was.items()]
    result = session.execute(
        update(Moment).where(Moment.id == moment_id, *unchanged).values(**fields).returning(Moment.id)
    ).first()
    return result is not None


def delete_moment(session: Session, moment_id: int) -> bool:
    """Delete a moment; False when it was gone already (a second click, a retried delivery)."""
    result = session.execute(delete(Moment).where(Moment.id == moment_id).returning(Moment.id)).first()
    return result is not None
