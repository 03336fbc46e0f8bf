"""A logged moment's Edit and Delete buttons: in the prompt DM, and in the "your moments" modal opened from Home.

Each acks first. The moment comes from the button's value, and the person behind the click is checked against
its author on the server (a crafted id for someone else's moment changes nothing). A week that has closed is
told kindly, where the click was: an ephemeral message in the DM, a line on top of the modal.
"""

from __future__ import annotations

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.listeners.guard import Failure
from bot.parse_input import actor, button_id, field, stored_id, trigger_id
from bot.services import answers
from bot.services.answers import Refused

FORM_NOT_OPENED = "Sorry, I couldn't open your moment to edit it, so nothing was changed. Please try again in a minute."
NOT_DELETED = "Sorry, I couldn't delete that moment, so it is still there. Please try again in a minute."
DELETED = "Deleted."


def _moment_id(body: dict) -> int:
    return button_id(body, "a moment button's moment")


def in_view(body: dict) -> bool:
    """True for a click inside a modal (the "your moments" list), False for one in the DM."""
    return field(body, "container", "type", optional=True) == "view"


def _list_team(body: dict) -> int:
    return stored_id(field(body, "view", "private_metadata"), "the moments list's team")


def say(body: dict, client: WebClient, context: BoltContext, text: str) -> None:
    """``text`` for the clicker, where they clicked: on top of the moments list, or ephemeral in the DM."""
    user_id = actor(body)
    if in_view(body):
        view = answers.moments_view(context["engine"], user_id, _list_team(body), notice=text)
        if view is not None:
            client.views_update(view_id=field(body, "view", "id"), view=view)
        return
    tell(context, client, user_id, text)


def tell(context: BoltContext, client: WebClient, user_id: str, text: str) -> None:
    """An ephemeral message under the clicked DM message (its response_url); a DM where there is none."""
    if context.response_url:
        context.respond(text=text, response_type="ephemeral", replace_original=False)
    else:
        client.chat_postMessage(channel=user_id, text=text)


def edit_clicked(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    moment_id, user_id, trigger = _moment_id(body), actor(body), trigger_id(body)
    engine = context["engine"]
    try:
        if in_view(body):
            view = answers.edit_view(engine, moment_id, user_id, field(body, "view", "id"), _list_team(body))
            client.views_push(trigger_id=trigger, view=view)
        else:
            client.views_open(trigger_id=trigger, view=answers.edit_view(engine, moment_id, user_id))
    except Refused as refused:
        say(body, client, context, refused.text)
    except Exception as error:
        raise Failure(FORM_NOT_OPENED) from error


def delete_clicked(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    moment_id, user_id = _moment_id(body), actor(body)
    try:
        answers.remove_moment(context["engine"], client, moment_id, user_id)
    except Refused as refused:
        say(body, client, context, refused.text)
        return
    except Exception as error:
        raise Failure(NOT_DELETED) from error
    if in_view(body):
        say(body, client, context, DELETED)
