"""The volume-without-value share: with one or two members on a side (with or without a reported outcome), the
share and the team total would give a member who knows their own tokens a colleague's. Such a week's share is
withheld, in its digest and in every summary over several weeks, so that no combination recovers it."""

from __future__ import annotations

import re

import pytest

from tests.privacy.helpers import answer, digest, import_usage, prompt, summary_of, usage_rows, wednesday

W45, W46, W47 = "2026-W45", "2026-W46", "2026-W47"
WITHHELD = (
    "Tokens used by members who reported no outcome (volume without value): not shown, as fewer than 3 "
    "members are on one side (with or without an outcome)."
)
WEEKS = {
    # only barbara and edsger report an outcome: two on the "with" side
    W45: (
        {"barbara": "log", "edsger": "log", "alan": "didnt", "frances": "didnt", "donald": "didnt", "niklaus": "skip"},
        {"barbara": 2_000_000, "edsger": 1_000_000, "alan": 1_000_000, "frances": 1_000_000, "donald": 1_000_000,
         "niklaus": 1_000_000},
    ),
    # three on each side: the share may be shown (2.0M of 5.0M)
    W46: (
        {"barbara": "log", "edsger": "log", "alan": "log", "frances": "didnt", "donald": "didnt", "niklaus": "skip"},
        {"barbara": 1_000_000, "edsger": 1_000_000, "alan": 1_000_000, "frances": 500_000, "donald": 500_000,
         "niklaus": 1_000_000},
    ),
    # only donald and niklaus without an outcome: two on the "without" side
    W47: (
        {"barbara": "log", "edsger": "log", "alan": "log", "frances": "log", "donald": "didnt", "niklaus": "skip"},
        {"barbara": 1_000_000, "edsger": 1_000_000, "alan": 1_000_000, "frances": 1_000_000, "donald": 3_000_000,
         "niklaus": 1_000_000},
    ),
}  # fmt: skip


def _share(text: str) -> str:
    """The volume-without-value line (a reply shows it in its fallback text and in its blocks: the same)."""
    (line,) = {line.strip().removeprefix("• ") for line in text.splitlines() if "(volume without value)" in line}
    return line


@pytest.fixture
def three_weeks(engine, app, platform, members, ids, cli, tmp_path, midweek):
    for week, (answers, tokens) in WEEKS.items():
        midweek.move_to(wednesday(week))
        prompt(engine, app, platform)
        answer(members, answers)
        import_usage(cli, tmp_path, usage_rows(ids, week, tokens), f"{week}.csv")
    midweek.move_to(wednesday("2026-W48"))  # the three weeks have closed as time passed
    return platform


def test_the_share_is_withheld_when_a_side_has_one_or_two_members_and_shown_with_three(three_weeks, cli):
    w45, w46, w47 = (digest(cli, "Platform", week) for week in (W45, W46, W47))
    assert "Team usage: 7.0M tokens" in w45 and _share(w45) == WITHHELD
    assert "Team usage: 8.0M tokens" in w47 and _share(w47) == WITHHELD
    assert "Team usage: 5.0M tokens" in w46 and _share(w46).endswith("(volume without value): 40%.")
    for text in (w45, w47):
        assert not re.search(r"\d+%\.?$", _share(text)), "no percentage in a withheld share line"


def test_no_summary_over_several_weeks_recovers_a_withheld_share(three_weeks, sender, slack, ids, cli):
    mona = ids["mona"]
    last_one = summary_of(sender, slack, mona, "Platform", 1)  # 2026-W47 alone
    last_two = summary_of(sender, slack, mona, "Platform", 2)  # 2026-W46 and 2026-W47
    last_three = summary_of(sender, slack, mona, "Platform", 3)  # 2026-W45 to 2026-W47
    assert "Week of 16 Nov: 6 of 7 prompts answered" in last_one and "Team usage: 8.0M tokens" in last_one
    assert _share(last_one) == WITHHELD
    # the totals add every week's tokens; the share may be 2026-W46's alone, or withheld as a week in the span
    # withheld its own, but never one that folds in a withheld week: subtracting one summary from another, or
    # a week's digest from a summary, must say nothing of that week
    assert "Team usage: 13.0M tokens" in last_two and "Team usage: 20.0M tokens" in last_three
    w46 = _share(digest(cli, "Platform", W46))
    for summary in (last_two, last_three):
        assert _share(summary) in (w46, WITHHELD), _share(summary)
