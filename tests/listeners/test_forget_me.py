"""``/airetro forget-me`` end to end: signed slash command → confirmation modal listing exactly what goes →
signed submission → every row about the person deleted (checked by scanning every table of the
SQLite database), the others' rows untouched, the result shown; crafted and repeated submissions."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, text
from sqlmodel import Session, select

from bot.schedule_spec import local_week, parse_tz
from bot.services import prompts
from bot.services.digests import post_digest
from bot.services.identities import map_key
from bot.services.usage_import import import_rows, import_usage_csv
from bot.usage.rows import ActivityRow, UsageRow
from storage.engine import session_scope
from storage.models import Delivery, Person, Team
from storage.queries.teams import set_team_managers
from storage.queries.usage import upsert_usage
from storage.weeks import week_days
from tests.conftest import CHANNEL, block_texts, write_csv

MOMENT = {
    "what": "Claude Code wrote the migration tests for the billing export",
    "outcome": "tests",
    "time_saved": "1h_2h",
    "quality": "better",
    "counterfactual": "later",
    "tool": "claude_code",
    "link": None,
    "sharing": "private",
}


pytestmark = pytest.mark.usefixtures("midweek")  # a week open mid-test: nothing closes meanwhile


def _snapshot(engine) -> dict[str, set[tuple]]:
    """Every row of every table in the database, as tuples."""
    with engine.connect() as connection:
        return {
            table: set(connection.execute(text(f'SELECT * FROM "{table}"')).all())
            for table in inspect(engine).get_table_names()
        }


def _rows_naming(engine, person_id: int, keys: set[str]) -> list[tuple[str, str, object]]:
    """(table, column, value) of every cell that names the person: holds their Slack ID or e-mail, or their
    old person id in a person_id column (or as the people table's id)."""
    found = []
    with engine.connect() as connection:
        for table in inspect(engine).get_table_names():
            result = connection.execute(text(f'SELECT * FROM "{table}"'))
            columns = list(result.keys())
            for row in result:
                for column, value in zip(columns, row, strict=True):
                    if isinstance(value, str | bytes) and any(
                        key.lower() in (value.decode(errors="replace") if isinstance(value, bytes) else value).lower()
                        for key in keys
                    ):
                        found.append((table, column, value))
                    if value == person_id and (column == "person_id" or (table == "people" and column == "id")):
                        found.append((table, column, value))
    return found


def _person_id(engine, user_id: str) -> int:
    with Session(engine) as session:
        return session.exec(select(Person.id).where(Person.slack_user_id == user_id)).one()


def _open_confirmation(sender, slack, user_id: str) -> dict:
    before = len(slack.calls("views.open"))
    response = sender.slash_command(user_id, "forget-me", CHANNEL)
    assert response.status == 200 and response.body == ""
    slack.wait_for("views.open", before + 1)
    slack.wait_idle()
    return slack.last_opened_view()


def _submit(sender, slack, user_id: str, view: dict) -> dict:
    """Submit the confirmation; returns the ack's body (the view the modal is updated to)."""
    response = sender.submit(user_id, view, {})
    assert response.status == 200
    return response.json()


def _result(slack, view_id: str, updates: int) -> str:
    slack.wait_for("views.update", updates, where=lambda c: c.args.get("view_id") == view_id)
    slack.wait_idle()
    return block_texts(slack.view(view_id)["blocks"])


@pytest.fixture
def week_of_data(engine, app, team, slack, users, members, tmp_path):
    """A week with prompts sent, answers, moments (one shared with ada's name), usage imported by e-mail,
    an unattributed usage record keyed by ada's e-mail, usage under an opaque key mapped to ada afterwards
    (and one mapped to grace), Claude Code activity of ada and grace, ada managing the team (its only
    manager), and the team's digest posted."""
    ada, grace = users[0], users[1]
    prompts.send_prompts(engine, app.client, team)
    members["ada"].log_moment(**{**MOMENT, "sharing": "named", "what": "Ada's named highlight"})
    members["ada"].log_moment(**MOMENT)
    members["grace"].log_moment(**{**MOMENT, "sharing": "named", "what": "Grace's named highlight"})
    members["linus"].didnt_help()
    monday = week_days(local_week(datetime.now(UTC), parse_tz(team.tz)))[0]
    rows = [
        (who.email, (monday + timedelta(days=day)).isoformat(), "claude-sonnet-4-5", 100_000, 5_000, "1.25")
        for who in (ada, grace)
        for day in range(3)
    ]
    emails = {u.email: u.id for u in users}
    import_usage_csv(engine, write_csv(tmp_path / "usage.csv", rows), emails.get)
    with session_scope(engine) as session:
        upsert_usage(
            session,
            [
                {
                    "source": "claude-api",
                    "person_key": ada.email,
                    "day": monday,
                    "model": "claude-opus-4-1",
                    "input_tokens": 7,
                    "output_tokens": 3,
                    "cost_usd": 0.01,
                }
            ],
        )
        set_team_managers(session, team.id, [ada.id])
    opaque = [UsageRow("ada-laptop-key", monday, "gpt-4.1", "[0]", 10, 5, requests=1),
              UsageRow("grace-ci-key", monday, "gpt-4.1", "[1]", 20, 5, requests=1)]  # fmt: skip
    import_rows(engine, "litellm", opaque)
    map_key(engine, "ada-laptop-key", ada.id)
    map_key(engine, "grace-ci-key", grace.id)
    activity = [
        ActivityRow(who.email, monday, f"data[{i}]", sessions=3, commits=2) for i, who in enumerate((ada, grace))
    ]
    import_rows(engine, "claude_code", activity, lookup_email=emails.get)
    post_digest(engine, app.client, team, local_week(datetime.now(UTC), parse_tz(team.tz)))
    return team


def test_forget_me_deletes_every_row_about_the_person_and_nothing_else(engine, slack, sender, users, week_of_data):
    ada = users[0]
    ada_id = _person_id(engine, ada.id)
    keys = {ada.id, ada.email}
    assert _rows_naming(engine, ada_id, keys), "the scan finds ada before she is forgotten"

    view = _open_confirmation(sender, slack, ada.id)
    assert view["callback_id"] == "forget_me_modal" and view["submit"]["text"] == "Delete everything"
    shown = block_texts(view["blocks"])
    for line in (
        "2 moments you logged",
        "1 week of prompts and your answers",
        "1 weekly token summary",
        # 3 imported by e-mail and mapped to her, 1 unattributed under her e-mail, 1 under a key mapped to her
        "5 usage records",
        "1 provider activity record",
        "1 identity mapping (usage keys that are yours)",
        "1 team membership",
        "1 manager role",
        "last manager of *Payments*",
    ):
        assert line in shown, line
    assert _rows_naming(engine, ada_id, keys), "opening the confirmation deletes nothing"

    before = _snapshot(engine)
    ack = _submit(sender, slack, ada.id, view)
    assert ack["response_action"] == "update" and "Deleting" in block_texts(ack["view"]["blocks"])
    result = _result(slack, view["id"], 1)
    assert "Deleted everything AI Retro held about you" in result
    assert "2 moments you logged" in result and "5 usage records" in result
    assert "You were the last manager of *Payments*: a workspace admin must name a new one" in result

    assert _rows_naming(engine, ada_id, keys) == []
    after = _snapshot(engine)
    gone = {table: before[table] - after[table] for table in before}
    changed = [table for table in before if not after[table] <= before[table]]
    assert changed == ["published_weeks"], f"nothing else was added or changed: {changed}"
    # the closed week keeps every figure; only the highlight she shared under her name leaves it
    [old] = [json.loads(row[-1]) for row in before["published_weeks"] if json.loads(row[-1]).get("highlights")]
    [new] = [json.loads(row[-1]) for row in after["published_weeks"] - before["published_weeks"]]
    assert {k: v for k, v in old.items() if k != "highlights"} == {k: v for k, v in new.items() if k != "highlights"}
    assert [h[0] for h in old["highlights"]] == ["Ada's named highlight", "Grace's named highlight"]
    assert [h[0] for h in new["highlights"]] == ["Grace's named highlight"]
    gone.pop("published_weeks")
    assert {table: len(rows) for table, rows in gone.items() if rows} == {
        "people": 1,
        "team_members": 1,
        "team_managers": 1,
        "deliveries": 1,
        "moments": 2,
        "token_summaries": 1,
        "usage_records": 5,
        "activity_records": 1,  # her Claude Code day, attributed by e-mail
        "identities": 1,  # ada-laptop-key → ada
    }
    with Session(engine) as session:
        assert session.exec(select(Delivery)).all().__len__() == 4, "the other members' answers are intact"
    grace_rows = _rows_naming(engine, _person_id(engine, users[1].id), {users[1].id, users[1].email})
    assert {table for table, _, _ in grace_rows} >= {
        "people",
        "deliveries",
        "usage_records",
        "token_summaries",
        "activity_records",
        "identities",
    }


def test_a_repeated_submission_deletes_nothing_more_and_says_nothing_is_left(
    engine, slack, sender, users, week_of_data
):
    ada = users[0]
    view = _open_confirmation(sender, slack, ada.id)
    _submit(sender, slack, ada.id, view)
    assert "Deleted everything" in _result(slack, view["id"], 1)
    before = _snapshot(engine)
    for headers in ({"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}, {}):
        response = sender.submit(ada.id, view, {}, headers=headers)
        assert response.status == 200
    assert "Nothing left to delete" in _result(slack, view["id"], 3)
    assert _snapshot(engine) == before
    # and the command itself now says there is nothing
    response = sender.slash_command(ada.id, "forget-me", CHANNEL)
    assert response.status == 200
    assert "holds nothing about you" in slack.wait_for_responses(1)[-1]["text"]
    assert len(slack.calls("views.open")) == 4  # three log modals and the one confirmation


def test_a_crafted_submission_cannot_delete_someone_else(engine, slack, sender, users, week_of_data):
    ada, ken = users[0], users[4]
    adas_view = _open_confirmation(sender, slack, ada.id)
    before = _snapshot(engine)
    ack = _submit(sender, slack, ken.id, adas_view)  # ken replays ada's confirmation
    assert ack["response_action"] == "update"
    assert "not opened for you, so nothing was deleted" in block_texts(ack["view"]["blocks"])
    kens_view = _open_confirmation(sender, slack, ken.id)
    assert "moment" not in block_texts(kens_view["blocks"]), "ken logged nothing: no moments to delete"
    crafted = {**kens_view, "private_metadata": adas_view["private_metadata"]}
    ack = _submit(sender, slack, ken.id, crafted)
    assert "nothing was deleted" in block_texts(ack["view"]["blocks"])
    slack.wait_idle()
    assert _snapshot(engine) == before
    assert slack.calls("views.update") == []

    # ken submitting his own confirmation deletes ken, never ada, whatever the view says
    _submit(sender, slack, ken.id, kens_view)
    assert "Deleted everything" in _result(slack, kens_view["id"], 1)
    assert _rows_naming(engine, _person_id(engine, ada.id), {ada.id, ada.email})
    assert _rows_naming(engine, -1, {ken.id, ken.email}) == []


def test_the_submission_is_acked_before_any_slack_call(engine, slack, sender, users, week_of_data):
    view = _open_confirmation(sender, slack, users[0].id)
    held = slack.hold("users.info")
    try:
        ack = _submit(sender, slack, users[0].id, view)  # answered while users.info is still unanswered
        assert "Deleting" in block_texts(ack["view"]["blocks"])
        assert not held.is_set()
    finally:
        held.set()
    assert "Deleted everything" in _result(slack, view["id"], 1)


def test_unattributed_usage_under_the_slack_profile_email_goes_too(engine, team, slack, sender, users):
    linus = users[2]  # a member whose e-mail AI Retro never stored
    with session_scope(engine) as session:
        upsert_usage(
            session,
            [
                {
                    "source": "csv",
                    "person_key": linus.email,
                    "day": datetime.now(UTC).date(),
                    "model": "m",
                    "cost_usd": 1,
                }
            ],
        )
        session.get(Team, team.id).membership = "channel"
    # his e-mail mapped by hand to ken (a mistake), and Claude Code activity under it, unattributed
    map_key(engine, linus.email, users[4].id)
    import_rows(engine, "claude_code", [ActivityRow(linus.email.upper(), datetime.now(UTC).date(), "data[0]", 1)])
    view = _open_confirmation(sender, slack, linus.id)
    assert "1 usage record (tokens and dollars" in block_texts(view["blocks"])
    before = _snapshot(engine)
    _submit(sender, slack, linus.id, view)
    result = _result(slack, view["id"], 1)
    assert "*Payments* take their members from a channel or user group" in result
    assert "adds you back" in result
    assert _rows_naming(engine, -1, {linus.id, linus.email}) == []
    gone = {table: len(rows - _snapshot(engine)[table]) for table, rows in before.items()}
    assert {table: n for table, n in gone.items() if n} == {
        "people": 1,
        "team_members": 1,
        "usage_records": 1,
        "activity_records": 1,
        "identities": 1,
        "token_summaries": 1,  # ken's week held only the row under linus's e-mail: no usage left, no summary
    }


def test_a_closed_modal_gets_the_result_by_dm(engine, slack, sender, users, week_of_data):
    view = _open_confirmation(sender, slack, users[0].id)
    slack.fail("views.update", "not_found")
    _submit(sender, slack, users[0].id, view)
    (dm,) = slack.wait_for("chat.postMessage", 1, where=lambda c: "Deleted everything" in c.args.get("text", ""))
    assert dm.args["channel"] == users[0].id


def test_someone_ai_retro_knows_nothing_about_gets_no_modal(engine, slack, sender, users):
    response = sender.slash_command(users[3].id, "forget-me", CHANNEL)
    assert response.status == 200
    assert "holds nothing about you" in slack.wait_for_responses(1)[-1]["text"]
    assert slack.calls("views.open") == []
