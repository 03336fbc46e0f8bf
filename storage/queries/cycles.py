"""Weekly cycles, prompt deliveries (claim → sent) and the answers hanging off them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, case, delete, func, or_, update
from sqlmodel import Session, select
from sqlmodel.sql.expression import Select

from storage import dialect, liveness
from storage.models import Cycle, Delivery, Moment, Person, Team

# A delivery in these states reached its member: a prompt DM went out, or they logged on their own.
ASKED_STATES = ("sent", "direct")


def get_or_create_cycle(session: Session, team_id: int, week: str) -> Cycle:
    existing = session.exec(select(Cycle).where(Cycle.team_id == team_id, Cycle.week == week)).first()
    if existing is not None:  # the common case on every minute's catch-up: no write at all
        return existing
    session.execute(
        dialect.insert(session, Cycle)
        .values(team_id=team_id, week=week, created_at=datetime.now(UTC))
        .on_conflict_do_nothing(index_elements=["team_id", "week"])
    )
    return session.exec(select(Cycle).where(Cycle.team_id == team_id, Cycle.week == week)).one()


def claim_delivery(session: Session, cycle_id: int, person_id: int, week: str) -> Delivery | None:
    """Claim the right to prompt this person for this cycle; None if someone already has, or the person
    already has this week's delivery in another team (one delivery per person and week)."""
    result = session.execute(
        dialect.insert(session, Delivery)
        .values(
            cycle_id=cycle_id,
            person_id=person_id,
            week=week,
            claimed_at=datetime.now(UTC),
            claimed_by=liveness.current(session),
        )
        .on_conflict_do_nothing()
        .returning(Delivery.id)
    ).first()  # the database's answer, not a row count (psycopg may report -1 for ON CONFLICT DO NOTHING)
    if result is None:
        return None
    return session.exec(select(Delivery).where(Delivery.cycle_id == cycle_id, Delivery.person_id == person_id)).one()


def week_delivery(session: Session, person_id: int, week: str) -> Delivery | None:
    """The person's delivery of ``week`` in whichever team has it (there is at most one)."""
    return session.exec(select(Delivery).where(Delivery.person_id == person_id, Delivery.week == week)).first()


def direct_delivery(session: Session, team_id: int, week: str, person_id: int) -> Delivery:
    """The member's delivery for the week, created in ``team_id`` as ``direct`` when they log before any prompt.

    A delivery the person already has that week (a prompt claimed or sent, in this team or the one they
    count in) is reused: the moment joins that week's answer. A direct delivery in turn means no prompt
    DM is sent to them that week: they have answered.
    """
    existing = week_delivery(session, person_id, week)
    if existing is not None:
        return existing
    cycle = get_or_create_cycle(session, team_id, week)
    now = datetime.now(UTC)
    session.execute(
        dialect.insert(session, Delivery)
        .values(cycle_id=cycle.id, person_id=person_id, week=week, state="direct", claimed_at=now, sent_at=now)
        .on_conflict_do_nothing()
    )
    return week_delivery(session, person_id, week)


CHUNK = 1_000  # rows a statement writes at most (SQLite takes up to 32,766 parameters in one)


def claim_away(session: Session, cycle_id: int, week: str, reasons: Mapping[int, str]) -> set[int]:
    """Record each of ``reasons``' people (person id → why) as away for the cycle: state and answer ``away``, no
    DM. Returns those recorded; someone who already has this week's delivery, in this team or another, is not."""
    now = datetime.now(UTC)
    rows = [
        {"cycle_id": cycle_id, "person_id": person_id, "week": week, "state": "away", "answer": "away",
         "away_reason": reason, "claimed_at": now, "answered_at": now}
        for person_id, reason in reasons.items()
    ]  # fmt: skip
    recorded: set[int] = set()
    for start in range(0, len(rows), CHUNK):
        inserted = session.execute(
            dialect.insert(session, Delivery)
            .values(rows[start : start + CHUNK])
            .on_conflict_do_nothing()
            .returning(Delivery.person_id)
        )
        recorded.update(person_id for (person_id,) in inserted)
    return recorded


