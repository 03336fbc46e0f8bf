"""Reading who is away from Slack statuses: one ``users.info`` per member for a small group, ``users.list`` pages
for a large one, and nobody taken for away when Slack cannot be asked."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from slack_sdk import WebClient

from bot.services.away import USERS_INFO_UP_TO, away_now
from bot.standin.web_api import SlackWebApi, users_from
from bot.vocabulary import AWAY_COMMAND, AWAY_STATUS
from storage.models import Person, Team

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _team() -> Team:
    return Team(name="Payments", channel_id="C1", tz="Europe/Berlin", prompt_weekday=0, prompt_time="10:00",
                digest_weekday=4, digest_time="16:00", created_at=NOW)  # fmt: skip


@pytest.fixture
def workspace():
    users = users_from([f"person{i}" for i in range(250)])
    with SlackWebApi(token="xoxb-test", users=users) as slack:
        people = [Person(id=i + 1, slack_user_id=u.id) for i, u in enumerate(users)]
        yield slack, WebClient(token="xoxb-test", base_url=slack.url), people


def test_a_small_group_is_looked_up_one_member_at_a_time(workspace):
    slack, client, people = workspace
    group = people[:5]
    slack.set_status(group[1].slack_user_id, "Vacationing", ":palm_tree:")
    group[3].away_until = date(2026, 11, 23)  # away through today: no need to ask Slack about them
    assert away_now(client, _team(), group, NOW) == {group[1].id: AWAY_STATUS, group[3].id: AWAY_COMMAND}
    assert len(slack.calls("users.info")) == 4 and not slack.calls("users.list")


def test_a_large_group_is_read_from_the_workspace_list_in_pages(workspace):
    slack, client, people = workspace
    group = people[10:220]  # 210 of the 250 people (plus the bots) in the workspace
    assert len(group) > USERS_INFO_UP_TO
    slack.set_status(group[0].slack_user_id, "OOO", "")
    slack.set_status(group[-1].slack_user_id, "", ":face_with_thermometer:")
    slack.set_status(people[240].slack_user_id, "OOO", "")  # not in the group
    assert away_now(client, _team(), group, NOW) == {group[0].id: AWAY_STATUS, group[-1].id: AWAY_STATUS}
    assert not slack.calls("users.info")
    assert len(slack.calls("users.list")) == 2  # 200 a page, and no third once everyone in the group was seen


def test_when_slack_cannot_be_asked_nobody_is_taken_for_away(workspace, caplog):
    slack, client, people = workspace
    slack.set_status(people[0].slack_user_id, "OOO", "")
    slack.fail("users.info", "ratelimited")
    assert away_now(client, _team(), people[:3], NOW) == {}
    slack.fail("users.list", "ratelimited")
    assert away_now(client, _team(), people[: USERS_INFO_UP_TO + 50], NOW) == {}
    assert "cannot read Slack statuses" in caplog.text
