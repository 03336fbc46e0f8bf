"""GitHub Copilot's per-user usage metrics: the users-1-day and users-28-day NDJSON reports read line by
line into activity (and CLI token usage) per GitHub login and day; each day its own bucket, replaced by a
later import; a bad line named with its file and imported not at all; the pull through the GitHub stand-in
that follows the reports' download links (without the token); and a login's usage reaching its person by
``airetro identities map github:LOGIN U…`` or a ``--logins`` mapping file."""

from __future__ import annotations

import gzip
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from freezegun import freeze_time

from bot.cli import main
from bot.services.usage_import import UsageFileError, import_files, import_rows
from bot.standin.github import API_VERSION, GITHUB_TOKEN, GitHubApis, ndjson
from bot.usage.fetch import FetchError
from bot.usage.formats import copilot, load
from bot.usage.pull.copilot import pull
from bot.usage.rows import ActivityRow, RecordError, UsageRow
from storage.engine import make_engine, session_scope
from storage.queries.activity import activity_by_person_week
from tests.conftest import TOKEN
from tests.usage.snapshots import query, snapshot, summaries

FIXTURES = Path(__file__).parent / "fixtures"
ONE_DAY = FIXTURES / "copilot_users_1_day_2026-11-16.ndjson"  # octocat, Grace-Hopper, linus-t on 2026-11-16
TWENTY_EIGHT = FIXTURES / "copilot_users_28_day.ndjson"  # octocat and Grace-Hopper, 2026-10-20 .. 2026-11-16
MALFORMED = FIXTURES / "copilot_users_1_day_malformed.ndjson"  # 2026-11-17; line 2: code_acceptance_… "8"
D16, D17, D18 = date(2026, 11, 16), date(2026, 11, 17), date(2026, 11, 18)
ADA, GRACE = "U0USER001", "U0USER002"
OCTOCAT = "github:octocat"

# Hand-computed from the fixture: agent requests = the interactions of chat_panel_agent_mode (15) and
# agent_edit (0); linus-t has no feature totals but used_agent: 1. Sessions from totals_by_cli.session_count;
# tokens from totals_by_cli.token_usage (prompt = input). The login's case is dropped (Grace-Hopper).
EXPECTED_ONE_DAY = [
    ActivityRow(OCTOCAT, D16, "line 1", sessions=3, lines_added=296, lines_removed=21, interactions=24,
                code_generations=61, code_acceptances=37, agent_requests=15),
    UsageRow(OCTOCAT, D16, "copilot-cli", "line 1.totals_by_cli.token_usage", input_tokens=388200,
             output_tokens=21400, requests=14, cost_known=False),
    ActivityRow("github:grace-hopper", D16, "line 2", lines_added=54, lines_removed=9, interactions=6,
                code_generations=12, code_acceptances=8),
    ActivityRow("github:linus-t", D16, "line 3", sessions=1, interactions=3, agent_requests=1),
    UsageRow("github:linus-t", D16, "copilot-cli", "line 3.totals_by_cli.token_usage", input_tokens=41000,
             output_tokens=2100, requests=4, cost_known=False),
]  # fmt: skip


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _write(tmp_path: Path, records: list[object], name: str = "report.ndjson") -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def _activity(engine) -> list[tuple]:
    """(key, day, sessions, +lines, -lines, interactions, generations, acceptances, agent, Slack ID)."""
    return query(
        engine,
        "SELECT a.person_key, a.day, a.sessions, a.lines_added, a.lines_removed, a.interactions, "
        "a.code_generations, a.code_acceptances, a.agent_requests, p.slack_user_id FROM activity_records a "
        "LEFT JOIN people p ON p.id = a.person_id WHERE a.source = 'copilot' ORDER BY a.person_key, a.day",
    )


def _usage(engine) -> list[tuple]:
    """(key, day, model, input, output, requests, Slack ID)."""
    return query(
        engine,
        "SELECT u.person_key, u.day, u.model, u.input_tokens, u.output_tokens, u.requests, p.slack_user_id "
        "FROM usage_records u LEFT JOIN people p ON p.id = u.person_id WHERE u.source = 'copilot' "
        "ORDER BY u.person_key, u.day",
    )


