"""Whose "today": a person's own date (their Slack time zone, else their team's, else UTC) and a team's."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.schedule_spec import parse_tz
from storage.models import Person, Team
from storage.queries import teams as tq

log = logging.getLogger(__name__)


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return parse_tz(name)
    except ValueError:
        log.warning("ignoring unknown time zone %r", name)
        return None


def team_today(team: Team, now: datetime) -> date:
    """The team's date at ``now`` (aware), in its time zone."""
    return now.astimezone(_zone(team.tz) or UTC).date()


def person_zone(session: Session, person: Person) -> ZoneInfo:
    """The zone a person's dates are read in: their Slack time zone if known, else the team they count in, else
    UTC."""
    zone = _zone(person.tz)
    if zone is not None:
        return zone
    team_id = tq.primary_teams(session, [person.id]).get(person.id)
    team = session.get(Team, team_id) if team_id is not None else None
    return (_zone(team.tz) if team is not None else None) or ZoneInfo("UTC")


def person_today(session: Session, person: Person, now: datetime) -> date:
    """The person's own date at ``now`` (aware)."""
    return now.astimezone(person_zone(session, person)).date()


def away_until(session: Session, person: Person, now: datetime) -> date | None:
    """The last day the person is away (``/airetro away until``), while that is today or later; else None."""
    if person.away_until is None or person.away_until < person_today(session, person, now):
        return None
    return person.away_until
