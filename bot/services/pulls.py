"""Scheduled usage pulls: the API pulls an operator lists once in ``USAGE_PULLS``, run daily by the scheduler.

``USAGE_PULLS=anthropic,claude-code,openai,cursor,copilot`` (any subset) names the pulls; each needs the key
``airetro import-usage --from-api`` reads (``ANTHROPIC_ADMIN_KEY``, ``OPENAI_ADMIN_KEY``, ``CURSOR_ADMIN_KEY``,
``GITHUB_TOKEN``) and copilot the organization in ``GITHUB_ORG``. ``configured()`` checks them when the
scheduler starts and names the first bad setting in one line.

Every minute ``schedule.catch_up`` calls ``run_due``: after ``RUN_AFTER`` (03:00 UTC) each configured pull
not run today is claimed in ``usage_pulls`` with a conditional UPDATE (one scheduler process wins, however
many tick), then pulled through the same code as ``--from-api`` and imported by the one pipeline. The period
is incremental: from the day before the last successful run's day (one day of overlap: a bucketed source
replaces the days it covers, a request-level one keeps each request once, so the overlap changes nothing
but late data) up to yesterday; a first run takes the last ``FIRST_DAYS`` days, and a long failing streak
at most ``MAX_DAYS``. The outcome (rows, or a one-line error) is kept for ``airetro schedule show``. A
failure is told to the managers of every team in a DM, once per failing streak: not again until a pull
of that source has succeeded. A claimed run is not retried the same day, failed or not (nor a run whose
process died half-way): the next one is tomorrow.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError

from bot.config import ConfigError
from storage.engine import session_scope
from storage.models import Person, TeamManager, UsagePull

log = logging.getLogger(__name__)

ENV = "USAGE_PULLS"
ORG_ENV = "GITHUB_ORG"
RUN_AFTER = time(3, 0)  # UTC: the providers' reports of yesterday are complete by then
FIRST_DAYS = 7
MAX_DAYS = 90  # a long failing streak catches up this far back at most

# source → (environment variables it needs, the provider's name for messages, what an operator checks)
SOURCES: dict[str, tuple[tuple[str, ...], str, str]] = {
    "anthropic": (
        ("ANTHROPIC_ADMIN_KEY",),
        "Anthropic usage report",
        "that ANTHROPIC_ADMIN_KEY is a current Admin API key (sk-ant-admin…) and ANTHROPIC_API_URL, if set",
    ),
    "claude-code": (
        ("ANTHROPIC_ADMIN_KEY",),
        "Claude Code analytics",
        "that ANTHROPIC_ADMIN_KEY is a current Admin API key (sk-ant-admin…) and ANTHROPIC_API_URL, if set",
    ),
    "openai": (
        ("OPENAI_ADMIN_KEY",),
        "OpenAI usage report",
        "that OPENAI_ADMIN_KEY is a current organization Admin key and OPENAI_API_URL, if set",
    ),
    "cursor": (
        ("CURSOR_ADMIN_KEY",),
        "Cursor Admin API",
        "that CURSOR_ADMIN_KEY is a current Cursor Admin API key and CURSOR_API_URL, if set",
    ),
    "copilot": (
        ("GITHUB_TOKEN", ORG_ENV),
        "GitHub Copilot usage metrics",
        "that GITHUB_TOKEN may still read the Copilot metrics of the GITHUB_ORG organization "
        "(and GITHUB_API_URL, if set)",
    ),
}


class PullConfigError(ConfigError):
    """``USAGE_PULLS`` names an unknown source, or a source whose key (or organization) is not set."""


def configured(env: Mapping[str, str] | None = None) -> list[str]:
    """The sources ``USAGE_PULLS`` lists, in its order (none when unset); PullConfigError names a bad one."""
    env = os.environ if env is None else env
    raw = (env.get(ENV) or "").strip()
    if not raw:
        return []
    names = [name.strip().lower() for name in raw.split(",") if name.strip()]
    for name in names:
        if name not in SOURCES:
            raise PullConfigError(f"{ENV}: unknown source {name!r} (use any of {', '.join(SOURCES)})")
        for var in SOURCES[name][0]:
            if not (env.get(var) or "").strip():
                raise PullConfigError(f"{ENV} lists {name} but {var} is not set")
    return list(dict.fromkeys(names))


# -- the daily run ----------------------------------------------------------------------------------


def run_due(engine: Engine, client: WebClient, now: datetime, env: Mapping[str, str] | None = None) -> None:
    """Run every configured pull due and not claimed yet today; one pull's failure never stops the others."""
    if now.astimezone(UTC).time() < RUN_AFTER:
        return
    try:
        sources = configured(env)
    except PullConfigError as exc:
        log.error("scheduled usage pulls skipped: %s", exc)
        return
    for source in sources:
        try:
            _run_if_due(engine, client, source, now, env)
        except Exception:
            log.exception("scheduled %s pull failed unexpectedly; next try tomorrow", source)


