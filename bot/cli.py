"""The ``airetro`` command line."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.config import ConfigError, Settings, load_settings, require_slack
from storage.engine import make_engine, migrate
from storage.weeks import parse_week


class CliError(Exception):
    """An operator-facing failure: printed as one line, exit status 1."""


def _engine(settings: Settings) -> Engine:
    engine = make_engine(settings.database_url)
    migrate(engine)
    return engine


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import create_app
    from bot.scheduler.process import build_scheduler, start_scheduler
    from bot.serve import serve_http_forever, serve_socket_mode

    require_slack(settings, serving=True)
    engine = _engine(settings)
    app = create_app(settings, engine)
    scheduler = None
    if not args.no_scheduler:
        scheduler = build_scheduler(engine, app.client)
        start_scheduler(scheduler, engine, app.client)
    try:
        if settings.slack_app_token:
            serve_socket_mode(app, settings.slack_app_token)
        else:
            serve_http_forever(app, args.port or settings.port)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
    return 0


def cmd_scheduler(_args: argparse.Namespace, settings: Settings) -> int:
    from bot.scheduler.process import run_forever

    require_slack(settings, serving=False)
    engine = _engine(settings)
    run_forever(engine, _client(settings))
    return 0


def cmd_schedule_show(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import UTC, datetime

    from bot.scheduler.show import format_schedules, team_schedules
    from bot.services.teams import find_team

    engine = _engine(settings)
    if args.team:
        find_team(engine, args.team)  # a clear error for an unknown name
    print(format_schedules(team_schedules(engine, args.team), datetime.now(UTC)))
    return 0


def cmd_demo(_args: argparse.Namespace, _settings: Settings) -> int:
    from bot.demo import run_demo

    return run_demo()


def cmd_team_create(args: argparse.Namespace, settings: Settings) -> int:
    from bot.scheduler.process import reschedule
    from bot.services import teams

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
    engine = _engine(settings)
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
    from bot.scheduler.process import reschedule
    from bot.services import teams

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
    engine = _engine(settings)
    team = teams.change_schedule(engine, args.name, change)
    reschedule(engine)
    print(f"Updated team {team.name}; its jobs are rescheduled (see `airetro schedule show --team {team.name!r}`).")
    return 0


def cmd_team_delete(args: argparse.Namespace, settings: Settings) -> int:
    from bot.scheduler.process import reschedule
    from bot.services import teams

    engine = _engine(settings)
    teams.delete_team(engine, args.name)
    reschedule(engine)
    print(f"Deleted team {args.name} with its answers and digests; its jobs are removed.")
    return 0


def _client(settings: Settings) -> WebClient:
    from bot.app import make_client

    require_slack(settings, serving=False)
    return make_client(settings)


def cmd_prompts_send(args: argparse.Namespace, settings: Settings) -> int:
    from bot.services import prompts, teams

    engine = _engine(settings)
    team = teams.find_team(engine, args.team)
    report = prompts.send_prompts(engine, _client(settings), team)
    print(f"{team.name} {report.week}: {len(report.sent)} sent, {len(report.already)} already prompted")
    for user, error in report.failed.items():
        print(f"  failed for {user}: {error}")
    return 1 if report.failed else 0


def cmd_digest(args: argparse.Namespace, settings: Settings) -> int:
    from bot.digest.sections import digest_text
    from bot.services import digests, teams

    engine = _engine(settings)
    team = teams.find_team(engine, args.team)
    week = parse_week(args.week) if args.week else digests.digest_week(team)
    print(digest_text(digests.compute_team_digest(engine, team, week)))
    if args.post:
        posted = digests.post_digest(engine, _client(settings), team, week)
        print(f"\nPosted to {team.channel_id}." if posted else f"\nAlready posted for {week}; not posted again.")
    return 0


def cmd_import_usage(args: argparse.Namespace, settings: Settings) -> int:
    from bot.services.usage_import import import_usage_csv, slack_email_lookup

    engine = _engine(settings)
    lookup = slack_email_lookup(_client(settings)) if settings.slack_bot_token else None
    report = import_usage_csv(engine, Path(args.file), lookup)
    print(f"Imported {report.rows} rows from {args.file}: {report.attributed} matched to people.")
    if report.unattributed_keys:
        keys = ", ".join(sorted(report.unattributed_keys))
        print(f"Unattributed (kept, shown as unattributed): {keys}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="airetro", description="AI Retro: weekly AI retrospectives in Slack.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the Slack app (Socket Mode if SLACK_APP_TOKEN is set, else HTTP)")
    serve.add_argument("--port", type=int, help="HTTP port (default $PORT or 3000)")
    serve.add_argument(
        "--no-scheduler", action="store_true", help="serve Slack only; run `airetro scheduler` in one other process"
    )
    serve.set_defaults(func=cmd_serve)

    sub.add_parser(
        "scheduler", help="run the prompt, reminder and digest schedule alone (no Slack endpoint)"
    ).set_defaults(func=cmd_scheduler)

    schedule = sub.add_parser("schedule", help="the teams' schedules").add_subparsers(
        dest="schedule_command", required=True
    )
    show = schedule.add_parser("show", help="next run of every job, in team-local time and UTC")
    show.add_argument("--team", help="only this team")
    show.set_defaults(func=cmd_schedule_show)

    sub.add_parser("demo", help="run one full week against an embedded Slack stand-in").set_defaults(func=cmd_demo)

    team = sub.add_parser("team", help="manage teams").add_subparsers(dest="team_command", required=True)
    create = team.add_parser("create", help="create a team")
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
    create.set_defaults(func=cmd_team_create)

    update = team.add_parser("update", help="change a team's schedule (its jobs are rescheduled at once)")
    update.add_argument("name")
    update.add_argument("--tz", help="IANA time zone")
    update.add_argument("--prompt", help='prompt time, e.g. "mon 10:00"')
    update.add_argument("--digest", help='digest time, e.g. "fri 16:00"')
    update.add_argument("--reminder-hours", type=int, help="remind non-answerers after N hours (0: never)")
    update.add_argument("--per-member-tz", action=argparse.BooleanOptionalAction, help="members' own time zones")
    pause = update.add_mutually_exclusive_group()
    pause.add_argument("--pause", dest="paused", action="store_const", const=True, help="stop prompts and digests")
    pause.add_argument("--resume", dest="paused", action="store_const", const=False, help="start them again")
    update.set_defaults(func=cmd_team_update)

    delete = team.add_parser("delete", help="delete a team, its answers and its jobs")
    delete.add_argument("name")
    delete.set_defaults(func=cmd_team_delete)

    prompts = sub.add_parser("prompts", help="weekly prompts").add_subparsers(dest="prompts_command", required=True)
    send = prompts.add_parser("send", help="send this week's prompts now (members already prompted are skipped)")
    send.add_argument("--team", required=True)
    send.set_defaults(func=cmd_prompts_send)

    digest = sub.add_parser("digest", help="print (or post) a team's digest")
    digest.add_argument("--team", required=True)
    digest.add_argument("--week", help="ISO week, e.g. 2026-W47 (default: the current retro week)")
    digest.add_argument("--post", action="store_true", help="post it to the team channel (once per week)")
    digest.set_defaults(func=cmd_digest)

    usage = sub.add_parser("import-usage", help="import token usage from a CSV file")
    usage.add_argument("file", help="CSV: email_or_slack_id,date,model,input_tokens,output_tokens,cost_usd")
    usage.set_defaults(func=cmd_import_usage)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    try:
        return args.func(args, load_settings())
    except (ConfigError, CliError) as exc:
        print(f"airetro: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, ConfigError) else 1
    except (ValueError, LookupError) as exc:
        print(f"airetro: {exc}", file=sys.stderr)
        return 1
    except SlackApiError as exc:
        print(f"airetro: Slack answered '{exc.response.get('error')}'", file=sys.stderr)
        return 1
    except (SlackClientError, BoltError) as exc:
        print(f"airetro: cannot talk to Slack: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        print(f"airetro: database error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"airetro: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
