"""The org roll-up: one line per team whose week was published with figures, the withheld teams folded into
"other" (or only counted), and org totals that only add up figures already shown. Hand-computed from the
teams below."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from bot import vocabulary as v
from bot.blocks.org_digest import org_digest_blocks
from bot.digest.figures import ActivityData, DigestFigures, MemberWeekData, MomentData, compute_digest
from bot.digest.org import ORG_NAME, TeamWeek, combine, compute_org, merge_people, org_sections, org_text
from bot.digest.stored import from_stored, to_stored
from tests.blockkit_limits import message_problems

WEEK = "2026-W47"
SHIPPED = MomentData("feature", "2h_4h", "better", "no", "claude_code", what="Secret feature", sharing="named",
                     author="U1")  # fmt: skip  # 3 h
FIX = MomentData("bug", "1h_2h", "same", "yes", "copilot", what="Anon fix", sharing="anonymous")  # 1.5 h
CLAUDE = ActivityData(sessions=5, lines_added=100, lines_removed=20, commits=3, pull_requests=1)


def m(person: str, answer: str, *moments: MomentData, tokens: int = 0, activity: ActivityData | None = None):
    """A member-week; cost is $10 per million tokens."""
    return MemberWeekData(answer, True, moments, tokens, tokens / 100_000, activity=activity, person=person)


def published(team: TeamWeek) -> DigestFigures:
    """The team's week as it was published: computed once, stored (withheld parts left out), read back."""
    figures = compute_digest(team.name, WEEK, team.members, team.min_respondents)
    assert not figures.suppressed, "a published team line needs a week that was shown"
    return from_stored(team.name, WEEK, json.loads(json.dumps(to_stored(figures))))


# Payments (min 3): 4 respondents. 3 outcomes, 3 + 1.5 + 1.5 = 6 h; 3.5M tokens, $35 → $11.67 per outcome;
# 3 member-weeks with tokens on each side: without value U4 + U5 + U6 = 1.5M of 3.5M = 43 %. Claude Code
# activity from 3 members: shown.
PAYMENTS = TeamWeek("Payments", 3, (
    m("U1", v.HELPED, SHIPPED, tokens=1_000_000, activity=CLAUDE),
    m("U2", v.HELPED, FIX, tokens=500_000, activity=CLAUDE),
    m("U3", v.HELPED, FIX, tokens=500_000, activity=CLAUDE),
    m("U4", v.DIDNT_HELP, tokens=500_000), m("U5", v.SKIPPED, tokens=500_000), m("U6", v.PENDING, tokens=500_000),
))  # fmt: skip
# Platform (min 3): 3 respondents, 1 outcome, 1.5 h; 5.0M, $50 per outcome. No share: 2 member-weeks
# without an outcome and 1 with one, so it would be U7's or U8 + U9's tokens.
PLATFORM = TeamWeek("platform", 3, (
    m("U7", v.HELPED, FIX, tokens=1_000_000), m("U8", v.DIDNT_HELP, tokens=3_000_000),
    m("U9", v.DIDNT_HELP, tokens=1_000_000),
))  # fmt: skip
# Security (min 3): 3 respondents, 1 outcome, 3 h; only U20 has usage, so no token figure is shown.
SECURITY = TeamWeek("Security", 3, (
    m("U20", v.HELPED, SHIPPED, tokens=2_000_000), m("U21", v.DIDNT_HELP), m("U22", v.DIDNT_HELP),
))  # fmt: skip
# Checkout (min 3) and Mobile (min 4): 2 respondents each, both below their minimum: withheld and folded.
CHECKOUT = TeamWeek(
    "Checkout", 3, (m("U10", v.HELPED, SHIPPED, tokens=2_000_000), m("U11", v.DIDNT_HELP, tokens=1_000_000))
)
MOBILE = TeamWeek("Mobile", 4, (m("U12", v.HELPED, FIX, tokens=1_000_000), m("U13", v.DIDNT_HELP, tokens=1_000_000)))


