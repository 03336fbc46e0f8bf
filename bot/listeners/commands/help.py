"""``/airetro`` and ``/airetro help``: what the bot does and the subcommands the caller may use."""

from __future__ import annotations

from bot.listeners.commands.invocation import Invocation
from bot.listeners.commands.parse import MANAGER_USAGE, MEMBER_USAGE, Parsed, usage_lines

ABOUT = (
    "*AI Retro* asks you once a week where AI actually helped (or wasted your time), and posts a team "
    "digest of outcomes per token: value, not volume. Your answers and your token figures are yours alone; "
    "the team sees aggregates, and free text only if you share it."
)


def help_text(*, manager: bool) -> str:
    lines = [ABOUT, "", "*What you can type*", *usage_lines(MEMBER_USAGE)]
    if manager:
        lines += ["", "*As a team manager or workspace admin, also*", *usage_lines(MANAGER_USAGE)]
    return "\n".join(lines)


def run(inv: Invocation, _parsed: Parsed) -> None:
    who = inv.caller()
    inv.reply(help_text(manager=who.is_admin or who.is_manager))
