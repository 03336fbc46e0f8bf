"""The org roll-up: one line per team that may be shown, the rest folded into "other" (or only counted),
org totals with each person once. Hand-computed from the teams below."""

from __future__ import annotations

from bot import vocabulary as v
from bot.blocks.org_digest import org_digest_blocks
from bot.digest.figures import ActivityData, MemberWeekData, MomentData
from bot.digest.org import TeamWeek, compute_org, merge_people, org_sections, org_text
from tests.blockkit_limits import message_problems

SHIPPED = MomentData("feature", "2h_4h", "better", "no", "claude_code", what="Secret feature", sharing="named",
                     author="U1")  # fmt: skip  # 3 h
FIX = MomentData("bug", "1h_2h", "same", "yes", "copilot", what="Anon fix", sharing="anonymous")  # 1.5 h
CLAUDE = ActivityData(sessions=5, lines_added=100, lines_removed=20, commits=3, pull_requests=1)


def m(person: str, answer: str, *moments: MomentData, tokens: int = 0, activity: ActivityData | None = None):
    """A member-week; cost is $10 per million tokens."""
    return MemberWeekData(answer, True, moments, tokens, tokens / 100_000, activity=activity, person=person)


# Payments (min 3): 3 respondents. 2 outcomes, 3 + 1.5 = 4.5 h; 2.5M tokens, $25 → $12.50 per outcome;
# without value: U3 0.5M + U4 (no answer) 0.5M = 1.0M of 2.5M = 40 %.
PAYMENTS = TeamWeek("Payments", 3, (
    m("U1", v.HELPED, SHIPPED, tokens=1_000_000, activity=CLAUDE), m("U2", v.HELPED, FIX, tokens=500_000),
    m("U3", v.DIDNT_HELP, tokens=500_000), m("U4", v.PENDING, tokens=500_000),
))  # fmt: skip
# Platform (min 2): U1 again (same person, same 1M tokens), U5. 1 outcome, 1.5 h; 4.0M, $40 per outcome; no
# share: one member-week on each side, so it would be U5's tokens.
PLATFORM = TeamWeek("platform", 2, (
    m("U1", v.HELPED, FIX, tokens=1_000_000, activity=CLAUDE), m("U5", v.DIDNT_HELP, tokens=3_000_000),
))  # fmt: skip
# Checkout (min 3) and Mobile (min 4): 2 respondents each, both below their minimum: folded.
CHECKOUT = TeamWeek(
    "Checkout", 3, (m("U6", v.HELPED, SHIPPED, tokens=2_000_000), m("U7", v.DIDNT_HELP, tokens=1_000_000))
)
MOBILE = TeamWeek("Mobile", 4, (m("U8", v.HELPED, FIX, tokens=1_000_000), m("U9", v.DIDNT_HELP, tokens=1_000_000)))
# Data: nobody was prompted (paused); its tokens count nowhere.
DATA = TeamWeek("Data", 3, (MemberWeekData(v.PENDING, False, (), 5_000_000, 50.0, person="U10"),))


def test_teams_folded_together_reach_the_largest_minimum_and_show_as_other():
    org = compute_org("2026-W47", [PAYMENTS, CHECKOUT, DATA, MOBILE, PLATFORM])
    assert [f.team for f in org.teams] == ["Payments", "platform"]  # by name, case-insensitively
    assert (org.folded, org.other_min_respondents, org.not_run, org.counted_teams) == (2, 4, 1, 4)
    [teams, totals] = org_sections(org)
    assert teams.lines == (
        "Payments: 3 respondents, 2 outcomes, 4.5 h saved, 2.5M tokens, $12.50 per outcome, "
        "40% of tokens without reported value.",
        "platform: 2 respondents, 1 outcome, 1.5 h saved, 4.0M tokens, $40.00 per outcome.",
        # U6 + U7 + U8 + U9: 4 respondents ≥ max(3, 4); 2 outcomes, 4.5 h, 5.0M, $50 → $25; U7 1M + U9 1M = 40 %
        "Other (2 teams with too few answers on their own): 4 respondents, 2 outcomes, 4.5 h saved, 5.0M tokens, "
        "$25.00 per outcome, 40% of tokens without reported value.",
        "1 team sent no prompts this week.",
    )
    # Each person once: U1 is in Payments and Platform. Respondents U1 U2 U3 U5 U6 U7 U8 U9 = 8; outcomes 5;
    # hours 3 + 1.5 + 1.5 + 3 + 1.5 = 10.5; tokens U1 1 + U2 0.5 + U3 0.5 + U4 0.5 + U5 3 + U6 2 + U7 1 + U8 1
    # + U9 1 = 10.5M (not 11.5M), $105 → $21.00 per outcome; without value U3 0.5 + U4 0.5 + U5 3 + U7 1 + U9 1
    # = 6.0M of 10.5M = 57 %. Per respondent: U1 4.5, U2 1.5, U8 1.5, U6 3, four × 0 → median (0 + 1.5) / 2
    # = 0.75 h. 10.5 h / $105 × 100 = 10 h. U1's Claude Code activity once.
    assert totals.lines == (
        "4 teams: 8 respondents, 5 outcomes, 10.5 h saved, 10.5M tokens, $21.00 per outcome, "
        "57% of tokens without reported value.",
        "Median time saved per respondent: 0.8 h.",
        "Time saved per $100 of tokens: 10 h.",
        "Claude Code reported 3 commits and 1 pull request (5 sessions, +100 / -20 lines); "
        "members reported 5 outcomes.",
    )


