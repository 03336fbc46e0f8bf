"""The large database ``benchmarks/scale.py`` measures: built through the project's schema, filled by bulk SQL.

``build(url, shape)`` migrates a fresh database (``storage.engine.migrate``), then writes every row of the shape
directly into the project's tables in one transaction (SQLite: ``executemany`` with ``synchronous=OFF``;
PostgreSQL: ``COPY`` through psycopg, then ``VACUUM ANALYZE``), computes the weekly token summaries with one
``INSERT … SELECT`` (``check_summaries`` compares a sample with what ``refresh_token_summaries`` computes: that
takes minutes for half a million person-weeks) and publishes the closed weeks: ``publish="all"`` the way
production does (``publish_closed``), ``publish="measured"`` only each team's last 8 with the project's
``publish`` (what the benchmark reads: for code on which publishing a 10,000-member week is slow) and the older
ones stored as weeks with nothing to show, so that no process publishes them later.

The shape (``Shape``; deterministic: one seeded ``random.Random``):

* team ``Big`` of ``members`` people and ``other_teams`` teams of about ``other_size`` each; everyone is in one
  team; schedule: prompt Monday 10:00 UTC, digest Friday 16:00 UTC, minimum respondents 3; one manager each;
* ``weeks`` closed ISO weeks ending with the latest week closed at ``now``, and the week open at ``now``;
* each week every member has a delivery (``sent``; ``direct`` for a few who logged on their own) with an answer:
  helped ~60 %, didn't help ~10 %, skipped ~10 %, pending ~20 % (the open week: fewer answers so far);
* moments only on "helped" answers, ~1.55 each, so ~0.93 per delivery: outcome, time saved, quality,
  counterfactual and tool drawn from ``bot.vocabulary``; sharing mostly private, ~2 % anonymous, ~2 % named;
* usage records (source ``anthropic``, keyed by e-mail), one per person, day and model: most workdays, few
  weekend days, one model a day and sometimes a second (~330 a person a year: ~3.5M at 10,000 members); the
  open week's usage up to the day before ``now``;
* Claude Code activity records (source ``claude-code``) for a fifth of the people, on about half their workdays.
"""

from __future__ import annotations

import hashlib
import math
import random
import sqlite3
import time
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, text
from sqlmodel import Session, select

from bot import vocabulary as v
from bot.services.publication import closes_at, current_week
from bot.usage.overlap import counted_rule
from storage.dialect import sql_text, thursday_of
from storage.engine import make_engine, migrate, session_scope
from storage.models import Team, TokenSummary
from storage.queries.usage import refresh_token_summaries
from storage.weeks import week_days, week_key, weeks_back

BUILD_VERSION = 1  # change when the generated data changes: cached databases are named after it
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday: week 2026-W48 is open, 2026-W47 the last closed
BIG = "Big"
USAGE_SOURCE = "anthropic"
ACTIVITY_SOURCE = "claude-code"
TZ = "UTC"
PROMPT = (0, "10:00")  # Monday
DIGEST = (4, "16:00")  # Friday
BATCH = 50_000  # rows buffered before they are written
MEASURED_WEEKS = 8  # the closed weeks the benchmark's paths read (the digest's trend window; the summary's 4)
# model, $ per million input / output / cache-read / cache-write tokens, and how often it is someone's main one
MODELS = (
    ("claude-sonnet-4-5", 3.0, 15.0, 0.30, 3.75, 50),
    ("claude-opus-4-1", 15.0, 75.0, 1.50, 18.75, 10),
    ("claude-haiku-4-5", 1.0, 5.0, 0.10, 1.25, 25),
    ("gpt-4.1", 2.0, 8.0, 0.50, 0.0, 15),
)
ANSWERS = ((v.HELPED, 60), (v.DIDNT_HELP, 10), (v.SKIPPED, 10), (v.PENDING, 20))
OPEN_WEEK_ANSWERS = ((v.HELPED, 35), (v.DIDNT_HELP, 5), (v.SKIPPED, 5), (v.PENDING, 55))
MOMENTS_PER_HELPED = ((1, 60), (2, 27), (3, 10), (4, 3))  # mean 1.56: ~0.93 per delivery at 60 % helped
OUTCOME_WEIGHTS = {"feature": 20, "bug": 22, "review": 12, "tests": 14, "docs": 8, "learn": 12, "ops": 5, "other": 7}
TIME_WEIGHTS = {"cost": 5, "none": 8, "lt30m": 20, "30m_1h": 25, "1h_2h": 20, "2h_4h": 13, "4h_8h": 6, "gt8h": 3}
QUALITY_WEIGHTS = {"better": 35, "same": 45, "worse": 10, "redo": 10}
COUNTERFACTUAL_WEIGHTS = {"yes": 60, "later": 25, "no": 15}
TOOL_WEIGHTS = {"claude_code": 45, "copilot": 15, "chatgpt": 15, "cursor": 15, "internal_agent": 5, "other": 5}
SHARING_WEIGHTS = {"private": 96, "anonymous": 2, "named": 2}

