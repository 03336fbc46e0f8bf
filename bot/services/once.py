"""Posting to Slack once, when Slack's answer can be lost.

A post has one of three outcomes:

* ``posted``: Slack answered with the message's channel and ts;
* ``refused``: Slack certainly did not post it (an ``ok: false`` answer such as ``not_in_channel``, a
  429 after every retry, a connection that never carried the request);
* ``unknown``: the request went out and no trustworthy answer came back (a timeout, a dropped
  connection, a 5xx, Slack's own ``internal_error``). The message may or may not be there.

An unknown post is never simply sent again: every post that must happen once carries message metadata
naming what it is (``event_type`` + a key), and an unknown one is *settled* by reading the conversation's
history for that metadata (``find_posted``): found, it is recorded as posted; not found, it may be sent.
Reading history needs ``channels:history``, ``groups:history`` and ``im:history`` (see manifest.yml).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.models.metadata import Metadata

from bot.slack_retry import never_sent

log = logging.getLogger(__name__)

# Slack's answers that say "something went wrong on our side": the call may have gone through.
AMBIGUOUS_ERRORS = frozenset({"internal_error", "fatal_error", "service_unavailable", "request_timeout"})
HISTORY_PAGES = 10  # pages of 200 messages read when settling: far more than a channel gets in a few minutes

Outcome = Literal["posted", "refused", "unknown"]


@dataclass(frozen=True)
class PostResult:
    outcome: Outcome
    channel: str | None = None
    ts: str | None = None
    error: str = ""  # Slack's error code when refused; what went wrong when unknown

    @property
    def posted(self) -> bool:
        return self.outcome == "posted"


class CannotCheck(Exception):
    """Slack could not be asked whether a message is there; the outcome stays unknown for now."""


def outcome_of(error: BaseException) -> PostResult:
    """What a failed Web API call tells about whether it took effect."""
    if isinstance(error, SlackApiError):
        status = getattr(error.response, "status_code", 200)
        code = str(error.response.get("error", "") or "")
        if status == 429 or code == "ratelimited":
            return PostResult("refused", error="ratelimited")
        if status >= 500 or code in AMBIGUOUS_ERRORS:
            return PostResult("unknown", error=code or f"HTTP {status}")
        return PostResult("refused", error=code or f"HTTP {status}")
    if never_sent(error):
        return PostResult("refused", error="cannot reach Slack")
    if isinstance(error, SlackClientError | OSError):
        return PostResult("unknown", error=f"no answer from Slack ({error.__class__.__name__})")
    raise error


def post(client: WebClient, **kwargs: Any) -> PostResult:
    """``chat.postMessage`` with ``kwargs``; its outcome, never an exception for a Slack or network failure."""
    try:
        response = client.chat_postMessage(**kwargs)
    except Exception as error:  # noqa: BLE001 - sorted into refused/unknown, anything else re-raised
        result = outcome_of(error)
        log.warning("chat.postMessage to %s: %s (%s)", kwargs.get("channel"), result.outcome, result.error)
        return result
    return PostResult("posted", response["channel"], response["ts"])


def matches(message: dict, event_type: str, key: dict[str, Any]) -> bool:
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    return metadata.get("event_type") == event_type and all(payload.get(k) == v for k, v in key.items())


def find_posted(client: WebClient, channel: str, event_type: str, key: dict[str, Any], since: datetime) -> str | None:
    """The ts of the message in ``channel`` whose metadata is ``event_type`` with ``key`` in its payload,
    posted since ``since`` (newest pages first, stopping an hour before ``since``: clocks differ); None when
    there is none. Raises ``CannotCheck`` when Slack cannot be asked."""
    stop = since.timestamp() - 3600
    cursor = None
    try:
        for _page in range(HISTORY_PAGES):
            history = client.conversations_history(channel=channel, include_all_metadata=True, limit=200, cursor=cursor)
            messages = history.get("messages", [])
            for message in messages:
                if matches(message, event_type, key):
                    return str(message["ts"])
            cursor = (history.get("response_metadata") or {}).get("next_cursor")
            older = messages and float(messages[-1].get("ts", 0)) < stop
            if older or not history.get("has_more") or not cursor:
                return None
    except (SlackClientError, OSError) as error:
        raise CannotCheck(f"cannot read {channel}'s history ({error.__class__.__name__})") from None
    raise CannotCheck(f"more than {HISTORY_PAGES} pages of history in {channel} since {since:%H:%M}")


def file_in_thread(client: WebClient, channel: str, thread_ts: str, filename: str) -> bool:
    """Whether a file named ``filename`` is shared in the thread of ``thread_ts``; ``CannotCheck`` if
    Slack cannot be asked."""
    cursor = None
    try:
        for _page in range(HISTORY_PAGES):
            replies = client.conversations_replies(channel=channel, ts=thread_ts, limit=200, cursor=cursor)
            for message in replies.get("messages", []):
                if any(f.get("name") == filename for f in message.get("files") or []):
                    return True
            cursor = (replies.get("response_metadata") or {}).get("next_cursor")
            if not replies.get("has_more") or not cursor:
                return False
    except (SlackClientError, OSError) as error:
        raise CannotCheck(f"cannot read the thread in {channel} ({error.__class__.__name__})") from None
    raise CannotCheck(f"more than {HISTORY_PAGES} pages of replies in {channel}")


def metadata(event_type: str, key: dict[str, Any]) -> Metadata:
    return Metadata(event_type=event_type, event_payload=key)


def post_settled(
    client: WebClient, *, channel: str, event_type: str, key: dict[str, Any], since: datetime, **kwargs: Any
) -> PostResult:
    """Post once with metadata ``event_type``/``key``; if the outcome is unknown, look for the message right
    away (it is usually there: Slack posted and the answer was lost) and report what is known."""
    result = post(client, channel=channel, metadata=metadata(event_type, key), **kwargs)
    if result.outcome != "unknown":
        return result
    return settle(client, channel, event_type, key, since, unknown=result)


def settle(
    client: WebClient, channel: str, event_type: str, key: dict[str, Any], since: datetime, *, unknown: PostResult
) -> PostResult:
    """``posted`` if the message is in ``channel``, else ``unknown`` still (not there yet, or history
    could not be read): the caller decides when to send again, never before a check said it is not there."""
    try:
        ts = find_posted(client, channel, event_type, key, since)
    except CannotCheck as error:
        log.warning("could not settle a %s post in %s: %s", event_type, channel, error)
        return unknown
    if ts is None:
        return PostResult("unknown", error=unknown.error or "not found")
    return PostResult("posted", channel, ts)
