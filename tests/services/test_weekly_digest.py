"""A whole week end to end, ending in the digest posted to the team channel with figures that
match a hand computation from the answers and usage below. The week is open (Wednesday, see
``conftest.py``) until the digest is posted: nothing of it is shown before, and nothing changes after."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.blocks.digest import view_text
from bot.digest.figures import DigestFigures
from bot.digest.progress import Progress
from bot.digest.sections import digest_text
from bot.formatting import week_label
from bot.schedule_spec import local_week, parse_tz
from bot.services import digests, prompts, summaries
from bot.services.usage_import import import_usage_csv, slack_email_lookup
from bot.standin.web_api import users_from
from storage.engine import session_scope
from storage.queries import teams as tq
from storage.weeks import week_days, weeks_back
from tests.conftest import CHANNEL, NAMES, block_texts, write_csv

MOMENT = {"link": None, "tool": "claude_code"}
# Six members: three who log (ada, grace, barbara), three with tokens and no outcome (linus: "didn't help",
# margaret: skipped, ken: no answer), so each side of the volume-without-value split has three people.
TOKENS = {"ada": (800_000, 200_000, "10.00"), "grace": (400_000, 100_000, "5.00"),
          "barbara": (150_000, 50_000, "2.00"), "linus": (1_500_000, 500_000, "20.00"),
          "margaret": (300_000, 100_000, "4.00"), "ken": (250_000, 50_000, "3.00")}  # fmt: skip


@pytest.fixture
def users():
    return users_from([*NAMES, "barbara"])  # barbara is U0USER006


@pytest.fixture
def week(team) -> str:
    return local_week(datetime.now(UTC), parse_tz(team.tz))


def _usage_rows(users, week: str, tokens: dict[str, tuple[int, int, str]]) -> list[tuple]:
    monday, _ = week_days(week)
    email = {u.name: u.email for u in users}
    return [(email[name], monday.isoformat(), "claude-sonnet-4-5", i, o, c) for name, (i, o, c) in tokens.items()]


@pytest.fixture
def usage(engine, app, users, week, tmp_path):
    rows = _usage_rows(users, week, TOKENS)
    # usage outside the week must not count
    _, sunday = week_days(week)
    rows.append((users[0].email, (sunday + timedelta(days=1)).isoformat(), "claude-sonnet-4-5", 9_000_000, 0, "90.00"))
    return import_usage_csv(engine, write_csv(tmp_path / "usage.csv", rows), slack_email_lookup(app.client))


def _posted_text(slack) -> str:
    [post] = [c for c in slack.calls("chat.postMessage") if c.args["channel"] == CHANNEL]
    return block_texts(post.args["blocks"])


def _answer_the_week(members) -> None:
    members["ada"].log_moment(what="Found the rounding bug in settlement", outcome="bug", time_saved="2h_4h",
                              quality="better", counterfactual="no", sharing="named", **MOMENT)  # fmt: skip
    members["ada"].log_moment(what="Tried to generate tests; wrong", outcome="tests", time_saved="cost",
                              quality="redo", counterfactual="yes", sharing="private", **MOMENT)  # fmt: skip
    members["grace"].log_moment(what="Scaffolded the refunds endpoint", outcome="feature", time_saved="1h_2h",
                                quality="same", counterfactual="later", sharing="anonymous", **MOMENT)  # fmt: skip
    members["barbara"].log_moment(what="Reviewed the payout diff", outcome="review", time_saved="1h_2h",
                                  quality="better", counterfactual="yes", sharing="private", **MOMENT)  # fmt: skip
    members["linus"].didnt_help()
    members["margaret"].skip()


def test_posted_digest_matches_the_hand_computed_figures(engine, app, team, slack, members, week, usage):
    assert usage.attributed == 7
    prompts.send_prompts(engine, app.client, team)
    _answer_the_week(members)

    assert digests.post_digest(engine, app.client, team, week) is not None
    text = _posted_text(slack)

    # 6 prompted; all but ken clicked something = 5 (83%); respondents 4 (3 helped, linus) ≥ 3
    assert "5 of 6 answered (83%): 3 logged where AI helped, 1 said it didn't help, 1 skipped." in text
    # outcomes in vocabulary order: feature, bug, review, tests
    assert "4 moments logged: 1 × shipped a feature, 1 × fixed a bug, 1 × reviewed code, 1 × wrote tests." in text
    # 2–4 h counts 3 h, 1–2 h counts 1.5 h (twice), "cost me time" 0 h → 6 h;
    # per respondent: ada 3 h, grace 1.5 h, barbara 1.5 h, linus ("didn't help") 0 h → median 1.5 h
    assert "Estimated time saved: 6 h in total, median 1.5 h per respondent." in text
    assert "better 2 · about the same 1 · had to redo it 1" in text
    assert "Would not have happened without AI: 1 (would have happened later: 1)." in text
    assert "Friction: 1 moment cost time; 1 member said AI didn't help." in text
    # tokens: ada 1.0M + grace 0.5M + barbara 0.2M + linus 2.0M + margaret 0.4M + ken 0.3M = 4.4M, $44
    # (ada's next-week 9M excluded); the usage was imported on Monday, and the digest says so
    assert (
        "Team usage: 4.4M tokens, $44.00 (usage imported up to Mon 23 Nov; later usage is not added to a "
        "closed week)." in text
    )
    # 4.4M / 4 moments = 1.1M tokens, $44 / 4 = $11
    assert "Per reported outcome: 1.1M tokens, $11.00." in text
    # 6 h / $44 × 100 = 13.64 h
    assert "Time saved per $100 of tokens: 13.6 h." in text
    # no outcome: linus (didn't help) 2.0M + margaret (skipped) 0.4M + ken (no answer) 0.3M = 2.7M of 4.4M
    # = 61.4 %; three member-weeks with tokens on each side, so the share may be shown
    assert "Tokens used by members who reported no outcome (volume without value): 61%." in text
    # no Claude Code analytics imported: no provider line; one week of data: no trend yet
    assert "Provider activity" not in text and "Claude Code reported" not in text
    assert "Not enough weeks for a trend yet: 0 earlier weeks of the last 8 have figures and token data" in text
    # highlights: only shared moments, named one with a mention, anonymous one (3 members logged) without
    assert "Fixed a bug: Found the rounding bug in settlement (<@U0USER001>)" in text
    assert "Shipped a feature: Scaffolded the refunds endpoint (anonymous)" in text
    assert "Tried to generate tests" not in text and "payout diff" not in text  # private
    # nobody is named next to tokens
    for user_id in ("U0USER002", "U0USER003", "U0USER004", "U0USER005", "U0USER006"):
        assert user_id not in text


def test_with_two_people_on_a_side_the_share_and_anonymous_highlights_are_withheld(
    engine, app, team, slack, members, week, usage
):
    """barbara does not answer this week: only ada and grace report an outcome, so the tokens "with an
    outcome" would be theirs alone, and an anonymous highlight could only be one of two people's."""
    prompts.send_prompts(engine, app.client, team)
    members["ada"].log_moment(what="Found the rounding bug in settlement", outcome="bug", time_saved="2h_4h",
                              quality="better", counterfactual="no", sharing="named", **MOMENT)  # fmt: skip
    members["grace"].log_moment(what="Scaffolded the refunds endpoint", outcome="feature", time_saved="1h_2h",
                                quality="same", counterfactual="later", sharing="anonymous", **MOMENT)  # fmt: skip
    members["linus"].didnt_help()
    members["margaret"].skip()

    assert digests.post_digest(engine, app.client, team, week) is not None
    text = _posted_text(slack)
    assert "4 of 6 answered (67%): 2 logged where AI helped, 1 said it didn't help, 1 skipped." in text
    # the team total covers six members with usage: shown
    assert "Team usage: 4.4M tokens, $44.00 (usage imported up to Mon 23 Nov;" in text
    # ada 1.0M + grace 0.5M on one side, four members on the other: the share is not shown, in any form
    assert (
        "Tokens used by members who reported no outcome (volume without value): not shown, as fewer than 3 "
        "members are on one side (with or without an outcome)." in text
    )
    value_per_token = text.split("Team usage")[1].split("Trend")[0]
    assert "%" not in value_per_token
    # the named highlight is ada's own choice; the anonymous one is withheld (only two members logged)
    assert "Fixed a bug: Found the rounding bug in settlement (<@U0USER001>)" in text
    assert "Scaffolded the refunds endpoint" not in text and "(anonymous)" not in text


