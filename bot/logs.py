"""One line per log record: time, level, logger, the request it belongs to, the message; and nothing secret.

``request_id`` is set for each HTTP request by the guard in front of Slack's endpoint (``bot/http_guard.py``)
and carried into the listener threads (``ContextExecutor``), so every line a request causes shares one id.
Bot and app tokens and ``response_url``s are masked in every line, whoever logs them; request bodies are never
logged by this code.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
SECRETS = re.compile(r"(xox[abposr]-|xapp-)[A-Za-z0-9-]+|https://hooks\.slack\.com/\S+")
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def new_request_id() -> str:
    """A short id for a request, set for everything it logs; returns it."""
    value = uuid.uuid4().hex[:10]
    request_id.set(value)
    return value


class _Context(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class _Redact(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        return SECRETS.sub(lambda m: (m.group(1) or "https://hooks.slack.com/") + "…", line)


def configure(verbose: bool = False) -> None:
    """Set up the root logger: one line per record, request ids, secrets masked. Like ``logging.basicConfig``
    it leaves a root logger that already has handlers (an embedding program's, a test runner's) alone."""
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler()
    handler.addFilter(_Context())
    handler.setFormatter(_Redact(FORMAT))
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO if verbose else logging.WARNING)


class ContextExecutor(ThreadPoolExecutor):
    """Bolt's listener executor, running each listener in the context (request id) of the request."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        context = contextvars.copy_context()
        return super().submit(context.run, fn, *args, **kwargs)