def test_teams_folded_together_reach_the_largest_minimum_and_show_as_other():
    org = compute_org(WEEK, [published(PLATFORM), published(PAYMENTS)], [CHECKOUT, MOBILE], not_run=1)
    assert [f.team for f in org.teams] == ["Payments", "platform"]  # by name, case-insensitively
    assert (org.folded, org.other_min_respondents, org.not_run, org.counted_teams) == (2, 4, 1, 4)
    [teams, totals] = org_sections(org)
    assert teams.lines == (
        "Payments: 4 respondents, 3 outcomes, 6 h saved, 3.5M tokens, $11.67 per outcome, "
        "43% of tokens without reported value.",
        "platform: 3 respondents, 1 outcome, 1.5 h saved, 5.0M tokens, $50.00 per outcome.",
        # U10 + U11 + U12 + U13: 4 respondents ≥ max(3, 4); 2 outcomes, 4.5 h, 5.0M, $50 → $25; no share:
        # 2 member-weeks on each side, below the group's floor of 4
        "Other (2 teams with too few answers on their own): 4 respondents, 2 outcomes, 4.5 h saved, 5.0M tokens, "
        "$25.00 per outcome.",
        "1 team sent no prompts this week.",
    )
    # Sums of the three shown lines: 4 + 3 + 4 = 11 respondents, 3 + 1 + 2 = 6 outcomes, 6 + 1.5 + 4.5 = 12 h,
    # 3.5 + 5 + 5 = 13.5M tokens, $135 → $22.50 per outcome. No org share: only Payments shows its own, and
    # 1.5M of 3.5M printed beside 13.5M would read as a share of the whole. Per respondent: U1 3, U10 3,
    # U2 U3 U7 U12 1.5, five × 0 → median 1.5 h. 12 h / $135 × 100 = 8.9 h. Activity: Payments' three members.
    assert totals.lines == (
        "4 teams: 11 respondents, 6 outcomes, 12 h saved, 13.5M tokens, $22.50 per outcome.",
        "Median time saved per respondent: 1.5 h.",
        "Time saved per $100 of tokens: 8.9 h.",
        "Claude Code reported 9 commits and 3 pull requests (15 sessions, +300 / -60 lines); "
        "members reported 6 outcomes.",
    )


def test_org_totals_are_the_sums_of_the_shown_lines():
    org = compute_org(WEEK, [published(PAYMENTS), published(PLATFORM)], [CHECKOUT, MOBILE])
    lines = [*org.teams, org.other]
    t = org.totals
    for name in ("respondents", "responded", "prompted", "moments", "hours_saved", "tokens", "friction"):
        assert getattr(t, name) == sum(getattr(f, name) for f in lines), name
    assert t.cost_usd == pytest.approx(sum(f.cost_usd for f in lines))
    assert t.outcomes == {"feature": 2, "bug": 4}
    # nobody can be read off total minus lines: with a line that withholds its share, the org shows none
    assert t.tokens_without_value_share is None and t.tokens_without_value == 0 and t.share_withheld


def test_a_folded_group_below_the_threshold_is_only_counted_and_left_out_of_the_totals():
    small_mobile = TeamWeek("Mobile", 4, (m("U13", v.DIDNT_HELP, tokens=1_000_000),))
    shown = [published(PAYMENTS), published(PLATFORM)]
    org = compute_org(WEEK, shown, [CHECKOUT, small_mobile])
    assert org.other is None and org.folded == 2 and org.counted_teams == 2
    [teams, totals] = org_sections(org)
    assert teams.lines[-1] == (
        "2 teams had too few answers to show, even together (fewer than 4 respondents), so they are left out."
    )
    # Payments + Platform only: 7 respondents, 4 outcomes, 7.5 h, 8.5M, $85 → $21.25; no share (Platform's is withheld)
    assert totals.lines[0] == "2 teams: 7 respondents, 4 outcomes, 7.5 h saved, 8.5M tokens, $21.25 per outcome."
    assert totals.lines[-1] == "Totals leave out the 2 teams with too few answers."
    # the totals are exactly those of an org without the folded teams: no subtraction recovers them
    assert org.totals == compute_org(WEEK, shown, []).totals
    text = org_text(org)
    for hidden in ("Checkout", "Mobile", "3.0M", "4.0M", "12.5M", "11.5M", "9.5M"):  # names, sums with them
        assert hidden not in text


