"""Creating and looking up teams."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Engine

from bot.schedule_spec import Slot, parse_slot, parse_tz
from storage.engine import session_scope
from storage.models import Team
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


def team_spec(
    name: str, channel: str, members: list[str], tz: str, prompt: str, digest: str, min_respondents: int = 3
) -> TeamSpec:
    """Validate operator input; raises InvalidTeam with a message naming the bad value."""
    if not name.strip():
        raise InvalidTeam("the team needs a name")
    if not CHANNEL_RE.match(channel):
        raise InvalidTeam(f"--channel {channel!r} is not a Slack channel ID like C0123ABCD")
    if not members:
        raise InvalidTeam("a team needs at least one --member")
    for member in members:
        if not USER_RE.match(member):
            raise InvalidTeam(f"--member {member!r} is not a Slack user ID like U0123ABCD")
    if min_respondents < 1:
        raise InvalidTeam("--min-respondents must be at least 1")
    try:
        parse_tz(tz)
        prompt_slot, digest_slot = parse_slot(prompt), parse_slot(digest)
    except ValueError as exc:
        raise InvalidTeam(str(exc)) from None
    return TeamSpec(name.strip(), channel, tuple(members), tz, prompt_slot, digest_slot, min_respondents)


def create_team(engine: Engine, spec: TeamSpec) -> Team:
    with session_scope(engine) as session:
        try:
            return q.create_team(
                session,
                name=spec.name,
                channel_id=spec.channel_id,
                tz=spec.tz,
                prompt=(spec.prompt.weekday, spec.prompt.hhmm),
                digest=(spec.digest.weekday, spec.digest.hhmm),
                min_respondents=spec.min_respondents,
                member_ids=list(spec.member_ids),
            )
        except q.TeamExists:
            raise InvalidTeam(f"a team named {spec.name!r} already exists") from None


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
