"""The ``airetro`` command line."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot import logs
from bot.config import ConfigError, Settings, load_settings, require_slack
from bot.usage.formats import FORMATS
from storage import liveness
from storage.engine import make_engine, migrate
from storage.models import Team
from storage.weeks import parse_week

if TYPE_CHECKING:
    from bot.services.usage_import import ImportReport


class CliError(Exception):
    """An operator-facing failure: printed as one line, exit status 1."""


def _engine(settings: Settings) -> Engine:
    from bot.services.publication import publish_closed

    engine = make_engine(
        settings.database_url, pool_size=settings.database_pool_size, max_overflow=settings.database_max_overflow
    )
    migrate(engine)
    liveness.start(engine, " ".join(sys.argv[1:3]) or "airetro")  # its claims are settled soon after it dies
    publish_closed(engine)  # an upgraded database publishes its closed weeks once, from the data as it is
    return engine


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import create_app
    from bot.otlp.receiver import receiver_for_slack
    from bot.scheduler.process import lead_in_background
    from bot.serve import WebProcess, serve_http_forever, serve_otlp_in_background, serve_socket_mode, serve_workers

    require_slack(settings, serving=True)
    if args.workers < 1:
        raise CliError("--workers must be at least 1")
    if args.workers > 1 and settings.slack_app_token:
        raise CliError("--workers needs HTTP mode: Socket Mode (SLACK_APP_TOKEN is set) runs in one process")
    if args.workers > 1:
        from bot.services.publication import publish_closed

        # The parent migrates, then holds no connection and runs no thread across the forks: each web process
        # makes its own engine and registers its own heartbeat (storage.liveness), after the fork.
        engine = make_engine(settings.database_url, pool_size=1, max_overflow=0)
        migrate(engine)
        publish_closed(engine)
        engine.dispose()

        def web_process() -> WebProcess:
            engine = make_engine(
                settings.database_url,
                pool_size=settings.database_pool_size,
                max_overflow=settings.database_max_overflow,
            )
            liveness.start(engine, "serve")
            app = create_app(settings, engine)
            otlp = receiver_for_slack(engine, settings.otlp_token, app.client)
            stop = None if args.no_scheduler else lead_in_background(engine, app.client)  # one leads: leader.py
            return WebProcess(app, engine, otlp, on_stop=stop.set if stop is not None else None)

        return serve_workers(args.workers, args.port or settings.port, web_process, otlp_on=bool(settings.otlp_token))
    engine = _engine(settings)
    app = create_app(settings, engine)
    otlp = receiver_for_slack(engine, settings.otlp_token, app.client)  # /v1/metrics: 404 without OTLP_TOKEN
    scheduler = None
    if not args.no_scheduler:  # leads the schedule unless another process does (bot/scheduler/leader.py)
        scheduler = lead_in_background(engine, app.client)
    try:
        if settings.slack_app_token:
            if settings.otlp_token:
                serve_otlp_in_background(otlp, args.port or settings.port, engine=engine)
            serve_socket_mode(app, settings.slack_app_token)
        else:
            serve_http_forever(app, args.port or settings.port, otlp=otlp, engine=engine)
    finally:
        if scheduler is not None:
            scheduler.set()
    return 0


def cmd_scheduler(_args: argparse.Namespace, settings: Settings) -> int:
    from bot.scheduler.process import run_forever

    require_slack(settings, serving=False)
    engine = _engine(settings)
    run_forever(engine, _client(settings))
    return 0


def cmd_schedule_show(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import UTC, datetime

    from bot.scheduler.show import format_schedules, pull_lines, team_schedules
    from bot.services.teams import find_team

    engine = _engine(settings)
    if args.team:
        find_team(engine, args.team)  # a clear error for an unknown name
    print(format_schedules(team_schedules(engine, args.team), datetime.now(UTC)))
    pulls = [] if args.team else pull_lines(engine, datetime.now(UTC))  # org-wide: with the whole schedule
    if pulls:
        print("\n" + "\n".join(pulls))
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


def cmd_member_primary(args: argparse.Namespace, settings: Settings) -> int:
    from bot.services.primary import set_primary

    change = set_primary(_engine(settings), args.user, args.team)
    if not change.changed:
        print(f"{args.user} already counts in {change.team}; nothing changed.")
    else:
        before = f" (before: {change.previous})" if change.previous else ""
        print(f"{args.user} counts in {change.team} from their next weekly prompt on{before}.")
    return 0


def cmd_db_check(_args: argparse.Namespace, settings: Settings) -> int:
    from bot.db_check import check

    return check(settings.database_url)  # never through _engine(): looking must not migrate


def cmd_db_upgrade(_args: argparse.Namespace, settings: Settings) -> int:
    from bot.db_check import schema_line

    engine = _engine(settings)  # migrates, as every command that uses the database does
    print(schema_line(engine))
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
    found = f", {len(report.recovered)} found already in their DM" if report.recovered else ""
    print(f"{team.name} {report.week}: {len(report.sent)} sent, {len(report.already)} already prompted{found}")
    for user, error in report.failed.items():
        print(f"  failed for {user}: {error}")
    if report.stopped:
        print(
            f"  stopped early: {report.stopped}. {report.deferred} not sent yet: run this again in a minute "
            "(it looks in each DM first; nobody gets the prompt twice)."
        )
    return 1 if report.failed or report.stopped else 0


def cmd_digest(args: argparse.Namespace, settings: Settings) -> int:
    from bot.blocks.digest import view_text
    from bot.services import digests, teams

    if args.org:
        return _org_digest(args, settings)
    if not args.team:
        raise CliError("give --team NAME for a team's digest, or --org for the roll-up across teams")
    if args.channel:
        raise CliError("--channel goes with --org: a team's digest is posted to the team's own channel")
    engine = _engine(settings)
    team = teams.find_team(engine, args.team)
    week = parse_week(args.week) if args.week else digests.digest_week(team)
    posted = None
    if args.post:  # posting closes the week: the digest printed below is then the one that was posted
        posted = _posting(lambda: digests.post_digest(engine, _client(settings), team, week), team.channel_id)
    print(view_text(digests.week_view(engine, team, week)))
    _write_chart(engine, team, week, args.chart)
    if args.post:
        print(f"\nPosted to {team.channel_id}." if posted else f"\nAlready posted for {week}; not posted again.")
    return 0


def _org_digest(args: argparse.Namespace, settings: Settings) -> int:
    """``digest --org [--week W] [--post --channel C…]``: every team's week on one line, and org totals."""
    from bot.digest.org import org_text
    from bot.services import digests
    from bot.services.teams import CHANNEL_RE

    if args.team:
        raise CliError("--org rolls up every team: leave out --team")
    if getattr(args, "chart", None):
        raise CliError("--chart draws one team's weeks: use it with --team")
    if args.post and not args.channel:
        raise CliError("--org --post needs --channel C… (the leadership channel to post to)")
    if args.channel and not args.post:
        raise CliError("--channel says where to post: add --post")
    if args.channel and not CHANNEL_RE.match(args.channel):
        raise CliError(f"--channel {args.channel!r} is not a Slack channel ID like C0123ABCD")
    engine = _engine(settings)
    week = parse_week(args.week) if args.week else digests.org_week()
    try:
        print(org_text(digests.compute_org_digest(engine, week)))
    except digests.OrgNotReady as not_ready:
        raise CliError(str(not_ready)) from None
    if args.post:
        posted = _posting(lambda: digests.post_org_digest(engine, _client(settings), args.channel, week), args.channel)
        print(f"\nPosted to {args.channel}." if posted else f"\nAlready posted for {week}; not posted again.")
    return 0


