"""One OTLP/HTTP metrics request from Claude Code, decoded into usage and activity rows. Pure.

The body is an ``ExportMetricsServiceRequest`` (the OpenTelemetry project's own definitions, package
``opentelemetry-proto``), binary protobuf or OTLP/JSON (lowerCamelCase keys, 64-bit integers as strings,
enums as integers, trace and span ids in hex), possibly gzipped.

What Claude Code exports (its monitoring docs), all counters, i.e. sums, per ``user.email`` (a data point
attribute when Claude Code is logged in; a resource attribute when a team sets it in
``OTEL_RESOURCE_ATTRIBUTES``):

* ``claude_code.token.usage`` (tokens; ``type`` input/output/cacheRead/cacheCreation; ``model``) and
  ``claude_code.cost.usage`` (USD; ``model``) → usage rows, one per data point with its own ``event_id``;
* ``claude_code.session.count``, ``claude_code.lines_of_code.count`` (``type`` added/removed),
  ``claude_code.commit.count``, ``claude_code.pull_request.count`` and ``claude_code.code_edit_tool.decision``
  (``decision`` accept/reject) → activity points, one per data point, keyed the same way;
* anything else (``claude_code.active_time.total``, other programs' metrics) is ignored.

Claude Code sends deltas by default: each data point counts what happened between its start and its time,
so points add up. A point's day is the UTC day of its ``time_unix_nano``. A point's identity is a hash of
its metric, ``user.email``, its attributes (session, model, type, …) and its start and end times: the same
point sent again (an exporter's retry) has the same identity and is kept once. Cumulative sums are refused,
naming the setting to change: turning running totals into deltas needs the previous total of every series,
which a retried, reordered or restarted exporter makes unreliable.

Anything malformed raises OtlpError naming the metric and data point; the request is then refused whole.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import zlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.metrics.v1.metrics_pb2 import AggregationTemporality, Metric, NumberDataPoint, Sum

from bot.usage.keys import normalise
from bot.usage.rows import ActivityRow, UsageRow

SOURCE = "claude-code-otel"
PROTOBUF = "application/x-protobuf"
JSON = "application/json"
MEDIA_TYPES = (PROTOBUF, JSON)

TOKEN_USAGE = "claude_code.token.usage"
COST_USAGE = "claude_code.cost.usage"
TOKEN_TYPES = {
    "input": "input_tokens",
    "output": "output_tokens",
    "cacheRead": "cache_read_tokens",
    "cacheCreation": "cache_write_tokens",
}
# metric → the activity record column it adds to, or (attribute, {attribute value: column})
ACTIVITY: dict[str, str | tuple[str, dict[str, str]]] = {
    "claude_code.session.count": "sessions",
    "claude_code.commit.count": "commits",
    "claude_code.pull_request.count": "pull_requests",
    "claude_code.lines_of_code.count": ("type", {"added": "lines_added", "removed": "lines_removed"}),
    "claude_code.code_edit_tool.decision": ("decision", {"accept": "tool_accepted", "reject": "tool_rejected"}),
}
RECORDED = frozenset((TOKEN_USAGE, COST_USAGE, *ACTIVITY))
EMAIL = "user.email"
MAX_VALUE = 10**12  # one data point's tokens, count or dollars: anything larger is not a real delta
_HEX_ID_KEYS = frozenset(("traceId", "spanId", "trace_id", "span_id"))
TEMPORALITY_HINT = (
    "AI Retro records deltas, as Claude Code sends by default: unset OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE "
    "or set it to delta"
)


class OtlpError(ValueError):
    """A request that cannot be recorded; the message says why (naming the metric and data point) and goes back
    to the sender."""


class TooLarge(OtlpError):
    """A body larger than the receiver takes."""


@dataclass(frozen=True, slots=True)
class ActivityPoint:
    """One activity data point: ``value`` to add to ``field`` of the key's activity record of ``day``."""

    event_id: str
    person_key: str
    day: date
    field: str
    value: int


