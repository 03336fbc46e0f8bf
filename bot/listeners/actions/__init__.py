from __future__ import annotations

from slack_bolt import App

from bot.blocks.home import HOME_LOG, HOME_POST, HOME_PREVIEW, HOME_SETUP
from bot.blocks.prompt import DIDNT_HELP, LOG_MOMENT, SKIP_WEEK
from bot.listeners.actions import home_buttons
from bot.listeners.actions.prompt_buttons import didnt_help_clicked, log_moment_clicked, skip_week_clicked


def register(app: App) -> None:
    app.action(LOG_MOMENT)(log_moment_clicked)
    app.action(DIDNT_HELP)(didnt_help_clicked)
    app.action(SKIP_WEEK)(skip_week_clicked)
    app.action(HOME_LOG)(home_buttons.log_clicked)
    app.action(HOME_SETUP)(home_buttons.setup_clicked)
    app.action(HOME_PREVIEW)(home_buttons.preview_clicked)
    app.action(HOME_POST)(home_buttons.post_clicked)
