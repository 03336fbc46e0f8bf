"""Shared fixtures: a migrated database (SQLite, and PostgreSQL too where a module or directory opts in: see
``tests/databases.py``), the local Slack Web API stand-in, and the app served over real HTTP on 127.0.0.1 so
tests send it signed requests exactly as Slack does."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import create_app
from bot.config import Settings
from bot.serve import HttpServer, start_http
from bot.services import teams
from bot.standin.inbound import SlackSender
from bot.standin.member import SimulatedMember
from bot.standin.web_api import FakeUser, SlackWebApi, users_from

TOKEN = "xoxb-test-token"
SIGNING_SECRET = "test-signing-secret-0123456789"
CHANNEL = "C0TEAM001"
NAMES = ["ada", "grace", "linus", "margaret", "ken"]

pytest_plugins = ("tests.databases",)  # engine_name, database_url, engine, fresh_database_url, both_engines


@pytest.fixture
def users() -> list[FakeUser]:
    return users_from(NAMES)


@pytest.fixture
def slack(users: list[FakeUser]) -> Iterator[SlackWebApi]:
    with SlackWebApi(TOKEN, users) as api:
        yield api


@pytest.fixture
def settings(slack: SlackWebApi, database_url: str) -> Settings:
    return Settings(
        slack_bot_token=TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack.url,
        database_url=database_url,  # the engine fixture's database, on whichever engine this test runs
    )


@pytest.fixture
def app(settings: Settings, engine):
    return create_app(settings, engine)


@pytest.fixture
def http(app) -> Iterator[HttpServer]:
    server = start_http(app)
    yield server
    server.stop()
    drain(app)  # after-ack work (a Home refresh, say) finishes while the stand-in still answers


@pytest.fixture
def sender(http: HttpServer, slack: SlackWebApi) -> SlackSender:
    """Signed requests to the app; response_urls in them point at the stand-in (see ``slack.responses()``)."""
    return SlackSender(http.url, SIGNING_SECRET, response_base=slack.response_url(""))


@pytest.fixture
def team(engine, users: list[FakeUser]):
    spec = teams.team_spec("Payments", CHANNEL, [u.id for u in users], "Europe/Berlin", "mon 10:00", "fri 16:00", 3)
    return teams.create_team(engine, spec)


@pytest.fixture
def members(slack: SlackWebApi, sender: SlackSender, users: list[FakeUser]) -> dict[str, SimulatedMember]:
    return {u.name: SimulatedMember(slack, sender, u.id) for u in users}


def write_csv(path: Path, rows: list[tuple]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email_or_slack_id", "date", "model", "input_tokens", "output_tokens", "cost_usd"])
        writer.writerows(rows)
    return path


def block_texts(blocks: list[dict]) -> str:
    """All visible text of Block Kit blocks, joined (what a person reads)."""
    out: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text") and "text" in node:
                out.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return "\n".join(out)


def action_ids(blocks: list[dict]) -> list[str]:
    return [e["action_id"] for b in blocks for e in b.get("elements", []) if "action_id" in e]


def drain(app) -> None:
    """Wait until every listener's after-ack work has finished (the app takes no more requests after)."""
    app.listener_runner.listener_executor.shutdown(wait=True)


def close_week(engine, team, week: str | None = None):
    """Close a team-week now, as posting its digest does: its figures are published (once) and returned.
    Without ``week``: the team's current retro week."""
    from datetime import UTC, datetime

    from bot.services import publication
    from storage.engine import session_scope

    now = datetime.now(UTC)
    with session_scope(engine) as session:
        return publication.publish(session, team, week or publication.current_week(team, now), now)


MIDWEEK = "2026-11-25T12:00:00Z"  # Wednesday of ISO week 2026-W48: Payments (prompt Mon, digest Fri) is open


@pytest.fixture
def midweek():
    """A deterministic "now" in the middle of an open retro week that keeps ticking (requests stay signed):
    a week's figures exist only once it closes, so tests that answer "this week" must not run on a weekend."""
    from freezegun import freeze_time

    with freeze_time(MIDWEEK, tick=True) as frozen:
        yield frozen
