"""``/airetro setup`` end to end: signed slash command → setup modal (views.open) → signed view_submission
→ team saved, members read from Slack, persistent jobs rescheduled, confirmation DM; inline errors and
refusals change nothing.

Cast: five members of Payments (ada … ken), grace manages Payments, olga is a workspace admin in no team,
zed is in no team and manages nothing, mia manages another team (Search).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

import pytest
from freezegun import freeze_time
from sqlmodel import Session, select

from bot.blocks.setup import setup_view, values_of
from bot.scheduler.process import job_store, reschedule
from bot.services import schedule, teams
from bot.services import setup as setup_service
from bot.services.roles import NotAllowed
from bot.standin.web_api import BOT_USER_ID, FakeUser, users_from
from storage.engine import session_scope
from storage.models import Team
from storage.queries import teams as tq
from tests.blockkit_limits import message_problems, view_problems
from tests.conftest import CHANNEL, NAMES, block_texts, drain

ADA, GRACE, LINUS, MARGARET, KEN, OLGA, ZED, MIA = (f"U0USER{i:03d}" for i in range(1, 9))
PLATFORM_CHANNEL = "C0PLAT0001"


@pytest.fixture
def users() -> list[FakeUser]:
    everyone = users_from([*NAMES, "olga", "zed", "mia"])
    everyone[5] = dataclasses.replace(everyone[5], is_admin=True, tz="America/New_York")
    return everyone


@pytest.fixture
def team(engine, users):
    spec = teams.team_spec("Payments", CHANNEL, [u.id for u in users[:5]], "Europe/Berlin", "mon 10:00", "fri 16:00", 3)
    created = teams.create_team(engine, spec)
    search = teams.create_team(
        engine,
        teams.team_spec(
            "Search", "C0SEARCH01", [MIA, "U0SEARCH1", "U0SEARCH2"], "Europe/Berlin", "mon 10:00", "fri 16:00", 3
        ),
    )
    with session_scope(engine) as session:
        tq.set_team_managers(session, created.id, [GRACE])
        tq.set_team_managers(session, search.id, [MIA])
    return created


@pytest.fixture
def clock():
    """A deterministic "now" (Sunday 22 Nov 2026, 12:00 UTC) that keeps ticking, so requests stay signed."""
    with freeze_time("2026-11-22T12:00:00Z", tick=True) as frozen:
        yield frozen


# -- helpers: what a person does and sees ------------------------------------------------------------


def ask(sender, slack, user_id: str, text: str, channel_id: str = "D0DM00001") -> dict:
    """Type ``/airetro text``; return the ephemeral reply that arrives at the response_url."""
    before = len(slack.responses())
    response = sender.slash_command(user_id, text, channel_id=channel_id)
    assert response.status == 200
    reply = response.json() if response.body else slack.wait_for_responses(before + 1)[before]
    assert reply.get("response_type") == "ephemeral", reply
    return reply


def open_setup(sender, slack, user_id: str, text: str = "setup") -> dict:
    before = len(slack.calls("views.open"))
    response = sender.slash_command(user_id, text, channel_id="D0DM00001")
    assert response.status == 200 and response.body == ""
    slack.wait_for("views.open", before + 1)
    slack.wait_idle()
    return slack.last_opened_view()


def fill(view: dict, answers: dict) -> dict:
    """``view.state.values`` as Slack reports them, for every input element type in the setup modal."""
    values: dict[str, dict] = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        element, answer = block["element"], answers.get(block["block_id"])
        kind = element["type"]
        entry: dict = {"type": kind}
        if kind in ("static_select", "radio_buttons"):
            chosen = next((o for o in element.get("options", []) if o["value"] == answer), None)
            if chosen is None and answer is not None:
                chosen = {"text": {"type": "plain_text", "text": answer}, "value": answer}  # a crafted value
            entry["selected_option"] = chosen
        elif kind == "multi_users_select":
            entry["selected_users"] = list(answer or [])
        elif kind == "conversations_select":
            entry["selected_conversation"] = answer
        elif kind == "timepicker":
            entry["selected_time"] = answer
        elif kind == "checkboxes":
            entry["selected_options"] = list(element["options"]) if answer else []
        else:
            entry["value"] = answer
        values[block["block_id"]] = {element["action_id"]: entry}
    return values


def prefilled(view: dict) -> dict:
    """What the form holds when opened: the answers of a person who changes nothing."""
    answers: dict = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        element = block["element"]
        answers[block["block_id"]] = (
            element.get("initial_value")
            or (element.get("initial_option") or {}).get("value")
            or element.get("initial_users")
            or element.get("initial_conversation")
            or element.get("initial_time")
            or bool(element.get("initial_options"))
        )
    return answers


def confirmations(slack, user_id: str) -> list[dict]:
    return [c.args for c in slack.calls("chat.postMessage") if c.args.get("channel") == user_id]


def wait_confirmation(slack, user_id: str, count: int = 1) -> dict:
    calls = slack.wait_for("chat.postMessage", count, where=lambda c: c.args.get("channel") == user_id)
    return calls[count - 1].args


def shown(message: dict) -> str:
    return message.get("text", "") + "\n" + block_texts(message.get("blocks", []))


def team_row(engine, name: str) -> Team | None:
    with Session(engine) as session:
        return session.exec(select(Team).where(Team.name == name)).first()


def snapshot(engine) -> list[tuple]:
    """Every team with its members and managers, to prove nothing changed."""
    with Session(engine) as session:
        return [
            (
                team.model_dump(),
                [p.slack_user_id for p in tq.team_members(session, team.id)],
                [p.slack_user_id for p in tq.team_managers(session, team.id)],
            )
            for team in tq.list_teams(session)
        ]


def member_ids(engine, team_id: int) -> list[str]:
    with Session(engine) as session:
        return [p.slack_user_id for p in tq.team_members(session, team_id)]


def manager_ids(engine, team_id: int) -> list[str]:
    with Session(engine) as session:
        return [p.slack_user_id for p in tq.team_managers(session, team_id)]


def jobs(engine) -> dict[str, datetime]:
    with job_store(engine) as scheduler:
        return {job.id: job.next_run_time for job in scheduler.get_jobs()}


PLATFORM = {
    "name": "Platform",
    "channel": PLATFORM_CHANNEL,
    "membership": "people",
    "members": [ADA, LINUS, ZED],
    "managers": [OLGA, KEN],
    "prompt_day": "1",
    "prompt_time": "09:30",
    "reminder_hours": "24",
    "digest_day": "4",
    "digest_time": "16:00",
    "tz": "America/New_York",
    "min_respondents": "4",
    "share_free_text": False,
}


def count_in(engine, team_id: int, *user_ids: str) -> None:
    """These people (members of Payments too) choose to count in ``team_id``: it is the team that prompts them."""
    with session_scope(engine) as session:
        for user_id in user_ids:
            tq.set_primary_team(session, tq.upsert_person(session, user_id).id, team_id)


# -- creating a team ------------------------------------------------------------------------------------


def test_an_admin_creates_a_team_and_its_jobs_are_scheduled_at_once(engine, app, sender, slack, team, clock):
    view = open_setup(sender, slack, OLGA)
    assert view["callback_id"] == "team_setup_modal" and view["title"]["text"] == "New team"
    assert json.loads(view["private_metadata"]) == {"team_id": None}
    form = prefilled(view)
    assert form["managers"] == [OLGA], "the admin who creates the team manages it"
    assert form["tz"] == "America/New_York", "the admin's own Slack time zone"
    assert form["membership"] == "people" and form["min_respondents"] == "3" and form["share_free_text"] is True

    response = sender.submit(OLGA, view, fill(view, PLATFORM))
    assert response.status == 200 and response.body == "", "the modal closes"
    confirmation = wait_confirmation(slack, OLGA)
    text = shown(confirmation)
    assert "Team *Platform* is set up." in text
    assert f"<#{PLATFORM_CHANNEL}>" in text and "Tuesdays at 09:30 (America/New_York)" in text
    assert "3 people" in text and f"<@{KEN}>" in text and "*Free text in the digest:* never" in text
    assert message_problems(confirmation["blocks"], confirmation["text"]) == []

    platform = team_row(engine, "Platform")
    assert (platform.channel_id, platform.tz, platform.prompt_weekday, platform.prompt_time) == (
        PLATFORM_CHANNEL, "America/New_York", 1, "09:30"
    )  # fmt: skip
    assert (platform.digest_weekday, platform.digest_time, platform.reminder_hours) == (4, "16:00", 24)
    assert (platform.min_respondents, platform.share_free_text, platform.membership) == (4, False, "people")
    assert member_ids(engine, platform.id) == [ADA, LINUS, ZED]
    assert manager_ids(engine, platform.id) == [KEN, OLGA]
    scheduled = jobs(engine)
    # Sunday 22 Nov 2026 → Tuesday 24 Nov 09:30 EST = 14:30 UTC; reminder a day later; digest Friday 16:00 EST
    assert scheduled[f"prompt:{platform.id}:America/New_York"] == datetime(2026, 11, 24, 14, 30, tzinfo=UTC)
    assert scheduled[f"reminder:{platform.id}:America/New_York"] == datetime(2026, 11, 25, 14, 30, tzinfo=UTC)
    assert scheduled[f"digest:{platform.id}"] == datetime(2026, 11, 27, 21, 0, tzinfo=UTC)


def test_a_double_submit_creates_one_team_and_confirms_once(engine, app, sender, slack, team):
    view = open_setup(sender, slack, OLGA, "setup new")
    assert sender.submit(OLGA, view, fill(view, PLATFORM)).body == ""
    wait_confirmation(slack, OLGA)
    again = sender.submit(OLGA, view, fill(view, PLATFORM))
    retried = sender.submit(OLGA, view, fill(view, PLATFORM), headers={"X-Slack-Retry-Num": "1"})
    assert again.body == "" and retried.body == ""
    drain(app)
    with Session(engine) as session:
        assert len(session.exec(select(Team).where(Team.name == "Platform")).all()) == 1
    assert len(confirmations(slack, OLGA)) == 1


def test_bad_values_get_inline_errors_on_exactly_those_fields_and_nothing_is_saved(engine, app, sender, slack, team):
    before = snapshot(engine)
    view = open_setup(sender, slack, OLGA)
    bad = {
        **PLATFORM,
        "name": "   ",
        "members": [],
        "managers": [],
        "tz": "Mars/Olympus_Mons",
        "min_respondents": "0",
        "reminder_hours": "200",
    }
    response = sender.submit(OLGA, view, fill(view, bad))
    assert response.status == 200
    body = response.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"name", "members", "managers", "tz", "min_respondents", "reminder_hours"}
    assert "IANA time zone" in body["errors"]["tz"]

    more = {**PLATFORM, "name": "payments", "channel": None, "membership": "usergroup", "min_respondents": "lots"}
    body = sender.submit(OLGA, view, fill(view, more)).json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"name", "channel", "membership", "min_respondents"}, "no user groups offered"
    assert "already a team named" in body["errors"]["name"]

    body = sender.submit(OLGA, view, fill(view, {**PLATFORM, "prompt_time": "25:00", "digest_day": "9"})).json()
    assert set(body["errors"]) == {"prompt_time", "digest_day"}
    drain(app)
    assert snapshot(engine) == before
    assert confirmations(slack, OLGA) == []
    assert jobs(engine) == {}


# -- editing ---------------------------------------------------------------------------------------------


def test_a_manager_edits_their_team_and_the_prompt_job_moves(engine, app, sender, slack, team, clock):
    reschedule(engine)
    prompt_job = f"prompt:{team.id}:Europe/Berlin"
    assert jobs(engine)[prompt_job] == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 10:00 CET

    view = open_setup(sender, slack, GRACE)  # grace manages exactly one team: no need to name it
    assert view["title"]["text"] == "Team setup"
    assert json.loads(view["private_metadata"]) == {"team_id": team.id}
    form = prefilled(view)
    assert form["name"] == "Payments" and form["channel"] == CHANNEL and form["managers"] == [GRACE]
    assert form["members"] == [ADA, GRACE, LINUS, MARGARET, KEN]
    assert (form["prompt_day"], form["prompt_time"], form["digest_day"], form["digest_time"]) == (
        "0", "10:00", "4", "16:00"
    )  # fmt: skip
    assert (form["tz"], form["reminder_hours"], form["min_respondents"]) == ("Europe/Berlin", "24", "3")

    changed = {**form, "prompt_time": "11:15", "members": [ADA, GRACE, LINUS, MARGARET]}
    assert sender.submit(GRACE, view, fill(view, changed)).body == ""
    text = shown(wait_confirmation(slack, GRACE))
    assert "Team *Payments* is updated." in text and "Mondays at 11:15 (Europe/Berlin)" in text and "4 people" in text
    payments = team_row(engine, "Payments")
    assert payments.prompt_time == "11:15" and payments.id == team.id
    assert member_ids(engine, team.id) == [ADA, GRACE, LINUS, MARGARET]
    assert jobs(engine)[prompt_job] == datetime(2026, 11, 23, 10, 15, tzinfo=UTC)

    # the same form sent again changes nothing and confirms nothing
    assert sender.submit(GRACE, view, fill(view, changed)).body == ""
    drain(app)
    assert len(confirmations(slack, GRACE)) == 1


def test_a_manager_of_several_teams_is_asked_which(engine, sender, slack, team):
    with session_scope(engine) as session:
        search = tq.find_team_by_name(session, "Search")
        tq.set_team_managers(session, search.id, [MIA, GRACE])
    reply = ask(sender, slack, GRACE, "setup")
    assert "/airetro setup <team>" in reply["text"] and "*Payments*" in reply["text"] and "*Search*" in reply["text"]
    assert slack.calls("views.open") == []
    view = open_setup(sender, slack, GRACE, "setup Search")
    assert json.loads(view["private_metadata"]) == {"team_id": search.id}


def test_an_admin_edits_any_team_by_name_or_channel(sender, slack, team):
    view = open_setup(sender, slack, OLGA, "setup <#C0TEAM001|payments>")
    assert json.loads(view["private_metadata"]) == {"team_id": team.id}
    assert prefilled(view)["name"] == "Payments"


# -- refusals --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", [ZED, ADA, MIA], ids=["outsider", "member", "manager of another team"])
def test_setup_of_payments_is_refused_and_a_crafted_submission_changes_nothing(engine, app, sender, slack, team, who):
    reply = ask(sender, slack, who, "setup Payments")
    assert "Only Payments's managers or a workspace admin" in reply["text"]
    assert "Only a workspace admin can create a team" in ask(sender, slack, who, "setup new")["text"]
    assert slack.calls("views.open") == []

    before = snapshot(engine)
    with Session(engine) as session:
        stored = values_of(
            team,
            [p.slack_user_id for p in tq.team_members(session, team.id)],
            [p.slack_user_id for p in tq.team_managers(session, team.id)],
        )
    view = {**setup_view(stored, team.id, []).to_dict(), "id": "V0CRAFTED1"}  # the form as a manager would get it
    crafted = {**prefilled(view), "name": "Owned", "managers": [who], "members": [who], "min_respondents": "1"}
    response = sender.submit(who, view, fill(view, crafted))
    body = response.json()
    assert body["response_action"] == "errors" and "managers or a workspace admin" in body["errors"]["name"]
    # and a new team in its place is for admins only
    new = {**view, "private_metadata": json.dumps({"team_id": None})}
    body = sender.submit(who, new, fill(new, {**crafted, "name": "Payments 2"})).json()
    assert body["response_action"] == "errors" and "Only a workspace admin" in body["errors"]["name"]
    drain(app)
    assert snapshot(engine) == before
    assert slack.calls("chat.postMessage") == []


def test_without_a_role_setup_says_who_can(sender, slack, team):
    for who in (ZED, ADA):
        reply = ask(sender, slack, who, "setup")
        assert "Only a workspace admin or a team's managers can set a team up" in reply["text"]
    assert slack.calls("views.open") == []


def test_a_submission_for_a_team_that_no_longer_exists_is_an_inline_error(engine, app, sender, slack, team):
    view = open_setup(sender, slack, OLGA, "setup Payments")
    teams.delete_team(engine, "Payments")
    body = sender.submit(OLGA, view, fill(view, prefilled(view))).json()
    assert body["response_action"] == "errors" and "no longer exists" in body["errors"]["name"]
    forged = {**view, "private_metadata": "not json"}
    body = sender.submit(OLGA, forged, fill(forged, prefilled(view))).json()
    assert body["response_action"] == "errors" and "name" in body["errors"]
    drain(app)
    assert team_row(engine, "Payments") is None
    assert confirmations(slack, OLGA) == []


def test_the_app_home_entry_point_rechecks_the_role(engine, app, team):
    with pytest.raises(NotAllowed):
        setup_service.open_setup_modal(engine, app.client, "1.2.trigger", ADA, team)
    with pytest.raises(NotAllowed):
        setup_service.open_setup_modal(engine, app.client, "1.2.trigger", GRACE, None)


# -- members from Slack ----------------------------------------------------------------------------------


def test_everyone_in_the_channel_becomes_the_members(engine, app, sender, slack, team):
    slack.channels[PLATFORM_CHANNEL] = [ADA, GRACE, LINUS]
    view = open_setup(sender, slack, OLGA)
    answers = {**PLATFORM, "membership": "channel", "members": []}
    assert sender.submit(OLGA, view, fill(view, answers)).body == ""
    text = shown(wait_confirmation(slack, OLGA))
    assert f"everyone in <#{PLATFORM_CHANNEL}> (3 people, read again weekly)" in text
    platform = team_row(engine, "Platform")
    assert platform.membership == "channel" and platform.members_synced_at is not None
    assert member_ids(engine, platform.id) == [ADA, GRACE, LINUS], "the bot itself is not a member"
    assert BOT_USER_ID not in member_ids(engine, platform.id)
    assert [c.args["channel"] for c in slack.calls("conversations.members")] == [PLATFORM_CHANNEL]


def test_a_channel_the_bot_cannot_read_is_saved_and_explained(engine, app, sender, slack, team):
    view = open_setup(sender, slack, OLGA)
    slack.fail("conversations.members", "channel_not_found")
    assert sender.submit(OLGA, view, fill(view, {**PLATFORM, "membership": "channel"})).body == ""
    text = shown(wait_confirmation(slack, OLGA))
    assert "Could not read who is in" in text and "/invite @AI Retro" in text
    platform = team_row(engine, "Platform")
    assert platform.members_synced_at is None and member_ids(engine, platform.id) == []


def test_a_user_group_becomes_the_members(engine, app, sender, slack, team):
    slack.usergroups["S0PLATFORM"] = ("platform-team", [LINUS, KEN])
    slack.usergroups["S0DESIGN01"] = ("design", [ADA])
    view = open_setup(sender, slack, OLGA)
    block = next(b for b in view["blocks"] if b.get("block_id") == "usergroup")
    assert [o["text"]["text"] for o in block["element"]["options"]] == [
        "Design (@design)",
        "Platform Team (@platform-team)",
    ]
    body = sender.submit(OLGA, view, fill(view, {**PLATFORM, "membership": "usergroup"})).json()
    assert body["errors"] == {"usergroup": "Choose the user group whose members are the team."}

    answers = {**PLATFORM, "membership": "usergroup", "usergroup": "S0PLATFORM", "members": []}
    assert sender.submit(OLGA, view, fill(view, answers)).body == ""
    assert "<!subteam^S0PLATFORM> (2 people" in shown(wait_confirmation(slack, OLGA))
    platform = team_row(engine, "Platform")
    assert (platform.membership, platform.usergroup_id) == ("usergroup", "S0PLATFORM")
    assert member_ids(engine, platform.id) == [LINUS, KEN]
    assert [c.args["usergroup"] for c in slack.calls("usergroups.users.list")] == ["S0PLATFORM"]

    again = open_setup(sender, slack, OLGA, "setup Platform")
    assert prefilled(again)["usergroup"] == "S0PLATFORM" and prefilled(again)["membership"] == "usergroup"


def test_the_weekly_prompt_run_reads_the_channel_again(engine, app, sender, slack, team, clock):
    slack.channels[PLATFORM_CHANNEL] = [ADA, GRACE]
    view = open_setup(sender, slack, OLGA)
    berlin_monday = {
        **PLATFORM,
        "membership": "channel",
        "prompt_day": "0",
        "prompt_time": "10:00",
        "tz": "Europe/Berlin",
    }
    assert sender.submit(OLGA, view, fill(view, berlin_monday)).body == ""
    wait_confirmation(slack, OLGA)
    platform = team_row(engine, "Platform")
    assert member_ids(engine, platform.id) == [ADA, GRACE]
    count_in(engine, platform.id, ADA, GRACE, KEN)

    slack.channels[PLATFORM_CHANNEL].append(KEN)  # ken joins the channel during the week
    clock.move_to("2026-11-23T09:00:30Z")  # Monday 10:00 in Berlin: the prompt run
    now = datetime.now(UTC)
    reports = schedule.send_due_prompts(engine, app.client, platform.id, now)
    assert sorted(reports[0].sent) == [ADA, GRACE, KEN]
    assert member_ids(engine, platform.id) == [ADA, GRACE, KEN]
    synced = team_row(engine, "Platform").members_synced_at
    assert synced.replace(tzinfo=UTC) == now

    # the safety-net run a minute later does not read the channel again (once a week)
    reads = len(slack.calls("conversations.members"))
    clock.move_to("2026-11-23T09:01:30Z")
    schedule.send_due_prompts(engine, app.client, platform.id, datetime.now(UTC))
    assert len(slack.calls("conversations.members")) == reads


def test_when_slack_cannot_say_who_is_in_the_channel_the_last_members_are_prompted(
    engine, app, sender, slack, team, clock
):
    slack.channels[PLATFORM_CHANNEL] = [ADA, GRACE]
    view = open_setup(sender, slack, OLGA)
    monday = {**PLATFORM, "membership": "channel", "prompt_day": "0", "prompt_time": "10:00", "tz": "Europe/Berlin"}
    assert sender.submit(OLGA, view, fill(view, monday)).body == ""
    wait_confirmation(slack, OLGA)
    platform = team_row(engine, "Platform")
    count_in(engine, platform.id, ADA, GRACE, KEN)
    before = team_row(engine, "Platform").members_synced_at

    slack.channels[PLATFORM_CHANNEL].append(KEN)
    slack.fail("conversations.members", "internal_error")
    clock.move_to("2026-11-23T09:00:30Z")
    reports = schedule.send_due_prompts(engine, app.client, platform.id, datetime.now(UTC))
    assert sorted(reports[0].sent) == [ADA, GRACE], "the prompts still go out"
    assert member_ids(engine, platform.id) == [ADA, GRACE]
    assert team_row(engine, "Platform").members_synced_at == before


OTHER_BOT, GONE, SLACKBOT = "U0STANDUP1", "U0GONE0001", "USLACKBOT"


def install_another_app_and_deactivate_someone(slack) -> None:
    """A second app's bot user (invited to channels like ours) and a deactivated person, as users.list shows them."""
    slack.users[OTHER_BOT] = FakeUser(OTHER_BOT, "standup-bot", "", is_bot=True)
    slack.users[GONE] = FakeUser(GONE, "gone", "gone@example.com", deleted=True)


