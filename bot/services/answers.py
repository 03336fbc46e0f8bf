"""Recording a member's answers: one-click choices and logged moments."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy import Engine

from bot import vocabulary as v
from bot.blocks.log_moment import log_moment_view
from bot.schedule_spec import local_week, parse_tz
from bot.services import roles
from bot.services.home import refresh_home
from bot.services.prompts import refresh_prompt
from storage.engine import session_scope
from storage.models import Team
from storage.queries import cycles as cq
from storage.queries import teams as tq
from storage.queries.cycles import DeliveryContext
from storage.weeks import week_days, week_key

log = logging.getLogger(__name__)


def owned_delivery(engine: Engine, delivery_id: int, user_id: str) -> DeliveryContext | None:
    """The delivery if it exists and belongs to ``user_id``; a crafted ID for someone else's gives None."""
    with session_scope(engine) as session:
        ctx = cq.delivery_context(session, delivery_id)
    if ctx is None or ctx.person.slack_user_id != user_id:
        log.warning("user %s is not the owner of delivery %s", user_id, delivery_id)
        return None
    return ctx


def open_log_modal(engine: Engine, client: WebClient, delivery_id: int, user_id: str, trigger_id: str) -> bool:
    ctx = owned_delivery(engine, delivery_id, user_id)
    if ctx is None:
        return False
    client.views_open(trigger_id=trigger_id, view=log_moment_view(delivery_id, ctx.team.name, ctx.week))
    return True


def current_week(team: Team, now: datetime | None = None) -> str:
    """The ISO week a moment logged now belongs to, by the team's local date."""
    return local_week(now or datetime.now(UTC), parse_tz(team.tz))


def open_direct_log_modal(client: WebClient, team: Team, trigger_id: str) -> None:
    """Open the "where AI helped" modal outside the weekly prompt (``/airetro log``, App Home)."""
    client.views_open(trigger_id=trigger_id, view=log_moment_view(None, team.name, current_week(team), team.id))


def may_log_direct(engine: Engine, team_id: int, week: str, user_id: str) -> bool:
    """True when ``user_id`` is a member of the team and ``week`` is its current or previous week."""
    team = roles.member_team(engine, user_id, team_id)
    if team is None:
        return False
    this_week = current_week(team)
    if week not in (this_week, week_key(week_days(this_week)[0] - timedelta(days=7))):
        log.warning("user %s logged for week %s, not a current week", user_id, week)
        return False
    return True


def record_direct_moment(
    engine: Engine,
    client: WebClient,
    team_id: int,
    week: str,
    user_id: str,
    view_id: str,
    fields: Mapping[str, str | None],
) -> bool:
    """Store a moment logged on one's own; True when stored.

    Refused (False, nothing stored) unless ``user_id`` is a member of the team and ``week`` is the
    team's current or previous week: the modal's metadata could be crafted.
    """
    if not may_log_direct(engine, team_id, week, user_id):
        return False
    with session_scope(engine) as session:
        person = tq.get_person(session, user_id)
        counts_in = tq.primary_teams(session, [person.id]).get(person.id, team_id)  # one team a week: theirs
        delivery = cq.direct_delivery(session, counts_in, week, person.id)
        if cq.add_moment(session, delivery.id, view_id, fields) is None:
            return False
        cq.set_answer(session, delivery, v.HELPED)
        delivery_id = delivery.id
    refresh_prompt(engine, client, delivery_id)
    refresh_home(engine, client, user_id)
    return True


def record_choice(engine: Engine, client: WebClient, delivery_id: int, user_id: str, answer: str) -> bool:
    """Record "AI didn't help" or "skip"; True when something changed (a repeated click changes nothing)."""
    assert answer in (v.DIDNT_HELP, v.SKIPPED)
    if owned_delivery(engine, delivery_id, user_id) is None:
        return False
    with session_scope(engine) as session:
        delivery = cq.get_delivery(session, delivery_id)
        if cq.moments_for(session, delivery_id):
            return False  # moments already logged this week: the answer stays "helped"
        changed = cq.set_answer(session, delivery, answer)
    if changed:
        refresh_prompt(engine, client, delivery_id)
        refresh_home(engine, client, user_id)
    return changed


def record_moment(
    engine: Engine,
    client: WebClient,
    delivery_id: int,
    user_id: str,
    view_id: str,
    fields: Mapping[str, str | None],
) -> bool:
    """Store a moment from a submitted modal; True when stored (a redelivered submission stores nothing)."""
    if owned_delivery(engine, delivery_id, user_id) is None:
        return False
    with session_scope(engine) as session:
        moment = cq.add_moment(session, delivery_id, view_id, fields)
        if moment is None:
            return False
        cq.set_answer(session, cq.get_delivery(session, delivery_id), v.HELPED)
    refresh_prompt(engine, client, delivery_id)
    refresh_home(engine, client, user_id)
    return True
