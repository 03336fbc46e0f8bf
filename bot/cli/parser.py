"""Every ``airetro`` command, its options and help text; ``run`` names the function that does the command.

This module stays light: building the parser and printing ``--help`` import argparse and the usage-format
*names* only (``bot.usage.formats``, a dict of module paths), never Slack, the database or a format's parser.
The command's module (``run="bot.cli.<module>:<function>"``) is imported by ``bot.cli.common.run_command``
once the command line is parsed (tests/test_cli_imports.py keeps it so).
"""

from __future__ import annotations

import argparse

from bot.usage.formats import FORMATS

FROM_API = ["anthropic", "claude-code", "openai", "cursor", "copilot"]  # bot.usage.fetch.PROVIDERS and copilot
Subparsers = argparse._SubParsersAction  # what add_subparsers() returns
HOLIDAYS_HELP = (
    "public holidays: a country or region code such as GB-ENG, DE-BY or US-CA; a prompt day that is a holiday "
    "moves to the next working day"
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="airetro", description="AI Retro: weekly AI retrospectives in Slack.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", required=True)
    _processes(sub)
    _team(sub)
    _prompts(sub)
    _digest(sub)
    _import_usage(sub)
    _member(sub)
    _identities(sub)
    _db(sub)
    return parser


def _processes(sub: Subparsers) -> None:
    """serve, scheduler, schedule show (bot/cli/serve.py, bot/cli/scheduler.py) and demo (bot/cli/demo.py)."""
    serve = sub.add_parser("serve", help="run the Slack app (Socket Mode if SLACK_APP_TOKEN is set, else HTTP)")
    serve.add_argument("--port", type=int, help="HTTP port (default $PORT or 3000)")
    serve.add_argument(
        "--no-scheduler", action="store_true", help="serve Slack only; run `airetro scheduler` in one other process"
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="HTTP mode: N web processes on the port (restarted if one dies); default 1",
    )
    serve.set_defaults(run="bot.cli.serve:cmd_serve")

    sub.add_parser(
        "scheduler", help="run the prompt, reminder and digest schedule alone (no Slack endpoint)"
    ).set_defaults(run="bot.cli.scheduler:cmd_scheduler")

    schedule = sub.add_parser("schedule", help="the teams' schedules").add_subparsers(
        dest="schedule_command", required=True
    )
    show = schedule.add_parser("show", help="next run of every job, in team-local time and UTC")
    show.add_argument("--team", help="only this team")
    show.set_defaults(run="bot.cli.scheduler:cmd_schedule_show")

    sub.add_parser("demo", help="run one full week against an embedded Slack stand-in").set_defaults(
        run="bot.cli.demo:cmd_demo"
    )


