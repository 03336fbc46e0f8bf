"""/airetro: help, and a usage hint for anything it does not understand (ephemeral, never silence)."""

from __future__ import annotations

import pytest


def test_help_explains_the_bot(sender):
    for text in ("", "help", "  help  "):
        response = sender.slash_command("U0USER001", text)
        assert response.status == 200
        reply = response.json()
        assert "value, not volume" in reply["text"]
        assert reply["response_type"] == "ephemeral"


@pytest.mark.parametrize("text", ["frobnicate", "summary <#C0PAYMENTS|payments> lots", "<@U0USER002|grace>"])
def test_unknown_text_gets_a_usage_hint(sender, text):
    response = sender.slash_command("U0USER001", text)
    assert response.status == 200
    reply = response.json()
    assert "/airetro help" in reply["text"]
    assert "Traceback" not in reply["text"]
