"""``/airetro privacy``: who sees what about the caller, and what AI Retro holds about them. Pure functions."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, HeaderBlock

from bot.blocks.forget_me import holding_lines
from bot.blocks.text import text_sections
from bot.formatting import bold_names, plural, slack_escape
from bot.services.privacy import Overview
from storage.privacy import PRIVACY_FLOOR

TITLE = "Who sees what about you"
HELD = "What AI Retro holds about you"
MAX_TEAMS_NAMED = 10
TEAM_NAME_CHARS = 40
ONLY_YOU = (
    "Your answers and the moments you log. A moment reaches your team's digest only if you chose to share it, "
    "with your name or anonymously.",
    "Your tokens, dollars and provider activity (Claude Code sessions, lines, commits).",
    "You see all of it in `/airetro me`, on your App Home and in `/airetro export`.",
)
NOTHING_HELD = "Nothing. AI Retro holds nothing about you: no answers, no usage, no team."
YOUR_CALL = (
    "`/airetro export`: a copy of all of it, as CSV files in your DM.",
    "`/airetro forget-me`: delete all of it (you see exactly what goes before anything is deleted).",
)


def team_list(names: list[str]) -> str:
    return bold_names(names, most=MAX_TEAMS_NAMED, chars=TEAM_NAME_CHARS)


def command_name(name: str) -> str:
    """A team name as typed in a command: escaped for mrkdwn and without backticks (they would end the code)."""
    return slack_escape(name).replace("`", "'")


def others_see_lines(o: Overview) -> list[str]:
    n = o.floor
    team = o.standing.primary
    source = f" ({team_list([team.name])}'s minimum respondents, never below {PRIVACY_FLOOR})" if team else ""
    return [
        "Team figures only, and only of closed weeks. Each week's figures are worked out once, when the week "
        "closes, over the people asked that week, and never change after. An open week shows no figures, only "
        "how many have answered so far.",
        f"Never over fewer than {plural(n, 'person', 'people')}{source}: "
        "with fewer answers, only how many answered is shown.",
        f"Tokens, dollars and provider activity only when at least {n} members have such data.",
        f'The "volume without value" share only when at least {n} people are on each side '
        "(with and without an outcome that week).",
        f"Anonymous highlights only when at least {n} people logged a moment.",
    ]


def counted_in_lines(o: Overview) -> list[str]:
    primary, others = o.standing.primary, o.standing.others
    if primary is None:
        return ["None: you're not in a team, so no team's figures include you."]
    name = team_list([primary.name])
    if not others:
        return [f"Exactly one team a week: {name}, your only team."]
    lines = [
        f"Exactly one team a week: {name}, your primary team. It sends your weekly prompt, and only its "
        "figures include you."
    ]
    if len(others) == 1:
        other = others[0].name
        lines.append(
            f"You're also in {team_list([other])}; its figures don't include you. To count in it instead "
            f"from next week on: `/airetro primary {command_name(other)}`."
        )
    else:
        lines.append(
            f"You're also in {team_list([t.name for t in others])}; their figures don't include you. To count in "
            "one of them instead from next week on: `/airetro primary <team>`."
        )
    return lines


def privacy_sections(o: Overview) -> list[tuple[str, list[str]]]:
    """(title, lines) of each part, in the order shown."""
    sections = [
        ("Only you see", list(ONLY_YOU)),
        ("Your managers and teammates see", others_see_lines(o)),
        ("Which team you count in", counted_in_lines(o)),
    ]
    if o.held.empty:
        return [*sections, (HELD, [NOTHING_HELD])]
    return [*sections, (HELD, holding_lines(o.held)), ("Your data, your call", list(YOUR_CALL))]


def privacy_text(o: Overview) -> str:
    lines = [TITLE]
    for title, body in privacy_sections(o):
        lines += [f"*{title}*", *(f"• {line}" if len(body) > 1 else line for line in body)]
    return "\n".join(lines)


def privacy_blocks(o: Overview) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text=TITLE)]
    for title, body in privacy_sections(o):
        blocks += text_sections(title, body)
    return blocks
