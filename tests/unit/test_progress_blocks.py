"""An open week's view (bot.digest.progress, bot.blocks.digest): answer counts and the closing time, no figure."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.blocks.digest import progress_blocks, view_blocks, view_text
from bot.digest.progress import Progress, progress_lines
from tests.blockkit_limits import message_problems
from tests.conftest import block_texts

# Thu 26 Nov 2026, 15:00 UTC is 16:00 in Berlin (CET) and 10:00 in New York (EST)
CLOSES = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


def test_an_open_week_says_how_many_answered_and_when_it_closes_in_the_teams_time_zone():
    p = Progress("Payments", "2026-W48", prompted=6, responded=2, closes_at=CLOSES, tz="Europe/Berlin")
    answered, closing = progress_lines(p)
    assert answered == "So far 2 of 6 people answered."
    assert closing.startswith("The week's figures are computed once, when it closes (Thu 26 Nov, 16:00, or when")
    assert "nobody's answer can be read off the difference between two looks" in closing
    assert "(Thu 26 Nov, 10:00," in progress_lines(Progress("P", "2026-W48", 6, 2, CLOSES, "America/New_York"))[1]


def test_one_person_and_nobody_prompted_read_right():
    one = Progress("Payments", "2026-W48", prompted=1, responded=0, closes_at=CLOSES, tz="UTC")
    assert progress_lines(one)[0] == "So far 0 of 1 person answered."
    nobody = Progress("Payments", "2026-W48", prompted=0, responded=0, closes_at=CLOSES, tz="UTC")
    assert progress_lines(nobody)[0] == "Nobody has been prompted yet this week."


def test_the_open_week_view_is_marked_open_and_shows_counts_only():
    p = Progress("Payments", "2026-W48", prompted=6, responded=4, closes_at=CLOSES, tz="Europe/Berlin")
    text = view_text(p)
    assert text.startswith("Weekly AI retro: Payments, week of 23 Nov (still open)\n")
    for figure in ("Outcomes", "tokens", "Value per token", "saved", "%", "helped", "skipped"):
        assert figure not in text
    blocks = view_blocks(p)
    assert message_problems(blocks) == []
    shown = block_texts([b.to_dict() for b in blocks])
    assert "(still open)" in shown and "So far 4 of 6 people answered." in shown
    assert [b.to_dict() for b in blocks] == [b.to_dict() for b in progress_blocks(p)]
