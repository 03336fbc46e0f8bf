"""A team's aggregate over several weeks, from its weekly digest figures. Pure functions.

Privacy is the digest's, week by week: a week below the team's minimum respondents contributes its
response counts only; its outcomes, hours and tokens are withheld and not added to any total.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot import formatting as fmt
from bot import vocabulary as v
from bot.digest.figures import DigestFigures


@dataclass(frozen=True)
class SummaryFigures:
    team: str
    weeks: tuple[DigestFigures, ...]  # oldest first
    prompted: int = 0
    responded: int = 0
    shown_weeks: int = 0
    withheld_weeks: int = 0
    moments: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    hours_saved: float = 0.0
    would_not_have_happened: int = 0
    friction: int = 0
    didnt_help: int = 0
    tokens: int = 0
    cost_usd: float = 0.0

    @property
    def first_week(self) -> str:
        return self.weeks[0].week if self.weeks else ""

    @property
    def last_week(self) -> str:
        return self.weeks[-1].week if self.weeks else ""

    @property
    def tokens_per_outcome(self) -> float | None:
        return self.tokens / self.moments if self.moments and self.tokens else None

    @property
    def cost_per_outcome(self) -> float | None:
        return self.cost_usd / self.moments if self.moments and self.cost_usd else None

    @property
    def hours_per_100_usd(self) -> float | None:
        return self.hours_saved / self.cost_usd * 100 if self.cost_usd else None


def summarise(team: str, weeks: Sequence[DigestFigures]) -> SummaryFigures:
    shown = [w for w in weeks if not w.suppressed]
    ran = [w for w in weeks if w.prompted or w.responded]  # a week with no prompts is not "withheld"
    outcomes: Counter[str] = Counter()
    for week in shown:
        outcomes.update(week.outcomes)
    return SummaryFigures(
        team=team,
        weeks=tuple(weeks),
        prompted=sum(w.prompted for w in weeks),
        responded=sum(w.responded for w in weeks),
        shown_weeks=len(shown),
        withheld_weeks=len([w for w in ran if w.suppressed]),
        moments=sum(w.moments for w in shown),
        outcomes={key: outcomes[key] for key in v.OUTCOMES if outcomes[key]},
        hours_saved=sum(w.hours_saved for w in shown),
        would_not_have_happened=sum(w.would_not_have_happened for w in shown),
        friction=sum(w.friction for w in shown),
        didnt_help=sum(w.didnt_help for w in shown),
        tokens=sum(w.tokens for w in shown),
        cost_usd=sum(w.cost_usd for w in shown),
    )


def week_line(week: DigestFigures) -> str:
    """One week of a team, as a line (response counts always; the rest only above the threshold)."""
    if not week.prompted and not week.responded:
        return f"{week.week}: nobody was prompted."
    answered = f"{week.responded} of {week.prompted} answered"
    if week.suppressed:
        return f"{week.week}: {answered}; figures withheld (fewer than {week.min_respondents} respondents)."
    line = f"{week.week}: {answered}, {week.moments} moment(s), {fmt.hours(week.hours_saved)} saved"
    if week.tokens:
        line += f", {fmt.tokens(week.tokens)} tokens"
    return line + "."


def summary_lines(s: SummaryFigures) -> list[str]:
    """The aggregate in words: totals first, then one line per week (newest first)."""
    if not s.weeks:
        return ["No weeks to show yet."]
    span = s.first_week if s.first_week == s.last_week else f"{s.first_week} to {s.last_week}"
    lines = [f"{len(s.weeks)} week(s), {span}: {s.responded} of {s.prompted} prompts answered."]
    if not s.prompted and not s.responded:
        lines.append("Nobody was prompted in these weeks yet.")
    elif not s.shown_weeks:
        lines.append(
            "Fewer respondents than the team's minimum in every week that ran, so no figures are shown: "
            "that keeps individual answers anonymous."
        )
    else:
        if s.withheld_weeks:
            lines.append(f"{s.withheld_weeks} week(s) withheld (too few respondents) and left out of the totals.")
        kinds = ", ".join(f"{n} × {v.OUTCOMES[key].lower()}" for key, n in s.outcomes.items())
        lines.append(f"Moments logged: {s.moments}" + (f" ({kinds})." if kinds else "."))
        lines.append(
            f"Estimated time saved: {fmt.hours(s.hours_saved)}. Would not have happened without AI: "
            f"{s.would_not_have_happened}. Friction: {s.friction} moment(s) cost time, "
            f"{s.didnt_help} said AI didn't help."
        )
        if s.tokens:
            usage = f"Team usage: {fmt.tokens(s.tokens)} tokens, {fmt.dollars(s.cost_usd)}"
            if s.tokens_per_outcome is not None:
                usage += f"; per reported outcome {fmt.tokens(s.tokens_per_outcome)} tokens"
                if s.cost_per_outcome is not None:
                    usage += f", {fmt.dollars(s.cost_per_outcome)}"
            if s.hours_per_100_usd is not None:
                usage += f"; {fmt.hours(round(s.hours_per_100_usd, 1))} saved per $100"
            lines.append(usage + ".")
        else:
            lines.append("No token usage imported for these weeks.")
    lines += [week_line(w) for w in reversed(s.weeks)]
    return lines
