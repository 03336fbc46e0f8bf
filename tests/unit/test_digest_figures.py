"""compute_digest: the weekly figures a team sees, hand-computed from a known team-week."""

from __future__ import annotations

from statistics import median

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import vocabulary as v
from bot.digest.figures import (
    ActivityData,
    Highlight,
    MemberWeekData,
    MomentData,
    compute_digest,
    floor_of,
    merge_spreads,
    share_discloses,
    spread_median,
)
from bot.digest.stored import from_stored, to_stored
from storage.privacy import PRIVACY_FLOOR

SHIPPED = MomentData(
    outcome="feature",
    time_saved="2h_4h",  # counts 3.0 h
    quality="better",
    counterfactual="no",  # would not have happened
    tool="claude_code",
    what="Built the billing export",
    link="https://example.com/pr/1",
    sharing="named",
    author="U0ADA0001",
)
FRICTION = MomentData(
    outcome="bug",
    time_saved="cost",  # counts 0 h, one friction moment
    quality="redo",
    counterfactual="yes",
    tool="copilot",
    what="Private: chased a hallucinated API",
    sharing="private",
    author="U0ADA0001",
)
ANON = MomentData(
    outcome="feature",
    time_saved="30m_1h",  # counts 0.75 h
    quality="same",
    counterfactual="later",
    tool="cursor",
    what="Scaffolded the settings page",
    sharing="anonymous",
    author="U0BOB0001",  # must not reach the digest: the author chose anonymous
)


def team_week() -> list[MemberWeekData]:
    """5 prompted members: 2 helped (3 moments), 1 didn't help, 1 skipped, 1 pending.

    tokens: 400k + 100k + 300k + 200k + 0 = 1,000,000; cost: 40 + 10 + 30 + 20 + 0 = $100.
    """
    return [
        MemberWeekData(v.HELPED, True, (SHIPPED, FRICTION), tokens=400_000, cost_usd=40.0),
        MemberWeekData(v.HELPED, True, (ANON,), tokens=100_000, cost_usd=10.0),
        MemberWeekData(v.DIDNT_HELP, True, tokens=300_000, cost_usd=30.0),
        MemberWeekData(v.SKIPPED, True, tokens=200_000, cost_usd=20.0),
        MemberWeekData(v.PENDING, True),
    ]


def test_response_figures():
    f = compute_digest("Payments", "2026-W47", team_week(), min_respondents=3)
    assert (f.team, f.week, f.members, f.prompted) == ("Payments", "2026-W47", 5, 5)
    # responded = helped 2 + didn't help 1 + skipped 1 = 4; respondents (substantive) = 2 + 1 = 3
    assert (f.responded, f.respondents, f.helped, f.didnt_help, f.skipped) == (4, 3, 2, 1, 1)
    assert f.response_rate == pytest.approx(0.8)  # 4 / 5
    assert f.suppressed is False  # 3 respondents meet a threshold of exactly 3


def test_outcomes_hours_quality_and_counterfactual():
    f = compute_digest("Payments", "2026-W47", team_week(), min_respondents=3)
    assert f.moments == 3
    # in vocabulary order: feature before bug
    assert list(f.outcomes.items()) == [("feature", 2), ("bug", 1)]
    assert f.hours_saved == pytest.approx(3.75)  # 3.0 + 0 + 0.75
    assert list(f.quality.items()) == [("better", 1), ("same", 1), ("redo", 1)]
    assert f.would_not_have_happened == 1
    assert f.would_have_happened_later == 1
    assert f.friction == 1  # the "it cost me time" moment


def test_value_per_token():
    f = compute_digest("Payments", "2026-W47", team_week(), min_respondents=3)
    assert f.tokens == 1_000_000
    assert f.cost_usd == pytest.approx(100.0)
    assert f.tokens_per_outcome == pytest.approx(1_000_000 / 3)  # 333,333.3 tokens per moment
    assert f.cost_per_outcome == pytest.approx(100.0 / 3)  # $33.33 per moment
    assert f.hours_per_100_usd == pytest.approx(3.75)  # 3.75 h / $100 * 100
    # member-weeks with tokens: 2 without an outcome (didn't help, skipped; pending has none), 2 with one.
    # Two people on a side are below the floor of 3: the share (and the tokens behind it) is withheld.
    assert f.share_withheld is True
    assert f.tokens_without_value_share is None
    assert (f.tokens_without_value, f.token_weeks_split) == (0, (0, 0))


