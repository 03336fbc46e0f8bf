"""``/airetro pause`` / ``resume``: the caller's own prompts; ``pause team`` / ``resume team`` for managers."""

from __future__ import annotations

from bot.formatting import slack_escape
from bot.listeners.commands.invocation import Invocation
from bot.listeners.commands.parse import Parsed
from bot.services import pausing
from bot.services.roles import require_manager
from bot.services.team_refs import resolve_team


def run(inv: Invocation, parsed: Parsed) -> None:
    paused = parsed.name == "pause"
    if not parsed.whole_team:
        inv.reply(pausing.pause_me(inv.engine, inv.user_id, paused, inv.client))
        return
    who = inv.caller()
    team = resolve_team(inv.engine, who, parsed.team, inv.channel_id, f"{parsed.name} team", managed=True)
    require_manager(who, team)
    changed = pausing.pause_team(inv.engine, team.id, paused)
    name = slack_escape(team.name)
    if not changed:
        inv.reply(f"*{name}* is already {'paused' if paused else 'running'}.")
    elif paused:
        inv.reply(f"Paused *{name}*: no prompts, reminders or digests until `/airetro resume team {name}`.")
    else:
        inv.reply(f"*{name}* is running again: its next prompt goes out on schedule.")
