"""A corpus of bad import files, in every format: each is refused naming the file and its line (or, in JSON, its
record) with nothing imported, never by a crash (an OverflowError from SQLite, a date off the calendar, a
traceback); pathological JSON nesting is refused in linear time; and arbitrary bytes either parse or are
refused with the import's error. The bounds themselves live in ``bot/usage/bounds.py``."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cli import main
from bot.services import usage_import
from bot.services.usage_import import UsageFileError, import_files
from bot.usage import bounds
from bot.usage.formats import _pages, copilot, litellm, load
from bot.usage.rows import RecordError
from tests.usage.snapshots import query, snapshot

# -- writing small files of each format ----------------------------------------------------------------


class Raw:
    """A JSON literal written as is (a number Python would not print, NaN)."""

    def __init__(self, literal: str) -> None:
        self.literal = literal


def _dumps(value: object) -> str:
    """JSON text with every Raw written as its literal."""
    raws: list[str] = []

    def placeholder(obj: object) -> str:
        if isinstance(obj, Raw):
            raws.append(obj.literal)
            return f"@@raw{len(raws) - 1}@@"
        raise TypeError(type(obj).__name__)

    text = json.dumps(value, default=placeholder)
    for index, literal in enumerate(raws):
        text = text.replace(f'"@@raw{index}@@"', literal)
    return text


def _text(value: object) -> str:
    return value.literal if isinstance(value, Raw) else str(value)


def _stamp(day: str) -> str:
    return day if "T" in day else f"{day}T00:00:00Z"


def _csv(header: list[str], rows: list[list[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[_text(value) for value in row] for row in rows])
    return out.getvalue()


def _plain(specs: list[dict]) -> str:
    return _csv(
        ["email_or_slack_id", "date", "model", "input_tokens", "output_tokens", "cost_usd"],
        [[s["who"], s["day"], s["model"], s["tokens"], 10, s["cost"]] for s in specs],
    )


def _litellm_csv(specs: list[dict]) -> str:
    return _csv(
        ["request_id", "user", "startTime", "model", "prompt_tokens", "completion_tokens", "spend"],
        [[f"r{i}", s["who"], _stamp(s["day"]), s["model"], s["tokens"], 10, s["cost"]] for i, s in enumerate(specs)],
    )


def _litellm_json(specs: list[dict]) -> str:
    return _dumps([
        {"request_id": f"r{i}", "user": s["who"], "startTime": _stamp(s["day"]), "model": s["model"],
         "prompt_tokens": s["tokens"], "completion_tokens": 10, "spend": s["cost"]}
        for i, s in enumerate(specs)
    ])  # fmt: skip


def _anthropic(specs: list[dict]) -> str:
    buckets = [
        {"starting_at": _stamp(s["day"]), "ending_at": _stamp(s["day"]), "results": [
            {"uncached_input_tokens": s["tokens"], "output_tokens": 10, "cache_read_input_tokens": 0,
             "cache_creation": {"ephemeral_1h_input_tokens": 0, "ephemeral_5m_input_tokens": 0},
             "account_id": s["who"], "model": s["model"]}]}
        for s in specs
    ]  # fmt: skip
    return _dumps({"data": buckets, "has_more": False, "next_page": None})


def _unix(day: str) -> int:
    if "T" in day:
        return int(datetime.fromisoformat(day).timestamp())
    found = date.fromisoformat(day)
    return int(datetime(found.year, found.month, found.day, tzinfo=UTC).timestamp())


def _openai(specs: list[dict]) -> str:
    buckets = [
        {"object": "bucket", "start_time": _unix(s["day"]), "end_time": _unix(s["day"]) + 86400, "results": [
            {"input_tokens": s["tokens"], "output_tokens": 10, "num_model_requests": 1, "user_id": s["who"],
             "model": s["model"]}]}
        for s in specs
    ]  # fmt: skip
    return _dumps({"object": "page", "data": buckets, "has_more": False, "next_page": None})


def _cents(cost: object) -> object:
    """Dollars as the report's cents (1e308 dollars as 1e308 cents: a hundred times would be infinite)."""
    if isinstance(cost, int | float):
        return cost * 100 if abs(cost) < 1e300 else Raw(repr(cost))
    return cost


