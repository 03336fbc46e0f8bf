"""``/airetro pause`` / ``resume``: the caller's own prompts; ``pause team [until DATE]`` / ``resume team`` for
managers. (``pause until DATE`` for oneself is ``away until DATE``: see ``away.py``.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.day_input import DayError
from bot.formatting import day_label, slack_escape
from bot.listeners.commands.invocation import Invocation
from bot.listeners.commands.parse import Parsed
from bot.services import pausing
from bot.services.local_day import team_today
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
    name = slack_escape(team.name)
    until = None
    if paused and parsed.until is not None:
        try:
            until = pausing.team_pause_day(team, parsed.until)
        except DayError as refused:
            inv.reply(str(refused))
            return
    changed = pausing.pause_team(inv.engine, team.id, paused, until)
    if until is not None:
        today = team_today(team, datetime.now(UTC))
        through, again = day_label(until, today), day_label(until + timedelta(days=1), today)
        if not changed:
            inv.reply(f"*{name}* is already paused through {through}: it runs again on {again}.")
        else:
            inv.reply(
                f"Paused *{name}* through {through}: no prompts, reminders or digests. It runs again on {again} "
                f"by itself; `/airetro resume team {name}` restarts it sooner."
            )
    elif not changed:
        inv.reply(f"*{name}* is already {'paused' if paused else 'running'}.")
    elif paused:
        inv.reply(f"Paused *{name}*: no prompts, reminders or digests until `/airetro resume team {name}`.")
    else:
        inv.reply(f"*{name}* is running again: its next prompt goes out on schedule.")
