"""The 8-week trend: value (outcomes, hours) against token volume, and when the callout fires.

Every week below is built so its figures are easy to compute by hand: one member logs ``n`` moments of
1–2 h (1.5 h each); two others say AI didn't help; the week's tokens are spread over the three (a team
total of fewer members than the privacy threshold would not be shown).
"""

from __future__ import annotations

import pytest

from bot import vocabulary as v
from bot.digest.figures import DigestFigures, MemberWeekData, MomentData, compute_digest
from bot.digest.summary import summarise, summary_lines
from bot.digest.trend import NO_TOKENS, OK, TOO_FEW_WEEKS, WITHHELD, comparison_line, compute_trend, series_lines
from storage.weeks import weeks_back

MOMENT = MomentData(outcome="bug", time_saved="1h_2h", quality="better", counterfactual="no", tool="claude_code")
WEEKS = weeks_back("2026-W48", 8)  # 2026-W41 … 2026-W48


def week(key: str, moments: int, tokens: int, *, withheld: bool = False) -> DigestFigures:
    """3 respondents (or 2, below the minimum of 3, when ``withheld``); ``moments`` × 1.5 h."""
    share = tokens // 3
    own = tokens - 2 * share
    logger = MemberWeekData(v.HELPED if moments else v.DIDNT_HELP, True, (MOMENT,) * moments, own, own / 1e5)
    others = [MemberWeekData(v.DIDNT_HELP, True, (), share, share / 1e5)] * (1 if withheld else 2)
    return compute_digest("Payments", key, [logger, *others], min_respondents=3)


def series(*spec: tuple[int, int] | None) -> list[DigestFigures]:
    """Weeks ending with 2026-W48 from (moments, tokens) pairs; None = a withheld week (big numbers, hidden)."""
    keys = WEEKS[-len(spec) :]
    return [week(k, *s) if s else week(k, 9, 9_000_000, withheld=True) for k, s in zip(keys, spec, strict=True)]


def test_tokens_up_60_percent_with_outcomes_flat_is_called_out():
    # baseline: 4 weeks of 4 moments (6 h) and 1.0M tokens; this week 4 moments and 1.6M tokens
    trend = compute_trend(series((4, 1_000_000), (4, 1_000_000), (4, 1_000_000), (4, 1_000_000), (4, 1_600_000)))
    assert trend.status == OK and trend.baseline_weeks == 4
    assert trend.tokens.ratio == pytest.approx(0.6)  # 1.6M / 1.0M − 1
    assert trend.outcomes.ratio == 0 and trend.hours.ratio == 0
    assert trend.callout
    assert comparison_line(trend) == (
        "Volume without value: tokens +60% vs the previous 4 weeks' average, "
        "reported outcomes flat (+0%), hours saved flat (+0%)."
    )


def test_only_the_four_latest_earlier_weeks_with_data_make_the_baseline():
    # W41–W43 had 10M tokens but are older than the 4 latest counting weeks (W44–W47: 1M, 2M, 1M, 2M → 1.5M mean)
    spec = [(4, 10_000_000)] * 3 + [(4, 1_000_000), (4, 2_000_000), (4, 1_000_000), (4, 2_000_000), (4, 1_500_000)]
    trend = compute_trend(series(*spec))
    assert trend.tokens.mean == 1_500_000 and trend.tokens.ratio == 0
    assert not trend.callout
    assert comparison_line(trend) == (
        "This week vs the previous 4 weeks' average: tokens +0%, reported outcomes +0%, hours saved +0%."
    )


def test_withheld_weeks_and_weeks_without_tokens_contribute_nothing():
    # W41 1M, W42 withheld (9M hidden), W43 1M, W44 no token import, W45 withheld, W46 1M, W47 1M, W48 2M
    trend = compute_trend(
        series((2, 1_000_000), None, (2, 1_000_000), (8, 0), None, (2, 1_000_000), (2, 1_000_000), (2, 2_000_000))
    )
    assert trend.status == OK and trend.baseline_weeks == 4  # W41, W43, W46, W47
    assert (trend.tokens.mean, trend.outcomes.mean, trend.hours.mean) == (1_000_000, 2, 3.0)
    assert trend.callout  # +100 % tokens, outcomes and hours flat
    assert [p.counts for p in trend.weeks] == [True, False, True, False, False, True, True, True]
    assert all(p.tokens == 0 and p.outcomes == 0 for p in trend.weeks if not p.shown)


def test_too_few_weeks_says_so():
    trend = compute_trend(series((4, 1_000_000), None, (4, 1_000_000), (4, 3_000_000)))
    assert trend.status == TOO_FEW_WEEKS and trend.baseline_weeks == 2 and not trend.callout
    assert comparison_line(trend) == (
        "Not enough weeks for a trend yet: 2 earlier weeks of the last 4 have figures and token data; 3 are needed."
    )
    assert compute_trend([]).status == TOO_FEW_WEEKS


