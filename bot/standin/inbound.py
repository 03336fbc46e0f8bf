"""Slack's side of the app's Request URL: signed HTTP requests in Slack's documented shapes.

Slash commands are form fields; interactivity is one form field ``payload=<JSON>``; Events API
deliveries are a JSON envelope (``type: event_callback``); every request carries
``X-Slack-Request-Timestamp`` and ``X-Slack-Signature`` (``v0=`` + HMAC-SHA256 of
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

from bot.standin.web_api import BOT_ID, BOT_USER_ID, TEAM_ID

APP_ID = "A0APP0001"
VERIFICATION_TOKEN = "standin-verification-token"
_trigger_ids = itertools.count(1)
_event_ids = itertools.count(1)
_response_ids = itertools.count(1)


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


def slash_command_fields(
    user_id: str, text: str, channel_id: str, command: str = "/airetro", response_url: str | None = None
) -> dict[str, str]:
    """A slash command's form fields; ``response_url`` defaults to an (unreachable) hooks.slack.com one."""
    return {
        "token": VERIFICATION_TOKEN,
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
        "response_url": response_url or f"https://hooks.slack.com/commands/{TEAM_ID}/1/standin",
        "trigger_id": _trigger_id(),
    }


def _user(user_id: str) -> dict:
    return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": TEAM_ID}


def _action(button: dict) -> dict:
    """An ``actions[]`` item as Slack reports a clicked button (``button`` is its JSON with block_id)."""
    action = {
        "action_id": button["action_id"],
        "block_id": button["block_id"],
        "text": button.get("text", {"type": "plain_text", "text": ""}),
        "value": button.get("value", ""),
        "type": button.get("type", "button"),
        "action_ts": f"{time.time():.6f}",
    }
    for key in ("style", "confirm", "url"):
        if key in button:
            action[key] = button[key]
    return action


def block_actions_payload(
    user_id: str, action: dict, message: dict, channel_id: str, response_url: str | None = None
) -> dict:
    """A ``block_actions`` payload for a button clicked in a message (``action`` is the button's JSON)."""
    return {
        "type": "block_actions",
        "user": _user(user_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
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
        "response_url": response_url or f"https://hooks.slack.com/actions/{TEAM_ID}/1/standin",
        "actions": [_action(action)],
    }


def view_block_actions_payload(user_id: str, action: dict, view: dict, values: dict | None = None) -> dict:
    """A ``block_actions`` payload for a button clicked inside a view: a published Home tab or an open modal.

    ``view`` is the view as the stand-in stored it (``slack.home(user)`` / ``slack.view(id)``); ``values``
    is its ``state.values`` (inputs filled so far). The container is the view; there is no message,
    channel or response_url, as in Slack's home-tab sample.
    """
    return {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "acme"},
        "user": _user(user_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": {"type": "view", "view_id": view["id"]},
        "trigger_id": _trigger_id(),
        "enterprise": None,
        "is_enterprise_install": False,
        "view": {**view, "state": {"values": values or {}}},
        "actions": [_action(action)],
    }


def view_submission_payload(user_id: str, view: dict, values: dict) -> dict:
    """A ``view_submission`` payload for ``view`` (as opened) with ``state.values`` filled in."""
    return {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "acme"},
        "user": _user(user_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": _trigger_id(),
        "view": {**view, "state": {"values": values}},
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def app_home_opened_event(user_id: str, view: dict | None = None, tab: str = "home") -> dict:
    """The ``app_home_opened`` event (inner ``event``); ``view`` is the Home view already published, if any."""
    event = {
        "type": "app_home_opened",
        "user": user_id,
        "channel": "D" + user_id[1:],
        "tab": tab,
        "event_ts": f"{time.time():.6f}",
    }
    if view is not None:
        event["view"] = view
    return event


def event_envelope(event: dict, event_id: str | None = None) -> dict:
    """The Events API envelope Slack POSTs (JSON) around ``event``."""
    n = next(_event_ids)
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": TEAM_ID,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev0STANDIN{n:04d}",
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-standin-{n}",
    }


def find_button(message: dict, action_id: str) -> dict:
    """The button with ``action_id`` in a message's (or view's) blocks, with its block_id, as Slack reports it.

    Looks in ``actions`` blocks' elements and in section accessories.
    """
    for block in message.get("blocks", []):
        for element in [*block.get("elements", []), block.get("accessory") or {}]:
            if element.get("action_id") == action_id:
                return {**element, "block_id": block.get("block_id", "")}
    raise LookupError(f"no button {action_id!r} in the message")


class SlackSender:
    """Sends requests to the app's endpoint the way Slack does."""

    def __init__(self, url: str, signing_secret: str, response_base: str | None = None) -> None:
        """``response_base``: a URL prefix on the stand-in (``slack.response_url("")``) for the response_url
        of slash commands and message clicks; without it they carry Slack's (unreachable) hooks URL."""
        self.url = url
        self.signing_secret = signing_secret
        self.response_base = response_base

    def _response_url(self, kind: str) -> str | None:
        if self.response_base is None:
            return None
        base = self.response_base if self.response_base.endswith("/") else self.response_base + "/"
        return f"{base}{kind}/{TEAM_ID}/{next(_response_ids)}/standin"

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
        fields = slash_command_fields(user_id, text, channel_id, response_url=self._response_url("commands"))
        return self.post(urlencode(fields))

    def event(
        self, event: dict, *, event_id: str | None = None, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> Response:
        """Deliver an Events API event (JSON envelope); pass retry headers etc. via ``headers``."""
        body = json.dumps(event_envelope(event, event_id))
        return self.post(body, "application/json", headers=headers, **kwargs)

    def interaction(self, payload: dict, **kwargs: Any) -> Response:
        return self.post(urlencode({"payload": json.dumps(payload)}), **kwargs)

    def click(self, user_id: str, message: dict, channel_id: str, action_id: str, **kwargs: Any) -> Response:
        button = find_button(message, action_id)
        payload = block_actions_payload(user_id, button, message, channel_id, self._response_url("actions"))
        return self.interaction(payload, **kwargs)

    def click_in_view(
        self, user_id: str, view: dict, action_id: str, *, values: dict | None = None, **kwargs: Any
    ) -> Response:
        """Click the button ``action_id`` in a published Home view or an open modal (``view`` as stored)."""
        payload = view_block_actions_payload(user_id, find_button(view, action_id), view, values)
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
