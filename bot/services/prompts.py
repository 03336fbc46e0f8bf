"""Sending the weekly prompt DMs (idempotently) and re-rendering a member's prompt after an answer."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block
from sqlalchemy import Engine
from sqlmodel import Session

from bot.blocks.prompt import QUESTION, LoggedMoment, TokenLine, answered_blocks, prompt_blocks
from bot.schedule_spec import local_week, parse_tz
from bot.vocabulary import PENDING
from storage.engine import session_scope
from storage.models import Team
from storage.queries import cycles as cq
from storage.queries import teams as tq
from storage.queries.usage import token_summaries

log = logging.getLogger(__name__)


@dataclass
class SendReport:
    team: str
    week: str
    sent: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def _token_line(session: Session, person_id: int, week: str) -> TokenLine | None:
    summary = token_summaries(session, [person_id], week).get(person_id)
    return TokenLine(summary.tokens, summary.cost_usd, summary.top_model) if summary else None


def prompt_message(session: Session, delivery_id: int) -> list[Block]:
    """The member's prompt as it should look now (unanswered, or with what they recorded)."""
    ctx = cq.delivery_context(session, delivery_id)
    assert ctx is not None
    tokens = _token_line(session, ctx.person.id, ctx.week)
    if ctx.delivery.answer == PENDING:
        return prompt_blocks(ctx.team.name, ctx.week, delivery_id, tokens)
    moments = [LoggedMoment(m.outcome, m.what, m.time_saved) for m in cq.moments_for(session, delivery_id)]
    return answered_blocks(ctx.team.name, ctx.week, delivery_id, tokens, ctx.delivery.answer, moments)


def send_prompts(engine: Engine, client: WebClient, team: Team, now: datetime | None = None) -> SendReport:
    """Send this week's prompt to every member who has not had it yet.

    Each member is claimed (a unique delivery row, committed) before the DM goes out, so running
    this twice, or in two processes, never prompts anyone twice.  A failure for one member is
    recorded on their delivery and does not stop the others.
    """
    now = now or datetime.now(UTC)
    week = local_week(now, parse_tz(team.tz))
    report = SendReport(team=team.name, week=week)
    with session_scope(engine) as session:
        cycle = cq.get_or_create_cycle(session, team.id, week)
        members = tq.team_members(session, team.id)
    for person in members:
        with session_scope(engine) as session:  # the claim is committed before the DM goes out
            delivery = cq.claim_delivery(session, cycle.id, person.id)
            blocks = prompt_message(session, delivery.id) if delivery else None
        if delivery is None:
            report.already.append(person.slack_user_id)
            continue
        try:
            response = client.chat_postMessage(channel=person.slack_user_id, text=QUESTION, blocks=blocks)
        except SlackApiError as exc:
            error = str(exc.response.get("error", exc))
            log.warning("prompt to %s failed: %s", person.slack_user_id, error)
            with session_scope(engine) as session:
                cq.mark_failed(session, delivery.id, error)
            report.failed[person.slack_user_id] = error
            continue
        with session_scope(engine) as session:
            cq.mark_sent(session, delivery.id, response["channel"], response["ts"])
        report.sent.append(person.slack_user_id)
    return report


def refresh_prompt(engine: Engine, client: WebClient, delivery_id: int) -> None:
    """Update the member's prompt DM in place to show their answer."""
    with session_scope(engine) as session:
        delivery = cq.get_delivery(session, delivery_id)
        if delivery is None or not delivery.message_ts:
            return
        blocks = prompt_message(session, delivery_id)
        channel, ts = delivery.channel_id, delivery.message_ts
    client.chat_update(channel=channel, ts=ts, text=QUESTION, blocks=blocks)