def test_three_earlier_weeks_are_enough():
    trend = compute_trend(series((4, 1_000_000), (4, 1_000_000), (4, 1_000_000), (2, 1_500_000)))
    assert trend.status == OK and trend.baseline_weeks == 3
    # outcomes 2 vs 4: −50 %; hours 3 vs 6: −50 %
    assert comparison_line(trend) == (
        "Volume without value: tokens +50% vs the previous 3 weeks' average, "
        "reported outcomes down (-50%), hours saved down (-50%)."
    )


@pytest.mark.parametrize(
    ("tokens", "moments", "callout"),
    [
        (1_250_000, 10, True),  # exactly +25 % tokens: a rise; outcomes +0 %
        (1_240_000, 10, False),  # +24 %: not a rise
        (1_250_000, 11, True),  # outcomes and hours exactly +10 %: still flat
        (1_250_000, 12, False),  # +20 %: value rose with volume
        (1_250_000, 9, True),  # −10 %: flat
        (1_250_000, 8, True),  # −20 %: down, still no value for the volume
    ],
)
def test_the_thresholds(tokens, moments, callout):
    trend = compute_trend(series(*[(10, 1_000_000)] * 4, (moments, tokens)))
    assert trend.callout is callout


def test_hours_up_alone_is_value():
    big = MomentData(outcome="bug", time_saved="gt8h", quality="better", counterfactual="no", tool="claude_code")
    weeks = series(*[(2, 1_000_000)] * 4)
    this = compute_digest(
        "Payments",
        "2026-W48",
        [
            MemberWeekData(v.HELPED, True, (big, big), 1_000_000),
            *[MemberWeekData(v.DIDNT_HELP, True, (), 500_000)] * 2,
        ],
        3,
    )
    trend = compute_trend([*weeks, this])  # outcomes 2 vs 2 (flat), hours 16 vs 3 (up)
    assert trend.outcomes.direction == "flat" and trend.hours.direction == "up"
    assert not trend.callout


def test_a_baseline_without_outcomes():
    flat = compute_trend(series(*[(0, 1_000_000)] * 4, (0, 2_000_000)))
    assert flat.callout
    assert comparison_line(flat) == (
        "Volume without value: tokens +100% vs the previous 4 weeks' average, "
        "reported outcomes flat (none), hours saved flat (none)."
    )
    new = compute_trend(series(*[(0, 1_000_000)] * 4, (1, 2_000_000)))
    assert new.outcomes.direction == "up" and not new.callout
    assert comparison_line(new) == (
        "This week vs the previous 4 weeks' average: tokens +100%, reported outcomes from none, hours saved from none."
    )


def test_this_week_withheld_or_without_tokens():
    withheld = compute_trend(series(*[(4, 1_000_000)] * 4, None))
    assert withheld.status == WITHHELD and not withheld.callout
    assert comparison_line(withheld) == "No trend: this week's figures are withheld (too few respondents)."
    untracked = compute_trend(series(*[(4, 1_000_000)] * 4, (4, 0)))
    assert untracked.status == NO_TOKENS
    assert comparison_line(untracked) == "No trend: no token usage imported for this week."


def test_series_lines_show_withheld_weeks_as_a_dash():
    trend = compute_trend(series((2, 1_000_000), None, (3, 0), (4, 2_500_000)))
    assert series_lines(trend) == [
        "Week by week, weeks of 2 Nov to 23 Nov (– = withheld or no data):",
        "Reported outcomes: 2 · – · 3 · 4",
        "Hours saved: 3 · – · 4.5 · 6",
        "Tokens: 1.0M · – · – · 2.5M",
    ]
    assert series_lines(compute_trend(series(None, (3, 0), None))) == []  # one week shown: nothing to set beside


def test_the_summary_compares_its_latest_week_as_the_digest_does_whatever_its_weeks():
    eight = series(*[(4, 1_000_000)] * 7, (4, 1_600_000))
    digest_line = comparison_line(compute_trend(eight))
    assert digest_line == (
        "Volume without value: tokens +60% vs the previous 4 weeks' average, "
        "reported outcomes flat (+0%), hours saved flat (+0%)."
    )
    assert digest_line in summary_lines(summarise("Payments", eight))
    for weeks in (1, 3, 4):  # a shorter summary compares over the digest's window, in the digest's words
        assert digest_line in summary_lines(summarise("Payments", eight[-weeks:], eight)), weeks
    calm = summary_lines(summarise("Payments", series(*[(4, 1_000_000)] * 8)))
    assert (
        "The latest week vs the previous 4 weeks' average: tokens +0%, reported outcomes +0%, hours saved +0%." in calm
    )
