"""Claude Code's OpenTelemetry metrics sent to ``/v1/metrics`` of the running app over real HTTP, as Claude Code's
exporter sends them (protobuf or JSON, gzip or not, a bearer token): what is stored per person and day, and
what a person then sees as their week's tokens, dollars and activity."""

from __future__ import annotations

import gzip
import json
import logging
import os

import pytest
from google.rpc import status_pb2
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceResponse
from sqlmodel import Session

from bot.config import ConfigError, load_settings
from bot.services import forget as forget_service
from storage.queries.activity import activity_by_person_week
from storage.queries.teams import get_person
from storage.queries.usage import token_summaries
from tests.otlp.conftest import (
    CUMULATIVE,
    END,
    FIXTURES,
    HAIKU,
    JSON,
    MINUTE,
    OTLP_TOKEN,
    PROTOBUF,
    SONNET,
    WEEK,
    Point,
    post,
    request,
    standard,
    stored,
)

ADA, GRACE = "U0USER001", "U0USER002"  # ada@example.com and grace@example.com in the Slack stand-in
TOKENS = "claude_code.token.usage"
COST = "claude_code.cost.usage"
SESSIONS = "claude_code.session.count"
LINES = "claude_code.lines_of_code.count"
COMMITS = "claude_code.commit.count"
PRS = "claude_code.pull_request.count"
DECISIONS = "claude_code.code_edit_tool.decision"


def lines(caplog) -> list[logging.LogRecord]:
    """The receiver's log lines (the server's own, e.g. waitress's queue notices, aside)."""
    return [r for r in caplog.records if r.name == "airetro.otlp"]


def fixture_json() -> bytes:
    return (FIXTURES / "claude_code_metrics.json").read_bytes()


def week_of(engine, slack_user_id: str) -> tuple[object, object]:
    """(token summary, activity totals) of the person's ISO week 2026-W48, as their own screens read them."""
    with Session(engine) as session:
        person = get_person(session, slack_user_id)
        assert person is not None, f"{slack_user_id} was not attributed"
        summary = token_summaries(session, [person.id], WEEK).get(person.id)
        activity = activity_by_person_week(session, [person.id], WEEK).get(person.id)
        return summary, activity


def tokens(email: str, model: str, kind: str, value: float | int, **options) -> Point:
    return Point({**standard(email), "type": kind, "model": model}, value, **options)


def ada_batch(offset: int = 0, scale: int = 1) -> object:
    """A minute of ada's work, as Claude Code exports it: the minute after the JSON fixture's, ``offset`` minutes
    later; values × ``scale``."""
    at = {"start": END + offset * MINUTE, "end": END + (offset + 1) * MINUTE}
    ada = standard("ada@example.com")
    return request(
        {
            TOKENS: [
                tokens("ada@example.com", SONNET, "input", 1000.0 * scale, **at),
                tokens("ada@example.com", SONNET, "output", 2000.0 * scale, **at),
                tokens("ada@example.com", SONNET, "cacheRead", 30000 * scale, **at),
                tokens("ada@example.com", SONNET, "cacheCreation", 4000 * scale, **at),
            ],
            COST: [Point({**ada, "model": SONNET}, 0.25 * scale, **at)],
            SESSIONS: [Point(ada, 1, **at)],
            LINES: [
                Point({**ada, "type": "added"}, 40 * scale, **at),
                Point({**ada, "type": "removed"}, 4 * scale, **at),
            ],
            COMMITS: [Point(ada, 1 * scale, **at)],
            PRS: [Point(ada, 1, **at)],
            DECISIONS: [
                Point({**ada, "tool": "Edit", "decision": "accept", "language": "Python"}, 3 * scale, **at),
                Point({**ada, "tool": "Edit", "decision": "reject", "language": "Python"}, 1, **at),
            ],
        },
        units={TOKENS: "tokens", COST: "USD"},
    )