@dataclass
class Batch:
    """What one request holds: usage rows (with event ids) and activity points, and what was left out."""

    usage: list[UsageRow] = field(default_factory=list)
    activity: list[ActivityPoint] = field(default_factory=list)
    points: int = 0  # data points of the metrics AI Retro records (zero deltas included)
    ignored: int = 0  # data points of other metrics
    no_email: int = 0  # data points of recorded metrics with no user.email: nobody to attribute them to

    def activity_rows(self, ref: str = "OTLP request") -> list[ActivityRow]:
        """The activity points added up per (key, day): one row each, for the usage pipeline."""
        sums: dict[tuple[str, date], dict[str, int]] = {}
        for point in self.activity:
            bucket = sums.setdefault((point.person_key, point.day), {})
            bucket[point.field] = bucket.get(point.field, 0) + point.value
        return [ActivityRow(person_key=key, day=day, ref=ref, **fields) for (key, day), fields in sums.items()]


def media_type(content_type: str) -> str:
    """``application/json; charset=utf-8`` → ``application/json``."""
    return content_type.split(";", 1)[0].strip().lower()


def inflate(body: bytes, limit: int) -> bytes:
    """A gzip body unpacked, refusing more than ``limit`` bytes unpacked (a small body can unpack to gigabytes)."""
    out: list[bytes] = []
    size = 0
    rest = body
    try:
        while rest:
            unpacker = zlib.decompressobj(wbits=31)
            chunk = unpacker.decompress(rest, limit + 1 - size)
            size += len(chunk)
            out.append(chunk)
            if size > limit or unpacker.unconsumed_tail:
                raise TooLarge(f"the body unpacks to more than {limit:,} bytes")
            if not unpacker.eof:
                raise OtlpError("the gzip body is cut short")
            rest = unpacker.unused_data  # a second gzip member follows
    except zlib.error as exc:
        raise OtlpError(f"the body is not valid gzip ({exc})") from None
    return b"".join(out)


def parse(body: bytes, media: str) -> ExportMetricsServiceRequest:
    """The request message of a protobuf or OTLP/JSON body."""
    request = ExportMetricsServiceRequest()
    if media == PROTOBUF:
        try:
            request.ParseFromString(body)
        except (DecodeError, RuntimeError, ValueError) as exc:
            raise OtlpError(f"the body is not a protobuf ExportMetricsServiceRequest ({_short(exc)})") from None
        return request
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise OtlpError(f"the body is not JSON ({_short(exc)})") from None
    if not isinstance(document, dict):
        raise OtlpError("the body is not an OTLP/JSON ExportMetricsServiceRequest (not a JSON object)")
    _hex_ids_to_base64(document)
    try:
        # OTLP/JSON receivers ignore fields they do not know (a newer sender's)
        json_format.ParseDict(document, request, ignore_unknown_fields=True)
    except (json_format.ParseError, ValueError, TypeError, RecursionError) as exc:
        raise OtlpError(f"the body is not an OTLP/JSON ExportMetricsServiceRequest ({_short(exc)})") from None
    return request


def read_batch(body: bytes, media: str) -> Batch:
    """Parse and decode one request body."""
    return decode(parse(body, media))


def decode(request: ExportMetricsServiceRequest) -> Batch:
    """The rows of a request; OtlpError naming the first bad metric or data point."""
    batch = Batch()
    for r, resource_metrics in enumerate(request.resource_metrics):
        resource_email = _string_attribute(resource_metrics.resource.attributes, EMAIL)
        for s, scope_metrics in enumerate(resource_metrics.scope_metrics):
            for m, metric in enumerate(scope_metrics.metrics):
                ref = f"resourceMetrics[{r}].scopeMetrics[{s}].metrics[{m}] ({metric.name or 'no name'})"
                if metric.name not in RECORDED:
                    batch.ignored += _point_count(metric)
                    continue
                total = _delta_sum(metric, ref)
                for p, point in enumerate(total.data_points):
                    batch.points += 1
                    _add_point(batch, metric.name, point, resource_email, f"{ref}.dataPoints[{p}]")
    return batch


def _add_point(batch: Batch, name: str, point: NumberDataPoint, resource_email: str, ref: str) -> None:
    attributes = {kv.key: kv.value for kv in point.attributes}
    email = normalise(_text(attributes.get(EMAIL)) or resource_email)
    if not email:
        batch.no_email += 1
        return
    day = _day(point, ref)
    value = _value(point, ref)
    if name == COST_USAGE:
        model = _required(attributes, "model", ref)
        if value:
            batch.usage.append(
                UsageRow(email, day, model, ref, cost_usd=float(value), event_id=_identity(name, email, point))
            )
        return
    count = _whole(value, ref)
    if name == TOKEN_USAGE:
        column = _choice(attributes, "type", TOKEN_TYPES, ref)
        model = _required(attributes, "model", ref)
        if count:
            row = UsageRow(email, day, model, ref, event_id=_identity(name, email, point), **{column: count})
            batch.usage.append(row)
        return
    target = ACTIVITY[name]
    column = target if isinstance(target, str) else _choice(attributes, target[0], target[1], ref)
    if count:
        batch.activity.append(ActivityPoint(_identity(name, email, point), email, day, column, count))


