"""Weekly cycles, prompt deliveries (claim → sent) and the answers hanging off them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.dialects.sqlite import insert
from sqlmodel import Session, select

from storage.models import Cycle, Delivery, Moment, Person, Team
from storage.queries.teams import team_members


def get_or_create_cycle(session: Session, team_id: int, week: str) -> Cycle:
    session.execute(
        insert(Cycle)
        .values(team_id=team_id, week=week, created_at=datetime.now(UTC))
        .on_conflict_do_nothing(index_elements=["team_id", "week"])
    )
    return session.exec(select(Cycle).where(Cycle.team_id == team_id, Cycle.week == week)).one()


def claim_delivery(session: Session, cycle_id: int, person_id: int) -> Delivery | None:
    """Claim the right to prompt this person for this cycle; None if someone already has."""
    result = session.execute(
        insert(Delivery)
        .values(cycle_id=cycle_id, person_id=person_id, claimed_at=datetime.now(UTC))
        .on_conflict_do_nothing(index_elements=["cycle_id", "person_id"])
    )
    if result.rowcount == 0:
        return None
    return session.exec(select(Delivery).where(Delivery.cycle_id == cycle_id, Delivery.person_id == person_id)).one()


def get_delivery(session: Session, delivery_id: int) -> Delivery | None:
    return session.get(Delivery, delivery_id)


def mark_sent(session: Session, delivery_id: int, channel_id: str, message_ts: str) -> None:
    delivery = session.get(Delivery, delivery_id)
    delivery.state, delivery.channel_id, delivery.message_ts = "sent", channel_id, message_ts
    delivery.sent_at = datetime.now(UTC)


def mark_failed(session: Session, delivery_id: int, error: str) -> None:
    delivery = session.get(Delivery, delivery_id)
    delivery.state, delivery.error = "failed", error


@dataclass(frozen=True)
class DeliveryContext:
    delivery: Delivery
    person: Person
    team: Team
    week: str


def delivery_context(session: Session, delivery_id: int) -> DeliveryContext | None:
    row = session.exec(
        select(Delivery, Person, Team, Cycle)
        .join(Person, Person.id == Delivery.person_id)
        .join(Cycle, Cycle.id == Delivery.cycle_id)
        .join(Team, Team.id == Cycle.team_id)
        .where(Delivery.id == delivery_id)
    ).first()
    if row is None:
        return None
    delivery, person, team, cycle = row
    return DeliveryContext(delivery=delivery, person=person, team=team, week=cycle.week)


def set_answer(session: Session, delivery: Delivery, answer: str) -> bool:
    """Record the member's answer to the prompt; False when it was already that (a retry)."""
    if delivery.answer == answer:
        return False
    delivery.answer = answer
    delivery.answered_at = datetime.now(UTC)
    session.add(delivery)
    session.flush()
    return True


def add_moment(session: Session, delivery_id: int, view_id: str, fields: Mapping[str, str | None]) -> Moment | None:
    """Store a logged moment once per Slack view; None when this view was already stored."""
    result = session.execute(
        insert(Moment)
        .values(delivery_id=delivery_id, view_id=view_id, created_at=datetime.now(UTC), **fields)
        .on_conflict_do_nothing(index_elements=["view_id"])
    )
    if result.rowcount == 0:
        return None
    return session.exec(select(Moment).where(Moment.view_id == view_id)).one()


def moments_for(session: Session, delivery_id: int) -> list[Moment]:
    return list(session.exec(select(Moment).where(Moment.delivery_id == delivery_id).order_by(Moment.id)))


@dataclass(frozen=True)
class MemberWeek:
    """One team member's week: their delivery (if prompted) and what they logged."""

    person: Person
    delivery: Delivery | None
    moments: list[Moment]


def member_weeks(session: Session, team_id: int, week: str) -> list[MemberWeek]:
    """Every current member of the team with their delivery and moments for ``week``."""
    cycle = session.exec(select(Cycle).where(Cycle.team_id == team_id, Cycle.week == week)).first()
    people = team_members(session, team_id)
    deliveries: dict[int, Delivery] = {}
    moments: dict[int, list[Moment]] = {}
    if cycle is not None:
        for delivery in session.exec(select(Delivery).where(Delivery.cycle_id == cycle.id)):
            deliveries[delivery.person_id] = delivery
        ids = [d.id for d in deliveries.values()]
        for moment in session.exec(select(Moment).where(Moment.delivery_id.in_(ids)).order_by(Moment.id)):
            moments.setdefault(moment.delivery_id, []).append(moment)
    result = []
    for person in people:
        delivery = deliveries.get(person.id)
        result.append(MemberWeek(person, delivery, moments.get(delivery.id, []) if delivery else []))
    return result
