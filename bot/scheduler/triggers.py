"""The weekly trigger: APScheduler's cron trigger, firing once when the clocks go back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from apscheduler.triggers.cron import CronTrigger

from bot.schedule_spec import WEEKDAYS, Slot


class WeeklyTrigger(CronTrigger):
    """A cron trigger for one weekday and time in a time zone.

    APScheduler's cron trigger fires twice at a wall time that happens twice (02:30 on the night
    the clocks go back); this one fires at the first of the two only.  A wall time that does not
    exist (spring forward) fires when the clocks have passed it, shifted by the gap.  Both match
    ``bot.schedule_spec.occurrence``.
    """

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        if previous_fire_time is None:
            return super().get_next_fire_time(None, now)
        # A weekly slot never fires twice in a day: look on from a day after the previous firing, which
        # steps over the repeated hour without relying on ``fold`` (lost by some datetime subclasses).
        return super().get_next_fire_time(None, previous_fire_time.astimezone(UTC) + timedelta(days=1))


def weekly_trigger(slot: Slot, tz: str) -> WeeklyTrigger:
    return WeeklyTrigger(
        day_of_week=WEEKDAYS[slot.weekday], hour=slot.clock.hour, minute=slot.clock.minute, timezone=tz
    )
