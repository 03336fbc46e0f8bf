"""``airetro team create | update --holidays CODE`` and how ``team show`` / ``team list`` show a team's public
holidays. A bad code is one line naming ``--holidays``, and nothing is stored or asked of Slack then. Slack is the
stand-in on 127.0.0.1 (``SLACK_API_URL``)."""

from __future__ import annotations

import os

import pytest

from storage.engine import make_engine, session_scope
from storage.queries import teams as tq
from tests.cli import run
from tests.conftest import CHANNEL, TOKEN

BAD_COUNTRY = (
    "airetro: --holidays: 'XX' is not a country the holiday calendar knows: use a code like GB-ENG, DE-BY or US-CA\n"
)


@pytest.fixture
def env(monkeypatch, tmp_path, slack, users):
    for name in ("SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "PORT", "OTLP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("SLACK_API_URL", slack.url)
    slack.channels[CHANNEL] = [u.id for u in users]
    return monkeypatch


def create(capsys, users, *extra: str) -> tuple[int, str, str]:
    members = [arg for u in users for arg in ("--member", u.id)]
    return run(capsys, "team", "create", "Payments", "--channel", CHANNEL, *members, "--tz", "Europe/Berlin",
               "--prompt", "mon 10:00", "--digest", "fri 16:00", *extra)  # fmt: skip


def stored_holidays(name: str = "Payments") -> str | None:
    engine = make_engine(os.environ["DATABASE_URL"])
    try:
        with session_scope(engine) as session:
            return tq.get_team(session, name).holidays
    finally:
        engine.dispose()


def test_team_create_stores_the_holidays_normalised_and_show_and_list_display_them(env, users, capsys):
    code, out, err = create(capsys, users, "--holidays", "de by")
    assert (code, err) == (0, "")
    assert out.rstrip().endswith("holidays: DE-BY (public holidays of Germany (BY))")
    assert stored_holidays() == "DE-BY"
    code, out, _ = run(capsys, "team", "show", "Payments")
    assert code == 0 and "  Holidays: DE-BY (public holidays of Germany (BY))\n" in out
    code, out, _ = run(capsys, "team", "list")
    assert code == 0 and "holidays DE-BY" in out


def test_a_team_without_holidays_shows_none(env, users, capsys):
    code, out, _ = create(capsys, users)
    assert code == 0 and out.rstrip().endswith("holidays: none")
    assert stored_holidays() is None
    assert "  Holidays: none\n" in run(capsys, "team", "show", "Payments")[1]
    assert "holidays" not in run(capsys, "team", "list")[1]


def test_team_update_sets_and_clears_the_holidays(env, users, capsys):
    assert create(capsys, users)[0] == 0
    code, out, err = run(capsys, "team", "update", "Payments", "--holidays", "UK")
    assert (code, err) == (0, "") and "Holidays: GB (public holidays of United Kingdom)." in out
    assert stored_holidays() == "GB"
    code, out, err = run(capsys, "team", "update", "Payments", "--holidays", "none")
    assert (code, err) == (0, "") and "Holidays: none." in out
    assert stored_holidays() is None


def test_a_bad_code_is_one_line_naming_the_option_and_changes_nothing(env, users, slack, capsys):
    assert create(capsys, users, "--holidays", "XX") == (1, "", BAD_COUNTRY)
    assert slack.calls() == [], "nothing is asked of Slack"
    assert run(capsys, "team", "list")[1].startswith("No teams yet")

    assert create(capsys, users, "--holidays", "GB")[0] == 0
    calls = len(slack.calls())
    code, out, err = run(capsys, "team", "update", "Payments", "--holidays", "DE-ZZ", "--channel", "C0OTHER01")
    assert (code, out) == (1, "")
    assert (
        err == "airetro: --holidays: 'ZZ' is not a region of DE: use one of BB, BE, BW, BY, HB, HE, … (or DE alone)\n"
    )
    assert run(capsys, "team", "update", "Payments", "--holidays", "XX", "--prompt", "tue 09:00") == (
        1,
        "",
        BAD_COUNTRY,
    )
    assert len(slack.calls()) == calls
    assert stored_holidays() == "GB"
    assert "prompts mon 10:00" in run(capsys, "team", "show", "Payments")[1]
