"""Multi-week views of the data: a team's aggregate (summary, Home, export) and a person's own weeks
(``/airetro me``, Home, export). A person's own figures are only ever returned for that person."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import select

from bot import vocabulary as v
from bot.digest.summary import SummaryFigures, summarise
from bot.services import publication
from bot.services.digests import empty_week
from storage.engine import session_scope
from storage.models import Cycle, Delivery, Moment, Team, TokenSummary
from storage.queries import teams as tq
from storage.weeks import week_key, weeks_back


def team_summary(engine: Engine, team: Team, weeks: int, now: datetime | None = None) -> SummaryFigures:
    """The team's aggregate over its last ``weeks`` closed weeks (published figures only), and how the week
    still open is going, if one is."""
    now = now or datetime.now(UTC)
    with session_scope(engine) as session:
        last = publication.last_closed_week(session, team, now)
        keys = weeks_back(last, weeks)
        found = publication.closed_figures(session, team, keys, now)
        current = publication.current_week(team, now)
        open_week = publication.progress(session, team, current) if current != last else None
    figures = [f if f is not None else empty_week(team, week) for week, f in zip(keys, found, strict=True)]
    return replace(summarise(team.name, figures), open_week=open_week)


@dataclass(frozen=True)
class MyWeek:
    """One of a person's own weeks: their answers (over all their teams) and their token summary."""

    week: str
    answer: str | None  # helped / didnt_help / skipped / pending; None = not asked that week
    teams: tuple[str, ...]
    moments: int
    hours_saved: float
    tokens: int | None
    cost_usd: float | None
    top_model: str | None


_ANSWER_RANK = {v.HELPED: 0, v.DIDNT_HELP: 1, v.SKIPPED: 2, v.PENDING: 3}


def my_weeks(engine: Engine, user_id: str, weeks: int, now: datetime | None = None) -> list[MyWeek]:
    """The caller's own last ``weeks`` ISO weeks (newest first); empty if AI Retro knows nothing of them."""
    keys = weeks_back(week_key((now or datetime.now(UTC)).date()), weeks)
    with session_scope(engine) as session:
        person = tq.get_person(session, user_id)
        if person is None:
            return []
        rows = session.exec(
            select(Delivery, Cycle.week, Team.name)
            .join(Cycle, Cycle.id == Delivery.cycle_id)
            .join(Team, Team.id == Cycle.team_id)
            .where(Delivery.person_id == person.id, Cycle.week.in_(keys))
        ).all()
        delivery_ids = [d.id for d, _, _ in rows]
        moments = list(session.exec(select(Moment).where(Moment.delivery_id.in_(delivery_ids))))
        summaries = {
            s.week: s
            for s in session.exec(
                select(TokenSummary).where(TokenSummary.person_id == person.id, TokenSummary.week.in_(keys))
            )
        }
    by_week: dict[str, list[tuple[Delivery, str]]] = {}
    for delivery, week, team_name in rows:
        by_week.setdefault(week, []).append((delivery, team_name))
    out = []
    for week in reversed(keys):
        entries = by_week.get(week, [])
        ids = {d.id for d, _ in entries}
        mine = [m for m in moments if m.delivery_id in ids]
        answers = [d.answer for d, _ in entries]
        summary = summaries.get(week)
        out.append(
            MyWeek(
                week=week,
                answer=min(answers, key=_ANSWER_RANK.__getitem__) if answers else None,
                teams=tuple(sorted({name for _, name in entries})),
                moments=len(mine),
                hours_saved=sum(v.HOURS_SAVED[m.time_saved] for m in mine),
                tokens=summary.tokens if summary else None,
                cost_usd=summary.cost_usd if summary else None,
                top_model=summary.top_model if summary else None,
            )
        )
    return out
