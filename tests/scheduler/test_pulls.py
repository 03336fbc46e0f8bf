"""Scheduled usage pulls (``USAGE_PULLS``): run by the scheduler's every-minute catch-up once a day after
03:00 UTC, once across scheduler processes, incrementally, through the provider stand-in; a failure told
to every team's managers once per failing streak; the outcome in ``airetro schedule show``."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from bot.scheduler.process import build_scheduler, start_scheduler
from bot.services import pulls, schedule
from bot.standin.providers import COMPLETIONS, OPENAI_KEY, ProviderApis
from storage.engine import make_engine, session_scope
from storage.models import UsagePull, UsageRecord
from tests.scheduler.conftest import SteppedScheduler, make_team

FIXTURES = Path(__file__).parents[1] / "usage" / "fixtures"
OPENAI_PAGES = [FIXTURES / "openai_usage_completions.json", FIXTURES / "openai_usage_completions_page2.json"]
PULL_DM = "daily usage pull `openai`"


@pytest.fixture
def apis():
    with ProviderApis.from_files(openai=[str(p) for p in OPENAI_PAGES], page_size=2) as apis:
        yield apis


@pytest.fixture
def pull_env(apis, monkeypatch):
    for name in ("ANTHROPIC_ADMIN_KEY", "CURSOR_ADMIN_KEY", "GITHUB_TOKEN", "GITHUB_ORG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("USAGE_PULLS", "openai")
    monkeypatch.setenv("OPENAI_ADMIN_KEY", OPENAI_KEY)
    monkeypatch.setenv("OPENAI_API_URL", apis.url)
    return monkeypatch


@pytest.fixture
def managed(engine, users):
    """Two teams; grace manages both (she is told once), ada and linus one each."""
    make_team(engine, users[:3], "Europe/Berlin", managers=[users[0].id, users[1].id])
    from bot.services import teams
    from tests.conftest import CHANNEL

    spec = teams.team_spec(
        "Search", CHANNEL.replace("1", "2"), [u.id for u in users[2:]], "UTC", "mon 10:00", "fri 16:00", 3,
        managers=[users[1].id, users[2].id],
    )  # fmt: skip
    teams.create_team(engine, spec)
    return [users[0].id, users[1].id, users[2].id]


def _tick(engine, app, when: str, clock) -> None:
    clock.at(when)
    schedule.catch_up(engine, app.client, datetime.now(UTC))


def _pulls(apis) -> list[str]:
    """The start_time of every pull (a pull's first page: no cursor), as a UTC day."""
    return [
        datetime.fromtimestamp(int(r.param("start_time")), UTC).date().isoformat()
        for r in apis.requests(COMPLETIONS)
        if r.param("page") is None
    ]


def _openai_tokens(engine) -> int:
    with session_scope(engine) as session:
        rows = session.exec(select(UsageRecord).where(UsageRecord.source == "openai")).all()
        return sum(r.input_tokens + r.output_tokens for r in rows)


def _pull_dms(slack) -> list[tuple[str, str]]:
    return [
        (c.args["channel"], c.args["text"])
        for c in slack.calls("chat.postMessage")
        if PULL_DM in c.args.get("text", "")
    ]


def test_runs_once_a_day_after_three_utc_though_catch_up_runs_every_minute(engine, app, apis, pull_env, clock):
    _tick(engine, app, "2026-11-20T02:59:00Z", clock)
    assert _pulls(apis) == [] and _openai_tokens(engine) == 0  # not before 03:00 UTC

    for minute in range(5):
        _tick(engine, app, f"2026-11-20T03:0{minute}:00Z", clock)
    assert _pulls(apis) == ["2026-11-13"]  # one pull: the last 7 days up to yesterday
    assert _openai_tokens(engine) > 0
    stored = _openai_tokens(engine)

    _tick(engine, app, "2026-11-20T23:59:00Z", clock)
    _tick(engine, app, "2026-11-21T02:59:00Z", clock)
    assert len(_pulls(apis)) == 1
    _tick(engine, app, "2026-11-21T03:00:00Z", clock)
    _tick(engine, app, "2026-11-21T03:01:00Z", clock)
    assert len(_pulls(apis)) == 2
    assert _openai_tokens(engine) == stored  # the overlap re-read the same buckets: nothing counted twice


def test_two_scheduler_processes_pull_once(engine, app, apis, pull_env, clock, database_url):
    clock.at("2026-11-20T03:00:00Z")
    other = make_engine(database_url)  # the second process's own connections
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def process(db) -> None:
        try:
            barrier.wait(5)
            schedule.catch_up(db, app.client, datetime.now(UTC))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=process, args=(db,)) for db in (engine, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    other.dispose()
    assert not errors
    assert _pulls(apis) == ["2026-11-13"]
    with session_scope(engine) as session:
        row = session.exec(select(UsagePull)).one()
    assert (row.state, row.last_rows) == ("ok", 6)


def test_each_run_goes_on_from_the_last_success_with_one_day_of_overlap(engine, app, apis, pull_env, clock):
    _tick(engine, app, "2026-11-17T03:00:00Z", clock)  # first run: 11-10 .. 11-16
    pull_env.setenv("OPENAI_ADMIN_KEY", "sk-admin-revoked")
    _tick(engine, app, "2026-11-18T03:00:00Z", clock)  # fails (from 11-16: the day before the success)
    _tick(engine, app, "2026-11-19T03:00:00Z", clock)  # fails again: still from 11-16
    pull_env.setenv("OPENAI_ADMIN_KEY", OPENAI_KEY)
    _tick(engine, app, "2026-11-20T03:00:00Z", clock)  # succeeds: 11-16 .. 11-19, the failed days caught up
    _tick(engine, app, "2026-11-21T03:00:00Z", clock)  # 11-19 .. 11-20
    assert _pulls(apis) == ["2026-11-10", "2026-11-16", "2026-11-16", "2026-11-16", "2026-11-19"]
    ends = [
        datetime.fromtimestamp(int(r.param("end_time")), UTC).date().isoformat() for r in apis.requests(COMPLETIONS)
    ]
    assert ends[-1] == "2026-11-21"  # up to yesterday (end_time is exclusive)
    # every bucket of 11-16 .. 11-18 once: ada 1000+… on 11-16 and 400… on 11-17, grace 3000… on 11-18
    with session_scope(engine) as session:
        days = sorted({r.day.isoformat() for r in session.exec(select(UsageRecord)).all()})
    assert days == ["2026-11-16", "2026-11-17", "2026-11-18"]


def test_a_failing_pull_tells_each_manager_once_per_failing_streak(engine, app, apis, pull_env, clock, slack, managed):
    pull_env.setenv("OPENAI_ADMIN_KEY", "sk-admin-revoked")
    _tick(engine, app, "2026-11-20T03:00:00Z", clock)
    told = _pull_dms(slack)
    assert sorted(channel for channel, _ in told) == sorted(managed)  # grace manages two teams: one DM
    text = told[0][1]
    assert "OpenAI rejected the key in OPENAI_ADMIN_KEY (HTTP 401" in text  # the pull's own one-line error
    assert "retried tomorrow" in text and "OPENAI_ADMIN_KEY" in text
    assert "Traceback" not in text and "\n  File " not in text

    for day in ("21", "22", "23"):  # still failing: nobody is told again
        _tick(engine, app, f"2026-11-{day}T03:00:00Z", clock)
        _tick(engine, app, f"2026-11-{day}T03:01:00Z", clock)
    assert len(_pull_dms(slack)) == len(managed)
    assert len(_pulls(apis)) == 4  # but it was tried each day

    pull_env.setenv("OPENAI_ADMIN_KEY", OPENAI_KEY)
    _tick(engine, app, "2026-11-24T03:00:00Z", clock)  # a success ends the streak, quietly
    assert len(_pull_dms(slack)) == len(managed)
    pull_env.setenv("OPENAI_ADMIN_KEY", "sk-admin-revoked")
    _tick(engine, app, "2026-11-25T03:00:00Z", clock)  # a new streak: told again, once each
    _tick(engine, app, "2026-11-26T03:00:00Z", clock)
    assert len(_pull_dms(slack)) == 2 * len(managed)


def test_one_failing_pull_does_not_stop_the_others_or_the_prompts(engine, app, apis, pull_env, clock, monkeypatch):
    pull_env.setenv("USAGE_PULLS", "claude-code,openai")
    pull_env.setenv("ANTHROPIC_ADMIN_KEY", "sk-ant-admin01-wrong")
    pull_env.setenv("ANTHROPIC_API_URL", apis.url)
    _tick(engine, app, "2026-11-20T03:00:00Z", clock)
    assert _openai_tokens(engine) > 0
    with session_scope(engine) as session:
        states = {r.source: r.state for r in session.exec(select(UsagePull)).all()}
    assert states == {"claude-code": "failed", "openai": "ok"}

    ran: list[int] = []
    monkeypatch.setattr(pulls, "configured", lambda env=None: 1 / 0)  # even a bug in the pulls
    monkeypatch.setattr(schedule.publication, "publish_closed", lambda *_a: ran.append(1))
    _tick(engine, app, "2026-11-21T03:00:00Z", clock)  # … leaves the rest of the catch-up alone
    assert ran == [1]


def test_schedule_show_lists_each_pull_with_its_outcome(engine, app, apis, pull_env, clock, database_url, capsys):
    from bot.cli import main

    pull_env.setenv("USAGE_PULLS", "openai,claude-code")
    pull_env.setenv("ANTHROPIC_ADMIN_KEY", "sk-ant-admin01-wrong")
    pull_env.setenv("ANTHROPIC_API_URL", apis.url)
    pull_env.setenv("DATABASE_URL", database_url)

    clock.at("2026-11-20T02:00:00Z")
    assert main(["schedule", "show"]) == 0
    out = capsys.readouterr().out
    assert "Usage pulls (USAGE_PULLS, daily after 03:00 UTC)" in out
    assert "openai       never run; next 2026-11-20 03:00 UTC" in out

    _tick(engine, app, "2026-11-20T03:00:00Z", clock)
    clock.at("2026-11-20T09:00:00Z")
    assert main(["schedule", "show"]) == 0
    out = capsys.readouterr().out
    assert "openai       last run 2026-11-20 03:00 UTC 2026-11-13..2026-11-19: ok, 6 rows imported" in out
    assert "claude-code  last run 2026-11-20 03:00 UTC 2026-11-13..2026-11-19: FAILED: " in out
    assert "(managers not told: no team has a manager; never succeeded)" in out  # none to tell in this test
    assert "next 2026-11-21 03:00 UTC" in out
    assert "Traceback" not in out


def test_a_bad_setting_stops_the_scheduler_start_with_one_line(engine, app, monkeypatch, clock):
    monkeypatch.setenv("USAGE_PULLS", "openai,bard")
    monkeypatch.setenv("OPENAI_ADMIN_KEY", OPENAI_KEY)
    scheduler = build_scheduler(engine, app.client, SteppedScheduler)
    with pytest.raises(pulls.PullConfigError, match=r"^USAGE_PULLS: unknown source 'bard' \(use any of anthropic"):
        start_scheduler(scheduler, engine, app.client)
    assert not scheduler.running

    env = {"USAGE_PULLS": "copilot", "GITHUB_TOKEN": "ghp_x"}
    with pytest.raises(pulls.PullConfigError, match=r"^USAGE_PULLS lists copilot but GITHUB_ORG is not set$"):
        pulls.configured(env)
    with pytest.raises(pulls.PullConfigError, match=r"^USAGE_PULLS lists cursor but CURSOR_ADMIN_KEY is not set$"):
        pulls.configured({"USAGE_PULLS": "cursor"})
    assert pulls.configured({"USAGE_PULLS": " OpenAI , openai", "OPENAI_ADMIN_KEY": "k"}) == ["openai"]
    assert pulls.configured({}) == []