def test_highlights_only_shared_moments_and_author_only_when_named():
    # a third member who logged a moment: 3 loggers reach the floor, so the anonymous highlight is shown
    third = MemberWeekData(v.HELPED, True, (FRICTION,))
    f = compute_digest("Payments", "2026-W47", [*team_week(), third], min_respondents=3)
    assert f.highlights == (
        Highlight("Built the billing export", "https://example.com/pr/1", "feature", "U0ADA0001"),
        Highlight("Scaffolded the settings page", None, "feature", None),
    )
    assert all("Private" not in h.text for h in f.highlights)
    assert "U0BOB0001" not in {h.author for h in f.highlights}


def test_an_anonymous_highlight_needs_the_floor_of_members_who_logged_a_moment():
    # team_week: only 2 members logged a moment, so "anonymous" would point at one of two people
    f = compute_digest("Payments", "2026-W47", team_week(), min_respondents=3)
    assert f.highlights == (
        Highlight("Built the billing export", "https://example.com/pr/1", "feature", "U0ADA0001"),
    ), "named highlights are shown whatever the count; the anonymous one is not"
    assert all(h.text != "Scaffolded the settings page" for h in f.highlights)


@pytest.mark.parametrize(("loggers", "min_respondents", "shown"), [(1, 3, False), (2, 3, False), (3, 3, True),
                                                                  (3, 4, False), (4, 4, True)])  # fmt: skip
def test_anonymous_highlights_are_shown_only_from_the_floor_of_loggers_up(loggers, min_respondents, shown):
    members = [MemberWeekData(v.HELPED, True, (ANON,))] + [MemberWeekData(v.HELPED, True, (FRICTION,))] * (loggers - 1)
    members += [MemberWeekData(v.DIDNT_HELP, True)] * max(0, min_respondents - loggers)  # never suppressed
    f = compute_digest("T", "2026-W47", members, min_respondents)
    assert f.suppressed is False
    assert [h.text for h in f.highlights] == (["Scaffolded the settings page"] if shown else [])
    assert all(h.author is None for h in f.highlights)


def test_several_moments_of_one_person_count_as_one_logger():
    # 3 anonymous moments, but from 2 people: still fewer than 3 people who logged
    members = [
        MemberWeekData(v.HELPED, True, (ANON, ANON)),
        MemberWeekData(v.HELPED, True, (ANON,)),
        MemberWeekData(v.DIDNT_HELP, True),
    ]
    f = compute_digest("T", "2026-W47", members, 3)
    assert f.moments == 3 and f.highlights == ()


def test_a_team_that_keeps_free_text_private_shows_no_highlight_at_all():
    third = MemberWeekData(v.HELPED, True, (ANON,))
    f = compute_digest("T", "2026-W47", [*team_week(), third], 3, share_free_text=False)
    assert f.moments == 4 and f.highlights == ()


def test_below_threshold_everything_but_the_response_rate_is_suppressed():
    f = compute_digest("Payments", "2026-W47", team_week(), min_respondents=4)  # only 3 respondents
    assert f.suppressed is True
    assert (f.responded, f.prompted, f.respondents) == (4, 5, 3)
    assert f.moments == 0 and f.outcomes == {} and f.quality == {}
    assert f.hours_saved == 0 and f.friction == 0 and f.would_not_have_happened == 0
    assert f.tokens == 0 and f.cost_usd == 0
    assert f.tokens_per_outcome is None and f.cost_per_outcome is None
    assert f.hours_per_100_usd is None and f.tokens_without_value_share is None
    assert f.highlights == ()


