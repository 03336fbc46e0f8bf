"""``/airetro digest [preview|post] [team]``: managers preview this week's digest privately, or post it now.
Anyone else is told who can, and what they can do instead."""

from __future__ import annotations

from slack_sdk.models.blocks import ContextBlock, MarkdownTextObject

from bot.blocks.digest import view_blocks, view_text
from bot.formatting import clip, slack_escape
from bot.listeners.commands.invocation import Invocation
from bot.listeners.commands.parse import Parsed
from bot.services import digests
from bot.services.roles import Caller, NotAllowed
from bot.services.team_refs import TeamNotFound, resolve_team, team_names
from storage.models import Team

PREVIEW_NOTE = "Preview: only you see this. `/airetro digest post` posts it to the team channel now."
NO_TEAM = (
    "Digest previews are for a team's managers, and you're not in a team yet. Your manager or a workspace admin "
    "can add you with `/airetro setup`; `/airetro me` shows what AI Retro holds about you."
)


def not_a_manager(who: Caller, team: Team | None) -> str:
    """Why ``who`` can't preview or post ``team``'s digest (None: no team named or obvious), and what they can do."""
    if team is None and len(who.member_of) == 1:
        team = who.member_of[0]
    if team is None:
        if not who.member_of:
            return NO_TEAM
        return (
            f"Digest previews are for a team's managers; you're a member of {team_names(who.member_of)}. "
            "`/airetro summary <team>` shows a team's figures for the weeks already closed, and `/airetro me` your own."
        )
    name = slack_escape(team.name)
    text = (
        f"Only {name}'s managers or a workspace admin can preview or post its digest; "
        f"it is posted in <#{team.channel_id}> when the week closes."
    )
    if who.can_view(team):
        return text + f" Until then, `/airetro summary {name}` shows the team's figures for the weeks already closed."
    return text + " `/airetro me` shows your own weeks."


def _team_for(inv: Invocation, who: Caller, parsed: Parsed) -> Team:
    if who.is_admin or who.is_manager:
        team = resolve_team(inv.engine, who, parsed.team, inv.channel_id, "digest", managed=True)
        if who.can_manage(team):
            return team
        raise NotAllowed(not_a_manager(who, team))
    try:  # a member: say so about the team they meant, or their own
        team = resolve_team(inv.engine, who, parsed.team, inv.channel_id, "digest")
    except TeamNotFound:
        if parsed.team is not None:
            raise
        team = None
    raise NotAllowed(not_a_manager(who, team))


def run(inv: Invocation, parsed: Parsed) -> None:
    who = inv.caller()
    team = _team_for(inv, who, parsed)
    week = digests.digest_week(team)
    if parsed.mode == "post":
        inv.reply(digests.post_now(inv.engine, inv.client, team))
        return
    view = digests.week_view(inv.engine, team, week)
    blocks = [ContextBlock(elements=[MarkdownTextObject(text=PREVIEW_NOTE)]), *view_blocks(view)]
    inv.reply(clip(view_text(view), digests.FALLBACK_TEXT_LIMIT), blocks)
