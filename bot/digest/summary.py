"""A team's aggregate over several weeks, from its weekly digest figures. Pure functions.

Privacy is the digest's, week by week: a week below the team's minimum respondents contributes its
response counts only; its outcomes, hours and tokens are withheld and not added to any total. A week everyone
was away (a holiday week) did not run: it is said so, never counted as withheld or as a 0 % week.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot import formatting as fmt
from bot import vocabulary as v
from bot.digest.figures import ActivityData, DigestFigures, Spread, merge_spreads, spread_median, sum_activity
from bot.digest.progress import Progress, away_text, progress_lines
from bot.digest.sections import activity_line, hours_line, idle_share_line
from bot.digest.trend import TREND_WEEKS, Trend, comparison_line, compute_trend
from bot.formatting import plural


@dataclass(frozen=True)
class SummaryFigures:
    team: str
    weeks: tuple[DigestFigures, ...]  # oldest first
    prompted: int = 0
    responded: int = 0
    away: int = 0  # member-weeks counted away (in no response rate)
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
    respondent_hours: Spread = ()  # (hours, respondents' weeks with them): for the median only
    tokens_without_value: int = 0
    # member-weeks with tokens: (without a reported outcome, the others: with one, or away)
    token_weeks_split: tuple[int, int] = (0, 0)
    share_tokens: int = 0  # tokens of the weeks whose volume-without-value share may be shown
    usage_moments: int = 0  # moments and hours of the weeks with token figures: per outcome, per $100
    usage_hours: float = 0.0
    activity: ActivityData | None = None
    trend: Trend | None = None
    open_week: Progress | None = None  # the week still open: how many answered so far, no figures

    @property
    def first_week(self) -> str:
        return self.weeks[0].week if self.weeks else ""

    @property
    def last_week(self) -> str:
        return self.weeks[-1].week if self.weeks else ""

    @property
    def tokens_per_outcome(self) -> float | None:
        """Over the weeks with token figures only (moments of a week without them would dilute it)."""
        return self.tokens / self.usage_moments if self.usage_moments and self.tokens else None

    @property
    def cost_per_outcome(self) -> float | None:
        return self.cost_usd / self.usage_moments if self.usage_moments and self.cost_usd else None

    @property
    def hours_per_100_usd(self) -> float | None:
        return self.usage_hours / self.cost_usd * 100 if self.cost_usd else None

    @property
    def median_hours(self) -> float | None:
        """Median estimated hours saved per respondent a week, over the shown weeks."""
        return spread_median(self.respondent_hours)

    @property
    def tokens_without_value_share(self) -> float | None:
        """Of all the tokens shown, so only when every week with tokens could show its own share (a week that
        withheld it can neither add to it nor be left out of a total it is printed beside)."""
        if not self.tokens or self.share_tokens != self.tokens:
            return None
        return self.tokens_without_value / self.share_tokens


def summarise(
    team: str, weeks: Sequence[DigestFigures], history: Sequence[DigestFigures] | None = None
) -> SummaryFigures:
    """The aggregate of ``weeks`` (oldest first). The trend is the digest's, whatever the number of weeks: the
    latest week against the ones before it in the last ``TREND_WEEKS``, read from ``history`` (the weeks up to
    the latest, oldest first; default ``weeks``)."""
    shown = [w for w in weeks if not w.suppressed]
    shared = [w for w in shown if w.tokens and not w.usage_withheld and w.tokens_without_value_share is not None]
    ran = [w for w in weeks if w.prompted or w.responded or w.small_cohort]  # no prompts: not "withheld"
    outcomes: Counter[str] = Counter()
    for week in shown:
        outcomes.update(week.outcomes)
    return SummaryFigures(
        team=team,
        weeks=tuple(weeks),
        prompted=sum(w.prompted for w in weeks),
        responded=sum(w.responded for w in weeks),
        away=sum(w.away for w in weeks),
        shown_weeks=len(shown),
        withheld_weeks=len([w for w in ran if w.suppressed]),
        moments=sum(w.moments for w in shown),
        outcomes={key: outcomes[key] for key in v.OUTCOMES if outcomes[key]},
        hours_saved=sum(w.hours_saved for w in shown),
        would_not_have_happened=sum(w.would_not_have_happened for w in shown),
        friction=sum(w.friction for w in shown),
        didnt_help=sum(w.didnt_help for w in shown),
        tokens=sum(w.tokens for w in shown if not w.usage_withheld),
        cost_usd=sum(w.cost_usd for w in shown if not w.usage_withheld),
        respondent_hours=merge_spreads(w.respondent_hours for w in shown),
        tokens_without_value=sum(w.tokens_without_value for w in shared),
        token_weeks_split=(sum(w.token_weeks_split[0] for w in shared), sum(w.token_weeks_split[1] for w in shared)),
        share_tokens=sum(w.tokens for w in shared),
        usage_moments=sum(w.moments for w in shown if not w.usage_withheld and (w.tokens or w.cost_usd)),
        usage_hours=sum(w.hours_saved for w in shown if not w.usage_withheld and (w.tokens or w.cost_usd)),
        activity=sum_activity(w.activity for w in shown if not w.activity_withheld),
        trend=compute_trend(list(history if history is not None else weeks)[-TREND_WEEKS:]) if weeks else None,
    )


def week_line(week: DigestFigures) -> str:
    """One week of a team, as a line (response counts always; the rest only above the threshold)."""
    label = fmt.first_upper(fmt.week_label(week.week))
    if week.small_cohort:
        return f"{label}: fewer than {week.min_respondents} people were asked; nothing is shown."
    if week.everyone_away:
        return f"{label}: everyone was away ({plural(week.away, 'member')})."
    if not week.prompted and not week.responded:
        return f"{label}: nobody was prompted."
    answered = f"{week.responded} of {week.prompted} answered{away_text(week.away)}"
    if week.suppressed:
        return f"{label}: {answered}; figures withheld (fewer than {week.min_respondents} respondents)."
    line = f"{label}: {answered}, {plural(week.moments, 'moment')}, {fmt.hours(week.hours_saved)} saved"
    if week.tokens:
        line += f", {fmt.tokens(week.tokens)} tokens"
    return line + "."


def _trend_line(s: SummaryFigures) -> str | None:
    """The digest's comparison for the latest week (same window and wording as the digest's)."""
    return None if s.trend is None else comparison_line(s.trend, "the latest week")


def summary_lines(s: SummaryFigures) -> list[str]:
    """The aggregate in words: totals first, then one line per week (newest first)."""
    if not s.weeks:
        return ["No weeks to show yet."]
    span = fmt.weeks_span(s.first_week, s.last_week)
    lines = [f"{fmt.first_upper(span)}: {s.responded} of {plural(s.prompted, 'prompt')} answered{away_text(s.away)}."]
    if not s.prompted and not s.responded and s.away and not any(w.small_cohort for w in s.weeks):
        lines.append("Nobody was prompted in these weeks: everyone was away.")
    elif not s.prompted and not s.responded:
        lines.append("Nobody was prompted in these weeks yet.")
    elif not s.shown_weeks:
        lines.append(
            "Fewer respondents than the team's minimum in every week that ran, so no figures are shown: "
            "that keeps individual answers anonymous."
        )
    else:
        if s.withheld_weeks:
            withheld = f"{plural(s.withheld_weeks, 'week')} {'was' if s.withheld_weeks == 1 else 'were'} withheld"
            lines.append(f"{withheld} (too few respondents) and left out of the totals.")
        kinds = ", ".join(f"{n} × {v.OUTCOMES[key].lower()}" for key, n in s.outcomes.items())
        lines.append(f"Moments logged: {s.moments}" + (f" ({kinds})." if kinds else "."))
        lines.append(
            f"{hours_line(s.hours_saved, s.median_hours, 'respondent a week')} Would not have happened without AI: "
            f"{s.would_not_have_happened}. Friction: {plural(s.friction, 'moment')} cost time, "
            f'"AI didn\'t help" {"once" if s.didnt_help == 1 else plural(s.didnt_help, "time")}.'
        )
        activity = activity_line(s.activity, s.moments)
        if activity:
            lines.append(activity)
        if s.tokens:
            usage = f"Team usage: {fmt.tokens(s.tokens)} tokens, {fmt.dollars(s.cost_usd)}"
            if s.tokens_per_outcome is not None:
                usage += f"; per reported outcome {fmt.tokens(s.tokens_per_outcome)} tokens"
                if s.cost_per_outcome is not None:
                    usage += f", {fmt.dollars(s.cost_per_outcome)}"
            if s.hours_per_100_usd is not None:
                usage += f"; {fmt.hours(round(s.hours_per_100_usd, 1))} saved per $100"
            lines.append(usage + ".")
            lines.append(idle_share_line(s.tokens_without_value_share, max(w.min_respondents for w in s.weeks)))
        else:
            lines.append("No token usage imported for these weeks.")
        trend = _trend_line(s)
        if trend:
            lines.append(trend)
    lines += [week_line(w) for w in reversed(s.weeks)]
    if s.open_week is not None:
        label = fmt.first_upper(fmt.week_label(s.open_week.week))
        lines.append(f"{label} (still open): {progress_lines(s.open_week)[0]}")
    return lines