# -- the NDJSON reports ----------------------------------------------------------------------------


def test_the_users_1_day_report_gives_the_hand_computed_rows():
    assert load("copilot") is copilot and copilot.SOURCE == "copilot"
    assert list(copilot.parse(str(ONE_DAY))) == EXPECTED_ONE_DAY


def test_the_users_28_day_report_gives_each_active_day_and_skips_idle_ones():
    rows = list(copilot.parse(str(TWENTY_EIGHT)))
    octocat = [r for r in rows if isinstance(r, ActivityRow) and r.person_key == OCTOCAT]
    grace = [r for r in rows if isinstance(r, ActivityRow) and r.person_key == "github:grace-hopper"]
    tokens = [r for r in rows if isinstance(r, UsageRow)]
    # 28 days from Tuesday 2026-10-20: octocat worked the 20 weekdays, Grace the 12 Mondays, Wednesdays, Fridays
    assert [r.day for r in octocat] == [d for d in _days() if d.weekday() < 5] and len(octocat) == 20
    assert [r.day for r in grace] == [d for d in _days() if d.weekday() in (0, 2, 4)] and len(grace) == 12
    assert octocat[0] == ActivityRow(OCTOCAT, date(2026, 10, 20), "line 1", sessions=1, lines_added=50,
                                     lines_removed=5, interactions=10, code_generations=20, code_acceptances=10,
                                     agent_requests=10)  # fmt: skip
    assert grace[0].ref == "line 30" and grace[0].day == date(2026, 10, 21)  # line 29 is Tue 2026-10-20
    assert sum(r.interactions for r in octocat) == 200 and sum(r.lines_added for r in grace) == 144
    assert {(r.person_key, r.model, r.input_tokens, r.output_tokens, r.requests) for r in tokens} == {
        (OCTOCAT, "copilot-cli", 20000, 1000, 4)
    }
    assert len(tokens) == 20


def _days() -> list[date]:
    return [date(2026, 10, 20) + timedelta(days=i) for i in range(28)]


def test_a_gzipped_report_and_blank_lines_read_the_same(tmp_path):
    path = tmp_path / "report.ndjson.gz"
    lines = ONE_DAY.read_bytes().splitlines(keepends=True)
    path.write_bytes(gzip.compress(b"\xef\xbb\xbf" + lines[0] + b"\n" + b"".join(lines[1:])))
    rows = list(copilot.parse(str(path)))
    assert [r.ref for r in rows] == ["line 1", "line 1.totals_by_cli.token_usage", "line 3", "line 4",
                                     "line 4.totals_by_cli.token_usage"]  # fmt: skip
    assert [(r.person_key, r.day) for r in rows] == [(r.person_key, r.day) for r in EXPECTED_ONE_DAY]


def test_a_model_named_by_the_report_is_kept(tmp_path):
    record = _lines(ONE_DAY)[2]
    record["totals_by_cli"]["token_usage"]["model"] = "gpt-5-mini"
    rows = list(copilot.parse(str(_write(tmp_path, [record]))))
    assert rows[1].model == "gpt-5-mini" and rows[1].input_tokens == 41000


def _set(path: str, value: object):
    def change(record: dict) -> None:
        *parents, last = path.split(".")
        target = record
        for name in parents:
            target = target[int(name)] if isinstance(target, list) else target[name]
        target[last] = value

    return change