def dms_to(slack, user_ids: set[str]) -> list[str]:
    return [c.args["channel"] for c in slack.calls("chat.postMessage") if c.args.get("channel") in user_ids]


def test_bots_and_deactivated_people_in_the_channel_never_become_members(engine, app, sender, slack, team, clock):
    install_another_app_and_deactivate_someone(slack)
    slack.channels[PLATFORM_CHANNEL] = [ADA, OTHER_BOT, GRACE, GONE, SLACKBOT]
    view = open_setup(sender, slack, OLGA)
    monday = {**PLATFORM, "membership": "channel", "prompt_day": "0", "prompt_time": "10:00", "tz": "Europe/Berlin"}
    assert sender.submit(OLGA, view, fill(view, monday)).body == ""
    text = shown(wait_confirmation(slack, OLGA))
    assert f"everyone in <#{PLATFORM_CHANNEL}> (2 people, read again weekly)" in text
    platform = team_row(engine, "Platform")
    assert member_ids(engine, platform.id) == [ADA, GRACE]
    count_in(engine, platform.id, ADA, GRACE, KEN, LINUS)
    assert [c.args.get("limit") for c in slack.calls("users.list")] == ["200"], "one users.list, not a lookup each"
    assert not [c for c in slack.calls("users.info") if c.args.get("user") in (OTHER_BOT, GONE, SLACKBOT)]

    # during the week ken joins and linus leaves the company: his account is deactivated, still in the channel
    slack.channels[PLATFORM_CHANNEL] += [KEN, LINUS]
    slack.users[LINUS] = dataclasses.replace(slack.users[LINUS], deleted=True)
    clock.move_to("2026-11-23T09:00:30Z")  # Monday 10:00 in Berlin: the prompt run reads the channel again
    reports = schedule.send_due_prompts(engine, app.client, platform.id, datetime.now(UTC))
    assert sorted(reports[0].sent) == [ADA, GRACE, KEN]
    assert member_ids(engine, platform.id) == [ADA, GRACE, KEN]
    assert dms_to(slack, {OTHER_BOT, GONE, SLACKBOT, LINUS, BOT_USER_ID}) == [], "no bot or deactivated user prompted"
    assert len(slack.calls("users.list")) == 2


