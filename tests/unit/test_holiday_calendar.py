"""A team's public holidays (bot/holiday_calendar.py): what a person types, what is stored, which days are
holidays and working days, and where a prompt day that is a holiday moves to. The answers are the ``holidays``
library's own."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest

from bot.holiday_calendar import HolidayCalendar, calendar_of, holidays_text, next_working_day, parse_holidays


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("", None),
        ("   ", None),
        ("none", None),
        ("None", None),
        ("GB", "GB"),
        ("gb", "GB"),
        ("DE-BY", "DE-BY"),
        ("de-by", "DE-BY"),
        ("DE BY", "DE-BY"),
        ("de/by", "DE-BY"),
        (" de_by ", "DE-BY"),
        ("US-CA", "US-CA"),
        ("us california", "US-CA"),  # the library's region alias
        ("DE-Bayern", "DE-BY"),
        ("UK", "GB"),  # the library's alias
        ("GBR", "GB"),  # alpha-3
        ("gb-eng", "GB-ENG"),
        ("FR zone a", "FR-Zone A"),  # the library's own spelling of a region
    ],
)
def test_what_is_typed_is_stored_normalised(typed, stored):
    assert parse_holidays(typed) == stored
    if stored is not None:
        assert parse_holidays(stored) == stored, "a stored code reads back as itself"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("XX", "'XX' is not a country the holiday calendar knows: use a code like GB-ENG, DE-BY or US-CA"),
        ("Germany", "'Germany' is not a country the holiday calendar knows: use a code like GB-ENG, DE-BY or US-CA"),
        ("12", "'12' is not a country the holiday calendar knows: use a code like GB-ENG, DE-BY or US-CA"),
        ("DE-ZZ", "'ZZ' is not a region of DE: use one of BB, BE, BW, BY, HB, HE, … (or DE alone)"),
        ("IS-XY", "IS has no regions in the holiday calendar: use IS alone"),
    ],
)
def test_a_bad_code_says_what_is_wrong_and_what_would_do(typed, message):
    with pytest.raises(ValueError) as raised:
        parse_holidays(typed)
    assert str(raised.value) == message


def test_a_long_bad_value_is_not_repeated_in_full():
    with pytest.raises(ValueError) as raised:
        parse_holidays("US-" + "x" * 200)
    assert len(str(raised.value)) < 120 and "…" in str(raised.value)


def test_the_calendar_of_a_stored_code():
    assert calendar_of(None) is None and calendar_of("") is None
    assert calendar_of("DE-BY") == HolidayCalendar("DE", "BY") and calendar_of("DE-BY").code == "DE-BY"
    assert calendar_of("GB") == HolidayCalendar("GB") and calendar_of("GB").code == "GB"
    assert calendar_of("DE-BY").describe() == "public holidays of Germany (BY)"
    assert calendar_of("GB").describe() == "public holidays of United Kingdom"
    assert calendar_of("US-CA").describe() == "public holidays of United States of America (CA)"
    assert holidays_text("DE-BY") == "DE-BY (public holidays of Germany (BY))" and holidays_text(None) == "none"


def test_a_stored_code_the_library_no_longer_knows_means_no_holidays(caplog):
    assert calendar_of("DE-XX") is None
    assert "DE-XX" in caplog.text
    assert holidays_text("DE-XX") == "DE-XX"


def test_christmas_and_boxing_day_in_great_britain():
    gb = calendar_of("GB")
    assert gb.holiday(date(2026, 12, 25)) == "Christmas Day"
    assert gb.holiday(date(2026, 12, 26)) == "Boxing Day"  # a Saturday
    assert gb.holiday(date(2026, 12, 28)) == "Boxing Day (observed)"  # the Monday instead
    assert gb.holiday(date(2026, 12, 24)) is None and gb.working_day(date(2026, 12, 24))
    assert not gb.working_day(date(2026, 12, 25)) and not gb.working_day(date(2026, 12, 28))


def test_a_regional_holiday_is_one_in_its_region_only():
    epiphany = date(2026, 1, 6)  # a Tuesday
    assert calendar_of("DE-BY").holiday(epiphany) == "Epiphany" and not calendar_of("DE-BY").working_day(epiphany)
    assert calendar_of("DE-BE").holiday(epiphany) is None and calendar_of("DE-BE").working_day(epiphany)
    assert calendar_of("DE").holiday(epiphany) is None
    assert calendar_of("DE-BE").holiday(date(2026, 3, 8)) == "Women's Day"


def test_a_friday_saturday_weekend():
    saudi = calendar_of("SA")
    week = [date(2026, 3, 1) + timedelta(days=i) for i in range(7)]  # Sunday 1 … Saturday 7 March 2026
    assert [d.strftime("%a") for d in week if not saudi.working_day(d)] == ["Fri", "Sat"]
    assert saudi.holiday(date(2026, 3, 6)) is None, "a weekend day is no holiday"


def test_a_weekend_that_changed_is_the_one_of_that_date():
    emirates = calendar_of("AE")  # Friday–Saturday until 2021, Saturday–Sunday since 2022
    assert not emirates.working_day(date(2021, 1, 1)) and emirates.working_day(date(2021, 1, 3))  # Fri; Sun
    assert emirates.working_day(date(2026, 1, 9)) and not emirates.working_day(date(2026, 1, 11))  # Fri; Sun


def test_next_working_day_skips_a_holiday_its_substitute_and_the_weekend():
    gb = calendar_of("GB")
    # Friday 25 Dec 2026 (Christmas), Saturday 26 (Boxing Day), Sunday 27, Monday 28 (Boxing Day observed)
    assert next_working_day(gb, date(2026, 12, 25), date(2027, 1, 8)) == date(2026, 12, 29)
    assert next_working_day(gb, date(2026, 12, 29), date(2027, 1, 8)) == date(2026, 12, 29), "a working day stays"
    assert next_working_day(gb, date(2026, 12, 25), date(2026, 12, 28)) is None, "none before until"
    assert next_working_day(gb, date(2026, 12, 29), date(2026, 12, 28)) is None


def test_next_working_day_across_the_year_boundary():
    gb = calendar_of("GB")
    # Thursday 31 Dec 2026 is a working day; Friday 1 Jan 2027 is New Year's Day
    assert next_working_day(gb, date(2027, 1, 1), date(2027, 1, 31)) == date(2027, 1, 4)
    us = calendar_of("US")
    # New Year's Day 2028 is a Saturday: observed on Friday 31 December 2027, in the year before
    assert us.holiday(date(2027, 12, 31)) == "New Year's Day (observed)"
    assert next_working_day(us, date(2027, 12, 31), date(2028, 1, 7)) == date(2028, 1, 3)


def test_without_a_calendar_every_day_is_a_working_day():
    assert next_working_day(None, date(2026, 12, 25), date(2026, 12, 31)) == date(2026, 12, 25)
    assert next_working_day(None, date(2026, 12, 25), date(2026, 12, 24)) is None


def test_the_calendar_is_cheap_and_safe_to_share_between_threads():
    gb = calendar_of("GB")
    days = [date(2025, 1, 1) + timedelta(days=i) for i in range(3 * 365)]
    expected = [gb.working_day(d) for d in days]
    results: list[list[bool]] = []

    def check() -> None:
        results.append([calendar_of("GB").working_day(d) for d in days])

    threads = [threading.Thread(target=check) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [expected] * 8
    assert calendar_of("GB") is calendar_of("GB")
