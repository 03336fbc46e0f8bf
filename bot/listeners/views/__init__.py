from __future__ import annotations

from slack_bolt import App

from bot.blocks.log_moment import CALLBACK_ID
from bot.listeners.views.log_moment import log_moment_submitted


def register(app: App) -> None:
    app.view(CALLBACK_ID)(log_moment_submitted)