def test_when_users_list_fails_the_members_are_still_read_without_our_own_bot(engine, app, sender, slack, team):
    install_another_app_and_deactivate_someone(slack)
    slack.channels[PLATFORM_CHANNEL] = [ADA, OTHER_BOT, GRACE]
    slack.fail("users.list", "internal_error")
    view = open_setup(sender, slack, OLGA)
    assert sender.submit(OLGA, view, fill(view, {**PLATFORM, "membership": "channel", "members": []})).body == ""
    text = shown(wait_confirmation(slack, OLGA))
    assert f"everyone in <#{PLATFORM_CHANNEL}> (3 people, read again weekly)" in text
    platform = team_row(engine, "Platform")
    assert platform.members_synced_at is not None
    assert member_ids(engine, platform.id) == [OTHER_BOT, ADA, GRACE], "Slack could not say it is a bot"
    assert BOT_USER_ID not in member_ids(engine, platform.id)
    assert slack.calls("auth.test"), "our own bot is still recognised"


# -- Block Kit limits ----------------------------------------------------------------------------------------


def test_a_team_of_500_and_150_user_groups_stay_within_block_kit_limits(engine, app, sender, slack, team):
    crowd = [f"U0BIG{i:05d}" for i in range(500)]
    for i in range(150):
        slack.usergroups[f"S0GRP{i:05d}"] = (f"group-{i:03d}-" + "x" * 80, [ADA])
    big = teams.create_team(
        engine, teams.team_spec("B" * 80, "C0BIG00001", crowd, "Europe/Berlin", "mon 10:00", "fri 16:00", 3)
    )
    with session_scope(engine) as session:
        tq.set_team_managers(session, big.id, crowd[:300])

    view = open_setup(sender, slack, OLGA, "setup <#C0BIG00001|big>")
    assert view_problems(view) == []
    assert len(view["blocks"]) <= 100 and len(view["private_metadata"]) <= 3000
    assert len(prefilled(view)["members"]) == 500 and len(prefilled(view)["managers"]) == 300
    group = next(b for b in view["blocks"] if b.get("block_id") == "usergroup")
    assert len(group["element"]["options"]) == 100 and "Showing 100 of 150 user groups" in group["hint"]["text"]

    answers = {**prefilled(view), "min_respondents": "5"}
    assert sender.submit(OLGA, view, fill(view, answers)).body == ""
    confirmation = wait_confirmation(slack, OLGA)
    assert message_problems(confirmation["blocks"], confirmation["text"]) == []
    assert "500 people" in shown(confirmation) and "and 280 more" in shown(confirmation)

    with session_scope(engine) as session:  # a group beyond the first 100 by name is still offered
        stored = session.get(Team, big.id)
        stored.membership, stored.usergroup_id = "usergroup", "S0GRP00149"
        session.add(stored)
    view = open_setup(sender, slack, OLGA, "setup <#C0BIG00001|big>")
    assert view_problems(view) == []
    group = next(b for b in view["blocks"] if b.get("block_id") == "usergroup")
    assert len(group["element"]["options"]) == 100
    assert group["element"]["initial_option"]["value"] == "S0GRP00149"


