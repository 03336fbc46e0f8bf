"""An open week shows no figures anywhere: figures that change with every answer or import would let a manager
take two looks a minute apart and subtract them. Until the week closes, every screen says how many have
answered so far, and nothing more."""

from __future__ import annotations

import pytest

from bot.blocks.home import HOME_PREVIEW
from tests.conftest import block_texts
from tests.privacy.helpers import answer, ask, digest, home_text, import_usage, prompt, summary_of, usage_rows

W48 = "2026-W48"
TOKENS = {"ada": 1_100_000, "grace": 2_300_000, "linus": 700_000, "margaret": 450_000, "ken": 950_000}
FIGURES = (
    "tokens", "Team usage", "moments logged", " moment,", " moments,", "outcome", "logged where AI helped",
    "said it didn't help", "skipped",
    "h saved", "$", "%", "5.5M", "Wrote tests", "Shared highlights", "(volume without value)",
)  # fmt: skip


def _no_figures(text: str, where: str) -> None:
    text = text.replace("nobody is ranked or named by tokens", "")  # the standing privacy note
    for figure in FIGURES:
        assert figure not in text, f"{figure!r} shown in {where} while the week is open"


@pytest.fixture
def open_week(engine, app, team, members, ids, cli, tmp_path, midweek):
    prompt(engine, app, team)
    answer(members, {"ada": "log", "grace": {"sharing": "named"}, "linus": "log", "margaret": "didnt"})
    import_usage(cli, tmp_path, usage_rows(ids, W48, TOKENS))
    return team


def test_an_open_week_shows_how_many_answered_and_nothing_else(open_week, sender, slack, members, ids, cli):
    mona = ids["mona"]
    so_far = "So far 4 of 5 people answered."

    preview = ask(sender, slack, mona, "digest preview Payments")
    assert "Weekly AI retro: Payments, week of 23 Nov (still open)" in preview and so_far in preview
    _no_figures(preview, "/airetro digest preview")

    home = home_text(members["mona"])
    assert f"Week of 23 Nov (still open): {so_far}" in home
    _no_figures(home.split("Your teams")[1], "the Home tab")
    before = len(slack.calls("views.open"))
    members["mona"].click_home(HOME_PREVIEW)
    slack.wait_for("views.open", before + 1)
    slack.wait_idle()
    modal = block_texts(slack.last_opened_view()["blocks"])
    assert so_far in modal
    _no_figures(modal, "the Home tab's digest preview")

    summary = summary_of(sender, slack, mona, weeks=2)
    assert f"Week of 23 Nov (still open): {so_far}" in summary
    _no_figures(summary.split("Week of 23 Nov (still open)")[1], "/airetro summary")
    assert "Week of 23 Nov: " not in summary

    reply = ask(sender, slack, mona, "export")
    assert "team aggregates" not in reply, "no closed week yet: no team file"
    assert all(W48 not in f["content"].decode() and "2026-11-23" not in f["content"].decode() for f in slack.files())

    terminal = digest(cli, "Payments", W48)
    assert "Weekly AI retro: Payments, week of 23 Nov (still open)" in terminal and so_far in terminal
    _no_figures(terminal, "airetro digest")
    code, _, err = cli("digest", "--org", "--week", W48)
    assert code == 1 and "nothing is shown before that" in err

    # once mona posts the digest, the week is closed and its figures appear (once, for good)
    assert "Posted the digest of the week of 23 Nov" in ask(sender, slack, mona, "digest post Payments")
    closed = ask(sender, slack, mona, "digest preview Payments")
    assert "4 of 5 answered (80%): 3 logged where AI helped" in closed and "Team usage: 5.5M tokens" in closed


def test_a_manager_with_no_closed_week_yet_is_told_why_there_is_no_team_file(open_week, sender, slack, ids):
    reply = ask(sender, slack, ids["mona"], "export")
    assert "you manage no team" not in reply, reply
    assert "no week of theirs has closed yet" in reply and "Payments" in reply
