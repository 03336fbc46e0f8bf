"""Which team a command means: the one named (#channel, user group, name), the one whose channel the
command was typed in, or the caller's only team. Ambiguity is answered with the choices, not a guess."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine
from sqlmodel import select

from bot.formatting import bold_names, slack_escape
from bot.listeners.commands.parse import TeamRef
from bot.services.roles import Caller
from storage.engine import session_scope
from storage.models import Team
from storage.queries import teams as tq


class TeamNotFound(LookupError):
    """No (single) team matches; the message says what to type instead."""


def team_names(teams: Sequence[Team]) -> str:
    return bold_names([t.name for t in teams])


def resolve_team(
    engine: Engine, who: Caller, ref: TeamRef | None, channel_id: str, command: str, *, managed: bool = False
) -> Team:
    """The team ``ref`` names, or the obvious one when it names none.

    ``managed``: without a reference, choose among the teams the caller manages (admins: all teams).
    Access is not checked here; callers check the role for what they are about to do.
    """
    with session_scope(engine) as session:
        if ref is not None:
            return _named(session, ref)
        in_channel = tq.teams_in_channel(session, channel_id)
        if len(in_channel) == 1:
            return in_channel[0]
        if managed:
            choices = tq.list_teams(session) if who.is_admin else list(who.manages)
        else:
            choices = who.teams()
    if len(choices) == 1:
        return choices[0]
    if not choices:
        if managed:
            raise TeamNotFound("You don't manage a team. A workspace admin can set one up with `/airetro setup`.")
        raise TeamNotFound("You're not in a team yet. Ask your manager to add you with `/airetro setup`.")
    raise TeamNotFound(f"Which team? Say `/airetro {command} <team>`, one of: {team_names(choices)}.")


def _named(session: object, ref: TeamRef) -> Team:
    if ref.channel_id:
        teams = tq.teams_in_channel(session, ref.channel_id)
        if len(teams) > 1:
            raise TeamNotFound(f"Several teams post in <#{ref.channel_id}>: name one of {team_names(teams)}.")
        if teams:
            return teams[0]
        raise TeamNotFound(f"No team posts its digest in <#{ref.channel_id}>.")
    if ref.usergroup_id:
        team = session.exec(select(Team).where(Team.usergroup_id == ref.usergroup_id)).first()
        if team is None:
            raise TeamNotFound(f"No team is kept in sync with <!subteam^{ref.usergroup_id}>.")
        return team
    team = tq.find_team_by_name(session, ref.name or "")
    if team is None:
        raise TeamNotFound(f"There is no team named *{slack_escape(ref.name or '')}*.")
    return team
