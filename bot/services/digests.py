"""Computing a team's weekly digest from storage and posting it once per team-week; the org roll-up."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import Engine
from sqlmodel import Session

from bot import vocabulary as v
from bot.blocks.digest import digest_blocks
from bot.blocks.org_digest import org_digest_blocks
from bot.digest.figures import ActivityData, DigestFigures, MemberWeekData, MomentData, compute_digest
from bot.digest.org import MAX_TEAM_LINES, OrgFigures, TeamWeek, compute_org, org_text
from bot.digest.sections import digest_text
from bot.digest.trend import TREND_WEEKS, compute_trend
from bot.formatting import clip, slack_escape
from bot.schedule_spec import cycle_week_at, parse_tz
from bot.services import charts
from bot.services.teams import prompt_slot
from storage.engine import session_scope
from storage.models import Digest, Team
from storage.queries import cycles as cq
from storage.queries import digests as dq
from storage.queries import teams as tq
from storage.queries.activity import ActivityTotals, activity_by_person_week
from storage.queries.usage import token_summaries
from storage.weeks import week_key, weeks_back

log = logging.getLogger(__name__)
FALLBACK_TEXT_LIMIT = 3000


def digest_week(team: Team, now: datetime | None = None) -> str:
    """The week a digest posted ``now`` reports on (the week of the latest prompt)."""
    return cycle_week_at(prompt_slot(team), now or datetime.now(UTC), parse_tz(team.tz))


def _activity(totals: ActivityTotals | None) -> ActivityData | None:
    if totals is None:
        return None
    return ActivityData(totals.sessions, totals.lines_added, totals.lines_removed, totals.commits, totals.pull_requests)


def member_data(session: Session, team: Team, week: str) -> list[MemberWeekData]:
    """Every current member's week as plain data: answer, moments, token summary, provider activity."""
    weeks = cq.member_weeks(session, team.id, week)
    person_ids = [mw.person.id for mw in weeks]
    summaries = token_summaries(session, person_ids, week)
    activity = activity_by_person_week(session, person_ids, week)
    members = []
    for mw in weeks:
        summary, done = summaries.get(mw.person.id), activity.get(mw.person.id)
        moments = tuple(
            MomentData(
                outcome=m.outcome,
                time_saved=m.time_saved,
                quality=m.quality,
                counterfactual=m.counterfactual,
                tool=m.tool,
                what=m.what,
                link=m.link,
                sharing=m.sharing,
                author=mw.person.slack_user_id,
            )
            for m in mw.moments
        )
        members.append(
            MemberWeekData(
                answer=mw.delivery.answer if mw.delivery else v.PENDING,
                prompted=mw.delivery is not None and mw.delivery.state in cq.ASKED_STATES,
                moments=moments,
                tokens=summary.tokens if summary else 0,
                cost_usd=summary.cost_usd if summary else 0.0,
                activity=_activity(done),
                person=mw.person.slack_user_id,
            )
        )
    return members


def team_figures(session: Session, team: Team, week: str) -> DigestFigures:
    """The team-week's figures alone (no trend): what each week of a summary or chart is made of."""
    members = member_data(session, team, week)
    return compute_digest(team.name, week, members, team.min_respondents, share_free_text=team.share_free_text)


def digest_figures(session: Session, team: Team, week: str) -> DigestFigures:
    """The digest's figures: the team-week's, with the trend over the ``TREND_WEEKS`` weeks ending with it."""
    return with_trend(recent_figures(session, team, week, TREND_WEEKS))


def with_trend(weeks: list[DigestFigures]) -> DigestFigures:
    """The last of ``weeks`` (oldest first) with the trend over its last ``TREND_WEEKS``."""
    return replace(weeks[-1], trend=compute_trend(weeks[-TREND_WEEKS:]))


def recent_figures(session: Session, team: Team, last_week: str, count: int) -> list[DigestFigures]:
    """The team's figures for ``count`` ISO weeks ending with ``last_week``, oldest first (trend, chart)."""
    return [team_figures(session, team, week) for week in weeks_back(last_week, count)]


