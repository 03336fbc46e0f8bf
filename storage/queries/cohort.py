"""A team-week's cohort added up in the database: a few grouped queries into plain dataclasses, from which
``bot.digest.figures`` computes the digest's figures. The cohort is everyone with a delivery in the team's
cycle of that week (prompted, or logged on their own); only the moments people chose to share are read as
rows (the highlights), everything else arrives as counts and sums."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import Float, and_, case, distinct, func, literal, select
from sqlalchemy.sql import Select, Subquery
from sqlmodel import Session

from storage.models import ActivityRecord, Cycle, Delivery, Moment, Person, TokenSummary
from storage.queries.activity import FIELDS, ActivityTotals
from storage.queries.cycles import ASKED_STATES
from storage.weeks import week_days

SHARED = ("named", "anonymous")  # the sharing choices whose moments may become highlights


@dataclass(frozen=True)
class MemberGroup:
    """The cohort members with one answer, prompted or not, who logged a moment or not; and their usage."""

    answer: str
    prompted: bool
    logged: bool  # logged at least one moment that week
    members: int
    with_tokens: int = 0  # of whom had tokens
    with_usage: int = 0  # had tokens or dollars
    tokens: int = 0
    cost_usd: float = 0.0
    estimated_cost_usd: float = 0.0
    unknown_cost_tokens: int = 0


@dataclass(frozen=True)
class MomentKind:
    """How many of the week's moments had these choices."""

    outcome: str
    time_saved: str
    quality: str
    counterfactual: str
    count: int


@dataclass(frozen=True)
class SharedMoment:
    """A moment logged as shareable (named or anonymous): a possible highlight."""

    what: str
    link: str | None
    outcome: str
    sharing: str
    author: str  # Slack user ID


@dataclass(frozen=True)
class CohortTotals:
    """A team-week's cohort, added up."""

    groups: tuple[MemberGroup, ...] = ()
    hours: tuple[tuple[str, float, int], ...] = ()  # (answer, a member's hours saved, members): the spread
    kinds: tuple[MomentKind, ...] = ()
    usage_sources: tuple[str, ...] = ()  # the usage sources behind any member's tokens
    activity_members: int = 0  # members with provider activity
    activity: ActivityTotals | None = None  # summed over the team; None when nobody has any
    shared: tuple[SharedMoment, ...] = field(default=())  # in order: by person, then as logged


def cohort_totals(session: Session, team_id: int, week: str, hours_saved: Mapping[str, float]) -> CohortTotals:
    """The team-week's cohort added up; ``hours_saved``: each time-saved choice's hours."""
    cycle_id = session.execute(select(Cycle.id).where(Cycle.team_id == team_id, Cycle.week == week)).scalar()
    if cycle_id is None:
        return CohortTotals()
    cohort = select(Delivery.id, Delivery.person_id, Delivery.answer, Delivery.state).where(
        Delivery.cycle_id == cycle_id
    )
    cohort = cohort.subquery("cohort")
    hours = case(
        *((Moment.time_saved == choice, literal(float(value), Float)) for choice, value in hours_saved.items()),
        else_=literal(0.0, Float),
    )
    logged = (
        select(Moment.delivery_id, func.count().label("n"), func.sum(hours).label("hours"))
        .where(Moment.delivery_id.in_(select(Delivery.id).where(Delivery.cycle_id == cycle_id)))
        .group_by(Moment.delivery_id)
        .subquery("logged")
    )
    member = _members(cohort, logged, week).subquery("member")
    groups, spread, sources = _groups(session, member)
    return CohortTotals(
        groups=groups,
        hours=spread,
        kinds=tuple(_kinds(session, cycle_id)),
        usage_sources=sources,
        **_activity(session, cycle_id, week),
        shared=tuple(_shared(session, cohort)),
    )


def _members(cohort: Subquery, logged: Subquery, week: str) -> Select:
    """One row per cohort member: answer, prompted, moments, hours saved, and their token summary."""
    return select(
        cohort.c.answer,
        cohort.c.state.in_(ASKED_STATES).label("prompted"),
        func.coalesce(logged.c.n, 0).label("moments"),
        func.coalesce(logged.c.hours, 0.0).label("hours"),
        func.coalesce(TokenSummary.tokens, 0).label("tokens"),
        func.coalesce(TokenSummary.cost_usd, 0.0).label("cost"),
        func.coalesce(TokenSummary.estimated_cost_usd, 0.0).label("estimated"),
        func.coalesce(TokenSummary.unknown_cost_tokens, 0).label("unknown"),
        TokenSummary.sources,
    ).select_from(
        cohort.outerjoin(logged, logged.c.delivery_id == cohort.c.id).outerjoin(
            TokenSummary, and_(TokenSummary.person_id == cohort.c.person_id, TokenSummary.week == week)
        )
    )


