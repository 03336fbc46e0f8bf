"""The "where AI helped" modal and the reading/validation of its submission. Pure functions.

Three inputs are required (what, outcome, time saved); quality, "would it have happened without AI", tool
and link are optional, and sharing starts at "Keep private". An optional choice left out is stored as
``NOT_SAID``: no answer, never counted as one (the figures count only the vocabulary's own keys).

The same modal edits a logged moment: opened pre-filled, its ``private_metadata`` names the moment and a
fingerprint of the moment as it was, so a retried or stale submission changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    InputBlock,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot import vocabulary as v

CALLBACK_ID = "log_moment_modal"
WHAT_MAX = 3000
LINK_MAX = 500
_LINK_RE = re.compile(r"^https?://[^\s<>]+$")
NOT_SAID = v.NOT_SAID  # an optional choice left out: no answer (not "about the same", not "yes")

REQUIRED_SELECTS: dict[str, tuple[str, Mapping[str, str]]] = {
    "outcome": ("Outcome", v.OUTCOMES),
    "time_saved": ("Time saved", v.TIME_SAVED),
}
OPTIONAL_SELECTS: dict[str, tuple[str, Mapping[str, str]]] = {
    "quality": ("Quality vs doing it without AI", v.QUALITY),
    "counterfactual": ("Would it have happened without AI?", v.COUNTERFACTUAL),
    "tool": ("Tool", v.TOOLS),
}
SELECTS = {**REQUIRED_SELECTS, **OPTIONAL_SELECTS}
FIELDS = ("what", *SELECTS, "link", "sharing")  # what a moment holds, as the modal fills it in


def _options(choices: Mapping[str, str]) -> list[Option]:
    return [Option(value=value, text=label) for value, label in choices.items()]


def action_id(block_id: str) -> str:
    return f"{block_id}_input"


def fingerprint(fields: Mapping[str, str | None]) -> str:
    """A short digest of a moment's fields: what an edit form was opened on."""
    data = json.dumps([fields.get(name) for name in FIELDS], ensure_ascii=True)
    return hashlib.sha256(data.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Editing:
    """A logged moment opened for editing: its id and its fields as stored."""

    moment_id: int
    fields: Mapping[str, str | None]
    list_view: str | None = None  # the "your moments" modal it was opened from, to refresh after saving
    list_team: int | None = None  # the team that list was opened for


def _select(block_id: str, label: str, choices: Mapping[str, str], initial: str | None, optional: bool) -> InputBlock:
    chosen = Option(value=initial, text=choices[initial]) if initial in choices else None
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        element=StaticSelectElement(
            action_id=action_id(block_id), placeholder="Choose", options=_options(choices), initial_option=chosen
        ),
    )


def log_moment_view(
    delivery_id: int | None, team: str, week: str, team_id: int | None = None, *, editing: Editing | None = None
) -> View:
    """The modal for a weekly prompt's delivery, or (``delivery_id`` None) for logging on one's own
    in ``team_id``'s week ``week`` (``/airetro log``, App Home); with ``editing``, pre-filled to change a moment."""
    was: Mapping[str, str | None] = editing.fields if editing else {}
    blocks = [
        InputBlock(
            block_id="what",
            label="What did you use AI for?",
            element=PlainTextInputElement(
                action_id=action_id("what"),
                multiline=True,
                max_length=WHAT_MAX,
                placeholder="e.g. wrote the migration tests for the billing export",
                initial_value=was.get("what") or None,
            ),
        )
    ]
    for block_id, (label, choices) in REQUIRED_SELECTS.items():
        blocks.append(_select(block_id, label, choices, was.get(block_id), optional=False))
    for block_id, (label, choices) in OPTIONAL_SELECTS.items():
        blocks.append(_select(block_id, label, choices, was.get(block_id), optional=True))
    sharing = was.get("sharing") if was.get("sharing") in v.SHARING else "private"
    blocks += [
        InputBlock(
            block_id="link",
            label="Link (PR, ticket)",
            optional=True,
            element=PlainTextInputElement(
                action_id=action_id("link"),
                max_length=LINK_MAX,
                placeholder="https://…",
                initial_value=was.get("link") or None,
            ),
        ),
        InputBlock(
            block_id="sharing",
            label="Sharing",
            element=RadioButtonsElement(
                action_id=action_id("sharing"),
                options=_options(v.SHARING),
                initial_option=Option(value=sharing, text=v.SHARING[sharing]),
            ),
        ),
    ]
    meta: dict[str, Any] = {"delivery": delivery_id, "team": team, "team_id": team_id, "week": week}
    if editing is not None:
        meta = {"moment": editing.moment_id, "was": fingerprint(editing.fields), "week": week}
        if editing.list_view:
            meta["list_view"], meta["list_team"] = editing.list_view, editing.list_team
    return View(
        type="modal",
        callback_id=CALLBACK_ID,
        title="Edit your moment" if editing else "Where AI helped",
        submit="Save",
        close="Cancel",
        private_metadata=json.dumps(meta),
        blocks=blocks,
    )