def compute_team_digest(engine: Engine, team: Team, week: str) -> DigestFigures:
    with session_scope(engine) as session:
        return digest_figures(session, team, week)


def post_digest(engine: Engine, client: WebClient, team: Team, week: str) -> Digest | None:
    """Post the team-week's digest to the team channel once; None if it was already posted."""
    with session_scope(engine) as session:
        claim = dq.claim_digest(session, team.id, week)
        if claim is None:
            return None
        history = recent_figures(session, team, week, max(TREND_WEEKS, charts.CHART_WEEKS))  # once, for both
    figures = with_trend(history)
    chart = charts.prepare_digest_chart(team, week, history)  # never raises: a failed drawing is only logged
    try:
        response = client.chat_postMessage(
            channel=team.channel_id,
            text=clip(digest_text(figures), FALLBACK_TEXT_LIMIT),
            blocks=charts.with_chart_note(digest_blocks(figures), chart),
            unfurl_links=False,
        )
    except Exception:
        with session_scope(engine) as session:
            dq.release_claim(session, session.merge(claim))
        raise
    with session_scope(engine) as session:
        claim = session.merge(claim)
        dq.mark_posted(session, claim, response["channel"], response["ts"])
    log.info("posted digest for %s %s", team.name, week)
    charts.attach_digest_chart(client, team, week, chart, response["channel"], response["ts"])  # logs a failure
    return claim


def post_now(engine: Engine, client: WebClient, team: Team) -> str:
    """A manager's "post this week's digest now" (``/airetro digest post``, the Home button): post it once
    and say what happened, in words for that manager."""
    week = digest_week(team)
    name = slack_escape(team.name)
    try:
        posted = post_digest(engine, client, team, week)
    except SlackClientError as error:  # nothing is posted; the claim was released
        reason = error.response.get("error", "an error") if isinstance(error, SlackApiError) else "no answer"
        hint = " Invite the bot to the channel first (`/invite @AI Retro`)." if reason == "not_in_channel" else ""
        return f":warning: Slack refused the digest for *{name}* ({reason}); nothing was posted.{hint}"
    if posted is None:
        return f"The {week} digest for *{name}* was already posted in <#{team.channel_id}>; it is posted once."
    return f":white_check_mark: Posted the {week} digest for *{name}* in <#{team.channel_id}>."


# The org roll-up -------------------------------------------------------------------------------------


def org_week(now: datetime | None = None) -> str:
    """The ISO week (UTC) an org roll-up reports on by default: the current one."""
    return week_key((now or datetime.now(UTC)).date())


def org_figures(session: Session, week: str) -> OrgFigures:
    """Every team's week, rolled up (teams below their privacy threshold folded into "other")."""
    teams = [
        TeamWeek(team.name, team.min_respondents, tuple(member_data(session, team, week)))
        for team in tq.list_teams(session)
    ]
    return compute_org(week, teams)


def compute_org_digest(engine: Engine, week: str) -> OrgFigures:
    with session_scope(engine) as session:
        return org_figures(session, week)


def post_org_digest(engine: Engine, client: WebClient, channel: str, week: str) -> bool:
    """Post the week's org roll-up to ``channel`` once; False when it was already posted (or is being posted)
    there. The claim row is committed before the post and given back if Slack refuses it."""
    with session_scope(engine) as session:
        claim = dq.claim_org_digest(session, channel, week)
    if claim is None:
        return False
    try:
        org = compute_org_digest(engine, week)
        response = client.chat_postMessage(
            channel=channel,
            text=clip(org_text(org, slack_escape, MAX_TEAM_LINES), FALLBACK_TEXT_LIMIT),
            blocks=org_digest_blocks(org),
            unfurl_links=False,
        )
    except Exception:
        with session_scope(engine) as session:
            session.delete(session.merge(claim))
        raise
    with session_scope(engine) as session:
        dq.mark_org_posted(session, session.merge(claim), response["ts"])
    log.info("posted the org digest for %s to %s", week, channel)
    return True
