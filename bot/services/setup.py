"""Setting a team up from Slack: opening the setup modal, checking a submission against the database and
the caller's role, and saving it (team, managers, members, persistent jobs, a confirmation to the caller).

Creating a team needs a workspace admin; changing one needs one of its managers or an admin. Both are
checked when the modal opens and again when it is submitted (the submission could be crafted).
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.blocks.setup import SetupValues, UserGroup, confirmation, new_team_values, same_setup, setup_view, values_of
from bot.formatting import slack_escape
from bot.scheduler.process import reschedule
from bot.services import membership, roles
from bot.services.roles import Caller, NotAllowed
from storage.engine import session_scope
from storage.models import Team
from storage.privacy import PRIVACY_FLOOR
from storage.queries import teams as tq

log = logging.getLogger(__name__)
GONE = "That team no longer exists. A workspace admin can set up a new one with `/airetro setup new`."


# -- opening the modal ---------------------------------------------------------------------------


def _user_tz(client: WebClient, user_id: str) -> str | None:
    try:
        return client.users_info(user=user_id)["user"].get("tz")
    except (SlackApiError, SlackClientError) as exc:
        log.warning("users.info for %s failed (%s): new team defaults to UTC", user_id, exc)
        return None


def list_usergroups(client: WebClient) -> list[UserGroup]:
    """The workspace's user groups (``usergroups.list``); none when Slack won't say."""
    try:
        groups = client.usergroups_list().get("usergroups") or []
    except (SlackApiError, SlackClientError) as exc:
        log.warning("usergroups.list failed (%s): the setup form offers no user groups", exc)
        return []
    return [
        UserGroup(g["id"], g.get("handle") or g["id"], g.get("name") or "")
        for g in groups
        if g.get("id") and not g.get("date_delete")
    ]


def _team_values(session: Session, team: Team) -> SetupValues:
    members = [p.slack_user_id for p in tq.team_members(session, team.id)]
    managers = [p.slack_user_id for p in tq.team_managers(session, team.id)]
    return values_of(team, members, managers)


def stored_values(engine: Engine, team_id: int) -> SetupValues | None:
    with session_scope(engine) as session:
        team = session.get(Team, team_id)
        return None if team is None else _team_values(session, team)


def open_setup_modal(
    engine: Engine,
    client: WebClient,
    trigger_id: str,
    user_id: str,
    team: Team | None,
    *,
    who: Caller | None = None,
) -> None:
    """Open the setup modal for ``team`` (None: a new team) if the caller may; raises NotAllowed otherwise.

    ``who``: the caller's roles when already looked up in this same request (saves a ``users.info``).
    """
    who = who if who is not None and who.user_id == user_id else roles.caller(engine, client, user_id)
    if team is None:
        if not who.is_admin:
            raise NotAllowed(roles.ADMIN_ONLY)
        values, team_id = new_team_values(user_id, _user_tz(client, user_id)), None
    else:
        roles.require_manager(who, team)
        values, team_id = stored_values(engine, team.id), team.id
        if values is None:
            raise NotAllowed(GONE)
    client.views_open(trigger_id=trigger_id, view=setup_view(values, team_id, list_usergroups(client)))


# -- checking a submission -----------------------------------------------------------------------


def refusal(engine: Engine, who: Caller, team_id: int | None) -> str | None:
    """Why the caller may not save this form (None: they may)."""
    if team_id is None:
        return None if who.is_admin else roles.ADMIN_ONLY
    with session_scope(engine) as session:
        team = session.get(Team, team_id)
    if team is None:
        return GONE
    if not who.can_manage(team):
        return f"Only {team.name}'s managers or a workspace admin can change its setup."
    return None


class Clash(enum.Enum):
    NONE = "none"
    TAKEN = "taken"  # another team has the name
    REPEATED = "repeated"  # this very form was saved already (a double submit): nothing to do


def name_clash(engine: Engine, who: Caller, team_id: int | None, name: str, values: SetupValues | None) -> Clash:
    """Whether ``name`` belongs to another team; REPEATED when this admin's new-team form was saved already."""
    if not name:
        return Clash.NONE
    with session_scope(engine) as session:
        other = tq.find_team_by_name(session, name)
    if other is None or other.id == team_id:
        return Clash.NONE
    if team_id is None and values is not None and who.can_manage(other):
        stored = stored_values(engine, other.id)
        if stored is not None and same_setup(stored, values):
            return Clash.REPEATED
    return Clash.TAKEN


def taken_message(name: str) -> str:
    return f"There is already a team named \u201c{name}\u201d. Choose another name."


# -- saving ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Saved:
    team_id: int
    created: bool
    changed: bool
    member_count: int


