"""Submission of the team setup modal.

Role, form and name checks are quick, so anything wrong is answered inside the ack with Slack's inline
field errors (``response_action: errors``) and nothing is saved. Members are read from Slack, the team
saved, the jobs rescheduled and the caller told after the ack.
"""

from __future__ import annotations

from logging import Logger

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.blocks.setup import NAME, USERGROUP, read_setup, setup_target
from bot.services import roles, setup

NOT_OURS = "This form can't be saved. Open it again with `/airetro setup`."


def setup_submitted(ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext, logger: Logger) -> None:
    engine = context["engine"]
    user_id = body["user"]["id"]
    try:
        team_id = setup_target(view.get("private_metadata", ""))
    except ValueError:
        ack(response_action="errors", errors={NAME: NOT_OURS})
        return
    who = roles.caller(engine, client, user_id)
    refused = setup.refusal(engine, who, team_id)
    if refused:
        logger.warning("setup of team %s by %s refused: %s", team_id, user_id, refused)
        ack(response_action="errors", errors={NAME: refused})
        return
    block_ids = {block.get("block_id") for block in view.get("blocks") or [] if isinstance(block, dict)}
    state = (view.get("state") or {}).get("values") or {}
    submission = read_setup(state, has_usergroup_block=USERGROUP in block_ids)
    errors = dict(submission.errors)
    clash = setup.name_clash(engine, who, team_id, submission.name, submission.values)
    if clash is setup.Clash.TAKEN and NAME not in errors:
        errors[NAME] = setup.taken_message(submission.name)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    if clash is setup.Clash.REPEATED:
        return  # this form was saved already: a double submit
    setup.submit_setup(engine, client, user_id, team_id, submission.values)
