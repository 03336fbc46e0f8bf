"""Exactly once across restarts, crashes, two scheduler processes and Slack's rate limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient
from sqlmodel import Session, select

from bot.blocks.prompt import QUESTION
from bot.services.prompts import CLAIM_LEASE, prompt_metadata
from storage.models import Delivery
from storage.queries import cycles as cq
from storage.queries import teams as tq
from tests.conftest import CHANNEL
from tests.scheduler.conftest import dm_counts, make_team

MONDAY_10 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 10:00 in Berlin


def test_restart_inside_the_grace_window_sends_the_missed_prompts_once(engine, slack, users, clock, start):
    make_team(engine, users, "Europe/Berlin", reminder_hours=0)
    first = start()
    first.shutdown()  # the bot goes down on Sunday and is not running at 10:00
    clock.at(MONDAY_10 + timedelta(minutes=40))
    again = start()  # back at 10:40: the jobs come from the database, the missed run happens now
    again.run_due()
    clock.at(MONDAY_10 + timedelta(hours=2))
    again.run_due()
    assert dm_counts(slack, users) == {u.name: 1 for u in users}


def test_restart_outside_the_grace_window_does_not_send_late(engine, slack, users, clock, start):
    make_team(engine, users, "Europe/Berlin", reminder_hours=0)
    start().shutdown()
    clock.at(MONDAY_10 + timedelta(hours=12, minutes=1))  # back at 22:01: too late for this week
    scheduler = start()
    assert sum(dm_counts(slack, users).values()) == 0
    job = next(j for j in scheduler.get_jobs(jobstore="default") if j.id.startswith("prompt:"))
    assert job.next_run_time.astimezone(UTC) == MONDAY_10 + timedelta(days=7)
    clock.at(MONDAY_10 + timedelta(days=7))
    scheduler.run_due()
    assert dm_counts(slack, users) == {u.name: 1 for u in users}


def test_a_missed_digest_is_posted_once_within_the_grace_window(engine, slack, users, clock, start):
    make_team(engine, users, "Europe/Berlin", reminder_hours=0)
    scheduler = start()
    clock.at(MONDAY_10)
    scheduler.run_due()
    scheduler.shutdown()
    clock.at(datetime(2026, 11, 27, 20, 0, tzinfo=UTC))  # Friday 21:00: five hours after the digest time
    start().run_due()
    posts = slack.channel_messages(CHANNEL)
    assert len(posts) == 1 and "week of 23 Nov" in posts[0]["text"]


def test_two_scheduler_processes_on_one_database_prompt_each_member_once(engine, slack, users, clock, start):
    make_team(engine, users, "Europe/Berlin", reminder_hours=0)
    one, two = start(), start()
    clock.at(MONDAY_10)
    one.run_due()
    two.run_due()
    assert dm_counts(slack, users) == {u.name: 1 for u in users}


def _crash_after_claiming(engine, slack, users, claimed: list[str], reached_slack: list[str]) -> None:
    """Leave things as a sender killed mid-fan-out leaves them: members claimed, nothing recorded as sent.

    For those in ``reached_slack`` the DM had reached Slack before the kill (the worst moment)."""
    client = WebClient(token=slack.token, base_url=slack.url)
    by_name = {u.name: u.id for u in users}
    with Session(engine) as session:
        team = tq.get_team(session, "Payments")
        cycle = cq.get_or_create_cycle(session, team.id, "2026-W48")
        people = {p.slack_user_id: p for p in tq.team_members(session, team.id)}
        for name in claimed:
            delivery = cq.claim_delivery(session, cycle.id, people[by_name[name]].id, "2026-W48")
            session.commit()
            if name in reached_slack:
                client.chat_postMessage(
                    channel=by_name[name], text=QUESTION, metadata=prompt_metadata(delivery.id, "2026-W48")
                )


def test_a_fan_out_killed_midway_finishes_after_restart_with_nobody_prompted_twice(engine, slack, users, clock, start):
    make_team(engine, users, "Europe/Berlin", reminder_hours=0)
    start().shutdown()
    clock.at(MONDAY_10)
    # The sender died at 10:00 after claiming ada and grace; Slack had already taken ada's DM.
    _crash_after_claiming(engine, slack, users, ["ada", "grace"], ["ada"])
    clock.at(MONDAY_10 + timedelta(minutes=5))
    scheduler = start()  # restart: everyone unclaimed is prompted; the two claims are still fresh
    assert dm_counts(slack, users) == {"ada": 1, "grace": 0, "linus": 1, "margaret": 1, "ken": 1}
    clock.at(MONDAY_10 + CLAIM_LEASE + timedelta(minutes=1))  # the claims' lease is over: settle them
    scheduler.run_due()
    assert dm_counts(slack, users) == {u.name: 1 for u in users}
    with Session(engine) as session:
        assert {d.state for d in session.exec(select(Delivery))} == {"sent"}


def test_rate_limited_part_of_the_fan_out_still_prompts_everyone_once(engine, slack, users, clock, start):
    make_team(engine, users, "Europe/Berlin", reminder_hours=0)
    scheduler = start()
    slack.rate_limit("chat.postMessage", retry_after=7, times=3)  # three 429s with Retry-After: 7
    clock.at(MONDAY_10)
    scheduler.run_due()
    assert dm_counts(slack, users) == {u.name: 1 for u in users}
    assert len(clock.slept) == 3 and all(7 <= s < 8 for s in clock.slept)  # Retry-After honoured each time


def test_a_rate_limit_outlasting_the_retries_stops_the_run_and_the_next_run_finishes(
    engine, slack, users, clock, start, caplog
):
    make_team(engine, users, "Europe/Berlin", reminder_hours=0)
    scheduler = start()
    slack.rate_limit("chat.postMessage", retry_after=30, times=6)  # more than the client's 5 retries
    clock.at(MONDAY_10)
    scheduler.run_due()
    clock.at(MONDAY_10 + timedelta(minutes=5))
    scheduler.run_due()
    assert "paused: rate limited" in caplog.text
    assert dm_counts(slack, users) == {u.name: 1 for u in users}
    # 6 answers of 429, then one call per member: no storm of retries while Slack said to wait
    assert len(slack.calls("chat.postMessage")) == 6 + len(users)


def test_a_failure_for_one_member_is_recorded_and_the_others_are_prompted(engine, slack, users, clock, start):
    make_team(engine, users, "Europe/Berlin", reminder_hours=0)
    scheduler = start()
    slack.fail("chat.postMessage", "user_disabled")  # the first member's account is deactivated
    clock.at(MONDAY_10)
    scheduler.run_due()
    clock.at(MONDAY_10 + timedelta(minutes=10))
    scheduler.run_due()  # a failed member is not retried into a loop
    counts = dm_counts(slack, users)
    assert sorted(counts.values()) == [0, 1, 1, 1, 1]
    with Session(engine) as session:
        failed = session.exec(select(Delivery).where(Delivery.state == "failed")).all()
    assert [d.error for d in failed] == ["user_disabled"]


def test_a_rate_limited_reminder_is_sent_once_on_the_next_minute(engine, slack, users, clock, start):
    from tests.scheduler.conftest import reminders

    make_team(engine, users, "Europe/Berlin", reminder_hours=24)
    scheduler = start()
    clock.at(MONDAY_10)
    scheduler.run_due()
    slack.rate_limit("chat.postMessage", retry_after=30, times=12)  # outlasts the retries of both passes
    clock.at(MONDAY_10 + timedelta(hours=24))
    scheduler.run_due()
    assert sum(reminders(slack, users).values()) == 0
    for minutes in (1, 2, 3):
        clock.at(MONDAY_10 + timedelta(hours=24, minutes=minutes))
        scheduler.run_due()
    assert reminders(slack, users) == {u.name: 1 for u in users}
