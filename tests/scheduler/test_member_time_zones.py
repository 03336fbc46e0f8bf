"""A team that prompts each member at the team's local time in the member's own Slack time zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.standin.web_api import FakeUser
from tests.scheduler.conftest import dm_counts, make_team

ZONES = {"ada": "Europe/Berlin", "grace": "America/New_York", "linus": "Asia/Kolkata", "margaret": "Pacific/Tongatapu"}


@pytest.fixture
def users() -> list[FakeUser]:
    return [FakeUser(f"U0USER00{i}", name, f"{name}@example.com", tz=tz) for i, (name, tz) in
            enumerate(ZONES.items(), start=1)]  # fmt: skip


def test_each_member_is_prompted_at_ten_in_their_own_zone(engine, slack, users, members, clock, start):
    make_team(engine, users, "Europe/Berlin", reminder_hours=0, per_member_tz=True)
    scheduler = start()  # looks up every member's time zone with users.info
    assert len(slack.calls("users.info")) == len(users)
    zones = sorted(j.id.split(":", 2)[2] for j in scheduler.get_jobs(jobstore="default") if j.id.startswith("prompt:"))
    assert zones == sorted(ZONES.values())

    expected = {name: 0 for name in ZONES}
    # Monday 10:00 local, in UTC: Tongatapu (UTC+13) first, on Sunday UTC; New York (UTC-5) last.
    for name, utc in [("margaret", "2026-11-22T21:00:00Z"), ("linus", "2026-11-23T04:30:00Z"),
                      ("ada", "2026-11-23T09:00:00Z"), ("grace", "2026-11-23T15:00:00Z")]:  # fmt: skip
        at = datetime.fromisoformat(utc)
        clock.at(at.replace(minute=at.minute - 1) if at.minute else at.replace(hour=at.hour - 1, minute=59))
        scheduler.run_due()
        assert dm_counts(slack, users) == expected, f"someone was prompted before {name}'s 10:00"
        clock.at(at)
        scheduler.run_due()
        expected[name] = 1
        assert dm_counts(slack, users) == expected
        assert "week of 23 Nov" in str(members[name].prompt()["blocks"])  # one retro week for the whole team
    clock.at("2026-11-24T12:00:00Z")
    scheduler.run_due()
    assert dm_counts(slack, users) == {name: 1 for name in ZONES}
    # time zones looked up again after a day, not every minute; and each member's status once, as their prompt went out
    assert len(slack.calls("users.info")) == len(users) * 2 + len(users)


def test_a_member_whose_zone_is_unknown_gets_the_team_zone(engine, slack, users, clock, start):
    slack.fail("users.info", "user_not_found")  # the first lookup fails
    make_team(engine, users, "Europe/Berlin", reminder_hours=0, per_member_tz=True)
    start()
    clock.at(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))  # 10:00 in Berlin
    start().run_due()
    assert dm_counts(slack, users)["ada"] == 1
