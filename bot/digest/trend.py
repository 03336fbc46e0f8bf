"""Value against volume over the last weeks, and the plain-language callout. Pure functions.

The rule (also in the README):

* the window is the last ``TREND_WEEKS`` (8) ISO weeks, ending with this week;
* a week *counts* when its figures are shown (at least the team's minimum respondents) and token
  usage was imported for it; withheld weeks, weeks without token data and weeks everyone was away (a
  holiday week: no 0 % week) contribute nothing;
* this week is compared with the mean of the previous ``BASELINE_WEEKS`` (4) counting weeks in the
  window ("vs the previous 4 weeks' average"); with fewer than ``MIN_BASELINE_WEEKS`` (3) of them there is
  no trend, and the digest says so. ``/airetro summary`` compares its latest week the same way, over the
  same window, whatever number of weeks it shows;
* change = this week ÷ that mean − 1, for tokens, reported outcomes (moments) and hours saved;
* tokens *rise* at +25 % or more; a value figure is *flat* within ±10 %, *down* below −10 %, *up*
  above +10 % (with a mean of 0: flat if this week is 0 too, else up);
* the callout appears when tokens rise and neither outcomes nor hours saved are up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot import formatting as fmt
from bot.digest.figures import DigestFigures
from bot.formatting import plural

TREND_WEEKS = 8
BASELINE_WEEKS = 4
MIN_BASELINE_WEEKS = 3
TOKENS_RISE = 0.25
VALUE_FLAT = 0.10

OK, TOO_FEW_WEEKS, WITHHELD, NO_TOKENS = "ok", "too_few_weeks", "withheld", "no_tokens"
EVERYONE_AWAY = "everyone_away"
USAGE_WITHHELD = "usage_withheld"
NO_DATA = "–"


@dataclass(frozen=True)
class TrendWeek:
    week: str
    shown: bool  # False: withheld (too few respondents) or nobody prompted; its figures are all 0
    outcomes: int
    hours: float
    tokens: int  # 0: no token usage imported, or not shown
    usage_withheld: bool = False  # usage imported, but from too few members to show
    everyone_away: bool = False  # nobody was asked: the members were all away (not shown, not withheld)

    @property
    def counts(self) -> bool:
        return self.shown and self.tokens > 0


@dataclass(frozen=True)
class Change:
    """This week's figure against the baseline mean."""

    now: float
    mean: float

    @property
    def ratio(self) -> float | None:
        """now ÷ mean − 1 (rounded so +10 % is exactly 0.1); None when the mean is 0."""
        return round(self.now / self.mean - 1, 9) if self.mean else None

    @property
    def direction(self) -> str:
        if self.ratio is None:
            return "up" if self.now else "flat"
        if self.ratio > VALUE_FLAT:
            return "up"
        return "down" if self.ratio < -VALUE_FLAT else "flat"


@dataclass(frozen=True)
class Trend:
    weeks: tuple[TrendWeek, ...]  # oldest first; the last is this week
    status: str
    baseline_weeks: int = 0  # how many earlier counting weeks the mean is over
    tokens: Change | None = None
    outcomes: Change | None = None
    hours: Change | None = None

    @property
    def volume_rises(self) -> bool:
        return self.tokens is not None and (self.tokens.ratio or 0.0) >= TOKENS_RISE

    @property
    def value_flat(self) -> bool:
        return all(c is not None and c.direction != "up" for c in (self.outcomes, self.hours))

    @property
    def callout(self) -> bool:
        """Volume rose and value did not."""
        return self.status == OK and self.volume_rises and self.value_flat


def trend_week(figures: DigestFigures) -> TrendWeek:
    shown = not figures.suppressed
    return TrendWeek(
        figures.week,
        shown,
        figures.moments,
        figures.hours_saved,
        figures.tokens if shown else 0,
        shown and figures.usage_withheld,
        figures.everyone_away,
    )


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def compute_trend(weeks: Sequence[DigestFigures]) -> Trend:
    """The trend of ``weeks`` (oldest first), comparing the last with the earlier counting weeks."""
    points = tuple(trend_week(w) for w in weeks)
    if not points:
        return Trend(points, TOO_FEW_WEEKS)
    this, earlier = points[-1], [p for p in points[:-1] if p.counts]
    baseline = earlier[-BASELINE_WEEKS:]
    if this.everyone_away:
        return Trend(points, EVERYONE_AWAY, len(baseline))
    if not this.shown:
        return Trend(points, WITHHELD, len(baseline))
    if not this.tokens:
        return Trend(points, USAGE_WITHHELD if this.usage_withheld else NO_TOKENS, len(baseline))
    if len(baseline) < MIN_BASELINE_WEEKS:
        return Trend(points, TOO_FEW_WEEKS, len(baseline))
    return Trend(
        points,
        OK,
        len(baseline),
        tokens=Change(this.tokens, _mean([p.tokens for p in baseline])),
        outcomes=Change(this.outcomes, _mean([p.outcomes for p in baseline])),
        hours=Change(this.hours, _mean([p.hours for p in baseline])),
    )


def _percent(change: Change) -> str:
    if change.ratio is None:
        return "from none" if change.now else "none"
    return f"{round(change.ratio * 100):+d}%"


def _value(name: str, change: Change) -> str:
    return f"{name} {change.direction} ({_percent(change)})"


def comparison_line(trend: Trend, this: str = "this week") -> str:
    """The one-line verdict: the callout, the plain comparison, or why there is none."""
    if trend.status == EVERYONE_AWAY:
        return f"No trend: everyone was away {this}."
    if trend.status == WITHHELD:
        return f"No trend: {this}'s figures are withheld (too few respondents)."
    if trend.status == NO_TOKENS:
        return f"No trend: no token usage imported for {this}."
    if trend.status == USAGE_WITHHELD:
        return f"No trend: {this}'s token usage is not shown (too few members with usage)."
    if trend.status == TOO_FEW_WEEKS:
        have = "has" if trend.baseline_weeks == 1 else "have"
        return (
            f"Not enough weeks for a trend yet: {plural(trend.baseline_weeks, 'earlier week')} of the last "
            f"{len(trend.weeks)} {have} figures and token data; {MIN_BASELINE_WEEKS} are needed."
        )
    assert trend.tokens and trend.outcomes and trend.hours
    average = f"vs the previous {trend.baseline_weeks} weeks' average"
    if trend.callout:
        return (
            f"Volume without value: tokens {_percent(trend.tokens)} {average}, "
            f"{_value('reported outcomes', trend.outcomes)}, {_value('hours saved', trend.hours)}."
        )
    return (
        f"{fmt.first_upper(this)} {average}: tokens {_percent(trend.tokens)}, "
        f"reported outcomes {_percent(trend.outcomes)}, hours saved {_percent(trend.hours)}."
    )


def series_lines(trend: Trend) -> list[str]:
    """The weeks side by side, oldest first ("–": withheld, everyone away, or no token data); nothing with under 2
    weeks shown."""
    if sum(p.shown for p in trend.weeks) < 2:
        return []
    span = fmt.weeks_span(trend.weeks[0].week, trend.weeks[-1].week)

    def row(values: Sequence[str]) -> str:
        return " · ".join(values)

    return [
        f"Week by week, {span} ({NO_DATA} = withheld or no data):",
        "Reported outcomes: " + row([str(p.outcomes) if p.shown else NO_DATA for p in trend.weeks]),
        "Hours saved: " + row([f"{p.hours:g}" if p.shown else NO_DATA for p in trend.weeks]),
        "Tokens: " + row([fmt.tokens(p.tokens) if p.tokens else NO_DATA for p in trend.weeks]),
    ]
