"""Keeping the job store in step with the teams table: new, changed, paused and deleted teams."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy import Engine

from bot.schedule_spec import shifted
from bot.scheduler import jobs
from bot.scheduler.triggers import WeeklyTrigger, weekly_trigger
from bot.services.teams import digest_slot, prompt_slot
from bot.services.timezones import member_zone
from storage.engine import session_scope
from storage.models import Team
from storage.queries import teams as tq

STORE = "default"


@dataclass(frozen=True)
class JobSpec:
    id: str
    kind: str  # prompt | reminder | digest
    func: str
    trigger: WeeklyTrigger
    team_id: int
    zone: str


def job_id(kind: str, team_id: int, zone: str | None = None) -> str:
    return f"{kind}:{team_id}:{zone}" if zone else f"{kind}:{team_id}"


def parse_job_id(value: str) -> tuple[str, int, str | None]:
    """(kind, team id, zone or None) of an id made by ``job_id``."""
    kind, team_id, *zone = value.split(":", 2)
    return kind, int(team_id), zone[0] if zone else None


def team_job_specs(team: Team, zones: Iterable[str]) -> list[JobSpec]:
    """The jobs a team needs: prompt and reminder in each zone its members are prompted in, one digest."""
    specs = []
    for zone in sorted(set(zones)):
        prompt = prompt_slot(team)
        specs.append(
            JobSpec(job_id("prompt", team.id, zone), "prompt", jobs.PROMPT, weekly_trigger(prompt, zone), team.id, zone)
        )
        if team.reminder_hours > 0:
            reminder = weekly_trigger(shifted(prompt, team.reminder_hours), zone)
            specs.append(JobSpec(job_id("reminder", team.id, zone), "reminder", jobs.REMINDER, reminder, team.id, zone))
    specs.append(
        JobSpec(
            job_id("digest", team.id),
            "digest",
            jobs.DIGEST,
            weekly_trigger(digest_slot(team), team.tz),
            team.id,
            team.tz,
        )
    )
    return specs


def wanted_jobs(engine: Engine) -> list[JobSpec]:
    with session_scope(engine) as session:
        specs = []
        for team in tq.list_teams(session, include_paused=False):
            members = [p for p in tq.team_members(session, team.id) if not p.prompts_paused]
            zones = {member_zone(team, p) for p in members} or {team.tz}
            specs.extend(team_job_specs(team, zones))
    return specs


def _same(job: object, spec: JobSpec) -> bool:
    trigger = job.trigger
    return (
        job.func_ref == spec.func
        and tuple(job.args) == (spec.team_id,)
        and str(trigger) == str(spec.trigger)
        and str(trigger.timezone) == str(spec.trigger.timezone)
    )


def sync_jobs(scheduler: BaseScheduler, engine: Engine) -> None:
    """Make the persistent jobs match the teams table.

    An unchanged job is left alone, so a run it missed while the scheduler was down is still due;
    a changed schedule replaces the job (next run from now on); a paused or deleted team loses its jobs.
    """
    wanted = {spec.id: spec for spec in wanted_jobs(engine)}
    existing = {job.id: job for job in scheduler.get_jobs(jobstore=STORE)}
    for spec in wanted.values():
        job = existing.get(spec.id)
        if job is not None and _same(job, spec):
            continue
        scheduler.add_job(
            spec.func,
            spec.trigger,
            args=(spec.team_id,),
            id=spec.id,
            name=spec.id,
            jobstore=STORE,
            replace_existing=True,
        )
    for job_id, job in existing.items():
        if job_id not in wanted:
            job.remove()
