"""The Bolt app factory. Nothing here needs a token at import time."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from sqlalchemy import Engine

from bot.config import Settings
from bot.listeners import register_listeners
from bot.logs import ContextExecutor
from bot.slack_retry import SafeConnectionRetryHandler

LISTENER_THREADS = 10  # Bolt's own default


def make_client(settings: Settings) -> WebClient:
    """A Web API client for ``settings.slack_api_url`` that retries a 429 (honouring Retry-After) and a
    connection error only where the call is safe to repeat (``bot.slack_retry``); it gives up on an
    answer after ``SLACK_API_TIMEOUT`` seconds."""
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.api_url,
        timeout=settings.slack_api_timeout,
        retry_handlers=[SafeConnectionRetryHandler(max_retry_count=2), RateLimitErrorRetryHandler(max_retry_count=5)],
    )


class _ClientTokenNotice(logging.Filter):
    """Bolt warns that SLACK_BOT_TOKEN is unused when a client is given; ours carries that very token."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def create_app(settings: Settings, engine: Engine, *, verify_token: bool = True) -> App:
    logging.getLogger("slack_bolt.App").addFilter(_ClientTokenNotice())
    app = App(
        client=make_client(settings),
        signing_secret=settings.slack_signing_secret or "",
        token_verification_enabled=verify_token,
        process_before_response=False,
        listener_executor=ContextExecutor(max_workers=LISTENER_THREADS),  # listeners log with their request's id
    )

    def inject_engine(context: BoltContext, next: Callable[[], None]) -> None:  # noqa: A002 - Bolt's name
        context["engine"] = engine
        next()

    app.use(inject_engine)
    register_listeners(app)
    return app