def test_skips_do_not_count_towards_the_privacy_threshold():
    # 2 helped + 3 skipped: 5 responded, but only 2 substantive answers < 3
    members = [MemberWeekData(v.HELPED, True, (SHIPPED,), tokens=10)] * 2 + [MemberWeekData(v.SKIPPED, True)] * 3
    f = compute_digest("Payments", "2026-W47", members, min_respondents=3)
    assert f.responded == 5 and f.respondents == 2
    assert f.suppressed is True
    assert f.highlights == () and f.tokens == 0


def test_no_tokens_means_no_per_token_figures():
    members = [
        MemberWeekData(v.HELPED, True, (SHIPPED,)),
        MemberWeekData(v.DIDNT_HELP, True),
        MemberWeekData(v.DIDNT_HELP, True),
    ]
    f = compute_digest("Payments", "2026-W47", members, min_respondents=3)
    assert f.suppressed is False
    assert f.moments == 1 and f.hours_saved == pytest.approx(3.0)
    assert f.tokens == 0
    assert f.tokens_per_outcome is None
    assert f.cost_per_outcome is None
    assert f.hours_per_100_usd is None
    assert f.tokens_without_value_share is None
    assert f.share_withheld is False and f.usage_withheld is False  # nothing to withhold: there is none


def test_tokens_but_no_moments():
    members = [MemberWeekData(v.DIDNT_HELP, True, tokens=5_000, cost_usd=2.0)] * 3
    f = compute_digest("Payments", "2026-W47", members, min_respondents=3)
    assert f.moments == 0 and f.outcomes == {}
    assert f.tokens == 15_000 and f.cost_usd == pytest.approx(6.0)
    assert f.tokens_per_outcome is None and f.cost_per_outcome is None  # nothing to divide by
    assert f.hours_per_100_usd == pytest.approx(0.0)  # 0 h for $6
    # nobody on the side with an outcome: fewer than 3 there, so the share is withheld
    assert f.tokens_without_value_share is None and f.share_withheld is True


def test_nobody_prompted_has_no_response_rate():
    f = compute_digest("Payments", "2026-W47", [MemberWeekData(v.PENDING, False)], min_respondents=3)
    assert f.prompted == 0
    assert f.response_rate is None
    assert f.suppressed is True


# Range midpoints; the open-ended top range at its lower bound; "cost" and "none" count 0.
@pytest.mark.parametrize(
    ("time_saved", "hours"),
    [
        ("cost", 0.0),
        ("none", 0.0),
        ("lt30m", 0.25),  # 0-30 min
        ("30m_1h", 0.75),  # 30-60 min
        ("1h_2h", 1.5),
        ("2h_4h", 3.0),
        ("4h_8h", 6.0),
        ("gt8h", 8.0),
    ],
)
def test_every_time_saved_choice_counts_its_documented_hours(time_saved, hours):
    moment = MomentData("other", time_saved, "same", "yes", "other")
    members = [MemberWeekData(v.HELPED, True, (moment,))] + [MemberWeekData(v.DIDNT_HELP, True)] * 2
    f = compute_digest("T", "2026-W47", members, min_respondents=3)
    assert f.suppressed is False
    assert f.hours_saved == pytest.approx(hours)
    assert f.friction == (1 if time_saved == v.FRICTION_TIME else 0)


def test_every_time_saved_choice_in_the_modal_has_an_hours_value():
    assert set(v.TIME_SAVED) == set(v.HOURS_SAVED)


def test_hours_saved_median_per_respondent():
    f = compute_digest("Payments", "2026-W47", team_week(), min_respondents=3)
    # respondents: 3.0 + 0 h, 0.75 h, and "didn't help" 0 h → sorted 0, 0.75, 3.0 → median 0.75 h
    assert f.respondent_hours == ((0.0, 1), (0.75, 1), (3.0, 1))
    assert f.median_hours == pytest.approx(0.75)
    # skipped and pending members are not respondents; an even count takes the middle two's mean
    four = [
        MemberWeekData(v.HELPED, True, (ANON, ANON)),  # 1.5 h
        MemberWeekData(v.HELPED, True, (ANON,)),  # 0.75 h
        MemberWeekData(v.DIDNT_HELP, True),
        MemberWeekData(v.DIDNT_HELP, True),
    ]
    even = compute_digest("T", "2026-W47", [*four, MemberWeekData(v.SKIPPED, True), MemberWeekData(v.PENDING, True)], 3)
    assert even.respondent_hours == ((0.0, 2), (0.75, 1), (1.5, 1))
    assert even.median_hours == pytest.approx(0.375)  # (0 + 0.75) / 2