def _claude_code(specs: list[dict]) -> str:
    records = [
        {"date": s["day"], "actor": {"type": "user_actor", "email_address": s["who"]},
         "core_metrics": {"num_sessions": 1, "lines_of_code": {"added": 5, "removed": 1},
                          "commits_by_claude_code": 0, "pull_requests_by_claude_code": 0},
         "tool_actions": {"edit_tool": {"accepted": 1, "rejected": 0}},
         "model_breakdown": [{"model": s["model"],
                              "tokens": {"input": s["tokens"], "output": 10, "cache_read": 0, "cache_creation": 0},
                              "estimated_cost": {"currency": "USD", "amount": _cents(s["cost"])}}]}
        for s in specs
    ]  # fmt: skip
    return _dumps({"data": records, "has_more": False, "next_page": None})


def _copilot(specs: list[dict]) -> str:
    lines = [
        _dumps({"day": s["day"], "user_login": s["login"], "user_initiated_interaction_count": 3,
                "totals_by_cli": {"session_count": 1, "request_count": 2, "token_usage": {
                    "prompt_tokens_sum": s["tokens"], "output_tokens_sum": 10, "model": s["model"]}}})
        for s in specs
    ]  # fmt: skip
    return "\n".join(lines) + "\n"


# name → (format, writer, the ref naming record 1 (the second), fields it has)
ALL = {"who", "day", "model", "tokens", "cost", "stamp"}
FORMATS: dict[str, tuple[str, Callable[[list[dict]], str], str, set[str]]] = {
    "csv": ("csv", _plain, "line 3", ALL - {"stamp"}),
    "litellm-csv": ("litellm", _litellm_csv, "line 3", ALL),
    "litellm-json": ("litellm", _litellm_json, "[1]", ALL),
    "anthropic": ("anthropic", _anthropic, "data[1]", ALL - {"cost"}),
    "openai": ("openai", _openai, "data[1]", ALL - {"cost", "stamp"}),
    "claude-code": ("claude-code", _claude_code, "data[1]", ALL),
    "copilot": ("copilot", _copilot, "line 2", ALL - {"cost", "who"}),  # a login is checked as a login
}
EXTENSION = {"csv": "csv", "litellm-csv": "csv", "copilot": "ndjson"}


def _spec(index: int, **fields: object) -> dict:
    return {"who": f"user{index}@example.com", "login": f"user{index}", "day": "2026-11-16",
            "model": "claude-sonnet-4-5", "tokens": 1000, "cost": 0.5, **fields}  # fmt: skip


def _write(tmp_path: Path, name: str, specs: list[dict], stem: str = "bad") -> str:
    path = tmp_path / f"{stem}-{name}.{EXTENSION.get(name, 'json')}"
    path.write_text(FORMATS[name][1](specs), encoding="utf-8")
    return str(path)


def _names(ref: str, expected: str) -> bool:
    """Whether ``ref`` names the record ``expected`` (``data[1]`` names ``data[1].results[0]`` too), or for broken
    JSON in a report page the point after the record before it (``after data[0]``, as the reader says)."""
    if expected == "data[1]" and ref == "after data[0]":
        return True
    return ref == expected or ref.startswith((f"{expected}.", f"{expected} ", f"{expected}:"))


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """One database for the whole corpus, holding an earlier good import: no refusal may change it."""
    from storage.engine import make_engine, migrate

    folder = tmp_path_factory.mktemp("bad-files")
    engine = make_engine(f"sqlite:///{folder}/airetro.db")
    migrate(engine)
    good = folder / "good.csv"
    good.write_text(_plain([_spec(0), _spec(1)]), encoding="utf-8")
    import_files(engine, "csv", [str(good)])
    yield engine
    engine.dispose()


