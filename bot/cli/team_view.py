"""``airetro team list`` (every team, one line each) and ``airetro team show NAME`` (one team in full)."""

from __future__ import annotations

import argparse

from bot.cli.common import open_database
from bot.config import Settings
from bot.formatting import plural
from bot.holiday_calendar import holidays_text
from bot.services import teams
from storage.engine import session_scope
from storage.models import Team
from storage.queries import teams as tq

SOURCES = {
    "people": "picked by hand",
    "channel": "everyone in the channel, read from Slack before each weekly prompt",
    "usergroup": "the user group {group}, read from Slack before each weekly prompt",
}


def schedule_text(team: Team) -> str:
    """``prompts mon 10:00, reminder after 24 h, digest fri 16:00 (Europe/Berlin)``."""
    reminder = f"reminder after {team.reminder_hours} h" if team.reminder_hours else "no reminder"
    zone = f"{team.tz}; each member's own time zone for prompts" if team.per_member_tz else team.tz
    return f"prompts {teams.prompt_slot(team)}, {reminder}, digest {teams.digest_slot(team)} ({zone})"


def cmd_team_list(_args: argparse.Namespace, settings: Settings) -> int:
    engine = open_database(settings)
    with session_scope(engine) as session:
        rows = [(t, len(tq.team_members(session, t.id))) for t in tq.list_teams(session)]
    if not rows:
        print("No teams yet. Create one with `airetro team create` (or `/airetro setup` in Slack).")
        return 0
    for team, members in rows:
        paused = ", paused" if team.paused else ""
        holidays = f", holidays {team.holidays}" if team.holidays else ""
        print(
            f"{team.name}: {plural(members, 'member')}, digest in {team.channel_id}; "
            f"{schedule_text(team)}{holidays}{paused}"
        )
    return 0


def cmd_team_show(args: argparse.Namespace, settings: Settings) -> int:
    engine = open_database(settings)
    team = teams.find_team(engine, args.name)
    with session_scope(engine) as session:
        members = [p.slack_user_id for p in tq.team_members(session, team.id)]
        managers = [p.slack_user_id for p in tq.team_managers(session, team.id)]
    source = SOURCES.get(team.membership, team.membership).format(group=team.usergroup_id)
    print(team.name + (" (paused: no prompts, reminders or digests)" if team.paused else ""))
    print(f"  Channel: {team.channel_id}")
    print(f"  Schedule: {schedule_text(team)}")
    print(f"  Holidays: {holidays_text(team.holidays)}")
    print(f"  Shows a week's figures when at least {team.min_respondents} people respond")
    listed = f": {', '.join(members)}" if members else ""
    print(f"  Members ({source}): {plural(len(members), 'person', 'people')}{listed}")
    print(f"  Managers: {', '.join(managers) if managers else 'none (workspace admins manage it)'}")
    return 0
