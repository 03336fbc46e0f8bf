"""The one reminder DM to members who have not answered the week's prompt yet."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from slack_sdk import WebClient
from slack_sdk.models.metadata import Metadata
from sqlalchemy import Engine

from bot.blocks.prompt import REMINDER, reminder_blocks
from bot.services import once
from bot.services.away import away_now
from bot.services.prompts import token_line_for
from storage.engine import session_scope
from storage.models import Delivery, Person, Team
from storage.queries import cycles as cq
from storage.queries import digests as dq
from storage.queries import reminders as rq

log = logging.getLogger(__name__)
REMINDER_EVENT = "airetro_reminder"


def reminder_metadata(delivery_id: int) -> Metadata:
    return Metadata(event_type=REMINDER_EVENT, event_payload={"delivery_id": delivery_id})


@dataclass
class ReminderReport:
    team: str
    week: str
    sent: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    away: dict[str, str] = field(default_factory=dict)  # not reminded: away now (why), by Slack user ID


def send_reminders(
    engine: Engine, client: WebClient, team: Team, week: str, people: Iterable[Person], now: datetime
) -> ReminderReport:
    """Remind those of ``people`` whose prompt went out and is still unanswered, exactly once each.

    Nobody who answered, skipped, said AI didn't help, or whose prompt failed is reminded. The reminder
    is claimed before it is sent, so two processes never both send it; a reminder whose answer from Slack
    was lost (or whose sender died after the claim) is settled first by looking for its metadata in the
    member's DM: recorded if it is there, sent if it is not.
    """
    report = ReminderReport(team=team.name, week=week)
    by_id = {p.id: p for p in people}
    with session_scope(engine) as session:
        unsettled = rq.unsettled_reminders(
            session, team.id, week, list(by_id), now - dq.CLAIM_LEASE, now - dq.SETTLE_AFTER, now
        )
        candidates = rq.reminder_candidates(session, team.id, week, list(by_id))
    if candidates:
        candidates = _leave_out_away(engine, client, team, candidates, by_id, now, report)
    try:
        for delivery in unsettled:
            since = delivery.reminded_at.replace(tzinfo=delivery.reminded_at.tzinfo or UTC)
            with session_scope(engine) as session:
                if not rq.take_over_reminder(session, delivery, now):
                    continue
            ts = _find_reminder(client, delivery, since)
            if ts is not None:
                with session_scope(engine) as session:
                    rq.mark_reminder(session, delivery.id, "sent", ts)
                report.sent.append(by_id[delivery.person_id].slack_user_id)
                continue
            _remind(engine, client, team, week, delivery, by_id[delivery.person_id], now, report)
        for delivery in candidates:
            with session_scope(engine) as session:
                if not rq.claim_reminder(session, delivery.id, now):
                    continue
            _remind(engine, client, team, week, delivery, by_id[delivery.person_id], now, report)
    except _Stop as stop:
        log.warning("reminders for %s %s stopped: %s; the next minute carries on", team.name, week, stop)
    return report


def _leave_out_away(
    engine: Engine,
    client: WebClient,
    team: Team,
    candidates: list[Delivery],
    by_id: dict[int, Person],
    now: datetime,
    report: ReminderReport,
) -> list[Delivery]:
    """Count those of ``candidates`` who are away now as away for the week (no reminder); the others, to remind."""
    away = away_now(client, team, [by_id[d.person_id] for d in candidates], now)
    if not away:
        return candidates
    reasons = {d.id: away[d.person_id] for d in candidates if d.person_id in away}
    with session_scope(engine) as session:
        changed = cq.mark_away(session, reasons)
    report.away.update({by_id[d.person_id].slack_user_id: reasons[d.id] for d in candidates if d.id in changed})
    return [d for d in candidates if d.person_id not in away]


class _Stop(Exception):
    """Slack is rate limiting, unreachable or not answering: stop this run, the next one carries on."""


def _find_reminder(client: WebClient, delivery: Delivery, since: datetime) -> str | None:
    try:
        return once.find_posted(client, delivery.channel_id, REMINDER_EVENT, {"delivery_id": delivery.id}, since)
    except once.CannotCheck as error:
        raise _Stop(str(error)) from None


def _remind(
    engine: Engine,
    client: WebClient,
    team: Team,
    week: str,
    delivery: Delivery,
    person: Person,
    now: datetime,
    report: ReminderReport,
) -> None:
    """Send the claimed reminder and record what is known about it."""
    with session_scope(engine) as session:
        blocks = reminder_blocks(team.name, week, delivery.id, token_line_for(session, delivery.person_id, week))
    result = once.post_settled(
        client,
        channel=delivery.channel_id,
        event_type=REMINDER_EVENT,
        key={"delivery_id": delivery.id},
        since=now,
        text=REMINDER,
        blocks=blocks,
    )
    if result.posted:
        with session_scope(engine) as session:
            rq.mark_reminder(session, delivery.id, "sent", result.ts)
        report.sent.append(person.slack_user_id)
        return
    if result.outcome == "unknown":  # maybe in the DM: settled from the next minute on, never resent blind
        with session_scope(engine) as session:
            rq.mark_reminder(session, delivery.id, "unknown")
        raise _Stop(f"Slack did not confirm a reminder ({result.error})")
    if result.error in ("ratelimited", "cannot reach Slack"):  # certainly not sent: the claim goes back
        with session_scope(engine) as session:
            rq.mark_reminder(session, delivery.id, None)
        raise _Stop(result.error)
    with session_scope(engine) as session:
        rq.mark_reminder(session, delivery.id, "failed")
    report.failed[person.slack_user_id] = result.error
