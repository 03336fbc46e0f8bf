"""Sending the weekly prompt DMs exactly once per member and week, and re-rendering them after an answer.

Exactly once, also across processes and crashes:

* a member is *claimed* (a unique delivery row, committed) before their DM goes out, so two runs or
  two scheduler processes never both prompt them;
* a DM carries message metadata naming its delivery, so a claim left behind by a sender that died
  (kill -9 between claim and "sent") is settled by looking in the member's DM: if the prompt is
  there it is recorded, otherwise it is sent.  Claims younger than ``CLAIM_LEASE`` belong to a
  sender that may still be working and are left alone;
* a DM whose answer from Slack was lost (timeout, dropped connection, 5xx) is never re-sent blind: it is
  looked for at once, and if it is not there yet the delivery is ``unknown`` and settled the same way
  from ``SETTLE_AFTER`` on (``bot.services.once``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.models.blocks import Block
from slack_sdk.models.metadata import Metadata
from sqlalchemy import Engine
from sqlmodel import Session

from bot.blocks.prompt import QUESTION, LoggedMoment, TokenLine, answered_blocks, prompt_blocks, reminder_done_blocks
from bot.formatting import week_label
from bot.schedule_spec import local_week, parse_tz
from bot.services import once, publication
from bot.services.away import away_now
from bot.vocabulary import AWAY, AWAY_HOLIDAY, PENDING
from storage.engine import session_scope
from storage.models import Delivery, Person, Team
from storage.queries import cycles as cq
from storage.queries import digests as dq
from storage.queries import moments as mq
from storage.queries import published as pq
from storage.queries import teams as tq
from storage.queries.usage import token_summaries

log = logging.getLogger(__name__)

PROMPT_EVENT = "airetro_prompt"
CLAIM_LEASE = dq.CLAIM_LEASE  # a claim older than this has no live sender


@dataclass
class SendReport:
    team: str
    week: str
    sent: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    recovered: list[str] = field(default_factory=list)  # found already in the DM after a crash
    away: dict[str, str] = field(default_factory=dict)  # not prompted: away (why), by Slack user ID
    deferred: int = 0  # left for the next run (rate limited or Slack unreachable)
    stopped: str = ""  # why the run stopped early, in words for an operator


class _StopRun(Exception):
    """Slack is rate limiting or unreachable: stop this run, the next one carries on."""


def token_line_for(session: Session, person_id: int, week: str) -> TokenLine | None:
    summary = token_summaries(session, [person_id], week).get(person_id)
    return TokenLine(summary.tokens, summary.cost_usd, summary.top_model) if summary else None


def prompt_message(session: Session, delivery_id: int) -> list[Block]:
    """The member's prompt as it should look now (unanswered, or with what they recorded)."""
    ctx = cq.delivery_context(session, delivery_id)
    assert ctx is not None
    tokens = token_line_for(session, ctx.person.id, ctx.week)
    if ctx.delivery.answer == PENDING:
        return prompt_blocks(ctx.team.name, ctx.week, delivery_id, tokens)
    moments = [LoggedMoment(m.outcome, m.what, m.time_saved, m.id) for m in mq.moments_for(session, delivery_id)]
    return answered_blocks(ctx.team.name, ctx.week, delivery_id, tokens, ctx.delivery.answer, moments)


def prompt_metadata(delivery_id: int, week: str) -> Metadata:
    return Metadata(event_type=PROMPT_EVENT, event_payload={"delivery_id": delivery_id, "week": week})


def send_prompts(engine: Engine, client: WebClient, team: Team, now: datetime | None = None) -> SendReport:
    """Send the prompt of the current local week to every member who has not had it and is not away
    (``prompts send``)."""
    now = now or datetime.now(UTC)
    with session_scope(engine) as session:
        members = [p for p in tq.counted_members(session, team.id) if not p.prompts_paused]
    return fan_out(engine, client, team, local_week(now, parse_tz(team.tz)), members, now)


def settle_orphans(engine: Engine, client: WebClient, now: datetime | None = None) -> list[SendReport]:
    """Settle the prompt claims of processes that stopped beating (``storage.liveness``), at once: each prompt
    is recorded if it is in the member's DM, else sent. Runs every few seconds in the leading scheduler."""
    now = now or datetime.now(UTC)
    with session_scope(engine) as session:
        orphaned = cq.orphaned_weeks(session, now)
        teams = {team_id: session.get(Team, team_id) for team_id, _week in orphaned}
    return [fan_out(engine, client, teams[team_id], week, [], now) for team_id, week in orphaned if teams[team_id]]