# -- the corpus ------------------------------------------------------------------------------------------

TOO_MANY = "is more than 1,000,000,000,000"
OFF_CALENDAR = "is not between 2000-01-01 and 2100-12-31"
CONTROL = "contains a control character"
NOT_AMOUNT = "is not a non-negative amount"
TOO_DEAR = "is more than $1,000,000"

# (case, the field it needs, what record 1 holds, what the message may say)
CASES: list[tuple[str, str, dict, tuple[str, ...]]] = [
    ("30-digit tokens", "tokens", {"tokens": 10**30}, (TOO_MANY,)),
    ("tokens one past the bound", "tokens", {"tokens": bounds.MAX_COUNT + 1}, (TOO_MANY,)),
    ("tokens past 64 bits", "tokens", {"tokens": 2**64}, (TOO_MANY,)),
    (
        "a 5,000-digit number",
        "tokens",
        {"tokens": Raw("9" * 5000)},
        ("too many digits", "is not a whole number", "is not a usable record"),
    ),
    ("negative tokens", "tokens", {"tokens": -5}, ("is negative",)),
    ("9999-12-31", "day", {"day": "9999-12-31"}, (OFF_CALENDAR,)),
    ("0001-01-01", "day", {"day": "0001-01-01"}, (OFF_CALENDAR, "is negative")),
    ("1999-12-31", "day", {"day": "1999-12-31"}, (OFF_CALENDAR,)),
    ("2101-01-01", "day", {"day": "2101-01-01"}, (OFF_CALENDAR,)),
    ("9999-12-31 at UTC-5", "stamp", {"day": "9999-12-31T23:00:00-05:00"}, (OFF_CALENDAR,)),
    ("0001-01-01 at UTC+1", "stamp", {"day": "0001-01-01T00:30:00+01:00"}, (OFF_CALENDAR,)),
    ("a cost of 1e308", "cost", {"cost": 1e308}, (TOO_DEAR,)),
    ("a cost past $1,000,000", "cost", {"cost": 1_000_001}, (TOO_DEAR,)),
    ("a negative cost", "cost", {"cost": -1}, (NOT_AMOUNT,)),
    ("an infinite cost", "cost", {"cost": Raw("1e999")}, (NOT_AMOUNT, "is not a number")),
    ("a NaN cost", "cost", {"cost": Raw("NaN")}, (NOT_AMOUNT, "not valid JSON")),
    ("an Infinity cost", "cost", {"cost": Raw("Infinity")}, (NOT_AMOUNT, "not valid JSON")),
    ("a NUL in the model", "model", {"model": "claude\x00sonnet"}, (CONTROL,)),
    ("an escape in the model", "model", {"model": "gpt\x1b[31m"}, (CONTROL,)),
    ("a newline in the model", "model", {"model": "gpt\n4"}, (CONTROL, "not valid JSON")),
    ("a 5,000-character model", "model", {"model": "m" * 5000}, ("is longer than 1,000 characters",)),
    ("a NUL in the user", "who", {"who": "ada\x00@example.com"}, (CONTROL,)),
    ("a DEL in the user", "who", {"who": "ada\x7f@example.com"}, (CONTROL,)),
    ("a NUL in the login", "login", {"login": "octo\x00cat"}, (CONTROL,)),
]
CORPUS = [
    pytest.param(name, fields, says, id=f"{name}: {case}")
    for case, needs, fields, says in CASES
    for name, (_, _, _, has) in FORMATS.items()
    if needs in has or (needs == "login" and name == "copilot")
]


