"""A real ``airetro scheduler`` process killed with SIGKILL in the middle of its fan-out, then a restart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from bot.cli import main
from bot.schedule_spec import WEEKDAYS
from bot.services.prompts import CLAIM_LEASE
from tests.conftest import CHANNEL, TOKEN
from tests.scheduler.conftest import dm_counts


def test_kill_9_mid_fan_out_then_restart_prompts_every_member_exactly_once(
    engine, slack, users, settings, monkeypatch, request
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
    proc = subprocess.Popen([sys.executable, "-m", "bot", "scheduler"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:
        slack.wait_for("chat.postMessage", 3, timeout=30)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    held.set()  # Slack now delivers the third DM: its sender is dead and never recorded it
    slack.wait_idle()
    assert sum(dm_counts(slack, users).values()) == 3, proc.stdout.read()

    clock = request.getfixturevalue("clock")
    clock.at(began + CLAIM_LEASE + timedelta(minutes=3))  # restarted once the dead sender's claim has expired
    scheduler = request.getfixturevalue("start")()  # the restart
    scheduler.run_due()
    assert dm_counts(slack, users) == {u.name: 1 for u in users}
