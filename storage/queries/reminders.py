"""The one reminder of each prompt: who is due one, and its claim → sent | failed | unknown, across processes."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import and_, or_, update
from sqlmodel import Session, select

from storage import liveness
from storage.models import Cycle, Delivery


def reminder_candidates(session: Session, team_id: int, week: str, person_ids: list[int]) -> list[Delivery]:
    """Deliveries of ``week`` to ``person_ids`` that went out, are unanswered and had no reminder yet."""
    return _reminders(session, team_id, week, person_ids, Delivery.reminder_state.is_(None))


def unsettled_reminders(
    session: Session,
    team_id: int,
    week: str,
    person_ids: list[int],
    claimed_before: datetime,
    unknown_before: datetime,
    now: datetime | None = None,
) -> list[Delivery]:
    """Unanswered deliveries whose reminder may or may not be in the DM: its sender died (``claimed`` before
    ``claimed_before``, or by a process that stopped beating) or Slack's answer was lost (``unknown`` before
    ``unknown_before``)."""
    return _reminders(
        session, team_id, week, person_ids,
        or_(
            and_(
                Delivery.reminder_state == "claimed",
                or_(
                    Delivery.reminded_at < claimed_before,
                    liveness.owner_dead(Delivery.reminder_by, now or datetime.now(UTC)),
                ),
            ),
            and_(Delivery.reminder_state == "unknown", Delivery.reminded_at < unknown_before),
        ),
    )  # fmt: skip


def _reminders(session: Session, team_id: int, week: str, person_ids: list[int], which: object) -> list[Delivery]:
    query = (
        select(Delivery)
        .join(Cycle, Cycle.id == Delivery.cycle_id)
        .where(
            Cycle.team_id == team_id,
            Cycle.week == week,
            Delivery.person_id.in_(person_ids),
            Delivery.state == "sent",
            Delivery.answer == "pending",
            which,
        )
    )
    return list(session.exec(query))


def claim_reminder(session: Session, delivery_id: int, now: datetime) -> bool:
    """Claim the one reminder of a delivery; False if it was claimed already (or answered meanwhile)."""
    result = session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.reminder_state.is_(None), Delivery.answer == "pending")
        .values(reminder_state="claimed", reminded_at=now, reminder_by=liveness.current(session))
        .returning(Delivery.id)
    ).first()
    return result is not None


def take_over_reminder(session: Session, delivery: Delivery, now: datetime) -> bool:
    """Become the one settling a delivery's stale or unknown reminder; False if another process did first."""
    result = session.execute(
        update(Delivery)
        .where(
            Delivery.id == delivery.id,
            Delivery.reminder_state == delivery.reminder_state,
            Delivery.reminded_at == delivery.reminded_at,
        )
        .values(reminder_state="claimed", reminded_at=now, reminder_by=liveness.current(session))
        .returning(Delivery.id)
    ).first()
    return result is not None


def mark_reminder(session: Session, delivery_id: int, state: str | None, message_ts: str | None = None) -> None:
    session.execute(
        update(Delivery).where(Delivery.id == delivery_id).values(reminder_state=state, reminder_ts=message_ts)
    )
