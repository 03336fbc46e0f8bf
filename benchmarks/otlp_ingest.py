"""Benchmark OTLP ingestion: Claude Code metric batches POSTed to ``/v1/metrics``, stored, per second.

    .venv/bin/python benchmarks/otlp_ingest.py [--batches 200] [--points 500] [--users 200] [--encoding protobuf|json]

Generates ``--batches`` export requests of ``--points`` data points each (tokens by type and model, cost,
sessions, lines, commits, pull requests and edit decisions, for ``--users`` logged-in users; each batch one
minute of deltas), then, each in a process of its own so that its peak RSS (ru_maxrss) is its own:

* ``decode``: only parsing and decoding the same batches (the baseline: what the HTTP and the database add
  is the difference);
* ``ingest``: the receiver served by waitress on 127.0.0.1 with a fresh SQLite database, the batches POSTed
  gzipped one after the other over one connection, as an exporter sends them, then all of them again (an
  exporter's retries: nothing changes).

Prints data points/s and peak RSS side by side. Not a test: nothing passes or fails.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from google.protobuf import json_format
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.metrics.v1.metrics_pb2 import AggregationTemporality
from waitress.server import create_server

from bot.otlp.decode import JSON, PROTOBUF, read_batch
from bot.otlp.receiver import OtlpReceiver
from storage.engine import make_engine, migrate

TOKEN = "bench-otlp-token-0123456789abcdef"
START = 1795514400 * 1_000_000_000  # 2026-11-24 10:00 UTC
MINUTE = 60 * 1_000_000_000
MODELS = ("claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001")
# (metric, extra attributes, value) of one user's minute: 17 data points
GROUP = [
    *(("claude_code.token.usage", {"type": t, "model": m}, v) for m in MODELS for t, v in
      (("input", 1200.0), ("output", 3400.0), ("cacheRead", 50000.0), ("cacheCreation", 8000.0))),
    *(("claude_code.cost.usage", {"model": m}, 0.0123) for m in MODELS),
    ("claude_code.session.count", {}, 1.0),
    ("claude_code.lines_of_code.count", {"type": "added"}, 40.0),
    ("claude_code.lines_of_code.count", {"type": "removed"}, 4.0),
    ("claude_code.commit.count", {}, 1.0),
    ("claude_code.pull_request.count", {}, 1.0),
    ("claude_code.code_edit_tool.decision", {"tool": "Edit", "decision": "accept", "language": "Python"}, 3.0),
    ("claude_code.code_edit_tool.decision", {"tool": "Edit", "decision": "reject", "language": "Python"}, 1.0),
]  # fmt: skip


def _email(i: int) -> str:
    return f"user{i:04d}@corp.example"


def _lookup(email: str) -> str | None:
    """A stand-in for users.lookupByEmail: the generated e-mails are workspace members."""
    return f"U{int(email[4:8]):08d}" if email.startswith("user") else None


def make_batch(index: int, points: int, users: int) -> ExportMetricsServiceRequest:
    """One export: ``points`` data points of consecutive users' minute ``index``."""
    message = ExportMetricsServiceRequest()
    resource_metrics = message.resource_metrics.add()
    resource_metrics.resource.attributes.append(
        KeyValue(key="service.name", value=AnyValue(string_value="claude-code"))
    )
    scope = resource_metrics.scope_metrics.add()
    scope.scope.name = "com.anthropic.claude_code"
    metrics = {}
    start, end = START + index * MINUTE, START + (index + 1) * MINUTE
    for n in range(points):
        name, extra, value = GROUP[n % len(GROUP)]
        user = (index * (points // len(GROUP) + 1) + n // len(GROUP)) % users
        if name not in metrics:
            metric = scope.metrics.add(name=name)
            metric.sum.aggregation_temporality = AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA
            metric.sum.is_monotonic = True
            metrics[name] = metric
        point = metrics[name].sum.data_points.add(start_time_unix_nano=start, time_unix_nano=end, as_double=value)
        attributes = {"user.email": _email(user), "session.id": f"session-{user}-{index // 30}", **extra}
        point.attributes.extend(KeyValue(key=k, value=AnyValue(string_value=v)) for k, v in attributes.items())
    return message


def bodies(args: argparse.Namespace) -> list[bytes]:
    batches = [make_batch(i, args.points, args.users) for i in range(args.batches)]
    if args.encoding == "json":
        return [json_format.MessageToJson(b, indent=None).encode() for b in batches]
    return [b.SerializeToString() for b in batches]


def run_decode(args: argparse.Namespace) -> dict:
    data = bodies(args)
    media = JSON if args.encoding == "json" else PROTOBUF
    t0 = time.perf_counter()
    points = sum(read_batch(body, media).points for body in data)
    elapsed = time.perf_counter() - t0
    return {"phase": "decode", "points": points, "seconds": elapsed}


def _send_all(port: int, data: list[bytes], media: str) -> float:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": media, "Content-Encoding": "gzip", "Authorization": f"Bearer {TOKEN}"}
    packed = [gzip.compress(body) for body in data]
    t0 = time.perf_counter()
    for body in packed:
        connection.request("POST", "/v1/metrics", body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"HTTP {response.status}")
    elapsed = time.perf_counter() - t0
    connection.close()
    return elapsed


def run_ingest(args: argparse.Namespace) -> dict:
    data = bodies(args)
    media = JSON if args.encoding == "json" else PROTOBUF
    with tempfile.TemporaryDirectory(prefix="airetro-otlp-bench-") as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        migrate(engine)
        server = create_server(OtlpReceiver(engine, TOKEN, _lookup), host="127.0.0.1", port=0, threads=4)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        try:
            first = _send_all(server.effective_port, data, media)
            before = _totals(engine)
            again = _send_all(server.effective_port, data, media)
            unchanged = _totals(engine) == before
        finally:
            server.close()
        with engine.connect() as db:
            events = db.exec_driver_sql(
                "SELECT (SELECT count(*) FROM usage_events) + (SELECT count(*) FROM activity_events)"
            )
            stored_events = events.scalar()
            records = db.exec_driver_sql("SELECT count(*) FROM usage_records").scalar()
        engine.dispose()
    points = args.batches * args.points
    return {
        "phase": "ingest",
        "points": points,
        "seconds": first,
        "again_seconds": again,
        "events": stored_events,
        "usage_records": records,
        "unchanged": unchanged,
    }


def _totals(engine: object) -> tuple:
    """Every stored figure, summed: what a retry must leave as it is."""
    with engine.connect() as db:
        usage = db.exec_driver_sql(
            "SELECT sum(input_tokens), sum(output_tokens), sum(cache_read_tokens), sum(cache_write_tokens), "
            "round(sum(cost_usd), 6) FROM usage_records"
        ).one()
        activity = db.exec_driver_sql(
            "SELECT sum(sessions), sum(lines_added), sum(lines_removed), sum(commits), sum(pull_requests), "
            "sum(tool_accepted), sum(tool_rejected) FROM activity_records"
        ).one()
        summaries = db.exec_driver_sql("SELECT sum(tokens), round(sum(cost_usd), 6) FROM token_summaries").one()
    return (*usage, *activity, *summaries)


def _child(phase: str, args: argparse.Namespace) -> dict:
    command = [sys.executable, __file__, "--phase", phase, "--batches", str(args.batches), "--points", str(args.points)]
    command += ["--users", str(args.users), "--encoding", args.encoding]
    done = subprocess.run(command, capture_output=True, text=True, check=True, env={**os.environ})
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--points", type=int, default=500)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--encoding", choices=("protobuf", "json"), default="protobuf")
    parser.add_argument("--phase", choices=("decode", "ingest"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        result = (run_decode if args.phase == "decode" else run_ingest)(args)
        result["maxrss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return
    decode, ingest = _child("decode", args), _child("ingest", args)
    print(f"{args.batches} batches × {args.points} data points ({args.encoding}, {args.users} users):")
    print(
        f"  decode only (baseline): {decode['points'] / decode['seconds']:>9,.0f} data points/s "
        f"({decode['seconds']:.2f} s); peak RSS {decode['maxrss_mib']:.1f} MiB"
    )
    print(
        f"  POST /v1/metrics, stored: {ingest['points'] / ingest['seconds']:>7,.0f} data points/s "
        f"({ingest['seconds']:.2f} s, gzip, one connection); peak RSS {ingest['maxrss_mib']:.1f} MiB; "
        f"{ingest['events']:,} events kept, {ingest['usage_records']:,} usage records"
    )
    print(
        f"  the same batches again (retries): {ingest['points'] / ingest['again_seconds']:,.0f} data points/s "
        f"({ingest['again_seconds']:.2f} s), {'nothing changed' if ingest['unchanged'] else 'FIGURES CHANGED'}"
    )


if __name__ == "__main__":
    main()
