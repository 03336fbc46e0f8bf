"""``bot.parse_input``: numbers are ASCII digits of bounded length, payload fields are what Slack sends or a
``MalformedPayload``; and every listener the app registers sits behind the guard."""

from __future__ import annotations

import pytest

from bot.blocks.setup import read_setup, setup_target
from bot.listeners.commands.parse import UsageError, parse
from bot.listeners.guard import is_guarded, payload_kind, submission_answer
from bot.parse_input import (
    MAX_ID,
    BadNumber,
    MalformedPayload,
    actor,
    ascii_int,
    button_id,
    choice_index,
    field,
    looks_numeric,
    private_metadata,
    response_url,
    state_values,
    stored_id,
    trigger_id,
    whole_number,
)

HUGE = "9" * 4_301  # one past int()'s default limit of 4,300 digits


@pytest.mark.parametrize("text", ["²", "³", "٣", "１２", "𝟗", "Ⅻ", "½", HUGE, "1" * 10, "4.5", "0x10", "", " 3", "3 "])
def test_ascii_int_takes_nothing_but_short_ascii_digits(text):
    assert ascii_int(text) is None


@pytest.mark.parametrize(("text", "number"), [("0", 0), ("7", 7), ("-2", -2), ("+3", 3), ("123456789", 123456789)])
def test_ascii_int_reads_ascii_digits(text, number):
    assert ascii_int(text) == number


@pytest.mark.parametrize("value", [None, 3, 3.0, True, ["3"], {"3": 3}])
def test_ascii_int_takes_only_strings(value):
    assert ascii_int(value) is None


def test_a_typed_number_is_checked_and_explained():
    assert whole_number("12", 1, 52, "Weeks") == 12
    for text in ("²", "٣", "1.5", "twelve"):
        with pytest.raises(BadNumber, match="Weeks must be a whole number from 1 to 52, typed with the digits 0-9"):
            whole_number(text, 1, 52, "Weeks")
    with pytest.raises(BadNumber, match="^Weeks must be between 1 and 52, not 53.$"):
        whole_number("53", 1, 52, "Weeks")
    with pytest.raises(BadNumber, match="^Weeks must be between 1 and 52.$"):  # never echoes 4,301 digits
        whole_number(HUGE, 1, 52, "Weeks")


def test_what_looks_like_a_number():
    assert all(looks_numeric(t) for t in ("3", "²", "٣", "-2", "+3", "Ⅻ", HUGE))
    assert not any(looks_numeric(t) for t in ("", "-", "payments", "3a", "4.5", "#3"))


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("me ²", "typed with the digits 0-9"),
        ("me ٣", "typed with the digits 0-9"),
        ("summary payments ³", "typed with the digits 0-9"),
        ("summary payments " + HUGE, "Weeks must be between 1 and 52."),
        ("me " + HUGE, "Weeks must be between 1 and 52."),
        ("me -2", "not -2"),
    ],
)
def test_command_numbers_in_other_scripts_or_too_long_get_a_hint(text, hint):
    with pytest.raises(UsageError) as error:
        parse(text)
    assert hint in str(error.value) and len(str(error.value)) < 600


def test_command_numbers_still_read():
    assert parse("me 12").weeks == 12 and parse("summary payments 3").weeks == 3


def test_choice_index_is_an_exact_small_ascii_number():
    assert choice_index("0", 7) == 0 and choice_index("6", 7) == 6
    assert all(choice_index(v, 7) is None for v in ("7", "²", "٣", "06", "+1", "-0", 3, None, HUGE))


def test_stored_ids_are_positive_and_bounded():
    assert stored_id("12") == 12 and stored_id(12) == 12 and stored_id(MAX_ID) == MAX_ID
    for value in (0, -1, True, MAX_ID + 1, 10**30, "1e3", "²", HUGE, None, 1.0, [1]):
        with pytest.raises(MalformedPayload):
            stored_id(value)