def test_a_json_batch_from_claude_code_is_each_persons_tokens_dollars_and_activity_of_the_day(otlp, engine):
    answer = post(otlp, fixture_json(), content_type=JSON)

    assert answer.status == 200
    assert answer.content_type == JSON
    assert json.loads(answer.body) == {}  # a full success: no partial_success
    rows = {(r.person_key, str(r.day), r.model): r[5:10] for r in stored(engine)["usage"]}
    assert rows == {
        ("ada@example.com", "2026-11-24", SONNET): (1200, 3400, 50000, 8000, 0.5123),
        ("ada@example.com", "2026-11-24", HAIKU): (300, 120, 0, 0, 0.0009),
        ("grace@example.com", "2026-11-24", SONNET): (500, 700, 0, 0, 0.012),
    }
    summary, activity = week_of(engine, ADA)
    assert summary.tokens == 1200 + 3400 + 50000 + 8000 + 300 + 120
    assert summary.cost_usd == pytest.approx(0.5132)
    assert summary.sources == "claude-code-otel"
    assert summary.top_model == SONNET
    assert (activity.sessions, activity.lines_added, activity.lines_removed) == (1, 120, 30)
    assert (activity.commits, activity.pull_requests, activity.tool_accepted, activity.tool_rejected) == (2, 1, 7, 1)
    summary, activity = week_of(engine, GRACE)
    assert (summary.tokens, round(summary.cost_usd, 4), activity.sessions, activity.commits) == (1200, 0.012, 1, 0)


def test_a_gzipped_protobuf_batch_is_stored_and_answered_in_protobuf(otlp, engine):
    answer = post(otlp, ada_batch(), gzipped=True)

    assert (answer.status, answer.content_type) == (200, PROTOBUF)
    assert not ExportMetricsServiceResponse.FromString(answer.body).HasField("partial_success")
    summary, activity = week_of(engine, ADA)
    assert (summary.tokens, summary.cost_usd) == (37000, 0.25)
    assert (activity.sessions, activity.lines_added, activity.lines_removed, activity.commits) == (1, 40, 4, 1)
    assert (activity.pull_requests, activity.tool_accepted, activity.tool_rejected) == (1, 3, 1)


def test_successive_deltas_add_up(otlp, engine):
    assert post(otlp, ada_batch()).status == 200
    assert post(otlp, ada_batch(offset=1, scale=2), gzipped=True).status == 200  # the next minute

    usage = stored(engine)["usage"]
    assert [r[5:10] for r in usage] == [(3000, 6000, 90000, 12000, 0.75)]
    summary, activity = week_of(engine, ADA)
    assert summary.tokens == 111000
    assert (activity.sessions, activity.lines_added, activity.lines_removed, activity.commits) == (2, 120, 12, 3)
    assert (activity.pull_requests, activity.tool_accepted, activity.tool_rejected) == (2, 9, 2)


def test_a_retried_batch_changes_nothing(otlp, engine):
    assert post(otlp, ada_batch(), gzipped=True).status == 200
    assert post(otlp, fixture_json(), content_type=JSON).status == 200
    once = stored(engine)

    assert post(otlp, ada_batch(), gzipped=True).status == 200  # the exporter's retry
    assert post(otlp, ada_batch()).status == 200  # the same points, not gzipped
    assert post(otlp, fixture_json(), content_type=JSON).status == 200

    assert stored(engine) == once
    assert once["usage_events"] == 5 + 11 and once["activity_events"] == 7 + 9


def test_the_same_data_point_in_protobuf_after_json_is_the_same_point(otlp, engine):
    """An exporter switched from http/json to http/protobuf between a send and its retry counts nothing twice."""
    assert post(otlp, fixture_json(), content_type=JSON).status == 200
    once = stored(engine)
    ada = standard("Ada@Example.com")  # as the fixture's user.email attribute is written
    again = request(
        {
            TOKENS: [Point({**ada, "type": "input", "model": SONNET}, 1200.0)],  # the fixture's first token point
            COMMITS: [Point(ada, 2)],
        }
    )
    assert post(otlp, again).status == 200
    assert stored(engine) == once


