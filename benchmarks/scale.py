"""Benchmark AI Retro's figures at scale, each path beside hand-written SQL that reads the same figures (issue 14,
"Figures at the speed of SQL").

    .venv/bin/python benchmarks/scale.py [--members 10000] [--weeks 52] [--engines sqlite,postgresql]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:55432/postgres] [--import-rows 1000000]
        [--cache DIR] [--rebuild] [--publish all|measured] [--runs 3] [--quick] [--only PATH,...]
        [--profile]

The database (``benchmarks/scale_data.py`` builds it through the project's own schema and bulk SQL): team
``Big`` of ``--members`` people and 20 teams of about 25, ``--weeks`` closed ISO weeks ending with the latest
week closed at a fixed now (Wednesday 2026-11-25 12:00 UTC, passed as ``now=`` wherever a function takes it;
nothing is frozen) and the week open at that time; every member answers every week (helped ~60 %, didn't help
~10 %, skipped ~10 %, pending ~20 %), ~0.93 moments per delivery, ~3.5M usage records a year at 10,000 members,
their weekly token summaries, some Claude Code activity. The closed weeks are then published with
``publish_closed``, as production does (``--publish measured``, for code on which that is too slow: each team's
last 8 closed weeks with ``publish``, the older ones stored as weeks with nothing to show, which no path reads);
the build prints how long publishing took. Databases
are built once and cached: SQLite under ``~/.cache/airetro-bench/`` (or ``--cache DIR``), PostgreSQL as a
database ``bench_scale_<hash>`` on the ``--postgres`` server (or ``$AIRETRO_TEST_POSTGRES``), kept between runs;
the hash covers the build's parameters and ``scale_data.BUILD_VERSION``. ``--rebuild`` builds again. A second
database of a tenth of the members is built the same way for the growth figure. ``--quick``: 500 members, 8
weeks, 5 other teams, a 20,000-row import and one timed run, a smoke test of about a minute.

Each row of the table is one path, timed as the best of ``--runs`` (3) after one warm-up, AI Retro's code beside
a hand-written baseline that reads the same figures; the figures of both are compared and a difference is printed
as MISMATCH (and the script exits 1 at the end):

* team-week digest figures: ``publication.compute_week`` for Big's latest closed week (what publishing
  computes), vs two grouped SQL statements over that week's cohort (deliveries of the team's cycle), their
  moments, token summaries, provider activity and latest usage day (read through the week's days, not per
  person: ``person_id + 0`` keeps SQLite, which has no statistics, off the person index);
* digest with the 8-week trend: ``digests.week_view`` (published figures of 8 weeks) vs one SQL read of those 8
  ``published_weeks`` rows and the trend worked out from them;
* /airetro summary (4 weeks): ``summaries.team_summary`` and the reply's text and blocks, vs SQL over the 4
  published weeks (JSON functions: sums, outcomes, median hours) and the open week's answer counts;
* App Home build for one member: ``home.home_data`` + ``blocks.home.home_view`` for a member of Big, vs SQL for
  their own 8 weeks (answers, moments, hours, tokens), the team's 4 published weeks and this week's delivery;
* ``airetro digest --team Big`` as a process: the command (migrations checked, closed weeks published, the digest
  printed) vs ``python -c`` running the trend read with SQLAlchemy; end-to-end wall time. The process uses the
  real clock: once that has passed the open week's close, its first (warm-up) run publishes that week; those rows
  are removed again afterwards so the cached database stays as built;
* import-usage 1M CSV rows, fresh: ``usage_import.import_files(engine, "csv", [path])`` of a generated plain CSV
  (``benchmarks/import_usage.py``'s) into a fresh migrated database, vs the csv module and an ``executemany``
  upsert into ``usage_records`` in one transaction (no people, no attribution, no token summaries: the floor);
* re-import of the same rows: the same again into the same database (every row replaced, nothing changed).

The growth line: the team-week digest figures at a tenth of the members and at ``--members``, and the exponent
log(t_big / t_small) / log(members ratio) for each side (1.0: linear). Goals printed beside: ratio ≤ 1.5× (imports
≤ 2×), growth exponent ≤ 1.1. ``--profile`` prints cProfile's top functions (by cumulative time) of AI Retro's side
of each path run. Not a test: nothing here is run by pytest.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import json
import math
import os
import pstats
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, make_url, text
from sqlmodel import Session

from bot import vocabulary as v
from bot.blocks.digest import view_text
from bot.blocks.home import home_view
from bot.blocks.summary import summary_blocks, summary_text
from bot.digest.figures import DigestFigures, floor_of
from bot.digest.summary import SummaryFigures
from bot.services.digests import week_view
from bot.services.home import home_data
from bot.services.publication import compute_week
from bot.services.roles import Caller
from bot.services.summaries import team_summary
from bot.services.usage_import import import_files
from storage.engine import make_engine, migrate, session_scope
from storage.models import Team
from storage.queries import teams as tq
from storage.queries.cycles import ASKED_STATES
from storage.weeks import week_days, weeks_back

try:
    from benchmarks.import_usage import write_csv
    from benchmarks.scale_data import BIG, Shape, build, check_summaries
    from benchmarks.scratch_db import scratch_database
except ModuleNotFoundError:  # run as a script: its folder is on the path
    from import_usage import write_csv
    from scale_data import BIG, Shape, build, check_summaries
    from scratch_db import scratch_database

ROOT = Path(__file__).resolve().parent.parent
RUNS = 3
TREND_WEEKS = 8
SUMMARY_WEEKS = 4
MY_WEEKS = 8
GOAL_RATIO, GOAL_IMPORT_RATIO, GOAL_EXPONENT = 1.5, 2.0, 1.1
PATHS = ("figures", "trend", "summary", "home", "cli", "import")
PATH_NAMES = {
    "figures": "team-week digest figures",
    "trend": "digest with the 8-week trend",
    "summary": "/airetro summary (4 weeks)",
    "home": "App Home build for one member",
    "cli": "airetro digest --team Big (process)",
    "import": "import-usage {rows} CSV rows, fresh",
    "reimport": "re-import of the same {rows} rows",
}
ACTIVITY_SUMS = (
    "sessions", "lines_added", "lines_removed", "commits", "pull_requests", "code_generations", "code_acceptances",
    "agent_requests",
)  # fmt: skip
HOURS_CASE = "CASE m.time_saved " + " ".join(f"WHEN '{k}' THEN {h!r}" for k, h in v.HOURS_SAVED.items()) + " END"


def log(message: str) -> None:
    print(message, flush=True)


# -- the databases --------------------------------------------------------------------------------------------


@dataclass
class Db:
    """An open benchmark database and what the paths need to know about it."""

    engine: Engine
    url: str
    shape: Shape
    team: Team  # Big
    week: str  # Big's latest closed week at shape.now
    open_week: str | None
    size: int  # bytes

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def day(self, value: date) -> date | str:
        """A day as a bind parameter: a date on PostgreSQL, ISO text on SQLite (as the project stores it)."""
        return value if self.dialect == "postgresql" else value.isoformat()


def _sqlite_database(shape: Shape, cache: Path, rebuild: bool) -> str:
    path = cache / f"scale_{shape.key()}.db"
    if rebuild:
        for stale in cache.glob(f"{path.name}*"):
            stale.unlink()
    if not path.exists():
        building = cache / f"scale_{shape.key()}.building.db"
        for stale in cache.glob(f"{building.name}*"):
            stale.unlink()
        t0 = time.perf_counter()
        log(f"building {path} ({shape.members:,} members, {shape.weeks} weeks)")
        build(f"sqlite:///{building}", shape, log=log)
        for extra in (".migrate-lock", "-wal", "-shm"):
            Path(f"{building}{extra}").unlink(missing_ok=True)
        building.rename(path)
        log(f"  built in {time.perf_counter() - t0:.0f} s")
    return f"sqlite:///{path}"


def _postgres_database(shape: Shape, server: str, rebuild: bool) -> str:
    name = f"bench_scale_{shape.key()}"
    building = f"{name}_building"
    admin = create_engine(server, isolation_level="AUTOCOMMIT", pool_size=1, max_overflow=0)
    try:
        with admin.connect() as db:
            exists = db.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
            if exists and rebuild:
                db.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
            if not exists or rebuild:
                db.exec_driver_sql(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
                db.exec_driver_sql(f'CREATE DATABASE "{building}"')
        if not exists or rebuild:
            t0 = time.perf_counter()
            log(f"building PostgreSQL database {name} ({shape.members:,} members, {shape.weeks} weeks)")
            build(make_url(server).set(database=building).render_as_string(hide_password=False), shape, log=log)
            with admin.connect() as db:
                db.exec_driver_sql(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
            log(f"  built in {time.perf_counter() - t0:.0f} s")
    finally:
        admin.dispose()
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def open_db(engine_name: str, shape: Shape, args: argparse.Namespace) -> Db:
    """The cached database of ``shape`` (built first if there is none), migrated to the latest schema."""
    if engine_name == "sqlite":
        url = _sqlite_database(shape, Path(args.cache).expanduser(), args.rebuild)
    else:
        url = _postgres_database(shape, args.postgres, args.rebuild)
    engine = make_engine(url)
    t0 = time.perf_counter()
    migrate(engine)  # a cached database gets the migrations added since it was built
    if time.perf_counter() - t0 > 2:
        log(f"  migrated to the latest schema in {time.perf_counter() - t0:.0f} s")
    last_closed = shape.last_closed_week()
    _forget_later_weeks(engine, last_closed)
    _publish_again_if_older(engine, shape)
    with session_scope(engine) as session:
        team = tq.get_team(session, BIG)
        if engine.dialect.name == "postgresql":
            size = session.execute(text("SELECT pg_database_size(current_database())")).scalar()
        else:
            path = Path(url.split("///", 1)[1])
            size = sum(p.stat().st_size for p in path.parent.glob(f"{path.name}*"))  # with its -wal
    return Db(engine, url, shape, team, last_closed, shape.open_week(), int(size))


def _publish_again_if_older(engine: Engine, shape: Shape) -> None:
    """A cached database whose weeks were published in an older stored form (``bot.digest.stored.VERSION``)
    gets them published again, as the code of this run publishes them (production never does this: a
    published week stays as it was; the benchmark measures reading what the current code stores)."""
    from bot.digest.stored import VERSION
    from bot.services.publication import publish_closed

    with engine.begin() as connection:
        rows = connection.execute(text("SELECT id, figures FROM published_weeks")).all()
        older = [
            i for i, figures in rows if (figures if isinstance(figures, dict) else json.loads(figures))["v"] < VERSION
        ]
        if not older:
            return
        for start in range(0, len(older), 500):
            part = older[start : start + 500]
            connection.execute(text(f"DELETE FROM published_weeks WHERE id IN ({', '.join(map(str, part))})"))
    t0 = time.perf_counter()
    published = publish_closed(engine, shape.now)
    log(f"  {published:,} team-weeks stored in an older form published again in {time.perf_counter() - t0:.0f} s")


def _forget_later_weeks(engine: Engine, last_closed: str) -> None:
    """Take back what a process on the real clock published after the shape's ``now`` (see the ``cli`` path)."""
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM published_weeks WHERE week > :w"), {"w": last_closed})


