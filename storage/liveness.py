"""Which processes are alive: each AI Retro process that may claim work (web, scheduler, a CLI command)
registers a row in ``processes`` and renews its ``beat_at`` every ``BEAT`` from a daemon thread. A claim
carries its process's id (``claimed_by``); when that process has not beaten for ``DEAD_AFTER`` (killed,
crashed, host gone) its claims are settled at once, through the same history check as after the lease.
A process that never registered (tests, the demo) claims with no id, and its claims keep the lease."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, delete, exists, select, update
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session

from storage.models import Process

log = logging.getLogger(__name__)
BEAT = timedelta(seconds=5)
DEAD_AFTER = timedelta(seconds=20)
FORGET_AFTER = timedelta(days=1)  # rows of processes gone this long are removed

_registered: dict[str, str] = {}  # database URL → this process's id there
_lock = threading.Lock()
FAILED_BEATS = 3  # a database gone this many beats in a row (a test's, say): stop beating for it


def _key(bind: Engine | Connection | Session) -> str:
    engine = bind.get_bind() if isinstance(bind, Session) else bind
    return engine.url.render_as_string(hide_password=True)


def current(bind: Engine | Connection | Session) -> str | None:
    """This process's id in ``bind``'s database, if it registered there (what claims record as ``claimed_by``)."""
    return _registered.get(_key(bind))


def start(engine: Engine, kind: str) -> str:
    """Register this process and keep its heartbeat going (daemon thread) until it exits; returns its id."""
    key = _key(engine)
    with _lock:
        if key in _registered:
            return _registered[key]
        process_id = f"{socket.gethostname()[:40]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        now = datetime.now(UTC)
        with engine.begin() as connection:
            connection.execute(
                Process.__table__.insert().values(
                    id=process_id, kind=kind[:100], host=socket.gethostname()[:200], pid=os.getpid(), started_at=now,
                    beat_at=now,
                )
            )  # fmt: skip
            connection.execute(delete(Process).where(Process.beat_at < now - FORGET_AFTER))
        _registered[key] = process_id
    threading.Thread(target=_beat, args=(engine, key, process_id), name="airetro-heartbeat", daemon=True).start()
    return process_id


def _beat(engine: Engine, key: str, process_id: str) -> None:
    failed = 0
    stop = threading.Event()
    while not stop.wait(BEAT.total_seconds()):
        if _registered.get(key) != process_id:  # forgotten (a test emptied the database): stop beating there
            return
        try:
            with engine.begin() as connection:
                now = datetime.now(UTC)
                beat = connection.execute(
                    update(Process).where(Process.id == process_id).values(beat_at=now).returning(Process.id)
                ).first()
                if beat is None:  # our row was removed (pruned, a database restored): stand up again
                    connection.execute(
                        Process.__table__.insert().values(
                            id=process_id, kind="restored", host=socket.gethostname()[:200], pid=os.getpid(),
                            started_at=now, beat_at=now,
                        )
                    )  # fmt: skip
            failed = 0
        except Exception as error:  # noqa: BLE001 - the next beat tries again; a long gap only means others settle
            failed += 1
            log.warning("heartbeat failed (%s); trying again in %ss", error.__class__.__name__, BEAT.seconds)
            if failed >= FAILED_BEATS:
                with _lock:
                    _registered.pop(key, None)
                return


def forget(engine: Engine) -> None:
    """Stop counting this process as registered in ``engine``'s database (a test that emptied it): its claims
    carry no process id from now on, as before it registered."""
    with _lock:
        _registered.pop(_key(engine), None)


def owner_dead(owner: ColumnElement, now: datetime) -> ColumnElement[bool]:
    """SQL: the claim's process (``owner``, a ``claimed_by`` column) registered and has stopped beating."""
    alive = exists(select(Process.id).where(Process.id == owner, Process.beat_at >= now - DEAD_AFTER))
    return owner.is_not(None) & ~alive
