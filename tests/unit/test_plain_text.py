"""Plain, kind, short text (issue 15 point 3): dates instead of ISO week codes, one singular/plural helper
and no "(s)", the digest's one-line headline, and ``me`` grouped by team."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import formatting as fmt
from bot import vocabulary as v
from bot.blocks.digest import digest_blocks
from bot.blocks.home import HomeData, MyTeamWeek, home_blocks, status_line
from bot.blocks.me import me_blocks, me_text
from bot.blocks.summary import summary_text
from bot.digest import sections
from bot.digest.figures import DigestFigures, MemberWeekData, MomentData, compute_digest
from bot.digest.headline import headline
from bot.digest.summary import summarise, summary_lines
from bot.digest.trend import NO_TOKENS, OK, TOO_FEW_WEEKS, USAGE_WITHHELD, compute_trend
from bot.services.summaries import MyWeek
from storage.weeks import weeks_back
from tests.conftest import block_texts

MOMENT = MomentData(outcome="bug", time_saved="1h_2h", quality="better", counterfactual="no", tool="claude_code")
WEEKS = weeks_back("2026-W48", 8)


# -- dates ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("week", "label"),
    [
        ("2026-W48", "week of 23 Nov"),
        ("2026-W02", "week of 5 Jan"),
        ("2026-W01", "week of 29 Dec 2025"),  # the Monday is in the year before the week's own: the year is said
        ("2025-W01", "week of 30 Dec 2024"),
        ("2020-W53", "week of 28 Dec"),  # the last week of 2020 starts in 2020: no year
        ("2027-W01", "week of 4 Jan"),
    ],
)
def test_week_label_is_the_monday_with_the_year_only_across_a_year_boundary(week, label):
    assert fmt.week_label(week) == label


def test_a_span_of_weeks_reads_as_dates():
    assert fmt.weeks_span("2026-W41", "2026-W48") == "weeks of 5 Oct to 23 Nov"
    assert fmt.weeks_span("2026-W48", "2026-W48") == "week of 23 Nov"
    assert fmt.weeks_span("2025-W52", "2026-W01") == "weeks of 22 Dec to 29 Dec 2025"
    assert fmt.week_monday("2026-W01").isoformat() == "2025-12-29"


def test_plural_is_one_helper():
    assert sections.plural is fmt.plural
    assert [fmt.plural(n, "moment") for n in (0, 1, 2, 1234)] == ["0 moments", "1 moment", "2 moments", "1,234 moments"]
    assert fmt.plural(1, "person", "people") == "1 person" and fmt.plural(3, "person", "people") == "3 people"


# -- the headline -----------------------------------------------------------------------------------------


def week(key: str, moments: int, tokens: int) -> DigestFigures:
    """Three respondents: one logs ``moments`` × 1.5 h, two say AI didn't help; ``tokens`` spread over them."""
    share = tokens // 3
    own = tokens - 2 * share
    logger = MemberWeekData(v.HELPED if moments else v.DIDNT_HELP, True, (MOMENT,) * moments, own, own / 1e5)
    others = [MemberWeekData(v.DIDNT_HELP, True, (), share, share / 1e5)] * 2
    return compute_digest("Payments", key, [logger, *others], min_respondents=3)


def with_trend(*spec: tuple[int, int]) -> DigestFigures:
    """The last of weeks ending with 2026-W48 built from (moments, tokens), with its trend."""
    weeks = [week(k, *s) for k, s in zip(WEEKS[-len(spec) :], spec, strict=True)]
    return DigestFigures(**{**weeks[-1].__dict__, "trend": compute_trend(weeks)})


BASE = [(10, 1_000_000)] * 4


@pytest.mark.parametrize(
    ("this", "line"),
    [
        ((10, 1_600_000), "Volume without value: 10 outcomes (+0%) on 1.6M tokens (+60%)."),
        ((12, 1_200_000), "Value kept up with volume: 12 outcomes (+20%) on 1.2M tokens (+20%)."),
        ((20, 1_500_000), "Value kept up with volume: 20 outcomes (+100%) on 1.5M tokens (+50%)."),
        ((12, 2_000_000), "Value grew, volume grew more: 12 outcomes (+20%) on 2.0M tokens (+100%)."),
        ((5, 1_000_000), "Fewer outcomes: 5 outcomes (-50%) on 1.0M tokens (+0%)."),
        ((10, 500_000), "Same value on fewer tokens: 10 outcomes (+0%) on 500.0k tokens (-50%)."),
        ((10, 1_000_000), "A steady week: 10 outcomes (+0%) on 1.0M tokens (+0%)."),
    ],
)
def test_the_headline_says_whether_value_kept_up_with_volume(this, line):
    figures = with_trend(*BASE, this)
    assert figures.trend is not None and figures.trend.status == OK
    assert headline(figures) == line