def _posting(post: Callable[[], object], channel: str) -> object:
    """Run a digest post; Slack's refusal or a lost answer becomes one clear line (and a non-zero exit)."""
    from bot.services import digests

    try:
        return post()
    except digests.PostRefused as refused:
        raise CliError(f"Slack refused the post to {channel} ({refused.reason}); nothing was posted.") from None
    except digests.PostUnknown as unknown:
        raise CliError(
            f"Slack didn't confirm the post to {channel} ({unknown.reason}), and it isn't in the channel yet. "
            "Run the same command again in a minute: it looks in the channel first and posts only if it isn't there."
        ) from None


def _write_chart(engine: Engine, team: Team, week: str, path: str | None) -> None:
    """``digest --chart PATH``: the team's last weeks as a PNG file, or the sentence saying why there is none."""
    if not path:
        return
    from bot.services.charts import NO_CHART
    from bot.services.digests import team_chart

    png = team_chart(engine, team, week)
    if png is None:
        print(f"\n{NO_CHART}")
        return
    Path(path).write_bytes(png)
    print(f"\nChart written to {path}.")


UNATTRIBUTED_SHOWN = 20


def _count(n: int, what: str, plural: str = "") -> str:
    return f"{n:,} {what if n == 1 else plural or what + 's'}"


