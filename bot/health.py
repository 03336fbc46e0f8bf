"""Health checks on the web port, for a load balancer or an orchestrator (not Slack: no signature asked):

* ``GET /healthz``: 200 ``ok`` while the process serves HTTP at all. It touches nothing (a liveness probe
  must not fail, and get the process restarted, because the database is away).
* ``GET /readyz``: 200 ``ready`` when the database answers ``SELECT 1`` and its schema is at the newest
  Alembic revision this code has; else 503 ``not ready: <reason>``, the reason one line and generic
  (``database unreachable (OperationalError)``, ``schema at 0009, behind the newest 0010``): the endpoint
  is as public as ``/slack/events``, so never a traceback, a host or a URL. The details (the driver's first
  line, the URL with its password hidden) go to the log, once each time the answer changes.

Both answer HEAD too (headers only), and 405 (``Allow: GET, HEAD``) to any other method. Probes are not logged.
One readiness check runs at a time: a probe that finds one running waits up to ``WAIT`` seconds for it, then
answers 503 (a database that hangs cannot take every web thread with it).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from storage.inspect import error_line, migrations, safe_url, schema_state

logger = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
PATHS = frozenset({HEALTH_PATH, READY_PATH})
WAIT = 5.0  # seconds a probe waits for a readiness check already running
_TEXT = "text/plain;charset=utf-8"


@dataclass(frozen=True)
class Readiness:
    ready: bool
    reason: str  # one generic line, safe for the public answer
    detail: str = ""  # for the log only: the driver's own words (first line), never a password


class ReadinessCheck:
    """``check()``: is the database there, with the newest schema? The migrations are read once."""

    def __init__(self, engine: Engine, wait: float = WAIT) -> None:
        self.engine = engine
        self.wait = wait
        self._script: ScriptDirectory | None = None
        self._running = threading.Lock()
        self._last: Readiness | None = None
        self._logging = threading.Lock()  # concurrent probes: one line per change, not one per probe

    def check(self) -> Readiness:
        if not self._running.acquire(timeout=self.wait):
            result = Readiness(False, f"the database has not answered for {self.wait:g} s")
        else:
            try:
                result = self._check()
            finally:
                self._running.release()
        self._log_change(result)
        return result

    def _check(self) -> Readiness:
        try:
            if self._script is None:
                self._script = migrations(self.engine)
            script = self._script
        except Exception as error:  # a broken install, not a database problem; still one line
            return Readiness(False, f"cannot read the migrations ({type(error).__name__})", str(error)[:200])
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
                try:
                    state = schema_state(connection, script)
                except Exception as error:
                    kind = type(error).__name__
                    return Readiness(
                        False, f"cannot read the schema version ({kind})", error_line(error, self.engine.url)
                    )
        except SQLAlchemyError as error:
            kind = type(error.orig).__name__ if isinstance(error, DBAPIError) and error.orig else type(error).__name__
            return Readiness(False, f"database unreachable ({kind})", error_line(error, self.engine.url))
        except Exception as error:
            return Readiness(
                False, f"readiness check failed ({type(error).__name__})", error_line(error, self.engine.url)
            )
        if not state.is_current:
            return Readiness(False, f"schema {state.describe()}")
        return Readiness(True, "ready")

    def _log_change(self, result: Readiness) -> None:
        """One line when the answer changes (not on every probe): not ready and why, or ready again."""
        with self._logging:
            last, self._last = self._last, result
        if last is not None and (last.ready, last.reason) == (result.ready, result.reason):
            return
        if not result.ready:
            detail = f": {result.detail}" if result.detail else ""
            logger.warning("not ready: %s (%s)%s", result.reason, safe_url(self.engine.url), detail)
        elif last is not None:
            logger.warning("ready again (%s)", safe_url(self.engine.url))


class HealthRoutes:
    """WSGI app for ``/healthz`` and ``/readyz`` (``PATHS``); without an engine, ``/readyz`` is 404."""

    def __init__(self, engine: Engine | None) -> None:
        self.readiness = ReadinessCheck(engine) if engine is not None else None

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        method = environ.get("REQUEST_METHOD")
        if path not in PATHS or (path == READY_PATH and self.readiness is None):
            return _answer(start_response, method, "404 Not Found", "Not Found")
        if method not in ("GET", "HEAD"):
            return _answer(start_response, method, "405 Method Not Allowed", "Method Not Allowed", allow="GET, HEAD")
        if path == HEALTH_PATH:
            return _answer(start_response, method, "200 OK", "ok")
        result = self.readiness.check()
        if result.ready:
            return _answer(start_response, method, "200 OK", "ready")
        return _answer(start_response, method, "503 Service Unavailable", f"not ready: {result.reason}")


def _answer(start_response: Callable, method: str | None, status: str, body: str, allow: str = "") -> list[bytes]:
    data = body.encode()
    headers = [("Content-Type", _TEXT), ("Content-Length", str(len(data))), ("Cache-Control", "no-store")]
    if allow:
        headers.append(("Allow", allow))
    start_response(status, headers)
    return [b"" if method == "HEAD" else data]