def test_an_open_week_shows_how_it_is_going_and_no_figures(engine, app, team, slack, members, week, usage):
    prompts.send_prompts(engine, app.client, team)
    _answer_the_week(members)
    view = digests.week_view(engine, team, week)
    assert isinstance(view, Progress)
    text = view_text(view)
    assert f"Weekly AI retro: Payments, {week_label(week)} (still open)" in text
    assert "So far 5 of 6 people answered." in text
    assert "(Fri 27 Nov, 16:00, or when a manager posts the digest)" in text
    for figure in ("moments", "Team usage", "tokens", "$", "h saved", "%"):
        assert figure not in text
    # the team summary leaves the open week out of every total and says only how it is going
    summary = summaries.team_summary(engine, team, 4)
    assert summary.last_week == weeks_back(week, 2)[0] and summary.moments == 0 and summary.tokens == 0
    assert summary.open_week is not None and (summary.open_week.prompted, summary.open_week.responded) == (6, 5)
    assert slack.channel_messages(CHANNEL) == []  # looking closes nothing


def test_a_posted_week_never_changes(engine, app, team, slack, members, week, usage, users, tmp_path, clock):
    """Once the digest is out, late answers, late usage and a changed team leave the week's figures as
    they were posted: two looks at the same week can never be subtracted to read one person's answer."""
    prompts.send_prompts(engine, app.client, team)
    _answer_the_week(members)
    assert digests.post_digest(engine, app.client, team, week) is not None
    posted = _posted_text(slack)
    view = digests.week_view(engine, team, week)
    assert isinstance(view, DigestFigures)
    before = digest_text(view)
    assert "5 of 6 answered (83%)" in before and "Team usage: 4.4M tokens, $44.00" in before

    members["ken"].click("didnt_help")  # a late answer, still that week: refused (the week is closed)
    with session_scope(engine) as session:  # grace and barbara leave the team
        tq.set_team_members(session, team.id, [u.id for u in users if u.name not in ("grace", "barbara")])
    _, sunday = week_days(week)  # the rest of the week's usage, imported after the digest
    late = [(u.email, sunday.isoformat(), "claude-sonnet-4-5", 5_000_000, 0, "50.00") for u in users[:2]]
    report = import_usage_csv(engine, write_csv(tmp_path / "late.csv", late), slack_email_lookup(app.client))
    assert report.attributed == 2
    clock.move_to("2026-11-28T10:00:00Z")  # Saturday: the week is past its digest time too
    for reread in (digests.week_view(engine, team, week), digests.week_view(engine, team, week)):
        assert digest_text(reread) == before
    summary = summaries.team_summary(engine, team, 1)
    assert [w.week for w in summary.weeks] == [week]
    assert (summary.responded, summary.moments, summary.tokens) == (5, 4, 4_400_000)
    assert len(slack.channel_messages(CHANNEL)) == 1 and _posted_text(slack) == posted


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
    # only the response count: no helped / didn't help / skipped breakdown that would tell two answers apart
    assert "3 of 6 answered (50%)." in text
    assert (
        "Fewer than 3 people gave an answer, so nothing more is shown this week: that keeps each answer anonymous."
        in text
    )
    for leaked in ("logged where AI helped", "didn't help", "skipped", "Team usage", "M tokens", "rounding bug",
                   "U0USER001", "Estimated time saved", "$"):  # fmt: skip
        assert leaked not in text