def _groups(session: Session, member: Subquery) -> tuple[tuple[MemberGroup, ...], tuple[tuple[str, float, int], ...]]:
    """The members grouped by answer, prompted and logged (with their usage), and the spread of hours saved
    by answer: one grouped query (by all four) added up both ways."""
    has_tokens = member.c.tokens != 0
    has_usage = has_tokens | (member.c.cost != 0)
    logged = member.c.moments > 0
    rows = session.execute(
        select(
            member.c.answer,
            member.c.prompted,
            logged.label("logged"),
            member.c.hours,
            func.count(),
            func.sum(case((has_tokens, 1), else_=0)),
            func.sum(case((has_usage, 1), else_=0)),
            func.sum(member.c.tokens),
            func.sum(member.c.cost),
            func.sum(member.c.estimated),
            func.sum(member.c.unknown),
            member.c.sources,
        ).group_by(member.c.answer, member.c.prompted, logged, member.c.hours, member.c.sources)
    )
    groups: dict[tuple[str, bool, bool], list[float | int]] = {}
    spread: dict[tuple[str, float], int] = {}
    sources: set[str] = set()
    for answer, prompted, was_logged, hours, *sums, listed in rows:
        sources.update(source for source in (listed or "").split(",") if source)
        total = groups.setdefault((answer, bool(prompted), bool(was_logged)), [0, 0, 0, 0, 0.0, 0.0, 0])
        for i, value in enumerate(sums):
            total[i] += value or 0
        spread[(answer, float(hours))] = spread.get((answer, float(hours)), 0) + int(sums[0])
    return (
        tuple(
            MemberGroup(
                answer,
                prompted,
                logged,
                int(n),
                int(tokens_n),
                int(usage_n),
                int(tokens),
                float(cost),
                float(estimated),
                int(unknown),
            )  # fmt: skip
            for (answer, prompted, logged), (n, tokens_n, usage_n, tokens, cost, estimated, unknown) in groups.items()
        ),
        tuple((answer, hours, n) for (answer, hours), n in spread.items()),
        tuple(sorted(sources)),
    )


def _kinds(session: Session, cycle_id: int) -> list[MomentKind]:
    columns = (Moment.outcome, Moment.time_saved, Moment.quality, Moment.counterfactual)
    cohort = select(Delivery.id).where(Delivery.cycle_id == cycle_id)
    rows = session.execute(select(*columns, func.count()).where(Moment.delivery_id.in_(cohort)).group_by(*columns))
    return [MomentKind(*row) for row in rows]


def _activity(session: Session, cycle_id: int, week: str) -> dict[str, object]:
    monday, sunday = week_days(week)
    where = (
        ActivityRecord.person_id.in_(select(Delivery.person_id).where(Delivery.cycle_id == cycle_id)),
        ActivityRecord.day >= monday,
        ActivityRecord.day <= sunday,
    )
    sums = session.execute(
        select(
            func.count(distinct(ActivityRecord.person_id)),
            *(func.sum(getattr(ActivityRecord, name)) for name in FIELDS),
        ).where(*where)
    ).one()
    members, *values = sums
    if not members:
        return {"activity_members": 0, "activity": None}
    sources = session.execute(select(ActivityRecord.source).where(*where).distinct()).scalars()
    totals = ActivityTotals(*(int(value or 0) for value in values), sources=tuple(sorted(sources)))
    return {"activity_members": int(members), "activity": totals}


def _shared(session: Session, cohort: Subquery) -> list[SharedMoment]:
    rows = session.execute(
        select(Moment.what, Moment.link, Moment.outcome, Moment.sharing, Person.slack_user_id)
        .join(cohort, cohort.c.id == Moment.delivery_id)
        .join(Person, Person.id == cohort.c.person_id)
        .where(Moment.sharing.in_(SHARED))
        .order_by(Person.slack_user_id, Moment.id)
    )
    return [SharedMoment(*row) for row in rows]
