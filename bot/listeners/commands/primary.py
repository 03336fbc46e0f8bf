"""``/airetro primary [team]``: the one team the caller counts in each week; with a team, switch to it.

The switch takes effect from the caller's next weekly prompt: a week they were already asked stays with the
team that asked them.
"""

from __future__ import annotations

from bot.blocks.privacy import command_name, team_list
from bot.formatting import bold_names
from bot.listeners.commands.invocation import Invocation
from bot.listeners.commands.parse import Parsed
from bot.services import primary
from bot.services.team_refs import resolve_team

MAX_TEAMS_LISTED = 10
TEAM_NAME_CHARS = 40
NO_TEAM = (
    "You're not in a team yet, so you count in no team's figures. Ask your manager to add you with `/airetro setup`."
)


def _bold(name: str) -> str:
    return bold_names([name], chars=TEAM_NAME_CHARS)


def only_team_text(name: str) -> str:
    return f"You count in {_bold(name)}, your only team, so there is nothing to choose."


def standing_text(standing: primary.Standing) -> str:
    """Without a team: where the caller counts, and how to count elsewhere."""
    if standing.primary is None:
        return NO_TEAM
    if not standing.others:
        return only_team_text(standing.primary.name)
    lines = [
        f"You count in {_bold(standing.primary.name)}, your primary team: it sends your weekly prompt, and only "
        "its figures include you.",
        "You're also in these teams; to count in one of them instead from next week on, type:",
        *(f"• {_bold(t.name)}: `/airetro primary {command_name(t.name)}`" for t in standing.others[:MAX_TEAMS_LISTED]),
    ]
    if len(standing.others) > MAX_TEAMS_LISTED:
        lines.append(f"• and {len(standing.others) - MAX_TEAMS_LISTED} more: `/airetro primary <team>`")
    return "\n".join(lines)


def changed_text(change: primary.PrimaryChange) -> str:
    if change.only_team:
        return only_team_text(change.team)
    if not change.changed:
        return f"You already count in {_bold(change.team)}; nothing changed."
    return (
        f"Done: from next week on you count in {_bold(change.team)} and get your weekly prompt from it"
        + (f", not from {_bold(change.previous)}" if change.previous else "")
        + ". This week's answer stays where it is, with the team that asked you."
    )


def refusal_text(refused: primary.NotAMember) -> str:
    lead = f"You're not in {_bold(refused.team)}, so it can't be your primary team."
    if not refused.teams:
        return f"{lead} You're not in a team yet; ask your manager to add you with `/airetro setup`."
    if len(refused.teams) == 1:
        return f"{lead} {only_team_text(refused.teams[0])}"
    return f"{lead} You can choose one of your teams: {team_list(list(refused.teams))}."


def run(inv: Invocation, parsed: Parsed) -> None:
    if parsed.team is None:
        inv.reply(standing_text(primary.standing(inv.engine, inv.user_id)))
        return
    team = resolve_team(inv.engine, inv.caller(), parsed.team, inv.channel_id, "primary")
    try:
        change = primary.set_primary(inv.engine, inv.user_id, team, client=inv.client)
    except primary.NotAMember as refused:
        inv.reply(refusal_text(refused))
        return
    inv.reply(changed_text(change))
