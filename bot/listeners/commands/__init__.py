from __future__ import annotations

from bot.listeners.commands.airetro import airetro_command
from bot.listeners.guard import Listeners

COMMAND = "/airetro"


def register(listeners: Listeners) -> None:
    listeners.command(COMMAND, airetro_command)
