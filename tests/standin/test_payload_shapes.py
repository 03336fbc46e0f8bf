"""The stand-in speaks Slack's shapes: its requests carry the same fields as Slack's documented
samples in tests/fixtures/slack/ (Slack's documented shapes), and its signatures match Slack's worked example."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from slack_sdk import WebClient

from bot.blocks.log_moment import log_moment_view
from bot.blocks.prompt import prompt_blocks
from bot.standin.inbound import (
    block_actions_payload,
    find_button,
    signature,
    slash_command_fields,
    state_values,
    view_submission_payload,
)
from bot.standin.web_api import SlackWebApi

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "slack"  # Slack's documented shapes, copied


def _sample(name: str) -> str:
    path = SAMPLES / name
    if not path.exists():
        pytest.fail(f"Slack samples missing: {path} (shared/ must sit beside the repository)")
    return path.read_text()


def _shape(node: object) -> object:
    """Key structure of a JSON value: dicts by key set (recursively), lists by their first item."""
    if isinstance(node, dict):
        return {key: _shape(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_shape(node[0])] if node else []
    return type(node).__name__ if node is not None else None


def _keys(node: object, prefix: str = "") -> set[str]:
    if isinstance(node, dict):
        out = set()
        for key, value in node.items():
            out |= {f"{prefix}{key}"} | _keys(value, f"{prefix}{key}.")
        return out
    if isinstance(node, list) and node:
        return _keys(node[0], prefix)
    return set()


def test_signature_matches_slacks_worked_example():
    vector = json.loads(_sample("captured/signature_test_vector.json"))
    assert (
        signature(vector["signing_secret"], vector["x_slack_request_timestamp"], vector["raw_body"])
        == (vector["x_slack_signature"])
    )


def test_slash_command_has_slacks_fields():
    documented = dict(parse_qsl(_sample("slash_command.form.txt").strip(), keep_blank_values=True))
    ours = slash_command_fields("U0USER001", "help", "C0TEAM001")
    assert set(ours) == set(documented)


def test_block_actions_payload_has_slacks_fields():
    documented = json.loads(_sample("block_actions.json"))
    message = {"ts": "1763802000.000100", "text": "Weekly AI retro", "user": "U0BOT0001",
               "blocks": [b.to_dict() for b in prompt_blocks("Payments", "2026-W47", 7, None)]}  # fmt: skip
    ours = block_actions_payload("U0USER001", find_button(message, "log_moment"), message, "D0USER001")
    missing = {k for k in _keys(documented) - _keys(ours) if not k.startswith("message.blocks")}
    assert missing == set()
    assert ours["actions"][0]["value"] == "7"


def test_view_submission_payload_has_slacks_fields():
    documented = json.loads(_sample("view_submission.json"))
    documented_open = json.loads(_sample("captured/web_api/views.open.docs_examples.json"))[0]
    with SlackWebApi("xoxb-t") as slack:
        opened = (
            WebClient("xoxb-t", base_url=slack.url)
            .views_open(trigger_id="1.2.3", view=log_moment_view(7, "Payments", "2026-W47"))
            .data
        )
    assert _keys(documented_open) - _keys(opened) <= {"view.blocks.optional", "view.blocks.label.emoji"}
    view = opened["view"]
    values = state_values(view, {"what": "tests", "outcome": "bug"})
    ours = view_submission_payload("U0USER001", view, values)
    ignore = ("view.blocks", "view.state.values", "view.title", "view.submit", "view.close")
    missing = {k for k in _keys(documented) - _keys(ours) if not k.startswith(ignore)}
    assert missing == set()
    # state.values entries have Slack's shape for each element type
    documented_values = documented["view"]["state"]["values"]
    assert _shape(values["what"]["what_input"]) == _shape(documented_values["what"]["what_input"])
    assert set(values["outcome"]["outcome_input"]) == set(documented_values["outcome"]["outcome_select"])