# -- measuring ------------------------------------------------------------------------------------------------


def best_of(run: Callable[[], Any], runs: int = RUNS) -> tuple[float, Any]:
    """(best seconds of ``runs`` after one warm-up, the last result)."""
    result = run()
    best = math.inf
    for _ in range(runs):
        t0 = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - t0)
    return best, result


def profile(label: str, run: Callable[[], Any], top: int = 25) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    run()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    log(f"\n--- cProfile, AI Retro: {label} (top {top} by cumulative time) ---")
    log("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:12000])


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    return a == b


def mismatches(ours: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    """The figures that differ, ``name: AI Retro … != SQL …``."""
    return [
        f"{name}: AI Retro {ours.get(name)!r} != SQL {theirs.get(name)!r}"
        for name in sorted({*ours, *theirs})
        if not _close(ours.get(name), theirs.get(name))
    ]


@dataclass
class Row:
    path: str
    ours: float
    theirs: float
    goal: float
    problems: list[str]

    @property
    def ratio(self) -> float:
        return self.ours / self.theirs if self.theirs else math.inf


def compare(
    name: str, ours: Callable[[], Any], theirs: Callable[[], Any], read_ours: Callable[[Any], dict],
    read_theirs: Callable[[Any], dict] = lambda d: d, goal: float = GOAL_RATIO, profiling: bool = False,
    runs: int = RUNS,
) -> Row:  # fmt: skip
    """Time both sides, compare what they read; the table's row."""
    t_ours, result_ours = best_of(ours, runs)
    t_theirs, result_theirs = best_of(theirs, runs)
    problems = mismatches(read_ours(result_ours), read_theirs(result_theirs))
    for problem in problems:
        log(f"  MISMATCH {name}: {problem}")
    if profiling:
        profile(name, ours)
    log(f"  {name}: AI Retro {t_ours:.4f} s, SQL {t_theirs:.4f} s")
    return Row(name, t_ours, t_theirs, goal, problems)


# -- SQL helpers ----------------------------------------------------------------------------------------------


def _json(db: Db, key: str, kind: str = "num", column: str = "figures") -> str:
    """A scalar of the published figures' JSON: ``num`` (a number), ``bool`` (as 0/1)."""
    if db.dialect == "postgresql":
        cast = "::float8" if kind == "num" else "::boolean::int"
        return f"({column}->>'{key}'){cast}"
    return f"json_extract({column}, '$.{key}')"


def _in(prefix: str, values: list[Any]) -> tuple[str, dict[str, Any]]:
    """``:p0, :p1, …`` and their parameters, for an ``IN (…)``."""
    names = [f"{prefix}{i}" for i in range(len(values))]
    return ", ".join(f":{n}" for n in names), dict(zip(names, values, strict=True))


def _median(source: str, value: str) -> str:
    """The median of ``value`` over ``source`` (a subquery), with window functions both engines have."""
    return (
        f"(SELECT avg(h) FROM (SELECT h, row_number() OVER (ORDER BY h) AS rn, count(*) OVER () AS k "
        f"FROM (SELECT {value} AS h FROM {source}) AS x) AS y WHERE rn IN ((k + 1) / 2, (k + 2) / 2))"
    )


def _weighted_median(source: str, value: str, weight: str) -> str:
    """The median of ``value`` counted ``weight`` times each, over ``source`` (a subquery)."""
    middle = "upto >= {p} AND upto - n < {p}"
    return (
        f"(SELECT avg(h) FROM (SELECT h, n, sum(n) OVER (ORDER BY h ROWS UNBOUNDED PRECEDING) AS upto, "
        f"sum(n) OVER () AS k FROM (SELECT {value} AS h, {weight} AS n FROM {source}) AS x) AS y "
        f"WHERE ({middle.format(p='(k + 1) / 2')}) OR ({middle.format(p='(k + 2) / 2')}))"
    )


def _loaded(data: Any) -> dict[str, Any]:
    return data if isinstance(data, dict) else json.loads(data)


# -- path 1: a team-week's digest figures ---------------------------------------------------------------------


def figures_of(f: DigestFigures) -> dict[str, Any]:
    """What a team-week's figures say, as plain values to compare."""
    out: dict[str, Any] = {
        name: getattr(f, name)
        for name in ("members", "prompted", "responded", "respondents", "helped", "didnt_help", "skipped")
    }
    out["suppressed"] = f.suppressed
    if f.suppressed:
        return out
    out.update(
        moments=f.moments,
        outcomes=dict(f.outcomes),
        quality=dict(f.quality),
        hours_saved=round(f.hours_saved, 6),
        median_hours=f.median_hours,
        would_not_have_happened=f.would_not_have_happened,
        would_have_happened_later=f.would_have_happened_later,
        friction=f.friction,
        highlights=len(f.highlights) + f.more_highlights,
        tokens=f.tokens,
        cost_usd=round(f.cost_usd, 6),
        tokens_without_value=f.tokens_without_value,
        token_weeks_split=list(f.token_weeks_split),
        usage_through=f.usage_through,
        activity=None if f.activity is None else {name: getattr(f.activity, name) for name in ACTIVITY_SUMS},
    )
    return out


# a team-week's cohort: the deliveries of the team's cycle of that week
COHORT = (
    "SELECT d.id, d.person_id, d.state, d.answer FROM deliveries d JOIN cycles c ON c.id = d.cycle_id "
    "WHERE c.team_id = :team AND c.week = :week"
)


def _figures_sql(db: Db) -> tuple[str, str]:
    asked = ", ".join(f"'{s}'" for s in ASKED_STATES)
    counts = [f"sum(CASE WHEN m.outcome = '{k}' THEN 1 ELSE 0 END) AS o_{k}" for k in v.OUTCOMES]
    counts += [f"sum(CASE WHEN m.quality = '{k}' THEN 1 ELSE 0 END) AS q_{k}" for k in v.QUALITY]
    main = f"""
        WITH cohort AS ({COHORT}),
        per_delivery AS (
            SELECT m.delivery_id, count(*) AS n, sum({HOURS_CASE}) AS hours,
                sum(CASE WHEN m.counterfactual = '{v.WOULD_NOT_HAVE_HAPPENED}' THEN 1 ELSE 0 END) AS wnh,
                sum(CASE WHEN m.counterfactual = 'later' THEN 1 ELSE 0 END) AS later,
                sum(CASE WHEN m.time_saved = '{v.FRICTION_TIME}' THEN 1 ELSE 0 END) AS friction,
                sum(CASE WHEN m.sharing = 'named' THEN 1 ELSE 0 END) AS named,
                sum(CASE WHEN m.sharing = 'anonymous' THEN 1 ELSE 0 END) AS anonymous,
                {", ".join(counts)}
            FROM moments m WHERE m.delivery_id IN (SELECT id FROM cohort) GROUP BY m.delivery_id
        ),
        member AS (
            SELECT cohort.state, cohort.answer, p.*, coalesce(p.n, 0) AS moments, coalesce(p.hours, 0) AS h,
                coalesce(t.tokens, 0) AS tokens, coalesce(t.cost_usd, 0) AS cost,
                CASE WHEN cohort.answer = '{v.AWAY}' THEN 0
                     WHEN p.n IS NULL OR cohort.answer = '{v.DIDNT_HELP}' THEN 1 ELSE 0 END AS idle
            FROM cohort LEFT JOIN per_delivery p ON p.delivery_id = cohort.id
            LEFT JOIN token_summaries t ON t.person_id = cohort.person_id AND t.week = :week
        )
        SELECT count(*) AS members,
            sum(CASE WHEN state IN ({asked}, 'away') AND answer <> '{v.AWAY}' THEN 1 ELSE 0 END) AS prompted,
            sum(CASE WHEN answer = '{v.AWAY}' THEN 1 ELSE 0 END) AS away,
            sum(CASE WHEN answer = '{v.HELPED}' THEN 1 ELSE 0 END) AS helped,
            sum(CASE WHEN answer = '{v.DIDNT_HELP}' THEN 1 ELSE 0 END) AS didnt_help,
            sum(CASE WHEN answer = '{v.SKIPPED}' THEN 1 ELSE 0 END) AS skipped,
            sum(moments) AS moments, sum(h) AS hours_saved, sum(wnh) AS wnh, sum(later) AS later,
            sum(friction) AS friction, sum(named) AS named, sum(anonymous) AS anonymous,
            sum(CASE WHEN moments > 0 THEN 1 ELSE 0 END) AS loggers,
            {", ".join(f"sum({c.split(' AS ')[1]}) AS {c.split(' AS ')[1]}" for c in counts)},
            sum(tokens) AS tokens, sum(cost) AS cost, sum(CASE WHEN idle = 1 THEN tokens ELSE 0 END) AS idle_tokens,
            sum(CASE WHEN tokens <> 0 AND idle = 1 THEN 1 ELSE 0 END) AS split_without,
            sum(CASE WHEN tokens <> 0 AND idle = 0 THEN 1 ELSE 0 END) AS split_with,
            sum(CASE WHEN tokens <> 0 OR cost <> 0 THEN 1 ELSE 0 END) AS usage_members,
            {_median(f"member WHERE answer IN ('{v.HELPED}', '{v.DIDNT_HELP}')",
                     f"CASE WHEN answer = '{v.HELPED}' THEN h ELSE 0 END")} AS median_hours
        FROM member
    """  # fmt: skip
    provider = f"""
        WITH people AS (SELECT person_id FROM ({COHORT}) AS cohort)
        SELECT count(DISTINCT a.person_id) AS activity_members,
            {", ".join(f"sum(a.{name}) AS {name}" for name in ACTIVITY_SUMS)},
            (SELECT max(u.day) FROM usage_records u WHERE u.person_id + 0 IN (SELECT person_id FROM people)
                AND u.day >= :monday AND u.day <= :sunday) AS latest_usage
        FROM activity_records a
        WHERE a.person_id + 0 IN (SELECT person_id FROM people) AND a.day >= :monday AND a.day <= :sunday
    """  # "+ 0": not by the person index (10,000 people × a year of rows each on SQLite) but the week's days
    return main, provider


def sql_figures(db: Db, team: Team, week: str) -> dict[str, Any]:
    """The team-week's figures from two hand-written statements, held to the same privacy floor."""
    main, provider = _figures_sql(db)
    monday, sunday = week_days(week)
    with db.engine.connect() as connection:
        r = connection.execute(text(main), {"team": team.id, "week": week}).mappings().one()
        a = connection.execute(
            text(provider), {"team": team.id, "week": week, "monday": db.day(monday), "sunday": db.day(sunday)}
        ).mappings().one()  # fmt: skip
    floor = floor_of(team.min_respondents)
    helped, didnt, skipped = (int(r[k] or 0) for k in ("helped", "didnt_help", "skipped"))
    out: dict[str, Any] = {
        "members": r["members"], "prompted": int(r["prompted"] or 0), "responded": helped + didnt + skipped,
        "respondents": helped + didnt, "helped": helped, "didnt_help": didnt, "skipped": skipped,
        "suppressed": helped + didnt < floor,
    }  # fmt: skip
    if out["suppressed"]:
        return out
    usage_withheld = 0 < r["usage_members"] < floor
    tokens, cost = (0, 0.0) if usage_withheld else (int(r["tokens"] or 0), float(r["cost"] or 0))
    split = [0, 0] if usage_withheld else [int(r["split_without"] or 0), int(r["split_with"] or 0)]
    share_hidden = bool(tokens) and min(split) < floor
    latest = a["latest_usage"]
    latest = latest if latest is None or isinstance(latest, date) else date.fromisoformat(str(latest))
    loggers = int(r["loggers"] or 0)
    out.update(
        moments=int(r["moments"] or 0),
        outcomes={k: int(r[f"o_{k}"]) for k in v.OUTCOMES if r[f"o_{k}"]},
        quality={k: int(r[f"q_{k}"]) for k in v.QUALITY if r[f"q_{k}"]},
        hours_saved=round(float(r["hours_saved"] or 0), 6),
        median_hours=None if r["median_hours"] is None else float(r["median_hours"]),
        would_not_have_happened=int(r["wnh"] or 0),
        would_have_happened_later=int(r["later"] or 0),
        friction=int(r["friction"] or 0),
        highlights=(int(r["named"] or 0) + (int(r["anonymous"] or 0) if loggers >= floor else 0))
        if team.share_free_text
        else 0,
        tokens=tokens,
        cost_usd=round(cost, 6),
        tokens_without_value=0 if share_hidden or usage_withheld else int(r["idle_tokens"] or 0),
        token_weeks_split=[0, 0] if share_hidden else split,
        usage_through=latest.isoformat() if tokens and latest is not None and latest < sunday else None,
        activity=None
        if not a["activity_members"] or a["activity_members"] < floor
        else {name: int(a[name] or 0) for name in ACTIVITY_SUMS},
    )
    return out


def ai_figures(db: Db, team: Team, week: str) -> DigestFigures:
    with Session(db.engine) as session:
        return compute_week(session, team, week)


# -- path 2: the digest with its trend ------------------------------------------------------------------------


def trend_of(f: DigestFigures) -> dict[str, Any]:
    t = f.trend
    out: dict[str, Any] = {
        "prompted": f.prompted, "responded": f.responded, "respondents": f.respondents, "moments": f.moments,
        "hours_saved": round(f.hours_saved, 6), "tokens": f.tokens, "cost_usd": round(f.cost_usd, 6),
        "highlights": len(f.highlights) + f.more_highlights, "status": t.status,
        "weeks": [[w.week, w.shown, w.outcomes, round(w.hours, 6), w.tokens] for w in t.weeks],
    }  # fmt: skip
    for name in ("tokens", "outcomes", "hours"):
        change = getattr(t, name)
        out[f"{name}_change"] = None if change is None or change.ratio is None else round(change.ratio, 6)
    return out


def _trend_sql(db: Db, weeks: list[str]) -> tuple[str, dict[str, Any]]:
    listed, params = _in("w", weeks)
    statement = f"""
        SELECT week, {_json(db, "suppressed", "bool")} AS suppressed, {_json(db, "moments")} AS moments,
            {_json(db, "hours_saved")} AS hours, {_json(db, "tokens")} AS tokens,
            {_json(db, "usage_withheld", "bool")} AS usage_withheld,
            CASE WHEN week = :last THEN figures END AS figures
        FROM published_weeks WHERE team_id = :team AND week IN ({listed})
    """
    return statement, params


def trend_from_rows(rows: list[Any], weeks: list[str]) -> dict[str, Any]:
    """The digest's headline and trend from the 8 weeks' rows (``bot/digest/trend.py``'s rule, written out)."""
    by_week = {row[0]: row for row in rows}
    points = []
    for week in weeks:
        row = by_week.get(week)
        shown = row is not None and not row[1]
        points.append([week, shown, int(row[2] or 0) if shown else 0, round(float(row[3] or 0), 6) if shown else 0.0,
                       int(row[4] or 0) if shown else 0, bool(shown and row[5])])  # fmt: skip
    last = _loaded(by_week[weeks[-1]][6])
    out: dict[str, Any] = {
        "prompted": last["prompted"], "responded": last["responded"], "respondents": last.get("respondents", 0),
        "moments": last.get("moments", 0), "hours_saved": round(last.get("hours_saved", 0.0), 6),
        "tokens": last.get("tokens", 0), "cost_usd": round(last.get("cost_usd", 0.0), 6),
        "highlights": len(last.get("highlights", [])) + last.get("more_highlights", 0),
        "weeks": [p[:5] for p in points],
    }  # fmt: skip
    this, earlier = points[-1], [p for p in points[:-1] if p[1] and p[4] > 0][-4:]
    out.update(tokens_change=None, outcomes_change=None, hours_change=None)
    if not this[1]:
        out["status"] = "withheld"
    elif not this[4]:
        out["status"] = "usage_withheld" if this[5] else "no_tokens"
    elif len(earlier) < 3:
        out["status"] = "too_few_weeks"
    else:
        out["status"] = "ok"
        for name, index in (("outcomes", 2), ("hours", 3), ("tokens", 4)):
            mean = sum(p[index] for p in earlier) / len(earlier)
            out[f"{name}_change"] = round(round(this[index] / mean - 1, 9), 6) if mean else None
    return out


def sql_trend(db: Db) -> dict[str, Any]:
    weeks = weeks_back(db.week, TREND_WEEKS)
    statement, params = _trend_sql(db, weeks)
    with db.engine.connect() as connection:
        rows = connection.execute(text(statement), {**params, "team": db.team.id, "last": db.week}).all()
    return trend_from_rows(rows, weeks)


# -- path 3: /airetro summary ---------------------------------------------------------------------------------


def summary_of(s: SummaryFigures) -> dict[str, Any]:
    return {
        "weeks": [w.week for w in s.weeks], "prompted": s.prompted, "responded": s.responded,
        "moments": s.moments, "outcomes": dict(s.outcomes), "hours_saved": round(s.hours_saved, 6),
        "median_hours": s.median_hours, "would_not_have_happened": s.would_not_have_happened,
        "friction": s.friction, "didnt_help": s.didnt_help, "tokens": s.tokens, "cost_usd": round(s.cost_usd, 6),
        "open_week": None if s.open_week is None else [s.open_week.week, s.open_week.prompted, s.open_week.responded],
    }  # fmt: skip


def _summary_sql(db: Db) -> tuple[str, str, str, str]:
    shown = f"{_json(db, 'suppressed', 'bool')} = 0"
    usage = f"{shown} AND coalesce({_json(db, 'usage_withheld', 'bool')}, 0) = 0"
    totals = f"""
        SELECT sum({_json(db, "prompted")}) AS prompted, sum({_json(db, "responded")}) AS responded,
            sum(CASE WHEN {shown} THEN {_json(db, "moments")} ELSE 0 END) AS moments,
            sum(CASE WHEN {shown} THEN {_json(db, "hours_saved")} ELSE 0 END) AS hours_saved,
            sum(CASE WHEN {shown} THEN {_json(db, "would_not_have_happened")} ELSE 0 END) AS wnh,
            sum(CASE WHEN {shown} THEN {_json(db, "friction")} ELSE 0 END) AS friction,
            sum(CASE WHEN {shown} THEN {_json(db, "didnt_help")} ELSE 0 END) AS didnt_help,
            sum(CASE WHEN {usage} THEN coalesce({_json(db, "tokens")}, 0) ELSE 0 END) AS tokens,
            sum(CASE WHEN {usage} THEN coalesce({_json(db, "cost_usd")}, 0) ELSE 0 END) AS cost_usd
        FROM published_weeks WHERE team_id = :team AND week IN ({{weeks}})
    """
    if db.dialect == "postgresql":
        outcomes = (
            "SELECT o.key, sum(o.value::int) FROM published_weeks p, json_each_text(p.figures->'outcomes') AS o "
            "WHERE p.team_id = :team AND p.week IN ({weeks}) GROUP BY o.key"
        )
        hours = _weighted_median(  # stored v2: [hours, respondents] pairs; v1: one number per respondent
            "published_weeks p, json_array_elements(p.figures->'respondent_hours') AS e "
            "WHERE p.team_id = :team AND p.week IN ({weeks})",
            "CASE WHEN json_typeof(e) = 'array' THEN (e->>0)::float8 ELSE (e#>>'{}')::float8 END",
            "CASE WHEN json_typeof(e) = 'array' THEN (e->>1)::int ELSE 1 END",
        )
    else:
        outcomes = (
            "SELECT o.key, sum(o.value) FROM published_weeks p, json_each(p.figures, '$.outcomes') AS o "
            "WHERE p.team_id = :team AND p.week IN ({weeks}) GROUP BY o.key"
        )
        hours = _weighted_median(
            "published_weeks p, json_each(p.figures, '$.respondent_hours') AS e "
            "WHERE p.team_id = :team AND p.week IN ({weeks})",
            "CASE WHEN e.type = 'array' THEN json_extract(e.value, '$[0]') ELSE e.value END",
            "CASE WHEN e.type = 'array' THEN json_extract(e.value, '$[1]') ELSE 1 END",
        )
    asked = ", ".join(f"'{s}'" for s in ASKED_STATES)
    progress = f"""
        SELECT sum(CASE WHEN d.state IN ({asked}, 'away') AND d.answer <> '{v.AWAY}' THEN 1 ELSE 0 END) AS prompted,
            sum(CASE WHEN d.answer NOT IN ('{v.PENDING}', '{v.AWAY}') THEN 1 ELSE 0 END) AS responded
        FROM deliveries d JOIN cycles c ON c.id = d.cycle_id WHERE c.team_id = :team AND c.week = :open
    """
    return totals, outcomes, f"SELECT {hours} AS median_hours", progress


def sql_summary(db: Db, team_id: int, weeks_count: int = SUMMARY_WEEKS) -> dict[str, Any]:
    """The team's last closed weeks from their published rows, and the open week's answers so far."""
    weeks = weeks_back(db.week, weeks_count)
    listed, params = _in("w", weeks)
    params["team"] = team_id
    totals, outcomes, median, progress = (s.replace("{weeks}", listed) for s in _summary_sql(db))
    with db.engine.connect() as connection:
        t = connection.execute(text(totals), params).mappings().one()
        found = dict(connection.execute(text(outcomes), params).all())
        median_hours = connection.execute(text(median), params).scalar()
        open_week = None
        if db.open_week is not None:
            p = connection.execute(text(progress), {"team": team_id, "open": db.open_week}).mappings().one()
            open_week = [db.open_week, int(p["prompted"] or 0), int(p["responded"] or 0)]
    return {
        "weeks": weeks, "prompted": int(t["prompted"] or 0), "responded": int(t["responded"] or 0),
        "moments": int(t["moments"] or 0), "outcomes": {k: int(found[k]) for k in v.OUTCOMES if found.get(k)},
        "hours_saved": round(float(t["hours_saved"] or 0), 6),
        "median_hours": None if median_hours is None else float(median_hours),
        "would_not_have_happened": int(t["wnh"] or 0), "friction": int(t["friction"] or 0),
        "didnt_help": int(t["didnt_help"] or 0), "tokens": int(t["tokens"] or 0),
        "cost_usd": round(float(t["cost_usd"] or 0), 6), "open_week": open_week,
    }  # fmt: skip


def ai_summary(db: Db) -> tuple[SummaryFigures, str, list]:
    summary = team_summary(db.engine, db.team, SUMMARY_WEEKS, db.shape.now)
    return summary, summary_text(summary), summary_blocks(summary)


# -- path 4: the App Home -------------------------------------------------------------------------------------


def caller_of(db: Db, user_id: str) -> Caller:
    """Who is looking, from the database (``roles.caller`` without asking Slack: not a workspace admin)."""
    with session_scope(db.engine) as session:
        return Caller(user_id, False, tuple(tq.teams_of(session, user_id)), tuple(tq.managed_by(session, user_id)))


def home_of(result: tuple[Any, Any]) -> dict[str, Any]:
    data, _ = result
    [mine] = data.my_teams
    [panel] = data.panels
    return {
        "this_week": [mine.week, mine.answer, mine.moments],
        "my_weeks": [
            [w.week, w.answer, w.moments, round(w.hours_saved, 6), w.tokens, None if w.cost_usd is None else
             round(w.cost_usd, 6)] for w in data.weeks
        ],
        "team": summary_of(panel.summary),
    }  # fmt: skip


def sql_home(db: Db, user_id: str) -> dict[str, Any]:
    now_week = db.open_week or db.week
    weeks = weeks_back(now_week, MY_WEEKS)
    listed, params = _in("w", weeks)
    params["user"] = user_id
    answers = f"""
        SELECT d.week, d.answer, count(m.id) AS moments, coalesce(sum({HOURS_CASE}), 0) AS hours
        FROM people p JOIN deliveries d ON d.person_id = p.id LEFT JOIN moments m ON m.delivery_id = d.id
        WHERE p.slack_user_id = :user AND d.week IN ({listed}) GROUP BY d.id, d.week, d.answer
    """
    tokens = f"""
        SELECT t.week, t.tokens, t.cost_usd FROM people p JOIN token_summaries t ON t.person_id = p.id
        WHERE p.slack_user_id = :user AND t.week IN ({listed})
    """
    with db.engine.connect() as connection:
        mine = {row[0]: row for row in connection.execute(text(answers), params)}
        used = {row[0]: row for row in connection.execute(text(tokens), params)}
    my_weeks = []
    for week in reversed(weeks):
        a, t = mine.get(week), used.get(week)
        my_weeks.append([
            week, a[1] if a else None, int(a[2]) if a else 0, round(float(a[3]), 6) if a else 0.0,
            int(t[1]) if t else None, round(float(t[2]), 6) if t else None,
        ])  # fmt: skip
    this = mine.get(now_week)
    return {
        "this_week": [now_week, this[1] if this else None, int(this[2]) if this else 0],
        "my_weeks": my_weeks,
        "team": sql_summary(db, db.team.id),
    }


# -- path 5: the CLI as a process -----------------------------------------------------------------------------

# The hand-written side of ``airetro digest``: a process that reads the 8 published weeks with SQLAlchemy and
# prints the headline and the weeks' series (argv: URL, statement, parameters as JSON).
CLI_BASELINE = """
import json, sys
from sqlalchemy import create_engine, text
engine = create_engine(sys.argv[1])
with engine.connect() as connection:
    rows = connection.execute(text(sys.argv[2]), json.loads(sys.argv[3])).all()
weeks = json.loads(sys.argv[4])
by_week = {row[0]: row for row in rows}
last = by_week[weeks[-1]][6]
last = last if isinstance(last, dict) else json.loads(last)
shown = [by_week[w] if w in by_week and not by_week[w][1] else None for w in weeks]
series = [[w, r[2], r[3], r[4]] if r else [w] for w, r in zip(weeks, shown)]
headline = {k: last.get(k) for k in ("prompted", "responded", "moments", "hours_saved", "tokens")}
print(json.dumps({**headline, "series": series}))
"""


def cli_paths(db: Db, runs: int) -> Row:
    """``airetro digest --team Big --week W`` against a ``python -c`` process reading the same 8 weeks."""
    weeks = weeks_back(db.week, TREND_WEEKS)
    statement, params = _trend_sql(db, weeks)
    params.update(team=db.team.id, last=db.week)
    env = {**os.environ, "DATABASE_URL": db.url}
    ours_command = [str(ROOT / ".venv/bin/airetro"), "digest", "--team", BIG, "--week", db.week]
    theirs_command = [sys.executable, "-c", CLI_BASELINE, db.url, statement, json.dumps(params), json.dumps(weeks)]

    def ours() -> str:
        return subprocess.run(ours_command, env=env, capture_output=True, text=True, check=True, cwd=ROOT).stdout

    def theirs() -> dict[str, Any]:
        done = subprocess.run(theirs_command, capture_output=True, text=True, check=True, cwd=ROOT)
        return json.loads(done.stdout)

    # AI Retro's output is checked against the digest text of the in-process path (whose figures are compared
    # with SQL on their own row), the baseline's against the in-process SQL read of the same rows
    expected_text = view_text(week_view(db.engine, db.team, db.week, db.shape.now)).rstrip("\n")
    expected = sql_trend(db)
    want = {k: expected[k] for k in ("prompted", "responded", "moments", "hours_saved", "tokens")}
    want["series"] = [[p[0], p[2], p[3], p[4]] if p[1] else [p[0]] for p in expected["weeks"]]

    def read_theirs(got: dict[str, Any]) -> dict[str, Any]:
        if _close(got, want):
            return {"digest text": expected_text}
        return {"digest text": f"(the baseline process read {got}, the in-process SQL {want})"}

    try:
        return compare(
            PATH_NAMES["cli"], ours, theirs, read_ours=lambda out: {"digest text": out.rstrip("\n")},
            read_theirs=read_theirs, runs=runs,
        )  # fmt: skip
    except subprocess.CalledProcessError as failed:
        problem = f"{' '.join(failed.cmd[:2])}… exited {failed.returncode}: {(failed.stderr or '').strip()[-500:]}"
        log(f"  MISMATCH {PATH_NAMES['cli']}: {problem}")
        return Row(PATH_NAMES["cli"], math.nan, math.nan, GOAL_RATIO, [problem])
    finally:
        _forget_later_weeks(db.engine, db.week)


# -- paths 6 and 7: the usage import --------------------------------------------------------------------------

UPSERT_COLUMNS = (
    "source", "person_key", "day", "model", "input_tokens", "output_tokens", "cache_read_tokens",
    "cache_write_tokens", "cost_usd", "estimated_cost_usd", "unknown_cost_tokens", "requests", "imported_at",
)  # fmt: skip


def sql_import(engine: Engine, path: Path, batch: int = 10_000) -> int:
    """The floor: the csv module and an executemany upsert into usage_records in one transaction."""
    postgres = engine.dialect.name == "postgresql"
    mark = "%s" if postgres else "?"
    replaced = ", ".join(f"{c} = excluded.{c}" for c in UPSERT_COLUMNS[4:])
    statement = (
        f"INSERT INTO usage_records ({', '.join(UPSERT_COLUMNS)}) VALUES ({', '.join(mark for _ in UPSERT_COLUMNS)}) "
        f"ON CONFLICT (source, person_key, day, model) DO UPDATE SET {replaced}"
    )
    now = datetime.now(UTC)
    stamp = now if postgres else now.strftime("%Y-%m-%d %H:%M:%S.%f")
    raw = engine.raw_connection()
    count = 0
    try:
        cursor = raw.cursor()
        with path.open(newline="") as handle:
            reader = csv.reader(handle)
            next(reader)
            rows = []
            for key, day, model, input_tokens, output_tokens, cost in reader:
                key = key.strip()
                rows.append((
                    "csv", key.lower() if "@" in key else key, date.fromisoformat(day) if postgres else day, model,
                    int(input_tokens), int(output_tokens), 0, 0, float(cost), 0.0, 0, 0, stamp,
                ))  # fmt: skip
                if len(rows) >= batch:
                    cursor.executemany(statement, rows)
                    count += len(rows)
                    rows.clear()
            if rows:
                cursor.executemany(statement, rows)
                count += len(rows)
        raw.commit()
    finally:
        raw.close()
    return count


def usage_totals(engine: Engine) -> dict[str, Any]:
    with engine.connect() as connection:
        row = connection.execute(
            text(
                "SELECT count(*), sum(input_tokens), sum(output_tokens), sum(cost_usd), count(DISTINCT person_key) "
                "FROM usage_records"
            )
        ).one()
    return {"records": row[0], "input_tokens": int(row[1] or 0), "output_tokens": int(row[2] or 0),
            "cost_usd": float(row[3] or 0), "keys": row[4]}  # fmt: skip


def import_paths(engine_name: str, args: argparse.Namespace, profiling: bool) -> list[Row]:
    """Fresh import and re-import, each side into fresh databases of their own (a warm-up, then ``--runs``)."""
    rows_label = f"{args.import_rows:,}" if args.import_rows < 1_000_000 else f"{args.import_rows / 1e6:g}M"
    with tempfile.TemporaryDirectory(prefix="airetro-scale-") as tmp:
        path = Path(tmp) / "usage.csv"
        t0 = time.perf_counter()
        write_csv(path, args.import_rows)
        log(f"  wrote {args.import_rows:,} CSV rows in {time.perf_counter() - t0:.1f} s")
        times: dict[str, list[float]] = {"ours": [], "ours_again": [], "theirs": [], "theirs_again": []}
        totals: dict[str, dict] = {}
        sides = (
            ("ours", lambda engine: import_files(engine, "csv", [str(path)])),
            ("theirs", lambda engine: sql_import(engine, path)),
        )
        for attempt in range(args.runs + 1 + profiling):  # a warm-up, the timed runs, one profiled (--profile)
            profiled = attempt > args.runs
            for side, run in sides[:1] if profiled else sides:
                label = f"scale_import_{side}_{attempt}"
                with scratch_database(engine_name, args.postgres, tmp, label) as url:
                    engine = make_engine(url)
                    try:
                        migrate(engine)
                        for key, name in ((side, "import"), (f"{side}_again", "reimport")):
                            if profiled:
                                profile(PATH_NAMES[name].format(rows=rows_label), lambda e=engine, r=run: r(e))
                                continue
                            t0 = time.perf_counter()
                            run(engine)
                            if attempt:  # the first is the warm-up
                                times[key].append(time.perf_counter() - t0)
                        totals[side] = usage_totals(engine)
                    finally:
                        engine.dispose()
                    if engine_name == "sqlite":
                        for stale in Path(tmp).glob(f"{label}.db*"):
                            stale.unlink()
        problems = mismatches(totals["ours"], totals["theirs"])
        for problem in problems:
            log(f"  MISMATCH import: {problem}")
    out = []
    for key, name in (("ours", "import"), ("ours_again", "reimport")):
        theirs = key.replace("ours", "theirs")
        row = Row(PATH_NAMES[name].format(rows=rows_label), min(times[key]), min(times[theirs]), GOAL_IMPORT_RATIO,
                  problems if name == "import" else [])  # fmt: skip
        log(f"  {row.path}: AI Retro {row.ours:.2f} s, SQL {row.theirs:.2f} s")
        out.append(row)
    return out


# -- the run --------------------------------------------------------------------------------------------------


def run_engine(engine_name: str, args: argparse.Namespace, big_shape: Shape, small_shape: Shape) -> tuple[list, Any]:
    only = set(args.only.split(",")) if args.only else set(PATHS) | {"growth"}
    db = open_db(engine_name, big_shape, args)
    log(f"{engine_name}: {db.url} ({db.size / 2**30:.2f} GiB), Big's week {db.week}, open week {db.open_week}")
    problems = check_summaries(db.engine, big_shape)
    for problem in problems:
        log(f"  MISMATCH token summaries: {problem}")
    rows: list[Row] = []
    user = big_shape.viewer()
    who = caller_of(db, user)
    profiling = args.profile
    if "figures" in only or "growth" in only:
        rows.append(compare(
            PATH_NAMES["figures"], lambda: ai_figures(db, db.team, db.week), lambda: sql_figures(db, db.team, db.week),
            figures_of, profiling=profiling, runs=args.runs,
        ))  # fmt: skip
    if "trend" in only:
        rows.append(compare(
            PATH_NAMES["trend"], lambda: week_view(db.engine, db.team, db.week, db.shape.now), lambda: sql_trend(db),
            trend_of, profiling=profiling, runs=args.runs,
        ))  # fmt: skip
    if "summary" in only:
        rows.append(compare(
            PATH_NAMES["summary"], lambda: ai_summary(db), lambda: sql_summary(db, db.team.id),
            lambda result: summary_of(result[0]), profiling=profiling, runs=args.runs,
        ))  # fmt: skip

    def ai_home() -> tuple[Any, Any]:
        data = home_data(db.engine, who, db.shape.now)
        return data, home_view(data)

    if "home" in only:
        rows.append(compare(
            PATH_NAMES["home"], ai_home, lambda: sql_home(db, user), home_of, profiling=profiling, runs=args.runs,
        ))  # fmt: skip
    if "cli" in only:
        rows.append(cli_paths(db, args.runs))
    if "import" in only:
        rows += import_paths(engine_name, args, profiling)
    growth = None
    if "growth" in only:
        small = open_db(engine_name, small_shape, args)
        log(f"{engine_name}: growth database {small.url} ({small.size / 2**30:.2f} GiB)")
        row = compare(
            f"team-week digest figures, {small_shape.members:,} members",
            lambda: ai_figures(small, small.team, small.week), lambda: sql_figures(small, small.team, small.week),
            figures_of, runs=args.runs,
        )  # fmt: skip
        big_row = rows[0]
        growth = (small_shape.members, big_shape.members, row, big_row)
        small.engine.dispose()
    db.engine.dispose()
    return rows + ([] if not problems else [Row("token summaries", 0, 0, 0, problems)]), growth


def print_table(title: str, rows: list[Row], growth: Any) -> None:
    header = f"{'path':<42} | {'AI Retro (s)':>12} | {'hand-written SQL (s)':>20} | {'ratio':>8} | goal"
    log(f"\n{title}\n{header}\n{'-' * len(header)}")
    for row in rows:
        if not row.goal:
            continue
        verdict = "ok" if row.ratio <= row.goal else "over"
        mismatch = "  MISMATCH" if row.problems else ""
        log(
            f"{row.path:<42} | {row.ours:>12.4f} | {row.theirs:>20.4f} | {row.ratio:>7.2f}× | "
            f"≤ {row.goal:g}× {verdict}{mismatch}"
        )
    if growth is not None:
        small_members, big_members, small, big = growth
        scale = math.log(big_members / small_members)
        for side, t_small, t_big in (("AI Retro", small.ours, big.ours), ("SQL", small.theirs, big.theirs)):
            exponent = math.log(t_big / t_small) / scale if t_small and t_big else math.nan
            verdict = "ok" if exponent <= GOAL_EXPONENT else "over"
            log(
                f"growth, team-week digest figures, {side:<8}: {small_members:,} members {t_small:.4f} s → "
                f"{big_members:,} members {t_big:.4f} s: exponent {exponent:.2f} (goal ≤ {GOAL_EXPONENT}) {verdict}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=10_000, help="members of team Big (default 10,000)")
    parser.add_argument("--weeks", type=int, default=52, help="closed weeks of data (default 52; at least 8)")
    parser.add_argument("--engines", default="sqlite", help="sqlite, postgresql or both, comma-separated")
    parser.add_argument("--postgres", default=os.environ.get("AIRETRO_TEST_POSTGRES"), help="a PostgreSQL server")
    parser.add_argument("--import-rows", type=int, default=1_000_000, help="rows of the generated usage CSV")
    parser.add_argument("--cache", default="~/.cache/airetro-bench", help="where the SQLite databases are kept")
    parser.add_argument("--rebuild", action="store_true", help="build the databases again")
    parser.add_argument(
        "--publish",
        choices=("all", "measured"),
        default="all",
        help="at build time publish every closed week with publish_closed (default), or only the 8 the paths read",
    )
    parser.add_argument("--runs", type=int, default=RUNS, help="timed runs of each path, after a warm-up")
    parser.add_argument("--other-teams", type=int, default=20, help="teams of about 25 beside Big")
    parser.add_argument("--quick", action="store_true", help="500 members, 8 weeks, a 20,000-row import")
    parser.add_argument("--only", help=f"some of the paths: {','.join(PATHS)},growth")
    parser.add_argument("--profile", action="store_true", help="print cProfile's top functions of AI Retro's side")
    args = parser.parse_args()  # fmt: skip
    if args.quick:
        args.members, args.weeks, args.import_rows, args.runs, args.other_teams = 500, 8, 20_000, 1, 5
    if args.weeks < TREND_WEEKS:
        parser.error(f"--weeks must be at least {TREND_WEEKS}")
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if "postgresql" in engines and not args.postgres:
        parser.error("postgresql needs --postgres URL (or $AIRETRO_TEST_POSTGRES)")
    big = Shape(members=args.members, weeks=args.weeks, other_teams=args.other_teams, publish=args.publish)
    small = replace(big, members=max(args.members // 10, 10))
    failed = False
    for engine_name in engines:
        t0 = time.perf_counter()
        rows, growth = run_engine(engine_name, args, big, small)
        title = (
            f"{engine_name}: Big = {args.members:,} members, {args.weeks} closed weeks "
            f"({time.perf_counter() - t0:.0f} s for this engine)"
        )
        print_table(title, rows, growth)
        failed = failed or any(row.problems for row in rows)
    if failed:
        log("\nMISMATCH: some figures differ (see above)")
        sys.exit(1)


if __name__ == "__main__":
    main()
