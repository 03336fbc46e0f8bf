"""The import pipeline every format goes through: rows added up per key, day and model within an import,
re-imports and overlapping periods replacing rather than doubling, all files of one import kept or none,
unattributed usage kept and reported; and ``airetro import-usage`` on the command line."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session

from bot.cli import main
from bot.services.usage_import import BATCH, ImportReport, UsageFileError, import_files, import_rows
from bot.usage.rows import ActivityRow, RecordError, UsageRow
from storage.engine import make_engine
from storage.queries.activity import ActivityTotals, activity_by_person_week
from tests.conftest import SIGNING_SECRET, TOKEN
from tests.usage.snapshots import query, snapshot, summaries, usage

FIXTURES = Path(__file__).parent / "fixtures"
MON = date(2026, 11, 16)  # 2026-W47
ADA, GRACE = "U0USER001", "U0USER002"


def _u(key: str, day: date, model: str, tokens_in: int, tokens_out: int, cost: float, ref: str = "r") -> UsageRow:
    return UsageRow(key, day, model, ref, tokens_in, tokens_out, cost_usd=cost, requests=1)


def test_rows_with_the_same_key_day_and_model_are_added_together(engine):
    rows = [
        _u(ADA, MON, "m", 100, 10, 0.5),
        UsageRow(ADA, MON, "m", "r2", 1, 2, 3, 4, 0.25, 7),  # another tier's bucket of the same day
        _u(ADA, MON + timedelta(days=1), "m", 5, 5, 0.1),
        _u("svc-batch", MON, "m", 7, 7, 0.7),
    ]
    report = import_rows(engine, "litellm", iter(rows))
    assert (report.rows, report.usage_rows, report.usage_records) == (4, 4, 3)
    assert (report.attributed, report.unattributed_keys, report.files) == (3, {"svc-batch": 1}, ["litellm"])
    assert usage(engine, "litellm") == [
        (ADA, "2026-11-16", "m", 101, 12, 3, 4, 0.75, 8, ADA),
        (ADA, "2026-11-17", "m", 5, 5, 0, 0, 0.1, 1, ADA),
        ("svc-batch", "2026-11-16", "m", 7, 7, 0, 0, 0.7, 1, None),
    ]
    # ada's W47: Monday 101 + 12 + 3 + 4 (cache read, cache write) + Tuesday 5 + 5 = 130 tokens; $0.75 + $0.10
    assert summaries(engine) == {(ADA, "2026-W47"): (130, 0.85, "m")}


def _state(engine) -> tuple:
    """Everything an import writes, but the times it wrote it."""
    return (
        query(engine, "SELECT id, source, person_key, person_id, day, model, input_tokens, output_tokens, "
              "cache_read_tokens, cache_write_tokens, cost_usd, requests FROM usage_records ORDER BY id"),
        query(engine, "SELECT id, person_id, week, tokens, cost_usd, top_model FROM token_summaries ORDER BY id"),
        query(engine, "SELECT * FROM people ORDER BY id"),
    )  # fmt: skip


def test_reimporting_the_same_rows_changes_nothing(engine):
    rows = [_u(ADA, MON, "m", 100, 10, 0.5), _u(ADA, MON, "m", 100, 10, 0.5), _u("k", MON, "m", 1, 1, 0.1)]
    first = import_rows(engine, "litellm", rows)
    before = _state(engine)
    second = import_rows(engine, "litellm", rows)
    assert _state(engine) == before
    assert usage(engine, "litellm")[0][3:9] == (200, 20, 0, 0, 1.0, 2)  # added once within the import, not twice
    assert first == second


def test_an_overlapping_period_replaces_its_days_and_keeps_the_others(engine):
    week = [_u(ADA, MON + timedelta(days=d), "m", 100, 0, 1.0) for d in range(5)]  # Mon–Fri
    import_rows(engine, "litellm", week)
    assert summaries(engine) == {(ADA, "2026-W47"): (500, 5.0, "m")}
    # the next export covers Thu–Sun: Thu and Fri now say 150, Sat and Sun are new
    later = [_u(ADA, MON + timedelta(days=d), "m", 150, 0, 1.5) for d in range(3, 7)]
    import_rows(engine, "litellm", later)
    assert [row[3] for row in usage(engine, "litellm")] == [100, 100, 100, 150, 150, 150, 150]
    assert summaries(engine) == {(ADA, "2026-W47"): (900, 9.0, "m")}


def test_sources_are_kept_apart(engine):
    import_rows(engine, "litellm", [_u(ADA, MON, "m", 100, 0, 1.0)])
    import_rows(engine, "openai", [_u(ADA, MON, "m", 40, 0, 0.4)])
    import_rows(engine, "litellm", [_u(ADA, MON, "m", 100, 0, 1.0)])  # replaces only litellm's row
    assert query(engine, "SELECT source, input_tokens FROM usage_records ORDER BY source") == [
        ("litellm", 100),
        ("openai", 40),
    ]
    assert summaries(engine) == {(ADA, "2026-W47"): (140, 1.4, "m")}


def test_unattributed_usage_is_kept_and_reported(engine):
    rows = [_u("apikey_01Ab", MON, "m", 1, 1, 0.1)] * 3 + [
        _u("proj_42", MON, "n", 1, 1, 0.1),
        _u(ADA, MON, "m", 1, 1, 0),
    ]
    report = import_rows(engine, "openai", rows)
    assert report.unattributed_keys == {"apikey_01Ab": 3, "proj_42": 1}
    assert list(report.unattributed_keys) == ["apikey_01Ab", "proj_42"]  # most rows first
    assert report.attributed == 1
    assert query(engine, "SELECT person_key, person_id, input_tokens FROM usage_records WHERE person_id IS NULL "
                 "ORDER BY person_key") == [("apikey_01Ab", None, 3), ("proj_42", None, 1)]  # fmt: skip


def test_keys_are_normalised_whoever_parsed_them(engine):
    import_rows(engine, "x", [_u(" Ada@Example.COM ", MON, "m", 1, 1, 0), _u("ada@example.com", MON, "m", 1, 1, 0)])
    assert query(engine, "SELECT person_key, input_tokens FROM usage_records") == [("ada@example.com", 2)]


def test_activity_rows_are_added_up_per_day_replaced_on_reimport_and_read_per_week(engine):
    day = [
        ActivityRow(ADA, MON, "data[0]", sessions=2, lines_added=120, lines_removed=30, commits=1, tool_accepted=9),
        ActivityRow(ADA, MON, "data[1]", sessions=1, lines_added=10, pull_requests=1, tool_rejected=2),
        ActivityRow(GRACE, MON + timedelta(days=2), "data[2]", sessions=4, commits=3, pull_requests=2),
        ActivityRow("contractor@agency.example", MON, "data[3]", sessions=1),
    ]
    usage_row = _u(ADA, MON, "claude-sonnet-4-5", 10, 10, 0.1)
    report = import_rows(engine, "claude_code", [*day, usage_row])
    assert (report.rows, report.usage_rows, report.activity_rows) == (5, 1, 4)
    assert (report.usage_records, report.activity_records) == (1, 3)
    assert report.unattributed_keys == {"contractor@agency.example": 1}
    import_rows(engine, "claude_code", [*day, usage_row])  # the same report again: replaced, not doubled
    with Session(engine) as session:
        ids = dict(query(engine, "SELECT slack_user_id, id FROM people"))
        totals = activity_by_person_week(session, [ids[ADA], ids[GRACE]], "2026-W47")
        assert activity_by_person_week(session, [ids[ADA]], "2026-W48") == {}
    assert totals == {
        ids[ADA]: ActivityTotals(sessions=3, lines_added=130, lines_removed=30, commits=1, pull_requests=1,
                                 tool_accepted=9, tool_rejected=2, days=1, sources=("claude_code",)),
        ids[GRACE]: ActivityTotals(sessions=4, commits=3, pull_requests=2, days=1, sources=("claude_code",)),
    }  # fmt: skip
    assert query(engine, "SELECT count(*), sum(sessions) FROM activity_records") == [(3, 8)]


def test_a_bad_record_after_full_batches_names_it_and_keeps_nothing(engine):
    import_rows(engine, "litellm", [_u(ADA, MON, "m", 1, 1, 0.1)])
    before = snapshot(engine)

    def rows():
        for i in range(2 * BATCH + 10):
            yield _u(f"key-{i % 7}", MON, f"m{i}", i, 1, 0.01)
        raise RecordError(f"[{2 * BATCH + 10}]", "prompt_tokens 'x' is not a whole number")

    with pytest.raises(UsageFileError) as caught:
        import_rows(engine, "litellm", rows(), label="spend.json")
    assert str(caught.value) == (
        f"spend.json, [{2 * BATCH + 10}]: prompt_tokens 'x' is not a whole number. Nothing was imported."
    )
    assert snapshot(engine) == before
    assert _temp_tables(engine) == []  # the staging tables went with it


def _temp_tables(engine) -> list[str]:
    """The TEMP tables on every pooled connection (staging tables live on the import's connection)."""
    if engine.dialect.name == "postgresql":  # every session's TEMP tables are in the catalogue
        with engine.connect() as connection:
            return connection.exec_driver_sql("SELECT relname FROM pg_class WHERE relpersistence = 't'").scalars().all()
    connections = [engine.connect() for _ in range(max(1, engine.pool.checkedin()))]
    try:
        return [row[0] for c in connections for row in c.exec_driver_sql("SELECT name FROM sqlite_temp_master")]
    finally:
        for connection in connections:
            connection.close()


def test_the_staging_tables_are_dropped_after_an_import(engine):
    import_rows(engine, "litellm", [_u(ADA, MON, "m", 1, 1, 0.1), _u("k", MON, "m", 1, 1, 0.1)])
    assert engine.pool.checkedin() >= 1 and _temp_tables(engine) == []


def test_strict_rows_name_both_records(engine):
    rows = [
        _u(ADA, MON, "m", 1, 1, 0, "line 2"),
        _u(GRACE, MON, "m", 1, 1, 0, "line 3"),
        _u(ADA, MON, "m", 1, 1, 0, "line 4"),
    ]
    with pytest.raises(UsageFileError, match=r"^f\.csv, line 4: same person, date and model as line 2\. Nothing"):
        import_rows(engine, "csv", rows, strict_duplicates=True, label="f.csv")


def test_when_the_second_file_is_bad_nothing_of_either_file_is_imported(engine, tmp_path):
    import_files(engine, "csv", [str(FIXTURES / "plain.csv")])
    before = snapshot(engine)
    good = tmp_path / "good.csv"
    good.write_text(
        "email_or_slack_id,date,model,input_tokens,output_tokens,cost_usd\n"
        "U0USER003,2026-11-20,gpt-4.1,5,5,0.01\n"
        "U0USER001,2026-11-19,claude-sonnet-4-5,9,9,9\n"
    )
    bad = str(FIXTURES / "plain_malformed.csv")
    with pytest.raises(UsageFileError) as caught:
        import_files(engine, "csv", [str(good), bad])
    assert caught.value.file == bad and caught.value.ref == "line 4"
    assert snapshot(engine) == before  # no U0USER003, no new day for ada


def test_two_good_files_are_one_import(engine):
    split = [str(FIXTURES / "litellm_spend_logs.json"), str(FIXTURES / "litellm_spend_logs.csv")]
    report = import_files(engine, "litellm", split)  # the same logs twice over: each request counts once
    assert (report.rows, report.repeated, report.usage_records, report.files) == (20, 10, 8, split)
    assert query(engine, "SELECT sum(requests) FROM usage_records") == [(10,)]


def test_a_file_given_twice_or_missing_is_refused_before_anything_is_read(engine, tmp_path):
    plain = str(FIXTURES / "plain.csv")
    with pytest.raises(ValueError, match="given twice"):
        import_files(engine, "csv", [plain, str(Path(plain).parent / "." / "plain.csv")])
    with pytest.raises(FileNotFoundError):
        import_files(engine, "csv", [plain, str(tmp_path / "nope.csv")])
    with pytest.raises(ValueError, match="unknown format 'excel'"):
        import_files(engine, "excel", [plain])
    assert query(engine, "SELECT count(*) FROM usage_records") == [(0,)]


def test_the_report_is_a_plain_dataclass():
    assert ImportReport().unattributed_keys == {} and ImportReport().files == []


# The command line ----------------------------------------------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch, fresh_database_url, slack):
    for name in ("SLACK_APP_TOKEN", "PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", fresh_database_url)
    monkeypatch.setenv("SLACK_API_URL", slack.url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    engine = make_engine(fresh_database_url)
    yield engine
    engine.dispose()


def test_import_usage_with_a_format_and_several_files(cli_env, capsys, slack):
    files = [str(FIXTURES / "litellm_spend_logs.json"), str(FIXTURES / "litellm_spend_logs.csv")]
    assert main(["import-usage", "--format", "litellm", *files]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        f"Imported 20 rows from 2 files ({', '.join(files)}) (format litellm): 10 repeated a request already "
        "read and count once; 6 matched to people, 4 unattributed."
    )
    assert out[1] == "Stored 8 usage records (one per key, day and model); 2 weekly token summaries refreshed."
    assert out[2] == "Unattributed, kept (attribute a key with `airetro identities map KEY U…`):"
    assert out[3:] == [
        "  2b012a3a813532d14843bbad3a876ad3f3515cd996a07523d2766d6347b70e95: 2 rows",
        "  svc-batch: 1 row",
        "  team-payments-ci: 1 row",
    ]
    assert len(slack.calls("users.lookupByEmail")) == 1  # ada's e-mail, once for the whole import


def test_import_usage_defaults_to_the_plain_csv(cli_env, capsys):
    assert main(["import-usage", str(FIXTURES / "plain.csv")]) == 0
    out = capsys.readouterr().out
    assert "Imported 6 rows from" in out and "(format csv): 5 matched to people, 1 unattributed." in out
    assert "  contractor@agency.example: 1 row\n" in out


def test_import_usage_of_a_malformed_file_says_one_line_and_changes_nothing(cli_env, capsys):
    assert main(["import-usage", str(FIXTURES / "plain.csv")]) == 0
    capsys.readouterr()
    before = snapshot(cli_env)
    files = [str(FIXTURES / "litellm_spend_logs.json"), str(FIXTURES / "litellm_spend_logs_malformed.json")]
    assert main(["import-usage", "--format", "litellm", *files]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"airetro: {files[1]}, [2] (request_id chatcmpl-c41e9a77-2b3d-4e5f-8a6b-7c8d9e0f1a23): completion_tokens "
        "is negative (-40). Nothing was imported.\n"
    )
    assert snapshot(cli_env) == before


def test_import_usage_refuses_an_unknown_format(cli_env, capsys):
    with pytest.raises(SystemExit):
        main(["import-usage", "--format", "excel", str(FIXTURES / "plain.csv")])
    assert "invalid choice: 'excel'" in capsys.readouterr().err
    assert not os.path.exists(str(cli_env.url.database))
