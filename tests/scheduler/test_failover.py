"""Two real ``airetro scheduler`` processes on one database: one leads, the other stands by; the leader is
killed with SIGKILL in the middle of its fan-out, and the standby takes over: every member is prompted
exactly once, the dead leader's claim settled through the DM check, all within 60 s of the kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from bot.cli import main
from bot.schedule_spec import WEEKDAYS
from storage.models import Delivery
from tests.conftest import CHANNEL, TOKEN
from tests.scheduler.conftest import dm_counts

WITHIN = 60  # seconds from the kill to every member's prompt recorded


def _scheduler(env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bot", "scheduler"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)  # fmt: skip


def _first_line(proc: subprocess.Popen, containing: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if containing in line:
            return line
        if not line and proc.poll() is not None:
            break
    raise AssertionError(f"no line with {containing!r} from the scheduler")


def _all_sent(engine, count: int) -> bool:
    with Session(engine) as session:
        states = [d.state for d in session.exec(select(Delivery)).all()]
    return len(states) == count and set(states) == {"sent"}


def test_the_standby_takes_over_a_killed_leader_and_every_member_is_prompted_once(
    engine, slack, users, settings, monkeypatch
):
    began = datetime.now(UTC) - timedelta(minutes=1)  # the team's prompt time was a minute ago
    env = {**os.environ, "DATABASE_URL": settings.database_url, "SLACK_API_URL": slack.url, "SLACK_BOT_TOKEN": TOKEN}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    members = [arg for u in users for arg in ("--member", u.id)]
    slack.channels[CHANNEL] = [u.id for u in users]  # team create checks the channel with Slack
    assert main(["team", "create", "Payments", "--channel", CHANNEL, *members, "--tz", "UTC", "--reminder-hours", "0",
                 "--prompt", f"{WEEKDAYS[began.weekday()]} {began:%H:%M}", "--digest", "sun 23:59"]) == 0  # fmt: skip

    held = slack.hold("chat.postMessage", after=2)  # Slack takes two DMs; the third hangs in flight
    leader = _scheduler(env)
    standby = None
    try:
        _first_line(leader, "scheduler running")
        standby = _scheduler(env)
        _first_line(standby, "standing by")
        slack.wait_for("chat.postMessage", 3, timeout=30)
        os.kill(leader.pid, signal.SIGKILL)
        leader.wait(timeout=10)
        killed = time.monotonic()
        held.set()  # Slack now delivers the third DM: its sender is dead and never recorded it
        _first_line(standby, "scheduler running")  # the standby leads now
        while not _all_sent(engine, len(users)) and time.monotonic() - killed < WITHIN:
            time.sleep(0.5)
        settled_after = time.monotonic() - killed
    finally:
        for proc in (leader, standby):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=30)
    slack.wait_idle()
    assert dm_counts(slack, users) == {u.name: 1 for u in users}
    assert settled_after < WITHIN, f"every member's prompt recorded {settled_after:.0f} s after the kill"
