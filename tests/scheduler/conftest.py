"""Driving the real scheduler (persistent job store, triggers, misfire rules) on a frozen clock.

``SteppedScheduler`` is APScheduler's base scheduler with the waiting taken out: a test moves the
frozen clock and asks it to run whatever is due, so nothing waits on the wall clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from types import SimpleNamespace

import pytest
from apscheduler.executors.debug import DebugExecutor
from apscheduler.schedulers.base import BaseScheduler
from freezegun import freeze_time
from slack_sdk.http_retry import builtin_handlers

from bot.scheduler.process import build_scheduler, start_scheduler
from bot.services import teams
from tests.conftest import CHANNEL
from tests.databases import both_engines_here as pytest_generate_tests  # noqa: F401 - SQLite and PostgreSQL


class SteppedScheduler(BaseScheduler):
    def wakeup(self) -> None:
        pass

    def shutdown(self, wait: bool = True) -> None:
        super().shutdown(wait)

    def run_due(self) -> None:
        self._process_jobs()


class Clock:
    """The frozen clock: ``clock.at("2026-11-23T09:00:00Z")`` moves it; sleeping moves it too."""

    def __init__(self, frozen: object) -> None:
        self.frozen = frozen
        self.slept: list[float] = []

    def at(self, when: str | datetime) -> None:
        self.frozen.move_to(when)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.frozen.tick(seconds)


@pytest.fixture
def clock(monkeypatch) -> Iterator[Clock]:
    """A frozen clock; slack-sdk's rate-limit retry handler sleeps on it instead of the wall clock."""
    with freeze_time("2026-11-22T12:00:00Z") as frozen:
        clock = Clock(frozen)
        monkeypatch.setattr(builtin_handlers, "time", SimpleNamespace(sleep=clock.sleep))
        yield clock


@pytest.fixture
def start(engine, app, clock):
    """Start a scheduler process on the test database (call again to simulate a restart)."""
    started: list[SteppedScheduler] = []

    def _start() -> SteppedScheduler:
        scheduler = build_scheduler(engine, app.client, SteppedScheduler, DebugExecutor())
        start_scheduler(scheduler, engine, app.client)
        scheduler.run_due()
        started.append(scheduler)
        return scheduler

    yield _start
    for scheduler in started:
        if scheduler.running:
            scheduler.shutdown()


def make_team(engine, users, tz: str, prompt: str = "mon 10:00", digest: str = "fri 16:00", **extra):
    spec = teams.team_spec("Payments", CHANNEL, [u.id for u in users], tz, prompt, digest, 3, **extra)
    return teams.create_team(engine, spec)


def dm_counts(slack, users, event: str = "airetro_prompt") -> dict[str, int]:
    """How many prompts (or reminders) each member has in their DM with the bot, as Slack stores them."""
    return {
        u.name: sum(
            1
            for m in slack.channel_messages(slack.dm_channel(u.id))
            if (m.get("metadata") or {}).get("event_type") == event
        )
        for u in users
    }


def reminders(slack, users) -> dict[str, int]:
    return dm_counts(slack, users, "airetro_reminder")
