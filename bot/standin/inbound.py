"""Slack's side of the app's Request URL: signed HTTP requests in Slack's documented shapes.

Slash commands are form fields; interactivity is one form field ``payload=<JSON>``; every request
carries ``X-Slack-Request-Timestamp`` and ``X-Slack-Signature`` (``v0=`` + HMAC-SHA256 of
``v0:{timestamp}:{body}`` with the signing secret), exactly as Slack sends them.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from bot.standin.web_api import BOT_ID, TEAM_ID

APP_ID = "A0APP0001"
_trigger_ids = itertools.count(1)


def signature(signing_secret: str, timestamp: str, body: str) -> str:
    basestring = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(signing_secret.encode(), basestring, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Response:
    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def _trigger_id() -> str:
    return f"{int(time.time())}.{next(_trigger_ids)}.standin"


def slash_command_fields(user_id: str, text: str, channel_id: str, command: str = "/airetro") -> dict[str, str]:
    return {
        "token": "standin-verification-token",
        "team_id": TEAM_ID,
        "team_domain": "acme",
        "enterprise_id": "",
        "enterprise_name": "",
        "channel_id": channel_id,
        "channel_name": "directmessage" if channel_id.startswith("D") else "team",
        "user_id": user_id,
        "user_name": user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": f"https://hooks.slack.com/commands/{TEAM_ID}/1/standin",
        "trigger_id": _trigger_id(),
    }


def _user(user_id: str) -> dict:
    return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": TEAM_ID}


def block_actions_payload(user_id: str, action: dict, message: dict, channel_id: str) -> dict:
    """A ``block_actions`` payload for a button clicked in a message (``action`` is the button's JSON)."""
    return {
        "type": "block_actions",
        "user": _user(user_id),
        "api_app_id": APP_ID,
        "token": "standin-verification-token",
        "container": {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": channel_id,
            "is_ephemeral": False,
        },
        "trigger_id": _trigger_id(),
        "team": {"id": TEAM_ID, "domain": "acme"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": "directmessage"},
        "message": {**message, "type": "message", "bot_id": BOT_ID},
        "state": {"values": {}},
        "response_url": f"https://hooks.slack.com/actions/{TEAM_ID}/1/standin",
        "actions": [
            {
                "action_id": action["action_id"],
                "block_id": action["block_id"],
                "text": action.get("text", {"type": "plain_text", "text": ""}),
                "value": action.get("value", ""),
                "type": action.get("type", "button"),
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }


def view_submission_payload(user_id: str, view: dict, values: dict) -> dict:
    """A ``view_submission`` payload for ``view`` (as opened) with ``state.values`` filled in."""
    return {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "acme"},
        "user": _user(user_id),
        "api_app_id": APP_ID,
        "token": "standin-verification-token",
        "trigger_id": _trigger_id(),
        "view": {**view, "state": {"values": values}},
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def find_button(message: dict, action_id: str) -> dict:
    """The button with ``action_id`` in a message's blocks (with its block_id), as Slack would report it."""
    for block in message.get("blocks", []):
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return {**element, "block_id": block.get("block_id", "")}
    raise LookupError(f"no button {action_id!r} in the message")


class SlackSender:
    """Sends requests to the app's endpoint the way Slack does."""

    def __init__(self, url: str, signing_secret: str) -> None:
        self.url = url
        self.signing_secret = signing_secret

    def post(
        self,
        body: str,
        content_type: str = "application/x-www-form-urlencoded",
        *,
        timestamp: int | None = None,
        sign_with: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        request = urllib.request.Request(
            self.url,
            data=body.encode(),
            method="POST",
            headers={
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": signature(sign_with or self.signing_secret, ts, body),
                **(headers or {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return Response(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            return Response(error.code, error.read().decode())

    def slash_command(self, user_id: str, text: str, channel_id: str = "C0TEAM001") -> Response:
        return self.post(urlencode(slash_command_fields(user_id, text, channel_id)))

    def interaction(self, payload: dict, **kwargs: Any) -> Response:
        return self.post(urlencode({"payload": json.dumps(payload)}), **kwargs)

    def click(self, user_id: str, message: dict, channel_id: str, action_id: str, **kwargs: Any) -> Response:
        payload = block_actions_payload(user_id, find_button(message, action_id), message, channel_id)
        return self.interaction(payload, **kwargs)

    def submit(self, user_id: str, view: dict, values: dict, **kwargs: Any) -> Response:
        return self.interaction(view_submission_payload(user_id, view, values), **kwargs)


def state_values(view: dict, answers: dict[str, str | None]) -> dict:
    """``view.state.values`` as Slack reports it when a person fills ``view``'s inputs with ``answers``.

    ``answers`` maps block_id → the typed text or the chosen option's value.
    """
    values: dict[str, dict] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element = block["element"]
        answer = answers.get(block["block_id"])
        entry: dict[str, Any] = {"type": element["type"]}
        if element["type"] in ("static_select", "radio_buttons"):
            chosen = next((o for o in element.get("options", []) if o["value"] == answer), None)
            if chosen is None and answer is not None:
                chosen = {"text": {"type": "plain_text", "text": answer}, "value": answer}  # a crafted value
            entry["selected_option"] = chosen
        else:
            entry["value"] = answer
        values[block["block_id"]] = {element["action_id"]: entry}
    return values
