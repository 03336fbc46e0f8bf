"""Changing one's mind while the week is open (issue 15, point 1), end to end through signed requests: a logged
moment edited and deleted from the DM and from Home, a skip turned into a moment, last week answered until its
digest is posted, a retried or stale edit that changes nothing, someone else's moment refused."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.blocks.home import HOME_MOMENTS
from bot.blocks.prompt import DELETE_MOMENT, DIDNT_HELP, EDIT_MOMENT, LOG_MOMENT, SKIP_WEEK
from bot.services import prompts, teams
from bot.standin.inbound import block_actions_payload, view_block_actions_payload
from storage.models import Delivery, Moment, Person
from tests.conftest import action_ids, block_texts, close_week, drain
from tests.listeners.payments import ADA, GOOD, LINUS

EDITED = {**GOOD, "what": "Claude Code found the rounding bug", "outcome": "bug", "quality": None, "tool": None}


def moments(engine, user_id: str | None = None) -> list[Moment]:
    with Session(engine) as session:
        query = select(Moment).order_by(Moment.id)
        if user_id is not None:
            query = query.join(Delivery).join(Person).where(Person.slack_user_id == user_id)
        return list(session.exec(query))


def answer_of(engine, user_id: str, week: str | None = None) -> str:
    with Session(engine) as session:
        query = select(Delivery.answer).join(Person).where(Person.slack_user_id == user_id)
        if week is not None:
            query = query.where(Delivery.week == week)
        return session.exec(query).one()


def button(blocks: list[dict], action_id: str, value: str) -> dict:
    """The button ``action_id`` carrying ``value`` (a moment's id) in ``blocks``, with its block_id."""
    for block in blocks:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id and element.get("value") == value:
                return {**element, "block_id": block["block_id"]}
    raise LookupError(f"no {action_id} button for {value}")


def click_moment(member, slack, action_id: str, moment_id: int, *, as_user: str | None = None):
    """Click a moment's button in the member's prompt DM (``as_user``: someone else sends the click)."""
    message = member.prompt()
    payload = block_actions_payload(
        as_user or member.user_id,
        button(message["blocks"], action_id, str(moment_id)),
        message,
        member.dm,
        response_url=slack.response_url(f"actions/{moment_id}"),
    )
    return member.sender.interaction(payload)


def click_in_modal(member, view: dict, action_id: str, moment_id: int):
    payload = view_block_actions_payload(member.user_id, button(view["blocks"], action_id, str(moment_id)), view)
    return member.sender.interaction(payload)


def submit_and_wait(member, slack, view: dict, answers: dict) -> None:
    before = len(slack.calls("chat.update"))
    response = member.submit(view, answers)
    assert response.status == 200 and response.body == "", response.body
    slack.wait_for("chat.update", before + 1)


def ephemerals(slack) -> list[str]:
    return [r.get("text", "") for r in slack.responses()]


# -- edit and delete from the DM ---------------------------------------------------------------------------------


def test_edit_a_moment_from_the_dm_opens_it_filled_in_and_saves_the_change(engine, slack, members, prompted):
    ada = members["ada"]
    ada.log_moment(**GOOD)
    [moment] = moments(engine)
    dm = ada.prompt()
    assert action_ids(dm["blocks"]) == [EDIT_MOMENT, DELETE_MOMENT, LOG_MOMENT]

    opened = slack.opened_count()
    assert click_moment(ada, slack, EDIT_MOMENT, moment.id).status == 200
    form = slack.opened_view(opened)
    blocks = {b["block_id"]: b["element"] for b in form["blocks"]}
    assert blocks["what"]["initial_value"] == GOOD["what"]
    assert blocks["outcome"]["initial_option"]["value"] == "tests"
    assert blocks["quality"]["initial_option"]["value"] == "better"
    assert f'"moment": {moment.id}' in form["private_metadata"]

    submit_and_wait(ada, slack, form, EDITED)
    [edited] = moments(engine)
    assert edited.id == moment.id, "the same moment, changed: not a second one"
    assert (edited.what, edited.outcome, edited.quality, edited.tool) == (EDITED["what"], "bug", "not_said", "not_said")
    assert answer_of(engine, ADA) == "helped"
    text = block_texts(ada.prompt()["blocks"])
    assert "You logged 1 moment this week" in text and "Fixed a bug: Claude Code found the rounding bug" in text


def test_a_retried_edit_changes_nothing_and_a_stale_form_does_not_undo_a_later_edit(engine, slack, members, prompted):
    ada = members["ada"]
    ada.log_moment(**GOOD)
    [moment] = moments(engine)
    opened = slack.opened_count()
    click_moment(ada, slack, EDIT_MOMENT, moment.id)
    first = slack.opened_view(opened)
    click_moment(ada, slack, EDIT_MOMENT, moment.id)  # a second window, opened on the same moment
    second = slack.opened_view(opened + 1)

    submit_and_wait(ada, slack, first, EDITED)
    drain_updates = len(slack.calls("chat.update"))
    retried = ada.submit(first, EDITED)  # Slack delivers the same submission again
    assert retried.status == 200 and retried.body == ""
    assert len(moments(engine)) == 1
    assert moments(engine)[0].what == EDITED["what"]

    stale = ada.submit(second, {**GOOD, "what": "An older idea of it"})
    assert stale.json()["response_action"] == "errors"
    assert "changed in another window" in stale.json()["errors"]["what"]
    [kept] = moments(engine)
    assert (kept.what, kept.outcome) == (EDITED["what"], "bug")
    slack.wait_idle()
    assert len(slack.calls("chat.update")) == drain_updates, "nothing changed, so nothing was re-rendered"


def test_delete_asks_first_and_the_last_one_gone_leaves_the_week_unanswered(engine, slack, members, prompted):
    ada = members["ada"]
    ada.log_moment(**GOOD)
    ada.log_moment(**{**GOOD, "what": "Explained the ledger code", "outcome": "learn"})
    first, second = moments(engine)
    delete = button(ada.prompt()["blocks"], DELETE_MOMENT, str(first.id))
    assert delete["confirm"]["title"]["text"] == "Delete this moment?"
    assert delete["confirm"]["confirm"]["text"] == "Delete" and delete["confirm"]["deny"]["text"] == "Keep it"

    before = len(slack.calls("chat.update"))
    click_moment(ada, slack, DELETE_MOMENT, first.id)
    slack.wait_for("chat.update", before + 1)
    assert [m.id for m in moments(engine)] == [second.id]
    assert "You logged 1 moment this week" in block_texts(ada.prompt()["blocks"])
    assert answer_of(engine, ADA) == "helped"

    click_moment(ada, slack, DELETE_MOMENT, second.id)
    slack.wait_for("chat.update", before + 2)
    assert moments(engine) == []
    assert answer_of(engine, ADA) == "pending", "no moment left: not answered, rather than 'helped' with nothing"
    assert action_ids(ada.prompt()["blocks"]) == [LOG_MOMENT, DIDNT_HELP, SKIP_WEEK]


def test_someone_elses_moment_can_be_neither_edited_nor_deleted(engine, app, slack, members, prompted):
    ada, linus = members["ada"], members["linus"]
    ada.log_moment(**GOOD)
    [moment] = moments(engine)
    opened = slack.opened_count()
    for action in (EDIT_MOMENT, DELETE_MOMENT):
        assert click_moment(ada, slack, action, moment.id, as_user=LINUS).status == 200  # a crafted click
    slack.wait_for_responses(2)
    assert slack.opened_count() == opened, "no form opened for linus"
    assert moments(engine)[0].what == GOOD["what"]
    assert sum("isn't one of your own moments" in text for text in ephemerals(slack)) == 2

    click_moment(ada, slack, EDIT_MOMENT, moment.id)
    form = slack.opened_view(opened)
    refused = linus.submit(form, EDITED)  # linus submits a form naming ada's moment
    assert refused.json()["response_action"] == "errors"
    assert "isn't one of your own moments" in refused.json()["errors"]["what"]
    assert moments(engine)[0].what == GOOD["what"]


# -- a one-click answer changed ---------------------------------------------------------------------------------


def test_a_skip_can_become_didnt_help_and_then_a_moment(engine, slack, members, prompted):
    grace = members["grace"]
    grace.skip()
    dm = grace.prompt()
    assert action_ids(dm["blocks"]) == [LOG_MOMENT, DIDNT_HELP]
    assert "Log where AI helped" in block_texts(dm["blocks"])

    grace.didnt_help()
    assert answer_of(engine, grace.user_id) == "didnt_help"
    assert action_ids(grace.prompt()["blocks"]) == [LOG_MOMENT, SKIP_WEEK]

    grace.log_moment(**{**GOOD, "quality": None, "counterfactual": None, "tool": None})
    assert answer_of(engine, grace.user_id) == "helped"
    [moment] = moments(engine)
    assert (moment.quality, moment.counterfactual, moment.tool, moment.sharing) == (
        "not_said", "not_said", "not_said", "private"
    )  # fmt: skip


# -- from Home --------------------------------------------------------------------------------------------------


def test_edit_and_delete_from_home(engine, slack, members, prompted):
    ada = members["ada"]
    ada.log_moment(**GOOD)
    ada.log_moment(**{**GOOD, "what": "Explained the ledger code", "outcome": "learn"})
    first, second = moments(engine)
    slack.wait_for("views.publish", 2, where=lambda c: c.args.get("user_id") == ADA)  # after each moment
    home = ada.open_home()
    assert "you logged 2 moments" in block_texts(home["blocks"])

    opened = slack.opened_count()
    assert ada.click_home(HOME_MOMENTS).status == 200
    listed = slack.opened_view(opened)
    assert listed["title"]["text"] == "Your moments"
    assert "Wrote tests: Claude Code wrote the migration tests" in block_texts(listed["blocks"])
    assert action_ids(listed["blocks"]).count(EDIT_MOMENT) == 2

    pushes = len(slack.calls("views.push"))
    click_in_modal(ada, listed, EDIT_MOMENT, first.id)
    [push] = slack.wait_for("views.push", pushes + 1)[pushes:]
    form = push.args["view"]
    form = {**form, "id": "V0EDITFORM1"}  # as Slack shows the pushed form
    assert form["blocks"][0]["element"]["initial_value"] == GOOD["what"]

    updates = len(slack.calls("views.update"))
    submit_and_wait(ada, slack, form, EDITED)
    assert [m.what for m in moments(engine)] == [EDITED["what"], "Explained the ledger code"]
    [update] = slack.wait_for("views.update", updates + 1)[updates:]
    assert update.args["view_id"] == listed["id"], "the list it was opened from shows the change"
    assert "Fixed a bug: Claude Code found the rounding bug" in block_texts(update.args["view"]["blocks"])

    refreshed = slack.view(listed["id"])
    click_in_modal(ada, refreshed, DELETE_MOMENT, second.id)
    slack.wait_for("views.update", updates + 2)
    assert [m.id for m in moments(engine)] == [first.id]
    slack.wait_idle()
    after = slack.view(listed["id"])
    assert "Deleted." in block_texts(after["blocks"]) and "ledger" not in block_texts(after["blocks"])
    assert "you logged 1 moment." in block_texts(slack.home(ADA)["blocks"])


def test_a_crafted_home_list_for_another_team_shows_nothing(engine, app, slack, members, prompted, team):
    zed = members["zed"]  # in no team
    opened = slack.opened_count()
    payload = view_block_actions_payload(
        zed.user_id,
        {"action_id": HOME_MOMENTS, "block_id": f"home_moments_{team.id}", "value": str(team.id), "type": "button"},
        {"id": "V0HOMEZED01", "type": "home", "blocks": []},
    )
    assert zed.sender.interaction(payload).status == 200
    drain(app)
    assert slack.opened_count() == opened


# -- last week, until its digest is posted -----------------------------------------------------------------------


def test_last_week_can_be_answered_until_its_digest_is_posted(engine, app, slack, members, users, midweek):
    """A team prompting on Friday with its digest on Monday: on Monday morning last week is still open."""
    midweek.move_to("2026-11-27T09:00:00Z")  # Friday of 2026-W48, 10:00 in Berlin: the prompt goes out
    people = [u.id for u in users[:5]]
    spec = teams.team_spec("Late", "C0LATE0001", people, "Europe/Berlin", "fri 10:00", "mon 12:00", 3)
    late = teams.create_team(engine, spec)
    assert prompts.send_prompts(engine, app.client, late).week == "2026-W48"
    ada, ken = members["ada"], members["ken"]

    midweek.move_to("2026-11-30T08:00:00Z")  # Monday of 2026-W49, 09:00 in Berlin: the digest is at 12:00
    ada.log_moment(**GOOD)
    assert answer_of(engine, ADA, "2026-W48") == "helped"
    [moment] = moments(engine)
    ken.skip()
    opened = slack.opened_count()
    click_moment(ada, slack, EDIT_MOMENT, moment.id)
    still_open_form = slack.opened_view(opened)

    close_week(engine, late, "2026-W48")  # the digest is posted: the week is closed
    responses = len(slack.responses())
    ken.sender.click(ken.user_id, ken.prompt(), ken.dm, LOG_MOMENT)
    ken.sender.click(ken.user_id, ken.prompt(), ken.dm, DIDNT_HELP)
    click_moment(ada, slack, EDIT_MOMENT, moment.id)
    click_moment(ada, slack, DELETE_MOMENT, moment.id)
    told = slack.wait_for_responses(responses + 4)[responses:]
    assert all("The retro for the week of 23 Nov is closed" in r["text"] for r in told), told
    assert all(r["response_type"] == "ephemeral" and r["replace_original"] is False for r in told)
    assert answer_of(engine, ken.user_id, "2026-W48") == "skipped"
    assert len(moments(engine)) == 1

    refused = ada.submit(still_open_form, EDITED)  # a form opened before the digest, sent after
    assert refused.json()["response_action"] == "errors"
    assert "is closed: its digest is out" in refused.json()["errors"]["what"]
    assert moments(engine)[0].what == GOOD["what"]
    assert slack.opened_count() == opened + 1, "no form opened for a closed week"


def test_a_choice_left_out_is_not_said_and_not_counted_as_any_answer(engine, slack, members, prompted, team):
    for name in ("ada", "grace", "linus"):
        members[name].log_moment(**{**GOOD, "quality": None, "counterfactual": None, "tool": None})
    members["ken"].log_moment(**{**GOOD, "quality": "same", "counterfactual": "no"})
    figures = close_week(engine, team)
    assert figures.moments == 4
    assert figures.quality == {"same": 1}, "'not said' is not 'about the same'"
    assert (figures.would_not_have_happened, figures.would_have_happened_later) == (1, 0)
