"""A team's week through the real scheduler: prompt, one reminder, digest, each at local time (DST included)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from bot.formatting import week_label
from storage.models import Person
from tests.conftest import CHANNEL
from tests.scheduler.conftest import dm_counts, make_team, reminders


def _opt_out(engine, user_id: str) -> None:
    with Session(engine) as session:
        person = session.exec(select(Person).where(Person.slack_user_id == user_id)).one()
        person.prompts_paused = True
        session.commit()


def test_a_normal_week(engine, slack, users, members, clock, start):
    make_team(engine, users, "Europe/Berlin", reminder_hours=24)
    scheduler = start()
    clock.at("2026-11-23T08:59:00Z")  # Monday 09:59 in Berlin
    scheduler.run_due()
    assert sum(dm_counts(slack, users).values()) == 0

    clock.at("2026-11-23T09:00:00Z")  # Monday 10:00 in Berlin
    scheduler.run_due()
    assert dm_counts(slack, users) == {u.name: 1 for u in users}
    assert "week of 23 Nov" in str(members["ada"].prompt()["blocks"])

    members["ada"].log_moment(what="Generated the fixture builders", outcome="tests", time_saved="1h_2h",
                              quality="same", counterfactual="later", tool="claude_code")  # fmt: skip
    members["grace"].didnt_help()
    members["linus"].skip()
    _opt_out(engine, users[3].id)  # margaret opts out after the prompt; ken just does not answer

    clock.at("2026-11-24T08:59:00Z")
    scheduler.run_due()
    assert sum(reminders(slack, users).values()) == 0
    clock.at("2026-11-24T09:00:00Z")  # 24 h later: the one reminder, to ken only
    scheduler.run_due()
    clock.at("2026-11-24T09:05:00Z")
    scheduler.run_due()
    assert reminders(slack, users) == {"ada": 0, "grace": 0, "linus": 0, "margaret": 0, "ken": 1}

    updates = len(slack.calls("chat.update"))
    members["ken"].didnt_help()  # from the reminder: the prompt shows the answer, the reminder says thanks
    slack.wait_for("chat.update", updates + 2)
    slack.wait_idle()
    dm = slack.channel_messages(slack.dm_channel(users[4].id))
    assert "AI didn't help" in str(dm[0]["blocks"]) and "Answered for the week of 23 Nov" in str(dm[1]["blocks"])

    clock.at("2026-11-27T14:59:00Z")
    scheduler.run_due()
    assert slack.channel_messages(CHANNEL) == []
    clock.at("2026-11-27T15:00:00Z")  # Friday 16:00 in Berlin
    scheduler.run_due()
    clock.at("2026-11-27T15:10:00Z")
    scheduler.run_due()
    posts = slack.channel_messages(CHANNEL)
    assert len(posts) == 1 and "week of 23 Nov" in posts[0]["text"]
    assert dm_counts(slack, users) == {u.name: 1 for u in users}  # nobody prompted twice all week


# Monday 10:00 local on either side of each DST change, in UTC.
@pytest.mark.parametrize(("tz", "before", "after"), [
    ("Europe/Berlin", "2026-03-23T09:00:00Z", "2026-03-30T08:00:00Z"),  # spring forward, 29 March
    ("Europe/Berlin", "2026-10-19T08:00:00Z", "2026-10-26T09:00:00Z"),  # fall back, 25 October
    ("America/New_York", "2026-03-02T15:00:00Z", "2026-03-09T14:00:00Z"),  # spring forward, 8 March
    ("America/New_York", "2026-10-26T14:00:00Z", "2026-11-02T15:00:00Z"),  # fall back, 1 November
])  # fmt: skip
def test_monday_ten_stays_ten_local_across_dst(engine, slack, users, clock, start, tz, before, after):
    clock.at("2026-03-01T00:00:00Z" if "03" in before[5:7] else "2026-10-01T00:00:00Z")
    make_team(engine, users, tz, reminder_hours=0)
    scheduler = start()
    for when, expected in ((before, 1), (after, 2)):
        minute_early = datetime.fromisoformat(when) - timedelta(minutes=1)
        clock.at(minute_early)
        scheduler.run_due()
        assert dm_counts(slack, users)["ada"] == expected - 1, f"prompted before 10:00 local ({minute_early})"
        clock.at(when)
        scheduler.run_due()
        assert dm_counts(slack, users)["ada"] == expected, f"not prompted at 10:00 local ({when})"


@pytest.mark.parametrize(("tz", "start_at", "fires_at", "label"), [
    # 02:30 does not exist on 29 March in Berlin: it fires at 03:30 CEST (01:30 UTC), once.
    ("Europe/Berlin", "2026-03-28T12:00:00Z", "2026-03-29T01:30:00Z", "gap"),
    # 02:30 happens twice on 25 October in Berlin: it fires at the first, 02:30 CEST (00:30 UTC), once.
    ("Europe/Berlin", "2026-10-24T12:00:00Z", "2026-10-25T00:30:00Z", "repeat"),
    # New York: 02:30 on 8 March does not exist (fires 03:30 EDT = 07:30 UTC) ...
    ("America/New_York", "2026-03-07T12:00:00Z", "2026-03-08T07:30:00Z", "gap"),
    # ... and 01:30 on 1 November happens twice (fires at the first, 01:30 EDT = 05:30 UTC).
    ("America/New_York", "2026-10-31T12:00:00Z", "2026-11-01T05:30:00Z", "repeat"),
])  # fmt: skip
def test_a_time_that_does_not_exist_or_exists_twice_fires_once(engine, slack, users, clock, start, tz, start_at,
                                                               fires_at, label):  # fmt: skip
    slot = "sun 01:30" if tz == "America/New_York" and label == "repeat" else "sun 02:30"
    clock.at(start_at)
    make_team(engine, users, tz, prompt=slot, digest="sun 20:00", reminder_hours=0)
    scheduler = start()
    job = next(j for j in scheduler.get_jobs(jobstore="default") if j.id.startswith("prompt:"))
    assert job.next_run_time.astimezone(UTC) == datetime.fromisoformat(fires_at)
    fire = datetime.fromisoformat(fires_at)
    clock.at(fire - timedelta(minutes=1))
    scheduler.run_due()
    assert dm_counts(slack, users)["ada"] == 0
    for hours_later in (0, 0.5, 1, 1.5, 3):
        clock.at(fire + timedelta(hours=hours_later))
        scheduler.run_due()
    assert dm_counts(slack, users) == {u.name: 1 for u in users}
    # the job's next run is a week later, not the repeated hour
    nxt = next(j for j in scheduler.get_jobs(jobstore="default") if j.id.startswith("prompt:")).next_run_time
    assert (nxt.astimezone(UTC) - fire).days in (6, 7)


@pytest.mark.parametrize(("tz", "prompt_utc", "week"), [
    ("Asia/Kolkata", "2026-11-23T04:30:00Z", "2026-W48"),  # UTC+5:30
    ("Pacific/Tongatapu", "2026-11-22T21:00:00Z", "2026-W48"),  # UTC+13: Monday 10:00 is Sunday 21:00 UTC
])  # fmt: skip
def test_far_from_utc_zones(engine, slack, users, members, clock, start, tz, prompt_utc, week):
    clock.at("2026-11-21T00:00:00Z")
    make_team(engine, users, tz, reminder_hours=0)
    scheduler = start()
    at = datetime.fromisoformat(prompt_utc)
    clock.at(at - timedelta(minutes=1))
    scheduler.run_due()
    assert dm_counts(slack, users)["ada"] == 0
    clock.at(at)
    scheduler.run_due()
    assert dm_counts(slack, users) == {u.name: 1 for u in users}
    assert week_label(week) in str(members["ada"].prompt()["blocks"])  # the local Monday's week, not UTC's Sunday
