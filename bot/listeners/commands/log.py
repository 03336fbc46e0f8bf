"""``/airetro log [team]``: open the "where AI helped" modal now, outside the weekly prompt."""

from __future__ import annotations

from bot.formatting import slack_escape
from bot.listeners.commands.invocation import Invocation
from bot.listeners.commands.parse import Parsed
from bot.services import answers
from bot.services.roles import NotAllowed
from bot.services.team_refs import resolve_team


def run(inv: Invocation, parsed: Parsed) -> None:
    who = inv.caller()
    if not who.member_of:
        raise NotAllowed("You're not a member of a team yet, so there is no retro to log to. Ask your manager.")
    if parsed.team is None and len(who.member_of) == 1:
        team = who.member_of[0]
    else:
        team = resolve_team(inv.engine, who, parsed.team, inv.channel_id, "log")
    if not any(t.id == team.id for t in who.member_of):
        raise NotAllowed(f"You're not a member of *{slack_escape(team.name)}*, so you can't log to its retro.")
    week = answers.current_week(team)
    if answers.direct_week_closed(inv.engine, team.id, week, inv.user_id):  # said now, not after the form is filled
        raise NotAllowed(answers.closed_text(week))
    answers.open_direct_log_modal(inv.client, team, inv.trigger_id)