def _apply(team: Team, values: SetupValues) -> None:
    team.name = values.name
    team.channel_id = values.channel_id
    team.tz = values.tz
    team.prompt_weekday, team.prompt_time = values.prompt.weekday, values.prompt.hhmm
    team.digest_weekday, team.digest_time = values.digest.weekday, values.digest.hhmm
    team.reminder_hours = values.reminder_hours
    team.min_respondents = values.min_respondents
    team.share_free_text = values.share_free_text
    team.holidays = values.holidays
    if team.membership != values.membership or team.usergroup_id != values.usergroup_id:
        team.members_synced_at = None
    team.membership = values.membership
    team.usergroup_id = values.usergroup_id


def _members_from_slack(client: WebClient, values: SetupValues) -> tuple[list[str] | None, str | None]:
    """(member ids, None) read from the channel or user group, or (None, why not) when Slack won't say."""
    try:
        return membership.resolve_members(client, values.membership, values.channel_id, values.usergroup_id), None
    except membership.MembersUnavailable as exc:
        where = f"<#{values.channel_id}>" if values.membership == "channel" else f"<!subteam^{values.usergroup_id}>"
        return None, (
            f"Could not read who is in {where}: {exc}. Members are read again at the next weekly prompt; "
            "until then the team keeps the members it had."
        )


def save_setup(
    engine: Engine, team_id: int | None, values: SetupValues, member_ids: list[str] | None, now: datetime
) -> Saved | None:
    """Create or update the team, its managers and members in one transaction; None if the team is gone.

    ``member_ids`` None keeps the current members (Slack could not say who is in the channel/group).
    Raises IntegrityError when another team took the name meanwhile (nothing is saved then).
    """
    with session_scope(engine) as session:
        if team_id is None:
            team = Team(
                name=values.name,
                channel_id=values.channel_id,
                tz=values.tz,
                prompt_weekday=values.prompt.weekday,
                prompt_time=values.prompt.hhmm,
                digest_weekday=values.digest.weekday,
                digest_time=values.digest.hhmm,
                created_at=now,
            )
            before_members: list[str] = []
            before = None
        else:
            team = session.get(Team, team_id)
            if team is None:
                return None
            before = _team_values(session, team)
            before_members = list(before.member_ids)
        _apply(team, values)
        session.add(team)
        session.flush()
        tq.set_team_managers(session, team.id, list(values.manager_ids))
        if member_ids is not None:
            tq.set_team_members(session, team.id, member_ids)
            if values.membership in membership.SYNCED:
                team.members_synced_at = now
                session.add(team)
        after_members = [p.slack_user_id for p in tq.team_members(session, team.id)]
        changed = before is None or not same_setup(before, values) or sorted(before_members) != sorted(after_members)
        return Saved(team.id, before is None, changed, len(after_members))


def _confirm(client: WebClient, user_id: str, values: SetupValues, saved: Saved, problems: list[str]) -> None:
    text, blocks = confirmation(values, created=saved.created, member_count=saved.member_count, problems=problems)
    try:
        client.chat_postMessage(channel=user_id, text=text, blocks=[b.to_dict() for b in blocks])
    except (SlackApiError, SlackClientError) as exc:
        log.warning("setup confirmation to %s not sent: %s", user_id, exc)


def _tell(client: WebClient, user_id: str, text: str) -> None:
    try:
        client.chat_postMessage(channel=user_id, text=text)
    except (SlackApiError, SlackClientError) as exc:
        log.warning("setup message to %s not sent: %s", user_id, exc)


def submit_setup(
    engine: Engine, client: WebClient, user_id: str, team_id: int | None, values: SetupValues
) -> Saved | None:
    """After the ack: read members from Slack if they come from there, save, reschedule, confirm.

    A submission that changes nothing (a double submit, an unchanged form) posts no confirmation.
    """
    now = datetime.now(UTC)
    problems: list[str] = []
    if values.membership == "people":
        member_ids: list[str] | None = list(values.member_ids)
    else:
        member_ids, problem = _members_from_slack(client, values)
        if problem:
            problems.append(problem)
    try:
        saved = save_setup(engine, team_id, values, member_ids, now)
    except IntegrityError:
        who = roles.caller(engine, client, user_id)
        if name_clash(engine, who, team_id, values.name, values) is not Clash.REPEATED:
            _tell(client, user_id, f"Nothing was saved: {taken_message(slack_escape(values.name))}")
        log.info("setup of %r not saved: the name was taken meanwhile", values.name)
        return None
    if saved is None:
        _tell(client, user_id, f"Nothing was saved. {GONE}")
        return None
    if not saved.changed:
        log.info("setup of team %s saved unchanged; no confirmation", saved.team_id)
        return saved
    if saved.member_count < PRIVACY_FLOOR:
        problems.append(
            f"The team has {saved.member_count} of the {PRIVACY_FLOOR} people it needs: until more join, its digest "
            "shows how many answered and nothing else, so that nobody's answers or tokens can be singled out."
        )
    reschedule(engine)
    _confirm(client, user_id, values, saved, problems)
    return saved
