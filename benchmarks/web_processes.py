"""Benchmark one web process against several (``airetro serve --workers N``), on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/web_processes.py [--requests 600] [--concurrency 20] [--members 100]
        [--workers 1,3] [--postgres postgresql+psycopg://postgres@127.0.0.1:55432/postgres]

For each engine (SQLite always; PostgreSQL when ``--postgres URL`` or ``$AIRETRO_TEST_POSTGRES`` names a
server, where a scratch database is created and dropped) and each process count: a fresh database with one
team of ``--members``, its weekly prompts sent, then real ``python -m bot serve --workers N --no-scheduler``
(``--workers 1`` is the single-process server) on a free port, the Slack stand-in in this process. It sends
``--requests`` correctly signed prompt-button clicks from ``--concurrency`` threads, a new connection each as
Slack opens them, in two kinds: ``changing``, every click the other answer than its member's last (after its
ack it stores the answer, updates the DM and publishes the Home tab: about 30 ms of CPU, most of it the Home
tab), and ``repeated``, every click the answer already stored (a redelivery: after the ack, one conditional
UPDATE that changes nothing, no Slack call). Printed per run: clicks acknowledged per second, ack latency
(median, p99, max), for ``changing`` the DM updates per second until the last one (the work after the acks
done), the HTTP statuses, and how the clicks spread over the web processes.
Not a test: nothing here passes or fails. The stand-in and the senders share this process (and its GIL);
on a small machine they compete with the web processes for the same cores, and the figures include that.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from scratch_db import scratch_database  # beside this script
from sqlalchemy import update

from bot.app import create_app
from bot.blocks.prompt import DIDNT_HELP, SKIP_WEEK
from bot.config import Settings
from bot.serve import EVENTS_PATH, READY_PATH, WORKER_HEADER
from bot.services import prompts, teams
from bot.standin.inbound import block_actions_payload, find_button, signature
from bot.standin.web_api import SlackWebApi, users_from
from storage.engine import make_engine, migrate
from storage.models import Delivery

SECRET = "bench-secret-0123456789"
TOKEN = "xoxb-bench"
MS = 1000
START_TIMEOUT = 60.0


KINDS = ("changing", "repeated")


@dataclass
class Figures:
    engine: str
    processes: int
    kind: str
    acked_per_s: float
    p50: float
    p99: float
    worst: float
    done_per_s: float | None
    statuses: Counter
    spread: list[int]


def _pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _clicks(slack: SlackWebApi, users: list, requests: int, kind: str) -> list[bytes]:
    """``requests`` click bodies, member i % members; ``changing``: each of their clicks the other answer than
    the last; ``repeated``: always "didn't help" (which ``_run`` stores beforehand)."""
    prompt_of = {u.id: slack.channel_messages(slack.dm_channel(u.id))[-1] for u in users}
    bodies = []
    for i in range(requests):
        user = users[i % len(users)]
        action = DIDNT_HELP if kind == "repeated" or (i // len(users)) % 2 == 0 else SKIP_WEEK
        channel = slack.dm_channel(user.id)
        button = find_button(prompt_of[user.id], action)
        payload = block_actions_payload(user.id, button, prompt_of[user.id], channel, slack.response_url("bench"))
        bodies.append(urlencode({"payload": json.dumps(payload)}).encode())
    return bodies


def _post(port: int, body: bytes) -> tuple[int, float, str | None]:
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature(SECRET, timestamp, body.decode()),
    }
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", EVENTS_PATH, body, headers)
        response = connection.getresponse()
        response.read()
        return response.status, time.perf_counter() - started, response.getheader(WORKER_HEADER)
    except (OSError, http.client.HTTPException):
        return 0, time.perf_counter() - started, None
    finally:
        connection.close()


def _settled(slack: SlackWebApi, started: float, quiet: float = 2.0, limit: float = 300.0) -> float:
    """Seconds from ``started`` to the last DM update, once none has come for ``quiet`` seconds (the work
    after the acks is done; a click overtaken by its member's next one may change nothing, so no count)."""
    count, last = len(slack.calls("chat.update")), time.perf_counter()
    while time.perf_counter() - last < quiet and time.perf_counter() - started < limit:
        time.sleep(0.05)
        now = len(slack.calls("chat.update"))
        if now != count:
            count, last = now, time.perf_counter()
    return last - started


def _ready(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", READY_PATH)
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def _run(engine_name: str, url: str, workers: int, kind: str, args: argparse.Namespace, tmp: str) -> Figures:
    users = users_from([f"member{i:03d}" for i in range(args.members)], make_id=lambda i: f"U{i:08d}")
    with SlackWebApi(TOKEN, users) as slack:
        engine = make_engine(url)
        migrate(engine)
        settings = Settings(slack_bot_token=TOKEN, slack_signing_secret=SECRET, slack_api_url=slack.url)
        app = create_app(settings, engine)
        spec = teams.team_spec("Bench", "C0BENCH01", [u.id for u in users], "UTC", "mon 10:00", "fri 16:00")
        prompts.send_prompts(engine, app.client, teams.create_team(engine, spec))
        if kind == "repeated":
            with engine.begin() as db:
                db.execute(update(Delivery).values(answer=DIDNT_HELP))
        engine.dispose()
        bodies = _clicks(slack, users, args.requests, kind)

        port = _free_port()
        env = {**os.environ, "DATABASE_URL": url, "SLACK_API_URL": slack.url, "SLACK_BOT_TOKEN": TOKEN,
               "SLACK_SIGNING_SECRET": SECRET, "PYTHONUNBUFFERED": "1"}  # fmt: skip
        for name in ("SLACK_APP_TOKEN", "OTLP_TOKEN", "USAGE_PULLS", "PORT"):
            env.pop(name, None)
        argv = [sys.executable, "-m", "bot", "serve", "--workers", str(workers), "--no-scheduler", "--port", str(port)]
        log = Path(tmp) / f"serve-{engine_name}-{workers}.log"
        with log.open("w") as out:
            server = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while not _ready(port):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the server did not start:\n{log.read_text()[-2000:]}")
                time.sleep(0.1)
            time.sleep(0.5 if workers > 1 else 0)  # every web process up, not only the first to answer
            updates_before = len(slack.calls("chat.update"))
            started = time.perf_counter()
            with ThreadPoolExecutor(args.concurrency) as pool:
                results = list(pool.map(lambda body: _post(port, body), bodies))
            acked = time.perf_counter() - started
            done = _settled(slack, started) if kind == "changing" else acked
        finally:
            if server.poll() is None:
                server.send_signal(signal.SIGTERM)
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(server.pid, signal.SIGKILL)
                    server.wait()
        slack.wait_idle(30)
        app.listener_runner.listener_executor.shutdown(wait=True)
    latencies = [t for _s, t, _w in results]
    return Figures(
        engine=engine_name,
        processes=workers,
        kind=kind,
        acked_per_s=len(bodies) / acked,
        p50=statistics.median(latencies),
        p99=_pct(latencies, 0.99),
        worst=max(latencies),
        done_per_s=(len(slack.calls("chat.update")) - updates_before) / done if kind == "changing" else None,
        statuses=Counter(status for status, _t, _w in results),
        spread=sorted(Counter(w for _s, _t, w in results if w is not None).values(), reverse=True),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--workers", default="1,3", help="process counts to compare, comma-separated")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("AIRETRO_TEST_POSTGRES"),
        metavar="URL",
        help="a PostgreSQL server (default $AIRETRO_TEST_POSTGRES); without one, SQLite only",
    )
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    engines = ["sqlite", *(["postgresql"] if args.postgres else [])]
    print(f"{args.requests} signed prompt-button clicks, {args.concurrency} at a time, {args.members} members, "
          f"{os.cpu_count()} CPUs; stand-in and senders in this process")  # fmt: skip
    rows: list[Figures] = []
    with tempfile.TemporaryDirectory() as tmp:
        n = 0
        for engine_name in engines:
            for kind in KINDS:
                for workers in counts:
                    n += 1
                    with scratch_database(engine_name, args.postgres, tmp, f"web{n}") as url:
                        rows.append(_run(engine_name, url, workers, kind, args, tmp))
                    print(f"  done: {engine_name}, {kind}, {workers} web process(es)", flush=True)
    print()
    print(f"{'engine':<11} {'clicks':<9} {'processes':>9} {'acked/s':>8} {'ack p50':>8} {'ack p99':>8} {'ack max':>8} "
          f"{'done/s':>7}  statuses      clicks per process")  # fmt: skip
    for r in rows:
        statuses = ",".join(f"{s}×{c}" for s, c in sorted(r.statuses.items()))
        done = "-" if r.done_per_s is None else f"{r.done_per_s:.0f}"
        print(f"{r.engine:<11} {r.kind:<9} {r.processes:>9} {r.acked_per_s:>8.0f} {r.p50 * MS:>6.1f}ms "
              f"{r.p99 * MS:>6.1f}ms {r.worst * MS:>6.1f}ms {done:>7}  {statuses:<13} {r.spread or '-'}")  # fmt: skip
    print("acked/s: clicks answered 200 per second of sending; done/s: DM updates (the work after the ack) per second "
          "from the first click to the last update")  # fmt: skip


if __name__ == "__main__":
    main()
