"""Reading what Slack sends: numbers and ids in command text and payloads, and payload fields. The one place.

Numbers are ASCII digits only, and short: ``str.isdigit()`` admits "²" and "٣", ``int()`` turns "٣" into 3
and refuses "²" and any string of more than 4,300 digits, so nothing here hands ``int()`` anything but
at most ``MAX_DIGITS`` of 0-9. A number a person typed that is not one gets a ``BadNumber`` whose text says
what is accepted.

Payload fields are read through the accessors below, which raise ``MalformedPayload`` (one error type) for a
field that is missing or of a type Slack never sends it as. The listener guard logs that as one line, without
a traceback, and answers with a 200 ack and a plain message: tracebacks are kept for real bugs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypeVar

T = TypeVar("T")

MAX_DIGITS = 9  # any count or database id the app uses fits; int() is never given more
MAX_ID = 2**31 - 1  # database ids (SQLite takes up to 2**63 - 1; Postgres integer columns 2**31 - 1)
MAX_METADATA = 3000  # Slack's limit on a view's private_metadata
MAX_TEXT = 40_000  # far above what Slack sends in one text field

_NUMBER = re.compile(r"[-+]?[0-9]+")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,20}")
_VIEW_ID = re.compile(r"V[A-Z0-9]{2,30}")
_TRIGGER_ID = re.compile(r"[0-9A-Za-z.\-_]{1,255}")


class BadNumber(ValueError):
    """A number a person typed or chose is not one we take; ``str(error)`` says what is accepted."""


class MalformedPayload(ValueError):
    """A Slack payload field is missing or of a type Slack never sends: the payload was not made by Slack's
    own clients (crafted, or damaged on the way). ``str(error)`` names the field, for one log line."""


# -- numbers ---------------------------------------------------------------------------------------


def looks_numeric(token: str) -> bool:
    """True for a token someone meant as a number: a sign and digits of any script, superscripts, fractions."""
    digits = token.lstrip("+-")
    return bool(digits) and digits.isnumeric()


def ascii_int(value: object, *, max_digits: int = MAX_DIGITS) -> int | None:
    """``value`` as an int if it is a str of at most ``max_digits`` ASCII digits (a leading - or + allowed);
    None for anything else, "²", "٣" and digit strings too long for ``int()`` included."""
    if not isinstance(value, str) or not _NUMBER.fullmatch(value) or len(value.lstrip("+-")) > max_digits:
        return None
    return int(value)


def whole_number(text: str, low: int, high: int, what: str) -> int:
    """``text``, typed by a person, as a whole number from ``low`` to ``high``; ``BadNumber`` otherwise, with a
    message naming ``what`` ("Weeks") and what is accepted."""
    accepted = f"{what} must be a whole number from {low} to {high}, typed with the digits 0-9"
    if not isinstance(text, str) or not _NUMBER.fullmatch(text):
        raise BadNumber(f"{accepted}.")
    number = ascii_int(text)
    if number is None:  # ASCII digits, but too many of them
        raise BadNumber(f"{what} must be between {low} and {high}.")
    if not low <= number <= high:
        raise BadNumber(f"{what} must be between {low} and {high}, not {number}.")
    return number


def choice_index(value: object, count: int) -> int | None:
    """An option's value that stands for a position 0 … ``count`` - 1 (a weekday, say); None otherwise."""
    number = ascii_int(value, max_digits=3)
    return number if number is not None and 0 <= number < count and value == str(number) else None


def stored_id(value: object, what: str = "id") -> int:
    """A database id carried in a payload: a positive int (JSON) or its ASCII digits (a button's value),
    at most ``MAX_ID``; ``MalformedPayload`` otherwise. ``True`` is not an id."""
    number = ascii_int(value) if isinstance(value, str) else value
    if isinstance(number, int) and not isinstance(number, bool) and 0 < number <= MAX_ID:
        return number
    raise MalformedPayload(f"{what} is not an id: {_shown(value)}")


# -- ids -------------------------------------------------------------------------------------------


def is_user_id(value: object) -> bool:
    return isinstance(value, str) and bool(_USER_ID.fullmatch(value))


def user_id(value: object, what: str = "user id") -> str:
    """A Slack user id (``U…``/``W…``); ``MalformedPayload`` otherwise."""
    if not is_user_id(value):
        raise MalformedPayload(f"{what} is not a user id: {_shown(value)}")
    return value


# -- payload fields --------------------------------------------------------------------------------


def _shown(value: object) -> str:
    """A value for a log line: its type, and a short repr (never a 5,000-digit string, never a newline)."""
    text = ascii(value)
    return f"{type(value).__name__} {text[:40]}{'…' if len(text) > 40 else ''}"