def test_a_bad_token_gets_401_and_stores_nothing(otlp, engine, caplog):
    empty = stored(engine)
    for token in ("wrong-token-0123456789abcdef", None, ""):
        with caplog.at_level(logging.WARNING, logger="airetro.otlp"):
            caplog.clear()
            answer = post(otlp, ada_batch(), token=token)
        assert answer.status == 401
        assert answer.headers["www-authenticate"].startswith("Bearer")
        assert "bearer token" in status_pb2.Status.FromString(answer.body).message
        assert [r.levelno for r in lines(caplog)] == [logging.WARNING] and not any(r.exc_info for r in caplog.records)
    assert post(otlp, fixture_json(), content_type=JSON, token=OTLP_TOKEN[:-1] + "x").status == 401
    assert stored(engine) == empty


def test_without_otlp_token_the_endpoint_says_it_is_not_configured(otlp_off, engine):
    answer = post(otlp_off, fixture_json(), content_type=JSON)

    assert answer.status == 404
    assert "OTLP_TOKEN isn't configured" in json.loads(answer.body)["message"]
    assert stored(engine)["usage_events"] == 0


def test_slacks_endpoint_is_untouched_beside_it(otlp):
    from bot.standin.inbound import SlackSender
    from tests.conftest import SIGNING_SECRET

    sender = SlackSender(otlp.url, SIGNING_SECRET)
    answer = sender.post(
        json.dumps({"type": "url_verification", "challenge": "c-123", "token": "x"}), "application/json"
    )
    assert (answer.status, answer.json()) == (200, {"challenge": "c-123"})
    assert sender.post("{}", "application/json", sign_with="not-the-secret").status == 401


