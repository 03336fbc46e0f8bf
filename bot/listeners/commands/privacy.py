"""``/airetro privacy``: who sees what about the caller, which team they count in, and what is held about them.

Only ever to the caller.
"""

from __future__ import annotations

from bot.blocks.privacy import privacy_blocks, privacy_text
from bot.listeners.commands.invocation import Invocation
from bot.listeners.commands.parse import Parsed
from bot.services import forget, privacy


def run(inv: Invocation, _parsed: Parsed) -> None:
    found = privacy.overview(inv.engine, forget.identity(inv.engine, inv.client, inv.user_id))
    inv.reply(privacy_text(found), privacy_blocks(found))
