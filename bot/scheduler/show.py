"""``airetro schedule show``: every job's next run, in the team's local time and in UTC."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine

from bot.schedule_spec import GRACE, parse_tz
from bot.scheduler.process import job_store
from bot.scheduler.sync import STORE, parse_job_id, sync_jobs
from storage.engine import session_scope
from storage.models import Team
from storage.queries import teams as tq

KIND_ORDER = {"prompt": 0, "reminder": 1, "digest": 2}


@dataclass(frozen=True)
class JobRow:
    kind: str
    zone: str
    next_run: datetime | None


@dataclass(frozen=True)
class TeamSchedule:
    team: Team
    jobs: list[JobRow]


def team_schedules(engine: Engine, team_name: str | None = None) -> list[TeamSchedule]:
    """The teams (or one team) with their jobs as the job store holds them, brought up to date first."""
    with session_scope(engine) as session:
        teams = tq.list_teams(session)
    if team_name is not None:
        teams = [t for t in teams if t.name == team_name]
    with job_store(engine) as scheduler:
        sync_jobs(scheduler, engine)
        stored = scheduler.get_jobs(jobstore=STORE)
    result = []
    for team in teams:
        rows = []
        for job in stored:
            kind, team_id, zone = parse_job_id(job.id)
            if team_id == team.id:
                rows.append(JobRow(kind, zone or team.tz, job.next_run_time))
        rows.sort(key=lambda r: (KIND_ORDER.get(r.kind, 9), r.next_run or datetime.max.replace(tzinfo=UTC), r.zone))
        result.append(TeamSchedule(team, rows))
    return result


def _when(at: datetime, tz: str) -> str:
    local = at.astimezone(parse_tz(tz))
    return f"{local:%a %Y-%m-%d %H:%M} {local.tzname()}"


def format_schedules(schedules: list[TeamSchedule], now: datetime) -> str:
    """Plain text, one block per team (pure)."""
    lines = []
    for entry in schedules:
        team = entry.team
        lines.append(f"{team.name} ({team.tz}){'  paused: no jobs' if team.paused else ''}")
        if team.per_member_tz and not team.paused:
            lines.append("  members are prompted at the team's time in their own Slack time zone")
        for row in entry.jobs:
            label = row.kind if row.zone == team.tz else f"{row.kind} ({row.zone})"
            if row.next_run is None:
                lines.append(f"  {label:<32} not scheduled")
                continue
            when = f"{_when(row.next_run, team.tz):<26} {row.next_run.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
            if row.next_run < now:
                late = "runs at the scheduler's start" if now - row.next_run <= GRACE else "missed; skipped"
                when += f"  (overdue: {late})"
            lines.append(f"  {label:<32} {when}")
        if not entry.jobs and not team.paused:
            lines.append("  no jobs")
    return "\n".join(lines) if lines else "No teams yet (see `airetro team create`)."


def pull_lines(engine: Engine, now: datetime) -> list[str]:
    """The scheduled usage pulls (``USAGE_PULLS``) with their last run, outcome and next run."""
    from bot.services import pulls

    return pulls.format_statuses(pulls.statuses(engine), now)
