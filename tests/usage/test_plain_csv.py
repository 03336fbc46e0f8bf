"""The plain CSV format: exact rows from the fixture, every bad line named with nothing imported, and
its stricter rule: a repeated person/date/model is an error naming both lines (even across files)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.services.usage_import import UsageFileError, import_files, slack_email_lookup
from bot.usage.formats import load, plain_csv
from bot.usage.rows import RecordError, UsageRow
from tests.usage.snapshots import snapshot, summaries, usage

FIXTURES = Path(__file__).parent / "fixtures"
PLAIN = str(FIXTURES / "plain.csv")
MALFORMED = str(FIXTURES / "plain_malformed.csv")
HEADER = "email_or_slack_id,date,model,input_tokens,output_tokens,cost_usd"
SONNET = "claude-sonnet-4-5"

EXPECTED = [
    UsageRow("U0USER001", date(2026, 11, 16), SONNET, "line 2", 120_000, 18_000, cost_usd=0.63),
    UsageRow("U0USER001", date(2026, 11, 17), SONNET, "line 3", 80_000, 12_000, cost_usd=0.42),
    UsageRow("grace@example.com", date(2026, 11, 16), "gpt-4.1", "line 4", 50_000, 9_000, cost_usd=0.172),
    UsageRow("grace@example.com", date(2026, 11, 18), "gpt-4.1", "line 5", 25_000, 4_000, cost_usd=0.082),
    UsageRow("contractor@agency.example", date(2026, 11, 17), "claude-opus-4-1", "line 6", 10_000, 2_000, cost_usd=0.3),
    UsageRow("U0USER001", date(2026, 11, 23), SONNET, "line 7", 1_000, 100, cost_usd=0.0045),
]


def _write(tmp_path: Path, lines: list[str], name: str = "usage.csv") -> str:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return str(path)


def test_the_format_is_registered_as_csv_and_strict():
    assert load("csv") is plain_csv
    assert plain_csv.SOURCE == "csv" and plain_csv.STRICT_DUPLICATES


def test_the_fixture_parses_to_exact_rows():
    # e-mails lower-cased, Slack IDs as they are, no request counts in this format
    assert list(plain_csv.parse(PLAIN)) == EXPECTED


def test_the_fixture_imports_attributed_by_slack_id_and_email(engine, app, slack):
    report = import_files(engine, "csv", [PLAIN], lookup_email=slack_email_lookup(app.client))
    assert (report.rows, report.usage_rows, report.activity_rows) == (6, 6, 0)
    assert report.attributed == 5  # ada's three rows by Slack ID, grace's two by e-mail
    assert report.unattributed_keys == {"contractor@agency.example": 1}
    # grace's e-mail is asked once although it names two rows (in two spellings); the contractor's once
    asked = sorted(call.args["email"] for call in slack.calls("users.lookupByEmail"))
    assert asked == ["contractor@agency.example", "grace@example.com"]
    assert usage(engine, "csv") == [
        ("U0USER001", "2026-11-16", SONNET, 120_000, 18_000, 0, 0, 0.63, 0, "U0USER001"),
        ("U0USER001", "2026-11-17", SONNET, 80_000, 12_000, 0, 0, 0.42, 0, "U0USER001"),
        ("U0USER001", "2026-11-23", SONNET, 1_000, 100, 0, 0, 0.0045, 0, "U0USER001"),
        ("contractor@agency.example", "2026-11-17", "claude-opus-4-1", 10_000, 2_000, 0, 0, 0.3, 0, None),
        ("grace@example.com", "2026-11-16", "gpt-4.1", 50_000, 9_000, 0, 0, 0.172, 0, "U0USER002"),
        ("grace@example.com", "2026-11-18", "gpt-4.1", 25_000, 4_000, 0, 0, 0.082, 0, "U0USER002"),
    ]
    # ada W47: 138,000 + 92,000 tokens, $0.63 + $0.42; W48: 1,100, $0.0045; grace W47: 59,000 + 29,000, $0.254
    assert summaries(engine) == {
        ("U0USER001", "2026-W47"): (230_000, 1.05, SONNET),
        ("U0USER001", "2026-W48"): (1_100, 0.0045, SONNET),
        ("U0USER002", "2026-W47"): (88_000, 0.254, "gpt-4.1"),
    }
    assert report.person_weeks == 3


def test_the_malformed_fixture_names_its_line_and_imports_nothing(engine):
    before = snapshot(engine)
    with pytest.raises(UsageFileError) as caught:
        import_files(engine, "csv", [MALFORMED])
    assert str(caught.value) == f"{MALFORMED}, line 4: output_tokens '12k' is not a whole number. Nothing was imported."
    assert (caught.value.file, caught.value.ref) == (MALFORMED, "line 4")
    assert snapshot(engine) == before


def test_the_parser_alone_names_the_line():
    rows = plain_csv.parse(MALFORMED)
    assert [next(rows).ref, next(rows).ref] == ["line 2", "line 3"]  # streamed: the good lines come first
    with pytest.raises(RecordError, match="^line 4: output_tokens '12k'"):
        next(rows)


def test_a_repeated_person_date_and_model_names_both_lines(engine, tmp_path):
    lines = [
        "U0USER001,2026-11-16,claude-sonnet-4-5,1,1,0.1",
        "U0USER001,2026-11-17,claude-sonnet-4-5,1,1,0.1",
        "U0USER002,2026-11-17,gpt-4.1,1,1,0.1",
        "U0USER001,2026-11-17,claude-sonnet-4-5,5,5,0.5",  # line 5 repeats line 3
    ]
    path = _write(tmp_path, lines)
    before = snapshot(engine)
    with pytest.raises(UsageFileError) as caught:
        import_files(engine, "csv", [path])
    assert str(caught.value) == (f"{path}, line 5: same person, date and model as line 3. Nothing was imported.")
    assert snapshot(engine) == before


def test_a_repeat_before_a_bad_line_is_the_error_reported(engine, tmp_path):
    lines = ["ada@example.com,2026-11-16,m,1,1,0.1", "ADA@example.com,2026-11-16,m,2,2,0.2", "bad"]
    with pytest.raises(UsageFileError, match=r"line 3: same person, date and model as line 2\."):
        import_files(engine, "csv", [_write(tmp_path, lines)])


def test_a_repeat_across_two_files_names_both_files(engine, tmp_path):
    first = _write(tmp_path, ["U0USER001,2026-11-16,m,1,1,0.1", "U0USER002,2026-11-16,m,1,1,0.1"], "a.csv")
    second = _write(tmp_path, ["U0USER003,2026-11-16,m,1,1,0.1", "U0USER002,2026-11-16,m,9,9,0.9"], "b.csv")
    before = snapshot(engine)
    with pytest.raises(UsageFileError) as caught:
        import_files(engine, "csv", [first, second])
    assert str(caught.value) == (
        f"{second}, line 3: same person, date and model as {first}, line 3. Nothing was imported."
    )
    assert snapshot(engine) == before


@pytest.mark.parametrize(
    ("content", "ref", "words"),
    [
        (b"", "line 1", "expected the header"),
        (b"email,date,model,input_tokens,output_tokens,cost_usd\n", "line 1", "expected the header"),
        (HEADER.encode() + b"\nU0USER001,2026-11-16,m,1,1,0.1\nU0USER001,2026-11-17,m,\xff\xfe,1,0\n", "line 3",
         "is not UTF-8 text"),
        (HEADER.encode() + b'\nU0USER001,2026-11-16,"m,1,1,0.1\n', "line 2", "expected 6 fields"),
        (HEADER.encode() + b"\nU0USER001,2026-11-16,m,1,1\n", "line 2", "expected 6 fields"),
        (HEADER.encode() + b"\nU1,2026-11-16,m,1,1,0\n", "line 2", "neither an e-mail address nor a Slack user ID"),
    ],
)  # fmt: skip
def test_files_that_are_not_this_format_are_named(engine, tmp_path, content, ref, words):
    path = tmp_path / "odd.csv"
    path.write_bytes(content)
    with pytest.raises(UsageFileError) as caught:
        import_files(engine, "csv", [str(path)])
    assert caught.value.ref == ref and words in caught.value.problem
