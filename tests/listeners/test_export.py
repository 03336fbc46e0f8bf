"""``/airetro export`` end to end: signed slash command → CSV files uploaded (files_upload_v2) into the
caller's DM on the stand-in → the ephemeral reply. The files hold the caller's own rows only; a
manager also gets the aggregates of the teams they manage, with weeks below the threshold withheld."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from bot.schedule_spec import local_week, parse_tz
from bot.services import prompts
from bot.services.usage_import import import_usage_csv
from storage.queries.teams import set_team_managers
from storage.weeks import week_days
from tests.conftest import CHANNEL, write_csv


@pytest.fixture(autouse=True)
def _midweek(midweek) -> None:
    """Answers are taken only while their retro week is open: every test here runs midweek (see ``midweek``)."""


MOMENT = {
    "what": "Claude Code wrote the migration tests for the billing export",
    "outcome": "tests",
    "time_saved": "1h_2h",
    "quality": "better",
    "counterfactual": "later",
    "tool": "claude_code",
    "link": "https://github.com/acme/payments/pull/812",
    "sharing": "private",
}
FORMULA = '=HYPERLINK("https://evil.example/x","click me")'
GRACE_SECRET = "Grace's private note about the ledger rewrite"
ADA_INPUT, GRACE_INPUT, LINUS_INPUT = 111_111, 987_654, 222_222


def _export(sender, slack, user_id: str, responses_before: int = 0) -> dict:
    response = sender.slash_command(user_id, "export", CHANNEL)
    assert response.status == 200 and response.body == ""  # acked empty; the answer follows
    reply = slack.wait_for_responses(responses_before + 1)[-1]
    assert reply["response_type"] == "ephemeral"
    return reply


def _read(file: dict) -> list[dict]:
    return list(csv.DictReader(io.StringIO(file["content"].decode("utf-8"))))


def _by_kind(files: list[dict]) -> dict[str, dict]:
    return {f["filename"].split("-", 4)[-1].removesuffix(".csv"): f for f in files}


def _usage(engine, tmp_path, users, monday, rows_per_person: dict[str, int], name: str = "u.csv") -> None:
    by_name = {u.name: u for u in users}
    rows = [
        (by_name[who].email, (monday + timedelta(days=day)).isoformat(), "claude-sonnet-4-5", tokens, 1_000, "0.50")
        for who, tokens in rows_per_person.items()
        for day in range(2)
    ]
    emails = {u.email: u.id for u in users}
    import_usage_csv(engine, write_csv(tmp_path / name, rows), emails.get)


def _this_monday(team):
    return week_days(local_week(datetime.now(UTC), parse_tz(team.tz)))[0]


def test_a_member_gets_their_own_rows_only_in_their_dm(engine, app, team, slack, users, members, sender, tmp_path):
    prompts.send_prompts(engine, app.client, team)
    ada, grace = users[0], users[1]
    members["ada"].log_moment(**MOMENT)
    members["ada"].log_moment(**{**MOMENT, "what": FORMULA, "outcome": "bug", "link": None, "sharing": "named"})
    members["grace"].log_moment(**{**MOMENT, "what": GRACE_SECRET})
    members["linus"].didnt_help()
    _usage(engine, tmp_path, users, _this_monday(team), {"ada": ADA_INPUT, "grace": GRACE_INPUT})

    reply = _export(sender, slack, ada.id)
    assert "in your DM" in reply["text"] and "3 CSV files" in reply["text"]
    assert "team aggregates" not in reply["text"]

    dm = slack.dm_channel(ada.id)
    assert [c.args["users"] for c in slack.calls("conversations.open")] == [ada.id]
    files = slack.files(dm)
    assert slack.files() == files, "every file went to ada's DM and nowhere else"
    kinds = _by_kind(files)
    assert sorted(kinds) == ["my-answers", "my-usage", "my-weekly-tokens"]
    declared = [int(c.args["length"]) for c in slack.calls("files.getUploadURLExternal")]
    assert declared == [len(f["content"]) for f in files], "the bytes uploaded are the bytes announced"
    assert len(slack.calls("files.completeUploadExternal")) == 1
    assert "Only you can see this DM" in files[0]["initial_comment"]

    for file in files:
        raw = file["content"].decode("utf-8")
        for theirs in (grace.id, grace.email, "grace", GRACE_SECRET, str(GRACE_INPUT), str(2 * GRACE_INPUT + 2_000)):
            assert theirs not in raw, f"{theirs!r} leaked into {file['filename']}"
        assert "U0USER" not in raw, "no Slack user id in an export"

    answers = _read(kinds["my-answers"])
    assert [(r["team"], r["answer"], r["outcome"]) for r in answers] == [
        ("Payments", "logged where AI helped", "Wrote tests"),
        ("Payments", "logged where AI helped", "Fixed a bug"),
    ]
    assert answers[0]["what"] == MOMENT["what"] and answers[0]["link"] == MOMENT["link"]
    assert answers[0]["time_saved"] == "1–2 h" and answers[0]["hours_saved_estimate"] == "1.5"
    assert answers[1]["what"] == "'" + FORMULA, "a formula is neutralised with a leading quote"
    assert answers[1]["sharing"] == "Share with my name" and answers[0]["logged_at"].endswith("Z")

    (week,) = _read(kinds["my-weekly-tokens"])
    assert week["tokens"] == str(2 * ADA_INPUT + 2_000) and week["cost_usd"] == "1.0000"
    usage = _read(kinds["my-usage"])
    assert [(r["model"], r["source"], r["input_tokens"], r["tokens"]) for r in usage] == [
        ("claude-sonnet-4-5", "csv", str(ADA_INPUT), str(ADA_INPUT + 1_000))
    ] * 2


def test_someone_ai_retro_knows_nothing_about_gets_no_file(engine, slack, sender, users):
    reply = _export(sender, slack, users[4].id)
    assert "holds nothing about you" in reply["text"]
    assert slack.files() == [] and slack.calls("files.getUploadURLExternal") == []


def test_a_member_with_nothing_recorded_yet_gets_no_empty_file(engine, team, slack, sender, users):
    reply = _export(sender, slack, users[2].id)
    assert "nothing to export" in reply["text"]
    assert slack.files() == []


def test_a_failed_upload_is_told_and_nothing_half_shared(engine, app, team, slack, sender, users, members):
    prompts.send_prompts(engine, app.client, team)
    members["ada"].didnt_help()
    slack.fail("files.completeUploadExternal", "not_in_channel")
    reply = _export(sender, slack, users[0].id)
    assert "couldn't put the file in your DM" in reply["text"] and "not_in_channel" in reply["text"]
    assert slack.files() == []


@pytest.fixture
def two_weeks(engine, app, team, slack, users, members, tmp_path, midweek):
    """Two weeks ago (2026-W46): ada, grace and linus answer (3 respondents, the minimum). Last week (W47): only
    ada. This week (W48, still open, so in no team file): ada logs once more. Each answered in its own week."""
    midweek.move_to("2026-11-11T12:00:00Z")
    prompts.send_prompts(engine, app.client, team)
    members["ada"].log_moment(**MOMENT)
    members["grace"].log_moment(**{**MOMENT, "what": GRACE_SECRET, "sharing": "named"})
    members["linus"].didnt_help()
    _usage(engine, tmp_path, users, _this_monday(team), {"ada": ADA_INPUT, "grace": GRACE_INPUT, "linus": LINUS_INPUT})
    full = local_week(datetime.now(UTC), parse_tz(team.tz))
    midweek.move_to("2026-11-18T12:00:00Z")
    prompts.send_prompts(engine, app.client, team)
    members["ada"].log_moment(**{**MOMENT, "outcome": "docs"})
    thin = local_week(datetime.now(UTC), parse_tz(team.tz))
    midweek.move_to("2026-11-25T12:00:00Z")
    prompts.send_prompts(engine, app.client, team)
    members["ada"].log_moment(**{**MOMENT, "outcome": "bug"})
    with Session(engine) as session:
        set_team_managers(session, team.id, [users[0].id])
        session.commit()
    return [full, thin]


def test_a_manager_also_gets_the_team_aggregate_with_thin_weeks_withheld(slack, sender, users, two_weeks):
    last_week, this_week = two_weeks  # the full week, then the thin one (this week is still open)
    reply = _export(sender, slack, users[0].id)
    assert "4 CSV files" in reply["text"] and "team aggregates per week for Payments" in reply["text"]
    kinds = _by_kind(slack.files(slack.dm_channel(users[0].id)))
    assert sorted(kinds) == ["my-answers", "my-usage", "my-weekly-tokens", "team-aggregates"]

    raw = kinds["team-aggregates"]["content"].decode("utf-8")
    rows = _read(kinds["team-aggregates"])
    assert list(rows[0]) == [
        "team", "week", "week_of", "prompted", "answered", "away", "respondents", "moments", "hours_saved",
        "tokens", "cost_usd", "withheld",
    ]  # fmt: skip
    shown, withheld = rows
    team_tokens = 2 * (ADA_INPUT + GRACE_INPUT + LINUS_INPUT) + 6 * 1_000
    assert shown == {
        "team": "Payments",
        "week": last_week,
        "week_of": "2026-11-09",  # the ISO week stays, with its Monday's date beside it
        "prompted": "5",
        "answered": "3",
        "away": "0",
        "respondents": "3",
        "moments": "2",
        "hours_saved": "3",
        "tokens": str(team_tokens),
        "cost_usd": "3.0000",
        "withheld": "",
    }
    assert withheld["week"] == this_week and (withheld["prompted"], withheld["answered"]) == ("5", "1")
    assert [withheld[k] for k in ("respondents", "moments", "hours_saved", "tokens", "cost_usd")] == [""] * 5
    assert "fewer than 3 respondents" in withheld["withheld"]
    # aggregates only: no person, no moment text, no one person's tokens
    for individual in [*(u.id for u in users), *(u.email for u in users)]:
        assert individual not in raw
    assert not [u.name for u in users if re.search(rf"\b{u.name}\b", raw, re.IGNORECASE)]
    for personal in (GRACE_SECRET, MOMENT["what"], str(2 * GRACE_INPUT + 2_000), str(2 * ADA_INPUT + 2_000)):
        assert personal not in raw
    # ada's own files still hold only ada's rows, from both weeks
    answers = _read(kinds["my-answers"])
    assert [r["week_of"] for r in answers] == ["2026-11-09", "2026-11-16", "2026-11-23"]
    assert [(r["week"], r["outcome"]) for r in answers] == [
        (last_week, "Wrote tests"), (this_week, "Wrote docs"), ("2026-W48", "Fixed a bug")
    ]  # fmt: skip
    assert "2026-W48" not in raw, "the week still open has no team figures anywhere"
    assert GRACE_SECRET not in kinds["my-answers"]["content"].decode()


def test_a_member_who_manages_nothing_gets_no_team_file(slack, sender, users, two_weeks):
    reply = _export(sender, slack, users[1].id)  # grace: a member, not a manager
    assert "team aggregates" not in reply["text"]
    kinds = _by_kind(slack.files(slack.dm_channel(users[1].id)))
    assert sorted(kinds) == ["my-answers", "my-usage", "my-weekly-tokens"]
    assert [r["what"] for r in _read(kinds["my-answers"])] == [GRACE_SECRET, "", ""]  # her moment; 2 weeks unanswered
