"""A team's public holidays and working days, read through the ``holidays`` library. Pure: no Slack, no database.

A team stores a country code with an optional region ("GB", "DE-BY", "US-CA"; ``Team.holidays``).
``parse_holidays`` turns what a person typed into that code (or None), ``calendar_of`` turns the stored code
into a ``HolidayCalendar``, and ``next_working_day`` finds where a prompt day that is a holiday moves to.

The library's objects are built once per (country, region, year), fully populated (``expand=False``), and
only ever read afterwards: a per-minute scheduler call costs a dictionary lookup, threads can share them,
and a date in another year is answered by that year's own object (observed days such as the US's
"New Year's Day (observed)" on Friday 31 December belong to the year of their date).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, lru_cache

import holidays
from holidays.holiday_base import HolidayBase

log = logging.getLogger(__name__)

NONE_WORDS = ("", "none")
EXAMPLE = "use a code like GB-ENG, DE-BY or US-CA"
REGIONS_NAMED = 6  # regions an error message names before "…"
SHOWN_MAX = 24  # characters of what was typed an error message repeats
LANGUAGE = "en_US"  # holiday names in English whatever the process's locale (the library reads LANG)

_SPLIT = re.compile(r"[\s\-/_.,:]+")
_COUNTRY = re.compile(r"[A-Za-z]{2,3}")


def _shown(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHOWN_MAX else text[: SHOWN_MAX - 1] + "…"


@cache
def _country_code(code: str) -> str | None:
    """The library's ISO alpha-2 code for ``code`` (an alpha-2 or alpha-3 code or an alias such as UK), or None."""
    if code not in holidays.list_supported_countries(include_aliases=True):
        return None
    return holidays.country_holidays(code, years=[]).country


@cache
def _region_names(country: str) -> dict[str, str]:
    """A region code or alias as ``_key`` reads it ("by", "bayern", "zone a") → the library's region code."""
    entity = holidays.country_holidays(country, years=[])
    names: dict[str, str] = {}
    for region, aliases in entity.get_subdivision_aliases().items():
        for name in aliases:
            names.setdefault(_key(name), region)
    for region in holidays.list_supported_countries()[country]:
        names[_key(region)] = region  # a code wins over another region's alias
    return names


def _key(name: str) -> str:
    return _SPLIT.sub(" ", name).strip().casefold()


def _regions_hint(country: str) -> str:
    regions = holidays.list_supported_countries()[country]
    named = ", ".join(regions[:REGIONS_NAMED])
    return f"{named}, …" if len(regions) > REGIONS_NAMED else named


def parse_holidays(text: str) -> str | None:
    """A country code with an optional region, as stored ("DE-BY"); None for "" or "none".

    "de-by", "DE BY", "de/by" and "DE-Bayern" all give "DE-BY"; "UK" and "GBR" give "GB" (the library's
    aliases). Raises ValueError with a short message naming what is wrong and what would do.
    """
    text = " ".join((text or "").split())
    if text.casefold() in NONE_WORDS:
        return None
    parts = _SPLIT.split(text, maxsplit=1)
    typed_country = parts[0]
    typed_region = parts[1].strip() if len(parts) > 1 else ""
    country = _country_code(typed_country.upper()) if _COUNTRY.fullmatch(typed_country) else None
    if country is None:
        raise ValueError(f"'{_shown(typed_country or text)}' is not a country the holiday calendar knows: {EXAMPLE}")
    if not typed_region:
        return country
    if not holidays.list_supported_countries()[country]:
        raise ValueError(f"{country} has no regions in the holiday calendar: use {country} alone")
    region = _region_names(country).get(_key(typed_region))
    if region is None:
        raise ValueError(
            f"'{_shown(typed_region)}' is not a region of {country}: use one of {_regions_hint(country)} "
            f"(or {country} alone)"
        )
    return f"{country}-{region}"


@lru_cache(maxsize=1024)
def _year(country: str, region: str | None, year: int) -> HolidayBase:
    """The library's holidays of one year, populated now and read-only from here on."""
    entity = holidays.country_holidays(country, subdiv=region, years=[], expand=False)
    language = LANGUAGE if LANGUAGE in entity.supported_languages else None
    return holidays.country_holidays(country, subdiv=region, years=year, expand=False, language=language)


@cache
def _country_name(country: str) -> str:
    """The library's English name of the country ("Germany"), from its class's docstring; else the code."""
    for cls in type(holidays.country_holidays(country, years=[])).__mro__:
        first = (cls.__doc__ or "").strip().splitlines()[:1]
        if first and first[0].endswith(" holidays."):
            name = first[0].removesuffix(" holidays.").removesuffix(" (the)").strip()
            if name:
                return name
    return country


@dataclass(frozen=True)
class HolidayCalendar:
    """A country's (or one of its regions') public holidays and weekend, as the ``holidays`` library has them."""

    country: str  # ISO alpha-2, "DE"
    region: str | None = None  # the library's region code, "BY"

    @property
    def code(self) -> str:
        """As stored: "DE-BY"."""
        return f"{self.country}-{self.region}" if self.region else self.country

    def holiday(self, day: date) -> str | None:
        """The name of the public holiday on ``day`` ("Christmas Day"; several are joined by "; "), or None."""
        return _year(self.country, self.region, day.year).get(day)

    def working_day(self, day: date) -> bool:
        """Not a public holiday and not a weekend day there (the country's own weekend, e.g. Friday–Saturday;
        a weekend day the country makes a working day counts as one)."""
        return _year(self.country, self.region, day.year).is_working_day(day)

    def describe(self) -> str:
        """ "public holidays of Germany (BY)"."""
        where = _country_name(self.country)
        return f"public holidays of {where} ({self.region})" if self.region else f"public holidays of {where}"


@lru_cache(maxsize=256)
def calendar_of(code: str | None) -> HolidayCalendar | None:
    """The calendar of a stored code; None when there is none, or when the library no longer knows the code
    (a newer version dropped a region): the team then simply has no holidays, and a warning is logged once."""
    if not code:
        return None
    try:
        normal = parse_holidays(code)
    except ValueError as exc:
        log.warning("ignoring the stored holidays %r: %s", code, exc)
        return None
    if normal is None:
        return None
    country, _, region = normal.partition("-")
    return HolidayCalendar(country, region or None)


def holidays_text(code: str | None) -> str:
    """A team's holidays in a summary: "DE-BY (public holidays of Germany (BY))", "none", or the bare code
    when the library no longer knows it."""
    if not code:
        return "none"
    calendar = calendar_of(code)
    return f"{calendar.code} ({calendar.describe()})" if calendar else code


def next_working_day(calendar: HolidayCalendar | None, day: date, until: date) -> date | None:
    """The first working day on or after ``day`` and on or before ``until``; None when there is none.

    Without a calendar (a team with no holidays) every day is a working day: ``day`` itself.
    """
    while day <= until:
        if calendar is None or calendar.working_day(day):
            return day
        day += timedelta(days=1)
    return None
