"""A fan-out to 500 members by two real ``airetro scheduler`` processes on one database, against a Slack
stand-in that enforces its rate limits and answers 429 with Retry-After: every member gets exactly one
prompt, and the database records each."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, func, select

from bot.cli import main
from bot.schedule_spec import WEEKDAYS
from bot.standin.web_api import FakeUser, PostLimits, users_from
from storage.models import Delivery
from tests.conftest import CHANNEL, TOKEN
from tests.scheduler.conftest import dm_counts

MEMBERS = 500
LIMITS = PostLimits(workspace_per_minute=1200, workspace_burst=20)  # 20 a second after a burst of 20: 429s


@pytest.fixture
def users() -> list[FakeUser]:
    return users_from([f"member{i:03d}" for i in range(MEMBERS)])


def _sent(engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Delivery).where(Delivery.state == "sent")).one()


def test_two_schedulers_prompt_500_members_once_each_through_429s(
    engine, engine_name, slack, users, settings, monkeypatch
):
    if engine_name == "sqlite":
        pytest.skip("production's many processes run on PostgreSQL; SQLite's own exactly-once is tested at 5 members")
    began = datetime.now(UTC) - timedelta(minutes=1)
    env = {**os.environ, "DATABASE_URL": settings.database_url, "SLACK_API_URL": slack.url, "SLACK_BOT_TOKEN": TOKEN}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    members = [arg for u in users for arg in ("--member", u.id)]
    slack.channels[CHANNEL] = [u.id for u in users]  # team create checks the channel with Slack
    assert main(["team", "create", "Everyone", "--channel", CHANNEL, *members, "--tz", "UTC", "--reminder-hours", "0",
                 "--prompt", f"{WEEKDAYS[began.weekday()]} {began:%H:%M}", "--digest", "sun 23:59"]) == 0  # fmt: skip
    slack.enforce_post_limits(LIMITS)
    schedulers = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "scheduler"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )  # fmt: skip
        for _ in range(2)
    ]
    try:
        deadline = time.monotonic() + 90
        while _sent(engine) < MEMBERS and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        for proc in schedulers:
            proc.send_signal(signal.SIGTERM)
        for proc in schedulers:
            proc.wait(timeout=60)
    slack.wait_idle()
    assert _sent(engine) == MEMBERS
    assert set(dm_counts(slack, users).values()) == {1}, "every member exactly one prompt"
    assert slack.throttled > 0, "Slack's limits were hit and honoured"
