"""The one reminder DM to members who have not answered the week's prompt yet."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.models.metadata import Metadata
from sqlalchemy import Engine

from bot.blocks.prompt import REMINDER, reminder_blocks
from bot.services.prompts import token_line_for
from storage.engine import session_scope
from storage.models import Person, Team
from storage.queries import cycles as cq

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


def send_reminders(
    engine: Engine, client: WebClient, team: Team, week: str, people: Iterable[Person], now: datetime
) -> ReminderReport:
    """Remind those of ``people`` whose prompt went out and is still unanswered, once each.

    Nobody who answered, skipped, said AI didn't help, or whose prompt failed is reminded.  The
    reminder is claimed before it is sent, so it is sent at most once even across processes (a
    crash right after the claim loses that one reminder rather than risk sending it twice).
    """
    report = ReminderReport(team=team.name, week=week)
    by_id = {p.id: p for p in people}
    with session_scope(engine) as session:
        candidates = cq.reminder_candidates(session, team.id, week, list(by_id))
    for delivery in candidates:
        user_id = by_id[delivery.person_id].slack_user_id
        with session_scope(engine) as session:
            if not cq.claim_reminder(session, delivery.id, now):
                continue
            blocks = reminder_blocks(team.name, week, delivery.id, token_line_for(session, delivery.person_id, week))
        try:
            response = client.chat_postMessage(
                channel=delivery.channel_id, text=REMINDER, blocks=blocks, metadata=reminder_metadata(delivery.id)
            )
        except SlackApiError as exc:
            error = str(exc.response.get("error", exc))
            if error == "ratelimited":  # certainly not sent: give the claim back for the next minute
                with session_scope(engine) as session:
                    cq.mark_reminder(session, delivery.id, None)
                break
            with session_scope(engine) as session:
                cq.mark_reminder(session, delivery.id, "failed")
            report.failed[user_id] = error
            continue
        except (SlackClientError, OSError) as exc:
            log.warning("reminders for %s %s stopped: cannot reach Slack (%s)", team.name, week, exc)
            break
        with session_scope(engine) as session:
            cq.mark_reminder(session, delivery.id, "sent", response["ts"])
        report.sent.append(user_id)
    return report