@pytest.mark.parametrize(("name", "fields", "says"), CORPUS)
def test_a_bad_record_is_refused_naming_file_and_record_with_nothing_imported(seeded, tmp_path, name, fields, says):
    fmt, _, ref, _ = FORMATS[name]
    path = _write(tmp_path, name, [_spec(0), _spec(1, **fields), _spec(2)])
    before = snapshot(seeded)
    with pytest.raises(UsageFileError) as caught:
        import_files(seeded, fmt, [path])
    error = caught.value
    if ref == "line 3" and "\n" in str(fields.get("model")):
        ref = "line 4"  # the csv module names a record by the line it ends on
    assert error.file == path and _names(error.ref, ref), str(error)
    assert any(said in error.problem for said in says), str(error)
    assert str(error).startswith(f"{path}, ") and str(error).endswith(". Nothing was imported.")
    assert "\x00" not in str(error) and "\x1b" not in str(error) and "\x7f" not in str(error)
    assert snapshot(seeded) == before


def test_the_corpus_covers_every_format():
    assert len(CORPUS) >= 100
    assert {name for name, *_ in (p.values for p in CORPUS)} == set(FORMATS)


@pytest.mark.parametrize("name", [name for name, (*_, has) in FORMATS.items() if "cost" in has])
def test_two_costs_of_1e308_never_add_up_to_infinity(seeded, tmp_path, name):
    fmt, _, ref, _ = FORMATS[name]
    same = {"who": "ada@example.com", "cost": 1e308}  # same key, day and model: they would be added together
    path = _write(tmp_path, name, [_spec(0), _spec(1, **same), _spec(2, **same)])
    before = snapshot(seeded)
    with pytest.raises(UsageFileError) as caught:
        import_files(seeded, fmt, [path])
    assert _names(caught.value.ref, ref) and TOO_DEAR in caught.value.problem
    assert snapshot(seeded) == before


@pytest.mark.parametrize("name", list(FORMATS))
def test_tokens_whose_sum_passes_64_bits_are_refused_at_the_first(seeded, tmp_path, name):
    fmt, _, ref, _ = FORMATS[name]
    half = 2**62  # two of them pass what SQLite's INTEGER holds
    path = _write(tmp_path, name, [_spec(0), _spec(1, tokens=half), _spec(2, tokens=half)])
    before = snapshot(seeded)
    with pytest.raises(UsageFileError) as caught:
        import_files(seeded, fmt, [path])
    assert _names(caught.value.ref, ref) and TOO_MANY in caught.value.problem
    assert snapshot(seeded) == before


def test_counts_at_the_bound_are_kept_and_their_sums_fit(engine, engine_name, tmp_path):
    """The bound itself is accepted; events at the bound add up in SQL to an exact integer."""
    at = bounds.MAX_COUNT
    path = _write(
        tmp_path, "litellm-json", [_spec(i, who="ada@example.com", tokens=at, cost=1_000_000) for i in range(3)]
    )
    report = import_files(engine, "litellm", [path])
    assert report.usage_records == 1
    (stored,) = query(engine, "SELECT input_tokens, requests FROM usage_records")
    assert stored == (3 * at, 3) and isinstance(stored[0], int)  # an exact integer, not a float that rounds
    if engine_name == "sqlite":
        assert query(engine, "SELECT typeof(input_tokens) FROM usage_records") == [("integer",)]
    # the bound leaves room: millions of records at it, every count of them added up, still fit in 64 bits
    assert bounds.MAX_COUNT * 5 * 1_000_000 < bounds.INT64_MAX == bounds.MAX_SUM


def test_an_import_whose_counts_add_up_past_64_bits_is_refused_at_that_record(engine, tmp_path, monkeypatch):
    """No sum in SQL can overflow: the import refuses the record at which its counts would pass MAX_SUM
    (lowered here, so a few batches are staged before the refusal, which still keeps nothing)."""
    monkeypatch.setattr(usage_import, "MAX_SUM", 12_000 * 1011 + 500)  # a record counts 1,000 + 10 tokens, 1 request
    path = _write(tmp_path, "litellm-json", [_spec(i) for i in range(13_000)])
    before = snapshot(engine)
    with pytest.raises(UsageFileError) as caught:
        import_files(engine, "litellm", [path])
    assert caught.value.ref == "[12000] (request_id r12000)" and "add up past" in caught.value.problem
    assert snapshot(engine) == before


