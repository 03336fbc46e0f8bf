"""The digest's wording: figures → titled lines. Shared by Block Kit (Slack) and the terminal.

Pure functions. A ``Style`` says how a named author is shown (``<@U…>`` in Slack, a display
name in the terminal) and how free text is escaped (mrkdwn in Slack, as-is in the terminal).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from bot import formatting as fmt
from bot import vocabulary as v
from bot.digest.figures import ActivityData, DigestFigures
from bot.digest.headline import headline
from bot.digest.trend import Trend, comparison_line, series_lines
from bot.formatting import plural

PROVIDER = "Claude Code"  # the provider whose analytics fill activity_records (claude-code imports)
HIGHLIGHT_CHARS = 280
LINK_CHARS = 600  # links are at most 500 characters; escaping "&" can lengthen them a little
PRIVACY_NOTE = (
    "Team totals only: nobody is ranked or named by tokens, and answers stay private "
    "unless their author chose to share them."
)


@dataclass(frozen=True)
class Style:
    mention: Callable[[str], str]
    escape: Callable[[str], str]


SLACK_STYLE = Style(mention=lambda uid: f"<@{uid}>", escape=fmt.slack_escape)


@dataclass(frozen=True)
class Section:
    title: str
    lines: tuple[str, ...]


def title(figures: DigestFigures) -> str:
    return f"Weekly AI retro: {figures.team}, {fmt.week_label(figures.week)}"


def _counts(counts: dict[str, int], labels: dict[str, str]) -> str:
    return " · ".join(f"{labels[key].lower()} {n}" for key, n in counts.items())


def hours_line(total: float, median: float | None, per: str = "respondent") -> str:
    line = f"Estimated time saved: {fmt.hours(total)}"
    if median is not None:
        line += f" in total, median {fmt.hours(median)} per {per}"
    return line + "."


def idle_share_line(share: float | None, floor: int = 3) -> str:
    """The volume-without-value line; ``None``: withheld, as a side of the split has too few people."""
    shown = (
        fmt.percent(share)
        if share is not None
        else f"not shown, as fewer than {floor} members are on one side (with or without an outcome)"
    )
    return f"Tokens used by members who reported no outcome (volume without value): {shown}."


ACTIVITY_NAMES = {
    "claude_code": "Claude Code",
    "claude-code": "Claude Code",
    "claude-code-otel": "Claude Code",
    "copilot": "GitHub Copilot",
    "cursor": "Cursor",
}


def activity_line(a: ActivityData | None, moments: int) -> str | None:
    """Provider activity beside what members reported; None when the provider reported none."""
    if a is None:
        return None
    names = list(dict.fromkeys(ACTIVITY_NAMES.get(s, s) for s in a.sources)) or [PROVIDER]
    who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    extra = ""
    if a.code_generations:
        extra += f"; {a.code_acceptances:,} of {plural(a.code_generations, 'suggestion')} accepted"
    if a.agent_requests:
        extra += f"; {plural(a.agent_requests, 'agent request')}"
    return (
        f"{who} reported {plural(a.commits, 'commit')} and {plural(a.pull_requests, 'pull request')} "
        f"({plural(a.sessions, 'session')}, +{a.lines_added:,} / -{a.lines_removed:,} lines{extra}); "
        f"members reported {plural(moments, 'outcome')}."
    )


def were_away(away: int) -> str:
    """ " 2 members were away." after the answer count (the away are not in it); nothing when nobody was."""
    return f" {plural(away, 'member')} {'was' if away == 1 else 'were'} away." if away else ""


def _responses(f: DigestFigures) -> Section:
    if f.small_cohort:
        return Section(
            "Responses",
            (
                f"Fewer than {f.min_respondents} people were asked this week, so nothing is shown, not even how "
                "many answered: that keeps each answer anonymous.",
            ),
        )
    if f.everyone_away:
        away = plural(f.away, "member")
        return Section("Responses", (f"Everyone was away this week ({away}), so there are no answers.",))
    if not f.prompted:
        return Section("Responses", ("Nobody was prompted this week.",))
    rate = fmt.percent(f.response_rate or 0.0)
    if f.suppressed:
        return Section(
            "Responses",
            (
                f"{f.responded} of {f.prompted} answered ({rate}).{were_away(f.away)}",
                f"Fewer than {f.min_respondents} people gave an answer, so nothing more is shown this week: "
                "that keeps each answer anonymous.",
            ),
        )
    lines = [
        f"{f.responded} of {f.prompted} answered ({rate}): {f.helped} logged where AI helped, "
        f"{f.didnt_help} said it didn't help, {f.skipped} skipped.{were_away(f.away)}"
    ]
    return Section("Responses", tuple(lines))


def _outcomes(f: DigestFigures) -> Section:
    if not f.moments:
        return Section("Outcomes", ("No moments logged this week.",))
    kinds = ", ".join(f"{n} × {v.OUTCOMES[key].lower()}" for key, n in f.outcomes.items())
    lines = [f"{plural(f.moments, 'moment')} logged: {kinds}.", hours_line(f.hours_saved, f.median_hours)]
    if f.quality:  # quality is optional: said of none of the moments, there is nothing to show
        lines.append(f"Quality vs without AI: {_counts(f.quality, v.QUALITY)}.")
    lines += [
        f"Would not have happened without AI: {f.would_not_have_happened} (would have happened later: "
        f"{f.would_have_happened_later}).",
        f"Friction: {plural(f.friction, 'moment')} cost time; {plural(f.didnt_help, 'member')} said AI didn't help.",
    ]
    return Section("Outcomes", tuple(lines))


SOURCE_NAMES = {
    "anthropic": "the Anthropic usage report",
    "claude-code": "Claude Code analytics",
    "claude-code-otel": "Claude Code telemetry",
    "openai": "the OpenAI usage report",
    "litellm": "LiteLLM",
    "copilot": "GitHub Copilot",
    "cursor": "Cursor",
    "csv": "an imported CSV",
}


def sources_text(sources: tuple[str, ...]) -> str:
    names = [SOURCE_NAMES.get(s, s) for s in sources]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def cost_text(cost: float, estimated: float, unknown_tokens: int) -> str:
    """Dollars as known: reported, "~$31 estimated from list prices", or "cost unknown", never "$0.00" for unknown."""
    parts = []
    if cost and not estimated:
        parts.append(fmt.dollars(cost))
    elif cost and estimated >= cost - 0.005:
        parts.append(f"~{fmt.dollars(cost)} estimated from list prices")
    elif cost:
        parts.append(f"{fmt.dollars(cost)} (~{fmt.dollars(estimated)} of it estimated from list prices)")
    if unknown_tokens:
        parts.append(f"cost unknown for {fmt.tokens(unknown_tokens)} tokens" if cost else "cost unknown")
    return ", ".join(parts) if parts else fmt.dollars(0.0)


def _value_per_token(f: DigestFigures) -> Section:
    if f.usage_withheld:
        return Section(
            "Value per token",
            (
                f"Token usage not shown: fewer than {f.min_respondents} members have usage imported for this week, "
                "so a team total would be one person's own figure.",
            ),
        )
    if not f.tokens:
        return Section("Value per token", ("No token usage imported for this week.",))
    through = ""
    if f.usage_through:
        day = date.fromisoformat(f.usage_through)
        through = f" (usage imported up to {day:%a} {day.day} {day:%b}; later usage is not added to a closed week)"
    cost = cost_text(f.cost_usd, f.estimated_cost_usd, f.unknown_cost_tokens)
    lines = [f"Team usage: {fmt.tokens(f.tokens)} tokens, {cost}{through}."]
    if f.usage_sources:
        lines.append(f"Usage from {sources_text(f.usage_sources)}.")
    if f.tokens_per_outcome is not None:
        per_outcome = f"{fmt.tokens(f.tokens_per_outcome)} tokens"
        if f.cost_per_outcome is not None:
            per_outcome += f", {fmt.dollars(f.cost_per_outcome)}"
        lines.append(f"Per reported outcome: {per_outcome}.")
    if f.hours_per_100_usd is not None:
        lines.append(f"Time saved per $100 of tokens: {fmt.hours(round(f.hours_per_100_usd, 1))}.")
    if f.tokens_without_value_share is not None or f.share_withheld:
        lines.append(idle_share_line(f.tokens_without_value_share, f.min_respondents))
    return Section("Value per token", tuple(lines))


def _activity(f: DigestFigures) -> Section | None:
    if f.activity_withheld:
        return Section(
            "Provider activity",
            (f"Not shown: fewer than {f.min_respondents} members have provider activity for this week.",),
        )
    line = activity_line(f.activity, f.moments)
    return Section("Provider activity", (line,)) if line else None


def _trend(trend: Trend | None) -> Section | None:
    if trend is None:
        return None
    return Section(f"Trend, last {plural(len(trend.weeks), 'week')}", (comparison_line(trend), *series_lines(trend)))


def _highlights(f: DigestFigures, style: Style) -> Section | None:
    if not f.highlights:
        return None
    lines = []
    for h in f.highlights:
        line = f"{v.OUTCOMES[h.outcome]}: {fmt.clip(style.escape(fmt.one_line(h.text)), HIGHLIGHT_CHARS)}"
        if h.link:
            line += f" ({fmt.clip(style.escape(h.link), LINK_CHARS)})"
        line += f" ({style.mention(h.author)})" if h.author else " (anonymous)"
        lines.append(line)
    if f.more_highlights:
        lines.append(f"…and {f.more_highlights} more.")
    return Section("Shared highlights", tuple(lines))


def digest_sections(figures: DigestFigures, style: Style) -> list[Section]:
    sections = [_responses(figures)]
    if figures.suppressed:
        return sections
    optional = (_activity(figures), _value_per_token(figures), _trend(figures.trend), _highlights(figures, style))
    return [*sections, _outcomes(figures), *(section for section in optional if section)]


def digest_text(figures: DigestFigures, style: Style = SLACK_STYLE) -> str:
    """The whole digest as plain text (terminal output and the message's notification fallback): the title,
    the headline, then the sections."""
    heading = style.escape(title(figures))
    out = [heading, "=" * len(heading), headline(figures)]
    for section in digest_sections(figures, style):
        out += ["", section.title, *(f"  {line}" for line in section.lines)]
    out += ["", PRIVACY_NOTE]
    return "\n".join(out)
