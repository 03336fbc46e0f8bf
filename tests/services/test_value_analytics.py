"""Value, not volume: a team where half the members burn many tokens and report nothing while the other
half use few and report outcomes, over 8 weeks of real prompts and answers (signed requests to the app,
token usage and Claude Code activity through the import pipeline, each week's before it closes). The
posted digest must show the share of tokens without reported value and call out tokens rising while
outcomes stay flat; the summary shows the same once the last week has closed; the org roll-up is computed
once every team's week has closed, and goes to a leadership channel once."""

from __future__ import annotations

import pytest

from bot.cli import main
from bot.digest.org import org_text
from bot.formatting import first_upper, week_label, weeks_span
from bot.schedule_spec import occurrence, parse_tz
from bot.services import digests, schedule, teams
from bot.services.teams import prompt_slot
from bot.services.usage_import import import_rows, slack_email_lookup
from bot.standin.web_api import users_from
from bot.usage.rows import ActivityRow, UsageRow
from storage.weeks import week_days, weeks_back
from tests.conftest import CHANNEL, SIGNING_SECRET, TOKEN, block_texts

NAMES = ["ada", "grace", "barbara", "linus", "margaret", "ken"]  # reporters, then burners
LEADERSHIP = "C0LEAD001"
BUG = {"outcome": "bug", "time_saved": "1h_2h", "quality": "better", "counterfactual": "no", "tool": "claude_code",
       "sharing": "private", "link": None}  # fmt: skip  # 1.5 h each
# The burners' tokens per week, oldest first (None: the withheld week, when most did not answer). Split
# linus ½, margaret ¼, ken ¼. The reporters use 100k each, every week: 300k.
BURNT = [500_000, 600_000, None, 600_000, 700_000, 700_000, 800_000, 1_300_000]
WITHHELD_BURNT = 9_000_000
COST_PER_TOKEN = 10 / 1_000_000  # $10 per million
THIS_WEEK = "2026-W48"
FRIDAY_1601 = "2026-11-27T15:01:00Z"  # this week's digest time (Friday 16:00 in Berlin) has just passed


@pytest.fixture
def users():
    return users_from(NAMES)


@pytest.fixture
def clock_start() -> str:
    return "2026-10-05T06:00:00Z"  # Monday of 2026-W41, the first of the eight weeks, before its prompt


@pytest.fixture
def this_week() -> str:
    return THIS_WEEK


