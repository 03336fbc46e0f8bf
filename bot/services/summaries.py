"""Multi-week views of the data: a team's aggregate (summary, Home, export) and a person's own weeks
(``/airetro me``, Home, export). A person's own figures are only ever returned for that person."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import Engine, Float, bindparam, case, func, literal
from sqlmodel import Session, select

from bot import vocabulary as v
from bot.digest.summary import SummaryFigures, summarise
from bot.digest.trend import TREND_WEEKS
from bot.services import publication
from bot.services.digests import empty_week
from storage.engine import session_scope
from storage.models import Cycle, Delivery, Moment, Team, TokenSummary
from storage.queries import teams as tq
from storage.weeks import week_key, weeks_back


def team_summary(engine: Engine, team: Team, weeks: int, now: datetime | None = None) -> SummaryFigures:
    """The team's aggregate over its last ``weeks`` closed weeks (published figures only), and how the week
    still open is going, if one is."""
    with session_scope(engine) as session:
        return team_summary_in(session, team, weeks, now or datetime.now(UTC))


def team_summary_in(session: Session, team: Team, weeks: int, now: datetime) -> SummaryFigures:
    """``team_summary`` in an open session: the published weeks read once, the open week's answers counted."""
    current = publication.current_week(team, now)
    keys, found = publication.last_closed_figures(session, team, max(weeks, TREND_WEEKS), now)  # the trend's too
    open_week = publication.progress(session, team, current) if current != keys[-1] else None
    figures = [f if f is not None else empty_week(team, week) for week, f in zip(keys, found, strict=True)]
    return replace(summarise(team.name, figures[-weeks:], figures), open_week=open_week)


@dataclass(frozen=True)
class MyWeek:
    """One of a person's own weeks: their answers (over all their teams) and their token summary."""

    week: str
    answer: str | None  # helped / didnt_help / skipped / pending / away; None = not asked that week
    teams: tuple[str, ...]
    moments: int
    hours_saved: float
    tokens: int | None
    cost_usd: float | None
    top_model: str | None


# a person's one answer of a week over their teams' deliveries (one a week, but a week's deliveries are read as a
# list): the most substantive; away loses to any other
_ANSWER_RANK = {v.HELPED: 0, v.DIDNT_HELP: 1, v.SKIPPED: 2, v.PENDING: 3, v.AWAY: 4}


_HOURS = case(
    *((Moment.time_saved == choice, literal(value, Float)) for choice, value in v.HOURS_SAVED.items()),
    else_=literal(0.0, Float),
)
# a person's deliveries of some weeks, with their moments counted and hours added up; and their token summaries
# (built once: the Home tab and `/airetro me` run them on every look)
_MY_DELIVERIES = (
    select(Cycle.week, Delivery.answer, Team.name, func.count(Moment.id), func.coalesce(func.sum(_HOURS), 0.0))
    .join(Cycle, Cycle.id == Delivery.cycle_id)
    .join(Team, Team.id == Cycle.team_id)
    .outerjoin(Moment, Moment.delivery_id == Delivery.id)
    .where(Delivery.person_id == bindparam("person"), Cycle.week.in_(bindparam("weeks", expanding=True)))
    .group_by(Delivery.id, Cycle.week, Delivery.answer, Team.name)
)
_MY_SUMMARIES = select(TokenSummary.week, TokenSummary.tokens, TokenSummary.cost_usd, TokenSummary.top_model).where(
    TokenSummary.person_id == bindparam("person"), TokenSummary.week.in_(bindparam("weeks", expanding=True))
)


def my_weeks(engine: Engine, user_id: str, weeks: int, now: datetime | None = None) -> list[MyWeek]:
    """The caller's own last ``weeks`` ISO weeks (newest first); empty if AI Retro knows nothing of them."""
    with session_scope(engine) as session:
        person = tq.get_person(session, user_id)
        return [] if person is None else my_weeks_in(session, person.id, weeks, now or datetime.now(UTC))


def my_weeks_in(session: Session, person_id: int, weeks: int, now: datetime) -> list[MyWeek]:
    """``my_weeks`` of a known person in an open session: their deliveries with their moments counted and hours
    added up (one grouped query), and their token summaries."""
    keys = weeks_back(week_key(now.date()), weeks)
    params = {"person": person_id, "weeks": keys}
    rows = session.execute(_MY_DELIVERIES, params).all()
    usage = {week: (tokens, cost, top) for week, tokens, cost, top in session.execute(_MY_SUMMARIES, params)}
    by_week: dict[str, list[tuple[str, str, int, float]]] = {}
    for week, answer, team_name, moments, hours_saved in rows:
        by_week.setdefault(week, []).append((answer, team_name, int(moments), float(hours_saved)))
    out = []
    for week in reversed(keys):
        entries = by_week.get(week, [])
        tokens, cost, top = usage.get(week, (None, None, None))
        out.append(
            MyWeek(
                week=week,
                answer=min((a for a, _, _, _ in entries), key=_ANSWER_RANK.__getitem__) if entries else None,
                teams=tuple(sorted({name for _, name, _, _ in entries})),
                moments=sum(n for _, _, n, _ in entries),
                hours_saved=sum(h for _, _, _, h in entries),
                tokens=tokens,
                cost_usd=cost,
                top_model=top,
            )
        )
    return out
