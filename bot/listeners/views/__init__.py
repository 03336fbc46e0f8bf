from __future__ import annotations

from bot.blocks.forget_me import CALLBACK_ID as FORGET_ME
from bot.blocks.log_moment import CALLBACK_ID
from bot.blocks.setup import CALLBACK_ID as SETUP
from bot.listeners.guard import Listeners
from bot.listeners.views.forget_me import forget_me_submitted
from bot.listeners.views.log_moment import log_moment_submitted
from bot.listeners.views.setup import setup_submitted


def register(listeners: Listeners) -> None:
    listeners.view(CALLBACK_ID, log_moment_submitted)
    listeners.view(FORGET_ME, forget_me_submitted)
    listeners.view(SETUP, setup_submitted)
