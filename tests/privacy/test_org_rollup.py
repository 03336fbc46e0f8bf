"""The org roll-up: a manager reads ``airetro digest --org`` and subtracts the teams shown from the org total,
hoping for the small team folded into "other". A lone folded team is left out of the totals, and so are the
tokens of a shown team that withheld its own; the roll-up is computed once, after every team's week closed."""

from __future__ import annotations

import pytest

from bot.services import teams
from tests.privacy.helpers import answer, forget_me, import_usage, prompt, usage_rows, wednesday

W47 = "2026-W47"
TEAMS = {
    # name: (members, answers, tokens)
    "Payments": (
        ("ada", "grace", "linus", "margaret", "ken"),
        {"ada": "log", "grace": "log", "linus": "log", "margaret": "didnt", "ken": "didnt"},
        dict.fromkeys(("ada", "grace", "linus", "margaret", "ken"), 200_000),
    ),
    "Search": (
        ("barbara", "edsger", "alan"),
        {"barbara": "log", "edsger": "log", "alan": "log"},
        dict.fromkeys(("barbara", "edsger", "alan"), 300_000),
    ),
    # one respondent: folded, and alone it stays below the floor, so "other" is not shown
    "Tiny": (("frances", "donald", "niklaus"), {"frances": "log", "donald": "skip"}, {"frances": 40_000_000,
             "donald": 30_000_000}),
    # three respondents, but only john has usage: shown, its tokens withheld
    "Quiet": (("john", "tony", "leslie"), {"john": "log", "tony": "log", "leslie": "didnt"}, {"john": 9_000_000}),
}  # fmt: skip


def _section(out: str, title: str) -> list[str]:
    lines = out.splitlines()
    start = lines.index(title) + 1
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("  ")), len(lines))
    return [line.strip() for line in lines[start:end]]


@pytest.fixture
def closed_week(engine, app, members, ids, cli, tmp_path, midweek):
    midweek.move_to(wednesday(W47))
    rows = []
    for name, (people, answers, tokens) in TEAMS.items():
        spec = teams.team_spec(
            name, f"C0{name.upper():0<8}", [ids[p] for p in people], "Europe/Berlin", "mon 10:00", "fri 16:00", 3
        )
        prompt(engine, app, teams.create_team(engine, spec))
        answer(members, answers)
        rows += usage_rows(ids, W47, tokens)
    import_usage(cli, tmp_path, rows)
    code, _, err = cli("digest", "--org", "--week", W47)
    assert code == 1 and err.count("\n") == 1, "nothing before every team's week has closed"
    assert "computed once every team's week has closed" in err and "nothing is shown before that" in err
    midweek.move_to(wednesday("2026-W48"))


def test_a_folded_team_cannot_be_recovered_from_the_org_total(closed_week, cli):
    code, out, err = cli("digest", "--org", "--week", W47)
    assert code == 0, err
    payments, quiet, search, folded = _section(out, "Teams")
    assert payments == "Payments: 5 respondents, 3 outcomes, 4.5 h saved, 1.0M tokens, $3.33 per outcome."
    assert search == "Search: 3 respondents, 3 outcomes, 4.5 h saved, 900.0k tokens, $3.00 per outcome."
    assert quiet.startswith("Quiet: 3 respondents, 2 outcomes, 3 h saved, ") and "tokens," not in quiet
    assert folded == "1 team had too few answers to show, even together (fewer than 3 respondents), so it is left out."
    totals = _section(out, "Org totals")
    # the totals are the shown teams' figures added up: minus the teams shown, they leave nothing
    assert totals[0].startswith("3 teams: 11 respondents, 8 outcomes, 12 h saved, 1.9M tokens, ")
    assert "Totals leave out the 1 team with too few answers." in totals
    assert "Token totals leave out teams with too few members with usage to show theirs." in totals
    for figure in ("70.0M", "40.0M", "9.0M", "Tiny", "Other", "frances", "john"):
        assert figure not in out, figure
    # Payments and Search each withheld their volume-without-value share (two and no members on a side): the
    # totals show none either, or Payments' would be the org's minus Search's
    assert "without reported value" not in out


def test_the_roll_up_is_computed_once(closed_week, cli, sender, slack, ids, tmp_path):
    _, first, _ = cli("digest", "--org", "--week", W47)
    import_usage(cli, tmp_path, usage_rows(ids, W47, {"barbara": 5_000_000, "tony": 6_000_000}), "late.csv")
    assert "Deleted everything" in forget_me(sender, slack, ids["ada"])
    code, again, _ = cli("digest", "--org", "--week", W47)
    assert code == 0 and again == first