def mark_away(session: Session, reasons: Mapping[int, str]) -> set[int]:
    """Count prompted members who have not answered as away (no reminder is sent), by delivery id → why. Returns
    the deliveries changed: not those answered meanwhile (an answer always wins) or counted away already."""
    now = datetime.now(UTC)
    changed: set[int] = set()
    for reason in set(reasons.values()):
        ids = [delivery_id for delivery_id, why in reasons.items() if why == reason]
        for start in range(0, len(ids), CHUNK):
            updated = session.execute(
                update(Delivery)
                .where(Delivery.id.in_(ids[start : start + CHUNK]), Delivery.answer == "pending")
                .values(answer="away", away_reason=reason, answered_at=now)
                .returning(Delivery.id)
            )
            changed.update(delivery_id for (delivery_id,) in updated)
    return changed


def take_back(session: Session, delivery_id: int) -> str | None:
    """A member counted away is back: their week is unanswered again, and a delivery never prompted (state
    ``away``) is claimed to be prompted now; no reminder follows (``skipped``). The delivery's state after, or
    None if it was not away (a retry)."""
    now = datetime.now(UTC)
    never_prompted = Delivery.state == "away"
    result = session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.answer == "away")
        .values(
            answer="pending",
            away_reason=None,
            answered_at=None,
            state=case((never_prompted, "claimed"), else_=Delivery.state),
            claimed_at=case((never_prompted, now), else_=Delivery.claimed_at),
            claimed_by=case((never_prompted, liveness.current(session)), else_=Delivery.claimed_by),
            reminder_state=func.coalesce(Delivery.reminder_state, "skipped"),  # just back: no reminder on top
        )
        .returning(Delivery.state)
    ).first()
    return None if result is None else result[0]


def get_delivery(session: Session, delivery_id: int) -> Delivery | None:
    return session.get(Delivery, delivery_id)


def mark_sent(session: Session, delivery_id: int, channel_id: str, message_ts: str) -> None:
    delivery = session.get(Delivery, delivery_id)
    delivery.state, delivery.channel_id, delivery.message_ts = "sent", channel_id, message_ts
    delivery.sent_at = datetime.now(UTC)


def mark_failed(session: Session, delivery_id: int, error: str) -> None:
    delivery = session.get(Delivery, delivery_id)
    delivery.state, delivery.error = "failed", error


def release_claim(session: Session, delivery_id: int) -> None:
    """Give up a claim whose DM certainly did not go out (so a later run may prompt the member)."""
    session.execute(delete(Delivery).where(Delivery.id == delivery_id, Delivery.state == "claimed"))


def unprompted(session: Session, week: str, person_ids: list[int]) -> list[int]:
    """Which of ``person_ids`` have no delivery (claimed, sent, failed or direct) of ``week``, in any team."""
    taken = set(
        session.exec(select(Delivery.person_id).where(Delivery.week == week, Delivery.person_id.in_(person_ids)))
    )
    return [pid for pid in person_ids if pid not in taken]


def stale_claims(
    session: Session, cycle_id: int, claimed_before: datetime, unknown_before: datetime, now: datetime | None = None
) -> list[Delivery]:
    """Claims that never reached "sent" or "failed": their sender died (``claimed`` before ``claimed_before``,
    or made by a process that stopped beating, see ``storage.liveness``), or Slack's answer to the DM was lost
    (``unknown`` before ``unknown_before``)."""
    now = now or datetime.now(UTC)
    query = select(Delivery).where(
        Delivery.cycle_id == cycle_id,
        or_(
            and_(
                Delivery.state == "claimed",
                or_(Delivery.claimed_at < claimed_before, liveness.owner_dead(Delivery.claimed_by, now)),
            ),
            and_(Delivery.state == "unknown", Delivery.claimed_at < unknown_before),
        ),
    )
    return list(session.exec(query))


def orphaned_weeks(session: Session, now: datetime) -> list[tuple[int, str]]:
    """(team id, week) of prompt claims whose process stopped beating: settled without waiting for the lease."""
    query = (
        select(Cycle.team_id, Cycle.week)
        .join(Delivery, Delivery.cycle_id == Cycle.id)
        .where(Delivery.state == "claimed", liveness.owner_dead(Delivery.claimed_by, now))
        .distinct()
    )
    return [(team_id, week) for team_id, week in session.exec(query)]


