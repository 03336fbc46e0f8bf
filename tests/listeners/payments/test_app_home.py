"""The App Home tab end to end: ``app_home_opened`` and answers publish it (views.publish), its buttons
open the log modal or, for managers, the setup modal and the digest, with every role re-checked.

Cast: five members of Payments (ada … ken), grace manages Payments, olga is a workspace admin in no
team, zed is in no team and manages nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from bot.blocks.home import HOME_LOG, HOME_POST, HOME_PREVIEW, HOME_SETUP
from bot.schedule_spec import local_week, parse_tz
from bot.services import prompts, teams
from bot.services.usage_import import import_usage_csv
from bot.standin.inbound import app_home_opened_event, view_block_actions_payload
from storage.engine import session_scope
from storage.models import Cycle, Delivery, Digest, Moment, Person, Team
from storage.queries import teams as tq
from storage.weeks import week_days
from tests.blockkit_limits import view_problems
from tests.conftest import CHANNEL, action_ids, block_texts, close_week, drain, write_csv
from tests.listeners.payments import ADA, GOOD, GRACE, KEN, LINUS

MANAGER_BUTTONS = {HOME_SETUP, HOME_PREVIEW, HOME_POST}


def _mine(user_id: str):
    return lambda call: call.args.get("user_id") == user_id


def publishes(slack, user_id: str) -> int:
    return len([c for c in slack.calls("views.publish") if _mine(user_id)(c)])


def republished(slack, user_id: str, before: int) -> dict:
    """Wait for the app's next views.publish for ``user_id`` after ``before`` of them; the Home it shows."""
    slack.wait_for("views.publish", before + 1, where=_mine(user_id))
    slack.wait_idle()
    return slack.home(user_id)


def text_of(view: dict) -> str:
    return block_texts(view["blocks"])


def buttons(view: dict) -> set[str]:
    found = set(action_ids(view["blocks"]))
    return found | {b["accessory"]["action_id"] for b in view["blocks"] if "action_id" in b.get("accessory", {})}


def crafted_click(sender, slack, user_id: str, action_id: str, value: str):
    """``user_id`` sends a block_actions payload for a button their Home does not have."""
    view = slack.home(user_id)
    button = {"action_id": action_id, "block_id": "crafted", "value": value, "type": "button"}
    return sender.interaction(view_block_actions_payload(user_id, button, view))


def _team(engine, name: str = "Payments") -> Team:
    with Session(engine) as session:
        return session.exec(select(Team).where(Team.name == name)).one()


def _answer(engine, user_id: str) -> str:
    with Session(engine) as session:
        person = session.exec(select(Person).where(Person.slack_user_id == user_id)).one()
        return session.exec(select(Delivery).where(Delivery.person_id == person.id)).one().answer


# -- opening the tab ----------------------------------------------------------------------------------


def test_opening_home_publishes_next_prompt_pending_status_and_a_log_button(slack, members, prompted):
    home = members["ada"].open_home()
    call = slack.calls("views.publish")[-1]
    assert call.args["user_id"] == ADA and call.args["view"]["type"] == "home"
    text = text_of(home)
    assert "Payments" in text
    assert "Next prompt: Mon" in text and "10:00 (Europe/Berlin)" in text
    assert "pending, not answered yet" in text
    assert HOME_LOG in buttons(home)
    assert "Log where AI helped" in text
    assert view_problems(home) == []


def test_before_the_prompt_the_week_is_not_asked_yet(members, team):
    assert "not asked yet" in text_of(members["ada"].open_home())


def test_the_messages_tab_publishes_nothing(app, sender, slack, team):
    assert sender.event(app_home_opened_event(ADA, tab="messages")).status == 200
    drain(app)
    assert slack.calls("views.publish") == []


def test_someone_in_no_team_sees_a_welcome(members, team):
    home = members["zed"].open_home()
    text = text_of(home)
    assert "Welcome to AI Retro" in text and "/airetro setup" in text and "not in a team yet" in text
    assert buttons(home) == set()
    assert "Payments" not in text


def test_the_next_prompt_is_in_the_members_own_zone_when_the_team_uses_them(engine, members, team):
    teams.change_schedule(engine, "Payments", teams.ScheduleChange(per_member_tz=True))
    with session_scope(engine) as session:
        tq.set_person_tz(session, tq.get_person(session, ADA).id, "America/New_York", datetime.now(UTC))
    assert "10:00 (America/New_York)" in text_of(members["ada"].open_home())
    assert "10:00 (Europe/Berlin)" in text_of(members["grace"].open_home())  # tz not known yet: the team's


def test_paused_prompts_and_a_paused_team_say_so_instead_of_a_time(engine, members, team):
    with session_scope(engine) as session:
        tq.get_person(session, ADA).prompts_paused = True
    text = text_of(members["ada"].open_home())
    assert "Your prompts are paused" in text and "Next prompt" not in text
    teams.change_schedule(engine, "Payments", teams.ScheduleChange(paused=True))
    assert "The team is paused" in text_of(members["grace"].open_home())


