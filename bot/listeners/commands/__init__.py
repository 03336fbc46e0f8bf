from __future__ import annotations

from slack_bolt import App

from bot.listeners.commands.airetro import airetro_command

COMMAND = "/airetro"


def register(app: App) -> None:
    app.command(COMMAND)(airetro_command)
