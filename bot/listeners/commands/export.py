"""``/airetro export``: the caller's own data as CSV files in their DM with the bot; for a manager, also
the aggregates of the teams they manage (never anyone else's individual rows)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from slack_sdk.errors import SlackApiError

from bot.formatting import bold_names, plural, slack_escape
from bot.listeners.commands.invocation import Invocation
from bot.listeners.commands.parse import Parsed
from bot.services import export, forget

log = logging.getLogger(__name__)

UNKNOWN = (
    "AI Retro holds nothing about you: you're not in a team, and no answers or usage are recorded under your "
    "Slack ID or e-mail. There is nothing to export."
)
EMPTY = (
    "AI Retro has no answers, token figures or usage records for you yet, and you manage no team, "
    "so there is nothing to export."
)


def no_week_closed(teams: tuple[str, ...]) -> str:
    return (
        f"AI Retro has no answers, token figures or usage records for you yet. You manage {bold_names(teams)}, "
        "but no week of theirs has closed yet: a team's figures are exported once its first digest is out."
    )


COMMENT = (
    "Your AI Retro export. Only you can see this DM. Your own files are yours alone; a team file holds aggregates only."
)


def reply_text(files: tuple[export.ExportFile, ...]) -> str:
    lines = [f"Your AI Retro export is in your DM with me ({plural(len(files), 'CSV file')}):"]
    lines += [f"• `{f.filename}`: {slack_escape(f.what)} ({plural(f.rows, 'row')})" for f in files]
    return "\n".join(lines)


def run(inv: Invocation, _parsed: Parsed) -> None:
    who = forget.identity(inv.engine, inv.client, inv.user_id)
    result = export.collect(inv.engine, who, datetime.now(UTC).date())
    if not result.known:
        inv.reply(UNKNOWN)
        return
    if not result.files:
        inv.reply(no_week_closed(result.managed) if result.managed else EMPTY)
        return
    try:
        export.deliver(inv.client, inv.user_id, result, COMMENT)
    except SlackApiError as error:
        log.warning("export for %s not delivered: %s", inv.user_id, error.response.get("error"))
        inv.reply(f"Sorry, I couldn't put the file in your DM (Slack said `{error.response.get('error')}`).")
        return
    inv.reply(reply_text(result.files))
