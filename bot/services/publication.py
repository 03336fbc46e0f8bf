"""Closing a team's week: its figures are computed once, over that week's cohort, and stored.

Every screen that shows a team's figures (digest, preview, summary, trend, chart, App Home, export, org
roll-up, CLI) reads them from here, and only for closed weeks:

* a week *closes* when its digest is posted (scheduled, or a manager's "post now"), and at the latest at
  the team's first digest time after that week's prompt (also when the team is paused or the digest could
  not be posted). ``closes_at`` gives that time;
* at closing, the figures are computed over the week's cohort (the people it prompted, whoever the
  members are now) and stored, with only what may be shown (``bot.digest.stored``). They are never
  recomputed: later membership changes, late answers, late usage imports and forget-me leave them as
  they are;
* a closed week nobody has read yet is published on first read, or by ``publish_closed`` (run at start,
  after migrations, and every minute by the scheduler);
* an open week shows no figures at all, only how many have answered so far: figures that change with each
  answer would let two looks, a minute apart, be subtracted to read one person's answer.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, case, func
from sqlmodel import Session, select

from bot import vocabulary as v
from bot.digest.figures import (
    CHOICES,
    HIGHLIGHTS,
    ActivityData,
    DigestFigures,
    MemberWeekData,
    MomentData,
    figures_of,
    floor_of,
)
from bot.digest.progress import Progress
from bot.digest.stored import from_stored, to_stored
from bot.schedule_spec import closes, cycle_week_at, parse_tz
from bot.services.teams import digest_slot, prompt_slot
from storage.engine import session_scope
from storage.models import Cycle, Delivery, PublishedWeek, Team
from storage.queries import cycles as cq
from storage.queries import published as pq
from storage.queries import teams as tq
from storage.queries.activity import ActivityTotals, activity_by_person_week
from storage.queries.cohort import ASKED, cohort_totals
from storage.queries.usage import token_summaries
from storage.weeks import week_days, week_key, weeks_back

log = logging.getLogger(__name__)


def closes_at(team: Team, week: str) -> datetime:
    """When ``week`` closes for the team: its first digest time at or after that week's prompt (UTC)."""
    return closes(prompt_slot(team), digest_slot(team), week_days(week)[0], parse_tz(team.tz))


def current_week(team: Team, now: datetime) -> str:
    """The team's retro week open at ``now`` (the week of its latest prompt)."""
    return cycle_week_at(prompt_slot(team), now, parse_tz(team.tz))


def _activity(totals: ActivityTotals | None) -> ActivityData | None:
    if totals is None:
        return None
    return ActivityData(
        totals.sessions,
        totals.lines_added,
        totals.lines_removed,
        totals.commits,
        totals.pull_requests,
        totals.code_generations,
        totals.code_acceptances,
        totals.agent_requests,
        totals.sources,
    )


def _by(at: datetime | None, as_of: datetime | None) -> bool:
    """Whether something recorded at ``at`` was there at ``as_of`` (no ``as_of``: everything is)."""
    if as_of is None or at is None:
        return True
    return (at if at.tzinfo else at.replace(tzinfo=UTC)) <= (as_of if as_of.tzinfo else as_of.replace(tzinfo=UTC))


def _answer_as_of(delivery: Delivery, as_of: datetime | None) -> str:
    """The member's answer as it was at ``as_of``: one given later was not there yet. Away when the prompt was
    due (state ``away``: away from then on until they answered) is what they were before logging anyway."""
    if _by(delivery.answered_at, as_of):
        return delivery.answer
    return v.AWAY if delivery.state == v.AWAY else v.PENDING


def cohort_data(session: Session, team_id: int, week: str, as_of: datetime | None = None) -> list[MemberWeekData]:
    """The week's cohort as plain data: each person's answer, moments, token summary and provider activity.

    ``as_of``: the data as it was then (the org roll-up folds a withheld week as it was when it was published):
    people prompted later are left out, and answers and moments given later do not count (a member counted
    away when the prompt was due who logged only later was away then). Usage counts as imported.
    """
    weeks = [mw for mw in cq.cohort_weeks(session, team_id, week) if _by(mw.delivery.claimed_at, as_of)]
    person_ids = [mw.person.id for mw in weeks]
    summaries = token_summaries(session, person_ids, week)
    activity = activity_by_person_week(session, person_ids, week)
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
            if _by(m.created_at, as_of)
        )
        members.append(
            MemberWeekData(
                answer=_answer_as_of(mw.delivery, as_of),
                prompted=mw.delivery.state in ASKED,
                moments=moments,
                tokens=summary.tokens if summary else 0,
                cost_usd=summary.cost_usd if summary else 0.0,
                estimated_cost_usd=summary.estimated_cost_usd if summary else 0.0,
                unknown_cost_tokens=summary.unknown_cost_tokens if summary else 0,
                sources=tuple(s for s in summary.sources.split(",") if s) if summary else (),
                activity=_activity(activity.get(mw.person.id)),
                person=mw.person.slack_user_id,
            )
        )
    return members


