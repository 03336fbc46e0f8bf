"""``/airetro privacy`` and ``/airetro primary`` end to end: signed slash commands in, ephemeral replies out
(through the command's response_url on the stand-in), checked by what the caller reads and what is stored.

Cast: Payments (ada, grace, linus, margaret, ken; grace manages it), Search (mia, ada, olga; minimum 4
respondents), created after Payments, so ada counts in Payments until she chooses otherwise. Risk (grace,
linus, margaret) is a team ada is not in. zed is in no team.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from bot.schedule_spec import local_week, parse_tz
from bot.services import prompts, teams
from bot.services.identities import map_key
from bot.services.primary import NotAMember, set_primary
from bot.services.teams import UnknownTeam
from bot.services.usage_import import import_rows, import_usage_csv
from bot.standin.web_api import FakeUser, users_from
from bot.usage.rows import ActivityRow, UsageRow
from storage.engine import session_scope
from storage.models import Cycle, Delivery, Person, Team
from storage.queries import teams as tq
from storage.weeks import week_days
from tests.conftest import CHANNEL, NAMES, block_texts, write_csv
from tests.listeners.payments import GOOD as MOMENT


@pytest.fixture(autouse=True)
def _midweek(midweek) -> None:
    """Answers are taken only while their retro week is open: every test here runs midweek (see ``midweek``)."""


ADA, GRACE, LINUS, MARGARET, KEN, OLGA, ZED, MIA = (f"U0USER{i:03d}" for i in range(1, 9))
SEARCH_CHANNEL = "C0SEARCH01"


@pytest.fixture
def users() -> list[FakeUser]:
    return users_from([*NAMES, "olga", "zed", "mia"])


@pytest.fixture
def team(engine, users):
    def spec(name: str, channel: str, members: list[str], minimum: int = 3) -> teams.TeamSpec:
        return teams.team_spec(name, channel, members, "Europe/Berlin", "mon 10:00", "fri 16:00", minimum)

    payments = teams.create_team(engine, spec("Payments", CHANNEL, [u.id for u in users[:5]]))
    teams.create_team(engine, spec("Search", SEARCH_CHANNEL, [MIA, ADA, OLGA], minimum=4))
    teams.create_team(engine, spec("Risk", "C0RISK0001", [GRACE, LINUS, MARGARET]))
    with session_scope(engine) as session:
        tq.set_team_managers(session, payments.id, [GRACE])
    return payments


def ask(sender, slack, user_id: str, text: str, channel_id: str = "D0DM00001") -> dict:
    """Type ``/airetro text``; return the ephemeral reply (ack body, or what arrived at the response_url)."""
    before = len(slack.responses())
    response = sender.slash_command(user_id, text, channel_id=channel_id)
    assert response.status == 200
    reply = response.json() if response.body else slack.wait_for_responses(before + 1)[before]
    assert reply.get("response_type") == "ephemeral", reply
    assert "Traceback" not in str(reply)
    return reply


def shown(reply: dict) -> str:
    """What the caller reads: the blocks when there are any, else the text."""
    return block_texts(reply["blocks"]) if reply.get("blocks") else reply.get("text", "")


def _team(engine, name: str) -> Team:
    with Session(engine) as session:
        return session.exec(select(Team).where(Team.name == name)).one()


def _primary_team_id(engine, user_id: str) -> int | None:
    with Session(engine) as session:
        return session.exec(select(Person.primary_team_id).where(Person.slack_user_id == user_id)).one()


def _counted(engine, name: str) -> set[str]:
    with session_scope(engine) as session:
        return {p.slack_user_id for p in tq.counted_members(session, _team(engine, name).id)}


@pytest.fixture
def a_week_of_data(engine, app, team, users, members, tmp_path):
    """Payments prompted this week; ada logged two moments, grace said AI didn't help. Usage: ada one day
    this week, grace one day this week and one the week before. A usage key mapped to ada, and Claude Code
    activity of ada."""
    ada, grace = users[0], users[1]
    prompts.send_prompts(engine, app.client, team)
    members["ada"].log_moment(**MOMENT)
    members["ada"].log_moment(**{**MOMENT, "outcome": "bug", "sharing": "anonymous"})
    members["grace"].didnt_help()
    monday = week_days(local_week(datetime.now(UTC), parse_tz(team.tz)))[0]
    rows = [
        (ada.email, monday.isoformat(), "claude-sonnet-4-5", 100_000, 5_000, "1.25"),
        (grace.email, monday.isoformat(), "claude-sonnet-4-5", 100_000, 5_000, "1.25"),
        (grace.email, (monday - timedelta(days=7)).isoformat(), "claude-sonnet-4-5", 100_000, 5_000, "1.25"),
    ]
    emails = {u.email: u.id for u in users}
    import_usage_csv(engine, write_csv(tmp_path / "usage.csv", rows), emails.get)
    import_rows(engine, "litellm", [UsageRow("ada-laptop-key", monday, "gpt-4.1", "[0]", 10, 5, requests=1)])
    map_key(engine, "ada-laptop-key", ada.id)
    import_rows(engine, "claude_code", [ActivityRow(ada.email, monday, "data[0]", sessions=3, commits=2)],
                lookup_email=emails.get)  # fmt: skip
    return team


# -- /airetro privacy ------------------------------------------------------------------------------------------


def test_privacy_tells_a_member_who_sees_what_and_counts_what_is_held(sender, slack, a_week_of_data):
    text = shown(ask(sender, slack, ADA, "privacy"))
    # who sees what
    assert "Who sees what about you" in text
    assert "Your answers and the moments you log" in text and "with your name or anonymously" in text
    assert "`/airetro me`, on your App Home and in `/airetro export`" in text
    assert "only of closed weeks" in text and "never change after" in text and "An open week shows no figures" in text
    assert "Never over fewer than 3 people (*Payments*'s minimum respondents, never below 3)" in text
    assert "Tokens, dollars and provider activity only when at least 3 members have such data" in text
    assert '"volume without value" share only when at least 3 people are on each side' in text
    assert "Anonymous highlights only when at least 3 people logged a moment" in text
    # the one team she counts in, and how to change it
    assert "Exactly one team a week: *Payments*, your primary team" in text
    assert "You're also in *Search*; its figures don't include you" in text
    assert "`/airetro primary Search`" in text
    # what is held, counted the way forget-me counts it, singular and plural
    for line in (
        "1 week of prompts and your answers",
        "2 moments you logged",
        "1 weekly token summary",
        "2 usage records",  # one imported by e-mail, one under a usage key mapped to her
        "1 provider activity record",
        "1 identity mapping",
        "2 team memberships",
        "your profile",
    ):
        assert line in text, line
    assert "manager role" not in text, "kinds of which nothing is held are left out"
    assert "`/airetro export`: a copy of all of it" in text and "`/airetro forget-me`: delete all of it" in text


def test_privacy_counts_agree_with_forget_me(engine, sender, slack, a_week_of_data):
    grace = shown(ask(sender, slack, GRACE, "privacy"))
    for line in (
        "1 week of prompts and your answers",
        "2 weekly token summaries",
        "2 usage records",
        "2 team memberships",
        "1 manager role",
    ):
        assert line in grace, line
    assert "moment" not in grace.split("What AI Retro holds about you")[1].split("Your data")[0]
    assert "Exactly one team a week: *Payments*" in grace and "`/airetro primary Risk`" in grace

    before = len(slack.calls("views.open"))
    sender.slash_command(GRACE, "forget-me")
    slack.wait_for("views.open", before + 1)
    slack.wait_idle()
    confirmation = block_texts(slack.last_opened_view()["blocks"])
    for kind in ("1 week of prompts", "2 weekly token summaries", "2 usage records", "2 team memberships"):
        assert kind in confirmation, kind


def test_privacy_for_a_single_team_member_with_nothing_but_a_membership(sender, slack, team):
    text = shown(ask(sender, slack, KEN, "privacy"))
    assert "Exactly one team a week: *Payments*, your only team." in text
    assert "/airetro primary" not in text
    assert "1 team membership" in text and "1 team memberships" not in text
    assert "week of prompts" not in text and "usage record" not in text


def test_privacy_says_plainly_when_nothing_is_held(sender, slack, team):
    text = shown(ask(sender, slack, ZED, "privacy"))
    assert "Nothing. AI Retro holds nothing about you" in text
    assert "you're not in a team, so no team's figures include you" in text
    assert "Never over fewer than 3 people: with fewer answers" in text
    assert "/airetro forget-me" not in text, "nothing to delete, so no pointer to deleting it"


def test_privacy_and_help_are_for_the_caller_only_and_listed(sender, slack, team):
    assert "/airetro privacy" in shown(ask(sender, slack, KEN, "help"))
    assert "/airetro primary [team]" in shown(ask(sender, slack, KEN, "help"))
    assert "takes no arguments" in ask(sender, slack, KEN, "privacy of grace")["text"]
    assert slack.channel_messages(CHANNEL) == []


# -- /airetro primary ------------------------------------------------------------------------------------------


def test_primary_without_a_team_says_where_the_caller_counts(sender, slack, team):
    ada = shown(ask(sender, slack, ADA, "primary"))
    assert "You count in *Payments*, your primary team" in ada
    assert "*Search*: `/airetro primary Search`" in ada
    assert "You count in *Payments*, your only team, so there is nothing to choose." in shown(
        ask(sender, slack, KEN, "primary")
    )
    assert "You're not in a team yet" in shown(ask(sender, slack, ZED, "primary"))


def test_switching_primary_counts_from_next_week_and_leaves_this_weeks_answer(
    engine, app, sender, slack, members, team
):
    now = datetime.now(UTC)
    this_week = local_week(now, parse_tz(team.tz))
    prompts.send_prompts(engine, app.client, team, now)
    members["ada"].log_moment(**MOMENT)
    assert ADA in _counted(engine, "Payments") and ADA not in _counted(engine, "Search")

    reply = shown(ask(sender, slack, ADA, "primary <#C0SEARCH01|search>"))
    assert "Done: from next week on you count in *Search* and get your weekly prompt from it, not from *Payments*" in (
        reply
    )
    assert "This week's answer stays where it is" in reply
    search, payments = _team(engine, "Search"), _team(engine, "Payments")
    assert _primary_team_id(engine, ADA) == search.id
    assert ADA in _counted(engine, "Search") and ADA not in _counted(engine, "Payments")

    # this week: her answer stays in Payments' week, and Search does not ask her again
    assert ADA in prompts.send_prompts(engine, app.client, search, now).already
    with Session(engine) as session:
        delivery = session.exec(
            select(Delivery).join(Person, Person.id == Delivery.person_id).where(Person.slack_user_id == ADA)
        ).one()
        assert session.get(Cycle, delivery.cycle_id).team_id == payments.id
        assert delivery.week == this_week and delivery.answer == "helped"

    # next week: Search asks her, Payments does not
    next_week = now + timedelta(days=7)
    assert ADA in prompts.send_prompts(engine, app.client, search, next_week).sent
    report = prompts.send_prompts(engine, app.client, payments, next_week)
    assert ADA not in report.sent + report.already and len(report.sent) == 4

    assert "You already count in *Search*; nothing changed." in shown(ask(sender, slack, ADA, "primary search"))
    text = shown(ask(sender, slack, ADA, "privacy"))
    assert "Exactly one team a week: *Search*, your primary team" in text
    assert "`/airetro primary Payments`" in text
    assert "Never over fewer than 4 people (*Search*'s minimum respondents, never below 3)" in text
    assert "at least 4 people logged a moment" in text


def test_primary_refuses_a_team_the_caller_is_not_in(engine, sender, slack, team):
    ada = shown(ask(sender, slack, ADA, "primary Risk"))
    assert "You're not in *Risk*, so it can't be your primary team." in ada
    assert "You can choose one of your teams: *Payments*, *Search*." in ada
    ken = shown(ask(sender, slack, KEN, "primary Search"))
    assert "You're not in *Search*" in ken and "You count in *Payments*, your only team" in ken
    assert "You're not in a team yet" in shown(ask(sender, slack, ZED, "primary Payments"))
    assert "There is no team named *Atlantis*" in shown(ask(sender, slack, ADA, "primary Atlantis"))
    assert "takes a team, not a person" in ask(sender, slack, ADA, "primary <@U0USER002|grace>")["text"]
    assert _primary_team_id(engine, ADA) is None and _primary_team_id(engine, KEN) is None
    assert ADA in _counted(engine, "Payments")


def test_choosing_the_only_team_changes_nothing_to_choose(engine, sender, slack, team):
    reply = shown(ask(sender, slack, KEN, "primary Payments"))
    assert reply == "You count in *Payments*, your only team, so there is nothing to choose."
    assert KEN in _counted(engine, "Payments")


# -- set_primary, as the CLI calls it ------------------------------------------------------------------------


def test_set_primary_for_someone_else_by_team_name(engine, team):
    change = set_primary(engine, ADA, "search")
    assert (change.team, change.previous, change.changed, change.only_team) == ("Search", "Payments", True, False)
    assert _primary_team_id(engine, ADA) == _team(engine, "Search").id
    assert set_primary(engine, ADA, "Search").changed is False
    back = set_primary(engine, ADA, _team(engine, "Payments"))
    assert back.changed and back.previous == "Search" and ADA in _counted(engine, "Payments")


def test_set_primary_raises_a_clear_error_for_a_non_member_or_an_unknown_team(engine, team):
    with pytest.raises(NotAMember, match=r"U0USER005 is not a member of 'Search'.*their teams: 'Payments'"):
        set_primary(engine, KEN, "Search")
    with pytest.raises(NotAMember, match="their teams: none"):
        set_primary(engine, ZED, "Search")
    with pytest.raises(UnknownTeam):
        set_primary(engine, ADA, "Atlantis")
    assert _primary_team_id(engine, KEN) is None
