"""Submission of the "where AI helped" modal.

Validation is pure and quick, so bad values are answered inside the ack with Slack's inline
field errors (``response_action: errors``); storing and updating the DM happen after the ack.
Once the modal has closed, a failure is told by DM, saying whether the moment was saved.

The same modal edits a logged moment (its metadata names the moment): the change is made before the ack, in one
quick transaction, so a refusal (someone else's moment, a closed week, a form older than the moment) shows in the
form; the DM and Home show it after.
"""

from __future__ import annotations

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import select

from bot.blocks.log_moment import delivery_of, direct_log_of, edit_of, read_submission
from bot.formatting import clip, one_line, slack_escape
from bot.listeners.guard import SOMETHING_WRONG, Failure
from bot.parse_input import actor, private_metadata, state_values, stored_id, view_id
from bot.services import answers
from bot.services.answers import Refused
from storage.engine import session_scope
from storage.models import Moment

NOT_YOURS = "This form does not belong to one of your weekly retros."
SAVED = (
    "Your moment is saved, but I couldn't update your weekly message or Home tab to show it. "
    "There's nothing more you need to do."
)
NOT_SAVED = "Sorry, I couldn't save where AI helped, so nothing was saved. Please log it again with `/airetro log`."
UNKNOWN = (
    "Sorry, something went wrong and I can't tell whether your moment was saved. Please check your Home tab "
    "in a few minutes, and log it again with `/airetro log` if it isn't there."
)


def _stored(engine: Engine, the_view_id: str) -> bool:
    with session_scope(engine) as session:
        return session.exec(select(Moment.id).where(Moment.view_id == the_view_id)).first() is not None


def outcome(engine: Engine, the_view_id: str, what: str | None) -> str:
    """After a failure past the ack: what to tell the person, by whether the moment is in the database."""
    try:
        saved = _stored(engine, the_view_id)
    except Exception:
        return UNKNOWN
    if saved:
        return SAVED
    if not what:
        return NOT_SAVED
    return f"{NOT_SAVED} Here's what you wrote:\n> {slack_escape(clip(one_line(what), 500))}"


EDIT_NOT_SHOWN = (
    "Your change is saved, but I couldn't update your weekly message or Home tab to show it. "
    "There's nothing more you need to do."
)


def edit_submitted(ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext) -> None:
    """A moment edited: changed at once (before the ack, so a refusal shows in the form), shown after.

    Idempotent: a retried submission finds the moment as submitted and changes nothing."""
    engine = context["engine"]
    user_id = actor(body)
    edit = edit_of(private_metadata(view))
    moment_id = stored_id(edit.moment_id, "private_metadata.moment")
    submission = read_submission(state_values(view))
    try:
        answers.check_edit(engine, moment_id, user_id)
        if submission.errors:
            ack(response_action="errors", errors=submission.errors)
            return
        delivery_id = answers.apply_edit(engine, moment_id, user_id, edit.was, submission.fields)
    except Refused as refused:  # someone else's moment, a closed week, or changed meanwhile: nothing changed
        ack(response_action="errors", errors={"what": refused.text})
        return
    ack()
    try:
        if delivery_id is not None:
            answers.refresh(engine, client, delivery_id, user_id)
        if edit.list_view is not None:
            team_id = stored_id(edit.list_team, "private_metadata.list_team")
            listed = answers.moments_view(engine, user_id, team_id, notice="Saved." if delivery_id else None)
            if listed is not None:
                client.views_update(view_id=edit.list_view, view=listed)
    except Exception as error:
        raise Failure(EDIT_NOT_SHOWN if delivery_id is not None else SOMETHING_WRONG) from error


def log_moment_submitted(ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext) -> None:
    metadata = private_metadata(view)
    if edit_of(metadata) is not None:
        edit_submitted(ack, body, view, client, context)
        return
    engine = context["engine"]
    user_id = actor(body)
    the_view_id = view_id(view)
    values = state_values(view)
    direct = direct_log_of(metadata)
    delivery_id = delivery_of(metadata)
    if direct is not None:
        team_id, week = stored_id(direct[0], "private_metadata.team_id"), direct[1]
        allowed = answers.may_log_direct(engine, team_id, week, user_id)
    else:
        if delivery_id is not None:
            delivery_id = stored_id(delivery_id, "private_metadata.delivery")
        allowed = delivery_id is not None and answers.owned_delivery(engine, delivery_id, user_id) is not None
    if not allowed:
        ack(response_action="errors", errors={"what": NOT_YOURS})
        return
    if direct is not None:
        closed = answers.direct_week_closed(engine, team_id, week, user_id)
    else:
        ctx = answers.owned_delivery(engine, delivery_id, user_id)
        closed, week = answers.delivery_closed(engine, ctx), ctx.week
    if closed:
        ack(response_action="errors", errors={"what": answers.closed_text(week)})
        return
    submission = read_submission(values)
    if submission.errors:
        ack(response_action="errors", errors=submission.errors)
        return
    ack()
    try:
        if direct is not None:
            answers.record_direct_moment(engine, client, team_id, week, user_id, the_view_id, submission.fields)
        else:
            answers.record_moment(engine, client, delivery_id, user_id, the_view_id, submission.fields)
    except Refused as refused:  # the week closed between the ack and now
        raise Failure(refused.text) from refused
    except Exception as error:
        raise Failure(outcome(engine, the_view_id, submission.fields.get("what"))) from error
