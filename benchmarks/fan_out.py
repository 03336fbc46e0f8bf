"""Benchmark a weekly prompt fan-out to thousands of members by two real ``airetro scheduler`` processes.

    .venv/bin/python benchmarks/fan_out.py [--members 5000] [--per-minute 300] [--burst N]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:55432/postgres] [--engines sqlite,postgresql]

For each engine (SQLite, a file in a temporary directory; PostgreSQL when ``--postgres URL`` or
``$AIRETRO_TEST_POSTGRES`` names a server, where a scratch database ``bench_fanout_<pid>`` is created and
dropped at the end): one team of ``--members`` is created through the CLI (``airetro team create``, in this
process, as ``tests/scheduler/test_fan_out_scale.py`` does) with its prompt time a minute ago, so it is due at
once; then two ``python -m bot scheduler`` processes start on that database (one leads, the other stands by)
against the local Slack stand-in, which enforces chat.postMessage's limits: one message per second per
channel (each member's DM is its own channel) and a workspace limit of ``--per-minute`` messages a minute,
after a burst of ``--burst`` (default: a minute's worth, the stand-in's default), answering 429 with
Retry-After past them. When every member has a prompt (or ``--timeout`` passes) both get SIGTERM (SIGKILL
after a minute).

Printed, one row per engine: the members, the workspace limit, the rate achieved (DMs a minute, from the first
to the last prompt the stand-in accepted, and again from the end of the burst on), the 429s the stand-in
answered, duplicates (members with more than one prompt in their DM, counted by the messages' metadata
``event_type`` ``airetro_prompt``) and misses (members with none), the wall time from starting the schedulers
to the last prompt, and how many prompts each scheduler process sent (each is given its own path prefix to
the stand-in, so the stand-in knows who called). Not a test: nothing here passes or fails.

Slack's real workspace limit is about 300 messages a minute, so 5,000 members take about 17 minutes at the
default ``--per-minute 300``; ``--per-minute 3000 --burst 50`` (and fewer ``--members``) gives figures in a
couple of minutes. The stand-in shares this process with nothing but the poller; on a small machine it
competes with the schedulers (and PostgreSQL) for the same cores, which the figures include.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from scratch_db import scratch_database  # beside this script
from sqlalchemy import func, select

from bot.cli import main as cli
from bot.schedule_spec import WEEKDAYS
from bot.standin.web_api import FakeUser, PostLimits, SlackWebApi, users_from
from storage.engine import make_engine
from storage.models import Delivery

TOKEN = "xoxb-bench"
CHANNEL = "C0BENCH01"
PROCESSES = 2
STOP_TIMEOUT = 60.0
PROMPT = "airetro_prompt"
_caller = threading.local()  # which scheduler process the request being answered came from


class CountingSlack(SlackWebApi):
    """The stand-in, noting when each prompt it accepted came and from which process (the path prefix
    ``/<tag>/api/`` a process was given as its SLACK_API_URL)."""

    def __init__(self, token: str, users: list[FakeUser]) -> None:
        self.accepted: list[tuple[float, str]] = []
        super().__init__(token, users)

    def api_url_for(self, tag: str) -> str:
        return f"{self._base}/{tag}/api/"

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        base = super()._handler_class()

        class Tagged(base):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                _caller.tag = self.path.split("/api/", 1)[0].strip("/") or "-"
                super().do_POST()

        return Tagged

    def _answer(self, method: str, args: dict[str, Any]) -> dict:  # called under the stand-in's lock
        answer = super()._answer(method, args)
        if (
            method == "chat.postMessage"
            and answer.get("ok")
            and (args.get("metadata") or {}).get("event_type") == PROMPT
        ):
            self.accepted.append((time.monotonic(), getattr(_caller, "tag", "-")))
        return answer


@dataclass
class Figures:
    engine: str
    members: int
    per_minute: int
    burst: int
    rate: float | None
    rate_after_burst: float | None
    throttled: int
    duplicates: int
    misses: int
    first: float | None
    wall: float | None
    recorded: int
    by_process: list[int]
    leader: str
    paused_runs: int


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """``values`` in this process's environment (the in-process CLI reads its settings there), then restored."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _stop(schedulers: list[subprocess.Popen]) -> None:
    """SIGTERM (a fan-out in progress finishes first), SIGKILL whatever is still running after STOP_TIMEOUT."""
    for proc in schedulers:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    for proc in schedulers:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"  scheduler {proc.pid} ignored SIGTERM for {STOP_TIMEOUT:.0f} s: killed", flush=True)
            proc.kill()
            proc.wait()


