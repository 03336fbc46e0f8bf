"""Every message and view the bot builds stays within Block Kit's documented limits, even for a team
of 500 whose members all write 3,000-character answers (Slack rejects the whole message otherwise)."""

from __future__ import annotations

import pytest

from bot import vocabulary as v
from bot.blocks.digest import digest_blocks
from bot.blocks.log_moment import log_moment_view
from bot.blocks.me import me_blocks
from bot.blocks.prompt import LoggedMoment, TokenLine, answered_blocks, prompt_blocks, reminder_blocks
from bot.blocks.summary import summary_blocks
from bot.digest.figures import HIGHLIGHTS, MemberWeekData, MomentData, compute_digest
from bot.digest.summary import summarise
from bot.services.summaries import MyWeek
from storage.weeks import weeks_back
from tests.blockkit_limits import message_problems, view_problems

LONG = ("Claude Code rewrote the settlement batch & its <tests> " * 60)[:3000]
TEAM = ("Platform Reliability & Payments Infrastructure " * 2)[:80]
LINK = "https://github.com/acme/payments/pull/812?" + "x" * 450


def _moment(i: int) -> MomentData:
    outcomes, times = list(v.OUTCOMES), list(v.TIME_SAVED)
    return MomentData(
        outcome=outcomes[i % len(outcomes)],
        time_saved=times[i % len(times)],
        quality="better",
        counterfactual="no",
        tool="claude_code",
        what=LONG,
        link=LINK,
        sharing="named" if i % 2 else "anonymous",
        author=f"U{i:010d}",
    )


def _team_of_500_week(week: str) -> list[MemberWeekData]:
    return [MemberWeekData(v.HELPED, True, (_moment(i), _moment(i + 1)), 3_000_000, 40.0) for i in range(500)]


def test_the_checker_catches_what_slack_would_reject():
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x"}}
    assert message_problems([section] * 51) == ["51 blocks, over 50"]
    assert message_problems([{**section, "text": {"type": "mrkdwn", "text": "x" * 3001}}]) == [
        "block 0 (section): text over 3000"
    ]
    assert message_problems([{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}]) == [
        "block 0 (header): header over 150"
    ]
    button = {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "x" * 76}, "value": "1"}
    assert message_problems([{"type": "actions", "elements": [button]}]) == ["block 0 (actions): button text over 75"]
    assert view_problems({"type": "modal", "title": {"type": "plain_text", "text": "x" * 25}, "blocks": []}) == [
        "view title over 24"
    ]


def test_the_digest_of_a_team_of_500_with_3000_character_answers():
    figures = compute_digest(TEAM, "2026-W48", _team_of_500_week("2026-W48"), 3)
    assert figures.moments == 1000 and len(figures.highlights) == HIGHLIGHTS  # shown; the rest are counted
    assert figures.more_highlights == 1000 - HIGHLIGHTS
    blocks = digest_blocks(figures)
    assert message_problems(blocks) == []


def test_a_summary_of_52_weeks():
    weeks = [compute_digest(TEAM, w, _team_of_500_week(w), 3) for w in weeks_back("2026-W48", 52)]
    assert message_problems(summary_blocks(summarise(TEAM, weeks))) == []
    assert view_problems({"type": "home", "blocks": summary_blocks(summarise(TEAM, weeks), header=False)}) == []


def test_me_over_52_weeks_in_many_teams():
    weeks = [
        MyWeek(w, v.HELPED, tuple(f"{TEAM} {i}" for i in range(15)), 40, 120.0, 9_000_000, 1234.5, "m" * 200)
        for w in weeks_back("2026-W48", 52)
    ]
    assert message_problems(me_blocks(weeks)) == []


@pytest.mark.parametrize("moments", [0, 1, 30])
def test_the_prompt_dm_in_every_state(moments):
    tokens = TokenLine(9_999_999_999, 123456.78, "m" * 300)
    logged = [LoggedMoment("bug", LONG, "gt8h")] * moments
    for blocks in (
        prompt_blocks(TEAM, "2026-W48", 10**9, tokens),
        reminder_blocks(TEAM, "2026-W48", 10**9, tokens),
        answered_blocks(TEAM, "2026-W48", 10**9, tokens, v.HELPED if moments else v.SKIPPED, logged),
    ):
        assert message_problems(blocks) == []


def test_the_log_modal():
    assert view_problems(log_moment_view(10**9, TEAM, "2026-W48", 10**9)) == []
    assert view_problems(log_moment_view(None, TEAM, "2026-W48", 10**9)) == []
