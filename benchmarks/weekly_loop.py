"""Benchmark the weekly loop against the local Slack stand-in and print the figures.

    .venv/bin/python benchmarks/weekly_loop.py [--members 200] [--usage-rows 100000]

Measures: ack latency of button clicks and modal submissions over HTTP (Slack wants < 3 s),
prompt fan-out rate, digest computation time for the team, and CSV import rate and peak memory.
Not a test: nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.app import create_app
from bot.config import Settings
from bot.schedule_spec import local_week
from bot.serve import start_http
from bot.services import prompts, publication, teams
from bot.services.usage_import import import_usage_csv
from bot.standin.inbound import SlackSender
from bot.standin.member import SimulatedMember
from bot.standin.web_api import SlackWebApi, users_from
from storage.engine import make_engine, migrate, session_scope

SECRET = "bench-secret"
TOKEN = "xoxb-bench"
ANSWER = {"what": "Wrote the tests", "outcome": "tests", "time_saved": "1h_2h", "quality": "better",
          "counterfactual": "later", "tool": "claude_code", "link": None, "sharing": "anonymous"}  # fmt: skip


def _pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--usage-rows", type=int, default=100_000)
    args = parser.parse_args()
    users = users_from([f"user{i}" for i in range(args.members)], make_id=lambda i: f"U{i:08d}")
    with tempfile.TemporaryDirectory() as tmp, SlackWebApi(TOKEN, users) as slack:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        migrate(engine)
        app = create_app(Settings(slack_bot_token=TOKEN, slack_signing_secret=SECRET, slack_api_url=slack.url), engine)
        http = start_http(app)
        sender = SlackSender(http.url, SECRET)
        spec = teams.team_spec("Bench", "C0BENCH01", [u.id for u in users], "UTC", "mon 10:00", "fri 16:00")
        team = teams.create_team(engine, spec)

        started = time.perf_counter()
        report = prompts.send_prompts(engine, app.client, team)
        elapsed = time.perf_counter() - started
        print(f"prompt fan-out: {len(report.sent)} DMs in {elapsed:.2f} s = {len(report.sent) / elapsed:.0f} DMs/s "
              "(stand-in without rate limits)")  # fmt: skip

        click_acks, submit_acks = [], []
        for user in users[: min(100, len(users))]:
            member = SimulatedMember(slack, sender, user.id)
            before = len(slack.calls("views.open"))
            t0 = time.perf_counter()
            response = member.click("log_moment")
            click_acks.append(time.perf_counter() - t0)
            assert response.status == 200
            slack.wait_for("views.open", before + 1)
            view = slack.last_opened_view()
            t0 = time.perf_counter()
            assert member.submit(view, ANSWER).status == 200
            submit_acks.append(time.perf_counter() - t0)
        ms = 1000
        print(f"ack latency, button click: p50 {statistics.median(click_acks) * ms:.1f} ms, "
              f"p95 {_pct(click_acks, 0.95) * ms:.1f} ms, max {max(click_acks) * ms:.1f} ms")  # fmt: skip
        print(f"ack latency, modal submit: p50 {statistics.median(submit_acks) * ms:.1f} ms, "
              f"p95 {_pct(submit_acks, 0.95) * ms:.1f} ms, max {max(submit_acks) * ms:.1f} ms")  # fmt: skip
        app.listener_runner.listener_executor.shutdown(wait=True)

        week = local_week(datetime.now(UTC), UTC)  # type: ignore[arg-type]
        t0 = time.perf_counter()
        with session_scope(engine) as session:
            figures = publication.compute_week(session, team, week)
        print(f"digest for {figures.members} members, {figures.moments} moments: "
              f"{(time.perf_counter() - t0) * ms:.0f} ms")  # fmt: skip

        path = Path(tmp) / "usage.csv"
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["email_or_slack_id", "date", "model", "input_tokens", "output_tokens", "cost_usd"])
            first = date(2026, 1, 1)
            models = ["claude-sonnet-4-5", "gpt-4.1", "claude-opus-4-1", "gemini-2.5-pro"]
            for i in range(args.usage_rows):
                user = users[i % len(users)]
                day = first + timedelta(days=(i // (len(users) * len(models))) % 365)
                model = models[(i // len(users)) % len(models)]
                writer.writerow([user.id, day.isoformat(), model, 1000 + i % 977, 100 + i % 97, "0.01"])
        t0 = time.perf_counter()
        result = import_usage_csv(engine, path)
        elapsed = time.perf_counter() - t0
        print(f"usage import: {result.rows} rows in {elapsed:.1f} s = {result.rows / elapsed:,.0f} rows/s, "
              f"{result.person_weeks} person-week summaries")  # fmt: skip
        tracemalloc.start()
        t0 = time.perf_counter()
        import_usage_csv(engine, path)
        elapsed = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"usage re-import (idempotent upsert), traced: {elapsed:.1f} s, peak Python memory {peak / 2**20:.1f} MiB"
        )
        http.stop()
        engine.dispose()


if __name__ == "__main__":
    main()