def test_a_cumulative_batch_is_refused_whole_with_the_setting_to_change(otlp, engine, caplog):
    batch = ada_batch()
    batch.resource_metrics[0].scope_metrics[0].metrics[2].sum.aggregation_temporality = CUMULATIVE  # sessions

    with caplog.at_level(logging.WARNING, logger="airetro.otlp"):
        answer = post(otlp, batch)
    assert answer.status == 400
    message = status_pb2.Status.FromString(answer.body).message
    assert "metrics[2] (claude_code.session.count): cumulative temporality" in message
    assert "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE" in message and "delta" in message
    assert stored(engine)["usage"] == [] and stored(engine)["activity_events"] == 0  # the delta tokens neither
    assert len(lines(caplog)) == 1

    document = json.loads(fixture_json())
    document["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][1]["sum"]["aggregationTemporality"] = 2
    answer = post(otlp, json.dumps(document).encode(), content_type=JSON)
    assert answer.status == 400
    assert "(claude_code.token.usage): cumulative temporality" in json.loads(answer.body)["message"]
    assert stored(engine)["usage_events"] == 0


def _bad_type() -> bytes:
    return request({TOKENS: [tokens("ada@example.com", SONNET, "reasoning", 10)]}).SerializeToString()


def _no_model() -> bytes:
    return request({COST: [Point(standard("ada@example.com"), 0.1)]}).SerializeToString()


def _negative() -> bytes:
    return request({SESSIONS: [Point(standard("ada@example.com"), -1)]}).SerializeToString()


def _fraction() -> bytes:
    return request({COMMITS: [Point(standard("ada@example.com"), 1.5)]}).SerializeToString()


def _gauge() -> bytes:
    batch = request({})
    metric = batch.resource_metrics[0].scope_metrics[0].metrics.add(name=SESSIONS)
    metric.gauge.data_points.add(as_int=1, time_unix_nano=END)
    return batch.SerializeToString()


def _backwards() -> bytes:
    return request({SESSIONS: [Point(standard("ada@example.com"), 1, start=END + 1)]}).SerializeToString()


BAD = {
    "not protobuf": (PROTOBUF, b"\xff\xff\xff\xff not protobuf", "not a protobuf ExportMetricsServiceRequest"),
    "not JSON": (JSON, b"{resourceMetrics: [", "not JSON"),
    "JSON, not OTLP": (JSON, b'{"resourceMetrics": 7}', "not an OTLP/JSON ExportMetricsServiceRequest"),
    "a JSON list": (JSON, b"[]", "not a JSON object"),
    "bad hex trace id": (JSON, fixture_json().replace(b"5b8efff798038103d269b633813fc60c", b"zz"), "not hex"),
    "unknown token type": (PROTOBUF, _bad_type(), "dataPoints[0]: type 'reasoning', expected one of input, output"),
    "cost without model": (PROTOBUF, _no_model(), "(claude_code.cost.usage).dataPoints[0]: no model attribute"),
    "negative delta": (PROTOBUF, _negative(), "value -1 is not a delta of a counter"),
    "half a commit": (PROTOBUF, _fraction(), "value 1.5 is not a whole number"),
    "a gauge": (PROTOBUF, _gauge(), "(claude_code.session.count): a gauge, not a sum"),
    "ends before it starts": (PROTOBUF, _backwards(), "starts (start_time_unix_nano) after it ends"),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_input_gets_400_naming_the_problem_one_log_line_and_stores_nothing(otlp, engine, caplog, case):
    media, body, problem = BAD[case]
    assert post(otlp, ada_batch()).status == 200
    before = stored(engine)

    with caplog.at_level(logging.WARNING, logger="airetro.otlp"):
        answer = post(otlp, body, content_type=media)
    assert answer.status == 400
    message = json.loads(answer.body)["message"] if media == JSON else status_pb2.Status.FromString(answer.body).message
    assert problem in message
    assert [r.levelno for r in lines(caplog)] == [logging.WARNING] and not any(r.exc_info for r in caplog.records)
    assert problem in lines(caplog)[0].getMessage()
    assert stored(engine) == before


def test_bodies_that_are_not_gzip_too_large_or_of_another_type_are_refused(otlp, engine):
    batch = ada_batch().SerializeToString()
    body = gzip.compress(batch)

    def send(data: bytes, encoding: str = "gzip", content_type: str = PROTOBUF) -> tuple[int, str]:
        import urllib.error
        import urllib.request

        headers = {"Content-Type": content_type, "Authorization": f"Bearer {OTLP_TOKEN}", "Content-Encoding": encoding}
        call = urllib.request.Request(otlp.metrics_url, data=data, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(call, timeout=30) as response:
                return response.status, ""
        except urllib.error.HTTPError as error:
            body = error.read()
            if "json" in error.headers["Content-Type"]:
                return error.code, json.loads(body)["message"]
            return error.code, status_pb2.Status.FromString(body).message

    assert send(batch)[0] == 400  # said gzip, is not
    assert send(body[: len(body) // 2]) == (400, "the gzip body is cut short")
    assert send(gzip.compress(b"\0" * (6 * 2**20)))[0] == 413  # a few kilobytes that unpack to 6 MB
    assert send(os.urandom(5 * 2**20 + 1), encoding="identity")[0] == 413
    assert send(body, encoding="br") == (415, "Content-Encoding br: send gzip or none")
    status, message = send(body, content_type="text/plain")
    assert status == 415 and "send application/x-protobuf or application/json" in message
    assert stored(engine)["usage_events"] == 0
    assert send(body)[0] == 200  # the same batch, well sent


def test_data_points_without_user_email_are_counted_as_rejected_the_rest_stored(otlp, engine):
    ada = standard("ada@example.com")
    anonymous = standard(None)  # Claude Code with an API key, not logged in: no user.email
    batch = request(
        {
            TOKENS: [
                tokens("ada@example.com", SONNET, "input", 100),
                Point({**anonymous, "type": "input", "model": SONNET}, 999),
            ],
            SESSIONS: [Point(ada, 1), Point(anonymous, 1)],
        }
    )

    answer = post(otlp, batch)
    assert answer.status == 200
    partial = ExportMetricsServiceResponse.FromString(answer.body).partial_success
    assert partial.rejected_data_points == 2
    assert "user.email" in partial.error_message and "OTEL_RESOURCE_ATTRIBUTES" in partial.error_message
    summary, activity = week_of(engine, ADA)
    assert (summary.tokens, activity.sessions) == (100, 1)


def test_user_email_as_a_resource_attribute_names_the_person(otlp, engine):
    """A team that sets OTEL_RESOURCE_ATTRIBUTES=user.email=… (API-key users) is attributed too."""
    anonymous = standard(None, account="02")
    batch = request(
        {TOKENS: [Point({**anonymous, "type": "output", "model": HAIKU}, 640)], SESSIONS: [Point(anonymous, 1)]},
        resource={"user.email": "Grace@Example.com"},
    )

    assert post(otlp, batch).status == 200
    summary, activity = week_of(engine, GRACE)
    assert (summary.tokens, activity.sessions) == (640, 1)


def test_forgetting_a_person_takes_their_activity_data_points_too(otlp, engine, app):
    assert post(otlp, ada_batch()).status == 200
    assert stored(engine)["activity_events"] == 7

    who = forget_service.Identity(ADA, frozenset({"ada@example.com"}))
    forget_service.forget(engine, who)
    assert stored(engine)["activity_events"] == 0 and stored(engine)["usage_events"] == 0

    # Claude Code keeps sending: only what comes after is hers again, nothing from before comes back
    assert post(otlp, ada_batch(offset=5)).status == 200
    _, activity = week_of(engine, ADA)
    assert (activity.sessions, activity.lines_added) == (1, 40)


def test_otlp_token_must_be_strong(monkeypatch):
    monkeypatch.setenv("OTLP_TOKEN", "short")
    with pytest.raises(ConfigError, match="OTLP_TOKEN: must be at least 16 characters"):
        load_settings()
    monkeypatch.setenv("OTLP_TOKEN", f"  {OTLP_TOKEN}  ")
    assert load_settings().otlp_token == OTLP_TOKEN
    monkeypatch.setenv("OTLP_TOKEN", "")
    assert load_settings().otlp_token is None


def test_batches_sent_at_once_by_several_exporters_all_add_up(otlp, engine):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(lambda i: post(otlp, ada_batch(offset=i), gzipped=i % 2 == 0).status, range(6)))

    assert statuses == [200] * 6
    summary, activity = week_of(engine, ADA)
    assert (summary.tokens, round(summary.cost_usd, 2)) == (6 * 37000, 1.5)
    assert (activity.sessions, activity.lines_added, activity.commits, activity.tool_accepted) == (6, 240, 6, 18)


def test_when_slack_cannot_say_who_an_email_is_the_batch_waits_for_the_exporters_retry(app, engine, caplog):
    from slack_sdk.errors import SlackApiError

    from bot.otlp.receiver import OtlpReceiver
    from bot.serve import start_http

    answers = iter([SlackApiError("ratelimited", {"ok": False, "error": "ratelimited"}), ADA])

    def lookup(email: str) -> str | None:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    server = start_http(app, otlp=OtlpReceiver(engine, OTLP_TOKEN, lookup))
    try:
        with caplog.at_level(logging.WARNING, logger="airetro.otlp"):
            answer = post(server, ada_batch())
        assert (answer.status, answer.headers["retry-after"]) == (503, "30")
        assert "send again later" in status_pb2.Status.FromString(answer.body).message
        assert len(lines(caplog)) == 1 and not any(r.exc_info for r in caplog.records)
        assert stored(engine)["usage_events"] == 0

        assert post(server, ada_batch()).status == 200  # the exporter's retry
        summary, _ = week_of(engine, ADA)
        assert summary.tokens == 37000
    finally:
        server.stop()
