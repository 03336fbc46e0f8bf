"""``airetro team members add | remove NAME U…``: a team's members, for teams whose people are picked by hand
(a channel or user group team follows its channel or group). People added are checked with Slack first."""

from __future__ import annotations

import argparse

from sqlalchemy import Engine

from bot.cli.common import CliError, checked_slack, open_database
from bot.cli.slack_checks import check_with_slack
from bot.config import Settings
from bot.formatting import plural
from bot.services import teams
from storage.engine import session_scope
from storage.models import Team
from storage.privacy import PRIVACY_FLOOR
from storage.queries import teams as tq

FOLLOWS = {
    "channel": "everyone in {channel}, read from Slack before each weekly prompt: add or remove people there",
    "usergroup": "the user group {group}, read from Slack before each weekly prompt: change the group in Slack",
}


def _hand_picked(team: Team) -> None:
    if team.membership in FOLLOWS:
        source = FOLLOWS[team.membership].format(channel=team.channel_id, group=team.usergroup_id)
        raise CliError(f"{team.name}'s members are {source}")


def _user_ids(users: list[str]) -> list[str]:
    bad = [u for u in users if not teams.USER_RE.match(u)]
    if bad:
        raise CliError("\n".join(f"{u!r} is not a Slack user ID like U0123ABCD" for u in bad))
    return list(dict.fromkeys(users))


def _members(engine: Engine, team: Team) -> list[str]:
    with session_scope(engine) as session:
        return [p.slack_user_id for p in tq.team_members(session, team.id)]


def _store(engine: Engine, team: Team, members: list[str]) -> None:
    with session_scope(engine) as session:
        tq.set_team_members(session, team.id, members)


def cmd_team_members_add(args: argparse.Namespace, settings: Settings) -> int:
    users = _user_ids(args.users)
    engine = open_database(settings)
    team = teams.find_team(engine, args.name)
    _hand_picked(team)
    current = _members(engine, team)
    new = [u for u in users if u not in current]
    already = [u for u in users if u in current]
    if new:
        check_with_slack(checked_slack(settings), people=[("", u) for u in new])
        _store(engine, team, current + new)
    lines = []
    if new:
        now = plural(len(current) + len(new), "member")
        lines.append(
            f"Added {plural(len(new), 'person', 'people')} to {team.name} (now {now}); "
            "they get the weekly prompt from the next one on."
        )
    if already:
        lines.append(f"Already in {team.name}, so not added again: {', '.join(already)}.")
    print("\n".join(lines))
    return 0


def cmd_team_members_remove(args: argparse.Namespace, settings: Settings) -> int:
    users = _user_ids(args.users)
    engine = open_database(settings)
    team = teams.find_team(engine, args.name)
    _hand_picked(team)
    current = _members(engine, team)
    leaving = [u for u in users if u in current]
    strangers = [u for u in users if u not in current]
    staying = [u for u in current if u not in leaving]
    if not leaving:
        raise CliError(f"not in {team.name}, so nothing was removed: {', '.join(strangers)}")
    if len(staying) < PRIVACY_FLOOR:
        raise CliError(
            f"{team.name} would have {plural(len(staying), 'member')} left; a team needs at least {PRIVACY_FLOOR}, "
            "so that nobody's answers or tokens can be singled out (delete the team instead?)"
        )
    _store(engine, team, staying)
    lines = [
        f"Removed {plural(len(leaving), 'person', 'people')} from {team.name} (now {plural(len(staying), 'member')}); "
        "what they answered before stays in the weeks it was given."
    ]
    if strangers:
        lines.append(f"Not in {team.name}, so nothing to remove: {', '.join(strangers)}.")
    print("\n".join(lines))
    return 0
