"""``airetro prompts send --team NAME``: this week's prompts now; members already prompted are skipped."""

from __future__ import annotations

import argparse

from bot.cli.common import checked_slack, cli_week, open_database
from bot.config import Settings
from bot.services import prompts, teams


def cmd_prompts_send(args: argparse.Namespace, settings: Settings) -> int:
    engine = open_database(settings)
    team = teams.find_team(engine, args.team)
    report = prompts.send_prompts(engine, checked_slack(settings), team)  # Slack answers, or one line
    found = f", {len(report.recovered)} found already in their DM" if report.recovered else ""
    away = f", {len(report.away)} away (not prompted)" if report.away else ""
    print(
        f"{team.name}, {cli_week(report.week)}: {len(report.sent)} sent, {len(report.already)} already prompted"
        f"{away}{found}"
    )
    for user, error in report.failed.items():
        print(f"  failed for {user}: {error}")
    if report.stopped:
        print(
            f"  stopped early: {report.stopped}. {report.deferred} not sent yet: run this again in a minute "
            "(it looks in each DM first; nobody gets the prompt twice)."
        )
    return 1 if report.failed or report.stopped else 0
