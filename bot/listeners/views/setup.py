"""Submission of the team setup modal.

Role, form and name checks are quick, so anything wrong is answered inside the ack with Slack's inline
field errors (``response_action: errors``) and nothing is saved. Members are read from Slack, the team
saved, the jobs rescheduled and the caller told after the ack; a failure then is told by DM, saying
whether the setup was saved.
"""

from __future__ import annotations

from logging import Logger

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.blocks.setup import NAME, USERGROUP, SetupValues, read_setup, setup_target
from bot.listeners.guard import Failure
from bot.parse_input import actor, field, private_metadata, state_values
from bot.services import roles, setup
from bot.services.roles import Caller

NOT_OURS = "This form can't be saved. Open it again with `/airetro setup`."
SAVED = (
    "Your team setup is saved, but something went wrong just after saving it. "
    "Please open `/airetro setup` to check that it looks right."
)
NOT_SAVED = "Sorry, I couldn't save the team setup, so nothing was saved. Please open `/airetro setup` and try again."
UNKNOWN = (
    "Sorry, something went wrong and I can't tell whether the team setup was saved. "
    "Please open `/airetro setup` to check."
)


def outcome(context: BoltContext, who: Caller, team_id: int | None, values: SetupValues) -> str:
    """After a failure past the ack: whether the team now holds what was submitted."""
    try:
        clash = setup.name_clash(context["engine"], who, team_id, values.name, values)
    except Exception:
        return UNKNOWN
    return SAVED if clash is setup.Clash.REPEATED else NOT_SAVED


def setup_submitted(ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext, logger: Logger) -> None:
    engine = context["engine"]
    user_id = actor(body)
    metadata = private_metadata(view)
    state = state_values(view)
    try:
        team_id = setup_target(metadata)
    except ValueError:
        ack(response_action="errors", errors={NAME: NOT_OURS})
        return
    who = roles.caller(engine, client, user_id)
    refused = setup.refusal(engine, who, team_id)
    if refused:
        logger.warning("setup of team %s by %s refused: %s", team_id, user_id, refused)
        ack(response_action="errors", errors={NAME: refused})
        return
    blocks = field(view, "blocks", kind=list, optional=True) or []
    block_ids = {block.get("block_id") for block in blocks if isinstance(block, dict)}
    submission = read_setup(state, has_usergroup_block=USERGROUP in block_ids)
    errors = dict(submission.errors)
    clash = setup.name_clash(engine, who, team_id, submission.name, submission.values)
    if clash is setup.Clash.TAKEN and NAME not in errors:
        errors[NAME] = setup.taken_message(submission.name)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    if clash is setup.Clash.REPEATED or submission.values is None:
        return  # this form was saved already: a double submit
    try:
        setup.submit_setup(engine, client, user_id, team_id, submission.values)
    except Exception as error:
        raise Failure(outcome(context, who, team_id, submission.values)) from error
