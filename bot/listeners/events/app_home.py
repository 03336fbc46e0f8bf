"""``app_home_opened``: publish the viewer's Home tab as it is now. Bolt acks events itself; a Home that
cannot be published is logged (``home.refresh_home``): opening a tab asks for nothing to be told."""

from __future__ import annotations

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.parse_input import field, user_id
from bot.services import home


def app_home_opened(event: dict, client: WebClient, context: BoltContext) -> None:
    if field(event, "tab", optional=True) != "home":  # the Messages tab: nothing to publish
        return
    home.refresh_home(context["engine"], client, user_id(field(event, "user"), "event.user"))