def test_the_headline_counts_0_1_and_many_outcomes():
    assert headline(with_trend(*[(1, 1_000_000)] * 5)) == "A steady week: 1 outcome (+0%) on 1.0M tokens (+0%)."
    none = headline(with_trend(*[(0, 1_000_000)] * 5))
    assert none == "A steady week: 0 outcomes (none before either) on 1.0M tokens (+0%)."
    assert headline(with_trend(*[(0, 1_000_000)] * 4, (2, 1_000_000))).startswith(
        "Value kept up with volume: 2 outcomes (up from none)"
    )
    assert headline(with_trend(*[(3, 1_000_000)] * 4, (0, 1_800_000))) == (
        "Volume without value: 0 outcomes (-100%) on 1.8M tokens (+80%)."
    )


def test_without_a_trend_the_headline_gives_the_figures_and_why():
    short = with_trend((4, 1_000_000), (1, 1_000_000))
    assert short.trend is not None and short.trend.status == TOO_FEW_WEEKS
    assert headline(short) == "1 outcome on 1.0M tokens; too few weeks yet to compare with."
    no_tokens = with_trend(*BASE, (4, 0))
    assert no_tokens.trend is not None and no_tokens.trend.status == NO_TOKENS
    assert headline(no_tokens) == "4 outcomes reported; no token usage imported for this week."
    assert headline(week("2026-W48", 2, 900_000)) == "2 outcomes on 900.0k tokens."  # no trend computed


def test_a_week_with_usage_from_too_few_members_says_so():
    members = [
        MemberWeekData(v.HELPED, True, (MOMENT,), 1_000_000, 10.0),
        MemberWeekData(v.DIDNT_HELP, True),
        MemberWeekData(v.DIDNT_HELP, True),
    ]
    f = compute_digest("Payments", "2026-W48", members, 3)
    f = DigestFigures(**{**f.__dict__, "trend": compute_trend([*(week(k, 1, 900_000) for k in WEEKS[:-1]), f])})
    assert f.usage_withheld and f.trend is not None and f.trend.status == USAGE_WITHHELD
    assert headline(f) == "1 outcome reported; token usage not shown (too few members with usage)."


def test_a_withheld_week_says_only_how_many_answered():
    members = [
        MemberWeekData(v.HELPED, True, (MOMENT,), 5_000_000, 50.0),
        MemberWeekData(v.DIDNT_HELP, True, (), 5_000_000, 50.0),
        *[MemberWeekData(v.PENDING, True)] * 7,
    ]
    f = compute_digest("Payments", "2026-W48", members, 3)
    assert f.suppressed
    assert headline(f) == "Too few answers to show figures this week (2 of 9)."
    small = compute_digest("Payments", "2026-W48", members[:2], 3)
    assert headline(small) == "Too few people were asked to show anything this week (fewer than 3)."
    nobody = compute_digest("Payments", "2026-W48", [MemberWeekData(v.PENDING, False)] * 4, 3)
    assert headline(nobody) == "Nobody was asked this week, so there is nothing to show."


def test_the_headline_is_the_first_section_after_the_header():
    figures = with_trend(*BASE, (10, 1_600_000))
    blocks = [b.to_dict() for b in digest_blocks(figures)]
    assert blocks[0]["type"] == "header" and blocks[0]["text"]["text"] == "Weekly AI retro: Payments, week of 23 Nov"
    assert blocks[1]["block_id"] == "headline"
    assert blocks[1]["text"]["text"] == "*Volume without value: 10 outcomes (+0%) on 1.6M tokens (+60%).*"
    text = sections.digest_text(figures)
    assert text.splitlines()[2] == "Volume without value: 10 outcomes (+0%) on 1.6M tokens (+60%)."


# -- singular and plural in what people read ----------------------------------------------------------------


def test_the_digest_says_1_moment_and_1_member_and_many_of_each():
    one = sections.digest_text(week("2026-W48", 1, 900_000))
    assert "1 moment logged: 1 × fixed a bug." in one
    members = [
        MemberWeekData(v.HELPED, True, (MOMENT,), 300_000, 3.0),
        MemberWeekData(v.HELPED, True, (MomentData("bug", "cost", "worse", "no", "cursor"),), 300_000, 3.0),
        MemberWeekData(v.DIDNT_HELP, True, (), 300_000, 3.0),
    ]
    text = sections.digest_text(compute_digest("Payments", "2026-W48", members, 3))
    assert "Friction: 1 moment cost time; 1 member said AI didn't help." in text
    many = sections.digest_text(week("2026-W48", 3, 900_000))
    assert "3 moments logged" in many and "Friction: 0 moments cost time; 2 members said AI didn't help." in many
    for shown in (one, text, many):
        assert "(s)" not in shown and "member-week" not in shown and "-W" not in shown


