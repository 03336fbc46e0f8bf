"""Property tests over ``/slack/events`` on a real HTTP server: arbitrary methods, paths, headers and bodies.

Unsigned (or wrongly signed) requests: always a 4xx, never a traceback, at most one log line (the guard's),
no database change. Requests signed with the right secret around arbitrary bodies: never a 5xx and never a
traceback from the HTTP layer (the guard, waitress, Bolt's request parsing and middleware).
"""

from __future__ import annotations

import json
import logging
import string
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.listeners.test_guard import (
    FORM,
    GUARD_LOGGER,
    JSON,
    PATH,
    Header,
    Served,
    exchange,
    row_counts,
    serving,
    sign,
    tracebacks,
)

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# where an exception in answering a request is reported; listeners' own errors (after the ack, in Bolt's
# worker threads, logged by the listener) are the listeners' business, not the HTTP layer's
HTTP_LAYER = ("bot.http_guard", "waitress", "slack_bolt.App", "slack_bolt.middleware")


class Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serving(tmp_path_factory.mktemp("fuzz")) as served:
        yield served


@pytest.fixture(scope="module")
def logs() -> Iterator[Collector]:
    collector = Collector()
    root = logging.getLogger()
    level = root.level
    root.addHandler(collector)
    root.setLevel(logging.INFO)
    yield collector
    root.removeHandler(collector)
    root.setLevel(level)


# -- strategies

_visible = st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_characters="\x7f")
header_names = st.sampled_from(
    ["X-Slack-Request-Timestamp", "X-Slack-Signature", "Content-Type", "x-slack-signature", "X-Slack-Retry-Num",
     "X-Slack-Retry-Reason", "Accept", "Expect", "Connection", "Cookie", "X_Slack_Signature"]
) | st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1, max_size=30)  # fmt: skip
header_values = st.text(alphabet=_visible, max_size=200)
headers = st.lists(st.tuples(header_names, header_values), max_size=12).map(
    lambda hs: [(k, v) for k, v in hs if k.lower() not in ("content-length", "transfer-encoding", "expect")]
)
# mostly what reaches the signature check (POST to the endpoint), with every other method and path too
methods = st.one_of(
    st.just("POST"),
    st.just("POST"),
    st.just("POST"),
    st.sampled_from(["GET", "PUT", "HEAD", "DELETE", "PATCH", "OPTIONS"]),
    st.text(alphabet=string.ascii_uppercase, min_size=1, max_size=10),
)
paths = st.one_of(
    st.just(PATH),
    st.just(PATH),
    st.just(PATH),
    st.sampled_from([PATH + "?x=1", PATH + "/", "/", "/v1/metrics", "/slack/install"]),
    st.text(alphabet=string.ascii_letters + string.digits + "/%._-~?=&+", max_size=60).map(lambda p: "/" + p),
)
content_types = st.sampled_from([JSON, FORM, JSON + "; charset=utf-8", "text/plain", "Application/JSON", ""])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
slack_keys = st.sampled_from(
    ["type", "event", "authorizations", "enterprise", "team", "user", "channel", "container", "view", "message",
     "actions", "command", "team_id", "enterprise_id", "is_enterprise_install", "token", "challenge", "event_id",
     "function_data", "callback_id", "trigger_id", "api_app_id", "user_id", "channel_id", "bot_id", "state",
     "is_ext_shared_channel", "context_team_id", "subtype", "ssl_check"]
)  # fmt: skip
slack_types = st.sampled_from(
    ["event_callback", "block_actions", "view_submission", "view_closed", "shortcut", "message_action",
     "url_verification", "block_suggestion", "interactive_message", "dialog_submission", "app_rate_limited",
     "function_executed", "app_home_opened", "message", "app_uninstalled", "tokens_revoked"]
)  # fmt: skip
slack_like = st.dictionaries(
    slack_keys,
    json_values | slack_types | st.dictionaries(slack_keys, json_values | slack_types, max_size=5),
    max_size=8,
)
slack_json = slack_like.map(lambda v: json.dumps(v).encode())
slack_form = slack_like.map(lambda v: urlencode({"payload": json.dumps(v)}).encode())
# what a body may be: bytes, JSON of anything, a Slack-shaped object (as JSON or as the form field payload)
bodies = st.one_of(
    st.binary(max_size=2048),
    json_values.map(lambda v: json.dumps(v).encode()),
    slack_json,
    slack_form,
    st.text(max_size=200).map(lambda t: urlencode({"payload": t}).encode()),
    st.dictionaries(st.text(max_size=10), st.text(max_size=20), max_size=5).map(lambda d: urlencode(d).encode()),
)
# signed: half the time a Slack-shaped object with the content type Slack would give it, to get past the guard
signed_bodies = st.one_of(
    st.tuples(bodies, content_types),
    st.tuples(slack_json, st.sampled_from([JSON, JSON + "; charset=utf-8"])),
    st.tuples(slack_form, st.just(FORM)),
)