def test_a_bad_file_among_good_ones_keeps_none_of_them(seeded, tmp_path):
    good = _write(tmp_path, "csv", [_spec(5), _spec(6)], stem="good")
    bad = _write(tmp_path, "csv", [_spec(7), _spec(8, tokens=10**30)])
    before = snapshot(seeded)
    with pytest.raises(UsageFileError) as caught:
        import_files(seeded, "csv", [good, bad])
    assert (caught.value.file, caught.value.ref) == (bad, "line 3")
    assert snapshot(seeded) == before


def test_a_bad_email_in_the_copilot_logins_file_is_named(tmp_path):
    logins = tmp_path / "logins.csv"
    logins.write_text("github_login,email\noctocat,ada\x00@example.com\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"logins\.csv, line 2: email 'ada\\x00@example.com' contains a control"):
        copilot.load_logins(str(logins))


def test_json_numbers_and_strings_that_ijson_cannot_hand_over_are_refused_not_crashed(seeded, tmp_path):
    """A number of more than 4,300 digits made ijson raise SystemError; now it is named like broken JSON."""
    path = tmp_path / "long.json"
    path.write_text('{"data": [{"starting_at": "2026-11-16T00:00:00Z", "results": [{"output_tokens": '
                    + "9" * 5000 + "}]}]}")  # fmt: skip
    with pytest.raises(UsageFileError, match="not valid JSON \\(a number has too many digits\\)"):
        import_files(seeded, "anthropic", [str(path)])


# -- pathological nesting: refused in linear time ---------------------------------------------------------


def _nested(size: int, inside: bool) -> bytes:
    """``size`` bytes of ``[``, alone or as the value of a record that looks right up to there."""
    head = b'{"data": [{"starting_at": "2026-11-16T00:00:00Z", "results": ' if inside else b""
    return head + b"[" * (size - len(head))


READERS: dict[str, Callable[[io.BytesIO], object]] = {
    "pages": lambda handle: list(_pages.read_pages(handle)),  # anthropic, claude-code, openai (and pulls)
    "litellm": lambda handle: list(litellm._json_records(handle)),
    "copilot": lambda handle: list(copilot.read(handle)),
}


@pytest.mark.parametrize("reader", list(READERS))
@pytest.mark.parametrize("inside", [False, True], ids=["alone", "inside-a-record"])
def test_nesting_is_refused_after_reading_a_bounded_amount_whatever_the_size(reader, inside):
    """The work does not grow with the file: 100 kB, 1 MB and 10 MB of ``[`` are refused after reading the
    same bytes (at most two chunks; Copilot's NDJSON a line of at most a megabyte), each chunk parsed without
    path prefixes (in time linear in its size)."""
    read = []
    for size in (100_000, 1_000_000, 10_000_000):
        handle = io.BytesIO(_nested(size, inside))
        with pytest.raises(RecordError) as caught:
            READERS[reader](handle)
        assert caught.value.ref in ("[0]", "data[0]", "line 1"), str(caught.value)
        if inside or reader == "copilot":
            assert "deeper than" in caught.value.message or "is longer than" in caught.value.message
        read.append(handle.tell())  # how far into the file the reader got
    limit = 2 * copilot.MAX_LINE_BYTES if reader == "copilot" else 2 * _pages.CHUNK
    assert max(read) <= limit and read[1] <= read[2] <= limit


@pytest.mark.parametrize("name", ["litellm-json", "anthropic", "openai", "claude-code", "copilot"])
def test_a_megabyte_of_nesting_is_refused_at_once_through_the_import(seeded, tmp_path, name):
    fmt = FORMATS[name][0]
    path = tmp_path / f"nested-{name}.json"
    path.write_bytes(_nested(1_000_000, inside=name != "litellm-json"))
    before = snapshot(seeded)
    started = time.perf_counter()
    with pytest.raises(UsageFileError) as caught:
        import_files(seeded, fmt, [str(path)])
    elapsed = time.perf_counter() - started
    assert caught.value.file == str(path)
    assert elapsed < 5, elapsed  # takes milliseconds; before, 50 kB took 19.5 s and 100 kB ran out of memory
    assert snapshot(seeded) == before


def test_a_record_nesting_just_within_the_bound_is_read_and_one_level_more_is_not():
    def page(depth: int) -> bytes:  # the record is 3 deep (object, data, record): its extra field adds the rest
        extra = "[" * (depth - 3) + "]" * (depth - 3)
        return f'{{"data": [{{"extra": {extra}, "n": 1}}]}}'.encode()

    assert list(_pages.read_pages(io.BytesIO(page(bounds.MAX_JSON_DEPTH)))) == [
        ("data[0]", {"extra": _deep_list(bounds.MAX_JSON_DEPTH - 3), "n": 1})
    ]
    with pytest.raises(RecordError, match=r"^data\[0\]: nests deeper than 64 levels"):
        list(_pages.read_pages(io.BytesIO(page(bounds.MAX_JSON_DEPTH + 1))))


def _deep_list(depth: int) -> list:
    value: list = []
    for _ in range(depth - 1):
        value = [value]
    return value


def test_long_keys_cost_no_more_than_their_bytes(seeded, tmp_path):
    """ijson's path prefixes repeat every key above a value: a 1 MB key over many values was quadratic."""
    path = tmp_path / "long-key.json"
    values = ", ".join(f'"k{i}": 1' for i in range(50_000))
    path.write_text(f'{{"{"x" * 1_000_000}": {{{values}}}, "data": []}}')
    started = time.perf_counter()
    assert list(load("anthropic").parse(str(path))) == []
    assert time.perf_counter() - started < 5  # well under a second; quadratic, it took minutes


# -- through the CLI -----------------------------------------------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch, fresh_database_url, slack):
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", fresh_database_url)
    monkeypatch.setenv("SLACK_API_URL", slack.url)
    return monkeypatch


@pytest.mark.parametrize(
    ("name", "fields", "says"),
    [
        ("csv", {"tokens": 10**30}, f"line 3: input_tokens 1{'0' * 30} {TOO_MANY}"),
        ("csv", {"day": "9999-12-31"}, f"line 3: date 9999-12-31 {OFF_CALENDAR}"),
        ("anthropic", {"day": "0001-01-01T00:30:00+01:00"}, "data[1]: starting_at '0001-01-01T00:30:00+01:00' "),
        ("litellm-csv", {"model": "gpt\x00"}, "line 3 (request_id r1): model 'gpt\\x00' contains a control character"),
    ],
    ids=["30-digit-tokens", "year-9999", "year-1", "nul"],
)
def test_the_cli_names_file_and_line_and_exits_non_zero_without_a_traceback(cli_env, tmp_path, capsys, name, fields,
                                                                            says):  # fmt: skip
    path = _write(tmp_path, name, [_spec(0), _spec(1, **fields), _spec(2)])
    assert main(["import-usage", "--format", FORMATS[name][0], path]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"airetro: {path}, {says}") and err.endswith("Nothing was imported.\n"), err
    assert "Traceback" not in err and len(err.splitlines()) == 1
    assert main(["import-usage", "--format", FORMATS[name][0], _write(tmp_path, name, [_spec(0)], "ok")]) == 0
    assert "Imported 1 row" in capsys.readouterr().out  # the refused file left nothing behind to clash with


# -- arbitrary input: parsed, or refused with the import's error ----------------------------------------------

PARSE_FORMATS = ["csv", "litellm", "anthropic", "openai", "claude-code", "copilot"]
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _parse_or_refuse(fmt: str, path: str) -> None:
    """Parse ``path`` as ``fmt`` and check every row as the import does: only RecordError may come out."""
    try:
        for row in load(fmt).parse(path):
            bounds.check_row(row)
    except RecordError as exc:
        assert exc.ref and exc.message


@pytest.mark.parametrize("fmt", PARSE_FORMATS)
@FUZZ
@given(data=st.binary(max_size=3000))
def test_arbitrary_bytes_parse_or_are_refused(tmp_path, fmt, data):
    path = tmp_path / "fuzz.bin"
    path.write_bytes(data)
    _parse_or_refuse(fmt, str(path))


JSON_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from([Raw("NaN"), Raw("1e999"), Raw("-1e999"), Raw("9" * 5000), Raw("1e308"), Raw("-0")])
    | st.text(max_size=30)
    | st.sampled_from(["9999-12-31", "0001-01-01T00:30:00+01:00", "2026-11-16", "2026-11-16T09:00:00Z", "\x00", ""])
)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def _replace(value: object, path: list, new: object) -> object:
    if not path:
        return new
    head, *rest = path
    if isinstance(value, dict):
        return {**value, head: _replace(value[head], rest, new)}
    copy = list(value)  # type: ignore[call-overload]
    copy[head] = _replace(copy[head], rest, new)
    return copy


