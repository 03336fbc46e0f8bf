"""``/airetro me`` (and the Home tab's own part): the caller's own last weeks. Shown to them only."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block, ContextBlock, HeaderBlock, MarkdownTextObject

from bot import formatting as fmt
from bot import vocabulary as v
from bot.blocks.text import text_sections
from bot.services.summaries import MyWeek

MAX_TEAMS_NAMED = 2
ONLY_YOU = "Only you see this. Nobody else, managers included, sees your answers or your token figures."
_ANSWERS = {
    v.HELPED: "logged where AI helped",
    v.DIDNT_HELP: "AI didn't help",
    v.SKIPPED: "skipped",
    v.PENDING: "not answered yet",
    None: "not asked",
}


def week_line(week: MyWeek) -> str:
    names = [fmt.slack_escape(fmt.clip(t, 40)) for t in week.teams[:MAX_TEAMS_NAMED]]
    if len(week.teams) > MAX_TEAMS_NAMED:
        names.append(f"{len(week.teams) - MAX_TEAMS_NAMED} more")
    teams = f" ({', '.join(names)})" if names else ""
    line = f"{week.week}{teams}: {_ANSWERS[week.answer]}"
    if week.moments:
        line += f", {week.moments} moment(s), {fmt.hours(week.hours_saved)} saved"
    if week.tokens is not None:
        line += f" · {fmt.tokens(week.tokens)} tokens, ~{fmt.dollars(week.cost_usd or 0.0)}"
        if week.top_model:
            line += f", mostly {fmt.slack_escape(fmt.clip(week.top_model, 60))}"
    return line + "."


def totals_line(weeks: Sequence[MyWeek]) -> str:
    moments = sum(w.moments for w in weeks)
    hours = sum(w.hours_saved for w in weeks)
    line = f"Last {len(weeks)} week(s): {moments} moment(s) logged, {fmt.hours(hours)} saved"
    tokens = [w for w in weeks if w.tokens is not None]
    if tokens:
        line += (
            f"; your usage {fmt.tokens(sum(w.tokens or 0 for w in tokens))} tokens, "
            f"~{fmt.dollars(sum(w.cost_usd or 0.0 for w in tokens))}"
        )
    return line + "."


def me_lines(weeks: Sequence[MyWeek]) -> list[str]:
    if not weeks or all(w.answer is None and w.tokens is None for w in weeks):
        return ["Nothing recorded about you in these weeks."]
    return [totals_line(weeks), *(week_line(w) for w in weeks)]


def me_text(weeks: Sequence[MyWeek]) -> str:
    return "\n".join(["Your AI retro", *me_lines(weeks), ONLY_YOU])


def me_blocks(weeks: Sequence[MyWeek], *, header: bool = True) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text="Your AI retro")] if header else []
    blocks += text_sections(f"Your last {len(weeks)} weeks", me_lines(weeks))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=ONLY_YOU)]))
    return blocks
