"""Buttons on the App Home tab. Each acks first; the team comes from the button's value and the
clicker's role is checked again on the server (a crafted value for another team does nothing).

What a button did is shown on top of the clicker's Home; when the Home cannot be published, or a modal cannot
open, the clicker gets a DM instead (the guard DMs whatever fails unforeseen), saying what was done.
"""

from __future__ import annotations

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.blocks.home import digest_preview_view
from bot.listeners.guard import Failure
from bot.parse_input import actor, button_id, trigger_id
from bot.services import answers, digests, home, pausing, roles, setup
from bot.services.roles import Caller, NotAllowed
from storage.models import Team

NOT_YOURS = "Only that team's managers or a workspace admin can do that; nothing was changed."
MOMENTS_NOT_OPENED = (
    "Sorry, I couldn't open your moments, so nothing was changed. Please try the button again in a minute."
)
FORM_NOT_OPENED = (
    "Sorry, I couldn't open the form to log where AI helped, so nothing was saved. Please try the button again "
    "in a minute, or type `/airetro log`."
)
SETUP_NOT_OPENED = (
    "Sorry, I couldn't open the setup form, so nothing was changed. Please try again in a minute, "
    "or type `/airetro setup`."
)
PREVIEW_NOT_OPENED = (
    "Sorry, I couldn't open the digest preview. Nothing was posted or changed. Please try again in a minute, "
    "or type `/airetro digest preview`."
)
BACK_FAILED = (
    "Sorry, something went wrong, so I can't tell whether you're still set as away. Please click *I'm back* "
    "again, or type `/airetro back`: doing it twice changes nothing."
)
POST_UNKNOWN = (
    "Sorry, something went wrong while posting the digest, so it may or may not be in the channel. Posting "
    "again is safe: a week's digest is posted once, never twice."
)


def _team_id(body: dict) -> int:
    return button_id(body, "a Home button's team")


def show(context: BoltContext, client: WebClient, user_id: str, notice: str) -> None:
    """``notice`` on top of the clicker's Home; by DM if the Home cannot be published."""
    if not home.refresh_home(context["engine"], client, user_id, notice=notice):
        client.chat_postMessage(channel=user_id, text=notice)


def _managed(body: dict, client: WebClient, context: BoltContext) -> tuple[Team, Caller] | None:
    """The team named by the button and the clicker, if they may manage it; otherwise their Home says so."""
    team_id = _team_id(body)
    user_id = actor(body)
    who = roles.caller(context["engine"], client, user_id)
    team = roles.managed_team(context["engine"], who, team_id)
    if team is None:
        show(context, client, user_id, NOT_YOURS)
        return None
    return team, who


def log_clicked(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    team_id, user_id, trigger = _team_id(body), actor(body), trigger_id(body)
    engine = context["engine"]
    try:
        team = roles.member_team(engine, user_id, team_id)
        if team is None:
            return
        week = answers.current_week(team)
        if answers.direct_week_closed(engine, team.id, week, user_id):
            show(context, client, user_id, answers.closed_text(week))
            return
        answers.open_direct_log_modal(client, team, trigger)
    except Exception as error:
        raise Failure(FORM_NOT_OPENED) from error


def moments_clicked(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    """ "Edit or delete your moments": a modal listing them, each with Edit and Delete."""
    ack()
    team_id, user_id, trigger = _team_id(body), actor(body), trigger_id(body)
    try:
        view = answers.moments_view(context["engine"], user_id, team_id)
        if view is not None:
            client.views_open(trigger_id=trigger, view=view)
    except Exception as error:
        raise Failure(MOMENTS_NOT_OPENED) from error


def back_clicked(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    """ "I'm back": the same as ``/airetro back`` (ends the clicker's away; a second click changes nothing), then
    their Home again, saying so."""
    ack()
    user_id = actor(body)
    try:
        notice = pausing.come_back(context["engine"], user_id)
    except Exception as error:
        raise Failure(BACK_FAILED) from error
    try:
        show(context, client, user_id, notice)
    except Exception as error:
        raise Failure(notice) from error  # they are back; only showing it failed


def setup_clicked(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    trigger = trigger_id(body)
    managed = _managed(body, client, context)
    if managed is None:
        return
    team, who = managed
    try:
        setup.open_setup_modal(context["engine"], client, trigger, who.user_id, team, who=who)
    except NotAllowed as refused:  # e.g. the team was deleted meanwhile
        show(context, client, who.user_id, str(refused))
    except Exception as error:
        raise Failure(SETUP_NOT_OPENED) from error


def preview_clicked(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    trigger = trigger_id(body)
    managed = _managed(body, client, context)
    if managed is None:
        return
    team, _who = managed
    try:
        figures = digests.week_view(context["engine"], team, digests.digest_week(team))
        client.views_open(trigger_id=trigger, view=digest_preview_view(figures))
    except Exception as error:
        raise Failure(PREVIEW_NOT_OPENED) from error


def post_clicked(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    managed = _managed(body, client, context)
    if managed is None:
        return
    team, who = managed
    try:
        notice = digests.post_now(context["engine"], client, team)
    except Exception as error:
        raise Failure(POST_UNKNOWN) from error
    try:
        show(context, client, who.user_id, notice)
    except Exception as error:
        raise Failure(notice) from error  # what happened to the digest, whatever failed in showing it
