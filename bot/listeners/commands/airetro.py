"""``/airetro``: parse, ack at once, then run the subcommand. Replies are ephemeral.

Text we cannot parse is answered inside the ack with a usage hint. Everything else is acked empty
first (Slack wants an answer within 3 s) and answered through the command's ``response_url``.
Each subcommand lives in its own module here, named after it, with a ``run(invocation, parsed)``.
"""

from __future__ import annotations

from collections.abc import Callable
from logging import Logger

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.listeners.commands import digest, export, forget_me, help, log, me, pause, primary, privacy, setup, summary
from bot.listeners.commands.invocation import Invocation
from bot.listeners.commands.parse import Parsed, UsageError, parse
from bot.services.roles import NotAllowed
from bot.services.team_refs import TeamNotFound

SUBCOMMANDS: dict[str, Callable[[Invocation, Parsed], None]] = {
    "help": help.run,
    "log": log.run,
    "me": me.run,
    "summary": summary.run,
    "setup": setup.run,
    "digest": digest.run,
    "pause": pause.run,
    "resume": pause.run,
    "privacy": privacy.run,
    "primary": primary.run,
    "export": export.run,
    "forget-me": forget_me.run,
}
FAILED = "Sorry, something went wrong on our side and nothing was changed. Please try again in a minute."


def airetro_command(
    ack: Ack, command: dict, client: WebClient, context: BoltContext, respond: Respond, logger: Logger
) -> None:
    try:
        parsed = parse(command.get("text") or "")
    except UsageError as error:
        ack(text=str(error), response_type="ephemeral")
        return
    ack()
    invocation = Invocation(
        engine=context["engine"],
        client=client,
        user_id=command["user_id"],
        channel_id=command.get("channel_id", ""),
        trigger_id=command.get("trigger_id", ""),
        respond=respond,
    )
    try:
        SUBCOMMANDS[parsed.name](invocation, parsed)
    except (NotAllowed, TeamNotFound) as refusal:
        invocation.reply(str(refusal))
    except Exception:
        logger.exception("/airetro %s failed", parsed.name)
        invocation.reply(FAILED)