# Every column written, per table, in the order the rows below give them (all NOT NULL columns included).
COLUMNS: dict[str, tuple[str, ...]] = {
    "teams": (
        "id", "name", "channel_id", "tz", "prompt_weekday", "prompt_time", "digest_weekday", "digest_time",
        "min_respondents", "reminder_hours", "per_member_tz", "paused", "created_at", "membership", "usergroup_id",
        "members_synced_at", "share_free_text",
    ),
    "people": (
        "id", "slack_user_id", "email", "display_name", "tz", "tz_checked_at", "prompts_paused", "primary_team_id",
    ),
    "team_members": ("id", "team_id", "person_id"),
    "team_managers": ("id", "team_id", "person_id"),
    "cycles": ("id", "team_id", "week", "created_at"),
    "deliveries": (
        "id", "cycle_id", "person_id", "week", "state", "answer", "channel_id", "message_ts", "error", "claimed_at",
        "sent_at", "answered_at", "reminder_state", "reminder_ts", "reminded_at", "claimed_by", "reminder_by",
    ),
    "moments": (
        "id", "delivery_id", "view_id", "what", "outcome", "time_saved", "quality", "counterfactual", "tool", "link",
        "sharing", "created_at",
    ),
    "usage_records": (
        "id", "source", "person_key", "person_id", "day", "model", "input_tokens", "output_tokens",
        "cache_read_tokens", "cache_write_tokens", "cost_usd", "estimated_cost_usd", "unknown_cost_tokens", "requests",
        "imported_at",
    ),
    "activity_records": (
        "id", "source", "person_key", "person_id", "day", "sessions", "lines_added", "lines_removed", "commits",
        "pull_requests", "tool_accepted", "tool_rejected", "interactions", "code_generations", "code_acceptances",
        "agent_requests", "imported_at",
    ),
}  # fmt: skip
TABLES = tuple(COLUMNS)  # in the order rows must reach PostgreSQL (foreign keys)


