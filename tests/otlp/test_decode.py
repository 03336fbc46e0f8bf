"""Decoding Claude Code's OTLP metrics (pure): the day a data point counts on, who it is, and its identity."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bot.otlp.decode import JSON, PROTOBUF, OtlpError, inflate, read_batch
from tests.otlp.conftest import FIXTURES, Point, request, standard

NANO = 1_000_000_000
MIDNIGHT = 1795564800 * NANO  # 2026-11-25 00:00 UTC


def test_a_point_counts_on_the_utc_day_its_interval_ends():
    before = Point({**standard("ada@example.com"), "model": "m"}, 0.5, start=MIDNIGHT - 90 * NANO, end=MIDNIGHT - NANO)
    after = Point({**standard("ada@example.com"), "model": "m"}, 0.25, start=MIDNIGHT - 30 * NANO, end=MIDNIGHT + NANO)
    batch = read_batch(request({"claude_code.cost.usage": [before, after]}).SerializeToString(), PROTOBUF)

    assert [(row.day, row.cost_usd) for row in batch.usage] == [(date(2026, 11, 24), 0.5), (date(2026, 11, 25), 0.25)]


def test_identity_is_the_points_not_the_encodings_nor_its_value():
    document = json.loads((FIXTURES / "claude_code_metrics.json").read_text())
    as_json = read_batch(json.dumps(document).encode(), JSON)
    points = document["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][1]["sum"]["dataPoints"]
    for point in points:  # 64-bit integers as JSON numbers instead of strings, a value changed
        point["startTimeUnixNano"] = int(point["startTimeUnixNano"])
        point["timeUnixNano"] = int(point["timeUnixNano"])
        point["asDouble"] = point["asDouble"] + 1
    changed = read_batch(json.dumps(document).encode(), JSON)

    assert [r.event_id for r in as_json.usage] == [r.event_id for r in changed.usage]
    assert len({r.event_id for r in as_json.usage}) == len(as_json.usage) == 11
    assert {p.event_id for p in as_json.activity}.isdisjoint({r.event_id for r in as_json.usage})


def test_the_data_points_user_email_wins_over_the_resources():
    body = request(
        {"claude_code.session.count": [Point(standard("Ada@Example.com"), 1), Point(standard(None), 1)]},
        resource={"user.email": "grace@example.com"},
    ).SerializeToString()

    assert [(p.person_key, p.field, p.value) for p in read_batch(body, PROTOBUF).activity] == [
        ("ada@example.com", "sessions", 1),
        ("grace@example.com", "sessions", 1),
    ]


def test_gzip_is_unpacked_within_its_bound():
    import gzip

    assert inflate(gzip.compress(b"a" * 100) + gzip.compress(b"b"), 101) == b"a" * 100 + b"b"  # two members
    with pytest.raises(OtlpError, match="unpacks to more than 100 bytes"):
        inflate(gzip.compress(b"a" * 101), 100)
