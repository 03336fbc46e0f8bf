"""The digest's first line: what changed this week, and whether value kept up with volume. Pure.

Read from the week's figures and its trend (``bot.digest.trend``), so a manager gets the gist in five
seconds; the sections after it hold the detail. The verdict, when there is a trend to compare with:

* *Volume without value*: the trend's callout (tokens rose by 25 % or more, neither outcomes nor hours
  saved went up);
* *Value grew, volume grew more*: tokens rose, value went up too, but by a smaller share than tokens;
* *Value kept up with volume*: outcomes or hours saved went up (as much as tokens did, if tokens rose);
* *Fewer outcomes*: outcomes went down (and tokens did not rise);
* *Same value on fewer tokens*: outcomes flat, tokens down;
* *A steady week*: outcomes and tokens about as before.

A withheld week says only how many answered (and how many were away); a week everyone was away says so; a week
without a trend gives its figures and why there is no comparison.
"""

from __future__ import annotations

from bot import formatting as fmt
from bot.digest import trend as t
from bot.digest.figures import DigestFigures
from bot.digest.progress import away_text
from bot.formatting import plural


def _change(change: t.Change) -> str:
    if change.ratio is None:
        return "up from none" if change.now else "none before either"
    return f"{round(change.ratio * 100):+d}%"


def verdict(trend: t.Trend) -> str:
    """The trend's verdict in a few words (its status must be ``OK``)."""
    assert trend.tokens and trend.outcomes and trend.hours
    value_up = "up" in (trend.outcomes.direction, trend.hours.direction)
    if trend.callout:
        return "Volume without value"
    if trend.volume_rises and value_up and (trend.outcomes.ratio or 0.0) < (trend.tokens.ratio or 0.0):
        return "Value grew, volume grew more"
    if value_up:
        return "Value kept up with volume"
    if trend.outcomes.direction == "down":
        return "Fewer outcomes"
    if trend.tokens.direction == "down":
        return "Same value on fewer tokens"
    return "A steady week"


def headline(f: DigestFigures) -> str:
    """One line: the verdict and this week's outcomes and tokens, or why there are none to show."""
    if f.small_cohort:
        return f"Too few people were asked to show anything this week (fewer than {f.min_respondents})."
    if f.everyone_away:
        return f"Everyone was away this week ({plural(f.away, 'member')}), so there is nothing to show."
    if not f.prompted and not f.responded:
        return "Nobody was asked this week, so there is nothing to show."
    if f.suppressed:
        return f"Too few answers to show figures this week ({f.responded} of {f.prompted}{away_text(f.away)})."
    outcomes = plural(f.moments, "outcome")
    trend = f.trend
    if trend is not None and trend.status == t.OK:
        assert trend.tokens and trend.outcomes
        return (
            f"{verdict(trend)}: {outcomes} ({_change(trend.outcomes)}) "
            f"on {fmt.tokens(f.tokens)} tokens ({_change(trend.tokens)})."
        )
    if f.usage_withheld:
        return f"{outcomes} reported; token usage not shown (too few members with usage)."
    if not f.tokens:
        return f"{outcomes} reported; no token usage imported for this week."
    line = f"{outcomes} on {fmt.tokens(f.tokens)} tokens"
    if trend is not None and trend.status == t.TOO_FEW_WEEKS:
        line += "; too few weeks yet to compare with"
    return line + "."