def test_volume_without_value_counts_didnt_help_skipped_and_unanswered_weeks():
    members = [
        MemberWeekData(v.HELPED, True, (SHIPPED,), tokens=50),  # value
        MemberWeekData(v.HELPED, True, (ANON,), tokens=50),  # value
        MemberWeekData(v.HELPED, True, (FRICTION,), tokens=100),  # value (a moment, even one that cost time)
        MemberWeekData(v.DIDNT_HELP, True, tokens=300),  # no value
        MemberWeekData(v.SKIPPED, True, tokens=200),  # no outcome
        MemberWeekData(v.PENDING, True, tokens=300),  # no answer
        MemberWeekData(v.PENDING, True),  # no tokens: on no side
    ]
    f = compute_digest("T", "2026-W47", members, min_respondents=3)
    assert f.token_weeks_split == (3, 3) and f.share_withheld is False
    assert f.tokens_without_value == 800 and f.tokens_without_value_share == pytest.approx(0.8)  # of 1,000


def _split_team(without: int, with_outcome: int) -> list[MemberWeekData]:
    """``without`` member-weeks with 300 tokens and no outcome, ``with_outcome`` with 100 tokens and a moment,
    and enough "didn't help" answers without tokens that the week is never suppressed."""
    members = [MemberWeekData(v.DIDNT_HELP, True, tokens=300)] * without
    members += [MemberWeekData(v.HELPED, True, (SHIPPED,), tokens=100)] * with_outcome
    return members + [MemberWeekData(v.DIDNT_HELP, True)] * 3


@pytest.mark.parametrize(
    ("without", "with_outcome", "min_respondents", "shown"),
    [
        (1, 3, 3, False),  # one person's idle tokens = share × team tokens
        (2, 3, 3, False),  # two people's: each knows the other's
        (3, 1, 3, False),
        (3, 2, 3, False),
        (0, 3, 3, False),  # nobody on a side: still fewer than 3 there
        (3, 3, 3, True),
        (5, 4, 3, True),
        (3, 3, 4, False),  # a team's higher minimum is the floor for each side too
        (4, 4, 4, True),
    ],
)
def test_the_share_needs_the_floor_of_members_with_tokens_on_each_side(without, with_outcome, min_respondents, shown):
    f = compute_digest("T", "2026-W47", _split_team(without, with_outcome), min_respondents)
    assert f.suppressed is False and f.usage_withheld is False
    assert f.tokens == 300 * without + 100 * with_outcome, "the team total is shown either way"
    if shown:
        assert f.share_withheld is False
        assert f.token_weeks_split == (without, with_outcome)
        assert f.tokens_without_value == 300 * without
        assert f.tokens_without_value_share == pytest.approx(300 * without / f.tokens)
    else:
        assert f.share_withheld is True
        assert f.tokens_without_value_share is None
        # nothing of either side is kept: no idle tokens and no head count to divide them by
        assert (f.tokens_without_value, f.token_weeks_split) == (0, (0, 0))


def test_share_discloses_a_side_below_the_floor():
    assert share_discloses((1, 10)) and share_discloses((10, 2)) and share_discloses((0, 10))
    assert not share_discloses((3, 3)) and not share_discloses((3, 10))
    assert share_discloses((3, 3), floor=4) and not share_discloses((4, 4), floor=4)


def test_the_floor_is_the_teams_minimum_but_never_below_3():
    assert PRIVACY_FLOOR == 3
    assert [floor_of(n) for n in (0, 1, 2, 3, 4, 10)] == [3, 3, 3, 3, 4, 10]


