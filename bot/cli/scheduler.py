"""``airetro scheduler`` (the schedule alone, no Slack endpoint) and ``airetro schedule show``."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from bot.cli.common import open_database, slack_client
from bot.config import Settings, require_slack
from bot.scheduler.process import run_forever
from bot.scheduler.show import format_schedules, pull_lines, team_schedules
from bot.services.teams import find_team


def cmd_scheduler(_args: argparse.Namespace, settings: Settings) -> int:
    require_slack(settings, serving=False)
    engine = open_database(settings)
    run_forever(engine, slack_client(settings))
    return 0


def cmd_schedule_show(args: argparse.Namespace, settings: Settings) -> int:
    engine = open_database(settings)
    if args.team:
        find_team(engine, args.team)  # a clear error for an unknown name
    print(format_schedules(team_schedules(engine, args.team), datetime.now(UTC)))
    pulls = [] if args.team else pull_lines(engine, datetime.now(UTC))  # org-wide: with the whole schedule
    if pulls:
        print("\n" + "\n".join(pulls))
    return 0