@pytest.mark.parametrize(
    ("change", "ref", "message"),
    [
        (_set("loc_added_sum", -4), "line 1", "loc_added_sum is negative (-4)"),
        (_set("user_initiated_interaction_count", "24"), "line 1",
         "user_initiated_interaction_count '24' is not a whole number"),
        (_set("day", "11/16/2026"), "line 1", "day '11/16/2026' is not an RFC 3339 date or timestamp"),
        (lambda r: r.pop("day"), "line 1", "missing day"),
        (lambda r: r.pop("user_login"), "line 1",
         "missing user_login (a users-… report has one per line; organization-… has none)"),
        (_set("user_login", "octo cat"), "line 1", "user_login 'octo cat' is not a GitHub login"),
        (_set("used_agent", "yes"), "line 1", "used_agent 'yes' is not true or false"),
        (_set("totals_by_feature", {"feature": "code_completion"}), "line 1", "totals_by_feature is not a list"),
        (lambda r: r["totals_by_feature"][2].pop("feature"), "line 1.totals_by_feature[2]", "missing feature"),
        (_set("totals_by_feature.2.user_initiated_interaction_count", 1.5), "line 1.totals_by_feature[2]",
         "user_initiated_interaction_count 1.5 is not a whole number"),
        (_set("totals_by_cli", [3]), "line 1", "totals_by_cli is not an object"),
        (_set("totals_by_cli.session_count", -1), "line 1.totals_by_cli", "session_count is negative (-1)"),
        (_set("totals_by_cli.token_usage.prompt_tokens_sum", "many"), "line 1.totals_by_cli.token_usage",
         "prompt_tokens_sum 'many' is not a whole number"),
    ],
)  # fmt: skip
def test_a_malformed_record_is_named(tmp_path, change, ref, message):
    records = _lines(ONE_DAY)[:1]
    change(records[0])
    with pytest.raises(RecordError) as caught:
        list(copilot.parse(str(_write(tmp_path, records))))
    assert (caught.value.ref, caught.value.message) == (ref, message)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b'{"day": "2026-11-16", "user_login": "octocat"', "is not valid JSON (Expecting ',' delimiter at column 46)"),
        (b"[1, 2]", "is not a JSON object (one user-day record per line)"),
        (b'{"day": "2026-11-16", "user_login": "octocat", "loc_added_sum": NaN}',
         "is not a usable record (NaN is not a number JSON allows)"),
        (b'{"day": "2026-11-16", "user_login": "oct\xffcat"}', "is not UTF-8 text"),
        (b'{"x": ' * 20 + b"1" + b"}" * 20, "is not a usable record (nests deeper than 16 levels)"),
        (b"[" * 100_000 + b"]" * 100_000, "is not a usable record (nests deeper than 16 levels)"),
        (b'{"pad": "' + b"x" * (copilot.MAX_LINE_BYTES + 10) + b'"}',
         "is longer than 1,048,576 bytes (one user-day record per line)"),
    ],
)  # fmt: skip
def test_a_bad_line_is_named_by_its_number(tmp_path, line, message):
    path = tmp_path / "report.ndjson"
    path.write_bytes(ONE_DAY.read_bytes().splitlines(keepends=True)[0] + line + b"\n")
    with pytest.raises(RecordError) as caught:
        list(copilot.parse(str(path)))
    assert (caught.value.ref, caught.value.message) == ("line 2", message)


def test_a_logins_file_keys_mapped_logins_by_email(tmp_path):
    mapping = tmp_path / "logins.csv"
    mapping.write_text("github_login,email\n@Grace-Hopper, Grace@Example.com\n\noctocat,ada@example.com\n")
    logins = copilot.load_logins(str(mapping))
    assert logins == {"grace-hopper": "grace@example.com", "octocat": "ada@example.com"}
    keys = [r.person_key for r in copilot.parse(str(ONE_DAY), logins=logins)]
    assert keys == ["ada@example.com", "ada@example.com", "grace@example.com", "github:linus-t", "github:linus-t"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("login,mail\nocto,a@example.com\n", "line 1: expected the header github_login,email"),
        ("github_login,email\nocto,not-an-email\n", "line 2: email 'not-an-email' is not an e-mail address"),
        ("github_login,email\nocto cat,a@example.com\n", "line 2: github_login 'octo cat' is not a GitHub login"),
        ("github_login,email\nocto,a@example.com\nOcto,b@example.com\n",
         "line 3: octo is given a second e-mail (line 2 gives another)"),
        ("github_login,email\nocto,a@example.com\nmona,A@example.com\n",
         "line 3: a@example.com is given to octo on line 2 already (map a second login of a person with "
         "`airetro identities map github:LOGIN U…`)"),
    ],
)  # fmt: skip
def test_a_bad_logins_file_is_named(tmp_path, text, message):
    mapping = tmp_path / "logins.csv"
    mapping.write_text(text)
    with pytest.raises(ValueError) as caught:
        copilot.load_logins(str(mapping))
    assert str(caught.value) == f"{mapping}, {message}"