@dataclass(frozen=True)
class Shape:
    """What to build. ``key`` names the cached database: the same shape and BUILD_VERSION, the same data."""

    members: int = 10_000
    other_teams: int = 20
    other_size: int = 25
    weeks: int = 52
    seed: int = 14
    now: datetime = NOW
    publish: str = "all"  # "all": publish_closed; "measured": each team's last 8 closed weeks (_publish_measured)

    def key(self) -> str:
        described = {**asdict(self), "now": self.now.isoformat(), "version": BUILD_VERSION}
        return hashlib.sha256(repr(sorted(described.items())).encode()).hexdigest()[:12]

    def team(self) -> Team:
        """A team with the shape's schedule (not stored): for the project's own week arithmetic."""
        return Team(
            name=BIG, channel_id="C0", tz=TZ, prompt_weekday=PROMPT[0], prompt_time=PROMPT[1],
            digest_weekday=DIGEST[0], digest_time=DIGEST[1], created_at=self.now,
        )  # fmt: skip

    def open_week(self) -> str | None:
        """The week open at ``now`` (None: the current week has closed already)."""
        team = self.team()
        week = current_week(team, self.now)
        return week if self.now < closes_at(team, week) else None

    def last_closed_week(self) -> str:
        team = self.team()
        week = current_week(team, self.now)
        if self.open_week() is None:
            return week
        return week_key(week_days(week)[0] - timedelta(weeks=1))

    def closed_weeks(self) -> list[str]:
        return weeks_back(self.last_closed_week(), self.weeks)

    def all_weeks(self) -> list[str]:
        open_week = self.open_week()
        return self.closed_weeks() + ([open_week] if open_week else [])

    def viewer(self) -> str:
        """A plain member of Big (not its manager): whose App Home is measured."""
        return slack_id(self.members // 2 + 1)


def slack_id(person_id: int) -> str:
    return f"U{person_id:08d}"


def email(person_id: int) -> str:
    return f"dev{person_id:06d}@corp.example"


def _weighted(rng: random.Random, weights: dict[str, int] | tuple[tuple[Any, int], ...]) -> Iterator[Any]:
    """An endless stream of draws (cumulative weights once, then one ``random()`` per draw)."""
    pairs = list(weights.items()) if isinstance(weights, dict) else list(weights)
    values = [value for value, _ in pairs]
    total, acc, bounds = sum(w for _, w in pairs), 0, []
    for _, weight in pairs:
        acc += weight
        bounds.append(acc / total)
    last = len(values) - 1
    while True:
        yield values[min(bisect_right(bounds, rng.random()), last)]


@dataclass
class _Person:
    id: int
    team_id: int
    key: str
    scale: float  # how heavily they use AI
    model: int  # their main model
    claude_code: bool  # has Claude Code activity


@dataclass
class BuildReport:
    seconds: dict[str, float] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    published: int = 0


class _Sink:
    """Rows buffered per table, written every table in ``TABLES`` order (foreign keys) once there are enough."""

    def __init__(self, write: Callable[[str, list[tuple]], None]) -> None:
        self.write = write
        self.buffers: dict[str, list[tuple]] = {name: [] for name in TABLES}
        self.counts: dict[str, int] = dict.fromkeys(TABLES, 0)

    def maybe_flush(self) -> None:
        if sum(len(rows) for rows in self.buffers.values()) >= BATCH:
            self.flush()

    def flush(self) -> None:
        for name in TABLES:
            rows = self.buffers[name]
            if rows:
                self.write(name, rows)
                self.counts[name] += len(rows)
                rows.clear()


class _Stamps:
    """Times as the database takes them, made fast (millions are needed): on SQLite the text SQLAlchemy
    writes for a DateTime, on PostgreSQL aware datetimes. Whole seconds since the epoch in."""

    def __init__(self, sqlite: bool) -> None:
        self.sqlite = sqlite
        self.days: dict[int, str] = {}

    def at(self, epoch: int) -> str | datetime:
        if not self.sqlite:
            return datetime.fromtimestamp(epoch, UTC)
        day, second = divmod(epoch, 86400)
        text = self.days.get(day)
        if text is None:
            text = self.days[day] = date.fromordinal(_EPOCH_ORDINAL + day).isoformat()
        return f"{text} {second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}.000000"

    def day(self, value: date) -> str | date:
        return value.isoformat() if self.sqlite else value


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def _epoch(at: datetime) -> int:
    return int(at.timestamp())


class _Generator:
    """Generates the shape's rows in the order production writes them: week by week."""

    def __init__(self, shape: Shape, sink: _Sink, stamps: _Stamps) -> None:
        self.shape, self.sink, self.stamps = shape, sink, stamps
        self.rng = random.Random(shape.seed)
        self.ids: dict[str, int] = dict.fromkeys(TABLES, 0)
        self.teams: list[tuple[int, str, list[_Person]]] = []
        self.people_all: list[_Person] = []

    def _id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def people(self) -> None:
        shape, rng, rows = self.shape, self.rng, self.sink.buffers
        created = self.stamps.at(_epoch(shape.now - timedelta(weeks=shape.weeks + 2)))
        sizes = [(BIG, shape.members)] + [
            (f"Team {n:02d}", max(3, shape.other_size + rng.randint(-5, 5))) for n in range(1, shape.other_teams + 1)
        ]
        models = _weighted(rng, tuple((i, m[5]) for i, m in enumerate(MODELS)))
        for name, size in sizes:
            team_id = self._id("teams")
            rows["teams"].append((
                team_id, name, f"C{team_id:08d}", TZ, PROMPT[0], PROMPT[1], DIGEST[0], DIGEST[1], 3, 24, False, False,
                created, "people", None, None, True,
            ))  # fmt: skip
            members = []
            for _ in range(size):
                pid = self._id("people")
                rows["people"].append((pid, slack_id(pid), email(pid), f"Dev {pid}", None, None, False, None))
                rows["team_members"].append((self._id("team_members"), team_id, pid))
                scale = 0.25 + rng.random() * 2.5
                members.append(_Person(pid, team_id, email(pid), scale, next(models), rng.random() < 0.2))
            rows["team_managers"].append((self._id("team_managers"), team_id, members[0].id))
            self.teams.append((team_id, name, members))
            self.people_all += members
            self.sink.maybe_flush()

    def week(self, week: str, is_open: bool) -> None:
        monday, _ = week_days(week)
        prompt_at = _epoch(datetime.combine(monday, datetime.min.time(), tzinfo=UTC)) + 10 * 3600
        self._answers(week, prompt_at, is_open)
        last_day = self.shape.now.date() - timedelta(days=1) if is_open else monday + timedelta(days=6)
        day = monday
        while day <= last_day:
            self._usage(day)
            day += timedelta(days=1)

    def _answers(self, week: str, prompt_at: int, is_open: bool) -> None:
        rng, rows, at = self.rng, self.sink.buffers, self.stamps.at
        random_ = rng.random
        answers = _weighted(rng, OPEN_WEEK_ANSWERS if is_open else ANSWERS)
        moments_per = _weighted(rng, MOMENTS_PER_HELPED)
        outcomes, times = _weighted(rng, OUTCOME_WEIGHTS), _weighted(rng, TIME_WEIGHTS)
        qualities, counterfactuals = _weighted(rng, QUALITY_WEIGHTS), _weighted(rng, COUNTERFACTUAL_WEIGHTS)
        tools, sharings = _weighted(rng, TOOL_WEIGHTS), _weighted(rng, SHARING_WEIGHTS)
        now = _epoch(self.shape.now)
        window = (now - prompt_at if is_open else 4 * 86400) - 120
        claimed, sent = at(prompt_at), at(prompt_at + 2)
        remind_at = prompt_at + 24 * 3600
        reminded_stamp = at(remind_at)
        deliveries, moments = rows["deliveries"], rows["moments"]
        delivery_id, moment_id = self.ids["deliveries"], self.ids["moments"]
        for team_id, _, members in self.teams:
            cycle_id = self._id("cycles")
            rows["cycles"].append((cycle_id, team_id, week, claimed))
            for person in members:
                answer = next(answers)
                answered_at = prompt_at + 60 + int(random_() * window) if answer != v.PENDING else None
                direct = answer == v.HELPED and random_() < 0.03
                late = answered_at is None or answered_at > remind_at
                reminded = not direct and late and now > remind_at
                delivery_id += 1
                deliveries.append((
                    delivery_id, cycle_id, person.id, week, "direct" if direct else "sent", answer,
                    None if direct else f"D{person.id:08d}", None if direct else f"{prompt_at}.{person.id:06d}",
                    None, claimed, claimed if direct else sent, at(answered_at) if answered_at else None,
                    "sent" if reminded else None, f"{remind_at}.{person.id:06d}" if reminded else None,
                    reminded_stamp if reminded else None, None, None,
                ))  # fmt: skip
                if answer != v.HELPED:
                    continue
                for n in range(next(moments_per)):
                    moment_id += 1
                    outcome = next(outcomes)
                    moments.append((
                        moment_id, delivery_id, f"V{moment_id:010d}", f"{v.OUTCOMES[outcome]}: task {moment_id}",
                        outcome, next(times), next(qualities), next(counterfactuals), next(tools),
                        f"https://git.corp.example/pull/{moment_id}" if random_() < 0.3 else None, next(sharings),
                        at(answered_at + 60 * n),
                    ))  # fmt: skip
            self.ids["deliveries"], self.ids["moments"] = delivery_id, moment_id
            self.sink.maybe_flush()

    def _usage(self, day: date) -> None:
        random_, rows = self.rng.random, self.sink.buffers
        usage, activity = rows["usage_records"], rows["activity_records"]
        workday = day.weekday() < 5
        active = 0.9 if workday else 0.08
        imported = self.stamps.at(_epoch(datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=UTC)))
        day_value = self.stamps.day(day)
        usage_id, activity_id = self.ids["usage_records"], self.ids["activity_records"]
        models, others = len(MODELS), len(MODELS) - 1
        for n, person in enumerate(self.people_all, 1):
            if random_() >= active:
                continue
            used = (person.model,)
            if random_() < 0.35:
                used = tuple(sorted((person.model, (person.model + 1 + int(random_() * others)) % models)))
            for index in used:
                model, p_in, p_out, p_read, p_write, _ = MODELS[index]
                s = person.scale * (0.4 + random_() * 1.2)
                tokens_in, tokens_out = int(120_000 * s), int(18_000 * s)
                tokens_read, tokens_write = int(900_000 * s * random_()), int(60_000 * s)
                cost = (tokens_in * p_in + tokens_out * p_out + tokens_read * p_read + tokens_write * p_write) / 1e6
                usage_id += 1
                usage.append((
                    usage_id, USAGE_SOURCE, person.key, person.id, day_value, model, tokens_in, tokens_out,
                    tokens_read, tokens_write, cost, 0.0, 0, 10 + int(200 * s * random_()), imported,
                ))  # fmt: skip
            if person.claude_code and workday and random_() < 0.5:
                activity_id += 1
                activity.append((
                    activity_id, ACTIVITY_SOURCE, person.key, person.id, day_value, 1 + int(random_() * 6),
                    int(random_() * 800), int(random_() * 300), int(random_() * 5), int(random_() < 0.3),
                    int(random_() * 60), int(random_() * 8), 0, 0, 0, 0, imported,
                ))  # fmt: skip
            if n % 1000 == 0:
                self.ids["usage_records"], self.ids["activity_records"] = usage_id, activity_id
                self.sink.maybe_flush()
        self.ids["usage_records"], self.ids["activity_records"] = usage_id, activity_id
        self.sink.maybe_flush()


