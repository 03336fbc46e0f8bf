"""`/airetro export` (being built)."""

from __future__ import annotations

from bot.listeners.commands.invocation import Invocation
from bot.listeners.commands.parse import Parsed


def run(inv: Invocation, _parsed: Parsed) -> None:
    inv.reply("Not available yet.")
