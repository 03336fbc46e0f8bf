"""Posted digests: a claim row per (team, week) so each is posted once."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.dialects.sqlite import insert
from sqlmodel import Session, select

from storage.models import Digest, OrgDigest


def claim_digest(session: Session, team_id: int, week: str) -> Digest | None:
    """Claim the team-week's digest; None if it is already claimed or posted."""
    result = session.execute(
        insert(Digest)
        .values(team_id=team_id, week=week, claimed_at=datetime.now(UTC))
        .on_conflict_do_nothing(index_elements=["team_id", "week"])
    )
    if result.rowcount == 0:
        return None
    return get_digest(session, team_id, week)


def get_digest(session: Session, team_id: int, week: str) -> Digest | None:
    return session.exec(select(Digest).where(Digest.team_id == team_id, Digest.week == week)).first()


def mark_posted(session: Session, digest: Digest, channel_id: str, message_ts: str) -> None:
    digest.state, digest.channel_id, digest.message_ts = "posted", channel_id, message_ts
    digest.posted_at = datetime.now(UTC)
    session.add(digest)


def release_claim(session: Session, digest: Digest) -> None:
    """Give a claim back after a failed post so the next run can try again."""
    session.delete(digest)


def claim_org_digest(session: Session, channel_id: str, week: str) -> OrgDigest | None:
    """Claim the week's org roll-up for ``channel_id``; None if it is already claimed or posted."""
    result = session.execute(
        insert(OrgDigest)
        .values(channel_id=channel_id, week=week, claimed_at=datetime.now(UTC))
        .on_conflict_do_nothing(index_elements=["channel_id", "week"])
    )
    if result.rowcount == 0:
        return None
    return session.exec(select(OrgDigest).where(OrgDigest.channel_id == channel_id, OrgDigest.week == week)).one()


def mark_org_posted(session: Session, claim: OrgDigest, message_ts: str) -> None:
    claim.state, claim.message_ts, claim.posted_at = "posted", message_ts, datetime.now(UTC)
    session.add(claim)
