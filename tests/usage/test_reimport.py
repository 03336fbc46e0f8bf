"""Re-importing rows the database already holds: nothing that did not change is written (records keep their
``imported_at``, token summaries their ``updated_at``), a changed row is replaced and only its person-week's
summary recomputed, and the report still counts what the file holds, saying how much of it was unchanged."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from bot.services.identities import map_key
from bot.services.usage_import import import_files, import_rows
from bot.usage.rows import ActivityRow, UsageRow
from tests.usage.snapshots import query, snapshot, summaries, usage

MON = date(2026, 11, 16)  # 2026-W47
NEXT = MON + timedelta(days=7)  # 2026-W48
ADA, GRACE = "U0USER001", "U0USER002"
KEY = "apikey_01Rj2N8SVvo6BePZj99NhmiT"
HEADER = "email_or_slack_id,date,model,input_tokens,output_tokens,cost_usd"
LINES = [
    f"{ADA},2026-11-16,claude-sonnet-4-5,1000,100,0.50",  # ada W47
    f"{ADA},2026-11-17,gpt-4.1,2000,200,1.00",  # ada W47
    f"{ADA},2026-11-23,claude-sonnet-4-5,300,30,0.10",  # ada W48
    f"{GRACE},2026-11-16,claude-sonnet-4-5,4000,400,2.00",  # grace W47
    "contractor@agency.example,2026-11-17,gpt-4.1,50,5,0.01",  # nobody's
]


def _csv(tmp_path: Path, lines: list[str], name: str = "usage.csv") -> str:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return str(path)


def _changes(before: dict[str, set[tuple]], after: dict[str, set[tuple]]) -> set[str]:
    """The tables whose rows differ."""
    return {table for table in before if before[table] != after[table]}


def _written(engine) -> dict[str, dict[tuple, object]]:
    """When each usage record, activity record and token summary was last written, by what names it."""
    return {
        "usage": {
            tuple(key): at
            for *key, at in query(engine, "SELECT source, person_key, day, model, imported_at FROM usage_records")
        },
        "activity": {
            tuple(key): at
            for *key, at in query(engine, "SELECT source, person_key, day, imported_at FROM activity_records")
        },
        "summaries": {
            (uid, week): at
            for uid, week, at in query(
                engine,
                "SELECT p.slack_user_id, s.week, s.updated_at FROM token_summaries s "
                "JOIN people p ON p.id = s.person_id",
            )
        },
    }


def _rewritten(before: dict[str, dict[tuple, object]], after: dict[str, dict[tuple, object]]) -> dict[str, set]:
    """Per kind, what was written (new, rewritten) or removed between ``before`` and ``after``."""
    return {kind: {k for k in before[kind].keys() | after[kind].keys() if before[kind].get(k) != after[kind].get(k)}
            for kind in before}  # fmt: skip


def _u(key: str, day: date, model: str, tokens: int, cost: float) -> UsageRow:
    return UsageRow(key, day, model, "r", tokens, 0, cost_usd=cost, requests=1)


def test_reimporting_the_same_file_writes_nothing_and_says_it_was_unchanged(engine, tmp_path):
    first = import_files(engine, "csv", [_csv(tmp_path, LINES)])
    before = snapshot(engine)
    again = import_files(engine, "csv", [_csv(tmp_path, LINES, "again.csv")])
    assert snapshot(engine) == before  # every record and summary as it was, imported_at and updated_at too
    # what the file holds is read and counted as the first time ...
    assert (again.rows, again.usage_records, again.attributed, again.person_weeks) == (5, 5, 4, 3)
    assert again.unattributed_keys == {"contractor@agency.example": 1}
    assert replace(again, files=first.files) == first
    # ... and it says none of it changed anything
    assert (again.usage_unchanged, again.person_weeks_changed) == (5, 0)
    assert (first.usage_unchanged, first.person_weeks_changed) == (0, 3)


def test_one_changed_row_rewrites_that_row_and_its_week_summary_only(engine, tmp_path):
    import_files(engine, "csv", [_csv(tmp_path, LINES)])
    before = _written(engine)
    changed = [LINES[0], f"{ADA},2026-11-17,gpt-4.1,2500,200,1.00", *LINES[2:]]  # ada's Tuesday: 500 more input
    report = import_files(engine, "csv", [_csv(tmp_path, changed, "corrected.csv")])
    assert _rewritten(before, _written(engine)) == {
        "usage": {("csv", ADA, "2026-11-17", "gpt-4.1")},
        "activity": set(),
        "summaries": {(ADA, "2026-W47")},  # ada's W48 and grace's W47 left as they were
    }
    assert usage(engine, "csv")[1] == (ADA, "2026-11-17", "gpt-4.1", 2500, 200, 0, 0, 1.0, 0, ADA)
    assert summaries(engine) == {
        (ADA, "2026-W47"): (3800, 1.5, "gpt-4.1"),
        (ADA, "2026-W48"): (330, 0.1, "claude-sonnet-4-5"),
        (GRACE, "2026-W47"): (4400, 2.0, "claude-sonnet-4-5"),
    }
    assert (report.rows, report.usage_records, report.person_weeks) == (5, 5, 3)
    assert (report.usage_unchanged, report.person_weeks_changed) == (4, 1)


def test_a_changed_cost_alone_is_a_change(engine, tmp_path):
    import_files(engine, "csv", [_csv(tmp_path, LINES)])
    before = _written(engine)
    changed = [*LINES[:3], f"{GRACE},2026-11-16,claude-sonnet-4-5,4000,400,2.25", LINES[4]]
    report = import_files(engine, "csv", [_csv(tmp_path, changed, "repriced.csv")])
    assert _rewritten(before, _written(engine)) == {
        "usage": {("csv", GRACE, "2026-11-16", "claude-sonnet-4-5")},
        "activity": set(),
        "summaries": {(GRACE, "2026-W47")},
    }
    assert summaries(engine)[(GRACE, "2026-W47")] == (4400, 2.25, "claude-sonnet-4-5")
    assert (report.usage_unchanged, report.person_weeks_changed) == (4, 1)


def test_a_changed_model_on_a_day_reported_in_full_replaces_the_old_models_row(engine):
    rows = [_u(ADA, MON, "claude-sonnet-4-5", 100, 1.0), _u(ADA, NEXT, "claude-sonnet-4-5", 50, 0.5)]
    import_rows(engine, "anthropic", rows, replace_days=[MON, NEXT])
    before = _written(engine)
    restated = [_u(ADA, MON, "claude-opus-4-1", 100, 1.0), rows[1]]  # Monday was opus after all
    report = import_rows(engine, "anthropic", restated, replace_days=[MON, NEXT])
    assert [row[2] for row in usage(engine, "anthropic")] == ["claude-opus-4-1", "claude-sonnet-4-5"]
    assert summaries(engine) == {
        (ADA, "2026-W47"): (100, 1.0, "claude-opus-4-1"),
        (ADA, "2026-W48"): (50, 0.5, "claude-sonnet-4-5"),
    }
    assert _rewritten(before, _written(engine)) == {
        "usage": {
            ("anthropic", ADA, "2026-11-16", "claude-opus-4-1"),
            ("anthropic", ADA, "2026-11-16", "claude-sonnet-4-5"),
        },
        "activity": set(),
        "summaries": {(ADA, "2026-W47")},
    }
    assert (report.usage_records, report.usage_unchanged, report.person_weeks_changed) == (2, 1, 1)


def test_a_row_moved_to_another_day_leaves_its_old_week(engine):
    rows = [_u(ADA, MON, "m", 100, 1.0), _u(GRACE, MON, "m", 70, 0.7)]
    days = [MON + timedelta(days=d) for d in range(14)]  # the pull reports two weeks in full
    import_rows(engine, "anthropic", rows, replace_days=days)
    before = _written(engine)
    moved = [_u(ADA, NEXT, "m", 100, 1.0), rows[1]]  # ada's usage was the next Monday's
    report = import_rows(engine, "anthropic", moved, replace_days=days)
    assert [row[:2] for row in usage(engine, "anthropic")] == [(ADA, "2026-11-23"), (GRACE, "2026-11-16")]
    assert summaries(engine) == {(ADA, "2026-W48"): (100, 1.0, "m"), (GRACE, "2026-W47"): (70, 0.7, "m")}
    assert _rewritten(before, _written(engine))["summaries"] == {(ADA, "2026-W47"), (ADA, "2026-W48")}
    assert (report.person_weeks, report.person_weeks_changed, report.usage_unchanged) == (3, 2, 1)


def test_a_request_that_moved_to_another_day_takes_its_tokens_along(engine, tmp_path):
    def page(name: str, logs: list[tuple[str, str, int]]) -> str:
        path = tmp_path / name
        data = [
            {"request_id": rid, "user": "ada@example.com", "startTime": start, "model": "m", "prompt_tokens": n,
             "completion_tokens": 0, "spend": n / 100}
            for rid, start, n in logs
        ]  # fmt: skip
        path.write_text(json.dumps({"data": data}), encoding="utf-8")
        return str(path)

    logs = [("req-1", "2026-11-16T09:00:00Z", 100), ("req-2", "2026-11-16T10:00:00Z", 20)]
    logs += [("req-3", "2026-11-18T10:00:00Z", 5)]
    map_key(engine, "ada@example.com", ADA)
    import_files(engine, "litellm", [page("a.json", logs)])
    before = snapshot(engine)
    assert import_files(engine, "litellm", [page("b.json", logs)]).usage_unchanged == 2
    assert snapshot(engine) == before  # the same page again: nothing written
    # a later page restates two of the requests: the gateway's clock was off
    restated = [("req-1", "2026-11-23T09:00:00Z", 100), ("req-3", "2026-11-19T10:00:00Z", 5)]
    report = import_files(engine, "litellm", [page("c.json", restated)])
    assert query(engine, "SELECT day, input_tokens FROM usage_records ORDER BY day") == [
        ("2026-11-16", 20),  # req-2 stays; req-1 left
        ("2026-11-19", 5),  # req-3 moved here, and Wednesday's record went with it
        ("2026-11-23", 100),
    ]
    assert summaries(engine) == {(ADA, "2026-W47"): (25, 0.25, "m"), (ADA, "2026-W48"): (100, 1.0, "m")}
    assert (report.usage_records, report.usage_unchanged, report.person_weeks_changed) == (2, 0, 2)


def test_activity_reimported_unchanged_keeps_its_rows(engine):
    rows = [ActivityRow(ADA, MON, "data[0]", sessions=2, commits=1), _u(ADA, MON, "claude-sonnet-4-5", 10, 0.1)]
    import_rows(engine, "claude_code", rows)
    before = snapshot(engine)
    report = import_rows(engine, "claude_code", rows)
    assert snapshot(engine) == before
    assert (report.activity_records, report.activity_unchanged, report.usage_unchanged) == (1, 1, 1)
    more = [ActivityRow(ADA, MON, "data[0]", sessions=3, commits=1), rows[1]]
    report = import_rows(engine, "claude_code", more)
    assert _changes(before, snapshot(engine)) == {"activity_records"}  # no token summary depends on it
    assert (report.activity_unchanged, report.person_weeks_changed) == (0, 0)


def test_a_mapping_between_two_imports_keeps_its_owner(engine):
    rows = [_u(KEY, MON, "m", 100, 1.0), _u(KEY, NEXT, "m", 40, 0.4)]
    import_rows(engine, "openai", rows)
    assert summaries(engine) == {}
    map_key(engine, KEY, GRACE)  # the key's records become grace's
    before = snapshot(engine)
    report = import_rows(engine, "openai", rows)
    assert snapshot(engine) == before  # still grace's: nothing to write
    assert (report.attributed, report.usage_unchanged, report.person_weeks_changed) == (2, 2, 0)
    changed = [_u(KEY, MON, "m", 150, 1.5), rows[1]]
    import_rows(engine, "openai", changed)
    assert [row[-1] for row in usage(engine, "openai")] == [GRACE, GRACE]
    assert summaries(engine) == {(GRACE, "2026-W47"): (150, 1.5, "m"), (GRACE, "2026-W48"): (40, 0.4, "m")}


def test_a_key_attributed_now_is_rewritten_though_its_values_are_the_same(engine, tmp_path):
    lines = ["ada@example.com,2026-11-16,m,100,0,1.00", "ada@example.com,2026-11-23,m,40,0,0.40"]
    first = import_files(engine, "csv", [_csv(tmp_path, lines)])  # no Slack lookup: nobody's
    assert first.unattributed_keys == {"ada@example.com": 2} and summaries(engine) == {}
    report = import_files(engine, "csv", [_csv(tmp_path, lines, "again.csv")], lookup_email=lambda e: ADA)
    assert [row[-1] for row in usage(engine, "csv")] == [ADA, ADA]
    assert summaries(engine) == {(ADA, "2026-W47"): (100, 1.0, "m"), (ADA, "2026-W48"): (40, 0.4, "m")}
    assert (report.usage_unchanged, report.person_weeks, report.person_weeks_changed) == (0, 2, 2)


def test_a_record_stored_as_someone_elses_is_given_back_and_both_weeks_recomputed(engine, tmp_path):
    import_files(engine, "csv", [_csv(tmp_path, LINES)])
    ids = dict(query(engine, "SELECT slack_user_id, id FROM people"))
    with engine.begin() as db:  # a stale attribution: grace's Monday stored as ada's, and no summary of grace's
        db.exec_driver_sql(f"UPDATE usage_records SET person_id = {ids[ADA]} WHERE person_id = {ids[GRACE]}")
        db.exec_driver_sql(f"DELETE FROM token_summaries WHERE person_id = {ids[GRACE]}")
    before = _written(engine)
    report = import_files(engine, "csv", [_csv(tmp_path, LINES, "again.csv")])
    assert summaries(engine) == {
        (ADA, "2026-W47"): (3300, 1.5, "gpt-4.1"),
        (ADA, "2026-W48"): (330, 0.1, "claude-sonnet-4-5"),
        (GRACE, "2026-W47"): (4400, 2.0, "claude-sonnet-4-5"),
    }
    assert _rewritten(before, _written(engine))["usage"] == {("csv", GRACE, "2026-11-16", "claude-sonnet-4-5")}
    assert (report.usage_unchanged, report.person_weeks_changed) == (4, 2)
