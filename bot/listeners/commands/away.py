"""``/airetro away until DATE`` (and ``pause until DATE``): no prompts or reminders through a day; ``/airetro back``
ends that sooner. The caller's own, always."""

from __future__ import annotations

from bot.listeners.commands.invocation import Invocation
from bot.listeners.commands.parse import Parsed
from bot.services import pausing


def run(inv: Invocation, parsed: Parsed) -> None:
    if parsed.name == "back" or parsed.until is None:
        inv.reply(pausing.come_back(inv.engine, inv.user_id, inv.client))
        return
    inv.reply(pausing.go_away(inv.engine, inv.user_id, parsed.until, inv.client))
