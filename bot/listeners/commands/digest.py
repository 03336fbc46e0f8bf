"""``/airetro digest [preview|post] [team]``: managers preview this week's digest privately, or post it now."""

from __future__ import annotations

from slack_sdk.models.blocks import ContextBlock, MarkdownTextObject

from bot.blocks.digest import view_blocks, view_text
from bot.formatting import clip
from bot.listeners.commands.invocation import Invocation
from bot.listeners.commands.parse import Parsed
from bot.services import digests
from bot.services.roles import require_manager
from bot.services.team_refs import resolve_team

PREVIEW_NOTE = "Preview: only you see this. `/airetro digest post` posts it to the team channel now."


def run(inv: Invocation, parsed: Parsed) -> None:
    who = inv.caller()
    team = resolve_team(inv.engine, who, parsed.team, inv.channel_id, "digest", managed=True)
    require_manager(who, team)
    week = digests.digest_week(team)
    if parsed.mode == "post":
        inv.reply(digests.post_now(inv.engine, inv.client, team))
        return
    view = digests.week_view(inv.engine, team, week)
    blocks = [ContextBlock(elements=[MarkdownTextObject(text=PREVIEW_NOTE)]), *view_blocks(view)]
    inv.reply(clip(view_text(view), digests.FALLBACK_TEXT_LIMIT), blocks)
