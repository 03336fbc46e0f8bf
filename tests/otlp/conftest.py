"""The app served over real HTTP with the OTLP receiver mounted, as ``airetro serve`` mounts it, and Claude Code
metrics batches built with the OpenTelemetry project's own protobuf classes, in the shape Claude Code sends."""

from __future__ import annotations

import gzip
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.metrics.v1.metrics_pb2 import AggregationTemporality
from sqlalchemy import text

from bot.otlp.receiver import receiver_for_slack
from bot.serve import HttpServer, start_http
from tests.conftest import drain

OTLP_TOKEN = "otlp-test-token-7d1f0c9b2e4a"
FIXTURES = Path(__file__).parent / "fixtures"
PROTOBUF = "application/x-protobuf"
JSON = "application/json"
DELTA = AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA
CUMULATIVE = AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE
# as in fixtures/claude_code_metrics.json: 2026-11-24 10:00 UTC, one minute (a Tuesday of ISO week 2026-W48)
START = 1795514400000000000
MINUTE = 60_000_000_000
END = START + MINUTE
WEEK = "2026-W48"
SONNET = "claude-sonnet-4-5-20250929"
HAIKU = "claude-haiku-4-5-20251001"
ADA_SESSION = "0b4f5a3e-7c1d-4e8f-9a2b-3c4d5e6f7a80"


def standard(email: str | None, session: str = ADA_SESSION, account: str = "01") -> dict[str, str]:
    """The attributes Claude Code puts on every data point (user.email once logged in)."""
    attributes = {
        "user.id": "9f2c" * 16,
        "session.id": session,
        "app.version": "2.0.14",
        "organization.id": "6c1c4c7e-0000-4000-8000-00000000a11e",
        "user.email": email,
        "user.account_uuid": "1f0e2d3c-0000-4000-8000-0000000000" + account,
        "terminal.type": "vscode",
    }
    return {k: v for k, v in attributes.items() if v is not None}


@dataclass
class Point:
    attributes: dict[str, str]
    value: float | int
    start: int = START
    end: int = END


def request(
    metrics: dict[str, list[Point]],
    *,
    temporality: dict[str, int] | None = None,
    resource: dict[str, str] | None = None,
    units: dict[str, str] | None = None,
) -> ExportMetricsServiceRequest:
    """One ExportMetricsServiceRequest: a resource (claude-code), one scope, a sum per metric name."""
    message = ExportMetricsServiceRequest()
    resource_metrics = message.resource_metrics.add()
    base = {"service.name": "claude-code", "service.version": "2.0.14", "os.type": "linux"}
    resource_metrics.resource.attributes.extend(_attributes({**base, **(resource or {})}))
    scope = resource_metrics.scope_metrics.add()
    scope.scope.name = "com.anthropic.claude_code"
    scope.scope.version = "2.0.14"
    for name, points in metrics.items():
        metric = scope.metrics.add()
        metric.name = name
        metric.unit = (units or {}).get(name, "count")
        metric.sum.aggregation_temporality = (temporality or {}).get(name, DELTA)
        metric.sum.is_monotonic = True
        for point in points:
            data = metric.sum.data_points.add()
            data.attributes.extend(_attributes(point.attributes))
            data.start_time_unix_nano = point.start
            data.time_unix_nano = point.end
            if isinstance(point.value, int):
                data.as_int = point.value
            else:
                data.as_double = point.value
    return message


def _attributes(values: dict[str, str]) -> list[KeyValue]:
    return [KeyValue(key=k, value=AnyValue(string_value=v)) for k, v in values.items()]


@dataclass
class Answer:
    status: int
    content_type: str
    body: bytes
    headers: dict[str, str]  # names lower-cased


def post(
    server: HttpServer,
    body: bytes | ExportMetricsServiceRequest,
    *,
    content_type: str = PROTOBUF,
    token: str | None = OTLP_TOKEN,
    gzipped: bool = False,
) -> Answer:
    """POST to /v1/metrics as an OTLP/HTTP exporter does."""
    data = body.SerializeToString() if isinstance(body, ExportMetricsServiceRequest) else body
    headers = {"Content-Type": content_type}
    if gzipped:
        data = gzip.compress(data)
        headers["Content-Encoding"] = "gzip"
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    call = urllib.request.Request(server.metrics_url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(call, timeout=30) as response:
            return Answer(response.status, response.headers["Content-Type"], response.read(), _lower(response.headers))
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.headers["Content-Type"], error.read(), _lower(error.headers))


def _lower(headers: object) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def stored(engine) -> dict:
    """Everything the receiver writes, as plain values (to compare before and after)."""
    with engine.connect() as db:
        return {
            "usage": db.execute(
                text(
                    "SELECT source, person_key, person_id, day, model, input_tokens, output_tokens, "
                    "cache_read_tokens, cache_write_tokens, round(cost_usd, 6), requests FROM usage_records "
                    "ORDER BY 1, 2, 4, 5"
                )
            ).all(),
            "activity": db.execute(
                text(
                    "SELECT source, person_key, person_id, day, sessions, lines_added, lines_removed, commits, "
                    "pull_requests, tool_accepted, tool_rejected FROM activity_records ORDER BY 1, 2, 4"
                )
            ).all(),
            "summaries": db.execute(
                text("SELECT person_id, week, tokens, round(cost_usd, 6), sources FROM token_summaries ORDER BY 1, 2")
            ).all(),
            "usage_events": db.execute(text("SELECT count(*) FROM usage_events")).scalar(),
            "activity_events": db.execute(text("SELECT count(*) FROM activity_events")).scalar(),
        }


@pytest.fixture
def otlp(app, engine) -> Iterator[HttpServer]:
    """The app over HTTP with /v1/metrics taking OTLP_TOKEN (e-mails resolved through the Slack stand-in)."""
    server = start_http(app, otlp=receiver_for_slack(engine, OTLP_TOKEN, app.client))
    yield server
    server.stop()
    drain(app)


@pytest.fixture
def otlp_off(app, engine) -> Iterator[HttpServer]:
    """As ``airetro serve`` runs without OTLP_TOKEN."""
    server = start_http(app, otlp=receiver_for_slack(engine, None, app.client))
    yield server
    server.stop()
    drain(app)
