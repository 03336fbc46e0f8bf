"""The Claude Code analytics report, from saved pages: an activity row per actor-day and a usage
row per model, the estimated cost converted from cents, and every malformed record named."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from bot.usage.formats import claude_code, load
from bot.usage.rows import ActivityRow, RecordError, UsageRow

FIXTURES = Path(__file__).parent / "fixtures"
REPORT = FIXTURES / "claude_code_report.json"  # a list of two pages: 2026-11-16 and 2026-11-17
SONNET = "claude-sonnet-4-5-20250929"
D16, D17 = date(2026, 11, 16), date(2026, 11, 17)

# Hand-computed: tool accepted/rejected summed over edit, multi_edit, notebook_edit and write
# (25+12+5+8, 3+1+2+0); estimated_cost.amount is in cents (186 → $1.86); e-mails lower-cased.
EXPECTED = [
    ActivityRow("ada@example.com", D16, "page 1: data[0]", 15, 342, 128, 8, 2, 50, 6),
    UsageRow("ada@example.com", D16, SONNET, "page 1: data[0].model_breakdown[0]", 45230, 12450, 8790, 2340, 1.86),
    UsageRow(
        "ada@example.com",
        D16,
        "claude-haiku-4-5-20251001",
        "page 1: data[0].model_breakdown[1]",
        23100,
        5680,
        3420,
        890,
        0.42,
    ),
    # the same actor and day again: her remote (web) sessions, a record of their own
    ActivityRow("ada@example.com", D16, "page 1: data[1]", 2, 40, 10, 1, 0, 4, 1),
    UsageRow("ada@example.com", D16, SONNET, "page 1: data[1].model_breakdown[0]", 1000, 200, 0, 100, 0.07),
    ActivityRow("ci-review-bot", D16, "page 1: data[2]", 1, 10, 0, 0, 1, 0, 0),
    UsageRow("ci-review-bot", D16, SONNET, "page 1: data[2].model_breakdown[0]", 500, 100, 0, 0, 0.03),
    ActivityRow("grace@example.com", D17, "page 2: data[0]", 4, 120, 45, 3, 1, 9 + 2, 4 + 1),
    UsageRow(
        "grace@example.com",
        D17,
        "claude-opus-4-1-20250805",
        "page 2: data[0].model_breakdown[0]",
        30000,
        9000,
        40000,
        5000,
        12.5,
    ),
]


def _pages() -> list[dict]:
    return json.loads(REPORT.read_text())


def _write(tmp_path: Path, content: object) -> str:
    path = tmp_path / "report.json"
    path.write_text(json.dumps(content))
    return str(path)


def _error(path: str) -> RecordError:
    with pytest.raises(RecordError) as caught:
        list(claude_code.parse(path))
    return caught.value


def test_the_fixture_gives_exactly_the_hand_computed_rows():
    assert load("claude-code") is claude_code and claude_code.SOURCE == "claude-code"
    assert list(claude_code.parse(str(REPORT))) == EXPECTED


def test_one_saved_page_names_records_without_a_page(tmp_path):
    rows = list(claude_code.parse(_write(tmp_path, _pages()[1])))
    assert [r.ref for r in rows] == ["data[0]", "data[0].model_breakdown[0]"]
    assert rows[1].cost_usd == 12.5


def test_the_malformed_fixture_names_the_record():
    error = _error(str(FIXTURES / "claude_code_report_malformed.json"))
    assert (error.ref, error.message) == ("data[0].model_breakdown[1].tokens", "input 23100.5 is not a whole number")


@pytest.mark.parametrize(
    ("change", "ref", "message"),
    [
        (lambda r: r["actor"].update(type="service_actor"), "data[0].actor",
         "type 'service_actor' is neither 'user_actor' nor 'api_actor'"),
        (lambda r: r["actor"].pop("email_address"), "data[0].actor", "missing email_address"),
        (lambda r: r.pop("actor"), "data[0]", "missing actor"),
        (lambda r: r.update(date="08/08/2026"), "data[0]",
         "date '08/08/2026' is not an RFC 3339 date or timestamp"),
        (lambda r: r["core_metrics"].update(num_sessions=-1), "data[0].core_metrics", "num_sessions is negative (-1)"),
        (lambda r: r["core_metrics"]["lines_of_code"].pop("removed"), "data[0].core_metrics.lines_of_code",
         "missing removed"),
        (lambda r: r["tool_actions"]["write_tool"].update(accepted="8"), "data[0].tool_actions.write_tool",
         "accepted '8' is not a whole number"),
        (lambda r: r["model_breakdown"][0]["estimated_cost"].update(currency="EUR"),
         "data[0].model_breakdown[0].estimated_cost", "currency 'EUR' is not USD"),
        (lambda r: r["model_breakdown"][1]["estimated_cost"].update(amount=-5),
         "data[0].model_breakdown[1].estimated_cost", "amount -5 is not a non-negative amount"),
        (lambda r: r["model_breakdown"][1].pop("model"), "data[0].model_breakdown[1]", "missing model"),
        (lambda r: r.pop("model_breakdown"), "data[0]", "missing model_breakdown"),
    ],
)  # fmt: skip
def test_a_malformed_record_is_named(tmp_path, change, ref, message):
    page = _pages()[0]
    change(page["data"][0])
    error = _error(_write(tmp_path, page))
    assert (error.ref, error.message) == (ref, message)


def test_a_plain_date_and_a_fractional_cent_are_read(tmp_path):
    page = _pages()[1]
    page["data"][0]["date"] = "2026-11-17"
    page["data"][0]["model_breakdown"][0]["estimated_cost"]["amount"] = 12.5  # cents
    rows = list(claude_code.parse(_write(tmp_path, page)))
    assert rows[0].day == D17 and rows[1].cost_usd == 0.125
