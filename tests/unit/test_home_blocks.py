"""The Home tab's pure parts: the next prompt time across DST changes, and the builder within Block Kit's
limits (a person in many teams, long team names, long week lines) with manager buttons only for managers."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from bot import vocabulary as v
from bot.blocks.home import (
    HOME_LOG,
    HOME_POST,
    HOME_PREVIEW,
    HOME_SETUP,
    MAX_TEAMS,
    HomeData,
    MyTeamWeek,
    TeamPanel,
    digest_preview_view,
    home_blocks,
    home_view,
    prompt_line,
    status_line,
)
from bot.digest.figures import MemberWeekData, MomentData, compute_digest
from bot.digest.summary import summarise
from bot.schedule_spec import Slot
from bot.services.home import next_prompt_at
from bot.services.summaries import MyWeek
from tests.blockkit_limits import view_problems
from tests.conftest import block_texts

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
MONDAY_10 = Slot(0, "10:00")


# -- the next prompt time --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frozen", "slot", "tz", "expected_utc", "expected_local"),
    [
        # the week in between has a DST change: still 10:00 local, now one hour earlier in UTC
        ("2026-03-24 12:00", MONDAY_10, BERLIN, "2026-03-30 08:00", "2026-03-30 10:00"),
        ("2026-10-20 12:00", MONDAY_10, BERLIN, "2026-10-26 09:00", "2026-10-26 10:00"),
        ("2026-03-03 12:00", MONDAY_10, NEW_YORK, "2026-03-09 14:00", "2026-03-09 10:00"),
        # a prompt at 02:30 on the night the clocks go forward happens once the clocks have passed it
        ("2026-03-28 12:00", Slot(6, "02:30"), BERLIN, "2026-03-29 01:30", "2026-03-29 03:30"),
        # on the night the clocks go back, 02:30 happens twice: the first one counts, the repeat is no prompt
        ("2026-10-25 00:00", Slot(6, "02:30"), BERLIN, "2026-10-25 00:30", "2026-10-25 02:30"),
        ("2026-10-25 00:45", Slot(6, "02:30"), BERLIN, "2026-11-01 01:30", "2026-11-01 02:30"),
        # just before and exactly at the slot
        ("2026-03-30 07:59", MONDAY_10, BERLIN, "2026-03-30 08:00", "2026-03-30 10:00"),
        ("2026-03-30 08:00", MONDAY_10, BERLIN, "2026-04-06 08:00", "2026-04-06 10:00"),
    ],
)
def test_next_prompt_across_dst_changes(frozen, slot, tz, expected_utc, expected_local):
    with freeze_time(frozen):
        at = next_prompt_at(slot, tz)  # "now" is the frozen clock
    assert at.astimezone(UTC).strftime("%Y-%m-%d %H:%M") == expected_utc
    assert at.strftime("%Y-%m-%d %H:%M") == expected_local
    assert at.tzinfo is tz


def test_the_home_shows_the_next_prompt_in_local_time():
    with freeze_time("2026-03-24 12:00"):
        at = next_prompt_at(MONDAY_10, BERLIN)
    line = prompt_line(_mine(next_prompt=at))
    assert line == "Next prompt: Mon 30 Mar, 10:00 (Europe/Berlin)"


# -- the builder -----------------------------------------------------------------------------------


def _mine(team_id: int = 1, team: str = "Payments", **changes: object) -> MyTeamWeek:
    fields = {
        "team_id": team_id,
        "team": team,
        "week": "2026-W13",
        "zone": "Europe/Berlin",
        "next_prompt": datetime(2026, 3, 30, 10, 0, tzinfo=BERLIN),
        "me_paused": False,
        "team_paused": False,
        "answer": v.PENDING,
        "moments": 0,
    }
    return MyTeamWeek(**{**fields, **changes})


def _figures(team: str, week: str, respondents: int, asked: int = 5):
    moment = MomentData("tests", "gt8h", "better", "no", "other", what="x" * 3000, sharing="named", author="U1")
    members = [MemberWeekData(v.HELPED, True, (moment,) * 20, tokens=10**9, cost_usd=9999.0)] * respondents
    members += [MemberWeekData(v.PENDING, True)] * max(0, asked - respondents)
    return compute_digest(team, week, members, min_respondents=3)


def _panel(team_id: int, team: str = "Payments", can_manage: bool = False, respondents: int = 5) -> TeamPanel:
    weeks = [_figures(team, f"2026-W{n:02d}", respondents) for n in (10, 11, 12, 13)]
    return TeamPanel(team_id, summarise(team, weeks), "2026-W13", can_manage)


def _weeks(teams: tuple[str, ...] = ("Payments",)) -> tuple[MyWeek, ...]:
    return tuple(
        MyWeek(f"2026-W{n:02d}", v.HELPED, teams, 3, 4.5, 1_234_567, 12.5, "claude-sonnet-4-5")
        for n in range(13, 5, -1)
    )


@pytest.mark.parametrize(
    ("answer", "moments", "shown"),
    [
        (v.HELPED, 2, "answered, you logged 2 moments."),
        (v.DIDNT_HELP, 0, "you said AI didn't help"),
        (v.SKIPPED, 0, "skipped"),
        (v.PENDING, 0, "pending"),
        (None, 0, "not asked yet"),
    ],
)
def test_this_weeks_status(answer, moments, shown):
    assert shown in status_line(_mine(answer=answer, moments=moments))


def test_paused_shows_no_time():
    assert "Your prompts are paused" in prompt_line(_mine(me_paused=True, next_prompt=None))
    assert "The team is paused" in prompt_line(_mine(team_paused=True, me_paused=True, next_prompt=None))


def test_log_button_names_its_team_and_manager_buttons_only_where_the_viewer_manages():
    data = HomeData(my_teams=(_mine(7),), weeks=_weeks(), panels=(_panel(7), _panel(8, "Ops", can_manage=True)))
    blocks = [b.to_dict() for b in home_blocks(data)]
    log = next(b["accessory"] for b in blocks if b.get("accessory", {}).get("action_id") == HOME_LOG)
    assert log["value"] == "7"
    managed = [b for b in blocks if b["type"] == "actions"]
    assert len(managed) == 1 and managed[0]["block_id"] == "home_manage_8"
    assert [e["action_id"] for e in managed[0]["elements"]] == [HOME_SETUP, HOME_PREVIEW, HOME_POST]
    assert {e["value"] for e in managed[0]["elements"]} == {"8"}
    assert managed[0]["elements"][2]["confirm"]["confirm"]["text"] == "Post it"


def test_a_team_below_the_threshold_is_withheld():
    text = block_texts([b.to_dict() for b in home_blocks(HomeData(panels=(_panel(1, respondents=2),)))])
    assert "withheld" in text and "Moments logged" not in text


def test_a_week_that_asked_fewer_people_than_the_floor_shows_not_even_the_answer_count():
    weeks = [_figures("Payments", f"2026-W{n:02d}", respondents=2, asked=2) for n in (10, 11, 12, 13)]
    panel = TeamPanel(1, summarise("Payments", weeks), "2026-W13", False)
    text = block_texts([b.to_dict() for b in home_blocks(HomeData(panels=(panel,)))])
    assert "Week of 23 Mar: fewer than 3 people were asked; nothing is shown." in text
    assert "2 of 2" not in text and "Moments logged" not in text


def test_fifteen_teams_with_long_names_and_answers_stay_within_limits():
    name = "A very long team name " * 10
    mine = tuple(_mine(i, f"{name}{i}", answer=v.HELPED, moments=99) for i in range(MAX_TEAMS))
    panels = tuple(_panel(i, f"{name}{i}", can_manage=True) for i in range(MAX_TEAMS))
    data = HomeData(
        my_teams=mine,
        more_my_teams=5,
        weeks=_weeks(tuple(f"{name}{i}" for i in range(15))),
        panels=panels,
        more_panels=5,
        is_admin=True,
        notice="x" * 5000,
    )
    view = home_view(data).to_dict()
    assert view_problems(view) == []
    text = block_texts(view["blocks"])
    assert "…and 5 more teams not listed here" in text
    assert "more teams not shown" in text


def test_no_team_gets_the_welcome_and_admins_the_setup_hint():
    member = block_texts([b.to_dict() for b in home_blocks(HomeData())])
    assert "Welcome to AI Retro" in member and "/airetro setup" in member and "workspace admin:" not in member
    admin = block_texts([b.to_dict() for b in home_blocks(HomeData(is_admin=True))])
    assert "You're a workspace admin: create a team" in admin


def test_digest_preview_modal_stays_within_limits():
    members = [
        MemberWeekData(
            v.HELPED,
            True,
            tuple(
                MomentData(
                    "tests",
                    "gt8h",
                    "better",
                    "no",
                    "other",
                    what="<" * 3000,
                    link="https://e.com/" + "p" * 480,
                    sharing="named",
                    author=f"U{i}",
                )
                for i in range(40)
            ),  # fmt: skip
        )
    ] * 3
    view = digest_preview_view(compute_digest("P" * 200, "2026-W13", members, min_respondents=3)).to_dict()
    assert view_problems(view) == []
    assert "only you see this" in block_texts(view["blocks"])
