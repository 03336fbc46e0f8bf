"""Computing a team's weekly digest from storage and posting it once per team-week."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session

from bot import vocabulary as v
from bot.blocks.digest import digest_blocks
from bot.digest.figures import DigestFigures, MemberWeekData, MomentData, compute_digest
from bot.digest.sections import digest_text
from bot.formatting import clip
from bot.schedule_spec import cycle_week_at, parse_tz
from bot.services.teams import prompt_slot
from storage.engine import session_scope
from storage.models import Digest, Team
from storage.queries import cycles as cq
from storage.queries import digests as dq
from storage.queries.usage import token_summaries
from storage.weeks import weeks_back

log = logging.getLogger(__name__)
FALLBACK_TEXT_LIMIT = 3000


def digest_week(team: Team, now: datetime | None = None) -> str:
    """The week a digest posted ``now`` reports on (the week of the latest prompt)."""
    return cycle_week_at(prompt_slot(team), now or datetime.now(UTC), parse_tz(team.tz))


def team_figures(session: Session, team: Team, week: str) -> DigestFigures:
    weeks = cq.member_weeks(session, team.id, week)
    summaries = token_summaries(session, [mw.person.id for mw in weeks], week)
    members = []
    for mw in weeks:
        summary = summaries.get(mw.person.id)
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
            )
        )
    return compute_digest(team.name, week, members, team.min_respondents, share_free_text=team.share_free_text)


def recent_figures(session: Session, team: Team, last_week: str, count: int) -> list[DigestFigures]:
    """The team's figures for ``count`` ISO weeks ending with ``last_week``, oldest first (trend, chart)."""
    return [team_figures(session, team, week) for week in weeks_back(last_week, count)]


def compute_team_digest(engine: Engine, team: Team, week: str) -> DigestFigures:
    with session_scope(engine) as session:
        return team_figures(session, team, week)


def post_digest(engine: Engine, client: WebClient, team: Team, week: str) -> Digest | None:
    """Post the team-week's digest to the team channel once; None if it was already posted."""
    with session_scope(engine) as session:
        claim = dq.claim_digest(session, team.id, week)
        if claim is None:
            return None
        figures = team_figures(session, team, week)
    try:
        response = client.chat_postMessage(
            channel=team.channel_id,
            text=clip(digest_text(figures), FALLBACK_TEXT_LIMIT),
            blocks=digest_blocks(figures),
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
    return claim
