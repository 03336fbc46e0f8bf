"""A person's primary team: the one team whose figures they count in each week, and that prompts them.

A member of several teams counts in exactly one of them a week (``storage.queries.teams.primary_teams``:
the team they chose while they are still in it, else the one they joined first). Choosing another takes
effect from their next weekly prompt: a week they were already asked stays with the team that asked
(one delivery per person and week, in whichever team sent it).

Used by ``/airetro primary`` (the person themselves) and by the CLI (an admin, for someone else).
"""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session

from bot.services.home import refresh_home
from bot.services.teams import UnknownTeam
from storage.engine import session_scope
from storage.models import Team
from storage.queries import teams as tq


@dataclass(frozen=True)
class TeamBrief:
    """A team as a person's privacy pages name it."""

    id: int
    name: str
    min_respondents: int


@dataclass(frozen=True)
class Standing:
    """Which team a person counts in, and the other teams they are in (by name)."""

    primary: TeamBrief | None = None
    others: tuple[TeamBrief, ...] = ()

    @property
    def teams(self) -> tuple[TeamBrief, ...]:
        """Every team they are a member of, by name."""
        return tuple(sorted((*([self.primary] if self.primary else []), *self.others), key=lambda t: t.name.lower()))


@dataclass(frozen=True)
class PrimaryChange:
    """The outcome of choosing a primary team."""

    slack_user_id: str
    team: str  # the team they count in from their next prompt on
    previous: str | None  # the team they counted in before
    changed: bool  # False when they already counted in ``team``
    only_team: bool  # it is their only team: nothing to choose


class NotAMember(LookupError):
    """The person is not a member of the team they (or an admin) chose as primary."""

    def __init__(self, slack_user_id: str, team: str, teams: tuple[str, ...]) -> None:
        self.slack_user_id = slack_user_id
        self.team = team
        self.teams = teams  # the teams they are a member of, by name
        theirs = ", ".join(repr(t) for t in teams) if teams else "none"
        super().__init__(
            f"{slack_user_id} is not a member of {team!r}, so it cannot be their primary team (their teams: {theirs})"
        )


def _brief(team: Team) -> TeamBrief:
    return TeamBrief(team.id, team.name, team.min_respondents)


def _standing(session: Session, slack_user_id: str) -> Standing:
    person = tq.get_person(session, slack_user_id)
    teams = tq.teams_of(session, slack_user_id)
    if person is None or not teams:
        return Standing()
    primary_id = tq.primary_teams(session, [person.id]).get(person.id)
    primary = next((t for t in teams if t.id == primary_id), teams[0])
    return Standing(_brief(primary), tuple(_brief(t) for t in teams if t.id != primary.id))


def standing(engine: Engine, slack_user_id: str) -> Standing:
    """The team ``slack_user_id`` counts in and their other teams; empty when they are in no team."""
    with session_scope(engine) as session:
        return _standing(session, slack_user_id)


def set_primary(
    engine: Engine, slack_user_id: str, team: Team | str, *, client: WebClient | None = None
) -> PrimaryChange:
    """Make ``team`` (a team, or its name, any case) the one ``slack_user_id`` counts in from their next prompt.

    Raises ``UnknownTeam`` for a name no team has and ``NotAMember`` when they are not in the team.
    With ``client``, their Home tab is published again to show it.
    """
    with session_scope(engine) as session:
        chosen = tq.find_team_by_name(session, team) if isinstance(team, str) else session.get(Team, team.id)
        if chosen is None:
            raise UnknownTeam(team if isinstance(team, str) else team.name)
        before = _standing(session, slack_user_id)
        if all(t.id != chosen.id for t in before.teams):
            raise NotAMember(slack_user_id, chosen.name, tuple(t.name for t in before.teams))
        person = tq.get_person(session, slack_user_id)
        changed = before.primary is None or before.primary.id != chosen.id
        if person.primary_team_id != chosen.id:
            tq.set_primary_team(session, person.id, chosen.id)
        result = PrimaryChange(
            slack_user_id=slack_user_id,
            team=chosen.name,
            previous=before.primary.name if before.primary else None,
            changed=changed,
            only_team=not before.others,
        )
    if changed and client is not None:
        refresh_home(engine, client, slack_user_id)
    return result
