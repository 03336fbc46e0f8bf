"""Team schedule slots ("mon 10:00" in a time zone) and ISO-week arithmetic. Pure functions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from storage.weeks import week_key

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SLOT_RE = re.compile(r"^\s*([a-z]{3})[a-z]*\s+(\d{1,2}):(\d{2})\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Slot:
    """A weekly moment in team-local time: ISO weekday index (0 = Monday) and HH:MM."""

    weekday: int
    hhmm: str

    @property
    def clock(self) -> time:
        hours, minutes = self.hhmm.split(":")
        return time(int(hours), int(minutes))

    def __str__(self) -> str:
        return f"{WEEKDAYS[self.weekday]} {self.hhmm}"


def parse_slot(text: str) -> Slot:
    """Parse ``"mon 10:00"`` (any weekday spelling starting with its 3-letter abbreviation)."""
    match = _SLOT_RE.match(text)
    if not match or match.group(1).lower() not in WEEKDAYS:
        raise ValueError(f"{text!r} is not a weekly time like 'mon 10:00'")
    hours, minutes = int(match.group(2)), int(match.group(3))
    if hours > 23 or minutes > 59:
        raise ValueError(f"{text!r} has no such time of day")
    return Slot(WEEKDAYS.index(match.group(1).lower()), f"{hours:02d}:{minutes:02d}")


def parse_tz(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a region folder such as "Europe"
        raise ValueError(f"{name!r} is not an IANA time zone like 'Europe/Berlin'") from None


def local_week(now: datetime, tz: ZoneInfo) -> str:
    """The ISO week that ``now`` (aware) falls in, in the team's time zone."""
    return week_key(now.astimezone(tz).date())


def last_slot_at_or_before(slot: Slot, now: datetime, tz: ZoneInfo) -> datetime:
    """The most recent local occurrence of ``slot`` that is not after ``now`` (aware, in ``tz``)."""
    local_now = now.astimezone(tz)
    days_back = (local_now.weekday() - slot.weekday) % 7
    candidate = datetime.combine(local_now.date() - timedelta(days=days_back), slot.clock, tzinfo=tz)
    if candidate > local_now:
        candidate -= timedelta(days=7)
    return candidate


def cycle_week_at(prompt: Slot, now: datetime, tz: ZoneInfo) -> str:
    """The retro week open at ``now``: the ISO week of the most recent prompt slot.

    A digest posted at ``now`` reports on this week, so a team that prompts on Friday and posts
    the digest the next Monday gets last week's figures on Monday.
    """
    return week_key(last_slot_at_or_before(prompt, now, tz).date())
