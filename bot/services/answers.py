"""Recording a member's answers: one-click choices and logged moments."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from slack_sdk import WebClient
from sqlalchemy import Engine

from bot import vocabulary as v
from bot.blocks.log_moment import log_moment_view
from bot.services.prompts import refresh_prompt
from storage.engine import session_scope
from storage.queries import cycles as cq
from storage.queries.cycles import DeliveryContext

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
    return True
