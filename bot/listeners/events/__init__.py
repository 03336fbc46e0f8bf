from __future__ import annotations

from bot.listeners.events.app_home import app_home_opened
from bot.listeners.guard import Listeners


def register(listeners: Listeners) -> None:
    listeners.event("app_home_opened", app_home_opened)