@st.composite
def forged_slack_headers(draw: st.DrawFn, body: bytes) -> list[Header]:
    """Slack's two headers, each absent, garbage, or plausible; the signature never made with our secret."""
    fresh = str(int(time.time()))
    timestamp = draw(st.none() | st.just(fresh) | header_values | st.integers(-(10**12), 10**12).map(str))
    signature = draw(
        st.none()
        | header_values
        | st.text(alphabet="0123456789abcdef", min_size=64, max_size=64).map(lambda h: "v0=" + h)
        | st.text(min_size=1, max_size=20).map(lambda s: sign(body, fresh, "x" + s))
    )
    out: list[Header] = []
    if timestamp is not None:
        out.append(("X-Slack-Request-Timestamp", timestamp))
    if signature is not None:
        out.append(("X-Slack-Signature", signature))
    return out


def _layer_tracebacks(records: list[logging.LogRecord]) -> list[logging.LogRecord]:
    return [r for r in tracebacks(records) if r.name.startswith(HTTP_LAYER)]


@FUZZ
@given(data=st.data(), method=methods, path=paths, extra=headers, body=bodies, content_type=content_types)
def test_unsigned_requests_get_4xx_one_line_and_change_nothing(
    served: Served, logs: Collector, data: st.DataObject, method, path, extra, body, content_type
):
    slack_headers = data.draw(forged_slack_headers(body))
    request_headers = [("Content-Type", content_type), *slack_headers, *extra]
    before = row_counts(served.engine)
    logs.records.clear()
    status, _ = exchange(served.port, (method, path, request_headers, body))
    event(f"HTTP {status}")
    assert 400 <= status < 500
    assert tracebacks(logs.records) == []
    assert len([r for r in logs.records if r.name == GUARD_LOGGER]) <= 1
    assert [r for r in logs.records if r.name != GUARD_LOGGER and r.levelno >= logging.WARNING] == []
    assert row_counts(served.engine) == before


@FUZZ
@given(body_and_type=signed_bodies, extra=headers)
def test_signed_arbitrary_bodies_never_get_5xx_or_a_traceback(
    served: Served, logs: Collector, body_and_type: tuple[bytes, str], extra: list[Header]
):
    body, content_type = body_and_type
    ts = str(int(time.time()))
    extra = [(k, v) for k, v in extra if k.lower().replace("_", "-") not in ("x-slack-signature", "content-type")]
    extra = [(k, v) for k, v in extra if k.lower() != "x-slack-request-timestamp"]
    request_headers = [("Content-Type", content_type), ("X-Slack-Request-Timestamp", ts), *extra]
    request_headers.append(("X-Slack-Signature", sign(body, ts)))
    logs.records.clear()
    status, _ = exchange(served.port, ("POST", PATH, request_headers, body))
    event(f"HTTP {status}")
    assert status < 500
    assert _layer_tracebacks(logs.records) == []
    assert len([r for r in logs.records if r.name == GUARD_LOGGER]) <= 1
