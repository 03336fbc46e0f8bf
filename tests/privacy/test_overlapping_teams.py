"""Overlapping teams: Payments (ada, grace, linus, margaret, ken) and Payments Core (the same minus ken), both
managed by mona. If both counted everyone, Payments minus Payments Core would be ken's tokens. A person counts
in one team a week (their primary team), gets one prompt a week, and their tokens are in one team's figures."""

from __future__ import annotations

import re

import pytest

from bot.services import teams
from storage.engine import session_scope
from storage.queries import teams as tq
from tests.conftest import block_texts
from tests.privacy.helpers import (
    answer,
    ask,
    export_team_rows,
    import_usage,
    prompt,
    summary_of,
    usage_rows,
    wednesday,
)

W46, W47 = "2026-W46", "2026-W47"
UNIT = 100_000
BIT = {"ada": 1, "grace": 2, "linus": 4, "margaret": 8, "ken": 16}  # each person's tokens, in units: sums tell who
CORE = ("ada", "grace", "linus", "margaret")


@pytest.fixture
def core(engine, team, ids):
    spec = teams.team_spec(
        "Payments Core", "C0CORE0001", [ids[n] for n in CORE], "Europe/Berlin", "mon 10:00", "fri 16:00", 3
    )
    created = teams.create_team(engine, spec)
    with session_scope(engine) as session:
        tq.set_team_managers(session, created.id, [ids["mona"]])
    return created


def _prompts(slack, user_id: str) -> dict[str, list[str]]:
    """The weekly prompt DMs ``user_id`` received: per week, the team each came from."""
    weeks: dict[str, list[str]] = {}
    for call in slack.calls("chat.postMessage"):
        metadata = call.args.get("metadata") or {}
        if call.args.get("channel") == user_id and metadata.get("event_type") == "airetro_prompt":
            (team,) = re.findall(
                r"Team (.+?), week of \d{1,2} [A-Z][a-z]{2}(?: \d{4})?\.", block_texts(call.args["blocks"])
            )
            weeks.setdefault(metadata["event_payload"]["week"], []).append(team)
    return weeks


def _who(tokens: str) -> set[str]:
    """The people whose tokens add up to a published total (each person's tokens are a distinct power of two)."""
    units = int(tokens) // UNIT
    assert int(tokens) == units * UNIT and units < 32, tokens
    return {name for name, bit in BIT.items() if units & bit}


@pytest.fixture
def two_weeks(engine, app, team, core, members, ids, sender, slack, cli, tmp_path, midweek):
    """2026-W46: nobody chose, so everyone counts in Payments (joined first). 2026-W47: ada, grace, linus and
    margaret choose Payments Core with ``/airetro primary``. Everyone answers and has usage both weeks."""
    tokens = {name: bit * UNIT for name, bit in BIT.items()}
    midweek.move_to(wednesday(W46))
    for t in (team, core):
        prompt(engine, app, t)
    answer(members, {"ada": "log", "grace": "log", "linus": "log", "margaret": "didnt", "ken": "log"})
    import_usage(cli, tmp_path, usage_rows(ids, W46, tokens), "w46.csv")

    midweek.move_to(wednesday(W47))
    for name in CORE:
        assert "you count in *Payments Core*" in ask(sender, slack, ids[name], "primary Payments Core")
    for t in (team, core):
        prompt(engine, app, t)
    answer(members, {"ada": "log", "grace": "log", "linus": "didnt", "margaret": "log", "ken": "log"})
    import_usage(cli, tmp_path, usage_rows(ids, W47, tokens), "w47.csv")
    midweek.move_to(wednesday("2026-W48"))


def test_a_member_of_two_teams_gets_one_prompt_a_week_from_the_team_they_count_in(two_weeks, slack, ids):
    for name in CORE:  # the team they joined first, then the one they chose
        assert _prompts(slack, ids[name]) == {W46: ["Payments"], W47: ["Payments Core"]}, name
    assert _prompts(slack, ids["ken"]) == {W46: ["Payments"], W47: ["Payments"]}


def test_two_overlapping_teams_cannot_be_subtracted_to_isolate_one_person(two_weeks, sender, slack, ids):
    rows = export_team_rows(sender, slack, ids["mona"])
    published = {(r["team"], r["week"]): r for r in rows}
    assert set(published) == {(t, w) for t in ("Payments", "Payments Core") for w in (W46, W47)}

    for week in (W46, W47):
        counted = {team: _who(published[(team, week)]["tokens"] or "0") for team in ("Payments", "Payments Core")}
        # nobody's tokens are in both teams' figures, and every token figure shown is three or more people's
        assert not counted["Payments"] & counted["Payments Core"], week
        assert all(len(people) >= 3 for people in counted.values() if people), counted
        # the manager's subtraction gives a group, never ken
        difference = int(published[("Payments", week)]["tokens"] or 0) - int(
            published[("Payments Core", week)]["tokens"] or 0
        )
        assert abs(difference) != BIT["ken"] * UNIT, week
        prompted = sum(int(published[(team, week)]["prompted"] or 0) for team in ("Payments", "Payments Core"))
        assert prompted == (5 if week == W46 else 4), "each person counted once, in one team (ken alone: not shown)"

    # 2026-W46: everyone in Payments (the team they joined first); Payments Core prompted nobody
    assert _who(published[("Payments", W46)]["tokens"]) == set(BIT)
    assert published[("Payments Core", W46)]["prompted"] == "0"
    # 2026-W47: ken is Payments' only member that week: nothing of his is shown, only that one answered
    assert _who(published[("Payments Core", W47)]["tokens"]) == set(CORE)
    ken_alone = published[("Payments", W47)]
    # asked alone: not even whether he answered is shown
    assert (ken_alone["prompted"], ken_alone["answered"], ken_alone["tokens"], ken_alone["respondents"]) == ("",) * 4
    assert "fewer than 3 people asked" in ken_alone["withheld"]
    summary = summary_of(sender, slack, ids["mona"], "Payments", 2)
    assert "Week of 16 Nov: fewer than 3 people were asked; nothing is shown." in summary
    assert "1 of 1" not in summary
