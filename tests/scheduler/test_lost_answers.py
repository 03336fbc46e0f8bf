"""Exactly once when Slack's answer is lost: for each way a call can fail (a 5xx after or before posting, a
429, an answer that comes after the client gave up, a connection dropped after or before posting), each
prompt, reminder, digest (scheduled with the minute catch-up running, and posted by a manager), chart and
org roll-up exists exactly once in Slack, the database agrees, and the person who acted is told the truth."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, select

from bot.config import Settings
from bot.services import digests
from storage.models import Delivery, Digest, OrgDigest
from tests.conftest import CHANNEL, SIGNING_SECRET, TOKEN
from tests.scheduler.conftest import dm_counts, make_team, reminders

TIMEOUT = 0.5  # the client's SLACK_API_TIMEOUT in these tests
LATE = 1.5  # a late answer comes this long after the call took effect
LEADERSHIP = "C0LEADERS1"

FAULTS = {
    "5xx after posting": lambda slack, method: slack.server_error(method, 500, processed=True),
    "5xx before posting": lambda slack, method: slack.server_error(method, 503, processed=False),
    "429 with Retry-After": lambda slack, method: slack.rate_limit(method, retry_after=1),
    "answer after the timeout": lambda slack, method: slack.answer_late(method, LATE),
    "dropped after posting": lambda slack, method: slack.drop_connection(method, processed=True),
    "dropped before posting": lambda slack, method: slack.drop_connection(method, processed=False),
}
# On PostgreSQL a sample of the faults: an outcome left unknown (settled through the database), and a refusal.
# Which fault it was matters to Slack's side, not to the engine: SQLite runs them all.
ON_POSTGRESQL = {"answer after the timeout", "dropped after posting", "5xx before posting"}
POSTED_ANYWAY = {"5xx after posting", "answer after the timeout", "dropped after posting", "429 with Retry-After"}


@pytest.fixture(autouse=True)
def _sampled_on_postgresql(request) -> None:
    fault = getattr(request.node, "callspec", None) and request.node.callspec.params.get("fault")
    if fault and request.node.callspec.params.get("engine_name") == "postgresql" and fault not in ON_POSTGRESQL:
        pytest.skip("on PostgreSQL a sample of the faults runs (ON_POSTGRESQL); SQLite runs them all")


@pytest.fixture
def settings(slack, database_url: str) -> Settings:
    return Settings(
        slack_bot_token=TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack.url,
        database_url=database_url,
        slack_api_timeout=TIMEOUT,
    )


def run_minutes(clock, scheduler, start: str, minutes: int) -> None:
    """Run what is due at ``start`` and at each of the ``minutes`` minutes after it (the catch-up)."""
    first = datetime.fromisoformat(start)
    for minute in range(minutes + 1):
        clock.at(first + timedelta(minutes=minute))
        scheduler.run_due()


def tagged(slack, channel: str, event: str) -> list[dict]:
    return [m for m in slack.channel_messages(channel) if (m.get("metadata") or {}).get("event_type") == event]


@pytest.mark.parametrize("fault", FAULTS)
def test_each_prompt_goes_out_once(engine, slack, users, clock, start, fault):
    make_team(engine, users, "Europe/Berlin")
    scheduler = start()
    FAULTS[fault](slack, "chat.postMessage")  # the first prompt's answer is lost
    run_minutes(clock, scheduler, "2026-11-23T09:00:00+00:00", 3)  # Monday 10:00 in Berlin, then the catch-up
    slack.wait_idle()
    assert dm_counts(slack, users) == {u.name: 1 for u in users}
    with Session(engine) as session:
        deliveries = session.exec(select(Delivery)).all()
    assert {d.state for d in deliveries} == {"sent"} and len(deliveries) == len(users)
    for delivery in deliveries:  # the database points at the one message in each DM
        [prompt] = tagged(slack, delivery.channel_id, "airetro_prompt")
        assert delivery.message_ts == prompt["ts"]


@pytest.mark.parametrize("fault", FAULTS)
def test_each_reminder_goes_out_once(engine, slack, users, clock, start, fault):
    make_team(engine, users, "Europe/Berlin", reminder_hours=24)
    scheduler = start()
    run_minutes(clock, scheduler, "2026-11-23T09:00:00+00:00", 1)
    FAULTS[fault](slack, "chat.postMessage")
    run_minutes(clock, scheduler, "2026-11-24T09:00:00+00:00", 3)  # 24 h later, and the catch-up
    slack.wait_idle()
    assert reminders(slack, users) == {u.name: 1 for u in users}
    with Session(engine) as session:
        deliveries = session.exec(select(Delivery)).all()
    assert {d.reminder_state for d in deliveries} == {"sent"}
    for delivery in deliveries:
        [reminder] = tagged(slack, delivery.channel_id, "airetro_reminder")
        assert delivery.reminder_ts == reminder["ts"]


@pytest.mark.parametrize("fault", FAULTS)
def test_the_scheduled_digest_is_posted_once_with_the_catch_up_running(engine, slack, users, clock, start, fault):
    make_team(engine, users, "Europe/Berlin")
    scheduler = start()
    run_minutes(clock, scheduler, "2026-11-23T09:00:00+00:00", 1)
    FAULTS[fault](slack, "chat.postMessage")
    run_minutes(clock, scheduler, "2026-11-27T15:00:00+00:00", 5)  # Friday 16:00 in Berlin, and 5 more minutes
    slack.wait_idle()
    [digest] = tagged(slack, CHANNEL, "airetro_digest")
    with Session(engine) as session:
        [row] = session.exec(select(Digest)).all()
    assert (row.state, row.message_ts) == ("posted", digest["ts"])
    assert len(slack.thread(CHANNEL, digest["ts"])) <= 1  # at most its one chart


@pytest.mark.sqlite_only("the chart is settled in Slack's thread, not in the database")
@pytest.mark.parametrize("fault", FAULTS)
def test_the_digest_chart_is_uploaded_once(engine, slack, users, members, clock, start, fault):
    make_team(engine, users, "Europe/Berlin")
    scheduler = start()
    run_minutes(clock, scheduler, "2026-11-23T09:00:00+00:00", 1)
    for name in ("ada", "grace", "linus"):  # a week with figures: the chart has something to draw
        members[name].log_moment(what="Wrote the migration", outcome="tests", time_saved="1h_2h",
                                 quality="same", counterfactual="later", tool="claude_code")  # fmt: skip
    FAULTS[fault](slack, "files.completeUploadExternal")
    run_minutes(clock, scheduler, "2026-11-27T15:00:00+00:00", 3)
    slack.wait_idle()
    [digest] = tagged(slack, CHANNEL, "airetro_digest")
    [chart] = slack.thread(CHANNEL, digest["ts"])
    assert [f["name"] for f in chart["files"]] == ["airetro-payments-2026-W48.png"]
    assert len(slack.files(CHANNEL)) == 1
    with Session(engine) as session:
        [row] = session.exec(select(Digest)).all()
    assert row.chart_state == "attached"


@pytest.mark.parametrize("fault", FAULTS)
def test_a_manager_posting_the_digest_is_told_the_truth_and_it_is_posted_once(engine, app, slack, users, clock, fault):
    team = make_team(engine, users, "Europe/Berlin")
    clock.at("2026-11-25T10:00:00+00:00")
    FAULTS[fault](slack, "chat.postMessage")
    said = digests.post_now(engine, app.client, team)
    if fault in POSTED_ANYWAY:
        assert said.startswith(":white_check_mark: Posted the digest of the week of 23 Nov for *Payments*")
    else:  # not in the channel: the manager is told it is unsettled, never "nothing was posted"
        assert "Slack didn't confirm the digest for *Payments*" in said and "never twice" in said
        assert "nothing was" not in said
        with Session(engine) as session:
            assert session.exec(select(Digest)).one().state == "unknown"
        assert digests.post_now(engine, app.client, team).startswith(":hourglass_flowing_sand:")  # at once: wait
        clock.at("2026-11-25T10:02:00+00:00")
        assert digests.post_now(engine, app.client, team).startswith(":white_check_mark: Posted")
    assert "already posted" in digests.post_now(engine, app.client, team)
    slack.wait_idle()
    [digest] = tagged(slack, CHANNEL, "airetro_digest")
    with Session(engine) as session:
        [row] = session.exec(select(Digest)).all()
    assert (row.state, row.message_ts) == ("posted", digest["ts"])


@pytest.mark.parametrize("fault", FAULTS)
def test_the_org_roll_up_is_posted_once(engine, app, slack, users, members, clock, fault):
    team = make_team(engine, users, "Europe/Berlin")
    clock.at("2026-11-25T10:00:00+00:00")
    digests.post_now(engine, app.client, team)  # closes the team's week: the roll-up can be computed
    FAULTS[fault](slack, "chat.postMessage")
    try:
        first = digests.post_org_digest(engine, app.client, LEADERSHIP, "2026-W48")
    except digests.PostUnknown:
        assert fault not in POSTED_ANYWAY
        assert digests.post_org_digest(engine, app.client, LEADERSHIP, "2026-W48") is False  # too soon to settle
        clock.at("2026-11-25T10:02:00+00:00")
        first = digests.post_org_digest(engine, app.client, LEADERSHIP, "2026-W48")
    assert first is True
    assert digests.post_org_digest(engine, app.client, LEADERSHIP, "2026-W48") is False
    slack.wait_idle()
    [roll_up] = tagged(slack, LEADERSHIP, "airetro_org_digest")
    with Session(engine) as session:
        [row] = session.exec(select(OrgDigest)).all()
    assert (row.state, row.message_ts) == ("posted", roll_up["ts"])


def test_a_refused_post_says_nothing_was_posted_and_can_be_posted_again(engine, app, slack, users, clock):
    team = make_team(engine, users, "Europe/Berlin")
    clock.at("2026-11-25T10:00:00+00:00")
    slack.fail("chat.postMessage", "not_in_channel")
    said = digests.post_now(engine, app.client, team)
    assert "Slack refused the digest for *Payments* (not_in_channel); nothing was posted." in said
    assert "/invite @AI Retro" in said
    assert digests.post_now(engine, app.client, team).startswith(":white_check_mark: Posted")
    assert len(tagged(slack, CHANNEL, "airetro_digest")) == 1


def test_a_connection_refused_is_retried_because_nothing_was_sent(engine, settings, slack):
    from bot.app import make_client
    from bot.services import once

    closed = settings.model_copy(update={"slack_api_url": "http://127.0.0.1:9/api/"})  # nothing listens
    result = once.post(make_client(closed), channel=CHANNEL, text="hello")
    assert result.outcome == "refused" and result.error == "cannot reach Slack"
