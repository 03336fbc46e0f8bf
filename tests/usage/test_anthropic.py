"""The Anthropic Admin API messages usage report, from saved pages: exact rows, every malformed
record named, and the forms a person saves (one page, a list of pages, JSON Lines)."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from bot.usage.formats import anthropic, load
from bot.usage.rows import RecordError, UsageRow

FIXTURES = Path(__file__).parent / "fixtures"
REPORT = FIXTURES / "anthropic_usage_report.json"
ADA_KEY = "apikey_01Rj2N8SVvo6BePZj99NhmiT"
GRACE_KEY = "apikey_01GraceHopperKey000000"
WORKSPACE = "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ"
SONNET = "claude-sonnet-4-5-20250929"

# Hand-computed from the fixture: input = uncached_input_tokens, cache writes = 1h + 5m creation,
# no cost and no request count in this report. The batch-tier result of data[0] stays a row of its
# own (the import adds rows with the same key, day and model together).
_REPORTED = [
    UsageRow(ADA_KEY, date(2026, 11, 16), SONNET, "data[0].results[0]", 1500, 500, 200, 1000 + 500, 0.0, 0),
    UsageRow(ADA_KEY, date(2026, 11, 16), SONNET, "data[0].results[1]", 300, 120, 50, 0 + 100, 0.0, 0),
    UsageRow(WORKSPACE, date(2026, 11, 16), "claude-haiku-4-5-20251001", "data[0].results[2]", 40, 60, 0, 0),
    UsageRow(
        "anthropic:default-workspace", date(2026, 11, 16), "claude-opus-4-1-20250805", "data[0].results[3]", 10, 5
    ),
    UsageRow(GRACE_KEY, date(2026, 11, 18), SONNET, "data[2].results[0]", 2200, 900, 12000, 0 + 800, 0.0, 0),
    UsageRow(ADA_KEY, date(2026, 11, 18), SONNET, "data[2].results[1]", 5000, 700, 0, 0, 0.0, 0),
]
# the report has no dollars: every row says so, and the import estimates them from list prices
EXPECTED = [replace(row, cost_known=False) for row in _REPORTED]


def _page() -> dict:
    return json.loads(REPORT.read_text())


def _write(tmp_path: Path, content: object, name: str = "report.json") -> str:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return str(path)


def _error(path: str) -> RecordError:
    with pytest.raises(RecordError) as caught:
        list(anthropic.parse(path))
    return caught.value


def test_the_fixture_gives_exactly_the_hand_computed_rows():
    assert load("anthropic") is anthropic and anthropic.SOURCE == "anthropic"
    assert list(anthropic.parse(str(REPORT))) == EXPECTED


def test_the_malformed_fixture_names_the_record():
    error = _error(str(FIXTURES / "anthropic_usage_report_malformed.json"))
    assert (error.ref, error.message) == ("data[1].results[1]", "output_tokens is negative (-3)")
    assert str(error) == "data[1].results[1]: output_tokens is negative (-3)"


@pytest.mark.parametrize(
    ("change", "ref", "message"),
    [
        (lambda p: p["data"][2]["results"][0].pop("cache_read_input_tokens"), "data[2].results[0]",
         "missing cache_read_input_tokens"),
        (lambda p: p["data"][0]["results"][3].pop("cache_creation"), "data[0].results[3]", "missing cache_creation"),
        (lambda p: p["data"][0]["results"][1]["cache_creation"].update(ephemeral_5m_input_tokens=2.5),
         "data[0].results[1].cache_creation", "ephemeral_5m_input_tokens 2.5 is not a whole number"),
        (lambda p: p["data"][2]["results"][1].update(uncached_input_tokens="5000"), "data[2].results[1]",
         "uncached_input_tokens '5000' is not a whole number"),
        (lambda p: p["data"][2].update(starting_at="2026-11-31T00:00:00Z"), "data[2]",
         "starting_at '2026-11-31T00:00:00Z' is not an RFC 3339 date or timestamp"),
        (lambda p: p["data"][1].pop("starting_at"), "data[1]", "missing starting_at"),
        (lambda p: p["data"][1].update(results={"a": 1}), "data[1]", "results is not a list"),
        (lambda p: p["data"][0]["results"].append(7), "data[0].results[4]", "expected an object"),
        (lambda p: p.pop("data"), "the page", "has no data list: expected a usage report page"),
    ],
)  # fmt: skip
def test_a_malformed_record_is_named(tmp_path, change, ref, message):
    page = _page()
    change(page)
    error = _error(_write(tmp_path, page))
    assert (error.ref, error.message) == (ref, message)


def test_broken_json_names_the_last_good_record(tmp_path):
    text = REPORT.read_text()
    cut = text[: text.index('"starting_at": "2026-11-18')]  # ends inside data[2]
    rows = anthropic.parse(_write(tmp_path, cut))
    assert next(rows).ref == "data[0].results[0]"  # streamed: rows come before the file is read through
    with pytest.raises(RecordError) as caught:
        list(rows)
    assert caught.value.ref == "after data[1]" and caught.value.message.startswith("not valid JSON")


def test_an_empty_or_foreign_file_says_what_was_expected(tmp_path):
    assert _error(_write(tmp_path, "")).message == "is empty: expected a usage report page"
    assert _error(_write(tmp_path, "42")).ref == "file"
    assert _error(_write(tmp_path, {"type": "error"})).message == "has no data list: expected a usage report page"


def test_a_list_of_pages_and_json_lines_give_the_same_rows_named_by_page(tmp_path):
    first, second = _page(), _page()
    first["data"], second["data"] = first["data"][:2], second["data"][2:]
    first.update(has_more=True, next_page="page_MjAyNS0wNS0xNFQwMDowMDowMFo=")
    listed = list(anthropic.parse(_write(tmp_path, [first, second], "pages.json")))
    lines = list(anthropic.parse(_write(tmp_path, f"{json.dumps(first)}\n{json.dumps(second)}\n", "pages.jsonl")))
    assert [r.ref for r in listed] == [f"page 1: data[0].results[{i}]" for i in range(4)] + [
        "page 2: data[0].results[0]",
        "page 2: data[0].results[1]",
    ]
    assert [r.ref for r in lines] == [f"data[0].results[{i}]" for i in range(4)] + [
        "page 2: data[0].results[0]",
        "page 2: data[0].results[1]",
    ]
    strip = [(r.person_key, r.day, r.model, r.input_tokens, r.cache_write_tokens) for r in EXPECTED]
    assert [(r.person_key, r.day, r.model, r.input_tokens, r.cache_write_tokens) for r in listed] == strip
    assert [(r.person_key, r.day, r.model, r.input_tokens, r.cache_write_tokens) for r in lines] == strip


def test_a_saved_list_of_buckets_is_read_too(tmp_path):
    rows = list(anthropic.parse(_write(tmp_path, _page()["data"])))
    assert [r.ref for r in rows][:2] == ["[0].results[0]", "[0].results[1]"] and len(rows) == 6


def test_person_key_order_and_hourly_buckets(tmp_path):
    page = _page()
    result = copy.deepcopy(page["data"][2]["results"][1])
    hourly = [
        {"starting_at": "2026-11-18T09:00:00Z", "ending_at": "2026-11-18T10:00:00Z", "results": [result]},
        {"starting_at": "2026-11-18T23:00:00+00:00", "ending_at": "2026-11-19T00:00:00Z", "results": [
            dict(result, account_id="user_01WCz1FkmYMm4gnmykNKUu3Q", model=None)]},
    ]  # fmt: skip
    rows = list(anthropic.parse(_write(tmp_path, {"data": hourly, "has_more": False, "next_page": None})))
    assert [(r.person_key, r.day, r.model) for r in rows] == [
        (ADA_KEY, date(2026, 11, 18), SONNET),
        ("user_01WCz1FkmYMm4gnmykNKUu3Q", date(2026, 11, 18), "all models"),  # account first; not grouped by model
    ]
