"""One scheduler at a time: several ``airetro scheduler`` processes (or web processes running the schedule) may
run, and exactly one of them, the leader, runs the jobs; the others stand by and take over when it dies.

The database decides, not process memory. On PostgreSQL the leader holds a session-level advisory lock on a
connection of its own: the lock is gone the moment that session ends (the process died, was killed, or lost
its network), so a standby polling ``pg_try_advisory_lock`` takes over within ``POLL_SECONDS``. On SQLite,
whose processes share one disk, the leader holds an exclusive ``flock`` on a file beside the database, which
the kernel releases when the process dies. APScheduler's job store is therefore only ever used by one
scheduler at a time, as its documentation requires; and every prompt, reminder, digest and pull is still
claimed in the database before it is sent, so even two leaders by mistake would send nothing twice.
"""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path

from sqlalchemy import Connection, Engine

log = logging.getLogger(__name__)
LEADER_LOCK = 7_402_611_338  # pg advisory lock key: "airetro scheduler leader"
POLL_SECONDS = 2.0  # how often a standby tries to become the leader, and the leader checks it still is


class Leadership:
    """``acquire()`` without waiting; ``still_held()`` while leading; ``release()`` on the way out."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._connection: Connection | None = None
        self._file = None

    @property
    def held(self) -> bool:
        return self._connection is not None or self._file is not None

    def acquire(self) -> bool:
        """Become the leader if nobody is; True when this process leads (already, or from now on)."""
        if self.held:
            return self.still_held()
        if self.engine.dialect.name == "postgresql":
            return self._acquire_postgres()
        return self._acquire_file()

    def _acquire_postgres(self) -> bool:
        connection = self.engine.connect()
        try:
            won = connection.exec_driver_sql(f"SELECT pg_try_advisory_lock({LEADER_LOCK})").scalar()
            connection.commit()
        except Exception:
            connection.close()
            raise
        if not won:
            connection.close()
            return False
        self._connection = connection
        return True

    def _acquire_file(self) -> bool:
        path = _lock_path(self.engine)
        if path is None:  # an in-memory database has no other process to share it with
            self._file = open(os.devnull)  # noqa: SIM115 - held for the leadership's lifetime
            return True
        handle = open(path, "a")  # noqa: SIM115 - held for the leadership's lifetime
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True

    def still_held(self) -> bool:
        """False when the lock's session is gone (the database restarted, the network dropped): stop leading."""
        if self._connection is None:
            return self._file is not None
        try:
            self._connection.exec_driver_sql("SELECT 1").scalar()
            self._connection.commit()
        except Exception as error:  # noqa: BLE001 - any failure means the session, and so the lock, may be gone
            log.warning("lost the scheduler lead (%s); standing by", error.__class__.__name__)
            self._drop()
            return False
        return True

    def release(self) -> None:
        if self._connection is not None:
            try:
                self._connection.exec_driver_sql(f"SELECT pg_advisory_unlock({LEADER_LOCK})")
                self._connection.commit()
            except Exception:  # noqa: BLE001 - closing the session releases it anyway
                pass
        self._drop()

    def _drop(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:  # noqa: BLE001 - already broken
                pass
            self._connection = None
        if self._file is not None:
            self._file.close()  # releases the flock
            self._file = None


def _lock_path(engine: Engine) -> Path | None:
    url = engine.url
    if not url.database or url.database == ":memory:":
        return None
    path = Path(url.database).expanduser()
    return path.with_name(path.name + ".scheduler-lock")
