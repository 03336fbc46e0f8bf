"""``/airetro me`` (and the Home tab's own part): the caller's own last weeks, grouped by team, one short
line a week. Shown to them only."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from slack_sdk.models.blocks import Block, ContextBlock, HeaderBlock, MarkdownTextObject, SectionBlock

from bot import formatting as fmt
from bot import vocabulary as v
from bot.blocks.text import chunk_lines
from bot.formatting import plural
from bot.services.summaries import MyWeek

MAX_TEAMS_NAMED = 2
ONLY_YOU = "Only you see this. Nobody else, managers included, sees your answers or your token figures."
NOTHING = "Nothing recorded about you in these weeks."
NOT_ASKED = "Not asked (your usage only)"
_ANSWERS = {
    v.HELPED: "logged where AI helped",
    v.DIDNT_HELP: "AI didn't help",
    v.SKIPPED: "skipped",
    v.PENDING: "not answered yet",
    v.AWAY: "away",
    None: "not asked",
}


def team_title(teams: Sequence[str]) -> str:
    """The group a week is listed under: its team (or teams), escaped; "Not asked" when none asked."""
    if not teams:
        return NOT_ASKED
    names = [fmt.slack_escape(fmt.clip(fmt.one_line(t), 40)) for t in teams[:MAX_TEAMS_NAMED]]
    if len(teams) > MAX_TEAMS_NAMED:
        names.append(f"{len(teams) - MAX_TEAMS_NAMED} more")
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def week_line(week: MyWeek) -> str:
    """One week, short: "Week of 23 Nov: 2 moments, 3 h saved · 1.0M tokens, ~$9.75"."""
    if week.moments:
        said = f"{plural(week.moments, 'moment')}, {fmt.hours(week.hours_saved)} saved"
    else:
        said = _ANSWERS[week.answer] if week.answer is not None else ""
    usage = f"{fmt.tokens(week.tokens)} tokens, ~{fmt.dollars(week.cost_usd or 0.0)}" if week.tokens is not None else ""
    return f"{fmt.first_upper(fmt.week_label(week.week))}: " + " · ".join(p for p in (said, usage) if p)


def top_model(weeks: Sequence[MyWeek]) -> str | None:
    """The model most often top over the weeks (of a tie, the most recent)."""
    models = Counter(w.top_model for w in weeks if w.tokens is not None and w.top_model)
    return models.most_common(1)[0][0] if models else None


def totals_line(weeks: Sequence[MyWeek]) -> str:
    moments = sum(w.moments for w in weeks)
    hours = sum(w.hours_saved for w in weeks)
    line = f"Last {plural(len(weeks), 'week')}: {plural(moments, 'moment')} logged, {fmt.hours(hours)} saved"
    tokens = [w for w in weeks if w.tokens is not None]
    if tokens:
        line += (
            f"; your usage {fmt.tokens(sum(w.tokens or 0 for w in tokens))} tokens, "
            f"~{fmt.dollars(sum(w.cost_usd or 0.0 for w in tokens))}"
        )
        model = top_model(weeks)
        if model:
            line += f", mostly {fmt.slack_escape(fmt.clip(model, 60))}"
    return line + "."


def _recorded(week: MyWeek) -> bool:
    return week.answer is not None or week.tokens is not None


def me_groups(weeks: Sequence[MyWeek]) -> list[tuple[str, list[str]]]:
    """The weeks with something recorded, by team (the group of the newest week first), newest first."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for week in weeks:
        if _recorded(week):
            groups.setdefault(week.teams, []).append(week_line(week))
    return [(team_title(teams), lines) for teams, lines in groups.items()]


def _silent_line(weeks: Sequence[MyWeek]) -> list[str]:
    silent = sum(1 for w in weeks if not _recorded(w))
    if not silent:
        return []
    return (
        ["Nothing recorded in the other week."] if silent == 1 else [f"Nothing recorded in the other {silent} weeks."]
    )


def me_lines(weeks: Sequence[MyWeek], *, bold: bool = False) -> list[str]:
    """The totals, then each team's weeks under its name (in bold for Slack, else "Team:" and indented)."""
    if not weeks or not any(_recorded(w) for w in weeks):
        return [NOTHING]
    lines = [totals_line(weeks)]
    for title, rows in me_groups(weeks):
        lines += [f"*{title}*", *rows] if bold else [f"{title}:", *(f"  {row}" for row in rows)]
    return lines + _silent_line(weeks)


def me_text(weeks: Sequence[MyWeek]) -> str:
    return "\n".join(["Your AI retro", *me_lines(weeks), ONLY_YOU])


def me_title(weeks: Sequence[MyWeek]) -> str:
    return f"Your last {plural(len(weeks), 'week')}" if weeks else "Your weeks"


def me_blocks(weeks: Sequence[MyWeek], *, header: bool = True) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text="Your AI retro")] if header else []
    lines = [f"*{me_title(weeks)}*", *me_lines(weeks, bold=True)]
    blocks += [SectionBlock(text=MarkdownTextObject(text=chunk)) for chunk in chunk_lines(lines)]
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=ONLY_YOU)]))
    return blocks
