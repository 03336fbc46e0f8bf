"""Anonymous means anonymous: a moment shared "anonymously" is quoted in the digest only when at least three
members logged a moment that week; with one or two, everyone would know (or nearly) whose it is."""

from __future__ import annotations

from bot.formatting import week_label
from tests.conftest import CHANNEL
from tests.privacy.helpers import answer, digest, post_digest_now, posted_digests, prompt, summary_of, wednesday

ANONYMOUS = {"sharing": "anonymous", "outcome": "bug"}
WEEKS = {
    # one logger (ada), three more respondents who said AI didn't help
    "2026-W46": {"ada": {**ANONYMOUS, "what": "Ada's anonymous fix, week 46"}, "grace": "didnt", "linus": "didnt",
                 "margaret": "didnt"},
    # two loggers: ada's is anonymous, grace's private
    "2026-W47": {"ada": {**ANONYMOUS, "what": "Ada's anonymous fix, week 47"}, "grace": "log", "linus": "didnt",
                 "margaret": "didnt"},
    # three loggers
    "2026-W48": {"ada": {**ANONYMOUS, "what": "Ada's anonymous fix, week 48"}, "grace": "log", "linus": "log",
                 "margaret": "didnt"},
}  # fmt: skip


def test_an_anonymous_highlight_needs_three_members_who_logged(
    engine, app, team, members, ids, sender, slack, cli, midweek
):
    for week, answers in WEEKS.items():
        midweek.move_to(wednesday(week))
        prompt(engine, app, team)
        answer(members, answers)
        post_digest_now(sender, slack, ids["mona"])
    w46, w47, w48 = posted_digests(slack, CHANNEL)
    summary = summary_of(sender, slack, ids["mona"], weeks=3)
    for week, posted in (("2026-W46", w46), ("2026-W47", w47)):
        assert f"Weekly AI retro: Payments, {week_label(week)}" in posted and "4 of 5 answered (80%)" in posted
        for shown in (posted, digest(cli, "Payments", week), summary):
            assert "Ada's anonymous fix" not in shown and "Shared highlights" not in shown, week
    assert "Shared highlights" in w48
    assert "Fixed a bug: Ada's anonymous fix, week 48 (anonymous)" in w48
    assert ids["ada"] not in w48
