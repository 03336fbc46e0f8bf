"""Members' own time zones (Slack's ``users.info`` → ``tz``), for teams prompted in local time."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine

from bot.schedule_spec import parse_tz
from storage.engine import session_scope
from storage.models import Person, Team
from storage.queries import teams as tq

log = logging.getLogger(__name__)
REFRESH_AFTER = timedelta(hours=24)


def member_zone(team: Team, person: Person) -> str:
    """Where ``person`` is prompted: their own Slack time zone if the team wants that and it is known."""
    if team.per_member_tz and person.tz:
        try:
            parse_tz(person.tz)
            return person.tz
        except ValueError:
            log.warning("ignoring unknown time zone %r of %s", person.tz, person.slack_user_id)
    return team.tz


def refresh_member_timezones(engine: Engine, client: WebClient, team: Team, now: datetime) -> int:
    """Look up the time zone of members not checked in the last day; returns how many were looked up."""
    if not team.per_member_tz:
        return 0
    cutoff = now - REFRESH_AFTER
    with session_scope(engine) as session:
        stale = [p for p in tq.team_members(session, team.id) if p.tz_checked_at is None or p.tz_checked_at < cutoff]
    for person in stale:
        try:
            tz = client.users_info(user=person.slack_user_id)["user"].get("tz")
        except SlackApiError as exc:
            log.warning("no time zone for %s: %s", person.slack_user_id, exc.response.get("error"))
            tz = None
        with session_scope(engine) as session:
            tq.set_person_tz(session, person.id, tz, now)
    return len(stale)
