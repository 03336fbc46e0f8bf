"""``/airetro`` and ``/airetro help``: what the bot does and the subcommands the caller may use (only those)."""

from __future__ import annotations

from bot.listeners.commands.invocation import Invocation
from bot.listeners.commands.parse import ADMIN_USAGE, MANAGER_USAGE, MEMBER_USAGE, OWN_USAGE, Parsed, usage_lines
from bot.services.roles import Caller

ABOUT = (
    "*AI Retro* asks you once a week where AI actually helped (or wasted your time), and posts a team "
    "digest of outcomes per token: value, not volume. Your answers and your token figures are yours alone; "
    "the team sees aggregates, and free text only if you share it."
)
NOT_IN_A_TEAM = (
    "You're not in a team yet, so there is no weekly prompt for you. Your manager or a workspace admin "
    "adds you with `/airetro setup`; then you can log moments and see your team's figures."
)


def usage_for(who: Caller) -> list[tuple[str, str]]:
    """The subcommands ``who`` can use: their own data always; a member's when in a team; a team's figures
    for the teams they see; setup, digest and pausing a team for those they manage (all, for admins)."""
    rows: list[tuple[str, str]] = []
    if who.member_of:
        rows += MEMBER_USAGE
    elif who.manages or who.is_admin:
        rows += [row for row in MEMBER_USAGE if row[0].startswith("/airetro summary")]
    rows += OWN_USAGE
    if who.is_admin:
        rows += ADMIN_USAGE
    if who.is_admin or who.manages:
        rows += MANAGER_USAGE
    return rows


def help_text(who: Caller) -> str:
    lines = [ABOUT, "", "*What you can type*", *usage_lines(tuple(usage_for(who)))]
    if not who.member_of and not who.manages and not who.is_admin:
        lines += ["", NOT_IN_A_TEAM]
    return "\n".join(lines)


def run(inv: Invocation, _parsed: Parsed) -> None:
    inv.reply(help_text(inv.caller()))
