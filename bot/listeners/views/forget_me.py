"""Submission of the forget-me confirmation: ack at once with a "Deleting…" view, then delete and show
what was deleted.

Who is forgotten comes only from the submission's ``user.id`` (Slack signs the request); the
modal's metadata is a cross-check that can refuse, never a source of identity. The deletion is one
transaction, so a repeated or retried submission finds nothing left and says so.
"""

from __future__ import annotations

from logging import Logger

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.models.views import View

from bot.blocks.forget_me import deleting_view, failed_view, opened_for, refused_view, result_text, result_view
from bot.listeners.guard import SLACK_ERRORS, Failure
from bot.parse_input import actor, private_metadata, view_id
from bot.services import forget


def _show(client: WebClient, modal_id: str, user_id: str, view: View, text: str, logger: Logger) -> None:
    """Replace the modal; if it is gone (closed meanwhile), say it in a DM instead."""
    try:
        client.views_update(view_id=modal_id, view=view)
    except SLACK_ERRORS as error:
        logger.warning("forget-me: views.update failed (%s); telling %s by DM", type(error).__name__, user_id)
        try:
            client.chat_postMessage(channel=user_id, text=text)
        except Exception as dm_error:
            raise Failure(text) from dm_error


def forget_me_submitted(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext, logger: Logger
) -> None:
    user_id = actor(body)
    the_view_id = view_id(view)
    if opened_for(private_metadata(view)) != user_id:
        ack(response_action="update", view=refused_view())
        return
    ack(response_action="update", view=deleting_view())
    engine = context["engine"]
    try:
        deleted = forget.forget(engine, forget.identity(engine, client, user_id))
    except SLACK_ERRORS as error:  # Slack could not tell us who they are: nothing was deleted
        logger.warning("forget-me for %s failed: %s: %s", user_id, type(error).__name__, str(error)[:200])
        _show(client, the_view_id, user_id, failed_view(), "Deleting your data failed; nothing was deleted.", logger)
        return
    except Exception:
        logger.exception("forget-me for %s failed", user_id)
        _show(client, the_view_id, user_id, failed_view(), "Deleting your data failed; nothing was deleted.", logger)
        return
    _show(client, the_view_id, user_id, result_view(deleted), result_text(deleted), logger)
