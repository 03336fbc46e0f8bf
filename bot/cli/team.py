"""``airetro team create | update | delete``: a team's members, channel and schedule; its jobs follow at once."""

from __future__ import annotations

import argparse

from bot.cli.common import CliError, open_database
from bot.config import Settings
from bot.scheduler.process import reschedule
from bot.services import teams


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
    )
    engine = open_database(settings)
    team = teams.create_team(engine, spec)
    reschedule(engine)
    reminder = f"reminder after {spec.reminder_hours} h" if spec.reminder_hours else "no reminder"
    zone = f"{team.tz}; prompts in each member's own time zone" if spec.per_member_tz else team.tz
    print(
        f"Created team {team.name}: {len(spec.member_ids)} members, {len(spec.manager_ids)} manager(s), "
        f"digest in {team.channel_id}, "
        f"prompts {spec.prompt}, {reminder}, digest {spec.digest} ({zone}), min respondents {team.min_respondents}"
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
    )
    if change == teams.ScheduleChange():
        raise CliError(
            "nothing to change: give --prompt, --digest, --tz, --reminder-hours, "
            "--[no-]per-member-tz, --pause or --resume"
        )
    engine = open_database(settings)
    team = teams.change_schedule(engine, args.name, change)
    reschedule(engine)
    print(f"Updated team {team.name}; its jobs are rescheduled (see `airetro schedule show --team {team.name!r}`).")
    return 0


def cmd_team_delete(args: argparse.Namespace, settings: Settings) -> int:
    engine = open_database(settings)
    teams.delete_team(engine, args.name)
    reschedule(engine)
    print(f"Deleted team {args.name} with its answers and digests; its jobs are removed.")
    return 0
