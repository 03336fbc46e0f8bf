"""The OpenAI organization completions usage report, from saved pages: exact rows (cached input
not counted twice), pages in one file or two, and every malformed record named."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from bot.usage.formats import load, openai
from bot.usage.rows import RecordError, UsageRow

FIXTURES = Path(__file__).parent / "fixtures"
PAGE1 = FIXTURES / "openai_usage_completions.json"  # has_more: true
PAGE2 = FIXTURES / "openai_usage_completions_page2.json"  # the last page
ADA, GRACE = "user-AdaLovelace00000000001", "user-GraceHopper000000000001"
PROJECT = "proj_Pa9mEnTs7eAm0000000001"
GPT4O, MINI = "gpt-4o-2024-08-06", "gpt-4o-mini-2024-07-18"

# Hand-computed: input = input_tokens - input_cached_tokens (1000 - 800), cache reads = the cached
# part; person = user_id, else api_key_id, else project_id, else openai:unattributed; audio left out.
_PAGE1 = [
    UsageRow(ADA, date(2026, 11, 16), GPT4O, "data[0].results[0]", 1000 - 800, 500, 800, 0, 0.0, 5),
    UsageRow("key_CiPipeline00000000001", date(2026, 11, 16), MINI, "data[0].results[1]", 2000, 300, 0, 0, 0.0, 12),
    UsageRow(PROJECT, date(2026, 11, 16), MINI, "data[0].results[2]", 50, 10, 0, 0, 0.0, 1),
    UsageRow("openai:unattributed", date(2026, 11, 16), GPT4O, "data[0].results[3]", 7, 3, 0, 0, 0.0, 1),
    UsageRow(ADA, date(2026, 11, 17), GPT4O, "data[1].results[0]", 400 - 100, 250, 100, 0, 0.0, 3),
]
_PAGE2 = [UsageRow(GRACE, date(2026, 11, 18), MINI, "data[0].results[0]", 3000 - 1000, 600, 1000, 0, 0.0, 20)]
# the usage report has no dollars: every row says so, and the import estimates them from list prices
EXPECTED_PAGE1 = [replace(row, cost_known=False) for row in _PAGE1]
EXPECTED_PAGE2 = [replace(row, cost_known=False) for row in _PAGE2]


def _page(path: Path = PAGE1) -> dict:
    return json.loads(path.read_text())


def _write(tmp_path: Path, content: object, name: str = "usage.json") -> str:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return str(path)


def _error(path: str) -> RecordError:
    with pytest.raises(RecordError) as caught:
        list(openai.parse(path))
    return caught.value


def test_each_fixture_page_gives_exactly_the_hand_computed_rows():
    assert load("openai") is openai and openai.SOURCE == "openai"
    assert list(openai.parse(str(PAGE1))) == EXPECTED_PAGE1
    assert list(openai.parse(str(PAGE2))) == EXPECTED_PAGE2


def test_both_pages_in_one_file_as_a_list_or_json_lines(tmp_path):
    pages = [_page(PAGE1), _page(PAGE2)]
    listed = list(openai.parse(_write(tmp_path, pages)))
    lines = list(openai.parse(_write(tmp_path, "\n".join(json.dumps(p) for p in pages), "usage.jsonl")))
    plain = [
        (r.person_key, r.day, r.model, r.input_tokens, r.cache_read_tokens) for r in (*EXPECTED_PAGE1, *EXPECTED_PAGE2)
    ]
    for rows in (listed, lines):
        assert [(r.person_key, r.day, r.model, r.input_tokens, r.cache_read_tokens) for r in rows] == plain
    assert listed[0].ref == "page 1: data[0].results[0]" and listed[-1].ref == "page 2: data[0].results[0]"
    assert lines[0].ref == "data[0].results[0]" and lines[-1].ref == "page 2: data[0].results[0]"


def test_the_malformed_fixture_names_the_record():
    error = _error(str(FIXTURES / "openai_usage_completions_malformed.json"))
    assert (error.ref, error.message) == ("data[0].results[1]", "missing num_model_requests")


@pytest.mark.parametrize(
    ("change", "ref", "message"),
    [
        (lambda p: p["data"][1]["results"][0].update(input_cached_tokens=401), "data[1].results[0]",
         "input_cached_tokens (401) and cache writes (0) exceed input_tokens (400)"),
        (lambda p: p["data"][0]["results"][3].update(output_tokens=-3), "data[0].results[3]",
         "output_tokens is negative (-3)"),
        (lambda p: p["data"][0]["results"][2].update(input_tokens=50.5), "data[0].results[2]",
         "input_tokens 50.5 is not a whole number"),
        (lambda p: p["data"][0]["results"][0].pop("input_tokens"), "data[0].results[0]", "missing input_tokens"),
        (lambda p: p["data"][1].update(start_time="2026-11-17"), "data[1]",
         "start_time '2026-11-17' is not a whole number"),
        (lambda p: p["data"][1].pop("start_time"), "data[1]", "missing start_time"),
        (lambda p: p["data"][0]["results"][0].update(user_id=42), "data[0].results[0]", "user_id 42 is not a string"),
        (lambda p: p.update(data={}), "data", "is not a list"),
    ],
)  # fmt: skip
def test_a_malformed_record_is_named(tmp_path, change, ref, message):
    page = _page()
    change(page)
    error = _error(_write(tmp_path, page))
    assert (error.ref, error.message) == (ref, message)


def test_cache_writes_and_the_specs_result_key(tmp_path):
    """Newer API versions report input_cache_write_tokens (inside input_tokens too); the OpenAPI spec
    names the list ``result`` where the API sends ``results``: both are read."""
    page = _page(PAGE2)
    bucket = page["data"][0]
    bucket["result"] = bucket.pop("results")
    bucket["result"][0]["input_cache_write_tokens"] = 500
    (row,) = openai.parse(_write(tmp_path, page))
    assert (row.input_tokens, row.cache_read_tokens, row.cache_write_tokens) == (3000 - 1000 - 500, 1000, 500)


def test_rows_stream_before_the_file_is_read_through(tmp_path):
    page = _page()
    text = json.dumps(page)
    cut = text[: text.index('"start_time": 1794873600')]  # breaks off inside data[1]
    rows = openai.parse(_write(tmp_path, cut))
    assert [next(rows).ref for _ in range(4)] == [f"data[0].results[{i}]" for i in range(4)]
    with pytest.raises(RecordError) as caught:
        next(rows)
    assert caught.value.ref == "after data[0]"