# -- it refreshes after every answer -------------------------------------------------------------------


def test_didnt_help_on_the_prompt_republishes_home(engine, slack, members, prompted):
    ada = members["ada"]
    assert "pending" in text_of(ada.open_home())
    before = publishes(slack, ADA)
    ada.didnt_help()
    home = republished(slack, ADA, before)
    assert "you said AI didn't help" in text_of(home)
    assert "pending" not in text_of(home)


def test_logging_a_moment_through_the_prompt_modal_republishes_home(slack, members, prompted):
    ada = members["ada"]
    ada.open_home()
    before = publishes(slack, ADA)
    ada.log_moment(**GOOD)
    home = republished(slack, ADA, before)
    assert "you logged 1 moment." in text_of(home)
    assert "Log another" in text_of(home)


def test_a_failing_publish_never_loses_the_answer(engine, slack, members, prompted):
    slack.fail("views.publish", "internal_error")
    members["linus"].didnt_help()
    slack.wait_for("views.publish", where=_mine(LINUS))
    assert _answer(engine, LINUS) == "didnt_help"
    assert "AI didn't help you this week" in block_texts(members["linus"].prompt()["blocks"])


def test_the_log_button_opens_the_modal_and_the_moment_counts_for_that_team(engine, app, slack, members, team):
    ada = members["ada"]
    ada.open_home()
    ada.click_home(HOME_LOG)
    slack.wait_for("views.open")
    view = slack.last_opened_view()
    assert view["callback_id"] == "log_moment_modal"
    before = publishes(slack, ADA)
    assert ada.submit(view, GOOD).body == ""
    home = republished(slack, ADA, before)
    with Session(engine) as session:
        moment = session.exec(select(Moment)).one()
        delivery = session.get(Delivery, moment.delivery_id)
        cycle = session.get(Cycle, delivery.cycle_id)
    assert moment.what == GOOD["what"] and delivery.answer == "helped"
    assert cycle.team_id == team.id and cycle.week == local_week(datetime.now(UTC), parse_tz(team.tz))
    assert "you logged 1 moment." in text_of(home)


def test_a_crafted_log_button_for_another_team_does_nothing(engine, app, sender, slack, members, team):
    ops = teams.create_team(
        engine, teams.team_spec("Ops", "C0OPS0001", [KEN, "U0OPS0002", "U0OPS0003"], "UTC", "mon 10:00", "fri 16:00")
    )
    members["ada"].open_home()
    assert crafted_click(sender, slack, ADA, HOME_LOG, str(ops.id)).status == 200
    assert crafted_click(sender, slack, ADA, HOME_LOG, "not-a-number").status == 200
    drain(app)
    assert slack.calls("views.open") == []


# -- managers -----------------------------------------------------------------------------------------


def test_managers_and_admins_see_the_manager_buttons_members_do_not(members, team):
    assert MANAGER_BUTTONS <= buttons(members["grace"].open_home())
    assert not MANAGER_BUTTONS & buttons(members["ada"].open_home())
    admin = members["olga"].open_home()  # a workspace admin in no team: every team, to manage
    assert MANAGER_BUTTONS <= buttons(admin) and "Payments" in text_of(admin)
    post = next(e for b in admin["blocks"] for e in b.get("elements", []) if e.get("action_id") == HOME_POST)
    assert post["confirm"]["title"]["text"] == "Post the digest now?"


@pytest.mark.parametrize("who", ["ada", "zed"])
def test_crafted_manager_buttons_from_a_member_or_outsider_change_nothing(
    engine, app, sender, slack, members, prompted, who
):
    user_id = members[who].user_id
    members[who].open_home()
    posts_before = len(slack.calls("chat.postMessage"))
    for action in (HOME_POST, HOME_PREVIEW, HOME_SETUP):
        assert crafted_click(sender, slack, user_id, action, str(_team(engine).id)).status == 200
    drain(app)
    assert len(slack.calls("chat.postMessage")) == posts_before, "no digest posted"
    assert slack.calls("views.open") == [], "no preview, no setup modal"
    with Session(engine) as session:
        assert session.exec(select(Digest)).all() == []
    assert "Only that team's managers or a workspace admin" in text_of(slack.home(user_id))


def test_preview_opens_a_modal_with_this_weeks_digest_only_for_the_manager(slack, members, prompted):
    members["ada"].didnt_help()
    grace = members["grace"]
    grace.open_home()
    posts_before = len(slack.calls("chat.postMessage"))
    grace.click_home(HOME_PREVIEW)
    slack.wait_for("views.open")
    view = slack.last_opened_view()
    assert view["type"] == "modal" and view["title"]["text"] == "Digest preview"
    text = text_of(view)
    assert "Weekly AI retro: Payments" in text and "only you see this" in text
    assert view_problems(view) == []
    assert len(slack.calls("chat.postMessage")) == posts_before, "a preview posts nothing"