# -- through the import pipeline -----------------------------------------------------------------


def test_rows_are_stored_and_a_later_import_replaces_the_days_it_covers(engine):
    report = import_files(engine, "copilot", [str(TWENTY_EIGHT)])
    assert (report.activity_records, report.usage_records) == (32, 20)
    assert report.unattributed_keys == {OCTOCAT: 40, "github:grace-hopper": 12}
    stored = _activity(engine)
    assert len(stored) == 32
    assert (OCTOCAT, "2026-11-16", 1, 50, 5, 10, 20, 10, 10, None) in stored

    # the users-1-day report of 2026-11-16, imported after: that day's buckets are replaced, not added to
    import_files(engine, "copilot", [str(ONE_DAY)])
    after = _activity(engine)
    assert len(after) == 33  # linus-t is new
    assert (OCTOCAT, "2026-11-16", 3, 296, 21, 24, 61, 37, 15, None) in after
    assert ("github:grace-hopper", "2026-11-16", 0, 54, 9, 6, 12, 8, 0, None) in after
    assert [r for r in after if r[1] != "2026-11-16"] == [r for r in stored if r[1] != "2026-11-16"]
    tokens = _usage(engine)
    assert (OCTOCAT, "2026-11-16", "copilot-cli", 388200, 21400, 14, None) in tokens
    assert sum(r[3] for r in tokens if r[0] == OCTOCAT) == 19 * 20000 + 388200

    again = snapshot(engine)
    import_files(engine, "copilot", [str(ONE_DAY)])  # the same report again: nothing changes
    assert _activity(engine) == after and _usage(engine) == tokens
    assert {t: rows for t, rows in snapshot(engine).items() if t not in ("activity_records", "usage_records")} == {
        t: rows for t, rows in again.items() if t not in ("activity_records", "usage_records")
    }


def test_two_reports_covering_the_same_day_in_one_import_are_refused(engine):
    before = snapshot(engine)
    with pytest.raises(UsageFileError) as caught:
        import_files(engine, "copilot", [str(TWENTY_EIGHT), str(ONE_DAY)])
    assert str(caught.value) == (
        f"{ONE_DAY}, line 1: same person and date as {TWENTY_EIGHT}, line 28. Nothing was imported."
    )
    assert snapshot(engine) == before


# -- the command line ------------------------------------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch, fresh_database_url, slack):
    for name in ("SLACK_APP_TOKEN", "PORT", "GITHUB_TOKEN", "GITHUB_API_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", fresh_database_url)
    monkeypatch.setenv("SLACK_API_URL", slack.url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)  # e-mails resolve through users.lookupByEmail
    engine = make_engine(fresh_database_url)
    yield engine
    engine.dispose()


