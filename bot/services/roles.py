"""Who is calling: member, team manager or workspace admin. Checked on the server for every command,
button and modal submission; a payload naming a team the caller may not touch changes nothing."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import Engine

from storage.engine import session_scope
from storage.models import Team
from storage.queries import teams as tq

log = logging.getLogger(__name__)

ADMIN_ONLY = "Only a workspace admin can create a team. Ask an admin to run `/airetro setup`."


class NotAllowed(PermissionError):
    """The caller's role does not allow this; the message is meant for them."""


@dataclass(frozen=True)
class Caller:
    user_id: str
    is_admin: bool
    member_of: tuple[Team, ...]
    manages: tuple[Team, ...]

    @property
    def is_manager(self) -> bool:
        return bool(self.manages)

    def can_manage(self, team: Team) -> bool:
        return self.is_admin or any(t.id == team.id for t in self.manages)

    def can_view(self, team: Team) -> bool:
        """Team aggregates: its members, its managers and workspace admins."""
        return self.can_manage(team) or any(t.id == team.id for t in self.member_of)

    def teams(self) -> list[Team]:
        """Every team the caller belongs to or manages, by name, each once."""
        seen = {t.id: t for t in (*self.member_of, *self.manages)}
        return sorted(seen.values(), key=lambda t: t.name.lower())


def is_workspace_admin(client: WebClient, user_id: str) -> bool:
    """``users.info`` → ``is_admin`` or ``is_owner``; an error counts as not an admin."""
    try:
        user = client.users_info(user=user_id)["user"]
    except (SlackApiError, SlackClientError) as exc:
        log.warning("users.info for %s failed (%s): treated as not an admin", user_id, exc)
        return False
    return bool(user.get("is_admin") or user.get("is_owner"))


def caller(engine: Engine, client: WebClient, user_id: str) -> Caller:
    with session_scope(engine) as session:
        member_of = tuple(tq.teams_of(session, user_id))
        manages = tuple(tq.managed_by(session, user_id))
    return Caller(user_id, is_workspace_admin(client, user_id), member_of, manages)


def require_manager(who: Caller, team: Team) -> None:
    if not who.can_manage(team):
        raise NotAllowed(f"Only {team.name}'s managers or a workspace admin can do that.")


def require_viewer(who: Caller, team: Team) -> None:
    if not who.can_view(team):
        raise NotAllowed(f"You are not in {team.name}, so its figures are not yours to see.")


def member_team(engine: Engine, user_id: str, team_id: int) -> Team | None:
    """The team if ``user_id`` is one of its members; None otherwise (a crafted button value or form)."""
    with session_scope(engine) as session:
        team = next((t for t in tq.teams_of(session, user_id) if t.id == team_id), None)
    if team is None:
        log.warning("user %s is not a member of team %s", user_id, team_id)
    return team


def managed_team(engine: Engine, who: Caller, team_id: int) -> Team | None:
    """The team if ``who`` may manage it (its manager, or a workspace admin); None otherwise."""
    with session_scope(engine) as session:
        team = session.get(Team, team_id)
    if team is None or not who.can_manage(team):
        log.warning("user %s may not manage team %s", who.user_id, team_id)
        return None
    return team
