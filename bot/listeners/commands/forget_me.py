"""``/airetro forget-me``: show exactly what AI Retro holds about the caller in a confirmation modal.

Nothing is deleted here; the modal's submission (``bot.listeners.views.forget_me``) deletes.
"""

from __future__ import annotations

from bot.blocks.forget_me import confirm_view
from bot.listeners.commands.invocation import Invocation
from bot.listeners.commands.parse import Parsed
from bot.services import forget

NOTHING = "AI Retro holds nothing about you, so there is nothing to delete."


def run(inv: Invocation, _parsed: Parsed) -> None:
    held = forget.holdings(inv.engine, forget.identity(inv.engine, inv.client, inv.user_id))
    if held.empty:
        inv.reply(NOTHING)
        return
    inv.client.views_open(trigger_id=inv.trigger_id, view=confirm_view(held, inv.user_id))
