"""The operator's command line: clear one-line errors, and the commands doing what they say."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from bot.cli import main
from bot.demo import run_demo
from storage.engine import make_engine, session_scope
from storage.queries import teams as tq
from tests.conftest import CHANNEL, SIGNING_SECRET, TOKEN, write_csv


@pytest.fixture
def env(monkeypatch, tmp_path, slack, users):
    """A database, the Slack stand-in with the team channel in it, and the bot token (team create checks the
    channel and people with Slack)."""
    for name in ("SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("SLACK_API_URL", slack.url)
    slack.channels[CHANNEL] = [u.id for u in users]
    return monkeypatch


def _slack_env(env) -> None:
    env.setenv("SLACK_BOT_TOKEN", TOKEN)
    env.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)


def _create(users, *extra: str) -> int:
    members = [arg for u in users for arg in ("--member", u.id)]
    return main(["team", "create", "Payments", "--channel", CHANNEL, *members, "--tz", "Europe/Berlin",
                 "--prompt", "mon 10:00", "--digest", "fri 16:00", *extra])  # fmt: skip


def test_serve_without_configuration_stops_with_one_line(env, capsys):
    env.delenv("SLACK_BOT_TOKEN")
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "SLACK_BOT_TOKEN is not set" in err and "Traceback" not in err


def test_serve_in_http_mode_needs_the_signing_secret(env, capsys):
    env.setenv("SLACK_BOT_TOKEN", TOKEN)
    assert main(["serve"]) == 2
    assert "SLACK_SIGNING_SECRET is not set" in capsys.readouterr().err


def test_a_malformed_setting_is_named(env, capsys):
    env.setenv("PORT", "eighty")
    assert main(["digest", "--team", "x"]) == 2
    assert capsys.readouterr().err.startswith("airetro: PORT:")


def test_team_create_validates_and_creates(env, users, capsys):
    assert main(["team", "create", "X", "--channel", "general", "--member", users[0].id, "--tz", "Europe/Berlin",
                 "--prompt", "mon 10:00", "--digest", "fri 16:00"]) == 1  # fmt: skip
    assert "--channel 'general' is not a Slack channel ID" in capsys.readouterr().err
    three = [arg for u in users[:3] for arg in ("--member", u.id)]
    assert main(["team", "create", "X", "--channel", CHANNEL, *three, "--tz", "Mars/Olympus",
                 "--prompt", "mon 10:00", "--digest", "fri 16:00"]) == 1  # fmt: skip
    assert "not an IANA time zone" in capsys.readouterr().err
    # fewer than 3 people (the same one twice counts once): no team, as its figures would be theirs alone
    two = ["--member", users[0].id, "--member", users[1].id, "--member", users[0].id]
    assert main(["team", "create", "X", "--channel", CHANNEL, *two, "--tz", "Europe/Berlin",
                 "--prompt", "mon 10:00", "--digest", "fri 16:00"]) == 1  # fmt: skip
    assert "a team needs at least 3 different --member" in capsys.readouterr().err
    assert _create(users, "--min-respondents", "2") == 1
    assert "--min-respondents must be at least 3" in capsys.readouterr().err
    assert _create(users, "--manager", "bob") == 1
    assert "--manager 'bob' is not a Slack user ID" in capsys.readouterr().err
    assert _create(users, "--min-respondents", "4", "--manager", users[1].id) == 0
    assert "Created team Payments: 5 members, 1 manager, digest in C0TEAM001" in capsys.readouterr().out
    engine = make_engine(os.environ["DATABASE_URL"])
    with session_scope(engine) as session:
        assert [p.slack_user_id for p in tq.team_managers(session, tq.get_team(session, "Payments").id)] == [
            users[1].id
        ]
    engine.dispose()
    assert _create(users) == 1
    assert "already exists" in capsys.readouterr().err


def test_prompts_send_is_idempotent(env, users, slack, capsys):
    _slack_env(env)
    assert _create(users) == 0
    slack.set_status(users[2].id, "Out sick", ":face_with_thermometer:")  # away: not prompted, counted as away
    assert main(["prompts", "send", "--team", "Payments"]) == 0
    assert main(["prompts", "send", "--team", "Payments"]) == 0
    out = capsys.readouterr().out
    assert ": 4 sent, 0 already prompted, 1 away (not prompted)" in out and ": 0 sent, 5 already prompted" in out
    assert len(slack.calls("chat.postMessage")) == 4
    assert main(["prompts", "send", "--team", "Nope"]) == 1
    assert "no team named 'Nope'" in capsys.readouterr().err


def test_prompts_send_after_a_lost_answer_says_so_and_never_prompts_twice(env, users, slack, capsys):
    from freezegun import freeze_time

    _slack_env(env)
    env.setenv("SLACK_API_TIMEOUT", "0.5")
    with freeze_time("2026-11-25T12:00:00Z") as clock:
        assert _create(users) == 0
        slack.drop_connection("chat.postMessage", processed=False)  # the first DM's answer is lost: not sent
        assert main(["prompts", "send", "--team", "Payments"]) == 1
        out = capsys.readouterr().out
        assert ": 0 sent, 0 already prompted" in out
        assert "stopped early: Slack did not confirm U0USER001's prompt" in out
        assert "5 not sent yet: run this again in a minute" in out and "nobody gets the prompt twice" in out
        clock.tick(120)
        assert main(["prompts", "send", "--team", "Payments"]) == 0
        assert ": 5 sent, 0 already prompted" in capsys.readouterr().out
    slack.wait_idle()
    assert all(len(slack.channel_messages(slack.dm_channel(u.id))) == 1 for u in users)


def test_digest_prints_and_posts_once(env, users, slack, capsys):
    from freezegun import freeze_time

    _slack_env(env)
    with freeze_time("2026-11-25T12:00:00Z", tick=True):  # Wednesday of 2026-W48, 13:00 in Berlin
        _create(users)
        assert main(["prompts", "send", "--team", "Payments"]) == 0
        capsys.readouterr()
        # this week is open until Friday 16:00: its progress, no figures
        assert main(["digest", "--team", "Payments"]) == 0
        out = capsys.readouterr().out
        assert (
            "Weekly AI retro: Payments, week of 23 Nov (still open)" in out and "So far 0 of 5 people answered." in out
        )
        assert "(Fri 27 Nov, 16:00, or when a manager posts the digest)" in out
        assert "answered (" not in out and "Nobody was prompted" not in out
        # last week has closed: its digest (nobody was prompted then)
        assert main(["digest", "--team", "Payments", "--week", "2026-W47"]) == 0
        out = capsys.readouterr().out
        assert "Weekly AI retro: Payments, week of 16 Nov\n" in out and "Nobody was prompted this week." in out
        assert slack.calls("chat.postMessage")[5:] == []  # the 5 prompts only
        # a week nobody was prompted has no digest: nothing is posted, and the operator is told so
        assert main(["digest", "--team", "Payments", "--week", "2026-W47", "--post"]) == 0
        assert capsys.readouterr().out == (
            "Nobody in Payments was prompted in the week of 16 Nov (2026-W47), so there is no digest to post. "
            "Nothing was posted.\n"
        )
        assert slack.calls("chat.postMessage")[5:] == []
        # this week's 5 were prompted: posting closes it now and posts its digest, once
        assert main(["digest", "--team", "Payments", "--post"]) == 0
        assert main(["digest", "--team", "Payments", "--post"]) == 0
        assert "Already posted for the week of 23 Nov (2026-W48)" in capsys.readouterr().out
        assert [c.args["channel"] for c in slack.calls("chat.postMessage")[5:]] == [CHANNEL]
        assert main(["digest", "--team", "Payments", "--week", "2026-47"]) == 1


def test_import_usage_names_the_bad_line_and_imports_nothing(env, users, tmp_path, capsys):
    good = (users[0].id, "2026-11-16", "claude-sonnet-4-5", "100", "20", "0.50")
    bad = write_csv(tmp_path / "bad.csv", [good, (users[1].id, "2026-11-16", "gpt-4.1", "10", "lots", "0.1")])
    assert main(["import-usage", str(bad)]) == 1
    assert (
        "bad.csv, line 3: output_tokens 'lots' is not a whole number. Nothing was imported." in capsys.readouterr().err
    )
    ok = write_csv(tmp_path / "ok.csv", [good, ("someone@else.example", "2026-11-16", "gpt-4.1", "10", "5", "0.01")])
    assert main(["import-usage", str(ok)]) == 0
    out = capsys.readouterr().out
    assert "Imported 2 rows" in out and "1 matched" in out and "someone@else.example" in out


@pytest.mark.parametrize(
    "today",
    ["2026-11-25T12:00:00Z", "2026-11-28T12:00:00Z"],  # a Wednesday, and a Saturday after the digest time
    ids=["midweek", "weekend"],
)
def test_demo_runs_a_whole_week_and_prints_the_digest(tmp_path, today):
    """Whatever the day it is run, the demo plays its weeks (7 earlier ones, then this one) in order and
    prints this week's digest with the trend over them."""
    from freezegun import freeze_time

    out = io.StringIO()
    with freeze_time(today, tick=True):
        assert run_demo(out=out, chart_dir=tmp_path) == 0
    text = out.getvalue()
    chart = tmp_path / "airetro-demo-chart.png"  # the PNG uploaded into the digest's thread, saved
    assert "Chart uploaded into the digest's thread as airetro-payments-" in text and f"a copy: {chart}" in text
    assert chart.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert "Mon 10:00 CET: the schedule sent 5 prompt DMs" in text or "Mon 10:00 CEST: the schedule sent 5" in text
    assert "1 reminder, one to each member who had not answered" in text  # ken; margaret skipped
    assert "4 of 5 answered (80%)" in text and "1 member was away." in text  # barbara: "Vacationing"
    assert "barbara" not in text.split("Weekly AI retro")[1].split("Chart uploaded")[0]  # a count, never a name
    assert "3 moments logged" in text
    # only ada and grace report outcomes: the share of tokens without one is withheld, and grace's anonymous
    # highlight too (only two members logged); ada's named one is shown
    assert (
        "Tokens used by members who reported no outcome (volume without value): not shown, as fewer than 3 "
        "members are on one side (with or without an outcome)." in text
    )
    assert "(@ada)" in text and "(anonymous)" not in text and "flaky settlement job" not in text
    # 7 earlier weeks with the same 3 outcomes on 60% of the tokens: volume rose, value did not
    assert "Volume without value: tokens +67% vs the previous 4 weeks' average, reported outcomes flat (+0%)" in text
    assert "\nVolume without value: 3 outcomes (+0%) on 3.3M tokens (+67%).\n" in text  # the headline
    assert "Tokens: 2.0M · 2.0M · 2.0M · 2.0M · 2.0M · 2.0M · 2.0M · 3.3M" in text
    # then a member and a manager use /airetro: ada sees her own tokens, the team summary shows none of hers
    mine, summary = text.split("ada types /airetro me 2")[1].split("grace types /airetro summary 4")
    assert "2 moments, 3 h saved · 1.0M tokens, ~$9.75" in mine and "mostly claude-sonnet-4-5" in mine
    assert "AI retro summary: Payments" in summary and "Moments logged: 12" in summary
    assert "$9.75" not in summary and "claude-sonnet" not in summary