def _run_if_due(engine: Engine, client: WebClient, source: str, now: datetime, env: Mapping[str, str] | None) -> None:
    today = now.astimezone(UTC).date()
    since = _claim(engine, source, now)
    if since is None:
        return
    until = today - timedelta(days=1)
    _store(engine, source, last_since=since, last_until=until)
    try:
        rows = _pull(engine, client, source, since, until, today, env)
    except Exception as exc:
        error = _one_line(exc)
        expected = isinstance(exc, ValueError) or type(exc).__name__ == "FetchError"  # UsageFileError: a ValueError
        log.warning("scheduled %s pull %s..%s failed: %s", source, since, until, error, exc_info=not expected)
        _store(engine, source, state="failed", last_error=error, last_rows=None)
        _report_failure(engine, client, source, error)
        return
    _store(engine, source, state="ok", last_error=None, last_rows=rows, last_success_day=today, failure_reported=False)
    log.info("scheduled %s pull %s..%s: %d rows imported", source, since, until, rows)


def _claim(engine: Engine, source: str, now: datetime) -> date | None:
    """Claim today's run of ``source``: None if a run (this or another process) has it already; else the
    first day to pull."""
    today = now.astimezone(UTC).date()
    try:
        with session_scope(engine) as session:
            if session.execute(select(UsagePull.id).where(UsagePull.source == source)).first() is None:
                session.add(UsagePull(source=source))
    except IntegrityError:
        pass  # another process created it first
    with session_scope(engine) as session:
        result = session.execute(
            update(UsagePull)
            .where(UsagePull.source == source)
            .where((UsagePull.last_run_day.is_(None)) | (UsagePull.last_run_day < today))
            .values(last_run_day=today, last_run_at=now.astimezone(UTC), state="running")
        )
        if result.rowcount != 1:
            return None
        success = session.execute(select(UsagePull.last_success_day).where(UsagePull.source == source)).scalar_one()
    if success is None:
        return today - timedelta(days=FIRST_DAYS)
    # the last success pulled up to the day before it ran (success - 1): go on from the day after that,
    # minus one day of overlap
    return max(success - timedelta(days=1), today - timedelta(days=MAX_DAYS))


def _store(engine: Engine, source: str, **values: object) -> None:
    with session_scope(engine) as session:
        session.execute(update(UsagePull).where(UsagePull.source == source).values(**values))


def _pull(
    engine: Engine,
    client: WebClient,
    source: str,
    since: date,
    until: date,
    today: date,
    env: Mapping[str, str] | None,
) -> int:
    """Pull ``source`` for since..until as ``--from-api`` does and import it; the rows read."""
    from bot.services.usage_import import import_rows, mapped_key_check, slack_email_lookup

    env = os.environ if env is None else env
    lookup = slack_email_lookup(client)
    if source == "copilot":
        from bot.usage.pull.copilot import pull

        run = pull(env.get(ORG_ENV), since, until, env, today=today)
        report = import_rows(engine, run.source, run, lookup_email=lookup, label=run.label, strict_duplicates=True)
    else:
        from bot.usage.fetch import fetch

        run = fetch(source, since, until, env, today=today, mapped=mapped_key_check(engine))
        report = import_rows(engine, run.source, run, lookup_email=lookup, label=run.label)
    return report.rows


def _one_line(exc: BaseException) -> str:
    """The exception as one line for an operator (never a traceback)."""
    text = (str(exc).strip().splitlines() or [""])[0].strip()
    if text and (isinstance(exc, ValueError) or type(exc).__name__ == "FetchError"):
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# -- telling the managers -----------------------------------------------------------------------------


