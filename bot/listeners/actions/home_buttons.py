"""Buttons on the App Home tab. Each acks first; the team comes from the button's value and the
clicker's role is checked again on the server (a crafted value for another team does nothing)."""

from __future__ import annotations

from logging import Logger

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.blocks.home import digest_preview_view
from bot.listeners.actions.values import button_id
from bot.services import answers, digests, home, roles, setup
from bot.services.roles import Caller, NotAllowed
from storage.models import Team

NOT_YOURS = "Only that team's managers or a workspace admin can do that; nothing was changed."


def _team_id(body: dict, logger: Logger) -> int | None:
    return button_id(body, logger, "a Home button")


def _managed(body: dict, client: WebClient, context: BoltContext, logger: Logger) -> tuple[Team, Caller] | None:
    """The team named by the button and the clicker, if they may manage it; otherwise their Home says so."""
    team_id = _team_id(body, logger)
    if team_id is None:
        return None
    user_id = body["user"]["id"]
    who = roles.caller(context["engine"], client, user_id)
    team = roles.managed_team(context["engine"], who, team_id)
    if team is None:
        home.refresh_home(context["engine"], client, user_id, notice=NOT_YOURS)
        return None
    return team, who


def log_clicked(ack: Ack, body: dict, client: WebClient, context: BoltContext, logger: Logger) -> None:
    ack()
    team_id = _team_id(body, logger)
    if team_id is None:
        return
    team = roles.member_team(context["engine"], body["user"]["id"], team_id)
    if team is not None:
        answers.open_direct_log_modal(client, team, body["trigger_id"])


def setup_clicked(ack: Ack, body: dict, client: WebClient, context: BoltContext, logger: Logger) -> None:
    ack()
    managed = _managed(body, client, context, logger)
    if managed is None:
        return
    team, who = managed
    try:
        setup.open_setup_modal(context["engine"], client, body["trigger_id"], who.user_id, team, who=who)
    except NotAllowed as refused:  # e.g. the team was deleted meanwhile
        home.refresh_home(context["engine"], client, who.user_id, notice=str(refused))


def preview_clicked(ack: Ack, body: dict, client: WebClient, context: BoltContext, logger: Logger) -> None:
    ack()
    managed = _managed(body, client, context, logger)
    if managed is None:
        return
    team, _who = managed
    figures = digests.week_view(context["engine"], team, digests.digest_week(team))
    client.views_open(trigger_id=body["trigger_id"], view=digest_preview_view(figures))


def post_clicked(ack: Ack, body: dict, client: WebClient, context: BoltContext, logger: Logger) -> None:
    ack()
    managed = _managed(body, client, context, logger)
    if managed is not None:
        team, who = managed
        notice = digests.post_now(context["engine"], client, team)
        home.refresh_home(context["engine"], client, who.user_id, notice=notice)
