"""The in-process weekly schedule: each team's prompts and digest at its weekday, time and time zone."""

from __future__ import annotations

import logging
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.schedule_spec import WEEKDAYS, Slot
from bot.services import digests, prompts
from bot.services.teams import digest_slot, prompt_slot
from storage.engine import session_scope
from storage.models import Team
from storage.queries import teams as tq

log = logging.getLogger(__name__)
MISFIRE_GRACE_SECONDS = 12 * 3600


def weekly_trigger(slot: Slot, tz: str) -> CronTrigger:
    hour, minute = slot.hhmm.split(":")
    return CronTrigger(day_of_week=WEEKDAYS[slot.weekday], hour=int(hour), minute=int(minute), timezone=tz)


def next_runs(team: Team, now: datetime) -> dict[str, datetime]:
    """When the team's prompt and digest jobs fire next after ``now`` (aware datetimes)."""
    return {
        "prompt": weekly_trigger(prompt_slot(team), team.tz).get_next_fire_time(None, now),
        "digest": weekly_trigger(digest_slot(team), team.tz).get_next_fire_time(None, now),
    }


def run_prompts(engine: Engine, client: WebClient, team_id: int) -> None:
    with session_scope(engine) as session:
        team = session.get(Team, team_id)
    if team is None or team.paused:
        return
    report = prompts.send_prompts(engine, client, team)
    log.info("prompts %s %s: %d sent, %d failed", team.name, report.week, len(report.sent), len(report.failed))


def run_digest(engine: Engine, client: WebClient, team_id: int) -> None:
    with session_scope(engine) as session:
        team = session.get(Team, team_id)
    if team is None or team.paused:
        return
    digests.post_digest(engine, client, team, digests.digest_week(team))


SYNC_MINUTES = 5


def _add_or_update(
    scheduler: BackgroundScheduler, job_id: str, func: object, trigger: CronTrigger, args: tuple
) -> None:
    job = scheduler.get_job(job_id)
    if job is not None and str(job.trigger) == str(trigger) and job.trigger.timezone == trigger.timezone:
        return
    scheduler.add_job(
        func, trigger, args=args, id=job_id, replace_existing=True, misfire_grace_time=MISFIRE_GRACE_SECONDS
    )


def sync_jobs(scheduler: BackgroundScheduler, engine: Engine, client: WebClient) -> None:
    """Make the scheduler's jobs match the teams in the database (new, changed, paused, deleted)."""
    with session_scope(engine) as session:
        teams = tq.list_teams(session, include_paused=False)
    wanted = set()
    for team in teams:
        args = (engine, client, team.id)
        wanted |= {f"prompt:{team.id}", f"digest:{team.id}"}
        _add_or_update(scheduler, f"prompt:{team.id}", run_prompts, weekly_trigger(prompt_slot(team), team.tz), args)
        _add_or_update(scheduler, f"digest:{team.id}", run_digest, weekly_trigger(digest_slot(team), team.tz), args)
    for job in scheduler.get_jobs():
        if job.id.split(":")[0] in ("prompt", "digest") and job.id not in wanted:
            job.remove()


def build_scheduler(engine: Engine, client: WebClient) -> BackgroundScheduler:
    """A scheduler with a prompt and a digest job per active team, re-synced every few minutes (not started)."""
    scheduler = BackgroundScheduler(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1})
    sync_jobs(scheduler, engine, client)
    scheduler.add_job(sync_jobs, "interval", minutes=SYNC_MINUTES, args=(scheduler, engine, client), id="sync")
    return scheduler
