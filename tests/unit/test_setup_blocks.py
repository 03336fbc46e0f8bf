"""The setup modal's pure parts: the builder, reading and validating a submission, the confirmation."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from bot.blocks.setup import (
    MAX_OPTIONS,
    SetupValues,
    UserGroup,
    confirmation,
    new_team_values,
    read_setup,
    same_setup,
    setup_target,
    setup_view,
    usergroup_choices,
    values_of,
)
from bot.schedule_spec import Slot
from tests.blockkit_limits import message_problems, view_problems

STORED = SimpleNamespace(
    name="Payments",
    channel_id="C0TEAM001",
    membership="people",
    usergroup_id=None,
    prompt_weekday=0,
    prompt_time="10:00",
    reminder_hours=24,
    digest_weekday=4,
    digest_time="16:00",
    tz="Europe/Berlin",
    min_respondents=3,
    share_free_text=True,
    holidays=None,
)


def _state(**answers: object) -> dict:
    """Slack's ``state.values`` for the setup modal; keyword → the element's reported value."""
    good = {
        "name": {"type": "plain_text_input", "value": "Payments"},
        "channel": {"type": "conversations_select", "selected_conversation": "C0TEAM001"},
        "membership": {"type": "radio_buttons", "selected_option": {"value": "people"}},
        "members": {"type": "multi_users_select", "selected_users": ["U0USER001", "U0USER002", "U0USER003"]},
        "usergroup": {"type": "static_select", "selected_option": None},
        "managers": {"type": "multi_users_select", "selected_users": ["U0USER002"]},
        "prompt_day": {"type": "static_select", "selected_option": {"value": "0"}},
        "prompt_time": {"type": "timepicker", "selected_time": "10:00"},
        "reminder_hours": {"type": "number_input", "value": "24"},
        "digest_day": {"type": "static_select", "selected_option": {"value": "4"}},
        "digest_time": {"type": "timepicker", "selected_time": "16:00"},
        "tz": {"type": "plain_text_input", "value": "Europe/Berlin"},
        "min_respondents": {"type": "number_input", "value": "3"},
        "share_free_text": {"type": "checkboxes", "selected_options": [{"value": "share"}]},
        "holidays": {"type": "plain_text_input", "value": None},
    }
    for block_id, element in answers.items():
        good[block_id] = {**good[block_id], **element} if isinstance(element, dict) else element
    return {block_id: {f"{block_id}_input": element} for block_id, element in good.items()}


def test_a_good_submission_reads_into_values():
    submission = read_setup(_state())
    assert submission.errors == {}
    assert submission.values == SetupValues(
        name="Payments",
        channel_id="C0TEAM001",
        membership="people",
        member_ids=("U0USER001", "U0USER002", "U0USER003"),
        usergroup_id=None,
        manager_ids=("U0USER002",),
        prompt=Slot(0, "10:00"),
        reminder_hours=24,
        digest=Slot(4, "16:00"),
        tz="Europe/Berlin",
        min_respondents=3,
        share_free_text=True,
    )
    assert submission.values == values_of(STORED, ["U0USER001", "U0USER002", "U0USER003"], ["U0USER002"])


@pytest.mark.parametrize(
    ("answers", "bad"),
    [
        ({"name": {"value": "  "}}, "name"),
        ({"name": {"value": "x" * 81}}, "name"),
        ({"name": {"value": "new"}}, "name"),
        ({"name": {"value": "<@U0USER001>"}}, "name"),
        ({"channel": {"selected_conversation": None}}, "channel"),
        ({"channel": {"selected_conversation": "D0DM00001"}}, "channel"),
        ({"members": {"selected_users": []}}, "members"),
        ({"members": {"selected_users": ["U0USER001"]}}, "members"),
        ({"members": {"selected_users": ["U0USER001", "U0USER002"]}}, "members"),
        ({"members": {"selected_users": ["U0USER001", "U0USER002", "U0USER002"]}}, "members"),  # 2 people
        ({"members": {"selected_users": ["not a user"]}}, "members"),
        ({"managers": {"selected_users": []}}, "managers"),
        ({"membership": {"selected_option": {"value": "everyone"}}}, "membership"),
        ({"membership": {"selected_option": {"value": "usergroup"}}}, "usergroup"),
        ({"usergroup": {"selected_option": {"value": "bogus"}}}, "usergroup"),
        ({"prompt_day": {"selected_option": {"value": "7"}}}, "prompt_day"),
        ({"prompt_time": {"selected_time": "24:00"}}, "prompt_time"),
        ({"digest_time": {"selected_time": None}}, "digest_time"),
        ({"reminder_hours": {"value": "145"}}, "reminder_hours"),
        ({"reminder_hours": {"value": "-1"}}, "reminder_hours"),
        ({"reminder_hours": {"value": "1.5"}}, "reminder_hours"),
        ({"tz": {"value": "Europe"}}, "tz"),
        ({"tz": {"value": "Mars/Base"}}, "tz"),
        ({"min_respondents": {"value": "0"}}, "min_respondents"),
        ({"min_respondents": {"value": "1"}}, "min_respondents"),
        ({"min_respondents": {"value": "2"}}, "min_respondents"),
        ({"min_respondents": {"value": "51"}}, "min_respondents"),
        ({"min_respondents": {"value": "three"}}, "min_respondents"),
        ({"min_respondents": "not an element"}, "min_respondents"),
        ({"holidays": {"value": "XX"}}, "holidays"),
        ({"holidays": {"value": "DE-ZZ"}}, "holidays"),
    ],
)
def test_each_bad_value_is_an_error_on_its_own_field(answers, bad):
    submission = read_setup(_state(**answers))
    assert set(submission.errors) == {bad}
    assert submission.values is None


def test_fewer_than_3_members_or_a_minimum_below_3_is_refused_with_the_reason():
    members = read_setup(_state(members={"selected_users": ["U0USER001", "U0USER002"]}))
    assert members.errors == {
        "members": "Pick at least 3 members (or choose a channel or user group above): no figure is ever shown "
        "over fewer than 3 people."
    }
    minimum = read_setup(_state(min_respondents={"value": "2"}))
    assert minimum.errors == {
        "min_respondents": "Enter a whole number from 3 to 50: no figure is ever shown over fewer than 3 people, "
        "so that nobody's answers or tokens can be singled out."
    }
    exactly = read_setup(_state(min_respondents={"value": "3"}))
    assert exactly.errors == {} and exactly.values.min_respondents == 3


def test_channel_and_usergroup_teams_need_no_picked_members():
    channel = read_setup(_state(membership={"selected_option": {"value": "channel"}}, members={"selected_users": []}))
    assert channel.errors == {} and channel.values.member_ids == ()
    group = read_setup(
        _state(
            membership={"selected_option": {"value": "usergroup"}},
            usergroup={"selected_option": {"value": "S0PLATFORM"}},
        )
    )
    assert group.errors == {} and group.values.usergroup_id == "S0PLATFORM" and group.values.member_ids == ()
    none = read_setup(_state(membership={"selected_option": {"value": "usergroup"}}), has_usergroup_block=False)
    assert set(none.errors) == {"membership"}


def test_unchecked_sharing_and_a_normalised_time_zone_and_time():
    submission = read_setup(
        _state(
            share_free_text={"selected_options": []},
            tz={"value": " America/New_York "},
            prompt_time={"selected_time": "9:05"},
            name={"value": "  Team   Rocket "},
        )
    )
    assert submission.errors == {}
    values = submission.values
    assert (values.share_free_text, values.tz, values.prompt.hhmm, values.name) == (
        False,
        "America/New_York",
        "09:05",
        "Team Rocket",
    )


def test_the_view_is_prefilled_when_editing_and_carries_only_the_team_id():
    values = values_of(STORED, ["U0USER001"], ["U0USER002"])
    view = setup_view(values, 7, [UserGroup("S0PLATFORM", "platform", "Platform")]).to_dict()
    assert json.loads(view["private_metadata"]) == {"team_id": 7}
    elements = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert list(elements) == [
        "name", "channel", "membership", "members", "usergroup", "managers", "prompt_day", "prompt_time",
        "reminder_hours", "digest_day", "digest_time", "tz", "holidays", "min_respondents", "share_free_text",
    ]  # fmt: skip
    assert elements["name"]["initial_value"] == "Payments" and elements["name"]["max_length"] == 80
    assert elements["channel"]["initial_conversation"] == "C0TEAM001"
    assert elements["members"]["initial_users"] == ["U0USER001"]
    assert elements["managers"]["initial_users"] == ["U0USER002"]
    assert elements["prompt_day"]["initial_option"]["value"] == "0"
    assert elements["prompt_time"]["initial_time"] == "10:00"
    assert elements["reminder_hours"]["initial_value"] == "24" and elements["reminder_hours"]["max_value"] == "144"
    assert elements["tz"]["initial_value"] == "Europe/Berlin"
    assert "initial_value" not in elements["holidays"], "no holidays: an empty field"
    bavaria = values_of(SimpleNamespace(**{**STORED.__dict__, "holidays": "DE-BY"}), [], ["U0USER002"])
    shown = next(b for b in setup_view(bavaria, 7, []).to_dict()["blocks"] if b.get("block_id") == "holidays")
    assert shown["element"]["initial_value"] == "DE-BY" and shown["optional"] is True
    assert shown["label"]["text"] == "Public holidays" and "GB-ENG, DE-BY or US-CA" in shown["hint"]["text"]
    assert elements["share_free_text"]["initial_options"][0]["value"] == "share"
    assert elements["min_respondents"]["min_value"] == "3" and elements["min_respondents"]["initial_value"] == "3"
    hint = next(b["hint"]["text"] for b in view["blocks"] if b.get("block_id") == "min_respondents")
    assert hint.startswith("At least 3.")
    assert view_problems(view) == []


def test_a_new_team_form_has_defaults_and_the_caller_as_manager():
    view = setup_view(new_team_values("U0ADMIN01", "Asia/Tokyo"), None, []).to_dict()
    assert json.loads(view["private_metadata"]) == {"team_id": None}
    elements = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert "usergroup" not in elements, "no user groups, no empty select"
    assert [o["value"] for o in elements["membership"]["options"]] == ["people", "channel"]
    assert elements["managers"]["initial_users"] == ["U0ADMIN01"]
    assert elements["tz"]["initial_value"] == "Asia/Tokyo"
    assert "initial_value" not in elements["name"]
    assert new_team_values("U1", "Not/AZone").tz == "UTC" and new_team_values("U1", None).tz == "UTC"
    assert view_problems(view) == []


def test_at_most_100_user_groups_by_name_with_the_current_one_kept():
    groups = [UserGroup(f"S{i:04d}", f"g{i}", f"Group {i:04d}") for i in range(250)]
    shown, total = usergroup_choices(groups, "S0249")
    assert len(shown) == MAX_OPTIONS and total == 250
    assert shown[0].id == "S0249" and [g.id for g in shown[1:3]] == ["S0000", "S0001"]
    shown, total = usergroup_choices(groups[:5], "S9999")  # deleted meanwhile: still shown as chosen
    assert [g.id for g in shown][0] == "S9999" and total == 6


@pytest.mark.parametrize("metadata", ["", "null", "[]", '{"team": 1}', '{"team_id": "1"}', '{"team_id": -3}'])
def test_metadata_that_is_not_a_setup_form_is_refused(metadata):
    with pytest.raises(ValueError):
        setup_target(metadata)


def test_metadata_names_the_team_or_a_new_one():
    assert setup_target('{"team_id": 4}') == 4 and setup_target('{"team_id": null}') is None


def test_same_setup_ignores_order_and_slack_read_members():
    stored = values_of(STORED, ["U2", "U1"], ["U3", "U4"])
    assert same_setup(stored, values_of(STORED, ["U1", "U2"], ["U4", "U3"]))
    assert not same_setup(stored, values_of(STORED, ["U1"], ["U4", "U3"]))
    channel = SimpleNamespace(**{**STORED.__dict__, "membership": "channel"})
    assert same_setup(values_of(channel, ["U1", "U2"], ["U3"]), values_of(channel, [], ["U3"]))


def test_the_confirmation_stays_within_limits_for_huge_teams():
    values = values_of(STORED, [], [f"U{i:08d}" for i in range(400)])
    text, blocks = confirmation(values, created=True, member_count=500, problems=["x" * 5000])
    assert "Payments" in text and message_problems(blocks, text) == []


@pytest.mark.parametrize(
    ("typed", "stored"), [(None, None), ("", None), ("none", None), (" de by ", "DE-BY"), ("UK", "GB")]
)
def test_holidays_are_read_normalised(typed, stored):
    submission = read_setup(_state(holidays={"value": typed}))
    assert submission.errors == {} and submission.values.holidays == stored


def test_a_bad_holiday_code_is_an_inline_error_naming_it():
    submission = read_setup(_state(holidays={"value": "DE-ZZ"}))
    assert submission.values is None
    assert submission.errors == {
        "holidays": "'ZZ' is not a region of DE: use one of BB, BE, BW, BY, HB, HE, … (or DE alone)"
    }


def test_the_confirmation_names_the_holidays_only_when_set():
    values = values_of(STORED, ["U1", "U2", "U3"], ["U2"])
    assert "holidays" not in " ".join(
        b.to_dict()["text"]["text"] for b in confirmation(values, created=True, member_count=3)[1][:2]
    )
    bavaria = values_of(SimpleNamespace(**{**STORED.__dict__, "holidays": "DE-BY"}), ["U1", "U2", "U3"], ["U2"])
    text, blocks = confirmation(bavaria, created=False, member_count=3)
    assert (
        "*Public holidays:* DE-BY (public holidays of Germany (BY)); a prompt day that is one moves to the next "
        "working day" in blocks[1].to_dict()["text"]["text"]
    )
    assert message_problems(blocks, text) == []
