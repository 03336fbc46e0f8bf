"""Never silent after a click: when a Slack call fails after the ack (``views.open``, ``chat.update``) or a
handler fails just after acking, the person who acted is told in the surface they used, in plain words that
say whether anything was saved, and Slack still gets its HTTP 200 (never a 404 from a lost ack, never a 500).

Surfaces: a message button or a slash command answers through the ``response_url`` (an ephemeral message);
a Home tab button by DM (``chat.postMessage`` to the user); a view submission with inline errors while the
modal is open, by DM once it has closed.
"""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from bot.blocks.home import HOME_LOG, HOME_PREVIEW, HOME_SETUP
from bot.blocks.prompt import DIDNT_HELP, LOG_MOMENT, SKIP_WEEK
from bot.standin.inbound import block_actions_payload, find_button, slash_command_fields
from storage.models import Delivery, Moment, Person
from tests.listeners.payments import ADA, GOOD, GRACE, LINUS


def dm_to(slack, user_id: str, containing: str, timeout: float = 5.0) -> str:
    """The text of the app's DM to ``user_id`` that contains ``containing`` (waits for it)."""

    def match(call) -> bool:
        return call.args.get("channel") == user_id and containing in call.args.get("text", "")

    return slack.wait_for("chat.postMessage", 1, timeout, where=match)[-1].args["text"]


def ephemeral(slack, count: int = 1) -> dict:
    """The ``count``-th body the app posted to a response_url (an ephemeral reply)."""
    body = slack.wait_for_responses(count)[count - 1]
    assert body.get("response_type") == "ephemeral", body
    assert body.get("replace_original") in (False, None), "the person's message is never replaced by an error"
    return body


def _answer(engine, user_id: str) -> str:
    with Session(engine) as session:
        person = session.exec(select(Person).where(Person.slack_user_id == user_id)).one()
        return session.exec(select(Delivery).where(Delivery.person_id == person.id)).one().answer


def _moments(engine) -> list[Moment]:
    with Session(engine) as session:
        return list(session.exec(select(Moment)))


def timed(send):
    started = time.monotonic()
    response = send()
    return response, time.monotonic() - started


# -- a Slack call fails after the ack -------------------------------------------------------------------


def test_dm_log_button_whose_form_cannot_open_says_so_in_the_dm_thread(slack, members, prompted):
    slack.fail("views.open", "internal_error")
    response = members["ada"].click(LOG_MOMENT)
    assert response.status == 200
    reply = ephemeral(slack)
    assert "couldn't open the form" in reply["text"] and "nothing was saved" in reply["text"].lower()
    assert "/airetro log" in reply["text"], "says what the person can do"


def test_home_log_button_whose_form_cannot_open_says_so_by_dm(slack, members, prompted):
    ada = members["ada"]
    ada.open_home()
    slack.fail("views.open", "internal_error")
    assert ada.click_home(HOME_LOG).status == 200
    said = dm_to(slack, ADA, "couldn't open the form")
    assert "nothing was saved" in said.lower()
    assert any("couldn't open the form" in m["text"] for m in slack.channel_messages(slack.dm_channel(ADA)))


def test_home_preview_that_cannot_open_says_so_by_dm(slack, members, prompted):
    grace = members["grace"]
    grace.open_home()
    slack.fail("views.open", "internal_error")
    assert grace.click_home(HOME_PREVIEW).status == 200
    said = dm_to(slack, GRACE, "couldn't open the digest preview")
    assert "Nothing was posted" in said and "/airetro digest preview" in said


def test_home_setup_that_cannot_open_says_so_by_dm(slack, members, prompted):
    grace = members["grace"]
    grace.open_home()
    slack.fail("views.open", "internal_error")
    assert grace.click_home(HOME_SETUP).status == 200
    said = dm_to(slack, GRACE, "couldn't open the setup form")
    assert "nothing was changed" in said.lower()


@pytest.mark.parametrize(("action", "answer"), [(DIDNT_HELP, "didnt_help"), (SKIP_WEEK, "skipped")])
def test_a_one_click_answer_whose_message_cannot_update_says_it_is_saved(
    engine, slack, members, prompted, action, answer
):
    slack.fail("chat.update", "internal_error")
    response = members["linus"].click(action)
    assert response.status == 200
    reply = ephemeral(slack)
    assert "Your answer is saved, but I couldn't update the message" in reply["text"]
    assert _answer(engine, LINUS) == answer


def test_a_submitted_moment_whose_message_cannot_update_says_it_is_saved_by_dm(engine, slack, members, prompted):
    ada = members["ada"]
    view = ada.open_log_modal()
    slack.fail("chat.update", "internal_error")
    response = ada.submit(view, GOOD)
    assert response.status == 200 and response.body == ""  # the modal closes: the moment is stored
    said = dm_to(slack, ADA, "is saved, but I couldn't update")
    assert "moment" in said
    assert [m.what for m in _moments(engine)] == [GOOD["what"]]