def _generate(shape: Shape, sink: _Sink, stamps: _Stamps, report: BuildReport) -> None:
    generator = _Generator(shape, sink, stamps)
    generator.people()
    open_week = shape.open_week()
    for week in shape.all_weeks():
        generator.week(week, week == open_week)
    sink.flush()
    report.rows.update(sink.counts)


def _load_sqlite(path: str, shape: Shape, report: BuildReport) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=OFF")  # the file is renamed into the cache only once complete
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("PRAGMA cache_size=-1000000")  # 1 GB
        connection.execute("BEGIN")

        def write(table: str, rows: list[tuple]) -> None:
            columns = COLUMNS[table]
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
            connection.executemany(sql, rows)

        _generate(shape, _Sink(write), _Stamps(sqlite=True), report)
        connection.execute("COMMIT")
        connection.execute("PRAGMA journal_mode=WAL")  # as storage.engine opens it
    finally:
        connection.close()


def _load_postgres(engine: Engine, shape: Shape, report: BuildReport) -> None:
    raw = engine.raw_connection()
    try:
        connection = raw.driver_connection
        with connection.cursor() as cursor:

            def write(table: str, rows: list[tuple]) -> None:
                with cursor.copy(f"COPY {table} ({', '.join(COLUMNS[table])}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)

            _generate(shape, _Sink(write), _Stamps(sqlite=False), report)
            for table in TABLES:  # explicit ids were given: the sequences continue after them
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}")
        connection.commit()
    finally:
        raw.close()