def test_fields_are_checked_for_presence_and_type():
    body = {"user": {"id": "U0USER001"}, "actions": [{"value": "7"}], "trigger_id": "1.2.abc", "n": None}
    assert actor(body) == "U0USER001" and button_id(body, "x") == 7 and trigger_id(body) == "1.2.abc"
    assert field(body, "n", optional=True) is None and field(body, "missing", optional=True) is None
    for broken, message in [
        ({"user": {}}, "user.id is missing"),
        ({"user": {"id": 5}}, "user.id is int 5, not str"),
        ({"user": "U0USER001"}, "user.id is missing"),
        ({"user": {"id": "U0USER001\n"}}, "not a user id"),
    ]:
        with pytest.raises(MalformedPayload, match=message):
            actor(broken)
    with pytest.raises(MalformedPayload, match="actions.0 is missing"):
        button_id({"actions": []}, "x")
    with pytest.raises(MalformedPayload, match="is not an id"):
        button_id({"actions": [{"value": "²"}]}, "x")
    with pytest.raises(MalformedPayload, match="trigger_id"):
        trigger_id({"trigger_id": "a b"})
    assert actor({"command": "/airetro", "user_id": "U0USER002"}) == "U0USER002"
    assert actor({"type": "event_callback", "event": {"user": "W0USER003"}}) == "W0USER003"


def test_response_urls_and_metadata():
    assert response_url({"response_url": "https://hooks.slack.com/x"}) == "https://hooks.slack.com/x"
    for url in ("", "\x00", "ftp://x", "https://x\n", 5):
        with pytest.raises(MalformedPayload):
            response_url({"response_url": url})
    assert private_metadata({}) == "" and private_metadata({"private_metadata": '{"a": 1}'}) == '{"a": 1}'
    for metadata in ({}, 5, "x" * 3001):
        with pytest.raises(MalformedPayload):
            private_metadata({"private_metadata": metadata})


def test_state_values_keep_their_shape_and_drop_fields_of_the_wrong_type():
    view = {
        "state": {
            "values": {
                "what": {"what_input": {"type": "plain_text_input", "value": ["a list"]}},
                "day": {"day_input": {"selected_option": {"value": False}}},
                "users": {"users_input": {"selected_users": ["U0USER001", 5]}},
                "ok": {"ok_input": {"value": "fine", "selected_option": None}},
            }
        }
    }
    assert state_values(view) == {
        "what": {"what_input": {"type": "plain_text_input"}},
        "day": {"day_input": {}},
        "users": {"users_input": {}},
        "ok": {"ok_input": {"value": "fine", "selected_option": None}},
    }
    for broken in (
        {},
        {"state": {"values": []}},
        {"state": {"values": {"a": []}}},
        {"state": {"values": {"a": {"b": 1}}}},
    ):
        with pytest.raises(MalformedPayload):
            state_values(broken)


def test_setup_numbers_are_ascii_and_bounded():
    state = {
        "prompt_day": {"prompt_day_input": {"selected_option": {"value": "²"}}},
        "digest_day": {"digest_day_input": {"selected_option": {"value": "٣"}}},
        "prompt_time": {"prompt_time_input": {"selected_time": "١٠:٠٠"}},
        "reminder_hours": {"reminder_hours_input": {"value": "٣"}},
        "min_respondents": {"min_respondents_input": {"value": HUGE}},
    }
    errors = read_setup(state).errors
    assert {"prompt_day", "digest_day", "prompt_time", "reminder_hours", "min_respondents"} <= set(errors)
    with pytest.raises(ValueError):
        setup_target(f'{{"team_id": {MAX_ID + 1}}}')
    with pytest.raises(ValueError):
        setup_target(HUGE)


def test_a_submission_failure_is_shown_on_the_first_input_or_in_an_updated_modal():
    view = {"blocks": [{"type": "section"}, {"type": "input", "block_id": "what"}]}
    assert submission_answer({"view": view}, "No.") == {"response_action": "errors", "errors": {"what": "No."}}
    updated = submission_answer({"view": {"blocks": "damaged"}}, "No.")
    assert updated["response_action"] == "update" and updated["view"]["blocks"][0]["text"]["text"] == "No."


def test_payload_kinds():
    assert payload_kind({"command": "/airetro"}) == "command"
    assert payload_kind({"type": "block_actions"}) == "block_actions"
    assert payload_kind({"type": "view_submission"}) == "view_submission"
    assert payload_kind({"type": "event_callback"}) == "event"
    assert payload_kind([]) == "other" and payload_kind({"type": 5}) == "other"


def test_every_registered_listener_is_behind_the_guard(app):
    listeners = app._listeners  # Bolt keeps them here; the guard must cover every one
    assert len(listeners) == 16  # /airetro, 11 buttons, 3 modals, app_home_opened
    assert all(is_guarded(listener.ack_function) for listener in listeners)
    assert app._raise_error_for_unhandled_request is True
