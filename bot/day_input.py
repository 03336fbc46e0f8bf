"""Days people type after ``until`` (``/airetro away until 2026-12-07``, ``pause team until 7 Dec``). Pure: text in,
a ``DaySpec`` out; then, seen on a given "today", a date, or a ``DayError`` whose text is the hint to show.

Digits are ASCII only, as everywhere in ``/airetro`` (``bot.parse_input``); month and weekday names English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.formatting import clip, day_label, slack_escape

_ISO_DAY = re.compile(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$")
_DAY_OF_MONTH = re.compile(r"^([0-9]{1,2})(?:st|nd|rd|th)?$")
_YEAR = re.compile(r"^[0-9]{4}$")
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MAX_AHEAD_YEARS = 1


class DayError(ValueError):
    """Not a day that can be used (not a date, past, too far, a weekday that does not match): ``str`` says why,
    with an example."""


@dataclass(frozen=True)
class DaySpec:
    """A day as typed after ``until``: the year None when left out (then it is the next such day)."""

    month: int
    day: int
    year: int | None = None
    weekday: int | None = None  # "Mon 7 Dec": the weekday said too (0 = Monday), checked against the date


def _shown(text: str) -> str:
    return slack_escape(clip(" ".join(text.split()), 40)).replace("`", "'")


def _month(word: str) -> int | None:
    if word in _MONTH_NAMES:
        return _MONTH_NAMES.index(word) + 1
    if word == "sept":
        return 9
    return MONTHS.index(word) + 1 if word in MONTHS else None


def _weekday(word: str) -> int | None:
    for index, name in enumerate(_WEEKDAY_NAMES):
        if word == name or (len(word) >= 3 and name.startswith(word)):
            return index
    return None


def example_day(today: date | None = None) -> str:
    """A date for the examples in hints: two weeks on, so that it is never in the past."""
    return ((today or date.today()) + timedelta(days=14)).isoformat()


def not_a_date(tokens: list[str], command: str) -> DayError:
    said = f"`{_shown(' '.join(tokens))}` is not a date I can read" if tokens else "Say a date after `until`"
    example = example_day()
    return DayError(f"{said}. Say it like `/airetro {command} until {example}` or `/airetro {command} until 7 Dec`.")


def parse_day(tokens: list[str], command: str) -> DaySpec:
    """The day after ``until``: ``2026-12-07``, ``7 Dec``, ``Dec 7``, ``7 December``, ``December 7th, 2026``, with
    a weekday before it if you like (``Mon 7 Dec``). ``command`` ("away", "pause team") is for the hint."""
    words = [w for w in (t.strip(",.").lower() for t in tokens) if w]
    weekday = _weekday(words[0]) if words else None
    if weekday is not None:
        words = words[1:]
    year = month = day = None
    if len(words) == 1 and (iso := _ISO_DAY.match(words[0])):
        year, month, day = (int(g) for g in iso.groups())
    elif len(words) in (2, 3):
        if len(words) == 3:
            year = int(words[2]) if _YEAR.match(words[2]) else None
            if year is None:
                raise not_a_date(tokens, command)
        first, second = words[0], words[1]
        if (number := _DAY_OF_MONTH.match(first)) and _month(second):
            month, day = _month(second), int(number.group(1))
        elif (number := _DAY_OF_MONTH.match(second)) and _month(first):
            month, day = _month(first), int(number.group(1))
    if month is None or day is None:
        raise not_a_date(tokens, command)
    try:
        date(year or 2000, month, day)  # 2000: a leap year, so 29 Feb without a year may be one
    except ValueError:
        raise not_a_date(tokens, command) from None
    return DaySpec(month=month, day=day, year=year, weekday=weekday)


def _latest(today: date) -> date:
    try:
        return today.replace(year=today.year + MAX_AHEAD_YEARS)
    except ValueError:  # 29 Feb
        return date(today.year + MAX_AHEAD_YEARS, 2, 28)


def resolve_day(spec: DaySpec, today: date, command: str, *, no_end: str) -> date:
    """The date ``spec`` means, seen on ``today``: without a year, the next such day (today counts). A day in the
    past or more than a year away raises DayError with a hint and an example; ``no_end`` is the command that does
    the same with no end date, for the hint."""
    example = f"`/airetro {command} until {example_day(today)}`"
    if spec.year is not None:
        day = date(spec.year, spec.month, spec.day)
    else:
        candidates = []
        for year in (today.year, today.year + 1):
            try:
                candidates.append(date(year, spec.month, spec.day))
            except ValueError:  # 29 Feb in a year without one
                continue
        upcoming = [d for d in candidates if d >= today]
        if not upcoming:
            raise DayError(
                f"There's no {spec.day} {MONTHS[spec.month - 1].title()} in the coming year, so nothing changed. "
                f"Say the day with its year, like {example}."
            )
        day = upcoming[0]
    if spec.weekday is not None and spec.weekday != day.weekday():
        raise DayError(
            f"{day.day} {day:%b} {day.year} is a {day:%A}, so nothing changed. "
            f"Say the date alone if that is the day you mean: `/airetro {command} until {day.isoformat()}`."
        )
    if day < today:
        raise DayError(
            f"{day_label(day, today)} has passed, so nothing changed. Say a day from today on, like {example}."
        )
    if day > _latest(today):
        raise DayError(
            f"{day_label(day, today)} is more than a year away, so nothing changed. Say a day up to "
            f"{day_label(_latest(today), today)}, like {example}; `/airetro {no_end}` is for no end date."
        )
    return day
