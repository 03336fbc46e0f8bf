"""Requests not signed by Slack with our signing secret, or too old, are refused with HTTP 401."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

from bot.services import prompts
from bot.standin.inbound import block_actions_payload, find_button, slash_command_fields
from tests.conftest import drain


def test_a_correctly_signed_command_is_answered(sender):
    response = sender.post(urlencode(slash_command_fields("U0USER001", "help", "C0TEAM001")))
    assert response.status == 200


def test_a_forged_signature_gets_401(sender):
    response = sender.post(
        urlencode(slash_command_fields("U0USER001", "help", "C0TEAM001")), sign_with="not-the-secret"
    )
    assert response.status == 401


def test_a_stale_request_gets_401_even_when_correctly_signed(sender):
    ten_minutes_ago = int(time.time()) - 600
    response = sender.post(urlencode(slash_command_fields("U0USER001", "help", "C0TEAM001")), timestamp=ten_minutes_ago)
    assert response.status == 401


def test_a_forged_button_click_changes_nothing(engine, app, team, slack, sender, members):
    prompts.send_prompts(engine, app.client, team)
    ada = members["ada"]
    message = ada.prompt()
    payload = block_actions_payload(ada.user_id, find_button(message, "skip_week"), message, ada.dm)
    body = urlencode({"payload": json.dumps(payload)})
    assert sender.post(body, sign_with="attacker-secret").status == 401
    assert sender.post(body, timestamp=int(time.time()) - 3600).status == 401
    drain(app)
    assert slack.calls("chat.update") == []
    assert "Skip this week" in json.dumps(ada.prompt()["blocks"])