def test_a_bad_line_names_the_file_and_line_and_imports_nothing(cli_env, capsys):
    assert main(["import-usage", "--format", "copilot", str(TWENTY_EIGHT)]) == 0
    capsys.readouterr()
    before = snapshot(cli_env)
    assert main(["import-usage", "--format", "copilot", str(ONE_DAY), str(MALFORMED)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"airetro: {MALFORMED}, line 2: code_acceptance_activity_count '8' is not a whole number. "
        "Nothing was imported.\n"
    )
    assert snapshot(cli_env) == before


def test_a_mapped_login_brings_its_activity_to_the_person(cli_env, capsys):
    assert main(["import-usage", "--format", "copilot", str(ONE_DAY)]) == 0
    out = capsys.readouterr().out
    assert f"Imported 5 rows from {ONE_DAY} (format copilot): 0 matched to people, 5 unattributed." in out
    assert "  github:octocat: 2 rows\n" in out

    assert main(["identities", "map", "github:Octocat", ADA]) == 0  # logins ignore case
    out = capsys.readouterr().out
    assert f"Mapped github:octocat to {ADA}." in out
    assert "1 usage record and 1 activity record already imported under github:octocat now count as theirs" in out
    assert [r for r in _activity(cli_env) if r[-1] == ADA] == [(OCTOCAT, "2026-11-16", 3, 296, 21, 24, 61, 37, 15, ADA)]

    # what the digest and `me` read for her week: the Copilot activity, and the CLI's tokens in her summary
    with session_scope(cli_env) as session:
        (person_id,) = query(cli_env, "SELECT id FROM people WHERE slack_user_id = :u", u=ADA)[0]
        totals = activity_by_person_week(session, [person_id], "2026-W47")[person_id]
    assert (totals.sessions, totals.lines_added, totals.lines_removed) == (3, 296, 21)
    assert (totals.interactions, totals.code_generations, totals.code_acceptances, totals.agent_requests) == (
        24, 61, 37, 15,
    )  # fmt: skip
    week = summaries(cli_env)[(ADA, "2026-W47")]
    assert week[0] == 388200 + 21400 and week[-1] == "copilot-cli"

    # a later import of the same login is hers from the start
    assert main(["import-usage", "--format", "copilot", str(TWENTY_EIGHT)]) == 0
    assert {r[-1] for r in _activity(cli_env) if r[0] == OCTOCAT} == {ADA}
    assert "github:octocat" not in capsys.readouterr().out


def test_a_logins_file_attributes_logins_by_email(cli_env, capsys, tmp_path, slack):
    mapping = tmp_path / "logins.csv"
    mapping.write_text("github_login,email\ngrace-hopper,grace@example.com\n")
    assert main(["import-usage", "--format", "copilot", "--logins", str(mapping), str(ONE_DAY)]) == 0
    out = capsys.readouterr().out
    assert "(format copilot): 1 matched to people, 4 unattributed." in out
    assert [c.args["email"] for c in slack.calls("users.lookupByEmail")] == ["grace@example.com"]
    assert ("grace@example.com", "2026-11-16", 0, 54, 9, 6, 12, 8, 0, GRACE) in _activity(cli_env)

    assert main(["import-usage", "--format", "litellm", "--logins", str(mapping), str(ONE_DAY)]) == 1
    assert capsys.readouterr().err == (
        "airetro: --logins maps GitHub logins: it goes with --format copilot or --from-api copilot\n"
    )


# -- the API pull, through the GitHub stand-in -----------------------------------------------------


@pytest.fixture
def github():
    lines = ONE_DAY.read_bytes().splitlines(keepends=True)
    later = _lines(ONE_DAY)[0] | {"day": "2026-11-18"}
    del later["totals_by_cli"]
    with GitHubApis() as apis:
        apis.add_day("acme", D16, [b"".join(lines[:2]), lines[2]])  # the report in two files
        apis.add_day("acme", D18, [ndjson([later])])  # nothing for the 17th: 204
        yield apis


@pytest.fixture
def env(github):
    return {"GITHUB_TOKEN": GITHUB_TOKEN, "GITHUB_API_URL": github.url + "/"}


def _pull(env, org="acme", since=D16, until=D18, **options):
    return pull(org, since, until, env, today=date(2026, 11, 23), **options)


def test_the_pull_asks_each_day_and_follows_the_download_links_without_the_token(github, env):
    run = _pull(env)
    rows = list(run)
    refs = ["2026-11-16 file 1, line 1", "2026-11-16 file 1, line 1.totals_by_cli.token_usage",
            "2026-11-16 file 1, line 2", "2026-11-16 file 2, line 1",
            "2026-11-16 file 2, line 1.totals_by_cli.token_usage", "2026-11-18 file 1, line 1"]  # fmt: skip
    assert [r.ref for r in rows] == refs
    assert [_without_ref(r) for r in rows[:5]] == [_without_ref(r) for r in EXPECTED_ONE_DAY]
    assert rows[5] == ActivityRow(OCTOCAT, D18, refs[5], lines_added=296, lines_removed=21, interactions=24,
                                  code_generations=61, code_acceptances=37, agent_requests=15)  # fmt: skip
    assert run.days_without_report == [D17]

    asked = github.requests("api")
    assert [r.path for r in asked] == ["/orgs/acme/copilot/metrics/reports/users-1-day"] * 3
    assert [r.param("day") for r in asked] == ["2026-11-16", "2026-11-17", "2026-11-18"]
    for request in asked:
        assert request.headers["authorization"] == f"Bearer {GITHUB_TOKEN}"
        assert request.headers["accept"] == "application/vnd.github+json"
        assert request.headers["x-github-api-version"] == API_VERSION == "2022-11-28"
    downloads = github.requests("download")
    assert len(downloads) == 3 and all(r.path.startswith("/copilot-usage/") for r in downloads)
    assert not any("authorization" in r.headers for r in downloads)
    assert not any(GITHUB_TOKEN in value for r in downloads for value in r.headers.values())


def _without_ref(row):
    return {name: getattr(row, name) for name in row.__slots__ if name != "ref"}


def test_a_429_is_retried_after_its_retry_after(github, env):
    waits = []
    github.rate_limit_once("2")
    rows = list(_pull(env, sleep=waits.append))
    assert waits == [2.0] and len(rows) == 6
    assert [r.param("day") for r in github.requests("api")] == ["2026-11-16", "2026-11-16", "2026-11-17", "2026-11-18"]


def test_pull_errors_say_what_to_fix(github, env):
    with pytest.raises(FetchError) as caught:
        list(_pull(env, org="nope"))
    assert str(caught.value) == (
        "GitHub has no organization 'nope' whose Copilot metrics the token in GITHUB_TOKEN may read "
        "(HTTP 404: Not Found)"
    )
    with pytest.raises(FetchError) as caught:
        list(_pull({**env, "GITHUB_TOKEN": "ghp_revoked"}))
    assert str(caught.value) == (
        "GitHub rejected the token in GITHUB_TOKEN (HTTP 401: Bad credentials); it needs a GitHub token allowed "
        "to read the organization's Copilot metrics"
    )
    with pytest.raises(FetchError) as caught:
        _pull({"GITHUB_API_URL": github.url})
    assert str(caught.value).startswith("GITHUB_TOKEN is not set")
    with pytest.raises(FetchError) as caught:
        _pull({**env, "GITHUB_API_URL": "http://api.github.example"})
    assert "must be an https:// URL" in str(caught.value)
    with pytest.raises(ValueError, match="needs --org ORG"):
        _pull(env, org=None)
    with pytest.raises(ValueError, match="publishes a day's Copilot report after it ends"):
        _pull(env, since=date(2026, 11, 23), until=date(2026, 11, 23))

    github.fail("download", 403)  # an expired pre-signed link: its signature stays out of the message
    with pytest.raises(FetchError) as caught:
        list(_pull(env))
    message = str(caught.value)
    assert message.startswith(f"the download 2026-11-16 file 1 ({github.download_url}/copilot-usage/")
    assert message.endswith(".ndjson) failed: HTTP 403") and "sig=" not in message


@pytest.mark.parametrize("link", ["file:///etc/passwd", "http://storage.example/report.ndjson", "ftp://x/y"])
def test_a_link_that_is_not_https_is_not_fetched(github, env, engine, link):
    github.add_day("acme", D17, [], links=[link])
    before = snapshot(engine)
    run = _pull(env)
    with pytest.raises(FetchError) as caught:
        import_rows(engine, run.source, run, label=run.label)
    assert str(caught.value) == (
        f"the 2026-11-17 report links to {link.split('?')[0]}, which is neither https:// nor this machine: not fetched"
    )
    assert snapshot(engine) == before


def test_a_bad_line_in_a_download_names_the_day_file_and_line_and_keeps_nothing(github, env, engine):
    github.add_day("acme", D17, [MALFORMED])
    before = snapshot(engine)
    run = _pull(env)
    with pytest.raises(UsageFileError) as caught:
        import_rows(engine, run.source, run, label=run.label, strict_duplicates=True)
    assert str(caught.value) == (
        "copilot API acme 2026-11-16..2026-11-18, 2026-11-17 file 1, line 2: code_acceptance_activity_count '8' "
        "is not a whole number. Nothing was imported."
    )
    assert snapshot(engine) == before


def test_the_cli_pulls_and_a_second_run_replaces_the_same_days(cli_env, github, capsys, slack, tmp_path):
    cli_env_vars = {"GITHUB_TOKEN": GITHUB_TOKEN, "GITHUB_API_URL": github.url}
    mapping = tmp_path / "logins.csv"
    mapping.write_text("github_login,email\noctocat,ada@example.com\n")
    args = ["import-usage", "--from-api", "copilot", "--org", "acme", "--since", "2026-11-16", "--logins", str(mapping)]
    with pytest.MonkeyPatch.context() as patch, freeze_time("2026-11-19T08:00:00Z"):
        for name, value in cli_env_vars.items():
            patch.setenv(name, value)
        assert main(args) == 0
        out = capsys.readouterr().out
        first = (_activity(cli_env), _usage(cli_env))
        assert main(args) == 0
        capsys.readouterr()
        assert main(["import-usage", "--from-api", "copilot", "--since", "2026-11-16"]) == 1
        assert "needs --org ORG" in capsys.readouterr().err
    assert "Imported 6 rows from copilot API acme 2026-11-16..2026-11-18 (format copilot): 3 matched to people" in out
    assert "GitHub has no Copilot report (yet) for 2026-11-17." in out
    assert (_activity(cli_env), _usage(cli_env)) == first
    assert ("ada@example.com", "2026-11-18", 0, 296, 21, 24, 61, 37, 15, ADA) in first[0]
    assert ("ada@example.com", "2026-11-16", "copilot-cli", 388200, 21400, 14, ADA) in first[1]
    assert [r.param("day") for r in github.requests("api")][:3] == ["2026-11-16", "2026-11-17", "2026-11-18"]


def test_the_latest_28_day_report_can_be_pulled(github, env):
    github.set_latest_28_day("acme", "2026-10-20", "2026-11-16", [TWENTY_EIGHT])
    rows = list(_pull(env).latest_28_days())
    assert [_without_ref(r) for r in rows] == [_without_ref(r) for r in copilot.parse(str(TWENTY_EIGHT))]
    assert rows[0].ref == "28-day file 1, line 1"
    assert github.requests("api")[-1].path == "/orgs/acme/copilot/metrics/reports/users-28-day/latest"


def test_a_link_on_the_api_host_gets_the_token_but_its_redirect_to_storage_does_not(github, env):
    github.add_day("acme", D17, [MALFORMED.read_bytes().splitlines(keepends=True)[0]], via_api=True)
    rows = list(_pull(env, since=D17, until=D17))
    assert [(r.person_key, r.day, r.ref) for r in rows] == [
        (OCTOCAT, D17, "2026-11-17 file 1, line 1"),
        (OCTOCAT, D17, "2026-11-17 file 1, line 1.totals_by_cli.token_usage"),
    ]
    report, redirect = github.requests("api")
    assert redirect.path.startswith("/copilot-usage-redirect/")
    assert redirect.headers["authorization"] == f"Bearer {GITHUB_TOKEN}"  # the API's own host
    (download,) = github.requests("download")
    assert "authorization" not in download.headers and download.param("sig")
