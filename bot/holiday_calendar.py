"""PLACEHOLDER (replaced by the holidays helper's module): a team's public holidays."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import holidays


@dataclass(frozen=True)
class HolidayCalendar:
    code: str

    def _lib(self, year: int) -> holidays.HolidayBase:
        country, _, subdiv = self.code.partition("-")
        return holidays.country_holidays(country, subdiv=subdiv or None, years=year)

    def holiday(self, day: date) -> str | None:
        return self._lib(day.year).get(day)

    def working_day(self, day: date) -> bool:
        lib = self._lib(day.year)
        return day not in lib and day.weekday() not in lib.weekend


def calendar_of(code: str | None) -> HolidayCalendar | None:
    return HolidayCalendar(code) if code else None
