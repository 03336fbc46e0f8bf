"""The ``airetro`` command line: one module per command group, loaded only when its command runs.

parser.py      every command, option and help text (light: building it and ``--help`` import no Slack,
               database or usage-format code); each command names its function, e.g.
               ``run="bot.cli.digest:cmd_digest"``, imported when that command is run
common.py      what the commands share: the migrated engine, the Slack client (checked with auth.test before
               a command acts), counting, CliError and the one-line errors with their exit statuses
serve.py       serve
scheduler.py   scheduler, schedule show
demo.py        demo
team.py        team create, team update, team delete (confirmation, or --yes)
team_view.py   team list, team show
team_members.py team members add, team members remove
slack_checks.py what team create/update/members add ask Slack first (conversations.info, users.info)
prompts.py     prompts send
digest.py      digest (--team, --org)
usage.py       import-usage (files, --from-api, --from-api copilot)
member.py      member primary
identities.py  identities map, identities unmap, identities list
db.py          db check, db upgrade
"""

from __future__ import annotations

from bot.cli.parser import build_parser

__all__ = ["build_parser", "main"]


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from bot import logs

    logs.configure(args.verbose)
    from bot.cli.common import run_command  # the settings, the database and the command's own module, only now

    return run_command(args)
