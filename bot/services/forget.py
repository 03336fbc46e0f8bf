"""``/airetro forget-me``: what AI Retro holds about a person, and deleting all of it.

A person is known by their Slack user ID and their e-mail (stored, and as Slack's profile has it).
Everything about them hangs off their ``people`` row (team memberships and manager roles,
prompt deliveries → logged moments, token summaries, usage and provider activity records mapped to
them, identity mappings of usage keys to them), plus usage and activity records and identity
mappings whose key is their Slack ID or e-mail. Deleting is one transaction, so a repeated request
finds nothing left and deletes nothing more.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import Engine, delete, func, or_
from sqlmodel import Session, select

from bot.digest.stored import without_author
from bot.usage.overlap import counted_rule
from storage.engine import session_scope
from storage.models import (
    ActivityEvent,
    ActivityRecord,
    Delivery,
    Moment,
    Person,
    TeamManager,
    TeamMember,
    TokenSummary,
    UsageEvent,
    UsageRecord,
)
from storage.models import Identity as IdentityMapping
from storage.queries import published as pq
from storage.queries import teams as tq
from storage.queries.usage import refresh_token_summaries
from storage.weeks import week_key

log = logging.getLogger(__name__)

SYNCED_MEMBERSHIPS = ("channel", "usergroup")


@dataclass(frozen=True)
class Identity:
    """Who a request is about: the Slack user ID it came from and the e-mails known for them."""

    user_id: str
    emails: frozenset[str] = frozenset()

    @property
    def keys(self) -> frozenset[str]:
        """Every ``usage_records.person_key`` that names this person."""
        return frozenset({self.user_id, *self.emails})


@dataclass(frozen=True)
class Holdings:
    """What is held about a person (before deleting) or what was deleted (after)."""

    moments: int = 0
    answers: int = 0  # weekly prompts to them and their answers (deliveries)
    token_summaries: int = 0
    usage_records: int = 0
    memberships: int = 0
    manager_roles: int = 0
    person: int = 0  # their people row (name, e-mail, time zone, pause setting)
    activity_records: int = 0  # provider activity (Claude Code analytics) mapped to them or keyed by them
    identities: int = 0  # explicit mappings of usage keys to them, or of their Slack ID / e-mail
    named_highlights: int = 0  # moments they shared with their name, kept in closed weeks' stored digests
    last_manager_of: tuple[str, ...] = ()  # teams left with no manager once they are gone
    synced_teams: tuple[str, ...] = ()  # their teams whose members are re-read from a channel / user group

    @property
    def empty(self) -> bool:
        return not (
            self.moments
            or self.answers
            or self.token_summaries
            or self.usage_records
            or self.memberships
            or self.manager_roles
            or self.person
            or self.activity_records
            or self.identities
            or self.named_highlights
        )


def slack_email(client: WebClient, user_id: str) -> str | None:
    """The e-mail on the user's Slack profile (``users.info``, needs ``users:read.email``); None on error."""
    try:
        email = client.users_info(user=user_id)["user"].get("profile", {}).get("email")
    except (SlackApiError, SlackClientError) as exc:
        log.warning("users.info for %s failed (%s): only the stored e-mail is used", user_id, exc)
        return None
    return email.lower() if email else None


def identity(engine: Engine, client: WebClient, user_id: str) -> Identity:
    """The caller's identity keys: Slack ID, stored e-mail and Slack profile e-mail."""
    with session_scope(engine) as session:
        person = tq.get_person(session, user_id)
        stored = person.email.lower() if person is not None and person.email else None
    emails = {e for e in (stored, slack_email(client, user_id)) if e}
    return Identity(user_id, frozenset(emails))


def _count(session: Session, query: object) -> int:
    return int(session.exec(query).one())


def _usage_filter(person: Person | None, keys: Iterable[str]) -> object:
    keyed = UsageRecord.person_key.in_(sorted(keys))
    return or_(UsageRecord.person_id == person.id, keyed) if person is not None else keyed


def _activity_filter(person: Person | None, keys: Iterable[str]) -> object:
    keyed = ActivityRecord.person_key.in_(sorted(keys))
    return or_(ActivityRecord.person_id == person.id, keyed) if person is not None else keyed


def _identity_filter(person: Person | None, keys: Iterable[str]) -> object:
    keyed = IdentityMapping.key.in_(sorted(keys))
    return or_(IdentityMapping.person_id == person.id, keyed) if person is not None else keyed


def _count_of(session: Session, model: type, where: object) -> int:
    return _count(session, select(func.count()).select_from(model).where(where))


def _team_notes(session: Session, person: Person) -> tuple[tuple[str, ...], tuple[str, ...]]:
    managed = tq.managed_by(session, person.slack_user_id)
    last = tuple(t.name for t in managed if len(tq.team_managers(session, t.id)) == 1)
    synced = tuple(t.name for t in tq.teams_of(session, person.slack_user_id) if t.membership in SYNCED_MEMBERSHIPS)
    return last, synced


def _named_highlights(session: Session, user_id: str) -> list[tuple[object, dict | None]]:
    """Stored weeks with highlights shared under ``user_id``'s name, and each week without them."""
    found = [(row, without_author(row.figures, user_id)) for row in pq.with_highlights_of(session, user_id)]
    return [(row, kept) for row, kept in found if kept is not None]


