"""What the schedule asks for right now: the prompts, reminders and digest that are due, sent once.

The scheduler's jobs fire these at each team's slot; the same functions run again every minute as
a safety net (after a restart, a crash mid-fan-out, or a rate-limited run), and each only does what
has not been done: deliveries, reminders and digests are claimed in the database before they go out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.holiday_calendar import calendar_of
from bot.schedule_spec import WorkingDay, due_digest_week, due_prompt, due_reminder, parse_tz
from bot.services import digests, membership, pausing, prompts, publication, pulls, reminders
from bot.services.teams import digest_slot, prompt_slot
from bot.services.timezones import member_zone, refresh_member_timezones
from storage.engine import session_scope
from storage.models import Digest, Person, Team
from storage.queries import cycles as cq
from storage.queries import teams as tq

log = logging.getLogger(__name__)
K = TypeVar("K")


def _active_team(engine: Engine, team_id: int) -> tuple[Team, list[Person]] | None:
    with session_scope(engine) as session:
        team = session.get(Team, team_id)
        if team is None or team.paused:
            return None
        return team, [p for p in tq.counted_members(session, team_id) if not p.prompts_paused]


def _group_by(team: Team, people: list[Person], due_in: Callable[[ZoneInfo], K | None]) -> dict[K, list[Person]]:
    """``people`` grouped by what is due for them in their zone (a week, or a week's prompt time)."""
    groups: dict[K, list[Person]] = {}
    for person in people:
        due = due_in(parse_tz(member_zone(team, person)))
        if due is not None:
            groups.setdefault(due, []).append(person)
    return groups


def _working_day(team: Team) -> WorkingDay | None:
    """The team's working days by its public holidays (``Team.holidays``); None without a calendar."""
    calendar = calendar_of(team.holidays)
    return None if calendar is None else calendar.working_day


def send_due_prompts(engine: Engine, client: WebClient, team_id: int, now: datetime) -> list[prompts.SendReport]:
    """Prompt every member whose local prompt time passed within the grace window and who has not had it."""
    found = _active_team(engine, team_id)
    if found is not None and membership.sync_if_due(engine, client, found[0], now):
        found = _active_team(engine, team_id)  # a channel or user group team's members, as just re-read
    if found is None:
        return []
    team, people = found
    slot, digest, working = prompt_slot(team), digest_slot(team), _working_day(team)
    reports = []
    for when, group in _group_by(team, people, lambda tz: due_prompt(slot, digest, now, tz, working)).items():
        report = prompts.fan_out(engine, client, team, when.week, group, now, holiday_week=when.holiday_week)
        if report.sent or report.failed or report.recovered or report.deferred or report.away:
            log.info(
                "prompts %s %s: %d sent, %d away, %d already, %d failed, %d recovered, %d deferred",
                team.name, when.week, len(report.sent), len(report.away), len(report.already), len(report.failed),
                len(report.recovered), report.deferred,
            )  # fmt: skip
        reports.append(report)
    return reports


def send_due_reminders(
    engine: Engine, client: WebClient, team_id: int, now: datetime
) -> list[reminders.ReminderReport]:
    """Remind members whose reminder time passed within the grace window and who have not answered."""
    found = _active_team(engine, team_id)
    if found is None:
        return []
    team, people = found
    slot, digest, hours, working = prompt_slot(team), digest_slot(team), team.reminder_hours, _working_day(team)
    reports = []
    for week, group in _group_by(team, people, lambda tz: due_reminder(slot, digest, hours, now, tz, working)).items():
        report = reminders.send_reminders(engine, client, team, week, group, now)
        if report.sent or report.failed or report.away:
            log.info(
                "reminders %s %s: %d sent, %d away, %d failed",
                team.name, week, len(report.sent), len(report.away), len(report.failed),
            )  # fmt: skip
        reports.append(report)
    return reports


def post_due_digest(engine: Engine, client: WebClient, team_id: int, now: datetime) -> Digest | None:
    """Post the digest if its time passed within the grace window (once per team-week)."""
    found = _active_team(engine, team_id)
    if found is None:
        return None
    team, _people = found
    week = due_digest_week(prompt_slot(team), digest_slot(team), now, parse_tz(team.tz))
    if week is None:
        return None
    with session_scope(engine) as session:
        prompted = cq.sent_count(session, team.id, week)
    if not prompted:
        log.info("no digest for %s %s: nobody was prompted that week (or everyone was away)", team.name, week)
        return None
    try:
        return digests.post_digest(engine, client, team, week, now)
    except digests.PostRefused as refused:  # nothing posted; the claim is back: the next minute tries again
        log.warning("digest for %s %s not posted: Slack refused it (%s)", team.name, week, refused.reason)
    except digests.PostUnknown as unknown:  # settled from the next minute on, by its metadata in the channel
        log.warning("digest for %s %s: %s; settled next minute", team.name, week, unknown.reason)
    return None


def run_due(engine: Engine, client: WebClient, team_id: int, now: datetime) -> None:
    """Everything due for one team: prompts, reminders and digest."""
    send_due_prompts(engine, client, team_id, now)
    send_due_reminders(engine, client, team_id, now)
    post_due_digest(engine, client, team_id, now)


def _each_team(engine: Engine, what: str, work: Callable[[int], object]) -> None:
    with session_scope(engine) as session:
        team_ids = tq.list_active_team_ids(session)
    for team_id in team_ids:
        try:
            work(team_id)
        except Exception:
            log.exception("%s for team %s failed; trying again next minute", what, team_id)


def refresh_time_zones(engine: Engine, client: WebClient, now: datetime) -> None:
    """Members' Slack time zones for teams prompted in local time (each looked up at most daily)."""

    def refresh(team_id: int) -> None:
        found = _active_team(engine, team_id)
        if found is not None:
            refresh_member_timezones(engine, client, found[0], now)

    _each_team(engine, "looking up time zones", refresh)


def catch_up(engine: Engine, client: WebClient, now: datetime) -> None:
    """Do whatever is due and not done yet for every active team; one team's trouble does not stop the others.
    Then close the weeks whose time has come without a digest (a paused team's, one whose digest failed)."""
    try:
        pausing.resume_ended_pauses(engine, now)  # a team paused through a day that is over runs again first
    except Exception:
        log.exception("ending team pauses that are over failed; trying again next minute")
    _each_team(engine, "catching up", lambda team_id: run_due(engine, client, team_id, now))
    try:
        publication.publish_closed(engine, now)
    except Exception:
        log.exception("publishing closed weeks failed; trying again next minute")
    try:
        pulls.run_due(engine, client, now)  # the USAGE_PULLS, once a day after 03:00 UTC
    except Exception:
        log.exception("scheduled usage pulls failed; trying again next minute")
