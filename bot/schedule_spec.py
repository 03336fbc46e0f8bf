"""Team schedule slots ("mon 10:00" in a time zone): parsing, occurrences across DST, the week they open.

Pure functions; every instant returned is timezone-aware.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
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


def shifted(slot: Slot, hours: int) -> Slot:
    """``slot`` moved ``hours`` later on the wall clock, wrapping around the week."""
    minutes = (slot.weekday * 1440 + slot.clock.hour * 60 + slot.clock.minute + hours * 60) % (7 * 1440)
    return Slot(minutes // 1440, f"{minutes % 1440 // 60:02d}:{minutes % 60:02d}")


def occurrence(slot: Slot, monday: date, tz: ZoneInfo) -> datetime:
    """The instant (UTC) of ``slot`` in the ISO week starting ``monday``, in ``tz``.

    DST choice, the same as the scheduler's triggers: a wall time that does not exist (spring
    forward) happens when the clocks have moved past it, shifted by the gap (02:30 becomes 03:30 in
    Berlin); a wall time that happens twice (fall back) counts once, at its first occurrence.
    """
    local = datetime.combine(monday + timedelta(days=slot.weekday), slot.clock, tzinfo=tz)  # fold=0
    return local.astimezone(UTC)


def last_occurrence(slot: Slot, now: datetime, tz: ZoneInfo) -> datetime:
    """The most recent occurrence (UTC) of ``slot`` in ``tz`` that is not after ``now``."""
    today = now.astimezone(tz).date()
    monday = today - timedelta(days=today.weekday())
    at = occurrence(slot, monday, tz)
    while at > now:
        monday -= timedelta(weeks=1)
        at = occurrence(slot, monday, tz)
    return at


def week_of(at: datetime, tz: ZoneInfo) -> str:
    """The ISO week an occurrence belongs to, by its local date."""
    return week_key(at.astimezone(tz).date())


def cycle_week_at(prompt: Slot, now: datetime, tz: ZoneInfo) -> str:
    """The retro week open at ``now``: the ISO week of the most recent prompt slot.

    A digest posted at ``now`` reports on this week, so a team that prompts on Friday and posts
    the digest the next Monday gets last week's figures on Monday.
    """
    return week_of(last_occurrence(prompt, now, tz), tz)


# -- what is due now -------------------------------------------------------------------------
# A run missed by less than this (the bot was down at 10:00 and came back at 10:40) still happens,
# once; older misses are not sent late.
GRACE = timedelta(hours=12)
MAX_REMINDER_HOURS = 6 * 24


def due_prompt_week(prompt: Slot, now: datetime, tz: ZoneInfo, grace: timedelta = GRACE) -> str | None:
    """The week whose prompt is due at ``now`` (its slot passed less than ``grace`` ago), if any."""
    at = last_occurrence(prompt, now, tz)
    return week_of(at, tz) if now - at <= grace else None


def due_reminder_week(prompt: Slot, hours: int, now: datetime, tz: ZoneInfo, grace: timedelta = GRACE) -> str | None:
    """The week whose reminder is due at ``now``: ``hours`` (wall clock) after that week's prompt."""
    if hours <= 0:
        return None
    at = last_occurrence(shifted(prompt, hours), now, tz)
    if now - at > grace:
        return None
    return week_of(last_occurrence(prompt, at, tz), tz)


def due_digest_week(prompt: Slot, digest: Slot, now: datetime, tz: ZoneInfo, grace: timedelta = GRACE) -> str | None:
    """The week whose digest is due at ``now``: the retro week open when the digest slot came."""
    at = last_occurrence(digest, now, tz)
    return cycle_week_at(prompt, at, tz) if now - at <= grace else None
