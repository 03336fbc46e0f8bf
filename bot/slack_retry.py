"""Which Slack calls the Web API client may repeat on its own, and which it must not.

A repeated ``chat.postMessage`` is a second message: Slack has no idempotency key. So the client
retries automatically only what is safe to repeat:

* a 429 answer (``RateLimitErrorRetryHandler`` honours ``Retry-After``): Slack did nothing;
* a connection that never carried the request (refused, or the host not found): nothing was sent;
* any connection trouble on a call that changes nothing or lands in the same state when repeated
  (reads, ``chat.update``, ``views.publish``/``views.update``, ``conversations.open``).

Any other failure of a call that creates something leaves its outcome *unknown*; the caller settles it
by looking for the message's metadata (``bot.services.once``) before anything is sent again.
"""

from __future__ import annotations

import socket
from http.client import RemoteDisconnected
from urllib.error import URLError

from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

# Calls that create something each time they are made: never repeated after they may have been sent.
CREATING = frozenset(
    {
        "chat.postMessage",
        "chat.postEphemeral",
        "chat.scheduleMessage",
        "files.completeUploadExternal",
        "files.getUploadURLExternal",
        "views.open",
        "views.push",
    }
)


def method_of(url: str) -> str:
    """``chat.postMessage`` from ``https://slack.com/api/chat.postMessage?x=1``."""
    return url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


def never_sent(error: BaseException | None) -> bool:
    """True when the request certainly never reached Slack: the connection was refused or the name did
    not resolve (urllib wraps both in ``URLError`` while connecting)."""
    if not isinstance(error, URLError):
        return False
    reason = error.reason
    return isinstance(reason, ConnectionRefusedError | socket.gaierror)


def connection_trouble(error: BaseException | None) -> bool:
    return isinstance(error, URLError | ConnectionError | RemoteDisconnected | TimeoutError)


class SafeConnectionRetryHandler(RetryHandler):
    """Retries connection errors only where repeating the call cannot post anything twice."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is not None or error is None:  # an HTTP answer came back: not a connection problem
            return False
        if never_sent(error):
            return True
        return connection_trouble(error) and method_of(request.url) not in CREATING
