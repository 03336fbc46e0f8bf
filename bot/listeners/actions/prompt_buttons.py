"""The weekly prompt's buttons. Each acks first, then hands over to the answers service.

A failure after the ack is told to the clicker in the DM (an ephemeral message through the response_url, by
the guard), saying whether their answer was saved.
"""

from __future__ import annotations

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot import vocabulary as v
from bot.listeners.actions.moment_buttons import tell
from bot.listeners.guard import Failure
from bot.parse_input import actor, button_id, trigger_id
from bot.services import answers
from bot.services.answers import Refused

FORM_NOT_OPENED = (
    "Sorry, I couldn't open the form, so nothing was saved. Please click the button again in a minute, "
    "or type `/airetro log`."
)
ANSWER_SAVED = (
    "Your answer is saved, but I couldn't update the message to show it. There's nothing more you need to do."
)
ANSWER_NOT_SAVED = (
    "Sorry, I couldn't save your answer, so nothing was saved. Please click the button again in a minute."
)
ANSWER_UNKNOWN = (
    "Sorry, something went wrong and I can't tell whether your answer was saved. Please click the button again "
    "in a minute: it never counts twice."
)


def log_moment_clicked(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    delivery_id = button_id(body, "a prompt button's delivery")
    user_id, trigger = actor(body), trigger_id(body)
    try:
        answers.open_log_modal(context["engine"], client, delivery_id, user_id, trigger)
    except Refused as refused:  # the week has closed
        tell(context, client, user_id, refused.text)
    except Exception as error:
        raise Failure(FORM_NOT_OPENED) from error


def choice_outcome(context: BoltContext, delivery_id: int, user_id: str, answer: str) -> str:
    """After a failed one-click answer: what to tell the clicker, by what the database now holds."""
    try:
        ctx = answers.owned_delivery(context["engine"], delivery_id, user_id)
    except Exception:
        return ANSWER_UNKNOWN
    return ANSWER_SAVED if ctx is not None and ctx.delivery.answer == answer else ANSWER_NOT_SAVED


def _record(body: dict, client: WebClient, context: BoltContext, answer: str) -> None:
    delivery_id = button_id(body, "a prompt button's delivery")
    user_id = actor(body)
    try:
        answers.record_choice(context["engine"], client, delivery_id, user_id, answer)
    except Refused as refused:  # the week has closed
        tell(context, client, user_id, refused.text)
    except Exception as error:
        raise Failure(choice_outcome(context, delivery_id, user_id, answer)) from error


def didnt_help_clicked(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    _record(body, client, context, v.DIDNT_HELP)


def skip_week_clicked(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    _record(body, client, context, v.SKIPPED)