def _usage(email: dict[str, str], week: str, burnt: int) -> list[UsageRow]:
    monday, _ = week_days(week)
    tokens = {"ada": 100_000, "grace": 100_000, "barbara": 100_000,
              "linus": burnt // 2, "margaret": burnt // 4, "ken": burnt // 4}  # fmt: skip
    return [
        UsageRow(
            email[name], monday, "claude-sonnet-4-5", f"{week}/{name}", input_tokens=n, cost_usd=n * COST_PER_TOKEN
        )
        for name, n in tokens.items()
    ]


@pytest.fixture
def eight_weeks(engine, app, team, users, members, this_week, clock):
    """Week by week on the clock: the prompts go out at the team's prompt time, answers arrive as clicks and
    modal submissions, and the week's usage is imported before it closes (once a closed week is published,
    a later import no longer changes it)."""
    email = {u.name: u.email for u in users}
    weeks = weeks_back(this_week, 8)
    for week, burnt in zip(weeks, BURNT, strict=True):
        monday, _ = week_days(week)
        prompt_at = occurrence(prompt_slot(team), monday, parse_tz(team.tz))
        clock.move_to(prompt_at)
        schedule.send_due_prompts(engine, app.client, team.id, prompt_at)
        if burnt is None:  # only ada and linus answer: 2 respondents, fewer than 3
            members["ada"].log_moment(what="ada fixed a bug alone", **BUG)
            members["linus"].didnt_help()
            rows = _usage(email, week, WITHHELD_BURNT)
        else:
            for name in ("ada", "grace", "barbara"):
                members[name].log_moment(what=f"{name} fixed a bug", **BUG)
            members["linus"].didnt_help()
            members["margaret"].skip()  # ken never answers
            rows = _usage(email, week, burnt)
        assert import_rows(engine, "claude-code", rows, lookup_email=slack_email_lookup(app.client)).attributed == 6
    monday, _ = week_days(this_week)
    activity = [
        ActivityRow(
            email["linus"], monday, "a1", sessions=10, lines_added=1_000, lines_removed=250, commits=8, pull_requests=2
        ),  # fmt: skip
        ActivityRow(
            email["ada"], monday, "a2", sessions=4, lines_added=240, lines_removed=60, commits=6, pull_requests=1
        ),  # fmt: skip
        ActivityRow(email["grace"], monday, "a3"),  # grace had Claude Code but did nothing with it
    ]  # three members with activity: fewer would make the team figure someone's own
    assert import_rows(engine, "claude-code", activity, lookup_email=slack_email_lookup(app.client)) is not None
    return weeks  # the clock is on this week's Monday, just after its prompt: the week is open


def test_the_posted_digest_shows_volume_without_value_and_the_callout(engine, app, team, slack, eight_weeks):
    this_week = eight_weeks[-1]
    assert digests.post_digest(engine, app.client, team, this_week) is not None
    [post] = [c for c in slack.calls("chat.postMessage") if c.args["channel"] == CHANNEL]
    text = block_texts(post.args["blocks"])

    # ada, grace, barbara logged; linus didn't help; margaret skipped; ken did not answer
    assert "5 of 6 answered (83%): 3 logged where AI helped, 1 said it didn't help, 1 skipped." in text
    assert "3 moments logged: 3 × fixed a bug." in text
    # respondents 1.5, 1.5, 1.5 and 0 h (linus) → median 1.5 h
    assert "Estimated time saved: 4.5 h in total, median 1.5 h per respondent." in text
    # linus 8 + ada 6 commits, 2 + 1 pull requests, 10 + 4 sessions, 1,000 + 240 / 250 + 60 lines
    assert (
        "Claude Code reported 14 commits and 3 pull requests (14 sessions, +1,240 / -310 lines); "
        "members reported 3 outcomes." in text
    )
    # 300k (reporters) + 1.3M (burners) = 1.6M tokens, $16; per outcome 533.3k tokens, $5.33; 4.5 h / $16 = 28.1 h
    # the usage was imported on Monday, and the digest says how far it goes
    assert (
        "Team usage: 1.6M tokens, $16.00 (usage imported up to Mon 23 Nov; later usage is not added to a "
        "closed week)." in text
    )
    assert "Per reported outcome: 533.3k tokens, $5.33." in text
    assert "Time saved per $100 of tokens: 28.1 h." in text
    # without value: linus (didn't help) 650k + margaret (skipped) 325k + ken (no answer) 325k = 1.3M of 1.6M = 81 %
    # (three members with tokens on each side: the share may be shown)
    assert "Tokens used by members who reported no outcome (volume without value): 81%." in text
    # baseline: the 4 latest earlier weeks with figures: 0.9M, 1.0M, 1.0M, 1.1M → 1.0M; 1.6M is +60 %.
    # outcomes 3 vs 3, hours 4.5 vs 4.5: flat. The withheld week (9.3M tokens) counts for nothing.
    assert "Trend, last 8 weeks" in text
    assert (
        "Volume without value: tokens +60% vs the previous 4 weeks' average, reported outcomes flat (+0%), "
        "hours saved flat (+0%)." in text
    )
    assert f"Week by week, {weeks_span(eight_weeks[0], this_week)} (– = withheld or no data):" in text
    assert "Reported outcomes: 3 · 3 · – · 3 · 3 · 3 · 3 · 3" in text
    assert "Hours saved: 4.5 · 4.5 · – · 4.5 · 4.5 · 4.5 · 4.5 · 4.5" in text
    assert "Tokens: 800.0k · 900.0k · – · 900.0k · 1.0M · 1.0M · 1.1M · 1.6M" in text
    # nobody's own tokens: reporters 100k, linus 650k, margaret and ken 325k; the withheld week's 9.3M
    for individual in ("100.0k", "650.0k", "325.0k", "9.3M", "4.5M"):
        assert individual not in text + post.args["text"]


def _summary(slack, member) -> str:
    before = len(slack.responses())
    assert member.command("summary Payments 8").status == 200
    reply = slack.wait_for_responses(before + 1)[before]
    return reply["text"] + block_texts(reply.get("blocks", []))


def test_the_summary_shows_the_same_value_figures_over_its_weeks(engine, app, team, slack, members, eight_weeks):
    this_week = eight_weeks[-1]
    # while this week is open, the summary covers the eight weeks before it and says only how it is going
    text = _summary(slack, members["grace"])
    assert f"{first_upper(weeks_span(weeks_back(this_week, 9)[0], eight_weeks[-2]))}:" in text
    assert f"{first_upper(week_label(this_week))} (still open): So far 5 of 6 people answered." in text
    # 6 shown weeks × 3 outcomes = 18; tokens 0.8 + 0.9 + 0.9 + 1.0 + 1.0 + 1.1 = 5.7M: nothing of this week's
    assert "Moments logged: 18 (18 × fixed a bug)." in text and "Team usage: 5.7M tokens" in text
    assert f"{first_upper(week_label(this_week))}: " not in text

    assert digests.post_digest(engine, app.client, team, this_week) is not None  # the week closes
    text = _summary(slack, members["grace"])
    assert f"{first_upper(weeks_span(eight_weeks[0], this_week))}:" in text and "(still open)" not in text
    # 7 shown weeks × 3 outcomes = 21, × 4.5 h = 31.5 h; the withheld week (ada 1 moment, linus) adds nothing
    assert (
        f"{first_upper(week_label(eight_weeks[2]))}: 2 of 6 answered; figures withheld (fewer than 3 respondents)."
        in text
    )
    assert "1 week was withheld (too few respondents) and left out of the totals." in text
    assert "Moments logged: 21 (21 × fixed a bug)." in text
    # 7 × 4 respondent-weeks: 21 × 1.5 h and 7 × 0 h → median 1.5 h
    assert "Estimated time saved: 31.5 h in total, median 1.5 h per respondent a week." in text
    # the activity of the weeks shown (only this week has any)
    assert "Claude Code reported 14 commits and 3 pull requests" in text and "members reported 21 outcomes" in text
    # tokens 0.8 + 0.9 + 0.9 + 1.0 + 1.0 + 1.1 + 1.6 = 7.3M; without value: burners 0.5 + 0.6 + 0.6 + 0.7 + 0.7
    # + 0.8 + 1.3 = 5.2M of 7.3M = 71 %
    assert "Team usage: 7.3M tokens" in text
    assert "Tokens used by members who reported no outcome (volume without value): 71%." in text
    assert (
        "Volume without value: tokens +60% vs the previous 4 weeks' average, reported outcomes flat (+0%), "
        "hours saved flat (+0%)." in text
    )


def test_the_org_roll_up_is_posted_to_the_leadership_channel_once(
    engine, app, slack, users, members, eight_weeks, clock
):
    this_week = eight_weeks[-1]
    # Payments' week is still open: no roll-up yet, and nothing is claimed or posted
    with pytest.raises(
        digests.OrgNotReady, match=f"The roll-up of the {week_label(this_week)} is computed once every team's week"
    ):
        digests.post_org_digest(engine, app.client, LEADERSHIP, this_week)
    assert [c for c in slack.calls("chat.postMessage") if c.args["channel"] == LEADERSHIP] == []

    clock.move_to(FRIDAY_1601)  # every team's week has closed (no digest was posted: its time passed)
    assert digests.post_org_digest(engine, app.client, LEADERSHIP, this_week) is True
    assert digests.post_org_digest(engine, app.client, LEADERSHIP, this_week) is False
    [post] = [c for c in slack.calls("chat.postMessage") if c.args["channel"] == LEADERSHIP]
    text = block_texts(post.args["blocks"])
    assert f"AI retro across teams: {week_label(this_week)}" in text
    # 4 respondents, 3 outcomes, 4.5 h, 1.6M tokens, $16 / 3 = $5.33 per outcome, 81 % without value
    line = (
        "Payments: 4 respondents, 3 outcomes, 4.5 h saved, 1.6M tokens, $5.33 per outcome, "
        "81% of tokens without reported value."
    )
    assert line in text and "1 team: 4 respondents, 3 outcomes" in text
    assert "fixed a bug" not in text and "<@" not in text

    # computed once: neither ken's late answer nor a team set up since changes what was rolled up
    rolled_up = org_text(digests.compute_org_digest(engine, this_week))
    assert "Payments: 4 respondents, 3 outcomes" in rolled_up and "sent no prompts" not in rolled_up
    members["ken"].click("didnt_help")  # refused: the week is closed
    mobile = [u.id for u in users if u.name in ("grace", "linus", "ken")]
    teams.create_team(engine, teams.team_spec("Mobile", "C0MOBILE1", mobile, "UTC", "mon 10:00", "fri 16:00"))
    assert org_text(digests.compute_org_digest(engine, this_week)) == rolled_up


def test_the_org_roll_up_from_the_command_line(monkeypatch, tmp_path, slack, users, capsys, clock):
    for name in ("SLACK_APP_TOKEN", "PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("SLACK_API_URL", slack.url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    clock.move_to("2026-11-23T12:00:00Z")  # Monday of 2026-W48: W46 and W47 have closed, W48 has not
    members = [arg for u in users[:3] for arg in ("--member", u.id)]
    for name, channel in (("Payments", CHANNEL), ("Mobile", "C0MOBILE1")):
        slack.channels[channel] = [u.id for u in users[:3]]  # team create checks the channel with Slack
        assert main(["team", "create", name, "--channel", channel, *members, "--tz", "UTC",
                     "--prompt", "mon 10:00", "--digest", "fri 16:00"]) == 0  # fmt: skip
    capsys.readouterr()

    # this week has not closed for every team: an error line, nothing computed, nothing posted
    assert main(["digest", "--org", "--week", "2026-W48", "--post", "--channel", LEADERSHIP]) == 1
    assert capsys.readouterr().err == (
        "airetro: The roll-up of the week of 23 Nov is computed once every team's week has closed, "
        "after Fri 27 Nov 16:00 UTC; nothing is shown before that.\n"
    )

    assert main(["digest", "--org", "--week", "2026-W47"]) == 0
    out = capsys.readouterr().out
    assert "AI retro across teams: week of 16 Nov" in out and "2 teams sent no prompts this week." in out
    assert slack.calls("chat.postMessage") == []

    assert main(["digest", "--org", "--week", "2026-W47", "--post", "--channel", LEADERSHIP]) == 0
    assert f"Posted to {LEADERSHIP}." in capsys.readouterr().out
    assert [c.args["channel"] for c in slack.calls("chat.postMessage")] == [LEADERSHIP]
    # a second run (a new process, a cron retry) finds the claim in the database and posts nothing
    assert main(["digest", "--org", "--week", "2026-W47", "--post", "--channel", LEADERSHIP]) == 0
    assert "not posted again" in capsys.readouterr().out.lower()
    assert [c.args["channel"] for c in slack.calls("chat.postMessage")] == [LEADERSHIP]
    # Slack refusing the post gives the claim back, so a later run can post it
    slack.fail("chat.postMessage", "not_in_channel")
    assert main(["digest", "--org", "--week", "2026-W46", "--post", "--channel", LEADERSHIP]) == 1
    assert main(["digest", "--org", "--week", "2026-W46", "--post", "--channel", LEADERSHIP]) == 0
    assert len(slack.calls("chat.postMessage")) == 3

    for argv, error in (
        (["digest", "--org", "--post"], "--org --post needs --channel"),
        (["digest", "--org", "--post", "--channel", "leaders"], "'leaders' is not a Slack channel ID"),
        (["digest", "--org", "--channel", LEADERSHIP], "add --post"),
        (["digest", "--org", "--team", "Payments"], "leave out --team"),
        (["digest", "--team", "Payments", "--channel", LEADERSHIP], "--channel goes with --org"),
        (["digest"], "give --team NAME"),
    ):
        assert main(argv) == 1, argv
        assert error in capsys.readouterr().err
