"""A whole week end to end, ending in the digest posted to the team channel with figures that
match a hand computation from the answers and usage below."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.schedule_spec import local_week, parse_tz
from bot.services import digests, prompts
from bot.services.usage_import import import_usage_csv, slack_email_lookup
from storage.weeks import week_days
from tests.conftest import CHANNEL, block_texts, write_csv

MOMENT = {"link": None, "tool": "claude_code"}


@pytest.fixture
def week(team) -> str:
    return local_week(datetime.now(UTC), parse_tz(team.tz))


@pytest.fixture
def usage(engine, app, users, week, tmp_path):
    monday, sunday = week_days(week)
    tokens = {"ada": (800_000, 200_000, "10.00"), "grace": (400_000, 100_000, "5.00"),
              "linus": (1_500_000, 500_000, "20.00"), "ken": (250_000, 50_000, "3.00")}  # fmt: skip
    email = {u.name: u.email for u in users}
    rows = [(email[name], monday.isoformat(), "claude-sonnet-4-5", i, o, c) for name, (i, o, c) in tokens.items()]
    # usage outside the week must not count
    rows.append((email["ada"], (sunday + timedelta(days=1)).isoformat(), "claude-sonnet-4-5", 9_000_000, 0, "90.00"))
    return import_usage_csv(engine, write_csv(tmp_path / "usage.csv", rows), slack_email_lookup(app.client))


def test_posted_digest_matches_the_hand_computed_figures(engine, app, team, slack, members, week, usage):
    assert usage.attributed == 5
    prompts.send_prompts(engine, app.client, team)
    members["ada"].log_moment(what="Found the rounding bug in settlement", outcome="bug", time_saved="2h_4h",
                              quality="better", counterfactual="no", sharing="named", **MOMENT)  # fmt: skip
    members["ada"].log_moment(what="Tried to generate tests; wrong", outcome="tests", time_saved="cost",
                              quality="redo", counterfactual="yes", sharing="private", **MOMENT)  # fmt: skip
    members["grace"].log_moment(what="Scaffolded the refunds endpoint", outcome="feature", time_saved="1h_2h",
                                quality="same", counterfactual="later", sharing="anonymous", **MOMENT)  # fmt: skip
    members["linus"].didnt_help()
    members["margaret"].skip()

    assert digests.post_digest(engine, app.client, team, week) is not None
    [post] = [c for c in slack.calls("chat.postMessage") if c.args["channel"] == CHANNEL]
    text = block_texts(post.args["blocks"])

    # 5 prompted; ada, grace, linus, margaret clicked something = 4 (80%); respondents 3 ≥ min 3
    assert "4 of 5 answered (80%): 2 logged where AI helped, 1 said it didn't help, 1 skipped." in text
    # outcomes in vocabulary order: feature, bug, tests
    assert "3 moments logged: 1 × shipped a feature, 1 × fixed a bug, 1 × wrote tests." in text
    # 2–4 h counts 3 h, 1–2 h counts 1.5 h, "cost me time" 0 h → 4.5 h;
    # per respondent: ada 3 h, grace 1.5 h, linus ("didn't help") 0 h → median 1.5 h
    assert "Estimated time saved: 4.5 h in total, median 1.5 h per respondent." in text
    assert "better 1 · about the same 1 · had to redo it 1" in text
    assert "Would not have happened without AI: 1 (would have happened later: 1)." in text
    assert "Friction: 1 moment(s) cost time; 1 member(s) said AI didn't help." in text
    # tokens: ada 1.0M + grace 0.5M + linus 2.0M + ken 0.3M = 3.8M, $38 (ada's next-week 9M excluded)
    assert "Team usage: 3.8M tokens, $38.00." in text
    # 3.8M / 3 moments = 1.27M tokens, $38 / 3 = $12.67
    assert "Per reported outcome: 1.3M tokens, $12.67." in text
    # 4.5 h / $38 × 100 = 11.84 h
    assert "Time saved per $100 of tokens: 11.8 h." in text
    # no outcome: linus (didn't help) 2.0M + ken (no answer) 0.3M + margaret (skipped) 0 = 2.3M of 3.8M = 60.5 %
    assert "Tokens used in member-weeks with no reported outcome (volume without value): 61%." in text
    # no Claude Code analytics imported: no provider line; one week of data: no trend yet
    assert "Provider activity" not in text and "Claude Code reported" not in text
    assert "Not enough weeks for a trend yet: 0 earlier week(s) in the last 8 have figures and token data" in text
    # highlights: only shared moments, named one with a mention, anonymous one without
    assert "Fixed a bug: Found the rounding bug in settlement (<@U0USER001>)" in text
    assert "Shipped a feature: Scaffolded the refunds endpoint (anonymous)" in text
    assert "Tried to generate tests" not in text  # private
    # nobody is named next to tokens
    for user_id in ("U0USER002", "U0USER003", "U0USER004", "U0USER005"):
        assert user_id not in text


def test_the_digest_is_posted_once_per_team_week(engine, app, team, slack, members, week):
    prompts.send_prompts(engine, app.client, team)
    for name in ("ada", "grace", "linus"):
        members[name].didnt_help()
    first = digests.post_digest(engine, app.client, team, week)
    second = digests.post_digest(engine, app.client, team, week)
    assert first is not None and first.state == "posted" and second is None
    assert len([c for c in slack.calls("chat.postMessage") if c.args["channel"] == CHANNEL]) == 1


def test_a_failed_post_can_be_retried(engine, app, team, slack, week):
    slack.fail("chat.postMessage", "not_in_channel")
    with pytest.raises(Exception, match="not_in_channel"):
        digests.post_digest(engine, app.client, team, week)
    assert digests.post_digest(engine, app.client, team, week) is not None
    assert len(slack.channel_messages(CHANNEL)) == 1


def test_too_few_respondents_shows_no_breakdown(engine, app, team, slack, members, week, usage):
    prompts.send_prompts(engine, app.client, team)
    members["ada"].log_moment(what="Found the rounding bug in settlement", outcome="bug", time_saved="2h_4h",
                              quality="better", counterfactual="no", sharing="named", **MOMENT)  # fmt: skip
    members["linus"].didnt_help()
    members["margaret"].skip()
    digests.post_digest(engine, app.client, team, week)
    [post] = [c for c in slack.calls("chat.postMessage") if c.args["channel"] == CHANNEL]
    text = block_texts(post.args["blocks"]) + post.args["text"]
    assert "Only 2 gave an answer, fewer than the 3 needed to keep answers anonymous" in text
    for leaked in ("Team usage", "M tokens", "rounding bug", "U0USER001", "Estimated time saved", "$"):
        assert leaked not in text
