"""LiteLLM proxy spend logs (``/spend/logs`` JSON, or the LiteLLM_SpendLogs table as CSV): exact rows from
the fixtures, one request per spend log added up per key × UTC day × model, JSON or CSV told by the
content, and every malformed record named with nothing imported."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from bot.services.usage_import import UsageFileError, import_files, slack_email_lookup
from bot.usage.formats import litellm, load
from bot.usage.rows import RecordError, UsageRow
from tests.usage.snapshots import snapshot, summaries, usage

FIXTURES = Path(__file__).parent / "fixtures"
SPEND_JSON = str(FIXTURES / "litellm_spend_logs.json")
SPEND_CSV = str(FIXTURES / "litellm_spend_logs.csv")
CI_KEY = "2b012a3a813532d14843bbad3a876ad3f3515cd996a07523d2766d6347b70e95"  # a hashed virtual key
SONNET, HAIKU, EMBED = "claude-sonnet-4-5", "claude-haiku-4-5", "text-embedding-3-small"
ADA = "ada@example.com"
GRACE = "U0USER002"  # grace's Slack ID, used as her LiteLLM user

# One row per spend log, hand-read from the fixture: user (e-mails lower-cased), else the hashed api_key,
# else team_id; the UTC day of startTime; prompt → input, completion → output, spend → cost; 1 request.
# [2] starts 23:59:59.999 at UTC-5, which is the 17th in UTC; [9] is a failed request (no tokens, no cost).
PER_LOG = [
    (ADA, date(2026, 11, 16), SONNET, 1200, 300, 0.0081),
    (ADA, date(2026, 11, 16), SONNET, 800, 200, 0.0054),
    (ADA, date(2026, 11, 17), "gpt-4.1", 500, 100, 0.0018),
    (GRACE, date(2026, 11, 17), "gpt-4.1", 3000, 700, 0.0116),
    (GRACE, date(2026, 11, 17), EMBED, 4000, 0, 0.00008),
    ("svc-batch", date(2026, 11, 18), HAIKU, 10000, 2000, 0.02),
    (CI_KEY, date(2026, 11, 18), "gpt-4.1-mini", 600, 150, 0.00048),  # no user: the hashed key
    (CI_KEY, date(2026, 11, 18), "gpt-4.1-mini", 400, 50, 0.00032),
    ("team-payments-ci", date(2026, 11, 19), SONNET, 100, 10, 0.00045),  # no user, no key: the team
    (ADA, date(2026, 11, 19), SONNET, 0, 0, 0.0),
]
REQUEST_IDS = [
    "chatcmpl-3f9a1c52-6d0e-4b7a-9a41-0c2e5b1d7e01",
    "chatcmpl-8b2d7e10-1f4c-4a9e-b3d5-6e7f8a9b0c12",
    "chatcmpl-c41e9a77-2b3d-4e5f-8a6b-7c8d9e0f1a23",
    "chatcmpl-0d5f6a7b-8c9d-4e0f-a1b2-c3d4e5f6a734",
    "emb-6e7f8a9b-0c1d-4e2f-b3a4-b5c6d7e8f945",
    "chatcmpl-7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c56",
    "chatcmpl-1b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d67",
    "chatcmpl-2c3d4e5f-6a7b-4c8d-8e9f-1a2b3c4d5e78",
    "chatcmpl-3d4e5f6a-7b8c-4d9e-9f0a-2b3c4d5e6f89",
    "chatcmpl-4e5f6a7b-8c9d-4e0f-8a1b-3c4d5e6f7a90",
]

# After the import: added up per key, day and model (requests counted), attributed where the key names
# someone: ada by e-mail (users.lookupByEmail), grace by Slack ID; the others unattributed.
STORED = [
    (CI_KEY, "2026-11-18", "gpt-4.1-mini", 1000, 200, 0, 0, 0.0008, 2, None),
    (GRACE, "2026-11-17", "gpt-4.1", 3000, 700, 0, 0, 0.0116, 1, GRACE),
    (GRACE, "2026-11-17", EMBED, 4000, 0, 0, 0, 0.00008, 1, GRACE),
    (ADA, "2026-11-16", SONNET, 2000, 500, 0, 0, 0.0135, 2, "U0USER001"),
    (ADA, "2026-11-17", "gpt-4.1", 500, 100, 0, 0, 0.0018, 1, "U0USER001"),
    (ADA, "2026-11-19", SONNET, 0, 0, 0, 0, 0.0, 1, "U0USER001"),
    ("svc-batch", "2026-11-18", HAIKU, 10000, 2000, 0, 0, 0.02, 1, None),
    ("team-payments-ci", "2026-11-19", SONNET, 100, 10, 0, 0, 0.00045, 1, None),
]


def _request_id(ref: str) -> str | None:
    """The request id a ref names (``[3] (request_id chatcmpl-…)``): each spend log is kept once by it."""
    found = re.search(r"\(request_id ([^)]+)\)", ref)
    return found.group(1) if found else None


def _expected(refs: list[str]) -> list[UsageRow]:
    return [
        UsageRow(key, day, model, ref, prompt, completion, cost_usd=spend, requests=1, event_id=_request_id(ref))
        for (key, day, model, prompt, completion, spend), ref in zip(PER_LOG, refs, strict=True)
    ]


def _write(tmp_path: Path, content: object, name: str) -> str:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return str(path)


def _logs() -> list[dict]:
    return json.loads(Path(SPEND_JSON).read_text())


def test_the_format_is_registered_as_litellm():
    assert load("litellm") is litellm and litellm.SOURCE == "litellm"
    assert not getattr(litellm, "STRICT_DUPLICATES", False)  # one row per request: rows are added up


def test_the_json_fixture_parses_to_one_row_per_spend_log():
    refs = [f"[{i}] (request_id {rid})" for i, rid in enumerate(REQUEST_IDS)]
    assert list(litellm.parse(SPEND_JSON)) == _expected(refs)


def test_the_csv_export_of_the_same_logs_gives_the_same_rows():
    refs = [f"line {i + 2} (request_id {rid})" for i, rid in enumerate(REQUEST_IDS)]
    assert list(litellm.parse(SPEND_CSV)) == _expected(refs)


def test_json_or_csv_is_told_by_the_content_not_the_name(tmp_path):
    as_csv = _write(tmp_path, Path(SPEND_JSON).read_bytes(), "spend.csv")
    as_json = _write(tmp_path, Path(SPEND_CSV).read_bytes(), "spend.json")
    no_name = _write(tmp_path, b"\xef\xbb\xbf \n\t" + Path(SPEND_JSON).read_bytes(), "export")  # BOM, blanks
    assert list(litellm.parse(as_csv)) == list(litellm.parse(SPEND_JSON))
    assert list(litellm.parse(as_json)) == list(litellm.parse(SPEND_CSV))
    assert len(list(litellm.parse(no_name))) == 10


def test_a_spend_logs_v2_page_with_a_data_list_is_read_too(tmp_path):
    page = {"data": _logs()[:3], "total": 10, "page": 1, "page_size": 3, "total_pages": 4}
    rows = list(litellm.parse(_write(tmp_path, page, "page1.json")))
    assert [r.ref.split(" ")[0] for r in rows] == ["data[0]", "data[1]", "data[2]"]
    assert [r.input_tokens for r in rows] == [1200, 800, 500]


def test_the_fixture_imports_added_up_per_key_day_and_model(engine, app, slack):
    report = import_files(engine, "litellm", [SPEND_JSON], lookup_email=slack_email_lookup(app.client))
    assert (report.rows, report.usage_rows, report.usage_records) == (10, 10, 8)
    assert report.attributed == 6  # ada's four requests, grace's two
    assert report.unattributed_keys == {CI_KEY: 2, "svc-batch": 1, "team-payments-ci": 1}
    assert [c.args["email"] for c in slack.calls("users.lookupByEmail")] == [ADA]  # once for her four logs
    assert usage(engine, "litellm") == STORED
    # ada W47: 2,500 + 600 + 0 tokens, $0.0135 + $0.0018, mostly sonnet; grace: 3,700 + 4,000, embeddings top
    assert summaries(engine) == {
        ("U0USER001", "2026-W47"): (3100, 0.0153, SONNET),
        ("U0USER002", "2026-W47"): (7700, 0.01168, EMBED),
    }


def test_json_and_csv_exports_of_the_same_logs_store_the_same_records(engine, app):
    import_files(engine, "litellm", [SPEND_JSON], lookup_email=slack_email_lookup(app.client))
    from_json = (usage(engine, "litellm"), summaries(engine))
    report = import_files(engine, "litellm", [SPEND_CSV], lookup_email=slack_email_lookup(app.client))
    assert (usage(engine, "litellm"), summaries(engine)) == from_json  # replaced, not doubled
    assert report.usage_records == 8


def test_the_malformed_json_fixture_names_the_spend_log_and_imports_nothing(engine):
    bad = str(FIXTURES / "litellm_spend_logs_malformed.json")
    before = snapshot(engine)
    with pytest.raises(UsageFileError) as caught:
        import_files(engine, "litellm", [bad])
    assert str(caught.value) == (
        f"{bad}, [2] (request_id chatcmpl-c41e9a77-2b3d-4e5f-8a6b-7c8d9e0f1a23): completion_tokens is negative "
        "(-40). Nothing was imported."
    )
    assert snapshot(engine) == before


def test_the_malformed_csv_fixture_names_the_line_and_imports_nothing(engine):
    bad = str(FIXTURES / "litellm_spend_logs_malformed.csv")
    before = snapshot(engine)
    with pytest.raises(UsageFileError) as caught:
        import_files(engine, "litellm", [bad])
    assert caught.value.ref == "line 3 (request_id chatcmpl-8b2d7e10-1f4c-4a9e-b3d5-6e7f8a9b0c12)"
    assert caught.value.problem == "startTime '16/11/2026 17:40' is not a date-time like 2026-11-16T09:12:03Z"
    assert snapshot(engine) == before


@pytest.mark.parametrize(
    ("change", "ref", "problem"),
    [
        ({"user": "", "api_key": "", "team_id": None}, "[1] (request_id r1)", "has no user, api_key or team_id"),
        ({"startTime": None}, "[1] (request_id r1)", "startTime is missing"),
        ({"prompt_tokens": "many"}, "[1] (request_id r1)", "prompt_tokens 'many' is not a whole number"),
        ({"prompt_tokens": 1.5}, "[1] (request_id r1)", "prompt_tokens 1.5 is not a whole number"),
        ({"spend": "NaN"}, "[1] (request_id r1)", "spend 'NaN' is not a non-negative amount"),
        ({"spend": -0.01}, "[1] (request_id r1)", "spend -0.01 is not a non-negative amount"),
        ({"request_id": ""}, "[1]", "startTime"),  # no request_id to name: the index alone
    ],
)
def test_a_bad_spend_log_is_named(tmp_path, change, ref, problem):
    logs = [{**_logs()[0], "request_id": "r0"}, {**_logs()[1], "request_id": "r1", **change}]
    if change == {"request_id": ""}:
        logs[1]["startTime"] = "soon"
    with pytest.raises(RecordError) as caught:
        list(litellm.parse(_write(tmp_path, logs, "spend.json")))
    assert caught.value.ref == ref and problem in caught.value.message


@pytest.mark.parametrize(
    ("content", "ref", "problem"),
    [
        (b'[{"request_id": "r0", "user": "u", "startTime": "2026-11-16T09:00:00Z"', "[0]", "is not valid JSON"),
        (b'{"total": 0}', "the top level", 'without a "data" list'),
        (b'"spend logs"', "line 1", "lacks the spend-log columns startTime, model"),  # not [ or {: read as CSV
        (b"[1, 2]", "[0]", "is not a spend log object"),
        (b"request_id,user,model\nr0,u,m\n", "line 1", "lacks the spend-log columns startTime, prompt_tokens"),
        (b"request_id,model,startTime,prompt_tokens,completion_tokens,spend\n", "line 1", "one of user, api_key"),
    ],
)
def test_files_that_are_not_spend_logs_are_named(tmp_path, content, ref, problem):
    with pytest.raises(RecordError) as caught:
        list(litellm.parse(_write(tmp_path, content, "spend.json")))
    assert caught.value.ref == ref and problem in caught.value.message


def test_an_empty_model_falls_back_to_the_model_group(tmp_path):
    logs = [{**_logs()[0], "model": "", "model_group": "claude-sonnet"}, {**_logs()[1], "model": "", "model_group": ""}]
    assert [r.model for r in litellm.parse(_write(tmp_path, logs, "spend.json"))] == ["claude-sonnet", "unknown"]
