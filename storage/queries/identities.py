"""Explicit identity mappings (usage key → person) and finding people by the keys usage names them by."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, func
from sqlmodel import Session, select

from storage.models import ActivityRecord, Identity, Person, UsageRecord


@dataclass(frozen=True)
class Mapping:
    key: str
    slack_user_id: str
    usage_records: int
    activity_records: int
    created_at: datetime


def mapped_person_id(session: Session, key: str) -> int | None:
    return session.exec(select(Identity.person_id).where(Identity.key == key)).first()


def person_id_by_email(session: Session, email: str) -> int | None:
    return session.exec(select(Person.id).where(func.lower(Person.email) == email.lower())).first()


def person_id_by_slack_id(session: Session, slack_user_id: str) -> int | None:
    return session.exec(select(Person.id).where(Person.slack_user_id == slack_user_id)).first()


def get_mapping(session: Session, key: str) -> Identity | None:
    return session.exec(select(Identity).where(Identity.key == key)).first()


def set_mapping(session: Session, key: str, person_id: int) -> None:
    """Map ``key`` to the person (replacing an earlier mapping of the key)."""
    identity = get_mapping(session, key)
    if identity is None:
        session.add(Identity(key=key, person_id=person_id, created_at=datetime.now(UTC)))
    else:
        identity.person_id = person_id
        identity.created_at = datetime.now(UTC)
    session.flush()


def delete_mapping(session: Session, key: str) -> bool:
    return session.execute(delete(Identity).where(Identity.key == key)).rowcount > 0


def _counts(session: Session, model: type[UsageRecord] | type[ActivityRecord]) -> dict[str, int]:
    query = (
        select(model.person_key, func.count())
        .where(model.person_key.in_(select(Identity.key)))
        .group_by(model.person_key)
    )
    return dict(session.exec(query).all())


def list_mappings(session: Session) -> list[Mapping]:
    """Every mapping, by key, with how many imported records carry the key."""
    usage, activity = _counts(session, UsageRecord), _counts(session, ActivityRecord)
    rows = session.exec(
        select(Identity.key, Person.slack_user_id, Identity.created_at)
        .join(Person, Person.id == Identity.person_id)
        .order_by(Identity.key)
    ).all()
    return [Mapping(key, user, usage.get(key, 0), activity.get(key, 0), created) for key, user, created in rows]


def unattributed_keys(session: Session, limit: int) -> tuple[list[tuple[str, int]], int]:
    """The keys of usage and activity records attributed to nobody, most records first (at most
    ``limit``), and how many such keys there are in all."""
    usage = select(UsageRecord.person_key.label("key")).where(UsageRecord.person_id.is_(None))
    activity = select(ActivityRecord.person_key.label("key")).where(ActivityRecord.person_id.is_(None))
    both = usage.union_all(activity).subquery()
    grouped = select(both.c.key, func.count().label("n")).group_by(both.c.key).subquery()
    top = session.exec(
        select(grouped.c.key, grouped.c.n).order_by(grouped.c.n.desc(), grouped.c.key).limit(limit)
    ).all()
    total = session.exec(select(func.count()).select_from(grouped)).one()
    return [(key, int(n)) for key, n in top], int(total)
