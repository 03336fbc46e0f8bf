"""``/airetro me [weeks]``: the caller's own last weeks. Only ever to the caller."""

from __future__ import annotations

from bot.blocks.me import me_blocks, me_text
from bot.listeners.commands.invocation import Invocation
from bot.listeners.commands.parse import DEFAULT_ME_WEEKS, Parsed
from bot.services.summaries import my_weeks


def run(inv: Invocation, parsed: Parsed) -> None:
    weeks = my_weeks(inv.engine, inv.user_id, parsed.weeks or DEFAULT_ME_WEEKS)
    inv.reply(me_text(weeks), me_blocks(weeks))
