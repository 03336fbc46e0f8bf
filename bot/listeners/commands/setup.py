"""``/airetro setup [team|new]``: open the team setup modal.

Without an argument: the caller's only managed team, else a new team for a workspace admin, else the
list of teams they manage. ``new`` is for admins; a named team for its managers or an admin.
"""

from __future__ import annotations

from bot.listeners.commands.invocation import Invocation
from bot.listeners.commands.parse import Parsed
from bot.services import roles, setup
from bot.services.roles import NotAllowed
from bot.services.team_refs import resolve_team, team_names

NOBODY = "Only a workspace admin or a team's managers can set a team up with `/airetro setup`."


def run(inv: Invocation, parsed: Parsed) -> None:
    who = inv.caller()
    if parsed.mode == "new":
        team = None
    elif parsed.team is not None:
        team = resolve_team(inv.engine, who, parsed.team, inv.channel_id, "setup", managed=True)
    elif len(who.manages) == 1:
        team = who.manages[0]
    elif who.is_admin:
        team = None
    elif who.manages:
        inv.reply(f"You manage several teams: say `/airetro setup <team>`, one of {team_names(who.manages)}.")
        return
    else:
        raise NotAllowed(NOBODY)
    if team is None and not who.is_admin:
        raise NotAllowed(roles.ADMIN_ONLY)
    setup.open_setup_modal(inv.engine, inv.client, inv.trigger_id, inv.user_id, team, who=who)
