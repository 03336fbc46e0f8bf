"""Posted digests: a claim row per (team, week) and per (channel, week) for the org roll-up, so each is
posted once. ``state``: claimed → posted; a post whose answer was lost is ``unknown`` until it is settled
(found in the channel by its metadata → posted; certainly not there → posted again by whoever takes the
claim over). ``claimed_at`` is when the latest attempt began: history is searched from there."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from storage import dialect, liveness
from storage.models import Digest, OrgDigest

# A claim in "claimed" older than this has no live poster (a post with every rate-limit retry takes far less).
CLAIM_LEASE = timedelta(minutes=15)
# An "unknown" post is looked for again after this: Slack has had time to show the message if it posted it.
SETTLE_AFTER = timedelta(minutes=1)

Claim = Digest | OrgDigest


def claim_digest(session: Session, team_id: int, week: str, now: datetime | None = None) -> Digest | None:
    """Claim the team-week's digest; None if it is already claimed or posted."""
    won = session.execute(
        dialect.insert(session, Digest)
        .values(team_id=team_id, week=week, claimed_at=now or datetime.now(UTC), claimed_by=liveness.current(session))
        .on_conflict_do_nothing(index_elements=["team_id", "week"])
        .returning(Digest.id)
    ).first()  # the database's answer, not a row count (psycopg may report -1 for ON CONFLICT DO NOTHING)
    if won is None:
        return None
    return get_digest(session, team_id, week)


def get_digest(session: Session, team_id: int, week: str) -> Digest | None:
    return session.exec(select(Digest).where(Digest.team_id == team_id, Digest.week == week)).first()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def settleable(session: Session, claim: Claim, now: datetime) -> bool:
    """A claim nobody is working on whose post may or may not be in Slack: lost answer, or dead poster (past
    the lease, or its process stopped beating: ``storage.liveness``)."""
    age = _aware(now) - _aware(claim.claimed_at)
    if claim.state == "unknown":
        return age >= SETTLE_AFTER
    if claim.state != "claimed":
        return False
    if age >= CLAIM_LEASE:
        return True
    model = type(claim)
    dead = select(model.id).where(model.id == claim.id, liveness.owner_dead(model.claimed_by, _aware(now)))
    return session.exec(dead).first() is not None


def take_over(session: Session, claim: Claim, now: datetime) -> bool:
    """Become the one settling ``claim`` (back to ``claimed`` at ``now``); False if another process did first."""
    model = type(claim)
    won = session.execute(
        update(model)
        .where(model.id == claim.id, model.state == claim.state, model.claimed_at == claim.claimed_at)
        .values(state="claimed", claimed_at=now, claimed_by=liveness.current(session))
        .returning(model.id)
    ).first()
    return won is not None


def mark_posted(session: Session, digest: Digest, channel_id: str, message_ts: str) -> None:
    digest.state, digest.channel_id, digest.message_ts = "posted", channel_id, message_ts
    digest.posted_at = datetime.now(UTC)
    session.add(digest)


def mark_unknown(session: Session, claim: Claim) -> None:
    """Slack's answer was lost: the post may be there. Settled later, never simply sent again."""
    claim.state = "unknown"
    session.add(claim)


def mark_chart(session: Session, digest: Digest, state: str | None) -> None:
    digest.chart_state = state
    session.add(digest)


def release_claim(session: Session, digest: Digest) -> None:
    """Give a claim back after a post Slack certainly refused, so the next run can try again."""
    session.delete(digest)


def unsettled_charts(session: Session, team_id: int) -> list[Digest]:
    """The team's posted digests whose chart upload had no answer."""
    return list(session.exec(select(Digest).where(Digest.team_id == team_id, Digest.chart_state == "unknown")))


def claim_org_digest(session: Session, channel_id: str, week: str, now: datetime | None = None) -> OrgDigest | None:
    """Claim the week's org roll-up for ``channel_id``; None if it is already claimed or posted."""
    won = session.execute(
        dialect.insert(session, OrgDigest)
        .values(
            channel_id=channel_id, week=week, claimed_at=now or datetime.now(UTC), claimed_by=liveness.current(session)
        )
        .on_conflict_do_nothing(index_elements=["channel_id", "week"])
        .returning(OrgDigest.id)
    ).first()
    if won is None:
        return None
    return get_org_digest(session, channel_id, week)


def get_org_digest(session: Session, channel_id: str, week: str) -> OrgDigest | None:
    return session.exec(select(OrgDigest).where(OrgDigest.channel_id == channel_id, OrgDigest.week == week)).first()


def mark_org_posted(session: Session, claim: OrgDigest, message_ts: str) -> None:
    claim.state, claim.message_ts, claim.posted_at = "posted", message_ts, datetime.now(UTC)
    session.add(claim)
