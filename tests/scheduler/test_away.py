"""Away is not silent: whoever is away when the prompt (or its reminder) goes out gets neither, and the week counts
them as away (a number, never a name), out of the response rate. Through the real scheduler on a frozen clock,
with the members' commands and answers sent as Slack signs them."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlmodel import Session, select

from bot.standin.web_api import users_from
from bot.vocabulary import AWAY, AWAY_COMMAND, AWAY_HOLIDAY, AWAY_STATUS, HELPED
from storage.models import Delivery, Person, Team
from storage.queries.published import published_figures
from tests.conftest import CHANNEL
from tests.scheduler.conftest import dm_counts, make_team, reminders

NAMES = ["ada", "grace", "linus", "margaret", "ken", "barbara", "edsger", "alan"]


@pytest.fixture
def users():
    return users_from(NAMES)


def _unix(when: str) -> int:
    return int(datetime.fromisoformat(when).timestamp())


def _away_reasons(engine, week: str) -> dict[str, str | None]:
    with Session(engine) as session:
        rows = session.exec(
            select(Person.display_name, Person.slack_user_id, Delivery.away_reason)
            .join(Delivery, Delivery.person_id == Person.id)
            .where(Delivery.week == week, Delivery.answer == AWAY)
        ).all()
    return {user_id: reason for _name, user_id, reason in rows}


def _published(engine, week: str) -> dict:
    with Session(engine) as session:
        team = session.exec(select(Team)).one()
        return published_figures(session, team.id, [week])[week]


def _set_holidays(engine, code: str) -> None:
    with Session(engine) as session:
        team = session.exec(select(Team)).one()
        team.holidays = code
        session.add(team)
        session.commit()


def test_away_by_command_and_by_status_get_no_prompt_no_reminder_and_count_as_away(
    engine, slack, users, members, clock, start
):
    ids = {u.name: u.id for u in users}
    make_team(engine, users, "Europe/Berlin", reminder_hours=24)
    scheduler = start()
    clock.at("2026-11-22T18:00:00Z")  # Sunday evening
    assert members["ada"].command("away until 2026-11-25").status == 200
    assert "25 Nov" in slack.wait_for_responses(1)[-1]["text"]
    slack.set_status(ids["grace"], "Vacationing", ":palm_tree:")  # no expiration: away until she clears it
    slack.set_status(ids["linus"], "Out sick", ":face_with_thermometer:", _unix("2026-11-24T18:00:00+00:00"))
    slack.set_status(ids["margaret"], "OOO", ":palm_tree:", _unix("2026-11-22T20:00:00+00:00"))  # expires Sunday
    slack.set_status(ids["ken"], "Happy holidays!", ":christmas_tree:")  # a greeting, not leave

    clock.at("2026-11-23T09:00:00Z")  # Monday 10:00 in Berlin
    scheduler.run_due()
    prompted = {name for name, n in dm_counts(slack, users).items() if n}
    assert prompted == {"margaret", "ken", "barbara", "edsger", "alan"}
    assert _away_reasons(engine, "2026-W48") == {
        ids["ada"]: AWAY_COMMAND,
        ids["grace"]: AWAY_STATUS,
        ids["linus"]: AWAY_STATUS,
    }

    members["margaret"].log_moment(what="Drafted the migration", outcome="feature", time_saved="1h_2h")
    members["ken"].didnt_help()
    members["barbara"].log_moment(what="Wrote the fixture builders", outcome="tests", time_saved="30m_1h")
    slack.set_status(ids["edsger"], "On annual leave", ":airplane_departure:")  # goes away after his prompt

    clock.at("2026-11-24T09:00:00Z")  # the reminder, 24 h later: alan only
    scheduler.run_due()
    clock.at("2026-11-24T09:05:00Z")
    scheduler.run_due()
    assert {name for name, n in reminders(slack, users).items() if n} == {"alan"}
    assert _away_reasons(engine, "2026-W48")[ids["edsger"]] == AWAY_STATUS

    clock.at("2026-11-27T15:00:00Z")  # Friday 16:00: the digest
    scheduler.run_due()
    posts = slack.channel_messages(CHANNEL)
    assert len(posts) == 1
    digest = str(posts[0])
    assert "4 members were away" in digest and "3 of 4 answered (75%)" in digest
    for name in ("ada", "grace", "linus", "edsger"):  # a count, never who
        assert ids[name] not in digest and not re.search(rf"\b{name}\b", digest, re.IGNORECASE)
    figures = _published(engine, "2026-W48")
    assert (figures["away"], figures["prompted"], figures["responded"]) == (4, 4, 3)
    assert dm_counts(slack, users) == {n: int(n in prompted) for n in NAMES}  # nobody prompted late


@pytest.mark.sqlite_only("the same answer path as any log")
def test_a_status_away_person_who_logs_anyway_counts_as_a_respondent(engine, slack, users, members, clock, start):
    ids = {u.name: u.id for u in users}
    make_team(engine, users, "Europe/Berlin", reminder_hours=24)
    scheduler = start()
    slack.set_status(ids["grace"], "on vacation")
    clock.at("2026-11-23T09:00:00Z")
    scheduler.run_due()
    assert dm_counts(slack, users)["grace"] == 0
    opened = slack.opened_count()
    assert members["grace"].command("log").status == 200  # the form opens all the same
    view = slack.opened_view(opened)
    published = len(slack.calls("views.publish"))
    response = members["grace"].submit(view, {"what": "Paired on the release notes", "outcome": "docs",
                                              "time_saved": "30m_1h"})  # fmt: skip
    assert response.status == 200 and not response.body
    slack.wait_for("views.publish", published + 1)  # her Home shows the moment: it is stored
    with Session(engine) as session:
        delivery = session.exec(select(Delivery).join(Person).where(Person.slack_user_id == ids["grace"])).one()
        assert (delivery.answer, delivery.state) == (HELPED, "away")  # never prompted, answered all the same


@pytest.mark.sqlite_only("when prompts go out: no SQL of its own")
def test_a_prompt_day_that_is_a_public_holiday_moves_to_the_next_working_day(engine, slack, users, clock, start):
    make_team(engine, users, "Europe/London", reminder_hours=24)
    _set_holidays(engine, "GB")
    scheduler = start()
    clock.at("2026-12-28T10:00:00Z")  # Monday 28 Dec: the Boxing Day holiday (substitute day) in the UK
    scheduler.run_due()
    clock.at("2026-12-28T20:00:00Z")
    scheduler.run_due()
    assert sum(dm_counts(slack, users).values()) == 0
    clock.at("2026-12-29T09:59:00Z")
    scheduler.run_due()
    assert sum(dm_counts(slack, users).values()) == 0
    clock.at("2026-12-29T10:00:00Z")  # Tuesday 10:00: the first working day after
    scheduler.run_due()
    assert dm_counts(slack, users) == {n: 1 for n in NAMES}
    clock.at("2026-12-30T09:59:00Z")
    scheduler.run_due()
    assert sum(reminders(slack, users).values()) == 0
    clock.at("2026-12-30T10:00:00Z")  # the reminder 24 h after the prompt that went out
    scheduler.run_due()
    assert reminders(slack, users) == {n: 1 for n in NAMES}


def test_a_week_with_no_working_day_before_its_digest_prompts_nobody_and_counts_everyone_away(
    engine, slack, users, clock, start
):
    make_team(engine, users, "Europe/London", prompt="fri 10:00", digest="fri 16:00", reminder_hours=2)
    _set_holidays(engine, "GB")
    scheduler = start()
    clock.at("2026-12-25T10:00:00Z")  # Christmas Day, a Friday; the week closes at 16:00 the same day
    scheduler.run_due()
    for at in ("2026-12-25T12:00:00Z", "2026-12-25T16:00:00Z", "2026-12-26T10:00:00Z", "2026-12-28T10:00:00Z"):
        clock.at(at)
        scheduler.run_due()
    assert sum(dm_counts(slack, users).values()) == 0
    assert sum(reminders(slack, users).values()) == 0
    assert slack.channel_messages(CHANNEL) == []  # nobody was asked: no digest to post
    assert set(_away_reasons(engine, "2026-W52").values()) == {AWAY_HOLIDAY}
    assert len(_away_reasons(engine, "2026-W52")) == len(NAMES)
    figures = _published(engine, "2026-W52")
    assert (figures["away"], figures["prompted"], figures["responded"]) == (len(NAMES), 0, 0)
    clock.at("2027-01-01T10:00:00Z")  # New Year's Day, a Friday too: a holiday week again
    scheduler.run_due()
    clock.at("2027-01-08T10:00:00Z")  # an ordinary Friday: everyone is prompted
    scheduler.run_due()
    assert dm_counts(slack, users) == {n: 1 for n in NAMES}