def compute_week(session: Session, team: Team, week: str) -> DigestFigures:
    """The team-week's figures over its cohort, as the data is now: what publishing stores."""
    totals = cohort_totals(session, team.id, week, hours_saved=v.HOURS_SAVED, choices=CHOICES, highlights=HIGHLIGHTS)
    figures = figures_of(team.name, week, totals, team.min_respondents, share_free_text=team.share_free_text)
    if figures.tokens and not figures.usage_withheld:
        _, sunday = week_days(week)
        latest = totals.usage_latest  # the latest day with usage, said when it is before the week's Sunday
        figures = replace(figures, usage_through=latest.isoformat() if latest and latest < sunday else None)
    return figures


def publish(session: Session, team: Team, week: str, now: datetime) -> DigestFigures:
    """Close the team-week (if it is not closed yet) and return its published figures: those of the data as it
    is at this moment, the digest's (scheduled or early), or within a minute of ``closes_at`` (the scheduler's
    ``publish_closed``), or, where no scheduler runs, the first time a screen needs them. Nothing was shown
    of the week before, so there is nothing to compare them with; after, they never change."""
    stored = pq.published(session, team.id, [week]).get(week)
    if stored is None:
        stored = pq.insert_once(session, team.id, week, to_stored(compute_week(session, team, week)), now)
        log.info("published the figures of %s %s", team.name, week)
    return from_stored(team.name, week, stored.figures)


def closed_figures(
    session: Session,
    team: Team,
    weeks: Sequence[str],
    now: datetime,
    stored: Mapping[str, dict[str, Any]] | None = None,
    highlights_of: Collection[str] | None = None,
) -> list[DigestFigures | None]:
    """Each of ``weeks``' published figures, publishing the closed ones nobody has read yet; None for a week
    that is still open (no figures may be shown for it). ``stored``: the team's stored figures, read already;
    ``highlights_of``: the weeks whose highlights are wanted (None: all)."""
    stored = pq.published_figures(session, team.id, weeks) if stored is None else stored
    out: list[DigestFigures | None] = []
    for week in weeks:
        if week in stored:
            wanted = highlights_of is None or week in highlights_of
            out.append(from_stored(team.name, week, stored[week], highlights=wanted))
        elif now >= closes_at(team, week):
            out.append(publish(session, team, week, now))
        else:
            out.append(None)
    return out


def last_closed_figures(
    session: Session, team: Team, count: int, now: datetime
) -> tuple[list[str], list[DigestFigures | None]]:
    """The team's last ``count`` closed weeks (oldest first) and their figures without highlights (see
    ``closed_figures``), the published weeks read once."""
    current = current_week(team, now)
    window = weeks_back(current, count + 1)
    stored = pq.published_figures(session, team.id, window)
    last = current if current in stored or now >= closes_at(team, current) else window[-2]
    weeks = weeks_back(last, count)
    return weeks, closed_figures(session, team, weeks, now, stored, highlights_of=())


def last_closed_week(session: Session, team: Team, now: datetime) -> str:
    """The team's latest closed week: the current one once its digest is out (or its time has passed)."""
    week = current_week(team, now)
    if pq.published(session, team.id, [week]) or now >= closes_at(team, week):
        return week
    monday, _ = week_days(week)
    return week_key(monday - timedelta(weeks=1))


_PROGRESS = (  # built once: Home and summaries count the open week on every look
    select(
        func.sum(case((Delivery.state.in_(ASKED) & (Delivery.answer != v.AWAY), 1), else_=0)),
        func.sum(case((Delivery.answer.not_in((v.PENDING, v.AWAY)), 1), else_=0)),
        func.sum(case((Delivery.answer == v.AWAY, 1), else_=0)),
    )
    .join(Cycle, Cycle.id == Delivery.cycle_id)
    .where(Cycle.team_id == bindparam("team"), Cycle.week == bindparam("week"))
)


def progress(session: Session, team: Team, week: str) -> Progress:
    """How the team's open week is going: how many were prompted (the away left out), how many answered and how
    many are away (conditional sums over the week's deliveries: one pass over their index, no grouping)."""
    prompted, responded, away = session.execute(_PROGRESS, {"team": team.id, "week": week}).one()
    return Progress(
        team.name, week, int(prompted or 0), int(responded or 0), closes_at(team, week), team.tz,
        away=int(away or 0), min_respondents=floor_of(team.min_respondents),
    )  # fmt: skip


def publish_closed(engine: Engine, now: datetime | None = None) -> int:
    """Publish every closed team-week that has a cycle and no published figures yet; returns how many.

    Run at start (so an upgraded database publishes its closed weeks once, from the data as it is) and
    every minute by the scheduler (so a paused team's weeks close on time too).
    """
    now = now or datetime.now(UTC)
    count = 0
    with session_scope(engine) as session:
        teams = {team.id: team for team in tq.list_teams(session)}
        unpublished = session.exec(
            select(Cycle.team_id, Cycle.week)
            .outerjoin(PublishedWeek, (PublishedWeek.team_id == Cycle.team_id) & (PublishedWeek.week == Cycle.week))
            .where(PublishedWeek.id.is_(None))
            .order_by(Cycle.week)
        ).all()
        for team_id, week in unpublished:
            team = teams.get(team_id)
            if team is None or now < closes_at(team, week):
                continue
            publish(session, team, week, now)
            count += 1
    return count