def fan_out(
    engine: Engine,
    client: WebClient,
    team: Team,
    week: str,
    people: Iterable[Person],
    now: datetime,
    *,
    holiday_week: bool = False,
) -> SendReport:
    """Prompt each of ``people`` for ``week`` unless already prompted or away; settle stale claims first.

    Who is away (``bot.services.away``; everyone in a ``holiday_week``) gets no DM: their week is recorded as
    away, once, like a prompt.

    A failure for one member (deactivated, DM blocked) is recorded on their delivery and the others
    still get theirs.  A rate limit that outlasts the client's retries, or losing Slack altogether,
    stops the run: the remaining members are picked up by the next run.
    """
    report = SendReport(team=team.name, week=week)
    people = list(people)
    with session_scope(engine) as session:
        cycle = cq.get_or_create_cycle(session, team.id, week)
        todo = set(cq.unprompted(session, week, [p.id for p in people]))
        stale = cq.stale_claims(session, cycle.id, now - CLAIM_LEASE, now - dq.SETTLE_AFTER, now)
    settling = {d.person_id for d in stale}
    report.already = [p.slack_user_id for p in people if p.id not in todo and p.id not in settling]
    pending = [p for p in people if p.id in todo]
    if pending:
        pending = _leave_out_away(engine, client, team, cycle.id, week, pending, now, holiday_week, report)
    done = 0
    try:
        for delivery in stale:
            _settle_stale_claim(engine, client, delivery, week, now, report)
        for person in pending:
            _prompt_one(engine, client, cycle.id, person, week, report)
            done += 1
    except _StopRun as stop:
        report.deferred = len(pending) - done
        report.stopped = str(stop)
        log.warning("prompts for %s %s paused: %s; the next run carries on", team.name, week, stop)
    return report


def _leave_out_away(
    engine: Engine,
    client: WebClient,
    team: Team,
    cycle_id: int,
    week: str,
    pending: list[Person],
    now: datetime,
    holiday_week: bool,
    report: SendReport,
) -> list[Person]:
    """Record the week of those of ``pending`` who are away as away; the others, to prompt."""
    away = {p.id: AWAY_HOLIDAY for p in pending} if holiday_week else away_now(client, team, pending, now)
    if not away:
        return pending
    with session_scope(engine) as session:
        recorded = cq.claim_away(session, cycle_id, week, away)
    report.away.update({p.slack_user_id: away[p.id] for p in pending if p.id in recorded})
    return [p for p in pending if p.id not in away]


def _prompt_one(
    engine: Engine, client: WebClient, cycle_id: int, person: Person, week: str, report: SendReport
) -> None:
    with session_scope(engine) as session:  # the claim is committed before the DM goes out
        delivery = cq.claim_delivery(session, cycle_id, person.id, week)
        blocks = prompt_message(session, delivery.id) if delivery else None
    if delivery is None:
        report.already.append(person.slack_user_id)
        return
    _post(engine, client, delivery.id, person.slack_user_id, week, blocks, report)


def _post(
    engine: Engine,
    client: WebClient,
    delivery_id: int,
    user_id: str,
    week: str,
    blocks: list[Block],
    report: SendReport,
) -> None:
    result = once.post(
        client, channel=user_id, text=QUESTION, blocks=blocks, metadata=prompt_metadata(delivery_id, week)
    )
    if result.outcome == "unknown":  # Slack may have posted it: look in the DM before anything else
        found = _settle_now(client, user_id, delivery_id)
        if found is None:
            with session_scope(engine) as session:
                cq.mark_unknown(session, delivery_id)
            raise _StopRun(f"Slack did not confirm {user_id}'s prompt ({result.error}); settled next run")
        result = once.PostResult("posted", *found)
    if result.outcome == "refused":
        if result.error in ("ratelimited", "cannot reach Slack"):  # certainly not posted
            with session_scope(engine) as session:
                cq.release_claim(session, delivery_id)
            raise _StopRun("rate limited" if result.error == "ratelimited" else result.error)
        log.warning("prompt to %s failed: %s", user_id, result.error)
        with session_scope(engine) as session:
            cq.mark_failed(session, delivery_id, result.error)
        report.failed[user_id] = result.error
        return
    with session_scope(engine) as session:
        cq.mark_sent(session, delivery_id, result.channel, result.ts)
    report.sent.append(user_id)


