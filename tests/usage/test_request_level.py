"""Sources that report single requests (LiteLLM spend logs): pages and windows of one day add up, a page
imported again changes nothing, and forget-me takes the requests with the records."""

from __future__ import annotations

import json
from pathlib import Path

from bot.services.usage_import import import_files
from tests.usage.snapshots import query


def _log(i: int, start: str, prompt: int, completion: int, spend: float, user: str = "ada@example.com") -> dict:
    return {
        "request_id": f"chatcmpl-{i:04d}",
        "user": user,
        "startTime": start,
        "model": "claude-sonnet-4-5",
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "spend": spend,
    }


def _page(tmp_path: Path, name: str, logs: list[dict]) -> str:
    path = tmp_path / name
    path.write_text(json.dumps({"data": logs}), encoding="utf-8")
    return str(path)


def _day_total(engine) -> tuple:
    [row] = query(
        engine,
        "SELECT sum(input_tokens + output_tokens), round(CAST(sum(cost_usd) AS NUMERIC), 6), sum(requests) "
        "FROM usage_records WHERE source = 'litellm' AND day = '2026-11-10'",
    )
    return row


def test_two_windows_of_one_day_add_up_and_a_repeated_page_changes_nothing(engine, tmp_path):
    morning = [_log(i, f"2026-11-10T0{i}:00:00Z", 10_000 + i, 1_000, 0.05) for i in range(5)]
    afternoon = [_log(10 + i, f"2026-11-10T1{i}:00:00Z", 20_000 + i, 2_000, 0.10) for i in range(5)]
    import_files(engine, "litellm", [_page(tmp_path, "morning.json", morning)])
    import_files(engine, "litellm", [_page(tmp_path, "afternoon.json", afternoon)])
    tokens = sum(log["prompt_tokens"] + log["completion_tokens"] for log in morning + afternoon)
    assert _day_total(engine) == (tokens, 0.75, 10), "both windows count: none replaces the other"

    report = import_files(engine, "litellm", [_page(tmp_path, "again.json", afternoon)])
    assert report.rows == 5
    assert _day_total(engine) == (tokens, 0.75, 10), "the same page again changes nothing"

    overlapping = [*afternoon[3:], _log(99, "2026-11-10T23:00:00Z", 1, 1, 0.01)]  # a window that overlaps
    import_files(engine, "litellm", [_page(tmp_path, "late.json", overlapping)])
    assert _day_total(engine) == (tokens + 2, 0.76, 11), "only the request not seen before is added"


def test_the_same_request_twice_in_one_import_counts_once(engine, tmp_path):
    logs = [_log(1, "2026-11-10T09:00:00Z", 100, 10, 0.01), _log(2, "2026-11-10T10:00:00Z", 200, 20, 0.02)]
    report = import_files(engine, "litellm", [_page(tmp_path, "a.json", logs), _page(tmp_path, "b.json", logs[1:])])
    assert (report.rows, report.repeated) == (3, 1)
    assert _day_total(engine) == (330, 0.03, 2)