def test_the_console_entry_point_runs(tmp_path):
    result = subprocess.run([sys.executable, "-m", "bot", "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "demo" in result.stdout and "import-usage" in result.stdout


@pytest.mark.parametrize("no_scheduler", [False, True])
def test_serve_answers_signed_requests_over_http_with_or_without_the_scheduler(slack, users, tmp_path, no_scheduler):
    import os
    import socket
    from datetime import UTC, datetime, timedelta

    from bot.schedule_spec import WEEKDAYS
    from bot.standin.inbound import SlackSender

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    slack.channels[CHANNEL] = [u.id for u in users]  # the team channel, the bot in it (team create checks)
    env = {**os.environ, "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": slack.url,
           "DATABASE_URL": f"sqlite:///{tmp_path}/serve.db", "PORT": str(port)}  # fmt: skip
    env.pop("SLACK_APP_TOKEN", None)
    due = datetime.now(UTC) - timedelta(minutes=1)  # a team whose prompt time just passed
    members = [arg for u in users for arg in ("--member", u.id)]
    subprocess.run([sys.executable, "-m", "bot", "team", "create", "Payments", "--channel", CHANNEL, *members,
                    "--tz", "UTC", "--prompt", f"{WEEKDAYS[due.weekday()]} {due:%H:%M}", "--digest", "sun 23:59"],
                   env=env, check=True, capture_output=True)  # fmt: skip
    command = [sys.executable, "-m", "bot", "serve", *(["--no-scheduler"] if no_scheduler else [])]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert f":{port}/slack/events" in process.stdout.readline()  # printed once listening
        sender = SlackSender(f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET, slack.response_url(""))
        response = sender.slash_command("U0USER001", "help")  # the socket listens before the line is printed
        assert response.status == 200 and response.body == ""  # acked at once, answered at the response_url
        assert "value, not volume" in slack.wait_for_responses(1, timeout=20)[0]["text"]
        assert sender.post("token=x", sign_with="wrong").status == 401
        assert slack.calls("auth.test"), "the bot token is checked at start"
        if no_scheduler:  # the web process leaves the schedule to `airetro scheduler`
            assert slack.calls("chat.postMessage") == []
        else:  # the in-process scheduler catches up on the prompt that just became due
            assert len(slack.wait_for("chat.postMessage", len(users), timeout=20)) == len(users)
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_wrong_bot_token_stops_serve_with_one_line(env, capsys):
    env.setenv("SLACK_BOT_TOKEN", "xoxb-not-the-right-one")
    env.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    assert main(["serve"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "invalid_auth" in err


def test_a_database_url_of_another_engine_is_refused_in_one_line(env, capsys):
    env.setenv("DATABASE_URL", "mysql://nobody@localhost/airetro")
    assert main(["digest", "--team", "x"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "DATABASE_URL: use SQLite (sqlite:///airetro.db, the default) or PostgreSQL" in err


def test_a_postgres_url_as_hosts_give_it_means_psycopg():
    from bot.config import Settings

    url = Settings(database_url="postgres://u:p@db.internal:5432/airetro").database_url
    assert url == "postgresql+psycopg://u:p@db.internal:5432/airetro"


def test_schedule_show_lists_next_runs_in_local_time_and_utc(env, users, capsys):
    from freezegun import freeze_time

    with freeze_time("2026-11-22T12:00:00Z"):
        assert _create(users, "--reminder-hours", "24") == 0
        capsys.readouterr()
        assert main(["schedule", "show"]) == 0
    out = capsys.readouterr().out
    assert "Payments (Europe/Berlin)" in out
    assert "prompt" in out and "Mon 2026-11-23 10:00 CET" in out and "2026-11-23 09:00 UTC" in out
    assert "reminder" in out and "Tue 2026-11-24 10:00 CET" in out and "2026-11-24 09:00 UTC" in out
    assert "digest" in out and "Fri 2026-11-27 16:00 CET" in out and "2026-11-27 15:00 UTC" in out

    with freeze_time("2026-11-22T12:00:00Z"):
        assert main(["team", "update", "Payments", "--prompt", "tue 09:30", "--tz", "America/New_York"]) == 0
        assert main(["schedule", "show", "--team", "Payments"]) == 0
    out = capsys.readouterr().out
    assert "Tue 2026-11-24 09:30 EST" in out and "2026-11-24 14:30 UTC" in out

    with freeze_time("2026-11-22T12:00:00Z"):
        assert main(["team", "update", "Payments", "--pause"]) == 0
        assert main(["schedule", "show"]) == 0
    assert "paused: no jobs" in capsys.readouterr().out


def test_team_update_and_schedule_show_errors_are_one_line(env, users, capsys):
    assert _create(users) == 0
    capsys.readouterr()
    assert main(["team", "update", "Payments"]) == 1
    assert "nothing to change" in capsys.readouterr().err
    assert main(["team", "update", "Payments", "--prompt", "someday"]) == 1
    assert "not a weekly time" in capsys.readouterr().err
    assert main(["schedule", "show", "--team", "Nope"]) == 1
    assert "no team named 'Nope'" in capsys.readouterr().err