def _settle_now(client: WebClient, user_id: str, delivery_id: int) -> tuple[str, str] | None:
    """(channel, ts) of the prompt if it is in the member's DM right after a lost answer; None if it is
    not (yet) there or Slack cannot be asked."""
    try:
        channel = client.conversations_open(users=user_id)["channel"]["id"]
        ts = once.find_posted(client, channel, PROMPT_EVENT, {"delivery_id": delivery_id}, datetime.now(UTC))
    except (once.CannotCheck, SlackClientError, OSError):
        return None
    return (channel, ts) if ts is not None else None


def _settle_stale_claim(
    engine: Engine, client: WebClient, delivery: Delivery, week: str, now: datetime, report: SendReport
) -> None:
    with session_scope(engine) as session:
        if not cq.renew_claim(session, delivery, now):
            return  # another process is settling it
        person = session.get(Person, delivery.person_id)
        blocks = prompt_message(session, delivery.id)
    found = _find_prompt_in_dm(client, person.slack_user_id, delivery)
    if found is not None:
        with session_scope(engine) as session:
            cq.mark_sent(session, delivery.id, *found)
        report.recovered.append(person.slack_user_id)
        return
    _post(engine, client, delivery.id, person.slack_user_id, week, blocks, report)


def _find_prompt_in_dm(client: WebClient, user_id: str, delivery: Delivery) -> tuple[str, str] | None:
    """(channel, ts) of this delivery's prompt if it is already in the member's DM."""
    since = delivery.claimed_at.replace(tzinfo=delivery.claimed_at.tzinfo or UTC)
    try:
        channel = client.conversations_open(users=user_id)["channel"]["id"]
        ts = once.find_posted(client, channel, PROMPT_EVENT, {"delivery_id": delivery.id}, since)
    except (once.CannotCheck, SlackClientError, OSError) as exc:
        raise _StopRun(f"cannot check {user_id}'s DM ({exc.__class__.__name__})") from None
    return (channel, ts) if ts is not None else None


def refresh_prompt(engine: Engine, client: WebClient, delivery_id: int) -> None:
    """Update the member's prompt DM in place to show their answer (and settle the reminder, if any)."""
    with session_scope(engine) as session:
        delivery = cq.get_delivery(session, delivery_id)
        if delivery is None or not delivery.message_ts:
            return
        blocks = prompt_message(session, delivery_id)
        channel, ts, reminder_ts = delivery.channel_id, delivery.message_ts, delivery.reminder_ts
        week = cq.delivery_context(session, delivery_id).week
    client.chat_update(channel=channel, ts=ts, text=QUESTION, blocks=blocks)
    if reminder_ts:
        client.chat_update(channel=channel, ts=reminder_ts, text=QUESTION, blocks=reminder_done_blocks(week))


def prompt_on_return(engine: Engine, client: WebClient, user_id: str, now: datetime | None = None) -> str | None:
    """The member is back (``/airetro back``) while their week, counted away, is still open: it is unanswered
    again, with its prompt in their DM (sent now if it never was). Returns what to add to their reply; None when
    there is nothing to do (no week counted away, or it has closed)."""
    now = now or datetime.now(UTC)
    with session_scope(engine) as session:
        person = tq.get_person(session, user_id)
        if person is None:
            return None
        away = [d for d in cq.open_deliveries(session, person.id, _open_weeks(session, user_id, now))
                if d.delivery.answer == AWAY]  # fmt: skip
        if not away:
            return None
        ctx = away[0]
        state = cq.take_back(session, ctx.delivery.id)
        blocks = prompt_message(session, ctx.delivery.id) if state == "claimed" else None
    label = week_label(ctx.week)
    if state is None:
        return None
    if blocks is None:
        return f"Your prompt for the {label} is in your DM."
    report = SendReport(team=ctx.team.name, week=ctx.week)
    try:
        _post(engine, client, ctx.delivery.id, user_id, ctx.week, blocks, report)
    except _StopRun:
        return "Slack is busy, so your prompt did not go out: `/airetro log` records your week any time."
    if report.failed:
        return "Your prompt could not be sent: `/airetro log` records your week any time."
    return f"Your prompt for the {label} is in your DM."


def _open_weeks(session: Session, user_id: str, now: datetime) -> list[str]:
    """The weeks still open in the teams the person is in (each team's current week, if it has not closed)."""
    weeks = []
    for team in tq.teams_of(session, user_id):
        week = publication.current_week(team, now)
        if now < publication.closes_at(team, week) and not pq.published(session, team.id, [week]):
            weeks.append(week)
    return weeks
