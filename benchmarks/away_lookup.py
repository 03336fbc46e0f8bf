"""Benchmark reading who is away from Slack statuses as the prompt goes out (``bot/services/away.py``).

    .venv/bin/python benchmarks/away_lookup.py [--members 200,2000,10000] [--workspace 12000]

Against the local Slack stand-in (a workspace of ``--workspace`` people, 5% of them with an away status), for
teams of each size, spread over the workspace (so ``users.list`` reads every page): how many Slack calls and how
long ``away_now`` takes, the way it chooses (``users.info`` per member up to ``USERS_INFO_UP_TO``, ``users.list``
pages above), side by side with the other way. The calls are what matters at Slack's rate limits (``users.info``
is Tier 4, about 100 a minute; ``users.list`` Tier 2, about 20 a minute, 200 people a page), so the last column
estimates the minutes at those limits. Not a test: nothing
here passes or fails.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime

from slack_sdk import WebClient

from bot.services import away
from bot.standin.web_api import SlackWebApi, users_from
from storage.models import Person, Team

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PER_MINUTE = {"users.info": 100, "users.list": 20}


def _team() -> Team:
    return Team(name="Big", channel_id="C1", tz="Europe/Berlin", prompt_weekday=0, prompt_time="10:00",
                digest_weekday=4, digest_time="16:00", created_at=NOW)  # fmt: skip


def _run(slack: SlackWebApi, client: WebClient, people: list[Person], up_to: int) -> tuple[float, dict[str, int], int]:
    away.USERS_INFO_UP_TO = up_to
    before = {m: len(slack.calls(m)) for m in PER_MINUTE}
    started = time.perf_counter()
    found = away.away_now(client, _team(), people, NOW)
    seconds = time.perf_counter() - started
    return seconds, {m: len(slack.calls(m)) - before[m] for m in PER_MINUTE}, len(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", default="20,200,2000,10000")
    parser.add_argument("--workspace", type=int, default=12_000)
    args = parser.parse_args()
    users = users_from([f"person{i}" for i in range(args.workspace)])
    chosen = away.USERS_INFO_UP_TO
    with SlackWebApi(token="xoxb-bench", users=users) as slack:
        for user in random.Random(20).sample(users, len(users) // 20):
            slack.set_status(user.id, "Vacationing", ":palm_tree:")
        client = WebClient(token="xoxb-bench", base_url=slack.url)
        people = [Person(id=i + 1, slack_user_id=u.id) for i, u in enumerate(users)]
        print(f"workspace of {args.workspace:,} people, 1 in 20 away; users.info per member up to {chosen}")
        print(f"{'members':>8} | {'way':<18} | {'seconds':>8} | {'users.info':>10} | {'users.list':>10} | "
              f"{'away':>5} | min at Slack's limits")  # fmt: skip
        for size in (int(n) for n in args.members.split(",")):
            group = people[:: max(len(people) // size, 1)][:size]  # spread over the workspace, as teams are
            ways = {"users.info each": 10**9, "users.list pages": 0}
            for way, up_to in ways.items():
                seconds, calls, found = _run(slack, client, group, up_to)
                minutes = sum(n / PER_MINUTE[m] for m, n in calls.items())
                mark = "*" if (up_to >= size) == (size <= chosen) else " "
                print(f"{size:>8,} | {way:<17}{mark} | {seconds:>8.3f} | {calls['users.info']:>10,} | "
                      f"{calls['users.list']:>10,} | {found:>5,} | {minutes:.1f}")  # fmt: skip
    away.USERS_INFO_UP_TO = chosen
    print("* the way away_now takes for that size")


if __name__ == "__main__":
    main()
