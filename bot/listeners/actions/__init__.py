from __future__ import annotations

from bot.blocks.home import HOME_BACK, HOME_LOG, HOME_MOMENTS, HOME_POST, HOME_PREVIEW, HOME_SETUP
from bot.blocks.prompt import DELETE_MOMENT, DIDNT_HELP, EDIT_MOMENT, LOG_MOMENT, SKIP_WEEK
from bot.listeners.actions import home_buttons, moment_buttons
from bot.listeners.actions.prompt_buttons import didnt_help_clicked, log_moment_clicked, skip_week_clicked
from bot.listeners.guard import Listeners


def register(listeners: Listeners) -> None:
    listeners.action(LOG_MOMENT, log_moment_clicked)
    listeners.action(DIDNT_HELP, didnt_help_clicked)
    listeners.action(SKIP_WEEK, skip_week_clicked)
    listeners.action(EDIT_MOMENT, moment_buttons.edit_clicked)
    listeners.action(DELETE_MOMENT, moment_buttons.delete_clicked)
    listeners.action(HOME_LOG, home_buttons.log_clicked)
    listeners.action(HOME_MOMENTS, home_buttons.moments_clicked)
    listeners.action(HOME_BACK, home_buttons.back_clicked)
    listeners.action(HOME_SETUP, home_buttons.setup_clicked)
    listeners.action(HOME_PREVIEW, home_buttons.preview_clicked)
    listeners.action(HOME_POST, home_buttons.post_clicked)
