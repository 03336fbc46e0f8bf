"""Team schedule slots ("mon 10:00" in a time zone): parsing, occurrences across DST, the week they open.

Pure functions; every instant returned is timezone-aware.
"""

from __future__ import annotations

import re
from collections.abc import Callable
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


def due_digest_week(prompt: Slot, digest: Slot, now: datetime, tz: ZoneInfo, grace: timedelta = GRACE) -> str | None:
    """The week whose digest is due at ``now``: the retro week open when the digest slot came."""
    at = last_occurrence(digest, now, tz)
    return cycle_week_at(prompt, at, tz) if now - at <= grace else None


# -- public holidays -------------------------------------------------------------------------
# A team with a holiday calendar prompts on its slot's day unless that day is a public holiday (or a weekend
# day there); then at the same time on the next working day, as long as that is before the week closes. A week
# with no working day left before it closes is a holiday week: nobody is prompted or reminded, and everyone
# counts as away.
WorkingDay = Callable[[date], bool]  # is this local date a working day for the team


@dataclass(frozen=True)
class PromptTime:
    """When a week's prompt goes out: ``at`` (UTC), or nobody is prompted (``holiday_week``) and ``at`` is the
    slot's own time, when the week's members are counted away."""

    week: str
    at: datetime
    holiday_week: bool = False


def closes(prompt: Slot, digest: Slot, monday: date, tz: ZoneInfo) -> datetime:
    """When the week starting ``monday`` closes: its first digest time at or after its prompt slot, and at the
    latest the next week's prompt slot."""
    prompt_at = occurrence(prompt, monday, tz)
    digest_at = occurrence(digest, monday, tz)
    if digest_at < prompt_at:
        digest_at = occurrence(digest, monday + timedelta(weeks=1), tz)
    return min(digest_at, occurrence(prompt, monday + timedelta(weeks=1), tz))


def _on(day: date, clock: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)


def _moved(at: datetime, tz: ZoneInfo, working: WorkingDay, before: datetime) -> datetime | None:
    """``at`` (UTC), or the same wall time on the next working day if its day is not one; None when there is no
    working day before ``before``."""
    local = at.astimezone(tz)
    day = local.date()
    while True:
        moved = _on(day, local.time(), tz)
        if moved >= before:
            return None
        if working(day):
            return moved
        day += timedelta(days=1)


def prompt_time(prompt: Slot, digest: Slot, monday: date, tz: ZoneInfo, working: WorkingDay | None) -> PromptTime:
    """When the prompt of the week starting ``monday`` goes out (see above)."""
    slot_at = occurrence(prompt, monday, tz)
    week = week_of(slot_at, tz)
    if working is None:
        return PromptTime(week, slot_at)
    moved = _moved(slot_at, tz, working, closes(prompt, digest, monday, tz))
    return PromptTime(week, slot_at, holiday_week=True) if moved is None else PromptTime(week, moved)


def _recent_mondays(prompt: Slot, now: datetime, tz: ZoneInfo) -> tuple[date, date]:
    """The Monday of the week whose prompt slot came last before ``now``, and the one before."""
    local = last_occurrence(prompt, now, tz).astimezone(tz).date()
    monday = local - timedelta(days=prompt.weekday)
    return monday, monday - timedelta(weeks=1)


def due_prompt(
    prompt: Slot,
    digest: Slot,
    now: datetime,
    tz: ZoneInfo,
    working: WorkingDay | None = None,
    grace: timedelta = GRACE,
) -> PromptTime | None:
    """The week whose prompt is due at ``now`` (its time, moved past holidays, passed less than ``grace`` ago)."""
    for monday in _recent_mondays(prompt, now, tz):
        when = prompt_time(prompt, digest, monday, tz, working)
        if when.at <= now and now - when.at <= grace:
            return when
    return None


def due_reminder(
    prompt: Slot,
    digest: Slot,
    hours: int,
    now: datetime,
    tz: ZoneInfo,
    working: WorkingDay | None = None,
    grace: timedelta = GRACE,
) -> str | None:
    """The week whose reminder is due at ``now``: ``hours`` (wall clock) after that week's prompt went out, moved
    past holidays like the prompt; none in a holiday week, nor once the week has closed."""
    if hours <= 0:
        return None
    for monday in _recent_mondays(prompt, now, tz):
        when = prompt_time(prompt, digest, monday, tz, working)
        if when.holiday_week:
            continue
        later = when.at.astimezone(tz).replace(tzinfo=None) + timedelta(hours=hours)  # wall clock
        at: datetime | None = _on(later.date(), later.time(), tz)
        if working is not None:
            at = _moved(at, tz, working, closes(prompt, digest, monday, tz))
            if at is None:
                continue
        if at <= now and now - at <= grace:
            return when.week
    return None
