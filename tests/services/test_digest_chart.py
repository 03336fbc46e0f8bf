"""The digest's chart end to end: three weeks answered through signed requests, the digest posted to the
stand-in, its chart uploaded into the digest's thread with files upload v2 (once), and written by the CLI."""

from __future__ import annotations

import io
import struct
from datetime import UTC, datetime, timedelta

import matplotlib.image
import pytest

from bot.charts.weekly import NO_RETRO, SHOWN, WITHHELD, weekly_series
from bot.cli import main
from bot.formatting import week_label
from bot.schedule_spec import local_week, parse_tz
from bot.services import charts, digests, prompts
from bot.services.usage_import import import_usage_csv
from storage.engine import session_scope
from storage.queries import digests as dq
from storage.weeks import week_days
from tests.conftest import CHANNEL, SIGNING_SECRET, TOKEN, block_texts, close_week, write_csv

UPLOAD_STEPS = ("files.getUploadURLExternal", "files.completeUploadExternal")


def moment(outcome: str, time_saved: str) -> dict:
    return {"what": f"{outcome} with AI", "outcome": outcome, "time_saved": time_saved, "quality": "same",
            "counterfactual": "yes", "tool": "claude_code", "link": None, "sharing": "private"}  # fmt: skip


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind, width, height = struct.unpack(">I4sII", png[8:24])
    assert (length, kind) == (13, b"IHDR")
    return width, height


def uploads(slack) -> dict[str, int]:
    return {method: len(slack.calls(method)) for method in UPLOAD_STEPS}


@pytest.fixture
def clock_start() -> str:
    return "2026-11-11T12:00:00Z"  # Wednesday of 2026-W46: the first of the three weeks below


def next_wednesday(clock) -> None:
    """Let a week pass: the week before closes (its digest time, Friday 16:00 in Berlin, goes by)."""
    clock.move_to(datetime.now(UTC) + timedelta(weeks=1))


@pytest.fixture
def weeks(engine, app, team, users, members, tmp_path, clock) -> list[str]:
    """Three weeks, oldest first, each answered while it was open: shown (3 respondents), withheld (1),
    shown (3); usage in each. The clock ends in the third week, which is still open."""
    now = datetime.now(UTC)
    keys = [local_week(now + timedelta(days=7 * ahead), parse_tz(team.tz)) for ahead in (0, 1, 2)]
    email = {u.name: u.email for u in users}
    usage = {  # at least 3 members with usage in the shown weeks: fewer would not be shown as a team figure
        keys[0]: {"ada": 800_000, "linus": 400_000, "margaret": 100_000},
        keys[1]: {"grace": 5_000_000},
        keys[2]: {"ken": 250_000, "ada": 100_000, "linus": 100_000},
    }
    rows = [(email[name], week_days(week)[0].isoformat(), "claude-sonnet-4-5", tokens, 50_000, "1.00")
            for week, per_person in usage.items() for name, tokens in per_person.items()]  # fmt: skip
    import_usage_csv(engine, write_csv(tmp_path / "usage.csv", rows), {u.email: u.id for u in users}.get)

    prompts.send_prompts(engine, app.client, team)
    members["ada"].log_moment(**moment("bug", "2h_4h"))  # 3 h
    members["grace"].log_moment(**moment("feature", "1h_2h"))  # 1.5 h
    members["linus"].didnt_help()
    next_wednesday(clock)
    prompts.send_prompts(engine, app.client, team)
    members["grace"].log_moment(**moment("tests", "gt8h"))  # the only respondent: withheld
    next_wednesday(clock)
    prompts.send_prompts(engine, app.client, team)
    members["ada"].log_moment(**moment("review", "30m_1h"))  # 0.75 h
    members["ada"].log_moment(**moment("docs", "1h_2h"))  # 1.5 h
    members["grace"].didnt_help()
    members["ken"].log_moment(**moment("learn", "4h_8h"))  # 6 h
    return keys