def test_the_summary_counts_weeks_moments_and_answers_in_words():
    weeks = [week(k, n, 900_000) for k, n in zip(WEEKS[-3:], (0, 1, 3), strict=True)]
    lines = summary_lines(summarise("Payments", weeks))
    assert lines[0] == "Weeks of 9 Nov to 23 Nov: 9 of 9 prompts answered."
    assert "Week of 23 Nov: 3 of 3 answered, 3 moments, 4.5 h saved, 900.0k tokens." in lines
    assert "Week of 16 Nov: 3 of 3 answered, 1 moment, 1.5 h saved, 900.0k tokens." in lines
    assert "Week of 9 Nov: 3 of 3 answered, 0 moments, 0 h saved, 900.0k tokens." in lines
    assert any('Friction: 0 moments cost time, "AI didn\'t help" 7 times.' in line for line in lines)
    one = summary_lines(summarise("Payments", weeks[-1:]))
    assert one[0] == "Week of 23 Nov: 3 of 3 prompts answered."  # not "1 week(s), 2026-W48"
    text = summary_text(summarise("Payments", weeks[-1:]))
    assert text.startswith("AI retro summary: Payments, last 1 week\n")
    assert "(s)" not in summary_text(summarise("Payments", weeks)) and "respondent-week" not in "\n".join(lines)
    assert "median 0 h per respondent a week" in "\n".join(summary_lines(summarise("Payments", weeks[-2:])))


def _my_week(key: str, answer: str | None, moments: int = 0, tokens: int | None = None, teams=("Payments",)):
    return MyWeek(
        key, answer, teams if answer else (), moments, 1.5 * moments, tokens, tokens / 1e5 if tokens else None, "m"
    )


def test_me_groups_weeks_by_team_in_short_lines():
    weeks = [
        _my_week("2026-W48", v.HELPED, 2, 1_000_000),
        _my_week("2026-W47", v.HELPED, 1, 500_000),
        _my_week("2026-W46", v.DIDNT_HELP, teams=("Search",)),
        _my_week("2026-W45", None, tokens=200_000),
        _my_week("2026-W44", None),
    ]
    text = me_text(weeks)
    assert text.splitlines()[1:8] == [
        "Last 5 weeks: 3 moments logged, 4.5 h saved; your usage 1.7M tokens, ~$17.00, mostly m.",
        "Payments:",
        "  Week of 23 Nov: 2 moments, 3 h saved · 1.0M tokens, ~$10.00",
        "  Week of 16 Nov: 1 moment, 1.5 h saved · 500.0k tokens, ~$5.00",
        "Search:",
        "  Week of 9 Nov: AI didn't help",
        "Not asked (your usage only):",
    ]
    assert "Nothing recorded in the other week." in text
    assert text.count("Payments") == 1 and text.count("mostly") == 1, "the team and model are said once"
    blocks = block_texts([b.to_dict() for b in me_blocks(weeks)])
    assert "*Your last 5 weeks*" in blocks and "*Payments*" in blocks and "*Search*" in blocks


def test_me_for_0_1_and_many_weeks():
    assert "Your weeks" in block_texts([b.to_dict() for b in me_blocks([])])
    assert "Your last 0 weeks" not in block_texts([b.to_dict() for b in me_blocks([])])
    assert "Nothing recorded about you in these weeks." in me_text([])
    one = me_text([_my_week("2026-W48", v.HELPED, 1)])
    assert "Last 1 week: 1 moment logged, 1.5 h saved." in one
    many = me_text([_my_week(k, None) for k in WEEKS[-3:]])
    assert "Nothing recorded about you in these weeks." in many
    two = me_text([_my_week("2026-W48", v.SKIPPED), _my_week("2026-W47", None), _my_week("2026-W46", None)])
    assert "Week of 23 Nov: skipped" in two and "Nothing recorded in the other 2 weeks." in two
    assert "(s)" not in one + many + two


def _team_week(moments: int, answer: str = v.HELPED) -> MyTeamWeek:
    return MyTeamWeek(
        1, "Payments", "2026-W48", "UTC", datetime(2026, 11, 30, 9, tzinfo=UTC), False, False, answer, moments
    )


def test_home_says_1_moment_and_many_and_dates():
    assert status_line(_team_week(1)) == "This week (week of 23 Nov): :white_check_mark: answered, you logged 1 moment."
    assert status_line(_team_week(2)).endswith("you logged 2 moments.")
    data = HomeData(my_teams=(_team_week(1),), more_my_teams=1, weeks=(_my_week("2026-W48", v.HELPED, 1),))
    text = block_texts([b.to_dict() for b in home_blocks(data)])
    assert "…and 1 more team not listed here" in text
    assert "Your last 1 week" in text and "Week of 23 Nov: 1 moment, 1.5 h saved" in text
    assert "(s)" not in text and "2026-W" not in text
