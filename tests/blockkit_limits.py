"""Block Kit's documented limits, checked on the JSON the bot sends.

From Slack's Block Kit reference: at most 50 blocks in a message and 100 in a modal or Home tab;
section text 3,000 characters (fields: 10 of 2,000); header 150; context 10 elements; actions 25
elements; button text 75, value 2,000, url 3,000; select options 100, option text 75, option value 150,
radio buttons and checkboxes 10 options; input label and hint 2,000; placeholder 150; confirm dialog
title 100, text 300, buttons 30; modal title, submit and close 24; private_metadata 3,000;
block_id and action_id 255; a plain-text input's initial value within its max_length (≤ 3,000).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100


def _as_dicts(blocks: Iterable[Any]) -> list[dict]:
    return [b.to_dict() if hasattr(b, "to_dict") else b for b in blocks]


def _text(obj: Any) -> str:
    if isinstance(obj, dict):
        return obj.get("text", "")
    return obj or ""


def _check_element(element: dict, where: str, problems: list[str]) -> None:
    kind = element.get("type")
    if len(element.get("action_id", "")) > 255:
        problems.append(f"{where}: action_id over 255")
    if "placeholder" in element and len(_text(element["placeholder"])) > 150:
        problems.append(f"{where}: placeholder over 150")
    if kind == "button":
        if len(_text(element.get("text"))) > 75:
            problems.append(f"{where}: button text over 75")
        if len(element.get("value", "")) > 2000:
            problems.append(f"{where}: button value over 2000")
        if len(element.get("url", "")) > 3000:
            problems.append(f"{where}: button url over 3000")
    options = list(element.get("options", []))
    for group in element.get("option_groups", []):
        options += group.get("options", [])
    limit = 10 if kind in ("radio_buttons", "checkboxes", "overflow") else 100
    if len(options) > limit:
        problems.append(f"{where}: {len(options)} options, over {limit}")
    for option in options:
        if len(_text(option.get("text"))) > 75:
            problems.append(f"{where}: option text over 75")
        if len(option.get("value", "")) > 150:
            problems.append(f"{where}: option value over 150")
    if kind == "plain_text_input":
        max_length = element.get("max_length", 3000)
        if max_length > 3000 or len(element.get("initial_value", "")) > max_length:
            problems.append(f"{where}: plain text input initial value over its max_length")
    confirm = element.get("confirm")
    if confirm:
        for key, limit in (("title", 100), ("text", 300), ("confirm", 30), ("deny", 30)):
            if len(_text(confirm.get(key))) > limit:
                problems.append(f"{where}: confirm {key} over {limit}")


def block_problems(blocks: Iterable[Any], max_blocks: int) -> list[str]:
    blocks = _as_dicts(blocks)
    problems = [f"{len(blocks)} blocks, over {max_blocks}"] if len(blocks) > max_blocks else []
    for i, block in enumerate(blocks):
        where = f"block {i} ({block.get('type')})"
        if len(block.get("block_id", "")) > 255:
            problems.append(f"{where}: block_id over 255")
        kind = block.get("type")
        if kind == "section":
            if len(_text(block.get("text"))) > 3000:
                problems.append(f"{where}: text over 3000")
            fields = block.get("fields", [])
            if len(fields) > 10 or any(len(_text(f)) > 2000 for f in fields):
                problems.append(f"{where}: fields over limits")
            if block.get("accessory"):
                _check_element(block["accessory"], where, problems)
        elif kind == "header":
            if len(_text(block.get("text"))) > 150:
                problems.append(f"{where}: header over 150")
        elif kind == "context":
            elements = block.get("elements", [])
            if len(elements) > 10:
                problems.append(f"{where}: {len(elements)} context elements, over 10")
            if any(len(_text(e)) > 3000 for e in elements):
                problems.append(f"{where}: context text over 3000")
        elif kind == "actions":
            elements = block.get("elements", [])
            if len(elements) > 25:
                problems.append(f"{where}: {len(elements)} actions, over 25")
            for element in elements:
                _check_element(element, where, problems)
        elif kind == "input":
            if len(_text(block.get("label"))) > 2000 or len(_text(block.get("hint"))) > 2000:
                problems.append(f"{where}: label or hint over 2000")
            _check_element(block.get("element", {}), where, problems)
    return problems


def message_problems(blocks: Iterable[Any], text: str = "") -> list[str]:
    problems = block_problems(blocks, MESSAGE_BLOCKS)
    if len(text) > 40_000:
        problems.append("message text over 40,000")
    return problems


def view_problems(view: Any) -> list[str]:
    view = view.to_dict() if hasattr(view, "to_dict") else view
    problems = block_problems(view.get("blocks", []), VIEW_BLOCKS)
    for key in ("title", "submit", "close"):
        if key in view and len(_text(view[key])) > 24:
            problems.append(f"view {key} over 24")
    if len(view.get("private_metadata", "")) > 3000:
        problems.append("private_metadata over 3000")
    if len(view.get("callback_id", "")) > 255:
        problems.append("callback_id over 255")
    return problems