def test_one_team_below_its_minimum_is_never_shown_on_its_own():
    org = compute_org(WEEK, [], [CHECKOUT])
    assert org.other is None and org.totals is None
    [teams] = org_sections(org)
    assert teams.lines == (
        "No team had enough answers this week to show figures.",
        "1 team had too few answers to show, even together (fewer than 3 respondents), so it is left out.",
    )
    assert "3.0M" not in org_text(org) and "Checkout" not in org_text(org)


def test_folded_teams_with_a_minimum_below_3_need_3_respondents_together():
    # teams set up before the floor, with minimums of 1 and 2: 1 + 1 respondents are still too few
    legacy = [TeamWeek("Old A", 1, (m("U30", v.HELPED, FIX, tokens=7_000_000),)),
              TeamWeek("Old B", 2, (m("U31", v.DIDNT_HELP, tokens=1_000_000),))]  # fmt: skip
    org = compute_org(WEEK, [], legacy)
    assert (org.other, org.other_min_respondents, org.totals) == (None, 3, None)
    assert "fewer than 3 respondents" in org_text(org)
    assert "7.0M" not in org_text(org) and "8.0M" not in org_text(org)


def test_a_team_whose_usage_was_withheld_adds_no_tokens_to_the_totals():
    shown = [published(PAYMENTS), published(SECURITY)]
    assert shown[1].usage_withheld and shown[1].tokens == 0
    org = compute_org(WEEK, shown, [])
    t = org.totals
    assert (t.tokens, t.cost_usd) == (3_500_000, pytest.approx(35.0)), "Payments' usage only"
    assert (t.respondents, t.moments, t.hours_saved) == (7, 4, 9.0), "Security's answers still count"
    text = org_text(org)
    assert "Security: 3 respondents, 1 outcome, 3 h saved" in text
    assert "Token totals leave out teams with too few members with usage to show theirs." in text
    assert "2.0M" not in text and "5.5M" not in text  # U20's own tokens, or a total that includes them


def test_nothing_names_a_person_or_a_highlight():
    # published figures may still carry the team digest's highlights: the roll-up never shows them
    teams = [published(t) for t in (PAYMENTS, PLATFORM, SECURITY)]
    assert any(f.highlights for f in teams)
    text = org_text(compute_org(WEEK, teams, [CHECKOUT, MOBILE]))
    for leaked in ("U1", "U8", "U20", "Secret feature", "Anon fix", "3.0M", "2.0M"):
        assert leaked not in text  # 3.0M is U8's tokens, 2.0M U20's: no individual figure
    assert "nobody is ranked or named by tokens" in text


def test_a_person_in_two_teams_is_merged_with_their_most_substantive_answer():
    [merged] = merge_people([m("U1", v.DIDNT_HELP, tokens=7), m("U1", v.HELPED, FIX, tokens=7), m("U1", v.SKIPPED)])
    assert (merged.answer, merged.moments, merged.tokens, merged.person) == (v.HELPED, (FIX,), 7, "U1")


