"""Recording a member's answers: one-click choices and logged moments, and changing them while the week is open.

A team-week stays open until it closes (its digest is posted, or its digest time has passed: see
``bot.services.publication``); until then a member may change their answer any time: log a moment after "AI
didn't help" or "skip", switch between those two, edit or delete a moment. A closed week's figures are
published and never change, so nothing about it can be changed any more: ``Refused`` says so kindly.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.models.views import View
from sqlalchemy import Engine
from sqlmodel import Session

from bot import vocabulary as v
from bot.blocks.home import MomentsWeek, my_moments_view
from bot.blocks.log_moment import FIELDS, Editing, fingerprint, log_moment_view
from bot.blocks.prompt import LoggedMoment
from bot.formatting import week_label
from bot.schedule_spec import local_week, parse_tz
from bot.services import publication, roles
from bot.services.home import refresh_home
from bot.services.prompts import refresh_prompt
from storage.engine import session_scope
from storage.models import Moment, Team
from storage.queries import cycles as cq
from storage.queries import moments as mq
from storage.queries import published as pq
from storage.queries import teams as tq
from storage.queries.cycles import DeliveryContext
from storage.weeks import week_days, week_key

log = logging.getLogger(__name__)

NOT_YOURS = "That isn't one of your own moments, so nothing was changed."
GONE = "That moment isn't there any more (it may have been deleted already), so nothing was changed."
CHANGED_MEANWHILE = (
    "This moment was changed in another window since you opened this form, so I kept it as it is. "
    "Close this form and click Edit again to see it as it is now."
)


def closed_text(week: str) -> str:
    return (
        f"The retro for the {week_label(week)} is closed: its digest is out, so answers for that week "
        "can't change any more. "
        "Thanks all the same, and see you in the next one."
    )


class Refused(Exception):
    """Nothing was changed, for a reason meant for the person (``text``): a closed week, someone else's moment."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def week_closed(session: Session, team: Team, week: str, now: datetime | None = None) -> bool:
    """Whether the team-week is closed: its figures published (digest posted), or its closing time passed."""
    if pq.published(session, team.id, [week]):
        return True
    return (now or datetime.now(UTC)) >= publication.closes_at(team, week)


def owned_delivery(engine: Engine, delivery_id: int, user_id: str) -> DeliveryContext | None:
    """The delivery if it exists and belongs to ``user_id``; a crafted ID for someone else's gives None."""
    with session_scope(engine) as session:
        ctx = cq.delivery_context(session, delivery_id)
    if ctx is None or ctx.person.slack_user_id != user_id:
        log.warning("user %s is not the owner of delivery %s", user_id, delivery_id)
        return None
    return ctx


def delivery_closed(engine: Engine, ctx: DeliveryContext) -> bool:
    with session_scope(engine) as session:
        return week_closed(session, ctx.team, ctx.week)


def open_log_modal(engine: Engine, client: WebClient, delivery_id: int, user_id: str, trigger_id: str) -> bool:
    """Open the modal for the prompt's week; ``Refused`` once that week has closed."""
    ctx = owned_delivery(engine, delivery_id, user_id)
    if ctx is None:
        return False
    if delivery_closed(engine, ctx):
        raise Refused(closed_text(ctx.week))
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


def _direct_team(session: Session, person_id: int, counts_in: int, week: str) -> Team:
    """The team a moment logged on one's own for ``week`` counts in: that of their delivery of the week, if any."""
    existing = cq.week_delivery(session, person_id, week)
    ctx = cq.delivery_context(session, existing.id) if existing is not None else None
    return ctx.team if ctx is not None else session.get(Team, counts_in)


