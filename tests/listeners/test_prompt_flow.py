"""The weekly loop through Slack: prompt DM → button → modal → submit → stored → DM updated.

Everything goes over HTTP: the bot's Web API calls to the local stand-in, and Slack's signed
requests to the app's /slack/events endpoint.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from bot.schedule_spec import local_week, parse_tz
from bot.services import prompts
from bot.services.usage_import import import_usage_csv
from storage.models import Delivery, Moment
from storage.weeks import week_days
from tests.conftest import action_ids, block_texts, drain, write_csv

pytestmark = pytest.mark.both_engines


@pytest.fixture(autouse=True)
def _midweek(midweek) -> None:
    """Answers are taken only while their retro week is open: every test here runs midweek (see ``midweek``)."""


GOOD = {
    "what": "Claude Code wrote the migration tests for the billing export",
    "outcome": "tests",
    "time_saved": "1h_2h",
    "quality": "better",
    "counterfactual": "later",
    "tool": "claude_code",
    "link": "https://github.com/acme/payments/pull/812",
    "sharing": "anonymous",
}


def _moments(engine) -> list[Moment]:
    with Session(engine) as session:
        return list(session.exec(select(Moment)))


def _delivery(engine, user_id: str) -> Delivery:
    with Session(engine) as session:
        from storage.models import Person

        person = session.exec(select(Person).where(Person.slack_user_id == user_id)).one()
        return session.exec(select(Delivery).where(Delivery.person_id == person.id)).one()


@pytest.fixture
def prompted(engine, app, team, http):
    return prompts.send_prompts(engine, app.client, team)


def test_each_member_gets_one_dm_with_three_one_click_answers(engine, app, team, slack, users, prompted):
    assert sorted(prompted.sent) == sorted(u.id for u in users)
    posts = slack.calls("chat.postMessage")
    assert sorted(c.args["channel"] for c in posts) == sorted(u.id for u in users)
    blocks = posts[0].args["blocks"]
    assert "where did AI actually help you this week?" in block_texts(blocks)
    assert action_ids(blocks) == ["log_moment", "didnt_help", "skip_week"]

    again = prompts.send_prompts(engine, app.client, team)
    assert again.sent == [] and sorted(again.already) == sorted(u.id for u in users)
    assert len(slack.calls("chat.postMessage")) == len(users), "nobody is prompted twice"


def test_token_summary_is_shown_only_to_its_owner(engine, app, team, slack, users, tmp_path, members):
    monday, _ = week_days(local_week(datetime.now(UTC), parse_tz(team.tz)))
    ada, grace = users[0], users[1]
    rows = [
        (ada.email, (monday + timedelta(days=i)).isoformat(), "claude-sonnet-4-5", 200_000, 40_000, "2.80")
        for i in range(5)
    ]
    import_usage_csv(engine, write_csv(tmp_path / "u.csv", rows), lambda email: ada.id if email == ada.email else None)
    prompts.send_prompts(engine, app.client, team)
    ada_dm = block_texts(members["ada"].prompt()["blocks"])
    assert "1.2M tokens, ~$14.00, mostly claude-sonnet-4-5" in ada_dm  # 5 × 240k tokens, 5 × $2.80
    assert "only you see this" in ada_dm
    for name in ("grace", "linus", "margaret", "ken"):
        assert "tokens" not in block_texts(members[name].prompt()["blocks"])
    assert grace.id not in [c.args["channel"] for c in slack.calls("chat.postMessage") if "1.2M" in str(c.args)]


def test_log_a_moment_then_log_another(engine, slack, members, prompted):
    ada = members["ada"]
    view = ada.open_log_modal()
    assert view["callback_id"] == "log_moment_modal"
    assert {b["block_id"] for b in view["blocks"]} == {
        "what", "outcome", "time_saved", "quality", "counterfactual", "tool", "link", "sharing"
    }  # fmt: skip

    response = ada.submit(view, GOOD)
    assert response.status == 200 and response.body == ""  # modal closes
    slack.wait_for("chat.update", 1)
    stored = _moments(engine)
    assert [(m.what, m.outcome, m.time_saved, m.sharing) for m in stored] == [
        (GOOD["what"], "tests", "1h_2h", "anonymous")
    ]
    assert _delivery(engine, ada.user_id).answer == "helped"
    dm = ada.prompt()
    assert "You logged 1 moment this week" in block_texts(dm["blocks"])
    assert "Wrote tests: Claude Code wrote the migration tests" in block_texts(dm["blocks"])
    assert action_ids(dm["blocks"]) == ["edit_moment", "delete_moment", "log_moment"]
    assert "Log another" in block_texts(dm["blocks"])

    ada.log_moment(**{**GOOD, "what": "Explained the ledger reconciliation code", "outcome": "learn"})
    assert len(_moments(engine)) == 2
    assert "You logged 2 moments this week" in block_texts(ada.prompt()["blocks"])


def test_bad_values_get_inline_errors_and_store_nothing(engine, slack, members, prompted):
    grace = members["grace"]
    view = grace.open_log_modal()
    response = grace.submit(view, {**GOOD, "what": " ", "link": "javascript:alert(1)", "outcome": "world_peace"})
    assert response.status == 200
    body = response.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"what", "link", "outcome"}
    assert _moments(engine) == []
    assert slack.calls("chat.update") == []
    assert _delivery(engine, grace.user_id).answer == "pending"


@pytest.mark.parametrize(("click", "answer", "shown"), [
    ("didnt_help", "didnt_help", "AI didn't help you this week"),
    ("skip", "skipped", "Skipped this week"),
])  # fmt: skip
def test_one_click_answers_are_recorded_once(engine, app, slack, members, prompted, click, answer, shown):
    linus = members["linus"]
    assert getattr(linus, click)().status == 200
    assert _delivery(engine, linus.user_id).answer == answer
    assert shown in block_texts(linus.prompt()["blocks"])
    # the same click again (a stale copy of the message, or a redelivery) changes and updates nothing
    before = len(slack.calls("chat.update"))
    original = next(c for c in slack.calls("chat.postMessage") if c.args["channel"] == linus.user_id)
    stale = {**linus.prompt(), "blocks": original.args["blocks"]}
    linus.sender.click(linus.user_id, stale, linus.dm, "didnt_help" if click == "didnt_help" else "skip_week")
    drain(app)
    assert _delivery(engine, linus.user_id).answer == answer
    assert len(slack.calls("chat.update")) == before


def test_a_redelivered_submission_stores_nothing_twice(engine, app, slack, members, prompted):
    ada = members["ada"]
    view = ada.open_log_modal()
    assert ada.submit(view, GOOD).status == 200
    slack.wait_for("chat.update", 1)
    retry = ada.submit(view, GOOD, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    again = ada.submit(view, GOOD)
    assert retry.status == 200 and again.status == 200
    drain(app)
    assert len(_moments(engine)) == 1
    assert len([c for c in slack.calls("chat.update") if c.args["channel"] == ada.dm]) == 1


def test_someone_elses_prompt_cannot_be_answered(engine, app, slack, members, sender, prompted):
    ada, ken = members["ada"], members["ken"]
    adas_prompt = ada.prompt()
    # ken replays ada's button (crafted payload): no modal opens, nothing is recorded
    sender.click(ken.user_id, adas_prompt, ken.dm, "didnt_help")
    sender.click(ken.user_id, adas_prompt, ken.dm, "log_moment")
    # ken submits a modal carrying ada's delivery: refused inline, nothing stored
    drain_before = len(slack.calls("views.open"))
    kens_view = ken.open_log_modal()
    adas_id = _delivery(engine, ada.user_id).id
    crafted = {**kens_view, "private_metadata": json.dumps({"delivery": adas_id})}
    response = ken.submit(crafted, GOOD)
    assert response.json()["response_action"] == "errors"
    drain(app)
    assert drain_before == 0 and len(slack.calls("views.open")) == 1  # only ken's own modal ever opened
    assert _delivery(engine, ada.user_id).answer == "pending"
    assert _moments(engine) == []


def test_ack_is_sent_before_the_slow_work(slack, members, prompted):
    held = slack.hold("views.open")
    try:
        response = members["ada"].click("log_moment")
        assert response.status == 200  # Slack got its ack…
        slack.wait_for("views.open", 1)  # …while the bot's views.open call is still unanswered
        assert not held.is_set()
    finally:
        held.set()


def test_a_member_who_cannot_be_reached_does_not_stop_the_others(engine, app, slack, users):
    from bot.services import teams

    ids = [u.id for u in users] + ["U0GONE999"]  # not a user of the stand-in: channel_not_found
    team = teams.create_team(engine, teams.team_spec("Ops", "C0OPS0001", ids, "UTC", "mon 10:00", "fri 16:00"))
    report = prompts.send_prompts(engine, app.client, team)
    assert report.failed == {"U0GONE999": "channel_not_found"}
    assert len(report.sent) == len(users)
    assert _delivery(engine, "U0GONE999").state == "failed"
