"""``app_home_opened``: publish the viewer's Home tab as it is now. Bolt acks events itself."""

from __future__ import annotations

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.services import home


def app_home_opened(event: dict, client: WebClient, context: BoltContext) -> None:
    if event.get("tab") != "home":  # the Messages tab: nothing to publish
        return
    home.refresh_home(context["engine"], client, event["user"])
