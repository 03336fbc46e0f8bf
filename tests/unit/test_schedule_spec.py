"""Schedule slots, time zones and ISO-week arithmetic: which retro week a prompt or digest belongs to."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.schedule_spec import (
    Slot,
    cycle_week_at,
    local_week,
    parse_slot,
    parse_tz,
)
from storage.weeks import parse_week, week_days, week_key

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("text", "slot"),
    [
        ("mon 10:00", Slot(0, "10:00")),
        ("Friday 16:30", Slot(4, "16:30")),
        ("  SUN 9:05 ", Slot(6, "09:05")),
        ("wednesday 00:00", Slot(2, "00:00")),
        ("thu 23:59", Slot(3, "23:59")),
    ],
)
def test_parse_slot_accepts_weekly_times(text, slot):
    assert parse_slot(text) == slot
    assert parse_slot(str(slot)) == slot  # the canonical form round-trips


@pytest.mark.parametrize(
    "text", ["xyz 10:00", "mon 25:00", "mon 24:00", "mon 10:60", "mon", "10:00", "mon 10", "mon 10:0", "", "mo 10:00"]
)
def test_parse_slot_rejects_other_input(text):
    with pytest.raises(ValueError):
        parse_slot(text)


def test_parse_tz():
    assert parse_tz("Europe/Berlin") == BERLIN
    assert parse_tz("UTC") == ZoneInfo("UTC")


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "../../etc/passwd", "Europe/Berlin ", "CEST+2"])
def test_parse_tz_rejects_unknown_zones_with_value_error(name):
    with pytest.raises(ValueError, match="IANA time zone"):
        parse_tz(name)


@pytest.mark.parametrize("name", ["Europe", "America"])
def test_parse_tz_rejects_a_region_name_with_value_error(name):
    with pytest.raises(ValueError):
        parse_tz(name)


def test_week_key_across_the_year_boundary():
    # 2026 starts on a Thursday, so it has 53 ISO weeks; 2027-01-01 (Fri) still belongs to 2026-W53.
    assert date(2026, 12, 31).isocalendar()[:2] == (2026, 53)
    assert week_key(date(2026, 12, 31)) == "2026-W53"
    assert week_key(date(2027, 1, 1)) == "2026-W53"
    assert week_key(date(2027, 1, 4)) == "2027-W01"
    # and the other way: 2024-12-30 (Mon) is already 2025-W01
    assert week_key(date(2024, 12, 30)) == "2025-W01"


def test_week_days_across_the_year_boundary():
    assert week_days("2026-W53") == (date(2026, 12, 28), date(2027, 1, 3))
    assert week_days("2025-W01") == (date(2024, 12, 30), date(2025, 1, 5))
    assert week_days("2026-W47") == (date(2026, 11, 16), date(2026, 11, 22))


@pytest.mark.parametrize("key", ["2025-W53", "2026-W00", "2026-W54", "2026-47", "2026-W7", "W47"])
def test_parse_week_rejects_weeks_that_do_not_exist(key):
    with pytest.raises(ValueError):
        parse_week(key)


def test_local_week_uses_the_team_time_zone():
    # Sunday 23:30 UTC is already Monday 00:30 in Berlin
    now = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
    assert local_week(now, ZoneInfo("UTC")) == "2026-W47"
    assert local_week(now, BERLIN) == "2026-W48"


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def test_prompt_week_opens_at_the_prompt_time():
    prompt = parse_slot("mon 10:00")
    # Mon 2026-11-23 is the first day of 2026-W48
    assert cycle_week_at(prompt, berlin(2026, 11, 23, 9, 59), BERLIN) == "2026-W47"
    assert cycle_week_at(prompt, berlin(2026, 11, 23, 10, 0), BERLIN) == "2026-W48"
    assert cycle_week_at(prompt, berlin(2026, 11, 29, 23, 59), BERLIN) == "2026-W48"


def test_prompt_time_is_compared_in_team_local_time():
    prompt = parse_slot("mon 10:00")
    # November: Berlin is UTC+1, so 10:00 Berlin is 09:00 UTC
    assert cycle_week_at(prompt, datetime(2026, 11, 23, 8, 59, tzinfo=UTC), BERLIN) == "2026-W47"
    assert cycle_week_at(prompt, datetime(2026, 11, 23, 9, 0, tzinfo=UTC), BERLIN) == "2026-W48"
    # July: UTC+2, so 10:00 Berlin is 08:00 UTC (Mon 2026-07-06 starts 2026-W28)
    assert cycle_week_at(prompt, datetime(2026, 7, 6, 7, 59, tzinfo=UTC), BERLIN) == "2026-W27"
    assert cycle_week_at(prompt, datetime(2026, 7, 6, 8, 0, tzinfo=UTC), BERLIN) == "2026-W28"


def test_friday_prompt_digest_posted_on_monday_reports_last_week():
    prompt = parse_slot("fri 15:00")
    # prompted Fri 2026-11-20 (2026-W47); digest posted Mon 2026-11-23 (2026-W48) → W47's figures
    assert cycle_week_at(prompt, berlin(2026, 11, 23, 10, 0), BERLIN) == "2026-W47"
    # before the Friday prompt the open week is still the previous one
    assert cycle_week_at(prompt, berlin(2026, 11, 20, 14, 59), BERLIN) == "2026-W46"
    assert cycle_week_at(prompt, berlin(2026, 11, 20, 15, 0), BERLIN) == "2026-W47"


def test_cycle_week_across_the_year_boundary():
    prompt = parse_slot("mon 10:00")
    assert cycle_week_at(prompt, berlin(2027, 1, 1, 12, 0), BERLIN) == "2026-W53"
    assert cycle_week_at(prompt, berlin(2027, 1, 4, 9, 59), BERLIN) == "2026-W53"
    assert cycle_week_at(prompt, berlin(2027, 1, 4, 10, 0), BERLIN) == "2027-W01"


# -- occurrences across DST and what is due ----------------------------------------------------
from datetime import timedelta  # noqa: E402

from bot.schedule_spec import (  # noqa: E402
    GRACE,
    PromptTime,
    Slot,
    due_digest_week,
    due_prompt,
    due_reminder,
    occurrence,
    prompt_time,
    shifted,
)


def test_shifted_wraps_around_the_week():
    assert shifted(Slot(0, "10:00"), 24) == Slot(1, "10:00")
    assert shifted(Slot(6, "20:00"), 6) == Slot(0, "02:00")
    assert shifted(Slot(4, "16:30"), 0) == Slot(4, "16:30")


def test_occurrence_of_a_missing_or_repeated_wall_time():

    # 02:30 on 29 March 2026 does not exist in Berlin: it happens at 03:30 CEST = 01:30 UTC
    assert occurrence(Slot(6, "02:30"), date(2026, 3, 23), BERLIN) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    # 02:30 on 25 October 2026 happens twice: the first, 02:30 CEST = 00:30 UTC
    assert occurrence(Slot(6, "02:30"), date(2026, 10, 19), BERLIN) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


FRIDAY_16 = Slot(4, "16:00")


def _week(due: PromptTime | None) -> str | None:
    return None if due is None else due.week


def test_due_within_the_grace_window_only():
    monday_10 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    prompt = Slot(0, "10:00")
    assert due_prompt(prompt, FRIDAY_16, monday_10 - timedelta(seconds=1), BERLIN) is None
    assert due_prompt(prompt, FRIDAY_16, monday_10, BERLIN) == PromptTime("2026-W48", monday_10)
    assert _week(due_prompt(prompt, FRIDAY_16, monday_10 + GRACE, BERLIN)) == "2026-W48"
    assert due_prompt(prompt, FRIDAY_16, monday_10 + GRACE + timedelta(seconds=1), BERLIN) is None
    assert due_reminder(prompt, FRIDAY_16, 24, monday_10 + timedelta(hours=24), BERLIN) == "2026-W48"
    assert due_reminder(prompt, FRIDAY_16, 24, monday_10 + timedelta(hours=23), BERLIN) is None
    assert due_reminder(prompt, FRIDAY_16, 0, monday_10 + timedelta(hours=24), BERLIN) is None
    # a Sunday-evening prompt caught up on Monday morning still belongs to the Sunday's week
    sunday = Slot(6, "20:00")
    assert _week(due_prompt(sunday, Slot(2, "16:00"), datetime(2026, 11, 30, 6, 0, tzinfo=UTC), BERLIN)) == "2026-W48"
    # a reminder that falls in the next week (Sunday 20:00 + 24 h) belongs to the prompt's week
    assert due_reminder(sunday, Slot(2, "16:00"), 24, datetime(2026, 11, 30, 19, 0, tzinfo=UTC), BERLIN) == "2026-W48"
    # the digest reports on the week open when the digest time came, even when caught up late
    assert due_digest_week(prompt, FRIDAY_16, datetime(2026, 11, 27, 20, 0, tzinfo=UTC), BERLIN) == "2026-W48"
    assert due_digest_week(prompt, FRIDAY_16, datetime(2026, 11, 28, 4, 1, tzinfo=UTC), BERLIN) is None


# -- public holidays: a made-up calendar, so that these tests say exactly which days are off ------------------------
def _off(*days: date):
    return lambda day: day.weekday() < 5 and day not in days


def test_a_holiday_prompt_day_moves_to_the_next_working_day_at_the_same_local_time():

    prompt, monday = Slot(0, "10:00"), date(2026, 11, 23)
    working = _off(date(2026, 11, 23), date(2026, 11, 24))  # Monday and Tuesday off
    wednesday_10 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    assert prompt_time(prompt, FRIDAY_16, monday, BERLIN, working) == PromptTime("2026-W48", wednesday_10)
    assert due_prompt(prompt, FRIDAY_16, datetime(2026, 11, 23, 9, 0, tzinfo=UTC), BERLIN, working) is None
    assert due_prompt(prompt, FRIDAY_16, wednesday_10 - timedelta(minutes=1), BERLIN, working) is None
    assert due_prompt(prompt, FRIDAY_16, wednesday_10, BERLIN, working) == PromptTime("2026-W48", wednesday_10)
    # the reminder is 24 h after the prompt that went out; one falling on a holiday moves on too
    assert due_reminder(prompt, FRIDAY_16, 24, datetime(2026, 11, 24, 9, 0, tzinfo=UTC), BERLIN, working) is None
    assert due_reminder(prompt, FRIDAY_16, 24, datetime(2026, 11, 26, 9, 0, tzinfo=UTC), BERLIN, working) == "2026-W48"
    thursday_off = _off(date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 26))
    friday_10 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    assert due_reminder(prompt, FRIDAY_16, 24, friday_10 - timedelta(minutes=1), BERLIN, thursday_off) is None
    assert due_reminder(prompt, FRIDAY_16, 24, friday_10, BERLIN, thursday_off) == "2026-W48"


def test_a_week_with_no_working_day_before_it_closes_is_a_holiday_week():

    prompt = Slot(4, "10:00")  # Friday 10:00, digest Friday 16:00: a holiday Friday leaves no day to move to
    christmas = _off(date(2026, 12, 25))
    slot_at = datetime(2026, 12, 25, 9, 0, tzinfo=UTC)
    assert due_prompt(prompt, FRIDAY_16, slot_at, BERLIN, christmas) == PromptTime("2026-W52", slot_at, True)
    assert due_reminder(prompt, FRIDAY_16, 2, slot_at + timedelta(hours=2), BERLIN, christmas) is None
    # with the digest on Monday, the prompt moves past the weekend to Monday morning, before the digest
    monday = datetime(2026, 12, 28, 9, 0, tzinfo=UTC)
    assert due_prompt(prompt, Slot(0, "16:00"), monday, BERLIN, christmas) == PromptTime("2026-W52", monday)
    # ... but not when the digest comes first, on Monday at 09:00
    assert due_prompt(prompt, Slot(0, "09:00"), slot_at, BERLIN, christmas).holiday_week


def test_holidays_across_a_dst_change_keep_the_local_time():

    # Sunday 25 October 2026 the clocks go back in Berlin; a Friday 23 Oct holiday moves the prompt to Monday 26
    working = _off(date(2026, 10, 23))
    moved = prompt_time(Slot(4, "10:00"), Slot(2, "16:00"), date(2026, 10, 19), BERLIN, working)
    assert moved.at.astimezone(BERLIN).strftime("%a %d %H:%M") == "Mon 26 10:00"
    assert moved.at == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)  # CET again: UTC+1