def test_post_digest_now_posts_once_and_the_home_says_so(engine, slack, members, prompted):
    grace = members["grace"]
    grace.open_home()
    before = publishes(slack, GRACE)
    grace.click_home(HOME_POST)
    home = republished(slack, GRACE, before)
    assert "Posted the digest of the week of 23 Nov for *Payments*" in text_of(home)
    assert [c.args["channel"] for c in slack.calls("chat.postMessage")].count(CHANNEL) == 1
    grace.click_home(HOME_POST)
    home = republished(slack, GRACE, before + 1)
    assert "was already posted" in text_of(home)
    assert [c.args["channel"] for c in slack.calls("chat.postMessage")].count(CHANNEL) == 1


def test_post_digest_when_the_bot_is_not_in_the_channel_says_so(engine, slack, members, prompted):
    grace = members["grace"]
    grace.open_home()
    before = publishes(slack, GRACE)
    slack.fail("chat.postMessage", "not_in_channel")
    grace.click_home(HOME_POST)
    text = text_of(republished(slack, GRACE, before))
    assert "not_in_channel" in text and "Invite the bot" in text and "nothing was posted" in text
    with Session(engine) as session:
        assert session.exec(select(Digest).where(Digest.state == "posted")).all() == []


def test_set_up_opens_the_setup_modal_for_managers(slack, members, team):
    grace = members["grace"]
    grace.open_home()
    grace.click_home(HOME_SETUP)
    slack.wait_for("views.open")
    view = slack.last_opened_view()
    assert view["type"] == "modal" and "Payments" in str(view)


# -- privacy ------------------------------------------------------------------------------------------


def test_home_shows_only_the_viewers_own_tokens_and_answers(engine, app, slack, members, users, team, tmp_path):
    monday, _ = week_days(local_week(datetime.now(UTC), parse_tz(team.tz)))
    ada, grace = users[0], users[1]
    rows = [(ada.email, monday.isoformat(), "claude-sonnet-4-5", 1_000_000, 200_000, "7.00")]
    rows += [(grace.email, monday.isoformat(), "gpt-5", 3_000_000, 400_000, "19.00")]
    emails = {ada.email: ada.id, grace.email: grace.id}
    import_usage_csv(engine, write_csv(tmp_path / "u.csv", rows), emails.get)
    prompts.send_prompts(engine, app.client, team)
    members["grace"].log_moment(**{**GOOD, "what": "Grace's secret refactor of the ledger"})

    adas = text_of(members["ada"].open_home())
    assert "1.2M tokens, ~$7.00, mostly claude-sonnet-4-5" in adas
    assert "3.4M" not in adas and "$19.00" not in adas and "gpt-5" not in adas
    assert "secret refactor" not in adas
    graces = text_of(members["grace"].open_home())
    assert "3.4M tokens, ~$19.00, mostly gpt-5" in graces
    assert "1.2M" not in graces and "$7.00" not in graces and "secret refactor" not in graces


def test_a_team_below_the_minimum_respondents_is_withheld(engine, slack, members, prompted, team):
    members["ada"].didnt_help()  # 1 respondent, the team needs 3
    close_week(engine, team)
    text = text_of(members["linus"].open_home())
    assert "Payments: last 4 weeks" in text
    assert "figures withheld (fewer than 3 respondents)" in text


def test_many_teams_and_long_answers_stay_within_block_kit_limits(engine, app, slack, members, users, team):
    long_what = "<b>" * 1000  # 3,000 characters that grow when escaped
    for i in range(15):
        spec = teams.team_spec(
            f"Team {i:02d} " + "n" * 150, f"C0MANY{i:03d}", [ADA, GRACE, LINUS], "UTC", "mon 00:00", "fri 16:00", 3
        )
        many = teams.create_team(engine, spec)
        with session_scope(engine) as session:
            tq.set_team_managers(session, many.id, [ADA])
        prompts.send_prompts(engine, app.client, many)
    with session_scope(engine) as session:
        for delivery in session.exec(select(Delivery)):
            session.add(Moment(delivery_id=delivery.id, view_id=f"V{delivery.id}", what=long_what, outcome="tests",
                               time_saved="gt8h", quality="better", counterfactual="no", tool="other",
                               sharing="named", created_at=datetime.now(UTC)))  # fmt: skip
            delivery.answer = "helped"
    home = members["ada"].open_home()
    assert view_problems(home) == []
    text = text_of(home)
    assert "…and 6 more teams not listed here" in text  # 16 teams, 10 listed
    assert "more teams not shown" in text
    assert "<b>" not in text and "&lt;b&gt;" not in text, "nobody's free text is on the Home"