def _meta(private_metadata: str) -> dict:
    try:
        meta = json.loads(private_metadata or "{}")
    except ValueError:
        return {}
    return meta if isinstance(meta, dict) else {}


def delivery_of(private_metadata: str) -> int | None:
    value = _meta(private_metadata).get("delivery")
    return value if isinstance(value, int) else None


def direct_log_of(private_metadata: str) -> tuple[int, str] | None:
    """(team id, week) of a modal opened to log on one's own; None for any other metadata."""
    meta = _meta(private_metadata)
    team_id, week = meta.get("team_id"), meta.get("week")
    if "moment" not in meta and meta.get("delivery") is None and isinstance(team_id, int) and isinstance(week, str):
        return team_id, week
    return None


@dataclass(frozen=True)
class EditOf:
    moment_id: object  # checked by the listener (``stored_id``)
    was: str
    list_view: str | None
    list_team: object


def edit_of(private_metadata: str) -> EditOf | None:
    """The moment a modal edits (with the fingerprint it was opened on); None for a modal that logs a new one."""
    meta = _meta(private_metadata)
    if "moment" not in meta:
        return None
    was, list_view = meta.get("was"), meta.get("list_view")
    list_view = list_view if isinstance(list_view, str) else None
    return EditOf(meta["moment"], was if isinstance(was, str) else "", list_view, meta.get("list_team"))


@dataclass(frozen=True)
class Submission:
    fields: dict[str, str | None]
    errors: dict[str, str]


def _value(state: Mapping[str, Any], block_id: str) -> str | None:
    element = state.get(block_id, {}).get(action_id(block_id), {})
    if "selected_option" in element:
        return (element.get("selected_option") or {}).get("value")
    return element.get("value")


def read_submission(state_values: Mapping[str, Any]) -> Submission:
    """Validate ``view.state.values``; errors are keyed by block_id, ready for ``response_action: errors``."""
    errors: dict[str, str] = {}
    fields: dict[str, str | None] = {}

    what = (_value(state_values, "what") or "").strip()
    if len(what) < 3:
        errors["what"] = "Say in a few words what you used AI for."
    elif len(what) > WHAT_MAX:
        errors["what"] = f"Keep it under {WHAT_MAX} characters."
    fields["what"] = what

    for block_id, (_label, choices) in REQUIRED_SELECTS.items():
        value = _value(state_values, block_id)
        if value not in choices:
            errors[block_id] = "Choose one of the options."
        fields[block_id] = value

    for block_id, (_label, choices) in OPTIONAL_SELECTS.items():
        value = _value(state_values, block_id) or NOT_SAID
        if value != NOT_SAID and value not in choices:
            errors[block_id] = "Choose one of the options, or leave it empty."
        fields[block_id] = value

    link = (_value(state_values, "link") or "").strip() or None
    if link is not None and (len(link) > LINK_MAX or not _LINK_RE.match(link)):
        errors["link"] = "Paste a full link starting with https:// (or leave it empty)."
    fields["link"] = link

    sharing = _value(state_values, "sharing") or "private"
    if sharing not in v.SHARING:
        errors["sharing"] = "Choose how to share this."
    fields["sharing"] = sharing
    return Submission(fields=fields, errors=errors)
