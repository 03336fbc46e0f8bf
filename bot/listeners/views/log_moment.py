"""Submission of the "where AI helped" modal.

Validation is pure and quick, so bad values are answered inside the ack with Slack's inline
field errors (``response_action: errors``); storing and updating the DM happen after the ack.
"""

from __future__ import annotations

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.blocks.log_moment import delivery_of, direct_log_of, read_submission
from bot.services import answers


def log_moment_submitted(ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext) -> None:
    engine = context["engine"]
    user_id = body["user"]["id"]
    metadata = view.get("private_metadata", "")
    direct = direct_log_of(metadata)
    delivery_id = delivery_of(metadata)
    if direct is not None:
        allowed = answers.may_log_direct(engine, *direct, user_id)
    else:
        allowed = delivery_id is not None and answers.owned_delivery(engine, delivery_id, user_id) is not None
    if not allowed:
        ack(response_action="errors", errors={"what": "This form does not belong to one of your weekly retros."})
        return
    submission = read_submission(view["state"]["values"])
    if submission.errors:
        ack(response_action="errors", errors=submission.errors)
        return
    ack()
    if direct is not None:
        answers.record_direct_moment(engine, client, *direct, user_id, view["id"], submission.fields)
        return
    answers.record_moment(engine, client, delivery_id, user_id, view["id"], submission.fields)