def _import_lines(report: ImportReport, fmt: str) -> list[str]:
    """What an import did, for the operator: rows, attribution, the unattributed keys with their rows."""
    files = report.files[0] if len(report.files) == 1 else f"{len(report.files)} files ({', '.join(report.files)})"
    unattributed = sum(report.unattributed_keys.values())
    stored = f"Stored {_count(report.usage_records, 'usage record')} (one per key, day and model)"
    if report.activity_rows:
        stored += f" and {_count(report.activity_records, 'activity record')} (one per key and day)"
    repeated = f"{report.repeated:,} repeated a request already read and count once; " if report.repeated else ""
    lines = [
        f"Imported {_count(report.rows, 'row')} from {files} (format {fmt}): {repeated}{report.attributed:,} "
        f"matched to people, {unattributed:,} unattributed.",
        f"{stored}; {_count(report.person_weeks, 'weekly token summary', 'weekly token summaries')} refreshed.",
    ]
    if report.unattributed_keys:
        lines.append("Unattributed, kept (attribute a key with `airetro identities map KEY U…`):")
        shown = list(report.unattributed_keys.items())[:UNATTRIBUTED_SHOWN]
        lines += [f"  {key}: {_count(n, 'row')}" for key, n in shown]
        more = len(report.unattributed_keys) - len(shown)
        if more:
            lines.append(f"  … and {_count(more, 'more key')} (see `airetro identities list`)")
    return lines


def cmd_import_usage(args: argparse.Namespace, settings: Settings) -> int:
    from bot.services.usage_import import import_files, slack_email_lookup

    engine = _engine(settings)
    lookup = slack_email_lookup(_client(settings)) if settings.slack_bot_token else None
    report = import_files(engine, args.format, args.files, lookup_email=lookup, **_copilot_options(args))
    print("\n".join(_import_lines(report, args.format)))
    return 0


# -- import-usage --from-api (bot/usage/fetch.py) -------------------------------------------------


def cmd_import_usage_from_api(args: argparse.Namespace, settings: Settings) -> int:
    """``import-usage --from-api P [--since D] [--until D]``: a provider's report pulled over HTTPS with
    the admin key from the environment, every page into one import (a failed page: nothing kept)."""
    from bot.services.usage_import import import_rows, mapped_key_check, slack_email_lookup
    from bot.usage.fetch import FetchError, fetch

    if args.from_api == "copilot":
        return cmd_import_copilot(args, settings)
    if args.logins:
        raise CliError("--logins maps GitHub logins: it goes with --format copilot or --from-api copilot")
    try:
        run = fetch(args.from_api, args.since, args.until)
        engine = _engine(settings)
        run = dataclasses.replace(run, mapped=mapped_key_check(engine))  # a mapping wins over an id's owner
        lookup = slack_email_lookup(_client(settings)) if settings.slack_bot_token else None
        report = import_rows(engine, run.source, run, lookup_email=lookup, label=run.label)
    except FetchError as exc:
        raise CliError(f"{exc}. Nothing was imported.") from None
    print("\n".join([*_import_lines(report, args.from_api), *run.notes]))
    return 0


def cmd_import_copilot(args: argparse.Namespace, settings: Settings) -> int:
    """``import-usage --from-api copilot --org ORG [--logins FILE]``: the organization's users-1-day Copilot
    reports and their NDJSON downloads (bot/usage/pull/copilot.py), every day into one import."""
    from bot.services.usage_import import import_rows, slack_email_lookup
    from bot.usage.fetch import FetchError
    from bot.usage.formats.copilot import load_logins
    from bot.usage.pull.copilot import pull

    try:
        run = pull(args.org, args.since, args.until, logins=load_logins(args.logins) if args.logins else None)
        engine = _engine(settings)
        lookup = slack_email_lookup(_client(settings)) if settings.slack_bot_token else None
        report = import_rows(engine, run.source, run, lookup_email=lookup, label=run.label, strict_duplicates=True)
    except FetchError as exc:
        raise CliError(f"{exc}. Nothing was imported.") from None
    lines = _import_lines(report, "copilot")
    if run.days_without_report:
        lines.append(f"GitHub has no Copilot report (yet) for {', '.join(map(str, run.days_without_report))}.")
    print("\n".join(lines))
    return 0


def _copilot_options(args: argparse.Namespace) -> dict[str, object]:
    """``--logins FILE`` (Copilot only): the parser that keys mapped logins by e-mail."""
    if not getattr(args, "logins", None):
        return {}
    if args.format != "copilot":
        raise CliError("--logins maps GitHub logins: it goes with --format copilot or --from-api copilot")
    import functools

    from bot.usage.formats.copilot import load_logins, parse

    return {"parse": functools.partial(parse, logins=load_logins(args.logins))}


