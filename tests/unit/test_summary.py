"""A team's multi-week aggregate: totals only over weeks above the privacy threshold, hand-computed."""

from __future__ import annotations

from bot import vocabulary as v
from bot.digest.figures import MemberWeekData, MomentData, compute_digest
from bot.digest.summary import summarise, summary_lines

BUG = MomentData(outcome="bug", time_saved="1h_2h", quality="better", counterfactual="no", tool="claude_code")
TESTS = MomentData(outcome="tests", time_saved="2h_4h", quality="same", counterfactual="yes", tool="copilot")


def _helped(*moments: MomentData, tokens: int = 0, cost: float = 0.0) -> MemberWeekData:
    return MemberWeekData(v.HELPED, True, moments, tokens, cost)


def _week(week: str, members: list[MemberWeekData]):
    return compute_digest("Payments", week, members, min_respondents=3)


W46 = _week(  # 3 respondents: shown. 2 moments, 1.5 + 3 = 4.5 h, 3M tokens, $30
    "2026-W46",
    [_helped(BUG, tokens=1_000_000, cost=10.0), _helped(TESTS, tokens=1_000_000, cost=10.0),
     MemberWeekData(v.DIDNT_HELP, True, (), 1_000_000, 10.0), MemberWeekData(v.PENDING, True)],
)  # fmt: skip
W47 = _week(  # 2 respondents: withheld, even though one logged a big moment and burned tokens
    "2026-W47",
    [_helped(TESTS, TESTS, tokens=9_000_000, cost=90.0), MemberWeekData(v.DIDNT_HELP, True),
     MemberWeekData(v.SKIPPED, True), MemberWeekData(v.PENDING, True)],
)  # fmt: skip
W48 = _week(  # 3 respondents: shown. 1 moment, 1.5 h, 1M tokens, $20 (over three members)
    "2026-W48",
    [_helped(BUG, tokens=400_000, cost=8.0), MemberWeekData(v.DIDNT_HELP, True, (), 300_000, 6.0),
     MemberWeekData(v.DIDNT_HELP, True, (), 300_000, 6.0), MemberWeekData(v.PENDING, False)],
)  # fmt: skip


def test_withheld_weeks_add_nothing_but_their_response_counts():
    s = summarise("Payments", [W46, W47, W48])
    assert (s.shown_weeks, s.withheld_weeks) == (2, 1)
    assert s.prompted == 4 + 4 + 3 and s.responded == 3 + 3 + 3
    assert s.moments == 3 and s.outcomes == {"bug": 2, "tests": 1}
    assert s.hours_saved == 1.5 + 3.0 + 1.5
    assert s.tokens == 4_000_000 and s.cost_usd == 50.0
    assert s.tokens_per_outcome == 4_000_000 / 3
    assert s.hours_per_100_usd == 6.0 / 50.0 * 100
    assert s.would_not_have_happened == 2 and s.didnt_help == 1 + 2


def test_lines_say_what_was_withheld_newest_week_first():
    lines = summary_lines(summarise("Payments", [W46, W47, W48]))
    assert lines[0] == "Weeks of 9 Nov to 23 Nov: 9 of 11 prompts answered."
    assert "1 week was withheld (too few respondents) and left out of the totals." in lines
    assert "Moments logged: 3 (2 × fixed a bug, 1 × wrote tests)." in lines
    assert any(line.startswith("Team usage: 4.0M tokens, $50.00; per reported outcome 1.3M tokens") for line in lines)
    weeks = [line for line in lines if line.startswith("Week of ")]
    assert [w.split(":")[0] for w in weeks] == ["Week of 23 Nov", "Week of 16 Nov", "Week of 9 Nov"]
    assert weeks[1] == "Week of 16 Nov: 3 of 4 answered; figures withheld (fewer than 3 respondents)."
    assert "9.0M" not in "\n".join(lines), "a withheld week's tokens never show"