def failure_message(source: str, error: str) -> str:
    """The DM a manager gets when a scheduled pull fails (pure)."""
    _vars, title, check = SOURCES[source]
    return (
        f":warning: The daily usage pull `{source}` ({title}) failed: {error}\n"
        f"It will be retried tomorrow after {RUN_AFTER:%H:%M} UTC, from the last day it imported; until then "
        f"the token figures miss the days since. Please check {check}. "
        f"`airetro schedule show` shows each pull's last outcome. You will not hear about this pull again "
        f"until it has succeeded."
    )


def _report_failure(engine: Engine, client: WebClient, source: str, error: str) -> None:
    """DM the managers of every team, once per failing streak (the first process to flip the flag sends).
    With no manager anywhere the flag stays down: a manager named later hears of the streak."""
    with session_scope(engine) as session:
        managers = sorted(
            session.execute(select(Person.slack_user_id).join(TeamManager, TeamManager.person_id == Person.id))
            .scalars()
            .unique()
        )
        if not managers:
            log.warning("scheduled %s pull failed and no team has a manager to tell: %s", source, error)
            return
        claimed = session.execute(
            update(UsagePull)
            .where(UsagePull.source == source)
            .where(UsagePull.failure_reported.is_(False))
            .values(failure_reported=True)
        ).rowcount
    if claimed != 1:
        return  # told already in this streak
    text = failure_message(source, error)
    for user_id in managers:
        try:
            client.chat_postMessage(channel=user_id, text=text)
        except (SlackApiError, SlackClientError, OSError) as exc:
            log.warning("could not tell %s that the %s pull failed: %s", user_id, source, exc)


# -- what ``airetro schedule show`` lists ---------------------------------------------------------------


@dataclass(frozen=True)
class PullStatus:
    source: str
    row: UsagePull | None  # None: never claimed


def statuses(engine: Engine, env: Mapping[str, str] | None = None) -> list[PullStatus]:
    """Each configured pull with its stored state (PullConfigError for a bad ``USAGE_PULLS``)."""
    sources = configured(env)
    with session_scope(engine) as session:
        rows = {r.source: r for r in session.execute(select(UsagePull)).scalars().all()}
        for row in rows.values():
            session.expunge(row)
    return [PullStatus(source, rows.get(source)) for source in sources]


def next_run(row: UsagePull | None, now: datetime) -> datetime:
    """When the pull runs next: today at 03:00 UTC (or at the next tick once that passed) unless it ran today."""
    now = now.astimezone(UTC)
    today = now.date()
    if row is not None and row.last_run_day is not None and row.last_run_day >= today:
        return datetime.combine(today + timedelta(days=1), RUN_AFTER, UTC)
    return max(datetime.combine(today, RUN_AFTER, UTC), now)


def format_statuses(pulls: list[PullStatus], now: datetime) -> list[str]:
    """Plain text lines for ``schedule show`` (pure); none when no pull is configured."""
    if not pulls:
        return []
    lines = [f"Usage pulls ({ENV}, daily after {RUN_AFTER:%H:%M} UTC)"]
    for pull in pulls:
        row = pull.row
        upcoming = next_run(row, now)
        nxt = (
            "next run at the scheduler's next tick"
            if upcoming <= now.astimezone(UTC)
            else f"next {upcoming:%Y-%m-%d %H:%M} UTC"
        )
        if row is None or row.last_run_at is None:
            lines.append(f"  {pull.source:<12} never run; {nxt}")
            continue
        span = f" {row.last_since}..{row.last_until}" if row.last_since and row.last_until else ""
        ran = f"last run {_utc(row.last_run_at):%Y-%m-%d %H:%M} UTC{span}"
        if row.state == "ok":
            outcome = f"ok, {row.last_rows or 0:,} rows imported"
        elif row.state == "failed":
            told = "managers told" if row.failure_reported else "managers not told: no team has a manager"
            since = f"; last success {row.last_success_day}" if row.last_success_day else "; never succeeded"
            outcome = f"FAILED: {row.last_error} ({told}{since})"
        else:
            outcome = "running (or stopped half-way; retried on the next run)"
        lines.append(f"  {pull.source:<12} {ran}: {outcome}; {nxt}")
    return lines


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
