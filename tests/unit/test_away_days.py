"""``/airetro away until DATE`` and ``pause team … until DATE``: the day typed (pure parsing, the year inferred,
past and far days refused with an example), and the "away" labels on Home, in ``/airetro me`` and the export."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from bot import vocabulary as v
from bot.blocks.home import HOME_BACK, HomeData, MyTeamWeek, home_blocks, prompt_line, status_line
from bot.blocks.me import week_line
from bot.day_input import DayError, DaySpec, example_day, parse_day, resolve_day
from bot.export_csv import AnswerRow, answers_csv
from bot.formatting import day_label
from bot.listeners.commands.help import help_text
from bot.listeners.commands.parse import Parsed, TeamRef, UsageError, away_needs_date, parse
from bot.services.roles import Caller
from bot.services.summaries import MyWeek
from storage.models import Team
from tests.conftest import action_ids, block_texts

TODAY = date(2026, 11, 25)  # a Wednesday


def _resolve(text: str, today: date = TODAY) -> date:
    return resolve_day(parse_day(text.split(), "away"), today, "away", no_end="pause")


# -- the day typed ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["2026-12-07", "7 Dec", "Dec 7", "7 December", "December 7", "dec 7th", "7 Dec 2026", "Dec 7, 2026",
     "Mon 7 Dec", "monday December 7th", "2026-12-7"],
)  # fmt: skip
def test_the_forms_of_a_day(text):
    assert _resolve(text) == date(2026, 12, 7)


def test_without_a_year_it_is_the_next_such_day_and_today_counts():
    assert _resolve("25 Nov") == TODAY
    assert _resolve("24 Nov") == date(2027, 11, 24), "yesterday's day of the year: next year's"


def test_the_next_such_day_may_be_next_year():
    assert _resolve("5 Jan") == date(2027, 1, 5)
    assert _resolve("5 Jan", date(2026, 12, 30)) == date(2027, 1, 5)


@pytest.mark.parametrize(
    "text", ["", "tomorrow", "2026-13-01", "2026-02-30", "31 Nov", "7", "Dec", "7 Dec 26", "07.12.2026", "12/07"]
)
def test_what_is_not_a_date_gets_an_example(text):
    with pytest.raises(DayError) as error:
        parse_day(text.split(), "away")
    assert f"`/airetro away until {example_day()}`" in str(error.value)


def test_a_past_day_or_one_more_than_a_year_away_is_refused_with_an_example():
    with pytest.raises(DayError, match=r"Tue 24 Nov has passed, so nothing changed.*`/airetro away until 2026-12-09`"):
        _resolve("2026-11-24")
    assert _resolve("2027-11-25") == date(2027, 11, 25), "a year ahead, to the day, is fine"
    with pytest.raises(DayError, match=r"Fri 26 Nov 2027 is more than a year away.*Thu 25 Nov 2027.*`/airetro pause`"):
        _resolve("2027-11-26")


def test_a_weekday_that_does_not_match_the_date_is_refused():
    with pytest.raises(DayError, match="7 Dec 2026 is a Monday"):
        _resolve("Tue 7 Dec")


def test_29_february_without_a_year():
    assert _resolve("29 Feb", date(2027, 3, 1)) == date(2028, 2, 29)
    with pytest.raises(DayError, match="no 29 Feb in the coming year"):
        _resolve("29 Feb", date(2026, 3, 1))


def test_day_labels():
    assert day_label(date(2026, 12, 7)) == "Mon 7 Dec"
    assert day_label(date(2027, 1, 5), TODAY) == "Tue 5 Jan 2027"
    assert day_label(date(2026, 12, 7), TODAY) == "Mon 7 Dec"


# -- the commands ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("away until 2026-12-07", Parsed("away", until=DaySpec(12, 7, 2026))),
        ("away until 7 Dec", Parsed("away", until=DaySpec(12, 7))),
        ("AWAY UNTIL Dec 7", Parsed("away", until=DaySpec(12, 7))),
        ("pause until 7 Dec", Parsed("away", until=DaySpec(12, 7))),  # a pause with an end: away
        ("back", Parsed("back")),
        ("pause team until 7 Dec", Parsed("pause", whole_team=True, until=DaySpec(12, 7))),
        (
            "pause team Payments until 2026-12-07",
            Parsed("pause", whole_team=True, team=TeamRef(name="Payments"), until=DaySpec(12, 7, 2026)),
        ),
        (
            "pause team <#C0123ABCD|pay> until 7 Dec",
            Parsed("pause", whole_team=True, team=TeamRef(channel_id="C0123ABCD"), until=DaySpec(12, 7)),
        ),
        ("pause team", Parsed("pause", whole_team=True)),
        ("resume team Payments", Parsed("resume", whole_team=True, team=TeamRef(name="Payments"))),
    ],
)
def test_parsing(text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("away", away_needs_date()),
        ("away 2026-12-07", away_needs_date()),
        ("away until someday", "`someday` is not a date I can read"),
        ("away until", "Say a date after `until`"),
        ("back tomorrow", "`/airetro back` takes no arguments"),
        ("resume team until 7 Dec", "`/airetro resume team` takes no date"),
        ("pause team Payments until soon", "`/airetro pause team until 20"),
    ],
)
def test_bad_text_gets_a_hint(text, hint):
    with pytest.raises(UsageError) as error:
        parse(text)
    assert hint in str(error.value)


def _caller(member: bool = False, manages: bool = False) -> Caller:
    team = Team(id=1, name="Payments", channel_id="C0PAY0001")
    return Caller("U0ME00001", False, (team,) if member else (), (team,) if manages else ())


def test_help_lists_away_and_back_for_members_and_pause_team_until_for_managers():
    member = help_text(_caller(member=True))
    assert "`/airetro away until DATE`" in member and "`/airetro back`" in member
    assert "until DATE]" not in member
    manager = help_text(_caller(manages=True))
    assert "`/airetro pause team [team] [until DATE]`" in manager
    assert "away until" not in manager, "a manager who is not a member is not prompted"


# -- "away" wherever an answer is shown ---------------------------------------------------------------------


def _team_week(**changes) -> MyTeamWeek:
    base = dict(team_id=1, team="Payments", week="2026-W48", zone="Europe/Berlin", next_prompt=None,
                me_paused=False, team_paused=False, answer=v.AWAY)  # fmt: skip
    return MyTeamWeek(**{**base, **changes})


def test_home_shows_away_with_an_im_back_button_and_a_week_away_reads_away():
    week = MyWeek("2026-W48", v.AWAY, ("Payments",), 0, 0.0, None, None, None)
    data = HomeData(my_teams=(_team_week(),), weeks=(week,), away_until=date(2026, 12, 7), today=TODAY)
    blocks = [b.to_dict() for b in home_blocks(data)]
    text = block_texts(blocks)
    assert "You're away until Mon 7 Dec: no prompts or reminders." in text
    assert "This week (week of 23 Nov): away" in text and "pending" not in text
    assert "Week of 23 Nov: away" in text
    back = next(b for b in blocks if b.get("block_id") == "home_away")
    assert back["accessory"]["action_id"] == HOME_BACK and back["accessory"]["text"]["text"] == "I'm back"
    not_away = [b.to_dict() for b in home_blocks(HomeData(my_teams=(_team_week(answer=v.PENDING),)))]
    assert "away" not in block_texts(not_away) and HOME_BACK not in action_ids(not_away)


def test_a_team_paused_through_a_day_says_which():
    assert "paused by its managers through Mon 7 Dec" in prompt_line(
        _team_week(team_paused=True, team_paused_until=date(2026, 12, 7))
    )
    assert status_line(_team_week()) == "This week (week of 23 Nov): away (no prompt or reminder)."


def test_me_and_the_export_label_a_week_away():
    assert week_line(MyWeek("2026-W48", v.AWAY, ("Payments",), 0, 0.0, None, None, None)) == "Week of 23 Nov: away"
    rows = list(csv.DictReader(io.StringIO(answers_csv([AnswerRow("2026-W48", "Payments", "away", v.AWAY, None)]))))
    assert rows[0]["answer"] == "away" and rows[0]["prompt"] == "none (you were away)"