def _highlight_count(rows: list[tuple[object, dict | None]], user_id: str) -> int:
    return sum(sum(1 for h in row.figures.get("highlights", []) if h[3] == user_id) for row, _ in rows)


def _holdings(session: Session, who: Identity) -> Holdings:
    person = tq.get_person(session, who.user_id)
    named = _highlight_count(_named_highlights(session, who.user_id), who.user_id)
    usage = _count(session, select(func.count()).select_from(UsageRecord).where(_usage_filter(person, who.keys)))
    activity = _count_of(session, ActivityRecord, _activity_filter(person, who.keys))
    identities = _count_of(session, IdentityMapping, _identity_filter(person, who.keys))
    if person is None:
        return Holdings(usage_records=usage, activity_records=activity, identities=identities, named_highlights=named)
    pid = person.id
    deliveries = select(Delivery.id).where(Delivery.person_id == pid)
    last, synced = _team_notes(session, person)
    return Holdings(
        moments=_count(session, select(func.count()).select_from(Moment).where(Moment.delivery_id.in_(deliveries))),
        answers=_count(session, select(func.count()).select_from(Delivery).where(Delivery.person_id == pid)),
        token_summaries=_count(
            session, select(func.count()).select_from(TokenSummary).where(TokenSummary.person_id == pid)
        ),
        usage_records=usage,
        memberships=_count(session, select(func.count()).select_from(TeamMember).where(TeamMember.person_id == pid)),
        manager_roles=_count(
            session, select(func.count()).select_from(TeamManager).where(TeamManager.person_id == pid)
        ),
        person=1,
        activity_records=activity,
        identities=identities,
        named_highlights=named,
        last_manager_of=last,
        synced_teams=synced,
    )


def holdings(engine: Engine, who: Identity) -> Holdings:
    """What would be deleted for ``who`` (shown in the confirmation)."""
    with session_scope(engine) as session:
        return _holdings(session, who)


def forget(engine: Engine, who: Identity) -> Holdings:
    """Delete every row about ``who``; returns what was deleted (all zero when nothing was left).

    Rows are deleted explicitly, children first, rather than left to ``ON DELETE CASCADE``, so
    nothing depends on the connection's foreign-key setting and the counts are the rows deleted.
    A usage record keyed by their ID or e-mail but mapped to someone else is deleted too (the key
    names them); that someone's token summaries are recomputed.
    """
    with session_scope(engine) as session:
        found = _holdings(session, who)
        if found.empty:
            return found
        person = tq.get_person(session, who.user_id)
        usage_filter = _usage_filter(person, who.keys)
        others = {
            (person_id, week_key(day))
            for person_id, day in session.exec(
                select(UsageRecord.person_id, UsageRecord.day).where(usage_filter, UsageRecord.person_id.is_not(None))
            )
            if person is None or person_id != person.id
        }
        # the single requests behind those records (LiteLLM, Cursor, OpenTelemetry) go with them
        keyed = select(UsageRecord.person_key).where(usage_filter).distinct()
        session.execute(delete(UsageEvent).where(UsageEvent.person_key.in_(keyed)))
        usage = session.execute(delete(UsageRecord).where(usage_filter)).rowcount
        # the activity data points behind those records (OpenTelemetry) go with them
        activity_keys = select(ActivityRecord.person_key).where(_activity_filter(person, who.keys)).distinct()
        session.execute(delete(ActivityEvent).where(ActivityEvent.person_key.in_(activity_keys)))
        activity = session.execute(delete(ActivityRecord).where(_activity_filter(person, who.keys))).rowcount
        identities = session.execute(delete(IdentityMapping).where(_identity_filter(person, who.keys))).rowcount
        # Closed weeks keep their figures (team aggregates over at least the floor, not personal data), but
        # a highlight shared under their name leaves the stored digest; anonymous ones carry no name.
        highlighted = _named_highlights(session, who.user_id)
        named = _highlight_count(highlighted, who.user_id)
        for row, kept in highlighted:
            pq.replace_figures(session, row, kept)
        if person is None:
            refresh_token_summaries(session, others, counted_rule())
            return Holdings(
                usage_records=usage, activity_records=activity, identities=identities, named_highlights=named
            )
        pid = person.id
        deliveries = select(Delivery.id).where(Delivery.person_id == pid)
        deleted = Holdings(
            moments=session.execute(delete(Moment).where(Moment.delivery_id.in_(deliveries))).rowcount,
            answers=session.execute(delete(Delivery).where(Delivery.person_id == pid)).rowcount,
            token_summaries=session.execute(delete(TokenSummary).where(TokenSummary.person_id == pid)).rowcount,
            usage_records=usage,
            memberships=session.execute(delete(TeamMember).where(TeamMember.person_id == pid)).rowcount,
            manager_roles=session.execute(delete(TeamManager).where(TeamManager.person_id == pid)).rowcount,
            person=session.execute(delete(Person).where(Person.id == pid)).rowcount,
            activity_records=activity,
            identities=identities,
            named_highlights=named,
            last_manager_of=found.last_manager_of,
            synced_teams=found.synced_teams,
        )
        refresh_token_summaries(session, others, counted_rule())
    log.info("forgot %s: %s", who.user_id, deleted)
    return deleted