def test_team_without_token_data_and_an_org_of_300_teams_within_block_kit_limits():
    docs = TeamWeek("Docs", 3, (m("U1", v.HELPED, FIX), m("U2", v.DIDNT_HELP), m("U3", v.DIDNT_HELP)))
    [teams, _] = org_sections(compute_org(WEEK, [published(docs)], []))
    assert teams.lines == ("Docs: 3 respondents, 1 outcome, 1.5 h saved, no token data.",)

    many = [
        published(
            TeamWeek(
                f"{'Platform Reliability & <Payments> ' * 4}{i:03d}",
                3,
                tuple(
                    m(f"U{i}-{j}", v.HELPED if j == 0 else v.DIDNT_HELP, *((FIX,) if j == 0 else ()), tokens=10**9)
                    for j in range(3)
                ),  # fmt: skip
            )
        )
        for i in range(300)
    ]
    org = compute_org(WEEK, many, [])
    blocks = org_digest_blocks(org)
    assert message_problems(blocks) == []
    slack_text = "\n".join(b.to_dict().get("text", {}).get("text", "") for b in blocks)
    assert "…and 200 more teams" in slack_text and "&lt;Payments&gt;" in slack_text and "<Payments>" not in slack_text
    assert org_text(org).count("3 respondents, 1 outcome") == 300  # the terminal lists every team


# combine: the org totals' arithmetic ------------------------------------------------------------------


def _part(team: TeamWeek) -> DigestFigures:
    return compute_digest(team.name, WEEK, team.members, team.min_respondents)


def test_combine_leaves_out_the_usage_of_a_part_that_withheld_it():
    payments = _part(PAYMENTS)
    # even if a withheld part still carried its tokens (it should not), none reaches the total
    leaky = replace(_part(SECURITY), tokens=2_000_000, cost_usd=20.0)
    assert leaky.usage_withheld
    total = combine(ORG_NAME, WEEK, [payments, leaky])
    assert (total.tokens, total.cost_usd) == (payments.tokens, pytest.approx(payments.cost_usd))
    assert total.usage_withheld is True
    assert total.moments == payments.moments + 1 and total.respondents == payments.respondents + 3


def test_combine_leaves_out_the_idle_tokens_of_a_part_that_withheld_its_share():
    payments, platform = _part(PAYMENTS), _part(PLATFORM)
    assert platform.share_withheld and not payments.share_withheld
    leaky = replace(platform, tokens_without_value=4_000_000, token_weeks_split=(2, 1))  # must be ignored
    total = combine(ORG_NAME, WEEK, [payments, leaky])
    assert total.tokens == payments.tokens + platform.tokens  # the team total was shown, so it is summed
    assert total.tokens_without_value == 0 and total.tokens_without_value_share is None  # not a partial share
    assert total.share_withheld is True
    both_shown = combine(ORG_NAME, WEEK, [payments, payments])
    assert both_shown.tokens_without_value_share == pytest.approx(payments.tokens_without_value / payments.tokens)
    only_withheld = combine(ORG_NAME, WEEK, [platform])
    assert only_withheld.tokens_without_value_share is None and only_withheld.tokens_without_value == 0


def test_combine_leaves_out_suppressed_parts_and_withheld_activity():
    payments = _part(PAYMENTS)
    suppressed = _part(CHECKOUT)
    assert suppressed.suppressed
    leaky_activity = replace(_part(SECURITY), activity=ActivityData(100, 100, 100, 100, 100), activity_withheld=True)
    total = combine(ORG_NAME, WEEK, [payments, suppressed, leaky_activity])
    assert total.respondents == payments.respondents + 3 and total.prompted == payments.prompted + 3
    assert total.activity == payments.activity == ActivityData(15, 300, 60, 9, 3)
    assert combine(ORG_NAME, WEEK, [suppressed]).suppressed is True


def test_per_outcome_figures_come_from_the_parts_with_token_figures_only():
    payments = _part(PAYMENTS)
    withheld = _part(SECURITY)  # its usage is withheld: its outcomes must not dilute $ per outcome
    assert withheld.usage_withheld and withheld.moments
    total = combine(ORG_NAME, WEEK, [payments, withheld])
    assert total.cost_per_outcome == pytest.approx(payments.cost_per_outcome)
    assert total.hours_per_100_usd == pytest.approx(payments.hours_per_100_usd)