def _team(sub: Subparsers) -> None:
    """team create, update, delete, list, show, members add|remove (bot/cli/team.py, bot/cli/team_members.py)."""
    team = sub.add_parser("team", help="manage teams").add_subparsers(dest="team_command", required=True)
    create = team.add_parser("create", help="create a team (its channel and people are checked with Slack first)")
    create.add_argument("name")
    create.add_argument("--channel", required=True, help="digest channel ID (C…)")
    create.add_argument("--member", action="append", required=True, help="member user ID (U…), repeatable")
    create.add_argument("--tz", required=True, help="IANA time zone, e.g. Europe/Berlin")
    create.add_argument("--prompt", required=True, help='prompt time, e.g. "mon 10:00"')
    create.add_argument("--digest", required=True, help='digest time, e.g. "fri 16:00"')
    create.add_argument(
        "--manager", action="append", default=[], help="manager user ID (U…), repeatable; may also be a member"
    )
    create.add_argument("--min-respondents", type=int, default=3)
    create.add_argument("--reminder-hours", type=int, default=24, help="remind non-answerers after N hours (0: never)")
    create.add_argument(
        "--per-member-tz", action="store_true", help="prompt each member at the prompt time in their own time zone"
    )
    create.add_argument("--holidays", metavar="CODE", help=HOLIDAYS_HELP)
    create.set_defaults(run="bot.cli.team:cmd_team_create")

    update = team.add_parser("update", help="change a team's channel or schedule (its jobs are rescheduled at once)")
    update.add_argument("name")
    update.add_argument("--channel", help="a new digest channel ID (C…), checked with Slack first")
    update.add_argument("--tz", help="IANA time zone")
    update.add_argument("--prompt", help='prompt time, e.g. "mon 10:00"')
    update.add_argument("--digest", help='digest time, e.g. "fri 16:00"')
    update.add_argument("--reminder-hours", type=int, help="remind non-answerers after N hours (0: never)")
    update.add_argument("--per-member-tz", action=argparse.BooleanOptionalAction, help="members' own time zones")
    update.add_argument("--holidays", metavar="CODE", help=HOLIDAYS_HELP + "; none: no holidays")
    pause = update.add_mutually_exclusive_group()
    pause.add_argument("--pause", dest="paused", action="store_const", const=True, help="stop prompts and digests")
    pause.add_argument("--resume", dest="paused", action="store_const", const=False, help="start them again")
    update.set_defaults(run="bot.cli.team:cmd_team_update")

    delete = team.add_parser("delete", help="delete a team, its answers and its jobs (asks first)")
    delete.add_argument("name")
    delete.add_argument("--yes", action="store_true", help="do not ask (needed without a terminal)")
    delete.set_defaults(run="bot.cli.team:cmd_team_delete")

    team.add_parser("list", help="every team: members, channel, schedule").set_defaults(
        run="bot.cli.team_view:cmd_team_list"
    )
    show = team.add_parser("show", help="one team: its channel, schedule, managers and members")
    show.add_argument("name")
    show.set_defaults(run="bot.cli.team_view:cmd_team_show")

    members = team.add_parser("members", help="add or remove a team's members").add_subparsers(
        dest="members_command", required=True
    )
    add = members.add_parser("add", help="add people (checked with Slack first); from their next prompt on")
    add.add_argument("name", help="the team")
    add.add_argument("users", nargs="+", metavar="U…", help="Slack user IDs")
    add.set_defaults(run="bot.cli.team_members:cmd_team_members_add")
    remove = members.add_parser("remove", help="remove people; their past answers stay in the closed weeks")
    remove.add_argument("name", help="the team")
    remove.add_argument("users", nargs="+", metavar="U…", help="Slack user IDs")
    remove.set_defaults(run="bot.cli.team_members:cmd_team_members_remove")


def _prompts(sub: Subparsers) -> None:
    """prompts send (bot/cli/prompts.py)."""
    prompts = sub.add_parser("prompts", help="weekly prompts").add_subparsers(dest="prompts_command", required=True)
    send = prompts.add_parser("send", help="send this week's prompts now (members already prompted are skipped)")
    send.add_argument("--team", required=True)
    send.set_defaults(run="bot.cli.prompts:cmd_prompts_send")


def _digest(sub: Subparsers) -> None:
    """digest --team / --org (bot/cli/digest.py)."""
    digest = sub.add_parser("digest", help="print (or post) a team's digest, or the roll-up across teams (--org)")
    digest.add_argument("--team", help="the team (or give --org)")
    digest.add_argument(
        "--org", action="store_true", help="every team on one line (too few answers: folded into 'other'), org totals"
    )
    digest.add_argument(
        "--week", help="ISO week, e.g. 2026-W47 (default: the team's current retro week; --org: this ISO week, UTC)"
    )
    digest.add_argument(
        "--post", action="store_true", help="post it: to the team channel, or with --org to --channel (once per week)"
    )
    digest.add_argument("--channel", metavar="C…", help="with --org --post: the leadership channel ID")
    digest.add_argument("--chart", metavar="PATH", help="also write the last 8 weeks' chart to PATH (PNG)")
    digest.set_defaults(run="bot.cli.digest:cmd_digest")