def test_a_folded_group_below_the_threshold_is_only_counted_and_left_out_of_the_totals():
    small_mobile = TeamWeek("Mobile", 4, (m("U9", v.DIDNT_HELP, tokens=1_000_000),))
    org = compute_org("2026-W47", [PAYMENTS, PLATFORM, CHECKOUT, small_mobile])
    assert org.other is None and org.folded == 2
    [teams, totals] = org_sections(org)
    assert teams.lines[-1] == (
        "2 teams had too few answers to show, even together (fewer than 4 respondents), so they are left out."
    )
    # Payments + Platform only: U1 U2 U3 U5 = 4 respondents, 3 outcomes, 6 h, 5.5M, $55 → $18.33;
    # without value U3 0.5 + U4 0.5 + U5 3 = 4.0M of 5.5M = 73 %
    assert totals.lines[0] == (
        "2 teams: 4 respondents, 3 outcomes, 6 h saved, 5.5M tokens, $18.33 per outcome, "
        "73% of tokens without reported value."
    )
    assert totals.lines[-1] == "Totals leave out the 2 teams with too few answers."
    text = org_text(org)
    for hidden in ("Checkout", "Mobile", "3.0M", "8.5M"):  # the folded teams' names and any sum with them
        assert hidden not in text


def test_one_team_below_its_minimum_is_never_shown_on_its_own():
    org = compute_org("2026-W47", [CHECKOUT])
    assert org.other is None and org.totals is None
    [teams] = org_sections(org)
    assert teams.lines == (
        "No team had enough answers this week to show figures.",
        "1 team had too few answers to show, even together (fewer than 3 respondents), so it is left out.",
    )


def test_nothing_names_a_person_or_a_highlight():
    text = org_text(compute_org("2026-W47", [PAYMENTS, PLATFORM, CHECKOUT, MOBILE]))
    for leaked in ("U1", "U5", "Secret feature", "Anon fix", "1.0M", "3.0M"):
        assert leaked not in text  # 1.0M is U1's tokens, 3.0M U5's: no individual figure
    assert "nobody is ranked or named by tokens" in text


def test_a_person_in_two_teams_is_merged_with_their_most_substantive_answer():
    [merged] = merge_people([m("U1", v.DIDNT_HELP, tokens=7), m("U1", v.HELPED, FIX, tokens=7), m("U1", v.SKIPPED)])
    assert (merged.answer, merged.moments, merged.tokens, merged.person) == (v.HELPED, (FIX,), 7, "U1")


def test_team_without_token_data_and_an_org_of_300_teams_within_block_kit_limits():
    no_tokens = TeamWeek("Docs", 1, (m("U1", v.HELPED, FIX),))
    [teams, _] = org_sections(compute_org("2026-W47", [no_tokens]))
    assert teams.lines == ("Docs: 1 respondent, 1 outcome, 1.5 h saved, no token data.",)

    many = [
        TeamWeek(f"{'Platform Reliability & <Payments> ' * 4}{i:03d}", 1, (m(f"U{i}", v.HELPED, FIX, tokens=10**9),))
        for i in range(300)
    ]
    org = compute_org("2026-W47", many)
    blocks = org_digest_blocks(org)
    assert message_problems(blocks) == []
    slack_text = "\n".join(b.to_dict().get("text", {}).get("text", "") for b in blocks)
    assert "…and 200 more teams" in slack_text and "&lt;Payments&gt;" in slack_text and "<Payments>" not in slack_text
    assert org_text(org).count("1 respondent, 1 outcome") == 300  # the terminal lists every team