def _series(engine, team, week: str):
    with session_scope(engine) as session:
        history = digests.recent_figures(session, team, week, charts.CHART_WEEKS, datetime.now(UTC))
    return weekly_series(team.name, history)


def test_the_chart_series_of_a_team_leaves_the_withheld_week_out(engine, team, weeks):
    close_week(engine, team, weeks[-1])
    series = _series(engine, team, weeks[-1])
    assert series.weeks[-3:] == tuple(weeks)
    assert series.status == (NO_RETRO,) * 5 + (SHOWN, WITHHELD, SHOWN)
    assert series.outcomes == (None,) * 5 + (2, None, 3)
    assert series.hours == (None,) * 5 + (4.5, None, 8.25)
    # ada 800k, linus 400k, margaret 100k (+ 50k output each); grace's 5.05M in the withheld week stays out;
    # ken 250k, ada 100k, linus 100k (+ 50k output each)
    assert series.tokens == (None,) * 5 + (1_450_000, None, 600_000)


def test_the_chart_draws_no_week_that_is_still_open(engine, team, weeks):
    """Until the third week closes, its answers so far are drawn nowhere: no bars, no token point."""
    series = _series(engine, team, weeks[-1])
    assert series.weeks[-3:] == tuple(weeks)
    assert series.status[-3:-1] == (SHOWN, WITHHELD) and series.status[-1] != SHOWN
    assert series.outcomes[-1] is None and series.hours[-1] is None and series.tokens[-1] is None
    assert png_size(digests.team_chart(engine, team, weeks[-1])) == (1000, 500)  # the first week is drawn
    assert digests.team_chart(engine, team, "2020-W10") is None  # long before the team's first retro


def test_the_digest_gets_its_chart_in_its_thread_once(engine, app, team, slack, weeks):
    assert digests.post_digest(engine, app.client, team, weeks[-1]) is not None
    [digest] = slack.channel_messages(CHANNEL)
    assert charts.NO_CHART not in block_texts(digest["blocks"])
    assert uploads(slack) == {"files.getUploadURLExternal": 1, "files.completeUploadExternal": 1}
    [complete] = slack.calls("files.completeUploadExternal")
    assert complete.args["channel_id"] == CHANNEL and complete.args["thread_ts"] == digest["ts"]

    [chart] = slack.files(CHANNEL)
    assert chart["thread_ts"] == digest["ts"]
    assert chart["filename"] == f"airetro-payments-{weeks[-1]}.png"
    assert chart["title"] == "Payments: value vs token volume, last 8 weeks"
    assert "withheld, never drawn as zero" in chart["initial_comment"]
    assert png_size(chart["content"]) == (1000, 500)
    assert matplotlib.image.imread(io.BytesIO(chart["content"]), format="png").shape[:2] == (500, 1000)

    # posted again (a retry, a second scheduler, "Post digest now"): no second digest, no second chart
    assert digests.post_digest(engine, app.client, team, weeks[-1]) is None
    assert len(slack.channel_messages(CHANNEL)) == 1 and len(slack.files()) == 1
    assert uploads(slack) == {"files.getUploadURLExternal": 1, "files.completeUploadExternal": 1}


@pytest.mark.parametrize("step", UPLOAD_STEPS)
def test_a_refused_upload_leaves_the_digest_posted_once(engine, app, team, slack, weeks, caplog, step):
    slack.fail(step, "not_allowed_token_type")  # a refusal: certainly nothing shared
    assert digests.post_digest(engine, app.client, team, weeks[-1]) is not None
    assert len(slack.channel_messages(CHANNEL)) == 1 and slack.files() == []
    assert "its chart could not be uploaded" in caplog.text and "not_allowed_token_type" in caplog.text
    # the digest is marked posted: the next run neither posts it again nor retries the chart
    assert digests.post_digest(engine, app.client, team, weeks[-1]) is None
    assert len(slack.channel_messages(CHANNEL)) == 1 and slack.files() == []
    with session_scope(engine) as session:
        assert dq.get_digest(session, team.id, weeks[-1]).chart_state == "failed"