def renew_claim(session: Session, delivery: Delivery, now: datetime) -> bool:
    """Take over a stale or unknown claim; False when another process renewed it first."""
    result = session.execute(
        update(Delivery)
        .where(Delivery.id == delivery.id, Delivery.state == delivery.state, Delivery.claimed_at == delivery.claimed_at)
        .values(state="claimed", claimed_at=now, claimed_by=liveness.current(session))
        .returning(Delivery.id)
    ).first()
    return result is not None


def mark_unknown(session: Session, delivery_id: int) -> None:
    """Slack's answer to the prompt DM was lost: settled later by its metadata in the DM, never resent blind."""
    session.execute(update(Delivery).where(Delivery.id == delivery_id).values(state="unknown"))


def sent_count(session: Session, team_id: int, week: str) -> int:
    """How many members of the team were asked for ``week`` (prompted, or logged on their own), the away left
    out (someone away who logged all the same counts): a week everyone was away in has no digest."""
    query = (
        select(func.count())
        .select_from(Delivery)
        .join(Cycle, Cycle.id == Delivery.cycle_id)
        .where(
            Cycle.team_id == team_id,
            Cycle.week == week,
            Delivery.state.in_((*ASKED_STATES, "away")),
            Delivery.answer != "away",
        )
    )
    return session.exec(query).one()


@dataclass(frozen=True)
class DeliveryContext:
    delivery: Delivery
    person: Person
    team: Team
    week: str


def with_context(*first: type) -> Select:
    """``first`` (Delivery, or Moment joined to it) with each delivery's person, team and cycle."""
    query = select(*first, Delivery, Person, Team, Cycle)
    if first:
        query = query.join(Delivery, Delivery.id == Moment.delivery_id)
    return (
        query.join(Person, Person.id == Delivery.person_id)
        .join(Cycle, Cycle.id == Delivery.cycle_id)
        .join(Team, Team.id == Cycle.team_id)
    )


def delivery_context(session: Session, delivery_id: int) -> DeliveryContext | None:
    row = session.exec(with_context().where(Delivery.id == delivery_id)).first()
    if row is None:
        return None
    delivery, person, team, cycle = row
    return DeliveryContext(delivery=delivery, person=person, team=team, week=cycle.week)


def set_answer(session: Session, delivery: Delivery, answer: str) -> bool:
    """Record the member's answer to the prompt; False when it was already that (a retry, or the same click
    delivered to two web processes: one conditional UPDATE decides, so only one of them acts on it)."""
    now = datetime.now(UTC)
    changed = session.execute(
        update(Delivery)
        .where(Delivery.id == delivery.id, Delivery.answer != answer)
        .values(answer=answer, answered_at=now)
        .returning(Delivery.id)
    ).first()
    if changed is None:
        delivery.answer = answer
        return False
    delivery.answer, delivery.answered_at = answer, now
    return True


@dataclass(frozen=True)
class MemberWeek:
    """One cohort member's week: their delivery and what they logged."""

    person: Person
    delivery: Delivery
    moments: list[Moment]


def cohort_weeks(session: Session, team_id: int, week: str) -> list[MemberWeek]:
    """The team-week's cohort: everyone with a delivery in that week's cycle (prompted, or logged on their
    own), whoever the team's members are now, with their delivery and moments."""
    rows = session.exec(
        select(Delivery, Person)
        .join(Cycle, Cycle.id == Delivery.cycle_id)
        .join(Person, Person.id == Delivery.person_id)
        .where(Cycle.team_id == team_id, Cycle.week == week)
        .order_by(Person.slack_user_id)
    ).all()
    moments: dict[int, list[Moment]] = {}
    ids = [d.id for d, _ in rows]
    if ids:
        for moment in session.exec(select(Moment).where(Moment.delivery_id.in_(ids)).order_by(Moment.id)):
            moments.setdefault(moment.delivery_id, []).append(moment)
    return [MemberWeek(person, delivery, moments.get(delivery.id, [])) for delivery, person in rows]


# -- changing one's mind: a logged moment edited or deleted ---------------------------------------------------


def open_deliveries(session: Session, person_id: int, weeks: list[str]) -> list[DeliveryContext]:
    """The person's deliveries of ``weeks`` (at most one a week, in whichever team), with team and week."""
    rows = session.exec(
        with_context().where(Delivery.person_id == person_id, Delivery.week.in_(weeks)).order_by(Delivery.week.desc())
    ).all()
    return [DeliveryContext(delivery=d, person=p, team=t, week=c.week) for d, p, t, c in rows]