def _analyze(engine: Engine) -> None:
    """PostgreSQL: what autovacuum would have done by the time anyone reads the tables (SQLite: nothing; the
    project never runs ANALYZE there)."""
    if engine.dialect.name != "postgresql":
        return
    raw = engine.raw_connection()
    try:
        raw.driver_connection.autocommit = True
        with raw.driver_connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    finally:
        raw.driver_connection.autocommit = False
        raw.close()


def summaries_sql(engine: Engine) -> str:
    """One INSERT … SELECT writing every person-week's token summary from the usage records, as
    ``refresh_token_summaries`` computes it for usage from one source (``check_summaries`` compares a sample):
    tokens, dollars and unknown-cost tokens summed, the model with the most tokens (ties: the first by name)."""
    with engine.connect() as connection:
        thursday = sql_text(connection, thursday_of(connection, "day"))
    if engine.dialect.name == "postgresql":
        week = "to_char(thursday, 'IYYY') || '-W' || to_char(thursday, 'IW')"
    else:
        number = "(CAST(strftime('%j', thursday) AS INTEGER) - 1) / 7 + 1"  # a Thursday's ISO week
        week = f"strftime('%Y', thursday) || '-W' || printf('%02d', {number})"
    return f"""
        INSERT INTO token_summaries (person_id, week, tokens, cost_usd, estimated_cost_usd, unknown_cost_tokens,
            sources, top_model, updated_at)
        WITH per_model AS (
            SELECT person_id, {thursday} AS thursday, model, min(source) AS source,
                sum(input_tokens + output_tokens + cache_read_tokens + cache_write_tokens) AS tokens,
                sum(cost_usd) AS cost, sum(estimated_cost_usd) AS estimated, sum(unknown_cost_tokens) AS unknown
            FROM usage_records WHERE person_id IS NOT NULL GROUP BY person_id, {thursday}, model
        ), ranked AS (
            SELECT *, row_number() OVER (PARTITION BY person_id, thursday ORDER BY tokens DESC, model) AS rn
            FROM per_model
        )
        SELECT person_id, {week}, sum(tokens), sum(cost), sum(estimated), sum(unknown), min(source),
            max(CASE WHEN rn = 1 THEN model END), :now
        FROM ranked GROUP BY person_id, thursday ORDER BY thursday, person_id
    """