def _rate(times: list[float]) -> float | None:
    """DMs a minute from the first to the last of ``times``."""
    if len(times) < 2 or times[-1] <= times[0]:
        return None
    return (len(times) - 1) / (times[-1] - times[0]) * 60


def _run(engine_name: str, url: str, args: argparse.Namespace, burst: int, tmp: str) -> Figures:
    users = users_from([f"member{i:05d}" for i in range(args.members)], make_id=lambda i: f"U{i:08d}")
    with CountingSlack(TOKEN, users) as slack:
        began = datetime.now(UTC) - timedelta(minutes=1)
        members = [arg for u in users for arg in ("--member", u.id)]
        with _environment({"DATABASE_URL": url, "SLACK_API_URL": slack.url, "SLACK_BOT_TOKEN": TOKEN}):
            created = cli(["team", "create", "Everyone", "--channel", CHANNEL, *members, "--tz", "UTC",
                           "--reminder-hours", "0", "--prompt", f"{WEEKDAYS[began.weekday()]} {began:%H:%M}",
                           "--digest", "sun 23:59"])  # fmt: skip
        if created != 0:
            raise SystemExit(f"airetro team create failed ({created})")
        slack.enforce_post_limits(PostLimits(workspace_per_minute=args.per_minute, workspace_burst=burst))

        tags = [f"scheduler{k}" for k in range(1, PROCESSES + 1)]
        logs = [Path(tmp) / f"{engine_name}-{tag}.log" for tag in tags]
        env = {k: v for k, v in os.environ.items() if k not in ("SLACK_APP_TOKEN", "OTLP_TOKEN", "USAGE_PULLS")}
        env |= {"DATABASE_URL": url, "SLACK_BOT_TOKEN": TOKEN, "PYTHONUNBUFFERED": "1"}
        started = time.monotonic()
        schedulers = []
        for tag, log in zip(tags, logs, strict=True):
            with log.open("w") as out:
                schedulers.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "bot", "scheduler"],
                        env=env | {"SLACK_API_URL": slack.api_url_for(tag)},
                        stdout=out,
                        stderr=subprocess.STDOUT,
                    )
                )
        try:
            deadline = started + args.timeout
            while len(slack.accepted) < args.members and time.monotonic() < deadline:
                if all(proc.poll() is not None for proc in schedulers):
                    print("  both schedulers exited early", flush=True)
                    break
                time.sleep(0.5)
            if len(slack.accepted) < args.members:
                print(f"  gave up after {time.monotonic() - started:.0f} s: {len(slack.accepted)} prompts", flush=True)
        finally:
            _stop(schedulers)
        slack.wait_idle(30)

        counts = Counter(
            sum(1 for m in slack.channel_messages(slack.dm_channel(u.id))
                if (m.get("metadata") or {}).get("event_type") == PROMPT)
            for u in users
        )  # fmt: skip
        times = [t for t, _tag in slack.accepted]
        by_tag = Counter(tag for _t, tag in slack.accepted)
        engine = make_engine(url)
        try:
            with engine.connect() as db:
                recorded = db.execute(
                    select(func.count()).select_from(Delivery).where(Delivery.state == "sent")
                ).scalar()
        finally:
            engine.dispose()
        texts = [log.read_text(errors="replace") for log in logs]
        leaders = [tag for tag, text in zip(tags, texts, strict=True) if "scheduler running" in text]
        return Figures(
            engine=engine_name,
            members=args.members,
            per_minute=args.per_minute,
            burst=burst,
            rate=_rate(times),
            rate_after_burst=_rate(times[burst:]),
            throttled=slack.throttled,
            duplicates=sum(n for c, n in counts.items() if c > 1),
            misses=counts[0],
            first=times[0] - started if times else None,
            wall=times[-1] - started if times else None,
            recorded=recorded,
            by_process=[by_tag[tag] for tag in tags],
            leader=",".join(leaders) or "none",
            paused_runs=sum(text.count("paused:") for text in texts),
        )


