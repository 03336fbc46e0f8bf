"""``/airetro``: parse, ack at once, then run the subcommand. Replies are ephemeral.

Text we cannot parse is answered inside the ack with a usage hint. Everything else is acked empty
first (Slack wants an answer within 3 s) and answered through the command's ``response_url``; a
failure too (by the guard), saying whether anything may have changed.
Each subcommand lives in its own module here, named after it, with a ``run(invocation, parsed)``.
"""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.listeners.commands import (
    away,
    digest,
    export,
    forget_me,
    help,
    log,
    me,
    pause,
    primary,
    privacy,
    setup,
    summary,
)
from bot.listeners.commands.invocation import Invocation
from bot.listeners.commands.parse import Parsed, UsageError, parse
from bot.listeners.guard import Failure
from bot.parse_input import actor, field, response_url
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
    "away": away.run,
    "back": away.run,
    "privacy": privacy.run,
    "primary": primary.run,
    "export": export.run,
    "forget-me": forget_me.run,
}
FAILED = "Sorry, something went wrong on my side, and nothing was changed. Please try again in a minute."
FORM_NOT_OPENED = (
    "Sorry, something went wrong and I couldn't open the form, so nothing was saved. "
    "Please try `/airetro {name}` again in a minute."
)
MAYBE_DONE = (
    "Sorry, something went wrong before I could finish, so I can't tell whether `/airetro {name}` took effect. "
    "Please type it again: doing it twice changes nothing."
)
OPENS_A_FORM = ("log", "setup", "forget-me")


def failed_text(parsed: Parsed) -> str:
    """What to tell the caller when a subcommand failed unforeseen: whether anything may have changed."""
    if parsed.name in OPENS_A_FORM:
        return FORM_NOT_OPENED.format(name=parsed.name)
    changes = parsed.name in ("pause", "resume", "away", "back") or (parsed.name, parsed.mode) == ("digest", "post")
    if changes or (parsed.name == "primary" and parsed.team is not None):
        return MAYBE_DONE.format(name=parsed.name)
    return FAILED


def airetro_command(ack: Ack, command: dict, client: WebClient, context: BoltContext, respond: Respond) -> None:
    user_id = actor(command)
    response_url(command)  # replies go there: one Slack did not make is answered in the ack, as malformed
    channel_id = field(command, "channel_id", optional=True) or ""
    trigger_id = field(command, "trigger_id", optional=True) or ""
    try:
        parsed = parse(field(command, "text", optional=True) or "")
    except UsageError as error:
        ack(text=str(error), response_type="ephemeral")
        return
    ack()
    invocation = Invocation(
        engine=context["engine"],
        client=client,
        user_id=user_id,
        channel_id=channel_id,
        trigger_id=trigger_id,
        respond=respond,
    )
    try:
        SUBCOMMANDS[parsed.name](invocation, parsed)
    except (NotAllowed, TeamNotFound) as refusal:
        invocation.reply(str(refusal))
    except Exception as error:
        raise Failure(failed_text(parsed)) from error