def _paths(value: object, prefix: list) -> list[list]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, [*prefix, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, [*prefix, index])
    return found


JSON_WRITERS = {"litellm": _litellm_json, "anthropic": _anthropic, "openai": _openai, "claude-code": _claude_code}


@pytest.mark.parametrize("fmt", [*JSON_WRITERS, "copilot"])
@FUZZ
@given(where=st.integers(min_value=0), value=JSON_VALUES)
def test_a_good_report_with_any_value_anywhere_parses_or_is_refused(tmp_path, fmt, where, value):
    """A valid file of the format with one of its values (or a whole object) replaced by an arbitrary one."""
    if fmt == "copilot":
        document = json.loads(_copilot([_spec(0)]))
        paths = _paths(document, [])
        line = _dumps(_replace(document, paths[where % len(paths)], value))
        text = line + "\n"
    else:
        document = json.loads(JSON_WRITERS[fmt]([_spec(0), _spec(1)]))
        paths = _paths(document, [])
        text = _dumps(_replace(document, paths[where % len(paths)], value))
    path = tmp_path / "fuzz.json"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    _parse_or_refuse(fmt, str(path))


CSV_FIELDS = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["", "1e308", "nan", "inf", "-1", "9" * 30, "9" * 5000, "9999-12-31", "0001-01-01", "\x00",
                     "U0USER001", "ada@example.com", "2026-11-16", "2026-11-16T09:00:00+14:00"]),
)  # fmt: skip


@pytest.mark.parametrize("name", ["csv", "litellm-csv"])
@FUZZ
@given(rows=st.lists(st.lists(CSV_FIELDS, min_size=0, max_size=8), max_size=4))
def test_csv_rows_of_anything_parse_or_are_refused(tmp_path, name, rows):
    header = _plain([]) if name == "csv" else _litellm_csv([])
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path = tmp_path / "fuzz.csv"
    path.write_text(header + out.getvalue(), encoding="utf-8", errors="surrogatepass")
    _parse_or_refuse(FORMATS[name][0], str(path))


@pytest.mark.parametrize("fmt", PARSE_FORMATS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=500) | st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_arbitrary_files_import_or_are_refused_naming_the_file(seeded, tmp_path, fmt, data):
    path = tmp_path / "fuzz-import.bin"
    path.write_bytes(data)
    try:
        import_files(seeded, fmt, [str(path)])
    except UsageFileError as exc:
        assert exc.file == str(path) and str(exc).startswith(f"{path}, ")