def field(container: object, *path: str | int, kind: type[T] = str, optional: bool = False) -> T | None:
    """The value at ``path`` in a payload, checked to be a ``kind`` (``str``, ``dict``, ``list``, ``int``, …).

    Missing (or JSON null) with ``optional``: None. Otherwise ``MalformedPayload`` naming the path.
    """
    node: Any = container
    walked: list[str] = []
    for step in path:
        walked.append(str(step))
        if isinstance(step, int):
            node = node[step] if isinstance(node, list) and -len(node) <= step < len(node) else None
        else:
            node = node.get(step) if isinstance(node, Mapping) else None
        if node is None:
            if optional:
                return None
            raise MalformedPayload(f"{'.'.join(walked)} is missing")
    if not isinstance(node, kind) or (kind is int and isinstance(node, bool)):
        raise MalformedPayload(f"{'.'.join(walked)} is {_shown(node)}, not {kind.__name__}")
    if isinstance(node, str) and len(node) > MAX_TEXT:
        raise MalformedPayload(f"{'.'.join(walked)} is {len(node)} characters long")
    return node


def actor(body: Mapping[str, Any]) -> str:
    """Who acted: ``user.id`` of an interaction, ``user_id`` of a slash command, ``event.user`` of an event."""
    if "command" in body:
        return user_id(field(body, "user_id"), "user_id")
    if isinstance(body.get("event"), Mapping):
        return user_id(field(body, "event", "user"), "event.user")
    return user_id(field(body, "user", "id"), "user.id")


def trigger_id(body: Mapping[str, Any]) -> str:
    value = field(body, "trigger_id")
    if not _TRIGGER_ID.fullmatch(value):
        raise MalformedPayload(f"trigger_id is {_shown(value)}")
    return value


def response_url(body: Mapping[str, Any]) -> str:
    """The ``response_url`` of a slash command or a message button: an http(s) URL."""
    value = field(body, "response_url")
    if not value.startswith(("https://", "http://")) or any(c in value for c in " \t\r\n\x00"):
        raise MalformedPayload(f"response_url is {_shown(value)}")
    return value


def button_value(body: Mapping[str, Any]) -> str:
    """The clicked button's ``value`` (``actions[0].value``)."""
    return field(body, "actions", 0, "value")


def button_id(body: Mapping[str, Any], what: str) -> int:
    """The id a button carries as its value (a delivery's, a team's)."""
    return stored_id(button_value(body), what)


def view_id(view: Mapping[str, Any]) -> str:
    value = field(view, "id")
    if not _VIEW_ID.fullmatch(value):
        raise MalformedPayload(f"view.id is {_shown(value)}")
    return value


def private_metadata(view: Mapping[str, Any]) -> str:
    """A view's ``private_metadata`` ("" when absent), at most Slack's 3,000 characters."""
    value = field(view, "private_metadata", optional=True) or ""
    if len(value) > MAX_METADATA:
        raise MalformedPayload(f"view.private_metadata is {len(value)} characters long")
    return value


_ELEMENT_FIELDS: dict[str, type] = {
    "type": str,
    "value": str,
    "selected_option": dict,
    "selected_options": list,
    "selected_users": list,
    "selected_conversation": str,
    "selected_channel": str,
    "selected_time": str,
    "selected_date": str,
}


def _well_formed(name: str, value: object) -> bool:
    """Whether an input element's field is of the type Slack sends (strings of bounded length inside)."""
    if not isinstance(value, _ELEMENT_FIELDS[name]):
        return False
    if isinstance(value, str):
        return len(value) <= MAX_TEXT
    if name == "selected_option":
        return isinstance(value.get("value"), str) and len(value["value"]) <= MAX_TEXT
    if name == "selected_options":
        return all(isinstance(o, dict) and isinstance(o.get("value"), str) for o in value)
    if name == "selected_users":
        return all(isinstance(u, str) and len(u) <= MAX_TEXT for u in value)
    return True


def state_values(view: Mapping[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """``view.state.values`` (block_id → action_id → element state), ready for the form readers.

    ``MalformedPayload`` unless its three levels are objects. A field the readers use (``value``,
    ``selected_option``, ``selected_users``, …) of a type Slack never sends is left out, as if not filled in:
    the form's own validation then names that field inline, and nothing downstream meets a list where it
    reads a string.
    """
    values = field(view, "state", "values", kind=dict)
    cleaned: dict[str, dict[str, dict[str, Any]]] = {}
    for block_id, block in values.items():
        if not isinstance(block, dict):
            raise MalformedPayload(f"view.state.values.{ascii(block_id)[:40]} is {_shown(block)}")
        cleaned[block_id] = {}
        for action_id, element in block.items():
            if not isinstance(element, dict):
                raise MalformedPayload(
                    f"view.state.values.{ascii(block_id)[:40]}.{ascii(action_id)[:40]} is {_shown(element)}"
                )
            cleaned[block_id][action_id] = {
                name: value
                for name, value in element.items()
                if name not in _ELEMENT_FIELDS or value is None or _well_formed(name, value)
            }
    return cleaned
