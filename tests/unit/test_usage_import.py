"""CSV token-usage import: all-or-nothing, idempotent, attributes rows to people, writes weekly summaries."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from bot.services.usage_import import BATCH, UsageFileError, import_usage_csv

HEADER = "email_or_slack_id,date,model,input_tokens,output_tokens,cost_usd"
GOOD = [
    "U0ADA0001,2026-11-16,claude-sonnet,1000,500,1.50",  # 2026-W47
    "U0ADA0001,2026-11-17,claude-opus,3000,2000,9.00",  # 2026-W47
    "U0ADA0001,2026-11-17,claude-sonnet,100,50,0.25",  # 2026-W47
    "U0ADA0001,2026-11-23,claude-sonnet,10,10,0.01",  # 2026-W48
    "Grace@Example.com,2026-11-16,gpt-4o,2000,1000,3.00",  # 2026-W47, an e-mail (stored lower-cased)
]


def write(tmp_path: Path, lines: list[str], name: str = "usage.csv", header: str = HEADER) -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def rows(engine, sql: str, **params) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


def totals(engine) -> tuple:
    return rows(
        engine, "SELECT count(*), sum(input_tokens), sum(output_tokens), round(sum(cost_usd), 2) FROM usage_records"
    )[0]


def summaries(engine) -> dict[tuple[str, str], tuple]:
    found = rows(
        engine,
        "SELECT p.slack_user_id, s.week, s.tokens, round(s.cost_usd, 2), s.top_model "
        "FROM token_summaries s JOIN people p ON p.id = s.person_id",
    )
    return {(uid, week): tuple(rest) for uid, week, *rest in found}


def test_good_file_imports_and_attributes_slack_ids(engine, tmp_path):
    report = import_usage_csv(engine, write(tmp_path, GOOD))
    assert report.rows == 5
    assert report.attributed == 4  # the four Slack-ID rows
    assert report.unattributed_keys == {"grace@example.com": 1}
    # input 1000+3000+100+10+2000 = 6110; output 500+2000+50+10+1000 = 3560; $1.50+9+0.25+0.01+3 = 13.76
    assert totals(engine) == (5, 6110, 3560, 13.76)
    # Ada's person-weeks: W47 = 1500 + 5000 + 150 = 6650 tokens, $10.75, mostly claude-opus (5000); W48 = 20
    assert report.person_weeks == 2
    assert summaries(engine) == {
        ("U0ADA0001", "2026-W47"): (6650, 10.75, "claude-opus"),
        ("U0ADA0001", "2026-W48"): (20, 0.01, "claude-sonnet"),
    }


def test_unknown_email_without_lookup_is_kept_unattributed(engine, tmp_path):
    import_usage_csv(engine, write(tmp_path, GOOD))
    assert rows(
        engine, "SELECT person_key, person_id, input_tokens FROM usage_records WHERE person_key LIKE '%@%'"
    ) == [("grace@example.com", None, 2000)]
    assert rows(engine, "SELECT count(*) FROM people WHERE email IS NOT NULL") == [(0,)]


def test_email_lookup_attributes_and_summarises(engine, tmp_path):
    asked: list[str] = []

    def lookup(email: str) -> str | None:
        asked.append(email)
        return {"grace@example.com": "U0GRACE01"}.get(email)

    report = import_usage_csv(engine, write(tmp_path, GOOD + ["nobody@example.com,2026-11-16,gpt-4o,1,1,0"]), lookup)
    assert sorted(asked) == ["grace@example.com", "nobody@example.com"]
    assert report.attributed == 5
    assert report.unattributed_keys == {"nobody@example.com": 1}
    assert rows(engine, "SELECT slack_user_id, email FROM people WHERE email IS NOT NULL") == [
        ("U0GRACE01", "grace@example.com")
    ]
    # Grace's week: 2000 + 1000 tokens, $3.00, gpt-4o
    assert summaries(engine)[("U0GRACE01", "2026-W47")] == (3000, 3.0, "gpt-4o")
    assert report.person_weeks == 3


def test_email_of_a_known_member_is_attributed_to_that_member(engine, tmp_path):
    # Ada is first known by Slack ID; a later file names her by e-mail, which Slack resolves to her ID.
    import_usage_csv(engine, write(tmp_path, GOOD[:1], "a.csv"))
    import_usage_csv(
        engine, write(tmp_path, ["ada@example.com,2026-11-18,gpt-4o,7,3,0.5"], "b.csv"), lambda e: "U0ADA0001"
    )
    assert rows(engine, "SELECT count(*) FROM people") == [(1,)]
    # W47: 1500 (sonnet) + 10 (gpt-4o)
    assert summaries(engine)[("U0ADA0001", "2026-W47")] == (1510, 2.0, "claude-sonnet")


def test_reimporting_the_same_file_changes_nothing(engine, tmp_path):
    path = write(tmp_path, GOOD)
    first = import_usage_csv(engine, path)
    before = (totals(engine), summaries(engine), rows(engine, "SELECT count(*) FROM people"))
    second = import_usage_csv(engine, path)
    assert (totals(engine), summaries(engine), rows(engine, "SELECT count(*) FROM people")) == before
    assert totals(engine)[0] == 5
    assert (second.rows, second.attributed, second.person_weeks) == (first.rows, first.attributed, first.person_weeks)


def test_corrected_file_replaces_its_rows(engine, tmp_path):
    import_usage_csv(engine, write(tmp_path, GOOD))
    fixed = ["U0ADA0001,2026-11-16,claude-sonnet,2000,1000,3.00"] + GOOD[1:]  # first row doubled
    import_usage_csv(engine, write(tmp_path, fixed, "fixed.csv"))
    assert totals(engine) == (5, 7110, 4060, 15.26)
    assert summaries(engine)[("U0ADA0001", "2026-W47")] == (8150, 12.25, "claude-opus")


@pytest.mark.parametrize(
    ("lines", "line", "words"),
    [
        ([GOOD[0], "U0ADA0001,2026-11-18,claude-sonnet,10,lots,0.1"], 3, "output_tokens 'lots'"),
        ([GOOD[0], "U0ADA0001,2026-13-01,claude-sonnet,10,10,0.1"], 3, "date"),
        ([GOOD[0], "U0ADA0001,18/11/2026,claude-sonnet,10,10,0.1"], 3, "date"),
        ([GOOD[0], "U0ADA0001,2026-11-16,claude-sonnet,9,9,0.1"], 3, "same person, date and model as line 2"),
        ([GOOD[4], "grace@EXAMPLE.com,2026-11-16,gpt-4o,1,1,0"], 3, "same person, date and model as line 2"),
        ([GOOD[0], "U0ADA0001,2026-11-18,claude-sonnet,-5,10,0.1"], 3, "negative"),
        ([GOOD[0], "U0ADA0001,2026-11-18,claude-sonnet,10,10,free"], 3, "cost_usd"),
        ([GOOD[0], "U0ADA0001,2026-11-18,claude-sonnet,10,10,nan"], 3, "cost_usd"),
        ([GOOD[0], "U0ADA0001,2026-11-18,claude-sonnet,10,10,-1"], 3, "cost_usd"),
        ([GOOD[0], "U0ADA0001,2026-11-18,,10,10,0.1"], 3, "model"),
        ([GOOD[0], "ada,2026-11-18,claude-sonnet,10,10,0.1"], 3, "neither an e-mail"),
        ([GOOD[0], "U0ADA0001,2026-11-18,claude-sonnet,10,10"], 3, "expected 6 fields"),
        ([GOOD[0], "U0ADA0001,2026-11-18,claude-sonnet,10,10,0.1,extra"], 3, "expected 6 fields"),
        ([GOOD[0], "", GOOD[1], "U0ADA0001,2026-11-18,x,1,1,oops"], 5, "cost_usd"),  # blank lines still count
    ],
)
def test_bad_line_is_named_and_nothing_is_imported(engine, tmp_path, lines, line, words):
    with pytest.raises(UsageFileError) as caught:
        import_usage_csv(engine, write(tmp_path, lines), lambda e: "U0GRACE01")
    assert caught.value.ref == f"line {line}"
    assert f"line {line}:" in str(caught.value)
    assert words in str(caught.value)
    assert "Nothing was imported" in str(caught.value)
    assert rows(engine, "SELECT count(*) FROM usage_records") == [(0,)]
    assert rows(engine, "SELECT count(*) FROM token_summaries") == [(0,)]
    assert rows(engine, "SELECT count(*) FROM people") == [(0,)]


@pytest.mark.parametrize(
    "header",
    [
        "email,date,model,input_tokens,output_tokens,cost_usd",
        "email_or_slack_id,date,model,input_tokens,output_tokens",
        "date,email_or_slack_id,model,input_tokens,output_tokens,cost_usd",
        "",
    ],
)
def test_wrong_header_is_line_1(engine, tmp_path, header):
    with pytest.raises(UsageFileError, match="line 1:") as caught:
        import_usage_csv(engine, write(tmp_path, GOOD, header=header))
    assert caught.value.ref == "line 1"
    assert rows(engine, "SELECT count(*) FROM usage_records") == [(0,)]


def test_header_with_byte_order_mark_and_crlf_is_accepted(engine, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text("\ufeff" + HEADER + "\r\n" + "\r\n".join(GOOD) + "\r\n", encoding="utf-8")
    assert import_usage_csv(engine, path).rows == 5
    assert totals(engine) == (5, 6110, 3560, 13.76)


def test_header_with_spaces_after_commas_is_accepted(engine, tmp_path):
    path = write(tmp_path, GOOD, header=HEADER.replace(",", ", "))
    assert import_usage_csv(engine, path).rows == 5


def test_bad_line_after_a_full_batch_rolls_back_the_written_batches(engine, tmp_path):
    good = [f"U0ADA0001,2026-11-16,model-{i:04d},{i},1,0.01" for i in range(BATCH + 500)]
    assert len(good) > BATCH  # a full batch is written to the session before the bad line
    bad_line = len(good) + 2  # after the header and the good lines
    path = write(tmp_path, [*good, "U0ADA0001,2026-11-16,claude-sonnet,10,lots,0.1"])
    with pytest.raises(UsageFileError, match=f"line {bad_line}:"):
        import_usage_csv(engine, path)
    assert rows(engine, "SELECT count(*) FROM usage_records") == [(0,)]
    assert rows(engine, "SELECT count(*) FROM people") == [(0,)]
    assert rows(engine, "SELECT count(*) FROM token_summaries") == [(0,)]


def test_failed_import_keeps_what_an_earlier_import_wrote(engine, tmp_path):
    import_usage_csv(engine, write(tmp_path, GOOD, "good.csv"))
    before = (totals(engine), summaries(engine))
    bad = ["U0ADA0001,2026-11-16,claude-sonnet,999999,999999,999"] + ["U0ADA0001,2026-11-16,x,1,1,nope"]
    with pytest.raises(UsageFileError, match="line 3:"):
        import_usage_csv(engine, write(tmp_path, bad, "bad.csv"))
    assert (totals(engine), summaries(engine)) == before


def test_large_file_across_batches_imports_every_row(engine, tmp_path):
    good = [f"U0ADA0001,2026-11-16,model-{i:04d},{i},1,0.01" for i in range(BATCH + 1)]
    report = import_usage_csv(engine, write(tmp_path, good))
    n = len(good)  # BATCH + 1 rows: input 0+1+...+BATCH = n(n-1)/2, output n
    assert report.rows == n
    assert totals(engine)[:3] == (n, n * (n - 1) // 2, n)
    tokens = summaries(engine)[("U0ADA0001", "2026-W47")]
    assert tokens[0] == n * (n - 1) // 2 + n
    assert tokens[2] == f"model-{BATCH:04d}"  # the model with the most tokens


@pytest.mark.parametrize("cost", ["inf", "1e400"])
def test_infinite_cost_is_refused(engine, tmp_path, cost):
    with pytest.raises(UsageFileError, match="line 2:"):
        import_usage_csv(engine, write(tmp_path, [f"U0ADA0001,2026-11-16,claude-sonnet,1,1,{cost}"]))