def _summaries(engine: Engine, shape: Shape) -> int:
    now = _Stamps(engine.dialect.name == "sqlite").at(_epoch(shape.now))
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA synchronous=OFF")
        return connection.execute(text(summaries_sql(engine)), {"now": now}).rowcount


def _publish_measured(engine: Engine, shape: Shape, log: Callable[[str], None]) -> int:
    """Publish each team's last ``MEASURED_WEEKS`` closed weeks with the project's ``publish`` (all the paths
    read); store every older closed week as one with nothing to show (``to_stored`` of ``empty_week``), so that no
    process publishes them later (``airetro`` runs ``publish_closed`` at start, on the real clock)."""
    from bot.digest.stored import to_stored
    from bot.services.digests import empty_week
    from bot.services.publication import publish
    from storage.queries import published as pq
    from storage.queries import teams as tq

    closed = shape.closed_weeks()
    measured, older = closed[-MEASURED_WEEKS:], closed[:-MEASURED_WEEKS]
    count, big_seconds = 0, []
    with session_scope(engine) as session:
        for team in tq.list_teams(session):
            for week in measured:
                t0 = time.perf_counter()
                publish(session, team, week, shape.now)
                if team.name == BIG:
                    big_seconds.append(time.perf_counter() - t0)
                count += 1
            for week in older:
                pq.insert_once(session, team.id, week, to_stored(empty_week(team, week)), shape.now)
    each = sum(big_seconds) / len(big_seconds)
    log(
        f"  {BIG}'s weeks took {each:.1f} s each to publish; its {len(older)} older closed weeks (and the other "
        f"teams') are stored with nothing to show: publish_closed of them all would take about "
        f"{each * len(older) / 60:.0f} min more for {BIG} alone"
    )
    return count


