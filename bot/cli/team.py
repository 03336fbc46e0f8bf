"""``airetro team create | update | delete``: a team's members, channel and schedule; its jobs follow at once.
Channels and people are checked with Slack before anything is stored (bot/cli/slack_checks.py); ``team list``
and ``team show`` are in bot/cli/team_view.py, ``team members add|remove`` in bot/cli/team_members.py."""

from __future__ import annotations

import argparse
import sys

from sqlalchemy import Engine

from bot.cli.common import CliError, checked_slack, open_database
from bot.cli.slack_checks import check_with_slack
from bot.config import Settings
from bot.formatting import plural
from bot.holiday_calendar import holidays_text
from bot.scheduler.process import reschedule
from bot.services import teams
from storage.engine import session_scope
from storage.queries import teams as tq


def cmd_team_create(args: argparse.Namespace, settings: Settings) -> int:
    spec = teams.team_spec(
        args.name,
        args.channel,
        args.member,
        args.tz,
        args.prompt,
        args.digest,
        args.min_respondents,
        args.reminder_hours,
        args.per_member_tz,
        args.manager,
        args.holidays,
    )
    people = [("--member", m) for m in spec.member_ids] + [("--manager", m) for m in spec.manager_ids]
    check_with_slack(checked_slack(settings), spec.channel_id, people)
    engine = open_database(settings)
    team = teams.create_team(engine, spec)
    reschedule(engine)
    reminder = f"reminder after {spec.reminder_hours} h" if spec.reminder_hours else "no reminder"
    zone = f"{team.tz}; prompts in each member's own time zone" if spec.per_member_tz else team.tz
    print(
        f"Created team {team.name}: {plural(len(set(spec.member_ids)), 'member')}, "
        f"{plural(len(spec.manager_ids), 'manager')}, digest in {team.channel_id}, "
        f"prompts {spec.prompt}, {reminder}, digest {spec.digest} ({zone}), min respondents {team.min_respondents}, "
        f"holidays: {holidays_text(spec.holidays)}"
    )
    return 0


def cmd_team_update(args: argparse.Namespace, settings: Settings) -> int:
    change = teams.ScheduleChange(
        tz=args.tz,
        prompt=args.prompt,
        digest=args.digest,
        reminder_hours=args.reminder_hours,
        per_member_tz=args.per_member_tz,
        paused=args.paused,
        holidays=args.holidays,
    )
    if change == teams.ScheduleChange() and args.channel is None:
        raise CliError(
            "nothing to change: give --channel, --prompt, --digest, --tz, --reminder-hours, "
            "--[no-]per-member-tz, --holidays, --pause or --resume"
        )
    if args.channel is not None and not teams.CHANNEL_RE.match(args.channel):
        raise CliError(f"--channel {args.channel!r} is not a Slack channel ID like C0123ABCD")
    if args.holidays is not None:
        teams.holidays_option(args.holidays)  # a bad code is named before the database or Slack is asked
    engine = open_database(settings)
    teams.find_team(engine, args.name)  # an unknown team is named before Slack is asked
    if args.channel is not None:
        check_with_slack(checked_slack(settings), args.channel)
    team = teams.change_schedule(engine, args.name, change)
    if args.channel is not None:
        _move_channel(engine, args.name, args.channel)
    reschedule(engine)
    moved = f" Its digest goes to {args.channel} from now on." if args.channel is not None else ""
    holidays = f" Holidays: {holidays_text(team.holidays)}." if args.holidays is not None else ""
    print(
        f"Updated team {team.name}.{moved}{holidays} Its jobs are rescheduled "
        f"(see `airetro schedule show --team {team.name!r}`)."
    )
    return 0


def _move_channel(engine: Engine, name: str, channel: str) -> None:
    """The team's digest channel; a team whose members are everyone in its channel reads the new one's at its
    next prompt run."""
    with session_scope(engine) as session:
        team = tq.get_team(session, name)
        if team is None:
            raise teams.UnknownTeam(name)
        if team.channel_id != channel:
            team.channel_id = channel
            if team.membership == "channel":
                team.members_synced_at = None
            session.add(team)


def cmd_team_delete(args: argparse.Namespace, settings: Settings) -> int:
    engine = open_database(settings)
    team = teams.find_team(engine, args.name)  # an unknown team is named before anyone is asked
    if not args.yes:
        if not sys.stdin.isatty():
            raise CliError(
                f"team delete asks first, and there is no terminal to ask on: add --yes to delete {team.name}"
            )
        if not _confirmed(f"Delete team {team.name} with all its answers and digests? This cannot be undone. [y/N] "):
            print("Nothing was deleted.")
            return 1
    teams.delete_team(engine, team.name)
    reschedule(engine)
    print(f"Deleted team {team.name} with its answers and digests; its jobs are removed.")
    return 0


def _confirmed(question: str) -> bool:
    try:
        return input(question).strip().lower() in ("y", "yes")
    except EOFError:
        print()
        return False