@pytest.mark.parametrize("step", UPLOAD_STEPS)
def test_an_upload_whose_answer_is_lost_is_looked_for_then_done_once(engine, app, team, slack, weeks, step):
    slack.fail(step, "internal_error")  # Slack's own trouble: it may or may not have gone through
    assert digests.post_digest(engine, app.client, team, weeks[-1]) is not None
    [digest] = slack.channel_messages(CHANNEL)
    [chart] = slack.files(CHANNEL)
    assert chart["thread_ts"] == digest["ts"] and len(slack.thread(CHANNEL, digest["ts"])) == 1
    assert slack.calls("conversations.replies")  # looked in the thread before uploading again
    with session_scope(engine) as session:
        assert dq.get_digest(session, team.id, weeks[-1]).chart_state == "attached"


def test_a_team_with_no_week_to_draw_gets_a_sentence_not_an_empty_chart(engine, app, team, slack, members):
    week = local_week(datetime.now(UTC), parse_tz(team.tz))
    prompts.send_prompts(engine, app.client, team)
    members["ada"].log_moment(**moment("bug", "2h_4h"))  # 1 respondent of 3: withheld
    assert digests.team_chart(engine, team, week) is None
    assert digests.post_digest(engine, app.client, team, week) is not None
    [digest] = slack.channel_messages(CHANNEL)
    assert block_texts(digest["blocks"]).endswith(charts.NO_CHART)
    assert uploads(slack) == {"files.getUploadURLExternal": 0, "files.completeUploadExternal": 0}
    assert slack.files() == []


@pytest.fixture
def cli_env(monkeypatch, tmp_path, slack):
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/airetro.db")  # the engine fixture's database
    monkeypatch.setenv("SLACK_API_URL", slack.url)
    return monkeypatch


def test_the_cli_writes_the_chart_to_a_file(cli_env, weeks, tmp_path, capsys, slack):
    out = tmp_path / "out.png"
    assert main(["digest", "--team", "Payments", "--week", weeks[-1], "--chart", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"Chart written to {out}." in printed
    assert png_size(out.read_bytes()) == (1000, 500)
    # the week is open: the terminal shows how it is going, not its figures
    assert f"Weekly AI retro: Payments, {week_label(weeks[-1])} (still open)" in printed
    assert "So far 3 of 5 people answered." in printed
    assert "moments logged" not in printed and "Team usage" not in printed
    assert slack.files() == [] and slack.channel_messages(CHANNEL) == []  # written locally, nothing posted


def test_the_cli_with_nothing_to_draw_says_so_and_writes_nothing(cli_env, team, tmp_path, capsys):
    out = tmp_path / "out.png"
    assert main(["digest", "--team", "Payments", "--chart", str(out)]) == 0
    assert charts.NO_CHART in capsys.readouterr().out
    assert not out.exists()


def test_the_cli_posts_the_digest_with_its_chart(cli_env, weeks, slack, capsys):
    cli_env.setenv("SLACK_BOT_TOKEN", TOKEN)
    cli_env.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    assert main(["digest", "--team", "Payments", "--week", weeks[-1], "--post"]) == 0
    [digest] = slack.channel_messages(CHANNEL)
    [chart] = slack.files(CHANNEL)
    assert chart["thread_ts"] == digest["ts"]
    # posting closed the week: the digest has its figures (ada, grace, ken answered; 3 moments by ada and ken)
    assert "3 of 5 answered (60%): 2 logged where AI helped, 1 said it didn't help, 0 skipped." in block_texts(
        digest["blocks"]
    )
    assert f"Posted to {CHANNEL}." in capsys.readouterr().out