def test_slash_log_whose_form_cannot_open_says_so_ephemerally(slack, members, prompted):
    slack.fail("views.open", "internal_error")
    response = members["ada"].command("log")
    assert response.status == 200
    reply = ephemeral(slack)
    assert "couldn't open the form" in reply["text"] and "nothing was saved" in reply["text"].lower()


# -- a handler fails just after acking --------------------------------------------------------------------


def test_a_click_whose_handler_fails_right_after_the_ack_still_gets_200_and_a_reply(
    engine, slack, sender, members, prompted
):
    """The database loses a table the handler reads right after acking: Bolt must not turn the ack into a 404."""
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE moments"))
    linus = members["linus"]
    response, took = timed(lambda: linus.click(DIDNT_HELP))
    assert response.status == 200 and took < 2.5
    reply = ephemeral(slack)
    assert "nothing was saved" in reply["text"].lower() or "can't tell whether" in reply["text"]
    assert _answer(engine, LINUS) == "pending"


def test_a_malformed_click_is_acked_200_at_once_and_the_person_is_told(slack, sender, members, prompted):
    """A block_actions payload with no ``user.id`` (Slack never sends one): 200 at once, one reply, no 404."""
    ada = members["ada"]
    message = ada.prompt()
    payload = block_actions_payload(ADA, find_button(message, DIDNT_HELP), message, ada.dm, slack.response_url("x"))
    payload["user"] = {"name": "ada"}
    response, took = timed(lambda: sender.interaction(payload))
    assert response.status == 200 and took < 2.5
    reply = ephemeral(slack)
    assert "nothing was" in reply["text"].lower()


def test_a_submission_whose_handler_fails_before_the_ack_keeps_the_modal_open_with_an_inline_error(
    engine, slack, members, prompted
):
    ada = members["ada"]
    view = ada.open_log_modal()
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE deliveries"))
    response, took = timed(lambda: ada.submit(view, GOOD))
    assert response.status == 200 and took < 2.5
    body = response.json()
    assert body["response_action"] == "errors"
    assert any("nothing was saved" in message.lower() for message in body["errors"].values())


def test_a_slash_command_that_fails_after_the_ack_replies_ephemerally(engine, slack, sender, members, prompted):
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE token_summaries"))
    fields = slash_command_fields(ADA, "me", slack.dm_channel(ADA), response_url=slack.response_url("me"))
    from urllib.parse import urlencode

    response, took = timed(lambda: sender.post(urlencode(fields)))
    assert response.status == 200 and took < 2.5
    reply = ephemeral(slack)
    assert "Sorry" in reply["text"] and "try again" in reply["text"]


def test_unhandled_payloads_get_200_not_404(slack, sender, members, prompted):
    """An action id or callback id the app does not know (an old message, a link button): 200, nothing done."""
    ada = members["ada"]
    message = ada.prompt()
    button = {**find_button(message, DIDNT_HELP), "action_id": "no_such_button"}
    assert sender.interaction(block_actions_payload(ADA, button, message, ada.dm)).status == 200
    assert (
        sender.post(
            json.dumps({"type": "event_callback", "event": {"type": "reaction_added"}}), "application/json"
        ).status
        == 200
    )


def test_a_command_whose_text_says_payload_is_still_a_command(slack, members, prompted):
    """Bolt reads any form body holding the text "payload" as an interactivity payload; the command still counts."""
    response = members["ada"].command("summary payload-team")
    assert response.status == 200
    reply = ephemeral(slack)
    assert "payload-team" in reply["text"]


# -- the network fails, not Slack's answer --------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        lambda slack: slack.server_error("views.open", 500),
        lambda slack: slack.server_error("views.open", 503, processed=False),
        lambda slack: slack.drop_connection("views.open", processed=False),
    ],
    ids=["500", "503", "dropped"],
)
def test_a_form_that_cannot_open_for_network_reasons_is_still_said(slack, members, prompted, fault):
    fault(slack)
    assert members["ada"].click(LOG_MOMENT).status == 200
    reply = ephemeral(slack)
    assert "couldn't open the form" in reply["text"] and "/airetro log" in reply["text"]


def test_a_dropped_connection_on_an_update_is_retried_because_an_update_is_safe_to_repeat(
    engine, slack, members, prompted
):
    linus = members["linus"]
    slack.drop_connection("chat.update", processed=True)  # updated, but the answer never came
    assert linus.click(DIDNT_HELP).status == 200
    slack.wait_for("chat.update", 2)
    slack.wait_idle()
    assert _answer(engine, LINUS) == "didnt_help"
    assert "didn't help" in json.dumps(linus.prompt()["blocks"]).lower()
    assert slack.responses() == [], "nothing went wrong that the person needs to hear about"
