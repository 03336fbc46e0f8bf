"""Who a usage key is, and ``airetro identities``: mapping opaque keys (API key ids, project ids, LiteLLM
users) to people, and undoing it.

A key resolves to a person by, in order: an explicit mapping (``identities``); being a Slack user ID
(that person, created if new); being an e-mail of a known person, or one Slack resolves
(``users.lookupByEmail``) — the person is then stored with that e-mail. Anything else is
unattributed: its records are kept with no person and reported. Mapping a key later attributes the
records already imported under it (and refreshes the weekly token summaries); unmapping detaches
them again (back to the person the key names by itself, if any).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session

from bot.usage import keys
from bot.usage.overlap import counted_rule
from storage.engine import session_scope
from storage.models import Person
from storage.queries import activity as aq
from storage.queries import identities as iq
from storage.queries import teams as tq
from storage.queries import usage as uq
from storage.queries.usage_staging import lock_usage_writes

EmailLookup = Callable[[str], str | None]  # e-mail → Slack user ID, or None if Slack knows no such user


@dataclass(frozen=True)
class Resolution:
    """Who a key is: a known person, or a Slack user still to be stored (with the e-mail that named them),
    or nobody (both None: unattributed)."""

    person_id: int | None = None
    slack_user_id: str | None = None
    email: str | None = None


class KeyResolver:
    """Resolves keys by reading only (and asking Slack), so an import can resolve every key before it
    writes anything: no write lock is held while Slack answers. ``lookup_email`` is asked at most once
    per key; ``store`` then writes the people a resolution names."""

    def __init__(self, lookup_email: EmailLookup | None = None) -> None:
        self.lookup_email = lookup_email

    def resolve(self, session: Session, key: str) -> Resolution:
        mapped = iq.mapped_person_id(session, key)
        if mapped is not None:
            return Resolution(person_id=mapped)
        if keys.is_slack_id(key):
            known = iq.person_id_by_slack_id(session, key)
            return Resolution(person_id=known) if known is not None else Resolution(slack_user_id=key)
        if keys.is_email(key):
            known = iq.person_id_by_email(session, key)
            if known is not None:
                return Resolution(person_id=known)
            user_id = self.lookup_email(key) if self.lookup_email else None
            return Resolution(slack_user_id=user_id, email=key) if user_id else Resolution()
        return Resolution()


def store(session: Session, slack_user_id: str, email: str | None) -> int:
    """The person a resolution names, created (or given the e-mail) now; their id."""
    return tq.upsert_person(session, slack_user_id, email=email).id


def _known_person(session: Session, key: str) -> int | None:
    """Who the key names by itself, without asking Slack (after an unmap)."""
    if keys.is_slack_id(key):
        return iq.person_id_by_slack_id(session, key)
    if keys.is_email(key):
        return iq.person_id_by_email(session, key)
    return None


@dataclass(frozen=True)
class Reattributed:
    key: str
    slack_user_id: str | None  # who the key's records belong to now (None: nobody)
    previous: str | None  # the Slack user ID the key was mapped to before, if it was
    usage_records: int
    activity_records: int
    summaries: int  # weekly token summaries refreshed


def _reattribute(session: Session, key: str, person_id: int | None) -> tuple[int, int, int]:
    touched = uq.key_person_weeks(session, key)
    usage = uq.attribute_key(session, key, person_id)
    activity = aq.attribute_key(session, key, person_id)
    touched |= uq.key_person_weeks(session, key)
    return usage, activity, uq.refresh_token_summaries(session, touched, counted_rule())


def _slack_id_of(session: Session, person_id: int | None) -> str | None:
    if person_id is None:
        return None
    return session.get(Person, person_id).slack_user_id


def check_key(key: str) -> str:
    """The key as stored (e-mails lower-cased); ValueError if it cannot be mapped."""
    stored = keys.normalise(key)
    if not stored:
        raise ValueError("the key is empty")
    if keys.is_slack_id(stored):
        raise ValueError(f"{stored!r} is a Slack user ID: its usage is already that person's")
    return stored


def map_key(engine: Engine, key: str, slack_user_id: str) -> Reattributed:
    """Map ``key`` to the Slack user: the records already imported under it become theirs."""
    stored = check_key(key)
    if not keys.is_slack_id(slack_user_id):
        raise ValueError(f"{slack_user_id!r} is not a Slack user ID (like U0123ABCD)")
    with session_scope(engine) as session:
        lock_usage_writes(session)  # an import running now recomputes its summaries after this, or before
        old = iq.get_mapping(session, stored)
        previous = _slack_id_of(session, old.person_id) if old is not None else None
        person = tq.upsert_person(session, slack_user_id)
        iq.set_mapping(session, stored, person.id)
        usage, activity, summaries = _reattribute(session, stored, person.id)
    return Reattributed(stored, slack_user_id, previous, usage, activity, summaries)


def unmap_key(engine: Engine, key: str) -> Reattributed:
    """Remove the mapping of ``key``; its records go back to whoever the key names by itself, or nobody.
    LookupError if the key is not mapped."""
    stored = keys.normalise(key)
    with session_scope(engine) as session:
        lock_usage_writes(session)
        old = iq.get_mapping(session, stored)
        if old is None:
            raise LookupError(f"{stored!r} is not mapped (see `airetro identities list`)")
        previous = _slack_id_of(session, old.person_id)
        iq.delete_mapping(session, stored)
        person_id = _known_person(session, stored)
        usage, activity, summaries = _reattribute(session, stored, person_id)
        now = _slack_id_of(session, person_id)
    return Reattributed(stored, now, previous, usage, activity, summaries)


@dataclass(frozen=True)
class Listing:
    mappings: list[iq.Mapping]
    unattributed: list[tuple[str, int]]  # the keys with most unattributed records first
    unattributed_total: int  # how many unattributed keys in all


def list_identities(engine: Engine, limit: int = 20) -> Listing:
    with session_scope(engine) as session:
        mappings = iq.list_mappings(session)
        top, total = iq.unattributed_keys(session, limit)
    return Listing(mappings, top, total)
