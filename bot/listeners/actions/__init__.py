from __future__ import annotations

from slack_bolt import App

from bot.blocks.prompt import DIDNT_HELP, LOG_MOMENT, SKIP_WEEK
from bot.listeners.actions.prompt_buttons import didnt_help_clicked, log_moment_clicked, skip_week_clicked


def register(app: App) -> None:
    app.action(LOG_MOMENT)(log_moment_clicked)
    app.action(DIDNT_HELP)(didnt_help_clicked)
    app.action(SKIP_WEEK)(skip_week_clicked)
