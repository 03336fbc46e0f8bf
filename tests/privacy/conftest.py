"""The cast of the privacy tests: a curious manager (mona, not a member of any team) and the people whose
figures she would like to single out. Fixtures are those of ``tests/conftest.py``; only the people and the
team differ."""

from __future__ import annotations

import dataclasses

import pytest

from bot.services import teams
from bot.standin.web_api import FakeUser, users_from
from storage.engine import session_scope
from storage.queries import teams as tq
from tests.conftest import CHANNEL
from tests.privacy.helpers import answer, import_usage, post_digest_now, prompt, usage_rows, wednesday

PEOPLE = [
    "ada", "grace", "linus", "margaret", "ken",  # Payments
    "barbara", "edsger", "alan", "frances", "donald", "niklaus", "john", "tony", "leslie",  # other teams
    "mona",  # the curious manager: manages teams, is in none
    "olga",  # a workspace admin
]  # fmt: skip
PAYMENTS = PEOPLE[:5]


@pytest.fixture
def users() -> list[FakeUser]:
    everyone = users_from(PEOPLE)
    olga = PEOPLE.index("olga")
    everyone[olga] = dataclasses.replace(everyone[olga], is_admin=True)
    return everyone


@pytest.fixture
def ids(users) -> dict[str, str]:
    """Slack user ID by name."""
    return {u.name: u.id for u in users}


@pytest.fixture
def team(engine, ids):
    """Payments: ada, grace, linus, margaret and ken; prompts Monday 10:00, digest Friday 16:00 (Berlin),
    minimum 3 respondents; managed by mona."""
    spec = teams.team_spec(
        "Payments", CHANNEL, [ids[n] for n in PAYMENTS], "Europe/Berlin", "mon 10:00", "fri 16:00", 3
    )
    created = teams.create_team(engine, spec)
    with session_scope(engine) as session:
        tq.set_team_managers(session, created.id, [ids["mona"]])
    return created


@pytest.fixture
def cli(engine, slack, monkeypatch, capsys):
    """``airetro …`` on the tests' database, as an operator types it: returns (exit status, stdout, stderr)."""
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("SLACK_API_URL", slack.url)

    def run(*args: str) -> tuple[int, str, str]:
        from bot.cli import main

        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


W46, W47, W48 = "2026-W46", "2026-W47", "2026-W48"
TOKENS = {
    W46: {"ada": 1_000_000, "grace": 2_000_000, "linus": 400_000, "margaret": 800_000, "ken": 135_000},
    W47: {"ada": 900_000, "grace": 1_500_000, "linus": 300_000, "margaret": 700_000, "ken": 2_600_000},
}
LINUS_HIGHLIGHT = "Linus's named highlight: Claude found the ledger race"


@pytest.fixture
def history(engine, app, team, members, ids, sender, slack, cli, tmp_path, midweek):
    """Three weeks of Payments, as they happen:

    * 2026-W46: everyone prompted; ada, grace and linus log a moment (linus shares his under his name),
      margaret says AI didn't help, ken skips; the week's usage is imported; mona posts the digest on
      Wednesday (the week closes then);
    * 2026-W47: ada, linus and ken log, grace and margaret say AI didn't help; usage imported; the week
      closes at its digest time (Friday 16:00 Berlin) as time passes;
    * 2026-W48 (now, Wednesday): ada logs, ken says AI didn't help; the week is open.
    """
    midweek.move_to(wednesday(W46))
    prompt(engine, app, team)
    answer(members, {"ada": "log", "grace": {"outcome": "docs"}, "linus": {"what": LINUS_HIGHLIGHT,
           "sharing": "named", "outcome": "bug"}, "margaret": "didnt", "ken": "skip"})  # fmt: skip
    import_usage(cli, tmp_path, usage_rows(ids, W46, TOKENS[W46]), "w46.csv")
    post_digest_now(sender, slack, ids["mona"])

    midweek.move_to(wednesday(W47))
    prompt(engine, app, team)
    answer(members, {"ada": "log", "linus": {"time_saved": "2h_4h"}, "ken": "log", "grace": "didnt",
                     "margaret": "didnt"})  # fmt: skip
    import_usage(cli, tmp_path, usage_rows(ids, W47, TOKENS[W47]), "w47.csv")

    midweek.move_to(wednesday(W48))
    prompt(engine, app, team)
    answer(members, {"ada": "log", "ken": "didnt"})
    return team


@pytest.fixture
def platform(engine, ids):
    """Platform: barbara, edsger, alan, frances, donald, niklaus and john; same schedule as Payments; managed
    by mona."""
    spec = teams.team_spec(
        "Platform",
        "C0PLAT0001",
        [ids[n] for n in ("barbara", "edsger", "alan", "frances", "donald", "niklaus", "john")],
        "Europe/Berlin",
        "mon 10:00",
        "fri 16:00",
        3,
    )
    created = teams.create_team(engine, spec)
    with session_scope(engine) as session:
        tq.set_team_managers(session, created.id, [ids["mona"]])
    return created