def test_weeks_without_a_retro_are_not_called_withheld():
    quiet = _week("2026-W45", [MemberWeekData(v.PENDING, False)] * 4)
    s = summarise("Payments", [quiet, W46])
    assert (s.shown_weeks, s.withheld_weeks) == (1, 0)
    lines = summary_lines(s)
    assert not any("withheld" in line for line in lines)
    assert "Week of 2 Nov: nobody was prompted." in lines
    assert summary_lines(summarise("Payments", [quiet]))[1] == "Nobody was prompted in these weeks yet."


def test_all_weeks_below_the_threshold_show_no_figures():
    lines = summary_lines(summarise("Payments", [W47]))
    assert any("no figures are shown" in line for line in lines)
    assert not any("Moments logged" in line or "tokens" in line for line in lines)


def _split_week(week: str, without: int, with_outcome: int):
    """``with_outcome`` helpers (1 bug, 100k tokens each) and ``without`` "didn't help" answers (300k each),
    plus "didn't help" answers without tokens so that the week is always shown."""
    members = [_helped(BUG, tokens=100_000, cost=1.0)] * with_outcome
    members += [MemberWeekData(v.DIDNT_HELP, True, (), 300_000, 3.0)] * without
    return _week(week, members + [MemberWeekData(v.DIDNT_HELP, True)] * 3)


def test_a_week_that_withheld_its_share_keeps_the_summarys_share_out_too():
    shared = _split_week("2026-W46", 3, 3)  # 900k of 1.2M without an outcome: shown
    lone = _split_week("2026-W47", 1, 3)  # one idle member-week: withheld, it would be that person's 300k
    assert not shared.share_withheld and lone.share_withheld
    s = summarise("Payments", [shared, lone])
    assert s.tokens == 1_200_000 + 600_000, "both weeks' team totals were shown, so both add up"
    # 900k of 1.8M would count the withheld week's tokens as "with value"; 900k of 1.2M, printed beside the
    # 1.8M total, would read as a share of it. Neither is right, so none is shown.
    assert s.tokens_without_value_share is None
    lines = summary_lines(s)
    assert not any("75%" in line or "50%" in line for line in lines)
    assert any("volume without value): not shown" in line for line in lines)
    only_shared = summarise("Payments", [shared, _split_week("2026-W47", 3, 3)])
    assert only_shared.tokens_without_value_share == 0.75


def test_per_outcome_figures_come_from_the_weeks_with_token_figures_only():
    priced = _split_week("2026-W46", 3, 3)  # 3 outcomes, $12 in all
    unpriced = _week("2026-W47", [_helped(BUG)] * 3 + [MemberWeekData(v.DIDNT_HELP, True)] * 3)  # 3 outcomes, no usage
    s = summarise("Payments", [priced, unpriced])
    assert s.moments == 6 and s.cost_usd == 12.0
    assert s.cost_per_outcome == 4.0, "$12 over the priced week's 3 outcomes, not over all 6"
    assert s.tokens_per_outcome == 1_200_000 / 3


def test_a_summary_of_weeks_that_all_withheld_their_share_says_so():
    s = summarise("Payments", [_split_week("2026-W46", 2, 3), _split_week("2026-W47", 3, 2)])
    assert s.tokens == 900_000 + 1_100_000 and s.tokens_without_value_share is None
    assert (
        "Tokens used by members who reported no outcome (volume without value): not shown, as fewer than 3 "
        "members are on one side (with or without an outcome)." in summary_lines(s)
    )


def test_a_week_that_withheld_its_usage_adds_no_tokens_to_the_summary():
    withheld = _week(  # 3 respondents, but only one of them has usage
        "2026-W47",
        [_helped(TESTS, tokens=9_000_000, cost=90.0), MemberWeekData(v.DIDNT_HELP, True),
         MemberWeekData(v.DIDNT_HELP, True)],
    )  # fmt: skip
    assert withheld.usage_withheld and not withheld.suppressed
    s = summarise("Payments", [W46, withheld])
    assert (s.tokens, s.cost_usd) == (3_000_000, 30.0)
    assert s.moments == 3, "its answers are still in the totals"
    assert "9.0M" not in "\n".join(summary_lines(s)) and "12.0M" not in "\n".join(summary_lines(s))