def build(url: str, shape: Shape, log: Callable[[str], None] = print) -> BuildReport:
    """Fill the fresh, empty database at ``url`` with ``shape`` (see the module's docstring)."""
    from bot.services.publication import publish_closed

    report = BuildReport()
    engine = make_engine(url)
    try:
        t0 = time.perf_counter()
        migrate(engine)
        report.seconds["migrate"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        if engine.dialect.name == "sqlite":
            engine.dispose()
            _load_sqlite(url.split("///", 1)[1], shape, report)
        else:
            _load_postgres(engine, shape, report)
        report.seconds["rows"] = time.perf_counter() - t0
        written = ", ".join(f"{n:,} {t}" for t, n in report.rows.items())
        log(f"  rows written in {report.seconds['rows']:.1f} s: {written}")
        t0 = time.perf_counter()
        report.rows["token_summaries"] = _summaries(engine, shape)
        _analyze(engine)
        report.seconds["token_summaries"] = time.perf_counter() - t0
        log(
            f"  {report.rows['token_summaries']:,} token summaries (one INSERT … SELECT) in "
            f"{report.seconds['token_summaries']:.1f} s"
        )
        t0 = time.perf_counter()
        if shape.publish == "all":
            report.published = publish_closed(engine, shape.now)
            how = "publish_closed"
        else:
            report.published = _publish_measured(engine, shape, log)
            how = f"publish: each team's last {MEASURED_WEEKS} closed weeks"
        report.seconds["publish"] = time.perf_counter() - t0
        log(f"  {report.published:,} team-weeks published ({how}) in {report.seconds['publish']:.1f} s")
    finally:
        engine.dispose()
    return report


def check_summaries(engine: Engine, shape: Shape, sample: int = 300) -> list[str]:
    """Differences between the stored token summaries of a sample of person-weeks and those the project's
    ``refresh_token_summaries`` computes from the same usage (in a transaction rolled back afterwards)."""
    rng = random.Random(shape.seed + 1)
    weeks = shape.all_weeks()
    wanted = sorted({(rng.randint(1, shape.members), rng.choice(weeks)) for _ in range(sample)})
    fields = ("tokens", "cost_usd", "estimated_cost_usd", "unknown_cost_tokens", "sources", "top_model")

    def read(session: Session) -> dict[tuple[int, str], tuple]:
        people = sorted({p for p, _ in wanted})
        rows = session.exec(select(TokenSummary).where(TokenSummary.person_id.in_(people)))
        return {(s.person_id, s.week): tuple(getattr(s, f) for f in fields) for s in rows}

    def same(a: tuple | None, b: tuple | None) -> bool:
        if a is None or b is None:
            return a is b
        return all(
            math.isclose(x, y, rel_tol=1e-9) if isinstance(x, float) else x == y for x, y in zip(a, b, strict=True)
        )

    with Session(engine) as session:
        stored = read(session)
        refresh_token_summaries(session, wanted, counted_rule())
        again = read(session)
        session.rollback()
    differ = [key for key in wanted if not same(stored.get(key), again.get(key))]
    return [f"{key}: stored {stored.get(key)} != recomputed {again.get(key)}" for key in differ]
