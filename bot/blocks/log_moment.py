"""The "where AI helped" modal and the reading/validation of its submission. Pure functions."""

from __future__ import annotations

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

SELECTS: dict[str, tuple[str, Mapping[str, str]]] = {
    "outcome": ("Outcome", v.OUTCOMES),
    "time_saved": ("Time saved", v.TIME_SAVED),
    "quality": ("Quality vs doing it without AI", v.QUALITY),
    "counterfactual": ("Would it have happened without AI?", v.COUNTERFACTUAL),
    "tool": ("Tool", v.TOOLS),
}


def _options(choices: Mapping[str, str]) -> list[Option]:
    return [Option(value=value, text=label) for value, label in choices.items()]


def action_id(block_id: str) -> str:
    return f"{block_id}_input"


def log_moment_view(delivery_id: int | None, team: str, week: str, team_id: int | None = None) -> View:
    """The modal for a weekly prompt's delivery, or (``delivery_id`` None) for logging on one's own
    in ``team_id``'s week ``week`` (``/airetro log``, App Home)."""
    blocks = [
        InputBlock(
            block_id="what",
            label="What did you use AI for?",
            element=PlainTextInputElement(
                action_id=action_id("what"),
                multiline=True,
                max_length=WHAT_MAX,
                placeholder="e.g. wrote the migration tests for the billing export",
            ),
        )
    ]
    for block_id, (label, choices) in SELECTS.items():
        blocks.append(
            InputBlock(
                block_id=block_id,
                label=label,
                element=StaticSelectElement(
                    action_id=action_id(block_id), placeholder="Choose", options=_options(choices)
                ),
            )
        )
    blocks += [
        InputBlock(
            block_id="link",
            label="Link (PR, ticket)",
            optional=True,
            element=PlainTextInputElement(action_id=action_id("link"), max_length=LINK_MAX, placeholder="https://…"),
        ),
        InputBlock(
            block_id="sharing",
            label="Sharing",
            element=RadioButtonsElement(
                action_id=action_id("sharing"),
                options=_options(v.SHARING),
                initial_option=Option(value="private", text=v.SHARING["private"]),
            ),
        ),
    ]
    return View(
        type="modal",
        callback_id=CALLBACK_ID,
        title="Where AI helped",
        submit="Save",
        close="Cancel",
        private_metadata=json.dumps({"delivery": delivery_id, "team": team, "team_id": team_id, "week": week}),
        blocks=blocks,
    )


def delivery_of(private_metadata: str) -> int | None:
    try:
        value = json.loads(private_metadata or "{}").get("delivery")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, int) else None


def direct_log_of(private_metadata: str) -> tuple[int, str] | None:
    """(team id, week) of a modal opened to log on one's own; None for any other metadata."""
    try:
        meta = json.loads(private_metadata or "{}")
        team_id, week = meta.get("team_id"), meta.get("week")
    except (ValueError, AttributeError):
        return None
    if meta.get("delivery") is None and isinstance(team_id, int) and isinstance(week, str):
        return team_id, week
    return None


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

    for block_id, (_label, choices) in SELECTS.items():
        value = _value(state_values, block_id)
        if value not in choices:
            errors[block_id] = "Choose one of the options."
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
