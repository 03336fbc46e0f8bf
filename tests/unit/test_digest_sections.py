"""digest_text: what the team channel reads, and what it must never show or do (ping, name by tokens)."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from bot import formatting as fmt
from bot import vocabulary as v
from bot.blocks.digest import digest_blocks
from bot.digest.figures import HIGHLIGHTS as MAX_HIGHLIGHTS
from bot.digest.figures import ActivityData, MemberWeekData, MomentData, compute_digest
from bot.digest.sections import HIGHLIGHT_CHARS, SLACK_STYLE, digest_text
from bot.digest.trend import compute_trend
from storage.weeks import weeks_back
from tests.blockkit_limits import message_problems
from tests.conftest import block_texts


def moment(what: str, sharing: str = "anonymous", author: str | None = None, **kw) -> MomentData:
    fields = {
        "outcome": "feature",
        "time_saved": "2h_4h",
        "quality": "better",
        "counterfactual": "no",
        "tool": "copilot",
    }
    fields.update(kw)
    return MomentData(what=what, sharing=sharing, author=author, **fields)


def figures(moments: tuple[MomentData, ...], min_respondents: int = 3, tokens: int = 1_000_000, cost: float = 100.0):
    """5 of 6 prompted answered: 3 helped (the moments go to the first, the other two log a private one each),
    1 didn't help, 1 skipped, 1 pending: 4 respondents, and 3 members who logged (enough for anonymous
    highlights).

    Tokens are split 30/10/10 (with an outcome) and 20/20/10 % (without): 3 member-weeks on each side, so the
    idle share (didn't help + skipped + pending) is shown: 50 %.
    """
    return compute_digest(
        "Payments",
        "2026-W47",
        [
            MemberWeekData(v.HELPED, True, moments, tokens=tokens * 3 // 10, cost_usd=cost * 0.3),
            MemberWeekData(
                v.HELPED, True, (moment("second member's moment", sharing="private"),), tokens // 10, cost * 0.1
            ),
            MemberWeekData(
                v.HELPED, True, (moment("third member's moment", sharing="private"),), tokens // 10, cost * 0.1
            ),
            MemberWeekData(v.DIDNT_HELP, True, tokens=tokens * 2 // 10, cost_usd=cost * 0.2),
            MemberWeekData(v.SKIPPED, True, tokens=tokens * 2 // 10, cost_usd=cost * 0.2),
            MemberWeekData(v.PENDING, True, tokens=tokens // 10, cost_usd=cost * 0.1),
        ],
        min_respondents,
    )


def test_suppressed_week_says_too_few_answered_and_shows_nothing_else():
    f = figures((moment("Top secret highlight", sharing="named", author="U0ADA0001"),), min_respondents=5)
    text = digest_text(f)
    assert "\n  5 of 6 answered (83%).\n" in text
    assert "Fewer than 5 people gave an answer, so nothing more is shown this week: that keeps each answer " \
           "anonymous." in text  # fmt: skip
    # not even the breakdown of the answers: with so few, "1 said it didn't help" can point at someone
    for leaked in ("helped", "didn't help", "skipped", "Top secret highlight", "U0ADA0001", "1.0M", "$100",
                   "Value per token", "Outcomes", "50%"):  # fmt: skip
        assert leaked not in text


def test_a_minimum_below_3_still_withholds_a_week_of_2_respondents():
    members = [
        MemberWeekData(v.HELPED, True, (moment("Only two of us", sharing="anonymous"),), 2_000_000, 20.0),
        MemberWeekData(v.DIDNT_HELP, True, tokens=1_000_000, cost_usd=10.0),
        MemberWeekData(v.SKIPPED, True),
    ]
    text = digest_text(compute_digest("Payments", "2026-W47", members, 1))  # a team set up before the floor
    assert "3 of 3 answered (100%)." in text
    assert "Fewer than 3 people gave an answer" in text
    for leaked in ("Only two of us", "2.0M", "3.0M", "$30", "Outcomes", "didn't help"):
        assert leaked not in text


def test_normal_week_shows_every_section_with_the_figures():
    f = figures((moment("Built the export", sharing="named", author="U0ADA0001"),))
    text = digest_text(f)
    assert text.startswith("Weekly AI retro: Payments, week of 16 Nov\n")
    assert text.splitlines()[2] == "3 outcomes on 1.0M tokens.", "the headline comes first, before the sections"
    for title in ("Responses", "Outcomes", "Value per token", "Shared highlights"):
        assert f"\n{title}\n" in text
    assert "5 of 6 answered (83%): 3 logged where AI helped, 1 said it didn't help, 1 skipped." in text
    # 3 moments: 3 × feature, 3.0 h each → 9 h
    assert "3 moments logged: 3 × shipped a feature." in text
    # respondents: 3 h, 3 h, 3 h (the private moments) and 0 h ("didn't help") → median 3 h
    assert "Estimated time saved: 9 h in total, median 3 h per respondent." in text
    assert "Team usage: 1.0M tokens, $100." in text
    assert "Per reported outcome: 333.3k tokens, $33.33." in text  # 1M / 3, $100 / 3
    assert "Time saved per $100 of tokens: 9 h." in text
    assert "Tokens used by members who reported no outcome (volume without value): 50%." in text
    assert "nobody is ranked or named by tokens" in text
    assert "second member's moment" not in text  # private moments stay private


@pytest.mark.parametrize(("without", "with_outcome"), [(1, 2), (2, 2), (2, 3), (3, 2), (1, 5)])
def test_a_share_with_fewer_than_3_members_on_a_side_is_not_shown(without, with_outcome):
    members = [MemberWeekData(v.HELPED, True, (moment("a"),), tokens=100_000)] * with_outcome
    members += [MemberWeekData(v.DIDNT_HELP, True, tokens=300_000)] * without
    members += [MemberWeekData(v.DIDNT_HELP, True)] * 3  # enough respondents, but no tokens: on no side
    f = compute_digest("Payments", "2026-W47", members, 3)
    text = digest_text(f)
    assert f"Team usage: {fmt.tokens(f.tokens)} tokens" in text, "the team total is still shown"
    assert "Tokens used by members who reported no outcome (volume without value): not shown, as fewer " \
           "than 3 members are on one side (with or without an outcome)." in text  # fmt: skip
    assert "%" not in text.split("Value per token")[1], "no share in any form"


def test_a_share_with_3_members_on_each_side_is_shown():
    members = [MemberWeekData(v.HELPED, True, (moment("a"),), tokens=100_000)] * 3
    members += [MemberWeekData(v.DIDNT_HELP, True, tokens=300_000)] * 3
    text = digest_text(compute_digest("Payments", "2026-W47", members, 3))
    assert "Tokens used by members who reported no outcome (volume without value): 75%." in text  # 900k / 1.2M
    assert "not shown" not in text


def test_a_higher_team_minimum_is_the_number_each_side_needs():
    members = [MemberWeekData(v.HELPED, True, (moment("a"),), tokens=100_000)] * 3
    members += [MemberWeekData(v.DIDNT_HELP, True, tokens=300_000)] * 3
    text = digest_text(compute_digest("Payments", "2026-W47", members, 5))
    assert "not shown, as fewer than 5 members are on one side (with or without an outcome)." in text
    assert "75%" not in text


def test_usage_imported_only_up_to_a_day_before_sunday_says_so():
    f = replace(figures((moment("x"),)), usage_through="2026-11-26")
    assert (
        "Team usage: 1.0M tokens, $100 (usage imported up to Thu 26 Nov; later usage is not added to a closed "
        "week)." in digest_text(f)
    )
    assert "usage imported up to" not in digest_text(figures((moment("x"),)))


def test_week_without_token_import_says_so():
    text = digest_text(figures((moment("x y z"),), tokens=0, cost=0.0))
    assert "No token usage imported for this week." in text
    assert "Per reported outcome" not in text


def test_highlight_cannot_ping_or_mention_anyone():
    f = figures((moment("Fixed it, <!channel> look! cc <@U0BOSS001> <https://evil.example|click> & more"),))
    text = digest_text(f, SLACK_STYLE)
    assert "<!channel>" not in text
    assert "<@U0BOSS001>" not in text
    assert "<https://evil" not in text
    assert "&lt;!channel&gt; look! cc &lt;@U0BOSS001&gt; &lt;https://evil.example|click&gt; &amp; more" in text


def test_highlight_link_is_escaped_too():
    f = figures((moment("Shipped it", link="https://x.example/?a=1&b=<!here>"),))
    text = digest_text(f)
    assert "<!here>" not in text
    assert "(https://x.example/?a=1&amp;b=&lt;!here&gt;)" in text


def test_named_highlight_mentions_its_author_and_anonymous_does_not():
    f = figures(
        (
            moment("Named one", sharing="named", author="U0ADA0001"),
            moment("Anon one", sharing="anonymous", author="U0BOB0001"),
        )
    )
    lines = digest_text(f).splitlines()
    named = next(line for line in lines if "Named one" in line)
    anon = next(line for line in lines if "Anon one" in line)
    assert named.endswith("(<@U0ADA0001>)")
    assert anon.endswith("(anonymous)")
    assert "U0BOB0001" not in "\n".join(lines)


def test_long_highlight_is_clipped():
    f = figures((moment("x" * 3000, sharing="named", author="U0ADA0001"),))
    text = digest_text(f)
    line = next(line for line in text.splitlines() if "xxx" in line)
    shown = re.search(r"x+…?", line).group(0)
    assert len(shown) <= HIGHLIGHT_CHARS
    assert shown.endswith("…")  # the cut is marked
    assert line.endswith("(<@U0ADA0001>)")  # attribution survives the cut


def test_highlight_newlines_are_collapsed_so_one_highlight_is_one_line():
    f = figures((moment("first line\n\n* second line"),))
    lines = digest_text(f).splitlines()
    assert any("first line * second line" in line for line in lines)


def test_at_most_max_highlights_then_a_count_of_the_rest():
    shared = tuple(moment(f"highlight number {i:02d}") for i in range(MAX_HIGHLIGHTS + 2))
    text = digest_text(figures(shared))
    assert "highlight number 09" in text
    assert "highlight number 10" not in text
    assert "…and 2 more." in text


def test_no_line_names_a_person_together_with_tokens():
    shared = (
        moment("Built the export", sharing="named", author="U0ADA0001"),
        moment("Wrote tests", sharing="named", author="U0BOB0001", outcome="tests"),
    )
    text = digest_text(figures(shared))
    named_lines = [line for line in text.splitlines() if "<@" in line]
    assert len(named_lines) == 2
    for line in named_lines:
        assert "token" not in line.lower()
        assert "$" not in line
        assert not re.search(r"\d+(\.\d)?[kMB]\b", line)


def test_sections_in_order_with_provider_activity_and_trend_only_when_present():
    plain = digest_text(figures((moment("x"),)))
    assert "Provider activity" not in plain and "Trend" not in plain

    members = [
        MemberWeekData(v.HELPED, True, (moment("a"),), activity=ActivityData(12, 900, 200, 9, 2)),
        MemberWeekData(v.HELPED, True, (moment("b"),), activity=ActivityData(10, 340, 110, 5, 1)),
        MemberWeekData(v.HELPED, True, (moment("c"),), activity=ActivityData()),
        MemberWeekData(v.DIDNT_HELP, True),
    ]
    week = compute_digest("Payments", "2026-W47", members, 3)
    trend = compute_trend([week])
    text = digest_text(replace(week, trend=trend))
    lines = text.splitlines()
    assert lines[2] == "3 outcomes reported; no token usage imported for this week."  # the headline
    titles = [line for line in lines[3:] if line and not line.startswith((" ", "=", "Weekly", "Team"))]
    assert titles == ["Responses", "Outcomes", "Provider activity", "Value per token", "Trend, last 1 week",
                      "Shared highlights"]  # fmt: skip
    # 9 + 5 commits, 2 + 1 pull requests, 12 + 10 sessions, 900 + 340 / 200 + 110 lines
    assert (
        "Claude Code reported 14 commits and 3 pull requests (22 sessions, +1,240 / -310 lines); "
        "members reported 3 outcomes." in text
    )
    assert "No trend: no token usage imported for this week." in text


def test_a_suppressed_week_shows_no_activity_or_trend():
    members = [MemberWeekData(v.HELPED, True, (moment("a"),), 5_000, activity=ActivityData(3, 1, 1, 4, 1))]
    week = compute_digest("Payments", "2026-W47", members, 3)
    text = digest_text(replace(week, trend=compute_trend([week])))
    assert "Claude Code" not in text and "commit" not in text and "Trend" not in text and "5.0k" not in text


def test_a_full_digest_with_activity_and_trend_stays_within_block_kit_limits():
    shared = tuple(moment("x" * 3000, sharing="named", author=f"U{i:09d}", link="https://x.example/" + "y" * 480)
                   for i in range(40))  # fmt: skip
    members = [MemberWeekData(v.HELPED, True, shared, 10**12, 10**7, activity=ActivityData(*[10**9] * 5))] * 500
    weeks = [compute_digest("T" * 80, key, members, 3) for key in weeks_back("2026-W48", 8)]
    blocks = digest_blocks(replace(weeks[-1], trend=compute_trend(weeks)))
    assert message_problems(blocks) == []
    assert "Trend, last 8 weeks" in block_texts([b.to_dict() for b in blocks])


def test_usage_or_activity_of_too_few_members_is_said_not_shown():
    members = [
        MemberWeekData(v.HELPED, True, (moment("a"),), tokens=2_000_000, cost_usd=20.0, activity=ActivityData(3)),
        MemberWeekData(v.DIDNT_HELP, True),
        MemberWeekData(v.DIDNT_HELP, True),
    ]
    text = digest_text(compute_digest("Payments", "2026-W47", members, 3))
    assert "Token usage not shown: fewer than 3 members have usage imported for this week" in text
    assert "Provider activity" in text and "Not shown: fewer than 3 members have provider activity" in text
    assert "2.0M" not in text and "$20" not in text and "commit" not in text
