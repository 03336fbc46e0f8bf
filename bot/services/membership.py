"""Who is in a team whose members come from Slack: everyone in its channel (``conversations.members``) or
the members of a user group (``usergroups.users.list``). Read when the team is saved and again once a
week, at the first prompt run after the team's prompt time (in the team's zone); when Slack cannot be
reached the last known members stay, and the next run within the prompt's grace window tries again.
Bots (other apps in the channel, Slackbot, this app's own bot user) and deactivated people are never
members: one paginated ``users.list`` per reading says who they are.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import Engine

from bot.schedule_spec import GRACE, last_occurrence, parse_tz
from bot.services.teams import prompt_slot
from storage.engine import session_scope
from storage.models import Team
from storage.queries import teams as tq

log = logging.getLogger(__name__)
SYNCED = ("channel", "usergroup")
PAGE_SIZE = 200  # Slack recommends no more than 200 results a page
MAX_PAGES = 100
SLACKBOT = "USLACKBOT"  # listed with ``is_bot: false``, yet nobody to prompt

_REASONS = {
    "channel_not_found": "AI Retro can't see that channel: invite it there (`/invite @AI Retro`)",
    "not_in_channel": "AI Retro is not in that channel: invite it there (`/invite @AI Retro`)",
    "missing_scope": "AI Retro lacks the Slack permission to read it (ask an admin to reinstall the app)",
    "no_such_subteam": "that user group no longer exists",
    "subteam_not_found": "that user group no longer exists",
}


class MembersUnavailable(Exception):
    """Slack would not say who the members are; ``str(error)`` says why, for people."""


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def bot_user_id(client: WebClient) -> str | None:
    """The app's own bot user (``auth.test``), never a team member; None if Slack can't say."""
    try:
        return client.auth_test().get("user_id")
    except (SlackApiError, SlackClientError) as exc:
        log.warning("auth.test failed (%s): the bot user is not excluded by id", exc)
        return None


def not_people(client: WebClient) -> set[str]:
    """Bots, Slackbot and deactivated users of the workspace, from every page of ``users.list``. When
    Slack can't list them all, what the pages read said plus the app's own bot user (``auth.test``)."""
    excluded = {SLACKBOT}
    cursor = None
    try:
        for _page in range(MAX_PAGES):
            response = client.users_list(limit=PAGE_SIZE, cursor=cursor)
            excluded |= {
                user["id"]
                for user in response.get("members") or []
                if user.get("id") and (user.get("is_bot") or user.get("deleted"))
            }
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return excluded
        log.warning("users.list has more than %d pages: later bots or deactivated users may be kept", MAX_PAGES)
    except (SlackApiError, SlackClientError) as exc:
        log.warning("users.list failed (%s): of the bots, only the app's own is surely left out of the members", exc)
    bot = bot_user_id(client)
    if bot:
        excluded.add(bot)
    return excluded


def channel_members(client: WebClient, channel_id: str) -> list[str]:
    """Everyone in ``channel_id``, all pages of ``conversations.members``."""
    members: list[str] = []
    cursor = None
    for _page in range(MAX_PAGES):
        response = client.conversations_members(channel=channel_id, limit=PAGE_SIZE, cursor=cursor)
        members += response.get("members") or []
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            break
    return members


def usergroup_members(client: WebClient, usergroup_id: str) -> list[str]:
    return list(client.usergroups_users_list(usergroup=usergroup_id).get("users") or [])


def resolve_members(client: WebClient, membership: str, channel_id: str, usergroup_id: str | None) -> list[str]:
    """The Slack user ids the source names, without bots or deactivated users; raises MembersUnavailable."""
    try:
        if membership == "channel":
            found = channel_members(client, channel_id)
        elif membership == "usergroup" and usergroup_id:
            found = usergroup_members(client, usergroup_id)
        else:
            raise MembersUnavailable(f"members are not read from Slack for {membership!r}")
    except SlackApiError as exc:
        error = exc.response.get("error", "error")
        raise MembersUnavailable(_REASONS.get(error, f"Slack answered {error}")) from None
    except SlackClientError as exc:
        raise MembersUnavailable(f"Slack could not be reached ({exc.__class__.__name__})") from None
    excluded = not_people(client)
    return [uid for uid in dict.fromkeys(found) if uid not in excluded]


def sync_due(team: Team, now: datetime) -> bool:
    """A channel or user group team at its weekly prompt run (its prompt time in the team's zone passed
    within the grace window) whose members were not read since that prompt time."""
    if team.membership not in SYNCED:
        return False
    opened = last_occurrence(prompt_slot(team), now, parse_tz(team.tz))
    if now - opened > GRACE:
        return False
    return team.members_synced_at is None or _as_utc(team.members_synced_at) < opened


def sync_members(engine: Engine, client: WebClient, team_id: int, now: datetime) -> bool:
    """Read a channel or user group team's members from Slack and store them; False (members kept) on failure."""
    with session_scope(engine) as session:
        team = session.get(Team, team_id)
        if team is None or team.membership not in SYNCED:
            return False
        membership, channel_id, usergroup_id = team.membership, team.channel_id, team.usergroup_id
    try:
        member_ids = resolve_members(client, membership, channel_id, usergroup_id)
    except MembersUnavailable as exc:
        log.warning("members of team %s not re-read, keeping the last known ones: %s", team_id, exc)
        return False
    with session_scope(engine) as session:
        team = session.get(Team, team_id)
        if team is None or (team.membership, team.channel_id, team.usergroup_id) != (
            membership,
            channel_id,
            usergroup_id,
        ):
            return False  # changed meanwhile: the next run reads the new source
        tq.set_team_members(session, team_id, member_ids)
        team.members_synced_at = now
        session.add(team)
    log.info("members of team %s re-read from Slack: %d", team_id, len(member_ids))
    return True


def sync_if_due(engine: Engine, client: WebClient, team: Team, now: datetime) -> bool:
    """The weekly re-read before a prompt run; True when the members were re-read. Never raises: the
    prompts go out to the last known members whatever happens here."""
    if not sync_due(team, now):
        return False
    try:
        return sync_members(engine, client, team.id, now)
    except Exception:
        log.exception("members of team %s not re-read; keeping the last known ones", team.id)
        return False
