"""Published figures: a closed team-week's (and org week's) figures, written once and never updated."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import String, bindparam, cast
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from storage.models import PublishedOrgWeek, PublishedWeek


def published(session: Session, team_id: int, weeks: Sequence[str]) -> dict[str, PublishedWeek]:
    """The team's published weeks among ``weeks``, by week."""
    if not weeks:
        return {}
    rows = session.exec(
        select(PublishedWeek).where(PublishedWeek.team_id == team_id, PublishedWeek.week.in_(list(weeks)))
    )
    return {row.week: row for row in rows}


_FIGURES = select(PublishedWeek.week, PublishedWeek.figures).where(  # built once: read on every look
    PublishedWeek.team_id == bindparam("team"), PublishedWeek.week.in_(bindparam("weeks", expanding=True))
)


def published_figures(session: Session, team_id: int, weeks: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The stored figures of the team's published weeks among ``weeks``, by week (columns only: no rows to track)."""
    if not weeks:
        return {}
    return dict(session.execute(_FIGURES, {"team": team_id, "weeks": list(weeks)}).all())


def insert_once(session: Session, team_id: int, week: str, figures: dict[str, Any], now: datetime) -> PublishedWeek:
    """Store the team-week's figures unless they are stored already; returns what is stored (the first
    writer's, when two processes publish the same week at once)."""
    existing = published(session, team_id, [week]).get(week)
    if existing is not None:
        return existing
    try:
        with session.begin_nested():
            session.add(PublishedWeek(team_id=team_id, week=week, published_at=now, figures=figures))
    except IntegrityError:
        pass  # another process published it first: theirs stands
    return published(session, team_id, [week])[week]


def org_published(session: Session, week: str) -> PublishedOrgWeek | None:
    return session.exec(select(PublishedOrgWeek).where(PublishedOrgWeek.week == week)).first()


def insert_org_once(session: Session, week: str, figures: dict[str, Any], now: datetime) -> PublishedOrgWeek:
    existing = org_published(session, week)
    if existing is not None:
        return existing
    try:
        with session.begin_nested():
            session.add(PublishedOrgWeek(week=week, published_at=now, figures=figures))
    except IntegrityError:
        pass
    return org_published(session, week)


def with_highlights_of(session: Session, author: str) -> list[PublishedWeek]:
    """Published weeks whose highlights may name ``author`` (narrowed by a text match, checked by the caller)."""
    return list(session.exec(select(PublishedWeek).where(cast(PublishedWeek.figures, String).contains(author))))


def replace_figures(session: Session, row: PublishedWeek, figures: dict[str, Any]) -> None:
    """Only for forget-me: a named highlight of the forgotten person leaves the stored week (no figure changes)."""
    row.figures = figures
    session.add(row)
