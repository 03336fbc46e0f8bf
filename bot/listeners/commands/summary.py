"""``/airetro summary [#channel|team] [weeks]``: a team's aggregate, with the digest's privacy rules."""

from __future__ import annotations

from bot.blocks.summary import summary_blocks, summary_text
from bot.listeners.commands.invocation import Invocation
from bot.listeners.commands.parse import DEFAULT_SUMMARY_WEEKS, Parsed
from bot.services.roles import require_viewer
from bot.services.summaries import team_summary
from bot.services.team_refs import resolve_team


def run(inv: Invocation, parsed: Parsed) -> None:
    who = inv.caller()
    team = resolve_team(inv.engine, who, parsed.team, inv.channel_id, "summary")
    require_viewer(who, team)
    summary = team_summary(inv.engine, team, parsed.weeks or DEFAULT_SUMMARY_WEEKS)
    inv.reply(summary_text(summary), summary_blocks(summary))