def _import_usage(sub: Subparsers) -> None:
    """import-usage FILE… / --from-api P (bot/cli/usage.py)."""
    usage = sub.add_parser(
        "import-usage", help="import token usage (provider exports, LiteLLM spend logs, plain CSV) from files"
    )
    usage.add_argument(
        "--format",
        default="csv",
        choices=list(FORMATS),
        help="csv (default): email_or_slack_id,date,model,input_tokens,output_tokens,cost_usd; litellm: spend "
        "logs (JSON or CSV); anthropic, claude-code, openai: the providers' usage reports; copilot: GitHub Copilot's "
        "per-user NDJSON reports",
    )
    given = usage.add_mutually_exclusive_group(required=True)  # files, or --from-api
    given.add_argument(
        "files", nargs="*", default=[], metavar="FILE", help="files, imported together (one bad record: none)"
    )
    given.add_argument(
        "--from-api",
        choices=FROM_API,
        action=_FromApi,
        help="instead of files, pull the provider's report over HTTPS with the admin key in ANTHROPIC_ADMIN_KEY / "
        "OPENAI_ADMIN_KEY / CURSOR_ADMIN_KEY (base URL: ANTHROPIC_API_URL / OPENAI_API_URL / CURSOR_API_URL)",
    )
    usage.add_argument(
        "--since", type=_utc_day, metavar="YYYY-MM-DD", help="with --from-api: first UTC day (default: 6 days earlier)"
    )
    usage.add_argument(
        "--until", type=_utc_day, metavar="YYYY-MM-DD", help="with --from-api: last UTC day (default: today)"
    )
    usage.add_argument(
        "--org", metavar="ORG", help="with --from-api copilot: the GitHub organization (token in GITHUB_TOKEN)"
    )
    usage.add_argument(
        "--logins",
        metavar="FILE.csv",
        help="copilot: a github_login,email CSV; a listed login's usage is keyed by that e-mail",
    )
    usage.set_defaults(run="bot.cli.usage:cmd_import_usage")


class _FromApi(argparse.Action):
    """``--from-api P`` runs cmd_import_usage_from_api instead of the file import."""

    def __call__(
        self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, value: object, _option: object = None
    ) -> None:
        setattr(namespace, self.dest, value)
        namespace.run = "bot.cli.usage:cmd_import_usage_from_api"


def _utc_day(text: str) -> object:
    from bot.usage.fetch import parse_day  # only when --since / --until is given: the import needs it anyway

    try:
        return parse_day(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _member(sub: Subparsers) -> None:
    """member primary (bot/cli/member.py)."""
    member = sub.add_parser("member", help="a person's team settings").add_subparsers(
        dest="member_command", required=True
    )
    primary = member.add_parser(
        "primary", help="the team a member of several teams counts in (one team a week), from their next prompt on"
    )
    primary.add_argument("user", metavar="U…", help="the person's Slack user ID")
    primary.add_argument("team", help="the team's name (they must be a member)")
    primary.set_defaults(run="bot.cli.member:cmd_member_primary")


def _identities(sub: Subparsers) -> None:
    """identities map, unmap, list (bot/cli/identities.py)."""
    identities = sub.add_parser(
        "identities", help="map usage keys (API keys, project ids, LiteLLM users) to people"
    ).add_subparsers(dest="identities_command", required=True)
    mapping = identities.add_parser("map", help="attribute KEY's usage (imported and future) to a Slack user")
    mapping.add_argument("key", help="the key as the import reported it")
    mapping.add_argument("user", metavar="U…", help="the person's Slack user ID")
    mapping.set_defaults(run="bot.cli.identities:cmd_identities_map")
    unmapping = identities.add_parser("unmap", help="remove KEY's mapping: its usage is unattributed again")
    unmapping.add_argument("key")
    unmapping.set_defaults(run="bot.cli.identities:cmd_identities_unmap")
    identities.add_parser("list", help="the mapped keys and the unattributed ones").set_defaults(
        run="bot.cli.identities:cmd_identities_list"
    )


def _db(sub: Subparsers) -> None:
    """db check, db upgrade (bot/cli/db.py)."""
    db = sub.add_parser("db", help="the database").add_subparsers(dest="db_command", required=True)
    db.add_parser(
        "check", help="engine, server version, schema version against the newest, row counts (migrates nothing)"
    ).set_defaults(run="bot.cli.db:cmd_db_check")
    db.add_parser("upgrade", help="migrate the schema to the newest version (as any command does)").set_defaults(
        run="bot.cli.db:cmd_db_upgrade"
    )
