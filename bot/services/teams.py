"""Creating and looking up teams."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Engine

from bot.holiday_calendar import parse_holidays
from bot.schedule_spec import MAX_REMINDER_HOURS, Slot, parse_slot, parse_tz
from storage.engine import session_scope
from storage.models import Team
from storage.privacy import PRIVACY_FLOOR
from storage.queries import teams as q

CHANNEL_RE = re.compile(r"^[CG][A-Z0-9]{2,}$")
USER_RE = re.compile(r"^[UW][A-Z0-9]{2,}$")


class InvalidTeam(ValueError):
    pass


class UnknownTeam(LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no team named {name!r} (see `airetro team create`)")


@dataclass(frozen=True)
class TeamSpec:
    name: str
    channel_id: str
    member_ids: tuple[str, ...]
    tz: str
    prompt: Slot
    digest: Slot
    min_respondents: int = 3
    reminder_hours: int = 24
    per_member_tz: bool = False
    manager_ids: tuple[str, ...] = ()
    holidays: str | None = None  # "DE-BY", as stored (bot/holiday_calendar.py)


def team_spec(
    name: str,
    channel: str,
    members: list[str],
    tz: str,
    prompt: str,
    digest: str,
    min_respondents: int = 3,
    reminder_hours: int = 24,
    per_member_tz: bool = False,
    managers: list[str] | None = None,
    holidays: str | None = None,
) -> TeamSpec:
    """Validate operator input; raises InvalidTeam with a message naming the bad value."""
    if not name.strip():
        raise InvalidTeam("the team needs a name")
    if not CHANNEL_RE.match(channel):
        raise InvalidTeam(f"--channel {channel!r} is not a Slack channel ID like C0123ABCD")
    if len(set(members)) < PRIVACY_FLOOR:
        raise InvalidTeam(
            f"a team needs at least {PRIVACY_FLOOR} different --member: no figure is ever shown over fewer "
            "people, so that nobody's answers or tokens can be singled out"
        )
    for member in members:
        if not USER_RE.match(member):
            raise InvalidTeam(f"--member {member!r} is not a Slack user ID like U0123ABCD")
    for manager in managers or []:
        if not USER_RE.match(manager):
            raise InvalidTeam(f"--manager {manager!r} is not a Slack user ID like U0123ABCD")
    if min_respondents < PRIVACY_FLOOR:
        raise InvalidTeam(
            f"--min-respondents must be at least {PRIVACY_FLOOR}: no figure is ever shown over fewer people, "
            "so that nobody's answers or tokens can be singled out"
        )
    check_reminder_hours(reminder_hours)
    holidays_code = holidays_option(holidays) if holidays is not None else None
    try:
        parse_tz(tz)
        prompt_slot, digest_slot = parse_slot(prompt), parse_slot(digest)
    except ValueError as exc:
        raise InvalidTeam(str(exc)) from None
    return TeamSpec(
        name.strip(),
        channel,
        tuple(members),
        tz,
        prompt_slot,
        digest_slot,
        min_respondents,
        reminder_hours,
        per_member_tz,
        tuple(dict.fromkeys(managers or [])),
        holidays_code,
    )


def holidays_option(text: str) -> str | None:
    """``--holidays``: the stored code ("DE-BY"), None for "none"; InvalidTeam naming the option otherwise."""
    try:
        return parse_holidays(text)
    except ValueError as exc:
        raise InvalidTeam(f"--holidays: {exc}") from None


def check_reminder_hours(hours: int) -> None:
    if not 0 <= hours <= MAX_REMINDER_HOURS:
        raise InvalidTeam(f"--reminder-hours must be 0 (no reminder) to {MAX_REMINDER_HOURS}, not {hours}")


def create_team(engine: Engine, spec: TeamSpec) -> Team:
    with session_scope(engine) as session:
        try:
            team = q.create_team(
                session,
                name=spec.name,
                channel_id=spec.channel_id,
                tz=spec.tz,
                prompt=(spec.prompt.weekday, spec.prompt.hhmm),
                digest=(spec.digest.weekday, spec.digest.hhmm),
                min_respondents=spec.min_respondents,
                member_ids=list(spec.member_ids),
                reminder_hours=spec.reminder_hours,
                per_member_tz=spec.per_member_tz,
            )
        except q.TeamExists:
            raise InvalidTeam(f"a team named {spec.name!r} already exists") from None
        team.holidays = spec.holidays
        session.add(team)
        q.set_team_managers(session, team.id, list(spec.manager_ids))
        return team


def find_team(engine: Engine, name: str) -> Team:
    with session_scope(engine) as session:
        team = q.get_team(session, name)
    if team is None:
        raise UnknownTeam(name)
    return team


def prompt_slot(team: Team) -> Slot:
    return Slot(team.prompt_weekday, team.prompt_time)


def digest_slot(team: Team) -> Slot:
    return Slot(team.digest_weekday, team.digest_time)


@dataclass(frozen=True)
class ScheduleChange:
    """What an operator changes about a team's schedule; None leaves a field as it is."""

    tz: str | None = None
    prompt: str | None = None
    digest: str | None = None
    reminder_hours: int | None = None
    per_member_tz: bool | None = None
    paused: bool | None = None
    holidays: str | None = None  # as typed: a code, or "none" to clear


def change_schedule(engine: Engine, name: str, change: ScheduleChange) -> Team:
    """Validate and store a schedule change (nothing is stored if any value is bad)."""
    try:
        tz = parse_tz(change.tz).key if change.tz is not None else None
        prompt = parse_slot(change.prompt) if change.prompt is not None else None
        digest = parse_slot(change.digest) if change.digest is not None else None
    except ValueError as exc:
        raise InvalidTeam(str(exc)) from None
    if change.reminder_hours is not None:
        check_reminder_hours(change.reminder_hours)
    holidays = holidays_option(change.holidays) if change.holidays is not None else None
    with session_scope(engine) as session:
        team = q.get_team(session, name)
        if team is None:
            raise UnknownTeam(name)
        if tz is not None:
            team.tz = tz
        if prompt is not None:
            team.prompt_weekday, team.prompt_time = prompt.weekday, prompt.hhmm
        if digest is not None:
            team.digest_weekday, team.digest_time = digest.weekday, digest.hhmm
        if change.holidays is not None:
            team.holidays = holidays
        for field_name in ("reminder_hours", "per_member_tz", "paused"):
            value = getattr(change, field_name)
            if value is not None:
                setattr(team, field_name, value)
        if change.paused is not None:  # paused or resumed by hand: with no end date
            team.paused_until = None
        session.add(team)
    return team


def delete_team(engine: Engine, name: str) -> None:
    with session_scope(engine) as session:
        team = q.get_team(session, name)
        if team is None:
            raise UnknownTeam(name)
        session.delete(team)
