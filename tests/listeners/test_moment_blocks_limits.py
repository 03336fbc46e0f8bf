"""The DM and the "your moments" modal with Edit and Delete on every moment stay within Block Kit's limits, and an
edit form filled in from a long moment too."""

from __future__ import annotations

from bot import vocabulary as v
from bot.blocks.home import MomentsWeek, my_moments_view
from bot.blocks.log_moment import Editing, log_moment_view
from bot.blocks.prompt import LoggedMoment, TokenLine, answered_blocks
from tests.blockkit_limits import message_problems, view_problems

LONG = "<b>&" * 750  # 3,000 characters that grow when escaped
TEAM = "T" * 200


def _moments(n: int) -> list[LoggedMoment]:
    return [LoggedMoment("bug", LONG, "gt8h", 2**31 - i) for i in range(n)]


def test_the_dm_with_buttons_on_every_moment():
    tokens = TokenLine(9_999_999_999, 123456.78, "m" * 300)
    assert message_problems(answered_blocks(TEAM, "2026-W48", 10**9, tokens, v.HELPED, _moments(60))) == []


def test_the_moments_modal():
    weeks = [MomentsWeek(TEAM, "2026-W48", v.HELPED, tuple(_moments(70))), MomentsWeek(TEAM, "2026-W47", v.SKIPPED, ())]
    assert view_problems(my_moments_view(weeks, 10**9, notice=LONG)) == []
    assert view_problems(my_moments_view([], 1)) == []


def test_the_edit_form_filled_in():
    fields = {
        "what": "x" * 3000,
        "outcome": "bug",
        "time_saved": "gt8h",
        "quality": "not_said",
        "counterfactual": "no",
        "tool": "other",
        "link": "https://example.com/" + "a" * 480,
        "sharing": "named",
    }
    editing = Editing(2**31 - 1, fields, "V" + "0" * 30, 2**31 - 1)
    assert view_problems(log_moment_view(10**9, TEAM, "2026-W48", editing=editing)) == []
