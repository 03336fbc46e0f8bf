from __future__ import annotations

from slack_bolt import App

from bot.blocks.forget_me import CALLBACK_ID as FORGET_ME
from bot.blocks.log_moment import CALLBACK_ID
from bot.blocks.setup import CALLBACK_ID as SETUP
from bot.listeners.views.forget_me import forget_me_submitted
from bot.listeners.views.log_moment import log_moment_submitted
from bot.listeners.views.setup import setup_submitted


def register(app: App) -> None:
    app.view(CALLBACK_ID)(log_moment_submitted)
    app.view(FORGET_ME)(forget_me_submitted)
    app.view(SETUP)(setup_submitted)
