"""Members away that week (issue 15 point 2): counted, never named; out of the response rate and of either side of
volume without value (their tokens still count in the team's); the privacy floor as before, the away never making
a count or a sum small enough to read one person's answer or tokens. Hand-computed from the weeks below."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import vocabulary as v
from bot.charts.weekly import NO_RETRO, week_status
from bot.digest.figures import DigestFigures, MemberWeekData, MomentData, compute_digest, share_discloses
from bot.digest.headline import headline
from bot.digest.org import TeamWeek, combine, compute_org, merge_people, org_text
from bot.digest.progress import Progress, progress_lines
from bot.digest.sections import digest_text
from bot.digest.stored import VERSION, from_stored, to_stored
from bot.digest.summary import summarise, summary_lines, week_line
from bot.digest.trend import EVERYONE_AWAY, WITHHELD, comparison_line, compute_trend, series_lines
from bot.services.digests import empty_week
from storage.privacy import PRIVACY_FLOOR

WEEK = "2026-W47"
FIX = MomentData("bug", "1h_2h", "better", "no", "claude_code")  # 1.5 h
M = 1_000_000


def helped(tokens: int = 0, *, person: str = "") -> MemberWeekData:
    return MemberWeekData(v.HELPED, True, (FIX,), tokens, tokens / 100_000, person=person)


def member(answer: str, tokens: int = 0, *, prompted: bool = True, person: str = "") -> MemberWeekData:
    return MemberWeekData(answer, prompted, (), tokens, tokens / 100_000, person=person)


def away(tokens: int = 0, *, prompted: bool = False, person: str = "") -> MemberWeekData:
    """Counted away: at the prompt (no DM, ``prompted`` False) or before the reminder (prompted first)."""
    return member(v.AWAY, tokens, prompted=prompted, person=person)


def figures(members: list[MemberWeekData], min_respondents: int = 3, week: str = WEEK) -> DigestFigures:
    return compute_digest("Payments", week, members, min_respondents)


def published(f: DigestFigures) -> DigestFigures:
    """As stored when the week closed and read back (what every screen shows)."""
    return from_stored(f.team, f.week, json.loads(json.dumps(to_stored(f))))


# -- who counts where ------------------------------------------------------------------------------------------


def week_with_away(n_away: int) -> list[MemberWeekData]:
    """3 helped (1M tokens each), 1 skipped (2M), 1 pending (2M), 1 didn't help (2M); and ``n_away`` members
    away (5M tokens each: they used AI, and said nothing, being away), half of them prompted before."""
    return [
        helped(M), helped(M), helped(M), member(v.SKIPPED, 2 * M), member(v.PENDING, 2 * M),
        member(v.DIDNT_HELP, 2 * M), *(away(5 * M, prompted=bool(i % 2)) for i in range(n_away)),
    ]  # fmt: skip


@pytest.mark.parametrize("n_away", [0, 1, 3])
def test_the_away_are_counted_and_left_out_of_the_response_rate(n_away):
    f = figures(week_with_away(n_away))
    assert (f.members, f.away, f.prompted) == (6 + n_away, n_away, 6)
    assert (f.responded, f.respondents) == (5, 4)  # the away are neither respondents nor "didn't answer"
    assert f.response_rate == pytest.approx(5 / 6)
    assert not f.suppressed and not f.everyone_away


@pytest.mark.parametrize("n_away", [0, 1, 3])
def test_the_away_are_on_neither_side_of_volume_without_value_but_in_the_teams_tokens(n_away):
    f = figures(week_with_away(n_away))
    assert f.tokens == 9 * M + n_away * 5 * M  # real usage: the away's tokens count in the team's
    assert f.tokens_without_value == 6 * M  # skipped + pending + didn't help, never the away
    assert f.tokens_without_value_share == pytest.approx(6 * M / f.tokens)
    assert f.token_weeks_split == (3, 3 + n_away)  # the other side: everyone not idle, the away included
    assert f.tokens_per_outcome == pytest.approx(f.tokens / 3)


def test_an_away_member_who_logs_anyway_is_a_respondent_like_anyone_else():
    # counted away at the prompt (no DM), then logged: their answer is "helped", the away count does not have them
    logged_anyway = MemberWeekData(v.HELPED, True, (FIX,), M, 10.0)
    f = figures([helped(M), helped(M), logged_anyway, member(v.PENDING, M), away(M)])
    assert (f.away, f.prompted, f.responded, f.respondents, f.moments) == (1, 4, 3, 3, 3)


# -- privacy: no subtraction reads an away member's tokens ---------------------------------------------------


def shown_sums(f: DigestFigures) -> set[int]:
    """Every token sum a curious manager can read or work out from the week's published figures: the team's
    tokens, the tokens without value (shown as a share of the team's), and what is left of one after the other
    (the tokens per outcome give back only the team's tokens again)."""
    sums = {f.tokens} if f.tokens else set()
    if f.tokens_without_value_share is not None:
        idle = round(f.tokens_without_value_share * f.tokens)
        sums |= {idle, f.tokens - idle}
    if f.tokens_per_outcome is not None:
        sums.add(round(f.tokens_per_outcome * f.moments))
    return sums


def test_a_lone_away_member_beside_the_idle_keeps_the_share_out():
    # 3 loggers without usage, 3 idle with 1M each, and one away member with 7M: the team's tokens are 10M (4
    # members with usage: shown). Were the share shown, 10M - 3M = 7M would be the away member's own tokens.
    week = [helped(), helped(), helped(), member(v.SKIPPED, M), member(v.PENDING, M), member(v.DIDNT_HELP, M)]
    f = published(figures([*week, away(7 * M)]))
    assert f.tokens == 10 * M and not f.usage_withheld
    assert f.share_withheld and f.tokens_without_value_share is None and f.tokens_without_value == 0
    assert 7 * M not in shown_sums(f)
    assert shown_sums(f) == {10 * M}
    assert "not shown, as fewer than 3 members are on one side" in digest_text(f)


def test_with_enough_others_beside_the_away_the_share_is_a_sum_over_the_floor():
    # the same week and two loggers with usage: the rest (2 loggers + the away member) is 3 people's tokens
    week = [helped(M), helped(2 * M), helped(), member(v.SKIPPED, M), member(v.PENDING, M), member(v.DIDNT_HELP, M)]
    f = published(figures([*week, away(7 * M)]))
    assert f.tokens_without_value_share == pytest.approx(3 / 13)
    assert 7 * M not in shown_sums(f) and shown_sums(f) == {13 * M, 3 * M, 10 * M}


SIDE = st.lists(st.sampled_from([0, M, 2 * M, 7 * M]), max_size=5)


@given(loggers=SIDE, idle=SIDE, away_tokens=st.lists(st.sampled_from([0, M, 7 * M]), min_size=1, max_size=3))
def test_no_published_token_sum_is_over_fewer_people_than_the_floor(loggers, idle, away_tokens):
    """Whatever the week, each token sum a manager can read or work out (the team's, the idle side's, the rest)
    is over at least the floor of members with tokens: an away member's tokens are never one or two people's."""
    answers = itertools.cycle([v.SKIPPED, v.PENDING, v.DIDNT_HELP])
    members = [
        *(helped(t, person=f"L{i}") for i, t in enumerate(loggers)),
        *(member(next(answers), t, person=f"I{i}") for i, t in enumerate(idle)),
        *(away(t, prompted=bool(i % 2), person=f"A{i}") for i, t in enumerate(away_tokens)),
        helped(),
        helped(),
        helped(),  # 3 respondents at least: the week is shown
    ]
    f = published(figures(members))
    with_tokens = {
        "all": sum(1 for m in members if m.tokens),
        "idle": sum(1 for t in idle if t),
        "rest": sum(1 for t in [*loggers, *away_tokens] if t),
    }
    if f.tokens:
        assert with_tokens["all"] >= PRIVACY_FLOOR
    if f.tokens_without_value_share is not None:
        assert min(with_tokens["idle"], with_tokens["rest"]) >= PRIVACY_FLOOR
        assert round(f.tokens_without_value_share * f.tokens) == sum(idle)
    if any(away_tokens) and with_tokens["rest"] < PRIVACY_FLOOR:  # the team's less the idle's: theirs and 1 other's
        assert f.tokens_without_value_share is None and f.tokens_without_value == 0


def test_share_discloses_reads_the_split_with_the_away_on_the_second_side():
    assert share_discloses((3, 2)) and not share_discloses((3, 3))
    # 2 loggers with tokens and 1 away member: 3 on the second side, the share may be shown
    week = [helped(M), helped(M), helped(), member(v.SKIPPED, M), member(v.PENDING, M), member(v.DIDNT_HELP, M)]
    f = figures([*week, away(M)])
    assert f.token_weeks_split == (3, 3) and not f.share_withheld


# -- the floor: the answer count never says what one person did -------------------------------------------------


def test_one_member_asked_and_three_away_shows_nothing_about_that_one():
    f = figures([member(v.SKIPPED, M), away(M), away(M, prompted=True), away(M)])
    assert f.suppressed and f.small_cohort and f.away == 3
    stored = to_stored(f)
    assert (stored["prompted"], stored["responded"]) == (0, 0) and "away" not in stored
    text = digest_text(published(f))
    assert "Fewer than 3 people were asked this week, so nothing is shown" in text
    assert "1 of 1" not in text and "answered" not in headline(published(f)).lower()


def test_the_floor_of_people_asked_does_not_count_the_away():
    # 3 asked (2 away): not a small cohort; 2 respondents are below the floor: only the counts
    f = published(figures([helped(), member(v.DIDNT_HELP), member(v.PENDING), away(), away()]))
    assert f.suppressed and not f.small_cohort and (f.responded, f.prompted, f.away) == (2, 3, 2)
    assert "2 of 3 answered (67%). 2 members were away." in digest_text(f)
    assert headline(f) == "Too few answers to show figures this week (2 of 3, 2 away)."


# -- a week everyone was away ------------------------------------------------------------------------------------


def test_a_week_everyone_was_away_is_not_a_withheld_or_a_zero_percent_week():
    f = published(figures([away(M), away(M), away(M, prompted=True), away()]))
    assert f.everyone_away and f.suppressed and not f.small_cohort
    assert (f.prompted, f.responded, f.away, f.response_rate) == (0, 0, 4, None)
    assert headline(f) == "Everyone was away this week (4 members), so there is nothing to show."
    assert "Everyone was away this week (4 members), so there are no answers." in digest_text(f)
    assert "%" not in digest_text(f)
    assert week_line(f) == "Week of 16 Nov: everyone was away (4 members)."
    assert week_status(f) == NO_RETRO  # the chart: no retro that week, not "withheld"


def test_the_trend_and_summary_skip_a_week_everyone_was_away():
    shown = [figures(week_with_away(0), week=w) for w in ("2026-W44", "2026-W45", "2026-W46")]
    holiday = published(figures([away(M)] * 5, week="2026-W47"))
    trend = compute_trend([*shown, holiday])
    assert trend.status == EVERYONE_AWAY and trend.status != WITHHELD
    assert comparison_line(trend) == "No trend: everyone was away this week."
    assert series_lines(trend)[1].endswith("· –")  # not drawn as a week of 0
    s = summarise("Payments", [*shown, holiday])
    assert (s.prompted, s.responded, s.away, s.withheld_weeks, s.shown_weeks) == (18, 15, 5, 0, 3)
    lines = summary_lines(s)
    assert lines[0] == "Weeks of 26 Oct to 16 Nov: 15 of 18 prompts answered, 5 away."
    assert "withheld" not in " ".join(lines)
    assert "Week of 16 Nov: everyone was away (5 members)." in lines


def test_a_summary_of_weeks_everyone_was_away_says_so():
    s = summarise("Payments", [published(figures([away()] * 3, week=w)) for w in ("2026-W46", "2026-W47")])
    assert summary_lines(s)[:2] == [
        "Weeks of 9 Nov to 16 Nov: 0 of 0 prompts answered, 6 away.",
        "Nobody was prompted in these weeks: everyone was away.",
    ]


# -- the words: 0, 1, many away -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n_away", "said"),
    [(0, "1 skipped."), (1, "1 skipped. 1 member was away."), (3, "1 skipped. 3 members were away.")],
)
def test_the_digest_says_how_many_were_away(n_away, said):
    f = published(figures(week_with_away(n_away)))
    line = f"  5 of 6 answered (83%): 3 logged where AI helped, 1 said it didn't help, {said}"
    assert line in digest_text(f).splitlines()
    assert ("away" in digest_text(f)) == bool(n_away)


@pytest.mark.parametrize(("n_away", "said"), [(0, "5 of 6 answered,"), (1, "5 of 6 answered, 1 away,")])
def test_a_summary_week_line_says_how_many_were_away(n_away, said):
    assert week_line(published(figures(week_with_away(n_away)))).startswith(f"Week of 16 Nov: {said} 3 moments")


def test_an_open_week_counts_the_away_apart_and_never_as_answered():
    closes = datetime(2026, 11, 20, 15, tzinfo=UTC)
    assert progress_lines(Progress("P", WEEK, 5, 2, closes, "UTC", away=2, min_respondents=3))[0] == (
        "So far 2 of 5 people answered, 2 away."
    )
    assert progress_lines(Progress("P", WEEK, 5, 2, closes, "UTC", min_respondents=3))[0] == (
        "So far 2 of 5 people answered."
    )
    assert progress_lines(Progress("P", WEEK, 0, 0, closes, "UTC", away=4, min_respondents=3))[0] == (
        "Nobody has been prompted yet this week (4 away)."
    )
    # one person asked, three away: not even whether that one answered
    one = progress_lines(Progress("P", WEEK, 1, 1, closes, "UTC", away=3, min_respondents=3))[0]
    assert one == "Fewer than 3 people have been asked this week (3 away), so not even how many answered is shown."


# -- stored ------------------------------------------------------------------------------------------------------


def test_the_away_count_is_stored_with_the_week_and_a_week_stored_before_reads_as_none_away():
    f = figures(week_with_away(2))
    data = to_stored(f)
    assert VERSION == 4 and data["v"] == 4 and data["away"] == 2
    assert published(f) == f
    old = {key: value for key, value in data.items() if key != "away"} | {"v": 3}
    back = from_stored("Payments", WEEK, old)
    assert back.away == 0 and (back.prompted, back.responded) == (6, 5)
    assert "away" not in digest_text(back)


def test_a_withheld_week_stores_its_away_count_beside_the_answer_counts():
    f = figures([helped(), member(v.DIDNT_HELP), member(v.PENDING), away(), away()])
    assert set(to_stored(f)) == {"v", "min_respondents", "suppressed", "prompted", "responded", "away"}
    assert published(f).away == 2


# -- the org roll-up -------------------------------------------------------------------------------------------


def test_org_lines_and_totals_count_the_away():
    payments = published(figures(week_with_away(2)))
    platform = published(replace(figures(week_with_away(1)), team="Platform"))
    org = compute_org(WEEK, [payments, platform], [], everyone_away=1)
    assert org.totals is not None and org.totals.away == 3
    text = org_text(org)
    assert "Payments: 4 respondents, 2 away, 3 outcomes" in text
    assert "Platform: 4 respondents, 1 away, 3 outcomes" in text
    assert "2 teams: 8 respondents, 3 away, 6 outcomes" in text
    assert "Everyone was away in 1 team this week." in text
    assert combine("Org", WEEK, [payments]).away == 2


def test_away_loses_to_any_answer_when_a_person_is_merged_over_teams():
    merged = merge_people([away(M, person="U1"), member(v.PENDING, person="U1"), away(person="U2")])
    assert {m.person: m.answer for m in merged} == {"U1": v.PENDING, "U2": v.AWAY}


def test_folded_teams_count_their_away_in_other_and_never_as_respondents():
    checkout = TeamWeek("Checkout", 3, (helped(M, person="U1"), member(v.DIDNT_HELP, person="U2"), away(person="U3")))
    mobile = TeamWeek("Mobile", 3, (helped(M, person="U4"), away(M, person="U5"), away(M, person="U6")))
    org = compute_org(WEEK, [], [checkout, mobile])
    assert org.other is not None and (org.other.respondents, org.other.away, org.other.prompted) == (3, 3, 3)
    assert org.other.tokens == 4 * M  # the away's tokens too; 4 members with usage


def test_an_empty_week_has_nobody_away():
    team = SimpleNamespace(name="Payments", min_respondents=3)
    assert empty_week(team, WEEK).away == 0 and not empty_week(team, WEEK).everyone_away
