"""Listener registration, one package per Slack surface, every listener behind the guard (``guard.py``)."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners import actions, commands, events, guard, views


def register_listeners(app: App) -> None:
    guard.install(app)
    listeners = guard.Listeners(app)
    commands.register(listeners)
    actions.register(listeners)
    views.register(listeners)
    events.register(listeners)
