"""Benchmark the scheduled prompt fan-out against a stand-in that enforces Slack's chat.postMessage limits.

    .venv/bin/python benchmarks/fanout_rate_limited.py [--members 500] [--per-minute 300] [--burst 3]

The stand-in answers 429 with Retry-After past about one message per second per channel (short
bursts allowed) and past a workspace-wide limit (Slack documents "several hundred messages per
minute"; the figure used here is --per-minute).  The fan-out runs as the scheduler runs it, on the
wall clock, with slack-sdk's retry handlers honouring Retry-After.  Prints the rate achieved, the
429s received, and whether every member got exactly one prompt.  Not a test: nothing passes or fails.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime

from bot.app import make_client
from bot.config import Settings
from bot.services import teams
from bot.services.schedule import send_due_prompts
from bot.standin.web_api import PostLimits, SlackWebApi, users_from
from storage.engine import make_engine, migrate

TOKEN = "xoxb-bench"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--per-minute", type=int, default=300)
    parser.add_argument("--burst", type=int, default=3)
    args = parser.parse_args()
    users = users_from([f"user{i}" for i in range(args.members)], make_id=lambda i: f"U{i:08d}")
    with tempfile.TemporaryDirectory() as tmp, SlackWebApi(TOKEN, users) as slack:
        slack.enforce_post_limits(PostLimits(channel_burst=args.burst, workspace_per_minute=args.per_minute))
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        migrate(engine)
        client = make_client(Settings(slack_bot_token=TOKEN, slack_api_url=slack.url))
        now = datetime.now(UTC)
        slot = f"{('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun')[now.weekday()]} {now:%H:%M}"
        spec = teams.team_spec("Bench", "C0BENCH01", [u.id for u in users], "UTC", slot, "sun 23:59", 3, 0)
        team = teams.create_team(engine, spec)

        started = time.perf_counter()
        runs = 0
        while True:  # as the scheduler does: the job, then the minute tick while anything is left
            runs += 1
            reports = send_due_prompts(engine, client, team.id, datetime.now(UTC))
            if not any(r.deferred for r in reports):
                break
        elapsed = time.perf_counter() - started
        stored = Counter(
            ch
            for ch, _ts in slack._state.messages  # noqa: SLF001 - benchmark reads the stand-in's store
        )
        sent = sum(len(r.sent) for r in reports)
        once = all(stored[slack.dm_channel(u.id)] == 1 for u in users)
        print(
            f"limits: {args.per_minute}/min per workspace (bucket of {args.per_minute}), "
            f"1/s per channel (burst {args.burst})"
        )
        print(f"fan-out: {len(users)} members in {elapsed:.1f} s = {len(users) / elapsed * 60:.0f} DMs/min "
              f"({len(users) / elapsed:.1f}/s); runs needed: {runs}; last run sent {sent}")  # fmt: skip
        calls = len(slack.calls("chat.postMessage"))
        print(f"429 answers: {slack.throttled} of {calls} calls ({slack.throttled / calls:.1%}); "
              f"every member prompted exactly once: {once}")  # fmt: skip
        engine.dispose()


if __name__ == "__main__":
    main()
