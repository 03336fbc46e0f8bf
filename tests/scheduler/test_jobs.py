"""The persistent jobs follow the teams table: changes reschedule at once, pausing or deleting removes them."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.scheduler.process import JOBS_TABLE, reschedule
from bot.services import teams
from tests.scheduler.conftest import dm_counts, make_team


def _jobs(scheduler) -> dict[str, datetime]:
    return {j.id.split(":")[0]: j.next_run_time.astimezone(UTC) for j in scheduler.get_jobs(jobstore="default")}


def test_jobs_live_in_the_database_and_follow_schedule_changes(engine, slack, users, clock, start):
    team = make_team(engine, users, "Europe/Berlin", reminder_hours=24)
    scheduler = start()
    assert _jobs(scheduler) == {
        "prompt": datetime(2026, 11, 23, 9, 0, tzinfo=UTC),  # Monday 10:00 CET
        "reminder": datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
        "digest": datetime(2026, 11, 27, 15, 0, tzinfo=UTC),  # Friday 16:00 CET
    }
    with engine.connect() as connection:
        assert connection.exec_driver_sql(f"select count(*) from {JOBS_TABLE}").scalar() == 3

    # An operator changes the schedule from another process: the job store is updated at once.
    teams.change_schedule(engine, team.name, teams.ScheduleChange(prompt="tue 09:30", tz="America/New_York"))
    reschedule(engine)
    assert _jobs(scheduler)["prompt"] == datetime(2026, 11, 24, 14, 30, tzinfo=UTC)  # Tuesday 09:30 EST
    clock.at("2026-11-23T09:00:00Z")  # the old time passes: nothing
    scheduler.run_due()
    assert sum(dm_counts(slack, users).values()) == 0
    clock.at("2026-11-24T14:30:00Z")
    scheduler.run_due()
    assert dm_counts(slack, users) == {u.name: 1 for u in users}

    teams.change_schedule(engine, team.name, teams.ScheduleChange(reminder_hours=0))
    reschedule(engine)
    assert set(_jobs(scheduler)) == {"prompt", "digest"}

    teams.change_schedule(engine, team.name, teams.ScheduleChange(paused=True))
    reschedule(engine)
    assert _jobs(scheduler) == {}
    clock.at("2026-12-01T14:30:00Z")  # a paused team's catch-up sends nothing either
    scheduler.run_due()
    assert dm_counts(slack, users) == {u.name: 1 for u in users}

    teams.change_schedule(engine, team.name, teams.ScheduleChange(paused=False))
    reschedule(engine)
    assert set(_jobs(scheduler)) == {"prompt", "digest"}
    teams.delete_team(engine, team.name)
    reschedule(engine)
    assert _jobs(scheduler) == {}


def test_a_bad_schedule_change_is_refused_and_changes_nothing(engine, users, clock, start):
    team = make_team(engine, users, "Europe/Berlin")
    scheduler = start()
    before = _jobs(scheduler)
    for change, message in [
        (teams.ScheduleChange(prompt="someday 10:00"), "not a weekly time"),
        (teams.ScheduleChange(tz="Mars/Olympus"), "not an IANA time zone"),
        (teams.ScheduleChange(reminder_hours=200), "--reminder-hours must be 0"),
        (teams.ScheduleChange(prompt="tue 09:00", reminder_hours=-1), "--reminder-hours must be 0"),
    ]:
        try:
            teams.change_schedule(engine, team.name, change)
        except teams.InvalidTeam as exc:
            assert message in str(exc)
        else:
            raise AssertionError(f"{change} was accepted")
    reschedule(engine)
    assert _jobs(scheduler) == before


def test_a_new_team_is_picked_up_by_a_running_scheduler_within_a_tick(engine, slack, users, clock, start):
    scheduler = start()
    assert _jobs(scheduler) == {}
    clock.at("2026-11-23T08:00:00Z")
    make_team(engine, users, "Europe/Berlin", reminder_hours=0)  # created without `reschedule`, e.g. by SQL
    clock.at("2026-11-23T08:01:00Z")
    scheduler.run_due()  # the minute tick syncs the job store
    assert _jobs(scheduler)["prompt"] == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
