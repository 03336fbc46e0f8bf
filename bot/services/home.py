"""The App Home tab: gather the viewer's own data and their teams' aggregates, and publish it.

Published when someone opens the tab and again after each of their answers, so it always shows
their current status. Only the viewer's own answers and tokens are read for their part; teams are
shown through ``summaries.team_summary`` (the digest's privacy rules, week by week).
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from bot.blocks.home import MAX_TEAMS, HomeData, MyTeamWeek, TeamPanel, home_view
from bot.schedule_spec import Slot, local_week, occurrence, parse_tz
from bot.services import roles, summaries
from bot.services.digests import digest_week
from bot.services.local_day import away_until, person_today
from bot.services.roles import Caller
from bot.services.teams import prompt_slot
from bot.services.timezones import member_zone
from storage.engine import session_scope
from storage.models import Moment, Person, Team
from storage.queries import cycles as cq
from storage.queries import teams as tq

log = logging.getLogger(__name__)
MY_WEEKS = 8
TEAM_WEEKS = 4


def next_prompt_at(slot: Slot, tz: ZoneInfo, now: datetime | None = None) -> datetime:
    """The first occurrence of ``slot`` in ``tz`` after ``now``, as a ``tz``-local aware datetime.

    Stepped week by week on the wall clock with ``occurrence`` (not by adding 7 × 24 h), so a prompt
    stays at its local time across a DST change, with ``occurrence``'s choice for a skipped or
    repeated wall time.
    """
    now = now or datetime.now(UTC)
    today = now.astimezone(tz).date()
    monday = today - timedelta(days=today.weekday())
    at = occurrence(slot, monday, tz)
    while at <= now:
        monday += timedelta(weeks=1)
        at = occurrence(slot, monday, tz)
    return at.astimezone(tz)


def _this_week(
    session: Session, team: Team, person: Person, now: datetime, mine: dict[str, summaries.MyWeek]
) -> tuple[str, str | None, int]:
    """(week, the person's answer or None if not asked, moments logged) for the team's current week (their one
    delivery of that week, in whichever team they count in): from their own weeks read already, when it is one."""
    week = local_week(now, parse_tz(team.tz))  # the week "Log where AI helped" logs to
    if week in mine:
        return week, mine[week].answer, mine[week].moments
    delivery = cq.week_delivery(session, person.id, week)
    if delivery is None:
        return week, None, 0
    moments = session.exec(select(func.count()).select_from(Moment).where(Moment.delivery_id == delivery.id)).one()
    return week, delivery.answer, moments


def _my_team_week(
    session: Session,
    team: Team,
    person: Person,
    now: datetime,
    counted_in: str | None,
    mine: dict[str, summaries.MyWeek],
    away: date | None = None,
) -> MyTeamWeek:
    zone = member_zone(team, person)
    paused = team.paused or person.prompts_paused
    week, answer, moments = _this_week(session, team, person, now, mine)
    after = now
    if away is not None:  # no prompt through their last day away: the first one after it
        back = datetime.combine(away + timedelta(days=1), time(0), tzinfo=parse_tz(zone))
        after = max(now, back - timedelta(microseconds=1))
    return MyTeamWeek(
        team_id=team.id,
        team=team.name,
        week=week,
        zone=zone,
        next_prompt=None if paused else next_prompt_at(prompt_slot(team), parse_tz(zone), after),
        me_paused=person.prompts_paused,
        team_paused=team.paused,
        answer=answer,
        moments=moments,
        counted_in=counted_in,
        team_paused_until=team.paused_until if team.paused else None,
    )


def _panel_teams(session: Session, who: Caller) -> list[Team]:
    """Teams whose aggregate the viewer sees: their own first; for a workspace admin, then every other."""
    own = who.teams()
    if not who.is_admin:
        return own
    own_ids = {t.id for t in own}
    return own + [t for t in tq.list_teams(session) if t.id not in own_ids]


def home_data(engine: Engine, who: Caller, now: datetime, notice: str | None = None) -> HomeData:
    """Everything the viewer's Home shows, read in one session: their own weeks (one grouped query and their token
    summaries), their teams' weeks from those, and each team's published weeks and open week's answers."""
    member_of = sorted(who.member_of, key=lambda t: t.name.lower())
    with session_scope(engine) as session:
        person = tq.get_person(session, who.user_id)
        my_teams, weeks = [], []
        today = away = None
        if person is not None:
            today, away = person_today(session, person, now), away_until(session, person, now)
            weeks = summaries.my_weeks_in(session, person.id, MY_WEEKS, now)
            mine = {w.week: w for w in weeks if w.answer is not None}
            # which team counts them matters only when they are in several
            primary = tq.primary_teams(session, [person.id]).get(person.id) if len(member_of) > 1 else None
            names = {t.id: t.name for t in member_of}
            for t in member_of[:MAX_TEAMS]:
                counted_in = names.get(primary) if primary not in (None, t.id) else None
                my_teams.append(_my_team_week(session, t, person, now, counted_in, mine, away))
        teams = _panel_teams(session, who)
        panels = [
            TeamPanel(
                team_id=team.id,
                summary=summaries.team_summary_in(session, team, TEAM_WEEKS, now),
                digest_week=digest_week(team, now),
                can_manage=who.can_manage(team),
            )
            for team in teams[:MAX_TEAMS]
        ]
    return HomeData(
        my_teams=tuple(my_teams),
        more_my_teams=max(0, len(member_of) - len(my_teams)) if person else 0,
        weeks=tuple(weeks),
        panels=tuple(panels),
        more_panels=max(0, len(teams) - MAX_TEAMS),
        is_admin=who.is_admin,
        notice=notice,
        away_until=away,
        today=today,
    )


def publish_home(
    engine: Engine, client: WebClient, user_id: str, now: datetime | None = None, *, notice: str | None = None
) -> None:
    """Publish ``user_id``'s Home tab as it is now (``notice``: a line on top, e.g. what a button did)."""
    who = roles.caller(engine, client, user_id)
    data = home_data(engine, who, now or datetime.now(UTC), notice)
    client.views_publish(user_id=user_id, view=home_view(data))


def refresh_home(engine: Engine, client: WebClient, user_id: str, *, notice: str | None = None) -> bool:
    """``publish_home``, logging a Slack failure instead of raising: the answer that led here is stored
    already, and a Home that could not be refreshed must not turn into an error for it."""
    try:
        publish_home(engine, client, user_id, notice=notice)
    except (SlackApiError, SlackClientError, OSError) as exc:  # OSError: Slack unreachable
        log.warning("could not publish the Home tab of %s: %s", user_id, exc)
        return False
    return True