class _FromApi(argparse.Action):
    """``--from-api P`` runs cmd_import_usage_from_api instead of the file import."""

    def __call__(
        self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, value: object, _option: object = None
    ) -> None:
        setattr(namespace, self.dest, value)
        namespace.func = cmd_import_usage_from_api


def _utc_day(text: str) -> object:
    from bot.usage.fetch import parse_day

    try:
        return parse_day(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _records(usage: int, activity: int) -> str:
    return f"{_count(usage, 'usage record')} and {_count(activity, 'activity record')}"


def cmd_identities_map(args: argparse.Namespace, settings: Settings) -> int:
    from bot.services.identities import map_key

    done = map_key(_engine(settings), args.key, args.user)
    was = f" (it was mapped to {done.previous})" if done.previous and done.previous != done.slack_user_id else ""
    print(f"Mapped {done.key} to {done.slack_user_id}{was}.")
    print(
        f"{_records(done.usage_records, done.activity_records)} already imported under {done.key} now count as "
        f"theirs ({_count(done.summaries, 'weekly token summary', 'weekly token summaries')} refreshed); "
        f"future imports attribute {done.key} to them too."
    )
    return 0


def cmd_identities_unmap(args: argparse.Namespace, settings: Settings) -> int:
    from bot.services.identities import unmap_key

    done = unmap_key(_engine(settings), args.key)
    print(f"Unmapped {done.key} (it was mapped to {done.previous}).")
    owner = f"attributed to {done.slack_user_id}, whom the key names" if done.slack_user_id else "unattributed again"
    print(
        f"Its {_records(done.usage_records, done.activity_records)} are {owner} "
        f"({_count(done.summaries, 'weekly token summary', 'weekly token summaries')} refreshed)."
    )
    return 0


def cmd_identities_list(_args: argparse.Namespace, settings: Settings) -> int:
    from bot.services.identities import list_identities

    listing = list_identities(_engine(settings), UNATTRIBUTED_SHOWN)
    if listing.mappings:
        print("Mapped keys:")
        for m in listing.mappings:
            print(f"  {m.key} → {m.slack_user_id} ({_records(m.usage_records, m.activity_records)})")
    else:
        print("No keys are mapped (map one with `airetro identities map KEY U…`).")
    if listing.unattributed:
        print("Unattributed keys (their records are kept, attributed to nobody):")
        for key, n in listing.unattributed:
            print(f"  {key}: {_count(n, 'record')}")
        more = listing.unattributed_total - len(listing.unattributed)
        if more:
            print(f"  … and {_count(more, 'more key')}")
    else:
        print("No unattributed usage.")
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
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="HTTP mode: N web processes on the port (restarted if one dies); default 1",
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
    digest.set_defaults(func=cmd_digest)

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
        choices=["anthropic", "claude-code", "openai", "cursor", "copilot"],
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
    usage.set_defaults(func=cmd_import_usage)

    member = sub.add_parser("member", help="a person's team settings").add_subparsers(
        dest="member_command", required=True
    )
    primary = member.add_parser(
        "primary", help="the team a member of several teams counts in (one team a week), from their next prompt on"
    )
    primary.add_argument("user", metavar="U…", help="the person's Slack user ID")
    primary.add_argument("team", help="the team's name (they must be a member)")
    primary.set_defaults(func=cmd_member_primary)

    identities = sub.add_parser(
        "identities", help="map usage keys (API keys, project ids, LiteLLM users) to people"
    ).add_subparsers(dest="identities_command", required=True)
    mapping = identities.add_parser("map", help="attribute KEY's usage (imported and future) to a Slack user")
    mapping.add_argument("key", help="the key as the import reported it")
    mapping.add_argument("user", metavar="U…", help="the person's Slack user ID")
    mapping.set_defaults(func=cmd_identities_map)
    unmapping = identities.add_parser("unmap", help="remove KEY's mapping: its usage is unattributed again")
    unmapping.add_argument("key")
    unmapping.set_defaults(func=cmd_identities_unmap)
    identities.add_parser("list", help="the mapped keys and the unattributed ones").set_defaults(
        func=cmd_identities_list
    )

    db = sub.add_parser("db", help="the database").add_subparsers(dest="db_command", required=True)
    db.add_parser(
        "check", help="engine, server version, schema version against the newest, row counts (migrates nothing)"
    ).set_defaults(func=cmd_db_check)
    db.add_parser("upgrade", help="migrate the schema to the newest version (as any command does)").set_defaults(
        func=cmd_db_upgrade
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logs.configure(args.verbose)
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