# -- public holidays --------------------------------------------------------------------------------------


def test_public_holidays_are_stored_normalised_and_shown_when_editing(engine, app, sender, slack, team):
    view = open_setup(sender, slack, OLGA)
    field = next(b for b in view["blocks"] if b.get("block_id") == "holidays")
    assert field["optional"] is True and field["label"]["text"] == "Public holidays"
    assert "GB-ENG, DE-BY or US-CA" in field["hint"]["text"] and "next working day" in field["hint"]["text"]
    assert "initial_value" not in field["element"], "a new team has none"

    assert sender.submit(OLGA, view, fill(view, {**PLATFORM, "holidays": " de by "})).body == ""
    text = shown(wait_confirmation(slack, OLGA))
    assert "*Public holidays:* DE-BY (public holidays of Germany (BY))" in text
    assert team_row(engine, "Platform").holidays == "DE-BY"

    again = open_setup(sender, slack, OLGA, "setup Platform")
    assert prefilled(again)["holidays"] == "DE-BY"
    assert sender.submit(OLGA, again, fill(again, {**prefilled(again), "holidays": "none"})).body == ""
    assert "Public holidays" not in shown(wait_confirmation(slack, OLGA, 2))
    assert team_row(engine, "Platform").holidays is None


def test_a_bad_holiday_code_is_an_inline_error_on_its_field_and_nothing_is_saved(engine, app, sender, slack, team):
    before = snapshot(engine)
    view = open_setup(sender, slack, GRACE)
    for typed, message in [
        ("XX", "'XX' is not a country the holiday calendar knows: use a code like GB-ENG, DE-BY or US-CA"),
        ("DE-ZZ", "'ZZ' is not a region of DE: use one of BB, BE, BW, BY, HB, HE, … (or DE alone)"),
    ]:
        body = sender.submit(GRACE, view, fill(view, {**prefilled(view), "holidays": typed})).json()
        assert body == {"response_action": "errors", "errors": {"holidays": message}}
    drain(app)
    assert snapshot(engine) == before
    assert confirmations(slack, GRACE) == []
