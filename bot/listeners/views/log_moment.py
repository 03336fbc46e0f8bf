"""Submission of the "where AI helped" modal.

Validation is pure and quick, so bad values are answered inside the ack with Slack's inline
field errors (``response_action: errors``); storing and updating the DM happen after the ack.
"""

from __future__ import annotations

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.blocks.log_moment import delivery_of, read_submission
from bot.services import answers


def log_moment_submitted(ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext) -> None:
    engine = context["engine"]
    user_id = body["user"]["id"]
    delivery_id = delivery_of(view.get("private_metadata", ""))
    if delivery_id is None or answers.owned_delivery(engine, delivery_id, user_id) is None:
        ack(response_action="errors", errors={"what": "This form does not belong to one of your weekly retros."})
        return
    submission = read_submission(view["state"]["values"])
    if submission.errors:
        ack(response_action="errors", errors=submission.errors)
        return
    ack()
    answers.record_moment(engine, client, delivery_id, user_id, view["id"], submission.fields)
