"""/airetro subcommands end to end: signed slash commands in, ephemeral replies out (through the
command's response_url on the stand-in), with the caller's role checked on the server every time.

Cast: five members of Payments (ada … ken), grace manages Payments, olga is a workspace admin in no
team, zed is in no team and manages nothing, mia manages another team (Search).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from bot.schedule_spec import local_week, parse_tz
from bot.services import prompts, teams
from bot.services.usage_import import import_usage_csv
from bot.standin.inbound import state_values
from bot.standin.web_api import FakeUser, users_from
from storage.engine import session_scope
from storage.models import Delivery, Digest, Moment, Person, Team
from storage.queries import teams as tq
from storage.weeks import week_days
from tests.conftest import CHANNEL, NAMES, block_texts, close_week, drain, write_csv
from tests.listeners.payments import ADA, GOOD, GRACE, KEN, LINUS, MARGARET, OLGA, ZED

MIA = "U0USER008"  # manages Search


@pytest.fixture
def users() -> list[FakeUser]:
    everyone = users_from([*NAMES, "olga", "zed", "mia"])
    everyone[5] = dataclasses.replace(everyone[5], is_admin=True)
    return everyone


@pytest.fixture
def team(engine, users):
    spec = teams.team_spec("Payments", CHANNEL, [u.id for u in users[:5]], "Europe/Berlin", "mon 10:00", "fri 16:00", 3)
    created = teams.create_team(engine, spec)
    search = teams.create_team(
        engine,
        teams.team_spec(
            "Search", "C0SEARCH01", [MIA, "U0SEARCH1", "U0SEARCH2"], "Europe/Berlin", "mon 10:00", "fri 16:00", 3
        ),
    )
    with session_scope(engine) as session:
        tq.set_team_managers(session, created.id, [GRACE])
        tq.set_team_managers(session, search.id, [MIA])
    return created


def ask(sender, slack, user_id: str, text: str, channel_id: str = "D0DM00001") -> dict:
    """Type ``/airetro text``; return the ephemeral reply (ack body, or what arrived at the response_url)."""
    before = len(slack.responses())
    response = sender.slash_command(user_id, text, channel_id=channel_id)
    assert response.status == 200
    if response.body:
        reply = response.json()
    else:
        reply = slack.wait_for_responses(before + 1)[before]
    assert reply.get("response_type") == "ephemeral", reply
    assert "Traceback" not in str(reply)
    return reply


def shown(reply: dict) -> str:
    return reply.get("text", "") + "\n" + block_texts(reply.get("blocks", []))


def _person(engine, user_id: str) -> Person:
    with Session(engine) as session:
        return session.exec(select(Person).where(Person.slack_user_id == user_id)).one()


def _team(engine) -> Team:
    with Session(engine) as session:
        return session.exec(select(Team).where(Team.name == "Payments")).one()


# -- help and bad text ------------------------------------------------------------------------------


def test_help_lists_what_the_caller_may_use(sender, slack, team):
    member = shown(ask(sender, slack, ADA, "help"))
    assert "value, not volume" in member
    assert "/airetro me" in member and "/airetro summary" in member and "/airetro forget-me" in member
    assert "/airetro setup" not in member and "/airetro digest" not in member and "pause team" not in member
    for manager in (GRACE, OLGA):
        text = shown(ask(sender, slack, manager, ""))
        assert "/airetro setup" in text and "/airetro digest [preview|post]" in text
    admin = shown(ask(sender, slack, OLGA, "help"))
    assert "/airetro setup new" in admin
    assert "/airetro log" not in admin, "olga is in no team: there is nothing for her to log to"
    assert "/airetro log" in shown(ask(sender, slack, GRACE, "help")), "grace manages Payments and is in it"
    assert "/airetro setup new" not in shown(ask(sender, slack, GRACE, "help")), "only admins create teams"
    outsider = shown(ask(sender, slack, ZED, "help"))
    assert "/airetro summary" not in outsider and "/airetro log" not in outsider and "/airetro digest" not in outsider
    assert "/airetro me" in outsider and "You're not in a team yet" in outsider


@pytest.mark.parametrize(
    "text",
    ["frobnicate", "summary Payments 99", "summary <@U0USER002|grace>", "me lots", "export all", "pause forever"],
)
def test_bad_text_gets_an_ephemeral_usage_hint_at_once(sender, slack, team, text):
    reply = ask(sender, slack, ADA, text)
    assert "Try `/airetro help`" in reply["text"] and "`summary`" in reply["text"]
    assert slack.responses() == [], "the hint is the ack itself, nothing follows"


def test_a_slack_error_is_a_friendly_reply_not_silence(sender, slack, team):
    slack.fail("views.open", "expired_trigger_id")
    reply = ask(sender, slack, ADA, "log")
    assert "something went wrong" in reply["text"]


# -- log ---------------------------------------------------------------------------------------------


def test_log_opens_the_modal_now_and_the_moment_counts_for_this_week(engine, app, sender, slack, team):
    sender.slash_command(ADA, "log")
    slack.wait_for("views.open")
    view = slack.last_opened_view()
    assert view["callback_id"] == "log_moment_modal"
    assert sender.submit(ADA, view, state_values(view, GOOD)).body == ""
    drain(app)
    with Session(engine) as session:
        moment = session.exec(select(Moment)).one()
        delivery = session.get(Delivery, moment.delivery_id)
    assert moment.what == GOOD["what"] and delivery.answer == "helped" and delivery.state == "direct"
    # ada has answered this week: the weekly prompt skips her, everyone else gets it
    report = prompts.send_prompts(engine, app.client, team)
    assert ADA in report.already and len(report.sent) == 4


def test_log_says_the_week_is_closed_before_any_form_is_filled(engine, sender, slack, team):
    close_week(engine, team)  # the digest is out
    reply = ask(sender, slack, ADA, "log")
    assert "is closed" in reply["text"] and "see you in the next one" in reply["text"]
    assert slack.calls("views.open") == [], "no form to fill in only to be refused on Save"


def test_log_is_for_members_only(engine, app, sender, slack, team):
    assert "not a member of a team" in ask(sender, slack, ZED, "log")["text"]
    assert "not a member of a team" in ask(sender, slack, OLGA, "log")["text"]  # an admin, but in no team
    assert slack.calls("views.open") == []


def test_a_crafted_log_submission_for_someone_elses_team_stores_nothing(engine, app, sender, slack, team):
    sender.slash_command(ADA, "log")
    slack.wait_for("views.open")
    view = slack.last_opened_view()
    response = sender.submit(ZED, view, state_values(view, GOOD))  # zed replays ada's modal
    assert response.json()["response_action"] == "errors"
    drain(app)
    with Session(engine) as session:
        assert session.exec(select(Moment)).all() == []


# -- me ------------------------------------------------------------------------------------------------


def test_me_shows_the_callers_own_weeks_and_tokens_only(engine, app, sender, slack, members, team, users, tmp_path):
    monday, _ = week_days(local_week(datetime.now(UTC), parse_tz("Europe/Berlin")))
    rows = [
        (users[0].email, monday.isoformat(), "claude-sonnet-4-5", 1_000_000, 200_000, "12.00"),
        (users[1].email, monday.isoformat(), "gpt-4.1", 7_000_000, 700_000, "77.00"),
    ]
    emails = {u.email: u.id for u in users}
    import_usage_csv(engine, write_csv(tmp_path / "u.csv", rows), emails.get)
    prompts.send_prompts(engine, app.client, team)
    members["ada"].log_moment(**GOOD)
    members["grace"].didnt_help()

    mine = shown(ask(sender, slack, ADA, "me"))
    assert "*Payments*\nWeek of 23 Nov: 1 moment, 1.5 h saved · 1.2M tokens, ~$12.00" in mine, "grouped by team"
    assert (
        "Last 8 weeks: 1 moment logged, 1.5 h saved; your usage 1.2M tokens, ~$12.00, mostly claude-sonnet-4-5" in mine
    )
    assert mine.count("claude-sonnet-4-5") == 2, "the model once in the text and once in the blocks, not on each row"
    assert "Only you see this" in mine
    assert "7.7M" not in mine and "$77" not in mine and "gpt-4.1" not in mine
    grace = shown(ask(sender, slack, GRACE, "me 2"))
    assert "AI didn't help" in grace and "7.7M tokens" in grace and "1.2M" not in grace
    assert "Your last 2 weeks" in grace
    assert "Nothing recorded about you" in shown(ask(sender, slack, ZED, "me"))


# -- summary ---------------------------------------------------------------------------------------------


@pytest.fixture
def answered_week(engine, app, members, team):
    prompts.send_prompts(engine, app.client, team)
    members["ada"].log_moment(**GOOD)
    members["linus"].log_moment(**{**GOOD, "outcome": "bug", "time_saved": "2h_4h"})
    members["ken"].didnt_help()
    return team


@pytest.fixture
def closed_week(engine, answered_week):
    close_week(engine, answered_week)  # as posting the digest does
    return answered_week


def test_a_week_still_open_shows_how_many_answered_and_no_figures(sender, slack, answered_week):
    reply = shown(ask(sender, slack, MARGARET, "summary"))
    assert "Week of 23 Nov (still open): So far 3 of 5 people answered." in reply
    assert "Moments logged" not in reply and "4.5 h" not in reply and "fixed a bug" not in reply


@pytest.mark.parametrize(
    "text", ["summary", "summary <#C0TEAM001|payments>", "summary #payments", "summary payments 2", "summary C0TEAM001"]
)
def test_summary_names_the_team_any_way_slack_sends_it(sender, slack, closed_week, text):
    reply = shown(ask(sender, slack, MARGARET, text))
    assert "AI retro summary: Payments" in reply
    assert "Moments logged: 2 (1 × fixed a bug, 1 × wrote tests)." in reply
    assert "4.5 h" in reply


def test_summary_is_withheld_below_the_minimum_respondents(engine, app, sender, slack, members, team):
    prompts.send_prompts(engine, app.client, team)
    members["ada"].log_moment(**GOOD)
    members["ken"].didnt_help()
    close_week(engine, team)
    reply = shown(ask(sender, slack, MARGARET, "summary"))
    assert "no figures are shown" in reply and "Moments logged" not in reply
    assert "figures withheld (fewer than 3 respondents)" in reply


def test_summary_refuses_outsiders_and_unknown_teams(sender, slack, closed_week):
    refused = shown(ask(sender, slack, ZED, "summary Payments"))
    assert "not yours to see" in refused and "Moments" not in refused
    assert "no team named *Atlantis*" in shown(ask(sender, slack, ADA, "summary Atlantis"))
    assert "No team posts its digest in <#C0NOWHERE1>" in shown(ask(sender, slack, ADA, "summary <#C0NOWHERE1|x>"))
    assert "Moments logged" in shown(ask(sender, slack, OLGA, "summary Payments")), "admins may read aggregates"


# -- digest ------------------------------------------------------------------------------------------------


def test_digest_preview_is_for_the_manager_only_and_posts_nothing(sender, slack, answered_week):
    reply = shown(ask(sender, slack, GRACE, "digest preview"))
    assert "Preview: only you see this" in reply and "Weekly AI retro: Payments, week of 23 Nov (still open)" in reply
    assert "So far 3 of 5 people answered." in reply and "Fri 27 Nov, 16:00" in reply
    assert "moments logged" not in reply.lower() and "4.5 h" not in reply, "an open week shows no figures"
    assert slack.channel_messages(CHANNEL) == []


def test_digest_post_posts_once(engine, sender, slack, answered_week):
    assert "Posted the" in shown(ask(sender, slack, GRACE, "digest post Payments"))
    assert "already posted" in shown(ask(sender, slack, OLGA, "digest post Payments"))
    posted = slack.channel_messages(CHANNEL)
    assert len(posted) == 1 and "Weekly AI retro: Payments" in block_texts(posted[0]["blocks"])
    with Session(engine) as session:
        assert session.exec(select(Digest)).one().state == "posted"


def test_digest_post_to_a_channel_the_bot_is_not_in_says_so_and_can_be_retried(engine, sender, slack, answered_week):
    slack.fail("chat.postMessage", "not_in_channel")
    assert "Invite the bot" in shown(ask(sender, slack, GRACE, "digest post"))
    assert "Posted the" in shown(ask(sender, slack, GRACE, "digest post"))


@pytest.mark.parametrize("who", [ADA, ZED, MIA], ids=["member", "outsider", "manager-of-another-team"])
@pytest.mark.parametrize("text", ["digest preview Payments", "digest post Payments", "pause team Payments"])
def test_manager_only_commands_refuse_members_and_outsiders(engine, sender, slack, answered_week, who, text):
    reply = shown(ask(sender, slack, who, text))
    assert "Only Payments's managers or a workspace admin" in reply
    assert slack.channel_messages(CHANNEL) == []
    assert _team(engine).paused is False
    with Session(engine) as session:
        assert session.exec(select(Digest)).all() == []


def test_without_a_team_a_member_is_told_what_to_type(sender, slack, team):
    assert "You're not in a team yet" in shown(ask(sender, slack, ZED, "summary"))
    outsider = shown(ask(sender, slack, ZED, "digest preview"))
    assert "Digest previews are for a team's managers, and you're not in a team yet" in outsider
    assert "You don't manage a team" not in outsider


@pytest.mark.parametrize("text", ["digest preview", "digest", "digest post", "digest preview Payments"])
def test_a_member_asking_for_a_digest_preview_is_told_who_can_and_what_to_do_instead(sender, slack, team, text):
    reply = shown(ask(sender, slack, ADA, text))
    assert "You don't manage a team" not in reply and "A workspace admin can set one up" not in reply
    assert "Only Payments's managers or a workspace admin can preview or post its digest" in reply
    assert "it is posted in <#C0TEAM001> when the week closes" in reply
    assert "`/airetro summary Payments` shows the team's figures for the weeks already closed" in reply
    assert slack.channel_messages(CHANNEL) == []


def test_a_member_of_several_teams_is_told_the_same_without_a_guess(engine, sender, slack, team):
    teams.create_team(
        engine,
        teams.team_spec("Apps", "C0APPS0001", [ADA, "U0APPS001", "U0APPS002"], "UTC", "mon 10:00", "fri 16:00", 3),
    )
    reply = shown(ask(sender, slack, ADA, "digest preview"))
    assert "Digest previews are for a team's managers; you're a member of *Apps*, *Payments*" in reply
    assert "`/airetro summary <team>`" in reply


# -- pause / resume ------------------------------------------------------------------------------------------


def test_pause_and_resume_my_own_prompts(engine, app, sender, slack, team):
    assert "Paused" in shown(ask(sender, slack, LINUS, "pause"))
    assert _person(engine, LINUS).prompts_paused is True
    assert "already paused" in shown(ask(sender, slack, LINUS, "pause"))
    report = prompts.send_prompts(engine, app.client, team)
    assert LINUS not in report.sent and len(report.sent) == 4
    assert "Welcome back" in shown(ask(sender, slack, LINUS, "resume"))
    assert _person(engine, LINUS).prompts_paused is False
    assert "not in a team" in shown(ask(sender, slack, ZED, "pause"))


def test_a_manager_pauses_the_team_and_its_jobs_go(engine, sender, slack, team):
    from bot.scheduler.process import job_store, reschedule

    def payments_jobs() -> set[str]:
        with job_store(engine) as scheduler:
            return {job.id.split(":")[0] for job in scheduler.get_jobs() if job.args == (team.id,)}

    reschedule(engine)
    assert payments_jobs() == {"prompt", "reminder", "digest"}
    assert "Paused *Payments*" in shown(ask(sender, slack, GRACE, "pause team"))
    assert _team(engine).paused is True
    assert payments_jobs() == set()
    assert "running again" in shown(ask(sender, slack, OLGA, "resume team Payments"))
    assert payments_jobs() == {"prompt", "reminder", "digest"}


def test_the_weekly_loop_still_holds_after_pausing_a_member_mid_week(engine, app, sender, slack, members, team):
    prompts.send_prompts(engine, app.client, team)
    ask(sender, slack, KEN, "pause")
    members["ken"].skip()  # an answer to a prompt already sent is still taken
    with Session(engine) as session:
        assert session.exec(select(Delivery).where(Delivery.answer == "skipped")).one()