def _figure(value: float | None, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--per-minute", type=int, default=300, help="the workspace's chat.postMessage limit")
    parser.add_argument(
        "--burst", type=int, help="posts at once before the workspace limit bites (default: a minute's)"
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("AIRETRO_TEST_POSTGRES"),
        metavar="URL",
        help="a PostgreSQL server (default $AIRETRO_TEST_POSTGRES); without one, SQLite only",
    )
    parser.add_argument("--engines", default="sqlite,postgresql", help="which of sqlite,postgresql to run")
    parser.add_argument(
        "--timeout", type=float, help="seconds to wait for the fan-out (default: 1.5x the limit's, +2 min)"
    )
    args = parser.parse_args()
    burst = args.burst or args.per_minute
    if args.timeout is None:
        args.timeout = 1.5 * max(0, args.members - burst) / args.per_minute * 60 + 120
    wanted = [e.strip() for e in args.engines.split(",") if e.strip()]
    engines = [e for e in ("sqlite", "postgresql") if e in wanted and (e == "sqlite" or args.postgres)]
    if not engines:
        raise SystemExit("nothing to run: PostgreSQL needs --postgres URL or $AIRETRO_TEST_POSTGRES")
    print(f"{args.members} members, {PROCESSES} scheduler processes, chat.postMessage limited to "
          f"{args.per_minute}/min per workspace (burst {burst}) and 1/s per channel; {os.cpu_count()} CPUs; "
          f"timeout {args.timeout:.0f} s", flush=True)  # fmt: skip
    rows: list[Figures] = []
    with tempfile.TemporaryDirectory() as tmp:
        for engine_name in engines:
            with scratch_database(engine_name, args.postgres, tmp, "fanout") as url:
                rows.append(_run(engine_name, url, args, burst, tmp))
            print(f"  done: {engine_name}", flush=True)
    print()
    print(f"{'engine':<11} {'members':>7} {'limit/min':>9} {'burst':>5} {'DMs/min':>8} {'after burst':>11} {'429s':>6} "
          f"{'dups':>5} {'misses':>6} {'1st DM':>7} {'wall':>7} {'db sent':>7}  sent by process")  # fmt: skip
    for r in rows:
        spread = "/".join(map(str, r.by_process))
        print(f"{r.engine:<11} {r.members:>7} {r.per_minute:>9} {r.burst:>5} {_figure(r.rate, '.0f'):>8} "
              f"{_figure(r.rate_after_burst, '.0f'):>11} {r.throttled:>6} {r.duplicates:>5} {r.misses:>6} "
              f"{_figure(r.first, '.1f'):>6}s {_figure(r.wall, '.1f'):>6}s {r.recorded:>7}  {spread} "
              f"(leader: {r.leader}; runs paused by 429s: {r.paused_runs})")  # fmt: skip
    print("DMs/min: prompts the stand-in accepted, first to last; after burst: the same from the end of the burst; "
          "429s: answers past the limits; 1st DM, wall: scheduler start to the first, the last prompt")  # fmt: skip


if __name__ == "__main__":
    main()
