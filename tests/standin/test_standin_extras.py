"""The stand-in's newer surfaces, exercised through slack-sdk's real clients and a real Bolt app:
response_url, the Events API, Home tab views, channels and user groups, users.info, users.list and file uploads."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.serve import start_http
from bot.standin.inbound import (
    SlackSender,
    app_home_opened_event,
    block_actions_payload,
    event_envelope,
    find_button,
    slash_command_fields,
    view_block_actions_payload,
)
from bot.standin.member import SimulatedMember
from bot.standin.web_api import BOT_USER_ID, FakeUser, SlackWebApi, users_from

TOKEN = "xoxb-extras"
SECRET = "extras-signing-secret"
SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "slack"  # Slack's documented shapes, copied
USERS = users_from(["ada", "grace", "linus", "margaret", "ken"])
HOME_BLOCKS = [
    {"type": "section", "block_id": "hello", "text": {"type": "mrkdwn", "text": "Your AI retro"}},
    {
        "type": "actions",
        "block_id": "home_actions",
        "elements": [
            {
                "type": "button",
                "action_id": "refresh_home",
                "text": {"type": "plain_text", "text": "Refresh"},
                "value": "r",
                "style": "primary",
            }
        ],
    },
]


def _sample(name: str) -> dict:
    path = SAMPLES / name
    if not path.exists():
        pytest.fail(f"Slack samples missing: {path}")
    return json.loads(path.read_text())


def _keys(node: object, prefix: str = "") -> set[str]:
    if isinstance(node, dict):
        out = set()
        for key, value in node.items():
            out |= {f"{prefix}{key}"} | _keys(value, f"{prefix}{key}.")
        return out
    if isinstance(node, list) and node:
        return _keys(node[0], prefix)
    return set()


@pytest.fixture
def slack() -> Iterator[SlackWebApi]:
    channels = {"C0TEAM001": [u.id for u in USERS], "G0PRIV001": [USERS[0].id]}
    groups = {"S0PAY0001": ("payments-eng", [USERS[0].id, USERS[1].id])}
    with SlackWebApi(
        TOKEN, USERS, channels=channels, usergroups=groups, channel_names={"C0TEAM001": "payments"}
    ) as api:
        yield api


@pytest.fixture
def client(slack: SlackWebApi) -> WebClient:
    return WebClient(token=TOKEN, base_url=slack.url)


@pytest.fixture
def bolt(slack: SlackWebApi, client: WebClient) -> Iterator[tuple[App, SlackSender, list[dict]]]:
    """A minimal Bolt app on the stand-in: publishes a Home tab, answers /airetro via respond()."""
    app = App(signing_secret=SECRET, client=client)
    seen: list[dict] = []

    @app.event("app_home_opened")
    def home_opened(event: dict, client: WebClient) -> None:
        seen.append(event)
        client.views_publish(user_id=event["user"], view={"type": "home", "blocks": HOME_BLOCKS})

    @app.command("/airetro")
    def command(ack, body: dict, respond) -> None:
        ack()
        seen.append(body)
        respond(text=f"you said {body['text']} in {body['channel_id']}")

    @app.action("refresh_home")
    def refresh(ack, body: dict) -> None:
        ack()
        seen.append(body)

    @app.action("log_moment")
    def log_moment(ack, body: dict, respond) -> None:
        ack()
        respond(text="clicked", replace_original=False)

    server = start_http(app)
    yield app, SlackSender(server.url, SECRET, response_base=slack.response_url("")), seen
    server.stop()


# -- response_url --------------------------------------------------------------------------------
def test_response_url_records_webhook_posts(slack: SlackWebApi):
    hook = WebhookClient(slack.response_url("commands/T0ACME001/1/x"))
    first = hook.send(text="one", response_type="ephemeral")
    second = hook.send(text="two", blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "b"}}])
    assert (first.status_code, first.body) == (200, "ok")
    assert second.status_code == 200
    assert slack.wait_for_responses(2) == slack.responses()
    assert [r["text"] for r in slack.responses()] == ["one", "two"]
    assert slack.responses()[0]["response_type"] == "ephemeral"
    assert slack.calls() == []  # not Web API calls


def test_response_url_rejects_non_json(slack: SlackWebApi):
    request = urllib.request.Request(slack.response_url("x"), data=b"text=hi", method="POST")
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=5)
    assert error.value.code == 400
    assert slack.responses() == []


def test_wait_for_responses_times_out_on_a_frozen_clock(slack: SlackWebApi):
    from freezegun import freeze_time

    with freeze_time("2026-11-22T12:00:00Z"), pytest.raises(TimeoutError):
        slack.wait_for_responses(1, timeout=0.1)


def test_builders_take_a_response_url(slack: SlackWebApi):
    url = slack.response_url("commands/1")
    assert slash_command_fields("U0USER001", "help", "C1", response_url=url)["response_url"] == url
    assert slash_command_fields("U0USER001", "help", "C1")["response_url"].startswith("https://hooks.slack.com/")
    message = {"ts": "1.2", "blocks": HOME_BLOCKS}
    payload = block_actions_payload("U0USER001", find_button(message, "refresh_home"), message, "D1", url)
    assert payload["response_url"] == url
    assert payload["actions"][0]["style"] == "primary"


def test_bolt_respond_reaches_the_stand_in(slack: SlackWebApi, bolt):
    _app, sender, seen = bolt
    member = SimulatedMember(slack, sender, USERS[0].id)
    assert member.command("hello").status == 200
    (answer,) = slack.wait_for_responses(1)
    assert answer["text"] == f"you said hello in {member.dm}"
    assert seen[0]["response_url"].startswith(slack.response_url(""))
    assert seen[0]["channel_id"] == member.dm and seen[0]["user_id"] == USERS[0].id

    message = {"ts": "1.000001", "blocks": [{"type": "actions", "block_id": "b", "elements": [
        {"type": "button", "action_id": "log_moment", "text": {"type": "plain_text", "text": "Log"}}]}]}  # fmt: skip
    assert sender.click(USERS[0].id, message, member.dm, "log_moment").status == 200
    assert slack.wait_for_responses(2)[1] == {"text": "clicked", "replace_original": False}


# -- Events API and Home tab ---------------------------------------------------------------------
def test_event_envelope_has_slacks_fields():
    documented = _sample("app_home_opened.json")
    ours = event_envelope(app_home_opened_event("U0USER001"))
    assert _keys(documented) == _keys(ours)
    assert ours["event"]["channel"].startswith("D") and ours["event"]["tab"] == "home"
    assert event_envelope({"type": "x"}, event_id="Ev123")["event_id"] == "Ev123"
    assert event_envelope({"type": "x"})["event_id"] != event_envelope({"type": "x"})["event_id"]


def test_open_home_publishes_and_click_in_view(slack: SlackWebApi, bolt):
    _app, sender, seen = bolt
    member = SimulatedMember(slack, sender, USERS[1].id)
    assert slack.home(USERS[1].id) is None
    home = member.open_home()
    assert home is not None and home["type"] == "home" and home["blocks"] == HOME_BLOCKS
    assert seen[0]["type"] == "app_home_opened" and "view" not in seen[0]
    again = member.open_home()  # the event now carries the view already published
    assert seen[1]["view"]["id"] == home["id"] == again["id"]
    assert again["hash"] != home["hash"]

    assert member.click_home("refresh_home").status == 200
    slack.wait_idle()
    body = next(b for b in seen if b.get("type") == "block_actions")
    assert body["container"] == {"type": "view", "view_id": home["id"]}
    assert body["view"]["type"] == "home" and "message" not in body and "channel" not in body
    assert body["actions"][0]["action_id"] == "refresh_home"


def test_view_block_actions_payload_has_slacks_fields(client: WebClient):
    documented = _sample("captured/block_actions.home_tab_view.json")
    view = client.views_publish(user_id=USERS[0].id, view={"type": "home", "blocks": HOME_BLOCKS})["view"]
    ours = view_block_actions_payload(USERS[0].id, find_button(view, "refresh_home"), view)
    # what our button JSON lacks (a confirm dialog, emoji flags) is not the payload's to add
    ignore = ("view.blocks", "view.title", "actions.confirm", "actions.text.emoji")
    assert {k for k in _keys(documented) - _keys(ours) if not k.startswith(ignore)} == set()
    assert "response_url" not in ours


def test_find_button_looks_in_section_accessories():
    view = {"blocks": [{"type": "section", "block_id": "s", "accessory": {"type": "button", "action_id": "go"}}]}
    assert find_button(view, "go")["block_id"] == "s"


# -- views.publish --------------------------------------------------------------------------------
def test_views_publish_stores_the_home_per_user(slack: SlackWebApi, client: WebClient):
    documented = _sample("captured/web_api/views.publish.docs_examples.json")[0]
    first = client.views_publish(user_id=USERS[0].id, view={"type": "home", "blocks": HOME_BLOCKS[:1]})
    assert _keys(documented) <= _keys(first.data) | {"view.blocks.text.verbatim"}
    second = client.views_publish(
        user_id=USERS[0].id, view={"type": "home", "blocks": HOME_BLOCKS}, hash=first["view"]["hash"]
    )
    assert second["view"]["id"] == first["view"]["id"]
    assert slack.home(USERS[0].id)["blocks"] == HOME_BLOCKS
    assert slack.home(USERS[1].id) is None
    with pytest.raises(SlackApiError) as stale:
        client.views_publish(user_id=USERS[0].id, view={"type": "home", "blocks": []}, hash=first["view"]["hash"])
    assert stale.value.response["error"] == "hash_conflict"
    with pytest.raises(SlackApiError) as unknown:
        client.views_publish(user_id="U0NOBODY1", view={"type": "home", "blocks": []})
    assert unknown.value.response.data == {"ok": False, "error": "user_not_found"}
    with pytest.raises(SlackApiError) as modal:
        client.views_publish(user_id=USERS[0].id, view={"type": "modal", "blocks": []})
    assert modal.value.response["error"] == "invalid_arguments"


# -- channels and user groups ----------------------------------------------------------------------
def test_conversations_members_paginates(slack: SlackWebApi, client: WebClient):
    documented = _sample("captured/web_api/conversations.members.docs_examples.json")[0]
    pages, cursor = [], None
    while True:
        page = client.conversations_members(channel="C0TEAM001", limit=2, cursor=cursor)
        assert _keys(page.data) == _keys(documented)
        pages.append(page["members"])
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert [len(p) for p in pages] == [2, 2, 2]
    assert sum(pages, []) == [u.id for u in USERS] + [BOT_USER_ID]
    assert client.conversations_members(channel="C0TEAM001")["members"][-1] == BOT_USER_ID

    slack.channels["C0NEW0001"] = [USERS[2].id]
    assert client.conversations_members(channel="C0NEW0001")["members"] == [USERS[2].id, BOT_USER_ID]
    for channel, cursor, error in [("C0NOPE001", None, "channel_not_found"), ("C0TEAM001", "junk!", "invalid_cursor")]:
        with pytest.raises(SlackApiError) as failed:
            client.conversations_members(channel=channel, cursor=cursor)
        assert failed.value.response["error"] == error


def test_conversations_info(slack: SlackWebApi, client: WebClient):
    info = client.conversations_info(channel="C0TEAM001", include_num_members=True)["channel"]
    assert info["name"] == "payments" and info["is_channel"] and not info["is_private"] and info["is_member"]
    assert info["num_members"] == len(USERS) + 1
    private = client.conversations_info(channel="G0PRIV001")["channel"]
    assert private["name"] == "team-g0priv001" and private["is_private"] and "num_members" not in private
    dm = client.conversations_info(channel=slack.dm_channel(USERS[0].id))["channel"]
    assert dm["is_im"] and dm["user"] == USERS[0].id
    with pytest.raises(SlackApiError) as unknown:
        client.conversations_info(channel="C0NOPE001")
    assert unknown.value.response["error"] == "channel_not_found"


def test_usergroups(slack: SlackWebApi, client: WebClient):
    documented = _sample("captured/web_api/usergroups.users.list.docs_examples.json")[0]
    (group,) = client.usergroups_list(include_count=True)["usergroups"]
    assert {k: group[k] for k in ("id", "handle", "user_count", "team_id")} == {
        "id": "S0PAY0001", "handle": "payments-eng", "user_count": 2, "team_id": "T0ACME001"}  # fmt: skip
    assert group["name"] and "description" in group and "users" not in group
    assert client.usergroups_list(include_users=True)["usergroups"][0]["users"] == [USERS[0].id, USERS[1].id]
    listed = client.usergroups_users_list(usergroup="S0PAY0001")
    assert _keys(listed.data) == _keys(documented)
    assert listed["users"] == [USERS[0].id, USERS[1].id]

    slack.usergroups["S0NEW0001"] = ("platform", [USERS[4].id])
    assert client.usergroups_users_list(usergroup="S0NEW0001")["users"] == [USERS[4].id]
    assert len(client.usergroups_list()["usergroups"]) == 2
    with pytest.raises(SlackApiError) as unknown:
        client.usergroups_users_list(usergroup="S0NOPE001")
    assert unknown.value.response["error"] == "no_such_subteam"


# -- users.info ---------------------------------------------------------------------------------------
def test_users_info_reports_owner():
    owner = FakeUser("U0OWNER01", "olga", "olga@example.com", is_admin=True, is_owner=True)
    with SlackWebApi(TOKEN, [owner, USERS[0]]) as slack:
        client = WebClient(token=TOKEN, base_url=slack.url)
        assert client.users_info(user=owner.id)["user"]["is_owner"] is True
        assert client.users_info(user=USERS[0].id)["user"]["is_owner"] is False


def test_users_list_paginates_and_shows_bots_and_deactivated_users():
    documented = _sample("captured/web_api/users.list.docs_examples.json")[0]
    other_bot = FakeUser("U0STANDUP1", "standup-bot", "", is_bot=True)
    gone = FakeUser("U0GONE0001", "gone", "gone@example.com", deleted=True)
    with SlackWebApi(TOKEN, [*USERS, other_bot, gone]) as slack:
        client = WebClient(token=TOKEN, base_url=slack.url)
        pages, cursor = [], None
        while True:
            page = client.users_list(limit=3, cursor=cursor)
            pages.append(page["members"])
            cursor = page["response_metadata"]["next_cursor"]
            if not cursor:
                break
        first = client.users_list(limit=3)
        # the docs' example leaves out two profile fields that Slack's user profile type has and real answers carry:
        # the status's expiry time and its emoji's display info (the app reads the expiry)
        status_fields = {"members.profile.status_expiration", "members.profile.status_emoji_display_info"}
        assert _keys(first.data) == _keys(documented) | status_fields
        assert [len(p) for p in pages] == [3, 3, 3]
        listed = {u["id"]: u for u in sum(pages, [])}
        assert list(listed) == [*(u.id for u in USERS), other_bot.id, gone.id, BOT_USER_ID, "USLACKBOT"]
        assert [i for i, u in listed.items() if u["is_bot"]] == [other_bot.id, BOT_USER_ID]
        assert [i for i, u in listed.items() if u["deleted"]] == [gone.id]
        assert listed[BOT_USER_ID]["profile"]["bot_id"] == "B0BOT0001" and "email" not in listed[BOT_USER_ID]["profile"]
        assert listed[USERS[0].id]["profile"]["email"] == USERS[0].email
        assert [u["id"] for u in client.users_list()["members"]] == list(listed), "no limit: everyone at once"
        assert client.users_info(user=gone.id)["user"]["deleted"] is True
        with pytest.raises(SlackApiError) as failed:
            client.users_list(cursor="junk!")
        assert failed.value.response["error"] == "invalid_cursor"


# -- files upload v2 ----------------------------------------------------------------------------------
def test_files_upload_v2_arrives_byte_for_byte(slack: SlackWebApi, client: WebClient):
    documented = _sample("captured/web_api/files.completeUploadExternal.docs_examples.json")[0]
    content = bytes(range(256)) + b"\r\n--boundary\r\n" + b"name,cost\nada,1.5\n"
    dm = slack.dm_channel(USERS[0].id)
    result = client.files_upload_v2(channel=dm, content=content, filename="x.csv", initial_comment="your usage")
    assert _keys(documented) <= _keys(result.data)
    assert result["file"]["name"] == "x.csv" and result["file"]["title"] == "x.csv"
    (stored,) = slack.files(dm)
    assert stored["content"] == content
    expected = {
        "filename": "x.csv",
        "title": "x.csv",
        "channel": dm,
        "initial_comment": "your usage",
        "thread_ts": None,
    }
    assert {k: stored[k] for k in expected} == expected
    assert stored["id"] == result["file"]["id"]

    client.files_upload_v2(channel="C0TEAM001", content="digest", filename="d.txt", title="Digest", thread_ts="1.5")
    assert [f["filename"] for f in slack.files()] == ["x.csv", "d.txt"]
    (in_channel,) = slack.files("C0TEAM001")
    assert (in_channel["title"], in_channel["content"], in_channel["thread_ts"]) == ("Digest", b"digest", "1.5")
    assert [c.method for c in slack.calls()] == ["files.getUploadURLExternal", "files.completeUploadExternal"] * 2


def test_upload_url_takes_a_multipart_form(slack: SlackWebApi, client: WebClient):
    got = client.files_getUploadURLExternal(filename="m.bin", length=5)
    assert got["upload_url"].startswith(slack.url.removesuffix("/api/"))
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="note"\r\n\r\nignored\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="m.bin"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n\x00\r\n\xff!\r\n--XyZ--\r\n"
    )
    request = urllib.request.Request(
        got["upload_url"], data=body, method="POST", headers={"Content-Type": "multipart/form-data; boundary=XyZ"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200
    client.files_completeUploadExternal(files=[{"id": got["file_id"], "title": "M"}])
    (stored,) = slack.files()
    assert stored["content"] == b"\x00\r\n\xff!" and stored["channel"] is None
    assert slack.files("C0TEAM001") == []


def test_completing_an_upload_never_made_fails(client: WebClient):
    pending = client.files_getUploadURLExternal(filename="late.csv", length=3)["file_id"]
    for file_id in (pending, "F0NEVER01"):
        with pytest.raises(SlackApiError) as failed:
            client.files_completeUploadExternal(files=[{"id": file_id, "title": "t"}], channel_id="C0TEAM001")
        assert failed.value.response["error"] == "file_not_found"