def _delta_sum(metric: Metric, ref: str) -> Sum:
    kind = metric.WhichOneof("data")
    if kind != "sum":
        raise OtlpError(f"{ref}: a {kind or 'metric with no data'}, not a sum (Claude Code sends its counters as sums)")
    temporality = metric.sum.aggregation_temporality
    if temporality == AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE:
        raise OtlpError(f"{ref}: cumulative temporality. {TEMPORALITY_HINT}")
    if temporality != AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA:
        raise OtlpError(f"{ref}: no aggregation temporality (delta expected)")
    return metric.sum


def _point_count(metric: Metric) -> int:
    kind = metric.WhichOneof("data")
    return len(getattr(metric, kind).data_points) if kind else 0


def _text(value: AnyValue | None) -> str:
    if value is None or value.WhichOneof("value") != "string_value":
        return ""
    return value.string_value.strip()


def _string_attribute(attributes: list[KeyValue], key: str) -> str:
    found = ""
    for kv in attributes:
        if kv.key == key:
            found = _text(kv.value)
    return found


def _required(attributes: dict[str, AnyValue], key: str, ref: str) -> str:
    text = _text(attributes.get(key))
    if not text:
        raise OtlpError(f"{ref}: no {key} attribute")
    return text


def _choice(attributes: dict[str, AnyValue], key: str, columns: dict[str, str], ref: str) -> str:
    text = _text(attributes.get(key))
    if text not in columns:
        seen = f"{key} {text[:40]!r}" if text else f"no {key} attribute"
        raise OtlpError(f"{ref}: {seen}, expected one of {', '.join(columns)}")
    return columns[text]


def _day(point: NumberDataPoint, ref: str) -> date:
    end = point.time_unix_nano
    if not end:
        raise OtlpError(f"{ref}: no time_unix_nano")
    if point.start_time_unix_nano > end:
        raise OtlpError(f"{ref}: starts (start_time_unix_nano) after it ends (time_unix_nano)")
    try:
        return datetime.fromtimestamp(end // 1_000_000_000, UTC).date()
    except (OverflowError, OSError, ValueError):
        raise OtlpError(f"{ref}: time_unix_nano {end} is not a time") from None


def _value(point: NumberDataPoint, ref: str) -> int | float:
    kind = point.WhichOneof("value")
    if kind is None:
        raise OtlpError(f"{ref}: no value (as_int or as_double)")
    value = point.as_int if kind == "as_int" else point.as_double
    if not math.isfinite(value) or value < 0 or value > MAX_VALUE:
        raise OtlpError(f"{ref}: value {value} is not a delta of a counter (0 to {MAX_VALUE:,})")
    return value


def _whole(value: int | float, ref: str) -> int:
    whole = round(value)
    if abs(value - whole) > 1e-6:
        raise OtlpError(f"{ref}: value {value} is not a whole number")
    return int(whole)


def _identity(name: str, email: str, point: NumberDataPoint) -> str:
    """The data point's identity: its metric, user.email, attributes (in any order) and interval, hashed."""
    head = (name, email, f"{point.start_time_unix_nano}-{point.time_unix_nano}")
    attributes = sorted(kv.SerializeToString(deterministic=True) for kv in point.attributes)
    return hashlib.blake2b(
        b"".join(len(part).to_bytes(4, "big") + part for part in (*(h.encode() for h in head), *attributes)),
        digest_size=16,
    ).hexdigest()


def _hex_ids_to_base64(document: dict) -> None:
    """OTLP/JSON writes trace and span ids (in exemplars) as hex, where protobuf's JSON mapping expects base64."""
    stack: list[object] = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key in _HEX_ID_KEYS and isinstance(value, str):
                    try:
                        node[key] = base64.b64encode(bytes.fromhex(value)).decode()
                    except ValueError:
                        raise OtlpError(f"{key} {value[:40]!r} is not hex") from None
                else:
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)


def _short(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]