@pytest.mark.parametrize("min_respondents", [0, 1, 2])
def test_a_minimum_below_3_is_held_to_3(min_respondents):
    two = [MemberWeekData(v.HELPED, True, (SHIPPED,), tokens=1_000), MemberWeekData(v.DIDNT_HELP, True, tokens=1_000)]
    f = compute_digest("T", "2026-W47", two, min_respondents)
    assert f.suppressed is True and f.min_respondents == 3
    assert (f.responded, f.prompted) == (2, 2)
    assert f.moments == 0 and f.tokens == 0 and f.highlights == ()
    three = compute_digest("T", "2026-W47", [*two, MemberWeekData(v.DIDNT_HELP, True)], min_respondents)
    assert three.suppressed is False and three.moments == 1


def test_provider_activity_is_summed_over_the_team_and_absent_when_nobody_has_any():
    members = [
        MemberWeekData(v.HELPED, True, (SHIPPED,), activity=ActivityData(4, 100, 10, 3, 1)),
        MemberWeekData(v.DIDNT_HELP, True, activity=ActivityData(2, 50, 5, 0, 0)),
        MemberWeekData(v.DIDNT_HELP, True, activity=ActivityData(1, 0, 0, 0, 0)),
    ]
    f = compute_digest("T", "2026-W47", members, min_respondents=3)
    assert f.activity == ActivityData(sessions=7, lines_added=150, lines_removed=15, commits=3, pull_requests=1)
    nobody = compute_digest("T", "2026-W47", [MemberWeekData(v.DIDNT_HELP, True)] * 3, min_respondents=3)
    assert nobody.suppressed is False and nobody.activity is None and nobody.activity_withheld is False
    four = [*members, MemberWeekData(v.DIDNT_HELP, True)]
    withheld = compute_digest("T", "2026-W47", four, min_respondents=4)  # 3 members with activity < 4
    assert withheld.suppressed is False and withheld.activity is None and withheld.activity_withheld is True


def test_usage_and_activity_of_fewer_members_than_the_threshold_are_not_shown_as_a_team_figure():
    members = [
        MemberWeekData(v.HELPED, True, (SHIPPED,), tokens=5_000_000, cost_usd=50.0, activity=ActivityData(4, 100)),
        MemberWeekData(v.DIDNT_HELP, True, tokens=1_000_000, cost_usd=10.0),
        MemberWeekData(v.DIDNT_HELP, True),
    ]
    f = compute_digest("T", "2026-W47", members, min_respondents=3)
    assert f.usage_withheld and f.activity_withheld
    assert (f.tokens, f.cost_usd, f.tokens_per_outcome, f.tokens_without_value_share) == (0, 0.0, None, None)
    assert f.activity is None
    assert f.moments == 1, "the answers themselves are still shown"


def test_usage_of_exactly_the_floor_of_members_is_shown():
    members = [
        MemberWeekData(v.HELPED, True, (SHIPPED,), tokens=5_000_000, cost_usd=50.0),
        MemberWeekData(v.DIDNT_HELP, True, tokens=1_000_000, cost_usd=10.0),
        MemberWeekData(v.DIDNT_HELP, True, cost_usd=1.0),  # cost without tokens is usage too
    ]
    f = compute_digest("T", "2026-W47", members, min_respondents=3)
    assert f.usage_withheld is False
    assert (f.tokens, f.cost_usd) == (6_000_000, pytest.approx(61.0))


@given(st.lists(st.sampled_from([0.0, 0.25, 0.75, 1.5, 3.0, 6.0, 8.0]), max_size=40), st.integers(1, 4))
def test_the_median_of_a_spread_is_the_median_of_its_values(values, parts):
    """Hours per respondent are kept as (hours, respondents) pairs; their median, over any merge of weeks, is
    the median of the values one by one."""
    weeks = [values[i::parts] for i in range(parts)]
    spread = merge_spreads(merge_spreads([tuple((h, 1) for h in week)]) for week in weeks)
    assert spread_median(spread) == (median(values) if values else None)
    assert sum(n for _, n in spread) == len(values)


def test_a_week_stored_with_one_number_per_respondent_reads_as_a_spread():
    data = {**to_stored(compute_digest("T", "2026-W47", team_week(), 3)), "v": 1}
    data["respondent_hours"] = [1.5, 0.0, 1.5]
    assert from_stored("T", "2026-W47", data).respondent_hours == ((0.0, 1), (1.5, 2))
