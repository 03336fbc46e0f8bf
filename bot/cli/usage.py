"""``airetro import-usage``: token usage from files (``--format F FILE…``), from a provider's API
(``--from-api P``), or GitHub Copilot's reports (``--from-api copilot --org ORG``); the same import pipeline
(bot/services/usage_import.py) and the same report of what it did."""

from __future__ import annotations

import argparse
import dataclasses
import functools

from bot.cli.common import UNATTRIBUTED_SHOWN, CliError, counted, open_database, slack_client
from bot.config import Settings
from bot.services.usage_import import ImportReport, import_files, import_rows, mapped_key_check, slack_email_lookup
from bot.usage.fetch import FetchError, fetch
from bot.usage.formats import copilot
from bot.usage.pull.copilot import pull


def cmd_import_usage(args: argparse.Namespace, settings: Settings) -> int:
    engine = open_database(settings)
    lookup = slack_email_lookup(slack_client(settings)) if settings.slack_bot_token else None
    report = import_files(engine, args.format, args.files, lookup_email=lookup, **_copilot_options(args))
    print("\n".join(_import_lines(report, args.format)))
    return 0


def cmd_import_usage_from_api(args: argparse.Namespace, settings: Settings) -> int:
    """``import-usage --from-api P [--since D] [--until D]``: a provider's report pulled over HTTPS with
    the admin key from the environment, every page into one import (a failed page: nothing kept)."""
    if args.from_api == "copilot":
        return cmd_import_copilot(args, settings)
    if args.logins:
        raise CliError("--logins maps GitHub logins: it goes with --format copilot or --from-api copilot")
    try:
        run = fetch(args.from_api, args.since, args.until)
        engine = open_database(settings)
        run = dataclasses.replace(run, mapped=mapped_key_check(engine))  # a mapping wins over an id's owner
        lookup = slack_email_lookup(slack_client(settings)) if settings.slack_bot_token else None
        report = import_rows(engine, run.source, run, lookup_email=lookup, label=run.label)
    except FetchError as exc:
        raise CliError(f"{exc}. Nothing was imported.") from None
    print("\n".join([*_import_lines(report, args.from_api), *run.notes]))
    return 0


def cmd_import_copilot(args: argparse.Namespace, settings: Settings) -> int:
    """``import-usage --from-api copilot --org ORG [--logins FILE]``: the organization's users-1-day Copilot
    reports and their NDJSON downloads (bot/usage/pull/copilot.py), every day into one import."""
    try:
        run = pull(args.org, args.since, args.until, logins=copilot.load_logins(args.logins) if args.logins else None)
        engine = open_database(settings)
        lookup = slack_email_lookup(slack_client(settings)) if settings.slack_bot_token else None
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
    return {"parse": functools.partial(copilot.parse, logins=copilot.load_logins(args.logins))}


def _import_lines(report: ImportReport, fmt: str) -> list[str]:
    """What an import did, for the operator: rows, attribution, the unattributed keys with their rows."""
    files = report.files[0] if len(report.files) == 1 else f"{len(report.files)} files ({', '.join(report.files)})"
    unattributed = sum(report.unattributed_keys.values())
    stored = f"Stored {counted(report.usage_records, 'usage record')} (one per key, day and model)"
    if report.activity_rows:
        stored += f" and {counted(report.activity_records, 'activity record')} (one per key and day)"
    repeated = f"{report.repeated:,} repeated a request already read and count once; " if report.repeated else ""
    lines = [
        f"Imported {counted(report.rows, 'row')} from {files} (format {fmt}): {repeated}{report.attributed:,} "
        f"matched to people, {unattributed:,} unattributed.",
        f"{stored}; {counted(report.person_weeks, 'weekly token summary', 'weekly token summaries')} refreshed.",
    ]
    if report.unattributed_keys:
        lines.append("Unattributed, kept (attribute a key with `airetro identities map KEY U…`):")
        shown = list(report.unattributed_keys.items())[:UNATTRIBUTED_SHOWN]
        lines += [f"  {key}: {counted(n, 'row')}" for key, n in shown]
        more = len(report.unattributed_keys) - len(shown)
        if more:
            lines.append(f"  … and {counted(more, 'more key')} (see `airetro identities list`)")
    return lines