def direct_week_closed(engine: Engine, team_id: int, week: str, user_id: str) -> bool:
    """Whether a moment logged on one's own for ``week`` would land in a closed week."""
    with session_scope(engine) as session:
        person = tq.get_person(session, user_id)
        if person is None:
            return False
        counts_in = tq.primary_teams(session, [person.id]).get(person.id, team_id)
        team = _direct_team(session, person.id, counts_in, week)
        return team is not None and week_closed(session, team, week)


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
    team's current or previous week: the modal's metadata could be crafted. ``Refused`` when the week
    it would count in has closed.
    """
    if not may_log_direct(engine, team_id, week, user_id):
        return False
    with session_scope(engine) as session:
        person = tq.get_person(session, user_id)
        counts_in = tq.primary_teams(session, [person.id]).get(person.id, team_id)  # one team a week: theirs
        if week_closed(session, _direct_team(session, person.id, counts_in, week), week):
            raise Refused(closed_text(week))
        delivery = cq.direct_delivery(session, counts_in, week, person.id)
        if mq.add_moment(session, delivery.id, view_id, fields) is None:
            return False
        cq.set_answer(session, delivery, v.HELPED)
        delivery_id = delivery.id
    refresh_prompt(engine, client, delivery_id)
    refresh_home(engine, client, user_id)
    return True


def record_choice(engine: Engine, client: WebClient, delivery_id: int, user_id: str, answer: str) -> bool:
    """Record "AI didn't help" or "skip"; True when something changed (a repeated click changes nothing).

    Either may replace the other while the week is open; ``Refused`` once it has closed.
    """
    assert answer in (v.DIDNT_HELP, v.SKIPPED)
    ctx = owned_delivery(engine, delivery_id, user_id)
    if ctx is None:
        return False
    with session_scope(engine) as session:
        if week_closed(session, ctx.team, ctx.week):
            raise Refused(closed_text(ctx.week))
        delivery = cq.get_delivery(session, delivery_id)
        if mq.moments_for(session, delivery_id):
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
    """Store a moment from a submitted modal; True when stored (a redelivered submission stores nothing).

    A moment turns a "didn't help" or "skip" into "helped". ``Refused`` once the week has closed.
    """
    ctx = owned_delivery(engine, delivery_id, user_id)
    if ctx is None:
        return False
    with session_scope(engine) as session:
        if week_closed(session, ctx.team, ctx.week):
            raise Refused(closed_text(ctx.week))
        moment = mq.add_moment(session, delivery_id, view_id, fields)
        if moment is None:
            return False
        cq.set_answer(session, cq.get_delivery(session, delivery_id), v.HELPED)
    refresh_prompt(engine, client, delivery_id)
    refresh_home(engine, client, user_id)
    return True


# -- a logged moment: edit, delete -----------------------------------------------------------------------------


def fields_of(moment: Moment) -> dict[str, str | None]:
    return {name: getattr(moment, name) for name in FIELDS}


def _own_open_moment(session: Session, moment_id: int, user_id: str) -> mq.MomentContext:
    """The moment if ``user_id`` wrote it and its week is open; ``Refused`` otherwise (the person behind the
    click is checked, not only the id in the button)."""
    ctx = mq.moment_context(session, moment_id)
    if ctx is None:
        raise Refused(GONE)
    if ctx.person.slack_user_id != user_id:
        log.warning("user %s is not the author of moment %s", user_id, moment_id)
        raise Refused(NOT_YOURS)
    if week_closed(session, ctx.team, ctx.week):
        raise Refused(closed_text(ctx.week))
    return ctx


def edit_view(
    engine: Engine, moment_id: int, user_id: str, list_view: str | None = None, list_team: int | None = None
) -> View:
    """The log modal pre-filled with the moment, to change it; ``Refused`` for someone else's or a closed week.
    ``list_view``: the "your moments" modal (of ``list_team``) it is opened from, refreshed after saving."""
    with session_scope(engine) as session:
        ctx = _own_open_moment(session, moment_id, user_id)
        editing = Editing(moment_id, fields_of(ctx.moment), list_view, list_team)
        return log_moment_view(ctx.delivery.id, ctx.team.name, ctx.week, editing=editing)


def check_edit(engine: Engine, moment_id: int, user_id: str) -> None:
    """``Refused`` unless ``user_id`` may change the moment now (theirs, its week open)."""
    with session_scope(engine) as session:
        _own_open_moment(session, moment_id, user_id)


def apply_edit(engine: Engine, moment_id: int, user_id: str, was: str, fields: Mapping[str, str | None]) -> int | None:
    """Change a moment to ``fields`` from a form opened on the moment as ``was`` (its fingerprint); the id of its
    delivery when it changed, None when nothing changed. Idempotent: a retried submission finds the moment as
    submitted already and changes nothing; a form opened before another edit is refused (``CHANGED_MEANWHILE``)
    rather than undo that edit. ``refresh`` shows the change afterwards."""
    with session_scope(engine) as session:
        ctx = _own_open_moment(session, moment_id, user_id)
        now = fields_of(ctx.moment)
        wanted = {name: fields.get(name) for name in FIELDS}
        if now == wanted:
            return None  # a retry of this very submission (or nothing changed)
        if fingerprint(now) != was or not mq.update_moment(session, moment_id, now, wanted):
            raise Refused(CHANGED_MEANWHILE)  # edited from another form meanwhile (or a moment ago, elsewhere)
        return ctx.delivery.id


def refresh(engine: Engine, client: WebClient, delivery_id: int, user_id: str) -> None:
    """Show a changed answer: the prompt DM and the Home tab."""
    refresh_prompt(engine, client, delivery_id)
    refresh_home(engine, client, user_id)


def remove_moment(engine: Engine, client: WebClient, moment_id: int, user_id: str) -> bool:
    """Delete the author's moment; True when deleted (a second click finds it gone and changes nothing).

    The last moment of a week gone, the week is unanswered again (not "helped" with nothing logged).
    """
    with session_scope(engine) as session:
        if mq.moment_context(session, moment_id) is None:
            return False  # deleted already: a retry, a double click
        ctx = _own_open_moment(session, moment_id, user_id)
        if not mq.delete_moment(session, moment_id):
            return False
        delivery = cq.get_delivery(session, ctx.delivery.id)
        if not mq.moments_for(session, delivery.id):  # unanswered again; away again if they were never prompted
            cq.set_answer(session, delivery, v.AWAY if delivery.state == "away" else v.PENDING)
        delivery_id = delivery.id
    refresh_prompt(engine, client, delivery_id)
    refresh_home(engine, client, user_id)
    return True


def open_weeks(engine: Engine, user_id: str, team: Team, now: datetime | None = None) -> list[MomentsWeek]:
    """The person's answers of this week and last week, where that week is still open, newest first."""
    now = now or datetime.now(UTC)
    this_week = current_week(team, now)
    weeks = [this_week, week_key(week_days(this_week)[0] - timedelta(days=7))]
    with session_scope(engine) as session:
        person = tq.get_person(session, user_id)
        if person is None:
            return []
        out = []
        for ctx in cq.open_deliveries(session, person.id, weeks):
            if week_closed(session, ctx.team, ctx.week, now):
                continue
            moments = tuple(
                LoggedMoment(m.outcome, m.what, m.time_saved, m.id) for m in mq.moments_for(session, ctx.delivery.id)
            )
            out.append(MomentsWeek(ctx.team.name, ctx.week, ctx.delivery.answer, moments))
        return out


def moments_view(engine: Engine, user_id: str, team_id: int, notice: str | None = None) -> View | None:
    """The "your moments" modal for the person (a member of ``team_id``), as things are now; None for a team
    they are not a member of (a crafted button)."""
    team = roles.member_team(engine, user_id, team_id)
    if team is None:
        return None
    return my_moments_view(open_weeks(engine, user_id, team), team.id, notice)
