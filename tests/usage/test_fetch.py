"""``--from-api``: the three provider reports pulled over HTTP from the local provider stand-in,
page after page, with the admin key in the right header; errors in one line; and the rows going
through the import pipeline in one transaction (idempotent on an overlapping second fetch; a page
failing half-way keeps nothing)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from slack_sdk import WebClient
from sqlmodel import select

from bot.services.identities import map_key
from bot.services.usage_import import import_files, import_rows, slack_email_lookup
from bot.standin.providers import ANTHROPIC_KEY, CLAUDE_CODE, COMPLETIONS, MESSAGES, OPENAI_KEY, ProviderApis
from bot.usage.fetch import ANTHROPIC_VERSION, FetchError, fetch
from bot.usage.formats import anthropic, claude_code, openai
from bot.usage.prices import estimate
from storage.engine import session_scope
from storage.models import ActivityRecord, Person, UsageRecord
from tests.conftest import TOKEN

FIXTURES = Path(__file__).parent / "fixtures"
ANTHROPIC_REPORT = FIXTURES / "anthropic_usage_report.json"
CLAUDE_CODE_REPORT = FIXTURES / "claude_code_report.json"
OPENAI_PAGES = [FIXTURES / "openai_usage_completions.json", FIXTURES / "openai_usage_completions_page2.json"]
TODAY = date(2026, 11, 23)
D16, D17, D18 = date(2026, 11, 16), date(2026, 11, 17), date(2026, 11, 18)
ADA_KEY = "apikey_01Rj2N8SVvo6BePZj99NhmiT"
SONNET = "claude-sonnet-4-5-20250929"


@pytest.fixture
def apis():
    with ProviderApis.from_files(
        [str(ANTHROPIC_REPORT)], [str(CLAUDE_CODE_REPORT)], [str(p) for p in OPENAI_PAGES], page_size=2
    ) as apis:
        yield apis


@pytest.fixture
def env(apis):
    return {
        "ANTHROPIC_ADMIN_KEY": ANTHROPIC_KEY,
        "OPENAI_ADMIN_KEY": OPENAI_KEY,
        "ANTHROPIC_API_URL": apis.url,
        "OPENAI_API_URL": apis.url + "/",  # a trailing slash is fine
    }


def _fetch(env, provider, since=D16, until=D18, **options):
    return fetch(provider, since, until, env, today=TODAY, **options)


def _usage(engine, source):
    with session_scope(engine) as session:
        rows = session.exec(select(UsageRecord).where(UsageRecord.source == source)).all()
        return sorted(
            (r.person_key, r.day, r.model, r.input_tokens, r.output_tokens, r.cache_read_tokens,
             r.cache_write_tokens, round(r.cost_usd, 6), r.requests, r.person_id)
            for r in rows
        )  # fmt: skip


def _activity(engine):
    with session_scope(engine) as session:
        rows = session.exec(select(ActivityRecord)).all()
        return sorted(
            (r.source, r.person_key, r.day, r.sessions, r.lines_added, r.lines_removed, r.commits, r.pull_requests,
             r.tool_accepted, r.tool_rejected, r.person_id)
            for r in rows
        )  # fmt: skip


# -- pagination, parameters and headers ---------------------------------------------------------


def test_anthropic_follows_next_page_with_the_admin_key_headers(apis, env):
    rows = list(_fetch(env, "anthropic"))
    # grouped as asked (not by service tier): the two tiers of data[0].results[0..1] come as one result
    parsed = list(anthropic.parse(str(ANTHROPIC_REPORT)))
    summed = {name: getattr(parsed[0], name) + getattr(parsed[1], name) for name in _TOKENS}
    expected = [parsed[0].__class__(**{**_fields(parsed[0]), **summed}), *parsed[2:]]
    refs = [f"page 1: data[0].results[{i}]" for i in range(3)] + [f"page 2: data[0].results[{i}]" for i in range(2)]
    assert rows == [row.__class__(**{**_fields(row), "ref": ref}) for row, ref in zip(expected, refs, strict=True)]
    first, second = apis.requests(MESSAGES)
    for request in (first, second):
        assert request.headers["x-api-key"] == ANTHROPIC_KEY
        assert request.headers["anthropic-version"] == ANTHROPIC_VERSION == "2023-06-01"
        assert request.headers["user-agent"].startswith("airetro/")
        assert request.params["starting_at"] == ["2026-11-16T00:00:00Z"]
        assert request.params["ending_at"] == ["2026-11-19T00:00:00Z"]
        assert request.params["bucket_width"] == ["1d"]
        assert request.params["group_by[]"] == ["account_id", "api_key_id", "workspace_id", "model"]
        assert request.params["limit"] == ["31"]
    assert "page" not in first.params
    assert second.param("page") == _first_next_page(apis, MESSAGES, first)
    assert [r.ref for r in rows][2:4] == ["page 1: data[0].results[2]", "page 2: data[0].results[0]"]


_TOKENS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens")


def _fields(row) -> dict:
    return {name: getattr(row, name) for name in row.__slots__}


def _first_next_page(apis, path, request) -> str:
    """What the stand-in answered to ``request``: asked again, the same page comes back."""
    import urllib.parse
    import urllib.request

    query = urllib.parse.urlencode(request.params, doseq=True)
    headers = {k: v for k, v in request.headers.items() if k in ("x-api-key", "anthropic-version", "authorization")}
    with urllib.request.urlopen(urllib.request.Request(f"{apis.url}{path}?{query}", headers=headers)) as answer:
        return json.load(answer)["next_page"]


def test_claude_code_asks_day_by_day_and_follows_pages(apis, env):
    rows = list(_fetch(env, "claude-code"))
    assert [(r.person_key, r.day, r.ref) for r in rows] == [
        ("ada@example.com", D16, "2026-11-16 page 1: data[0]"),
        ("ada@example.com", D16, "2026-11-16 page 1: data[0].model_breakdown[0]"),
        ("ada@example.com", D16, "2026-11-16 page 1: data[0].model_breakdown[1]"),
        ("ada@example.com", D16, "2026-11-16 page 1: data[1]"),
        ("ada@example.com", D16, "2026-11-16 page 1: data[1].model_breakdown[0]"),
        ("ci-review-bot", D16, "2026-11-16 page 2: data[0]"),
        ("ci-review-bot", D16, "2026-11-16 page 2: data[0].model_breakdown[0]"),
        ("grace@example.com", D17, "2026-11-17 page 1: data[0]"),
        ("grace@example.com", D17, "2026-11-17 page 1: data[0].model_breakdown[0]"),
    ]
    assert [_fields(r) | {"ref": ""} for r in rows] == [
        _fields(r) | {"ref": ""} for r in claude_code.parse(str(CLAUDE_CODE_REPORT))
    ]
    asked = [
        (r.param("starting_at"), r.param("limit"), r.param("page") is not None) for r in apis.requests(CLAUDE_CODE)
    ]
    assert asked == [("2026-11-16", "1000", False), ("2026-11-16", "1000", True), ("2026-11-17", "1000", False),
                     ("2026-11-18", "1000", False)]  # fmt: skip
    assert all(r.headers["x-api-key"] == ANTHROPIC_KEY for r in apis.requests(CLAUDE_CODE))


def test_openai_follows_next_page_with_a_bearer_key(apis, env):
    rows = list(_fetch(env, "openai"))
    expected = [*openai.parse(str(OPENAI_PAGES[0])), *openai.parse(str(OPENAI_PAGES[1]))]
    assert [_fields(r) | {"ref": ""} for r in rows] == [_fields(r) | {"ref": ""} for r in expected]
    assert [r.ref for r in rows] == ["page 1: data[0].results[0]", "page 1: data[0].results[1]",
                                     "page 1: data[0].results[2]", "page 1: data[0].results[3]",
                                     "page 1: data[1].results[0]", "page 2: data[0].results[0]"]  # fmt: skip
    first, second = apis.requests(COMPLETIONS)
    for request in (first, second):
        assert request.headers["authorization"] == f"Bearer {OPENAI_KEY}"
        assert "x-api-key" not in request.headers
        assert request.params["start_time"] == ["1794787200"]  # 2026-11-16T00:00:00Z
        assert request.params["end_time"] == ["1795046400"]  # 2026-11-19T00:00:00Z, exclusive
        assert request.params["bucket_width"] == ["1d"]
        assert request.params["group_by"] == ["user_id", "project_id", "api_key_id", "model"]
    assert "page" not in first.params and second.param("page") == _first_next_page(apis, COMPLETIONS, first)


def test_the_default_period_is_the_last_seven_days_up_to_now(apis, env):
    run = fetch("openai", env=env, today=TODAY)
    assert (run.since, run.until) == (date(2026, 11, 17), TODAY)
    assert [r.person_key for r in run] == ["user-AdaLovelace00000000001", "user-GraceHopper000000000001"]
    for request in apis.requests(COMPLETIONS):  # two pages: the 17th and 18th, then the 19th
        assert request.params["start_time"] == ["1794873600"] and "end_time" not in request.params  # up to now
    anthropic_run = fetch("anthropic", since=D18, env=env, today=TODAY)
    assert list(anthropic_run) and "ending_at" not in apis.requests(MESSAGES)[0].params


# -- errors --------------------------------------------------------------------------------------


def test_a_wrong_key_is_one_clear_line(apis, env):
    with pytest.raises(FetchError) as caught:
        list(_fetch({**env, "ANTHROPIC_ADMIN_KEY": "sk-ant-api03-not-an-admin-key"}, "anthropic"))
    assert str(caught.value) == (
        "Anthropic rejected the key in ANTHROPIC_ADMIN_KEY (HTTP 401: invalid x-api-key); "
        "it needs an Admin API key (sk-ant-admin…) from the Claude Console"
    )
    assert apis.requests(MESSAGES)[0].headers["x-api-key"] == "sk-ant-api03-not-an-admin-key"
    with pytest.raises(FetchError) as caught:
        list(_fetch({**env, "OPENAI_ADMIN_KEY": "sk-proj-wrong"}, "openai"))
    assert str(caught.value).startswith("OpenAI rejected the key in OPENAI_ADMIN_KEY (HTTP 401: Incorrect API key")
    assert "\n" not in str(caught.value)


def test_a_missing_key_or_unsafe_url_stops_before_any_request(apis, env):
    with pytest.raises(FetchError, match=r"^ANTHROPIC_ADMIN_KEY is not set: export an Admin API key"):
        _fetch({k: v for k, v in env.items() if k != "ANTHROPIC_ADMIN_KEY"}, "claude-code")
    with pytest.raises(FetchError, match=r"^OPENAI_ADMIN_KEY is not set"):
        _fetch({**env, "OPENAI_ADMIN_KEY": "  "}, "openai")
    with pytest.raises(FetchError, match=r"must be an https:// URL \(plain http only to localhost\)"):
        _fetch({**env, "OPENAI_API_URL": "http://usage.example.com"}, "openai")
    with pytest.raises(ValueError, match="--since 2026-11-18 is after --until 2026-11-16"):
        _fetch(env, "openai", since=D18, until=D16)
    with pytest.raises(ValueError, match="unknown provider 'gemini'"):
        _fetch(env, "gemini")
    assert apis.requests() == []


def test_a_rate_limited_page_is_retried_after_the_time_asked(apis, env):
    waits: list[float] = []
    apis.fail(MESSAGES, 429, on_request=2, retry_after="0")
    rows = list(_fetch(env, "anthropic", sleep=waits.append))
    assert len(rows) == 5 and waits == [0.0] and len(apis.requests(MESSAGES)) == 3
    apis.fail(COMPLETIONS, 503, on_request=1, times=3)
    with pytest.raises(FetchError, match=r"^OpenAI /v1/organization/usage/completions, page 1 failed: HTTP 503"):
        list(_fetch(env, "openai", sleep=waits.append))
    assert waits == [0.0, 1.0, 1.0]  # no Retry-After: a second; three attempts in all


def test_a_page_broken_off_half_way_is_an_error(apis, env):
    apis.fail(CLAUDE_CODE, None, on_request=3)  # the 2026-11-17 page
    rows = _fetch(env, "claude-code")
    with pytest.raises(FetchError) as caught:
        list(rows)
    assert str(caught.value).startswith(
        "Anthropic /v1/organizations/usage_report/claude_code, 2026-11-17 page 1 broke off while being read"
    )


# -- through the import pipeline -----------------------------------------------------------------

ANTHROPIC_REPORTED = [
    # (key, day, model, input, output, cache read, cache write, cost, requests, person): the two
    # tiers of data[0] added together
    (ADA_KEY, D16, SONNET, 1500 + 300, 500 + 120, 200 + 50, 1500 + 100, 0.0, 0),
    (ADA_KEY, D18, SONNET, 5000, 700, 0, 0, 0.0, 0),
    ("anthropic:default-workspace", D16, "claude-opus-4-1-20250805", 10, 5, 0, 0, 0.0, 0),
    ("apikey_01GraceHopperKey000000", D18, SONNET, 2200, 900, 12000, 800, 0.0, 0),
    ("wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ", D16, "claude-haiku-4-5-20251001", 40, 60, 0, 0, 0.0, 0),
]
# the report has no dollars: each record's are the model's list price (estimated, and stored as such)
ANTHROPIC_STORED = [(*row[:7], round(estimate(row[2], *row[3:7]), 6), row[8]) for row in ANTHROPIC_REPORTED]


def _person_id(engine, slack_user_id):
    with session_scope(engine) as session:
        return session.exec(select(Person.id).where(Person.slack_user_id == slack_user_id)).one()


def test_import_is_idempotent_on_an_overlapping_second_fetch(apis, env, engine, users):
    map_key(engine, ADA_KEY, users[0].id)
    ada = _person_id(engine, users[0].id)
    run = _fetch(env, "anthropic")
    report = import_rows(engine, run.source, run, label=run.label)
    assert (report.rows, report.attributed, report.usage_records) == (5, 2, 5)  # two tiers come as one result
    stored = _usage(engine, "anthropic")
    assert stored == sorted((*row, ada if row[0] == ADA_KEY else None) for row in ANTHROPIC_STORED)

    overlap = _fetch(env, "anthropic", since=D17, until=TODAY)  # 17th..today: the 18th again
    import_rows(engine, overlap.source, overlap, label=overlap.label)
    assert _usage(engine, "anthropic") == stored
    import_files(engine, "anthropic", [str(ANTHROPIC_REPORT)])  # the same report saved as a file
    assert _usage(engine, "anthropic") == stored


def test_a_page_failing_half_way_keeps_nothing_of_the_import(apis, env, engine):
    run = _fetch(env, "openai")
    import_rows(engine, run.source, run, label=run.label)
    before = _usage(engine, "openai")
    assert len(before) == 6
    for bucket in apis.data[COMPLETIONS]:  # the provider's figures change...
        for result in bucket["results"]:
            result["output_tokens"] += 1000
    apis.fail(COMPLETIONS, 500, on_request=2, times=3)  # ...but the second page fails
    with pytest.raises(FetchError, match="page 2 failed: HTTP 500"):
        again = _fetch(env, "openai", sleep=lambda _s: None)
        import_rows(engine, again.source, again, label=again.label)
    assert _usage(engine, "openai") == before  # page 1's new figures were not kept either


def test_a_malformed_page_names_the_record_and_keeps_nothing(apis, env, engine):
    del apis.data[MESSAGES][2]["results"][1]["output_tokens"]
    run = _fetch(env, "anthropic")
    with pytest.raises(ValueError) as caught:
        import_rows(engine, run.source, run, label=run.label)
    assert str(caught.value) == (
        "anthropic API 2026-11-16..2026-11-18, page 2: data[0].results[1]: missing output_tokens. Nothing was imported."
    )
    assert _usage(engine, "anthropic") == []


def test_claude_code_activity_and_usage_are_attributed_by_email(apis, env, engine, slack, users):
    run = _fetch(env, "claude-code")
    lookup = slack_email_lookup(WebClient(token=TOKEN, base_url=slack.url))
    report = import_rows(engine, run.source, run, lookup_email=lookup, label=run.label)
    ada, grace = _person_id(engine, users[0].id), _person_id(engine, users[1].id)
    assert report.unattributed_keys == {"ci-review-bot": 2}
    assert _activity(engine) == [
        # Ada's local and remote records of the 16th added together
        ("claude-code", "ada@example.com", D16, 15 + 2, 342 + 40, 128 + 10, 8 + 1, 2 + 0, 50 + 4, 6 + 1, ada),
        ("claude-code", "ci-review-bot", D16, 1, 10, 0, 0, 1, 0, 0, None),
        ("claude-code", "grace@example.com", D17, 4, 120, 45, 3, 1, 11, 5, grace),
    ]
    assert _usage(engine, "claude-code") == [
        ("ada@example.com", D16, "claude-haiku-4-5-20251001", 23100, 5680, 3420, 890, 0.42, 0, ada),
        ("ada@example.com", D16, SONNET, 45230 + 1000, 12450 + 200, 8790, 2340 + 100, 1.93, 0, ada),
        ("ci-review-bot", D16, SONNET, 500, 100, 0, 0, 0.03, 0, None),
        ("grace@example.com", D17, "claude-opus-4-1-20250805", 30000, 9000, 40000, 5000, 12.5, 0, grace),
    ]
    again = _fetch(env, "claude-code", since=D16, until=D16)
    import_rows(engine, again.source, again, lookup_email=lookup, label=again.label)
    assert len(_activity(engine)) == 3 and len(_usage(engine, "claude-code")) == 4


# -- the command line ----------------------------------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch, fresh_database_url, slack, apis):
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "PORT", "ANTHROPIC_ADMIN_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", fresh_database_url)
    monkeypatch.setenv("SLACK_API_URL", slack.url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)  # e-mails resolve through users.lookupByEmail
    monkeypatch.setenv("ANTHROPIC_API_URL", apis.url)
    monkeypatch.setenv("OPENAI_API_URL", apis.url)
    monkeypatch.setenv("OPENAI_ADMIN_KEY", OPENAI_KEY)
    return monkeypatch


def _cli(*args: str) -> int:
    from freezegun import freeze_time

    from bot.cli import main

    with freeze_time("2026-11-23T12:00:00Z"):
        return main(["import-usage", *args])


def _stored(source):
    import os

    from storage.engine import make_engine

    engine = make_engine(os.environ["DATABASE_URL"])
    try:
        return _usage(engine, source)
    finally:
        engine.dispose()


def test_cli_imports_from_the_api_and_a_second_overlapping_run_changes_nothing(cli_env, apis, slack, capsys):
    cli_env.setenv("ANTHROPIC_ADMIN_KEY", ANTHROPIC_KEY)
    assert _cli("--from-api", "claude-code", "--since", "2026-11-16", "--until", "2026-11-18") == 0
    out = capsys.readouterr().out
    assert (
        "Imported 9 rows from claude-code API 2026-11-16..2026-11-18 (format claude-code): 7 matched to people, " in out
    )
    assert "Stored 4 usage records (one per key, day and model) and 3 activity records (one per key and day)" in out
    assert "  ci-review-bot: 2 rows" in out
    assert slack.calls("users.lookupByEmail")
    first = _stored("claude-code")
    assert _cli("--from-api", "claude-code", "--since", "2026-11-17") == 0  # the 17th .. today
    assert _stored("claude-code") == first


def test_cli_default_period_is_the_last_seven_days(cli_env, apis, capsys):
    assert _cli("--from-api", "openai") == 0
    assert "from openai API 2026-11-17..2026-11-23 (format openai)" in capsys.readouterr().out
    assert {r.param("start_time") for r in apis.requests(COMPLETIONS)} == {"1794873600"}


def test_cli_errors_are_one_line_and_import_nothing(cli_env, apis, capsys):
    assert _cli("--from-api", "anthropic", "--since", "2026-11-16") == 1
    err = capsys.readouterr().err
    assert err == (
        "airetro: ANTHROPIC_ADMIN_KEY is not set: export an Admin API key (sk-ant-admin…) from the Claude Console "
        "to use --from-api anthropic. Nothing was imported.\n"
    )
    cli_env.setenv("ANTHROPIC_ADMIN_KEY", "sk-ant-admin01-revoked")
    assert _cli("--from-api", "anthropic", "--since", "2026-11-16") == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(
        "airetro: Anthropic rejected the key in ANTHROPIC_ADMIN_KEY (HTTP 401"
    )
    assert err.endswith("Nothing was imported.\n")
    cli_env.setenv("ANTHROPIC_ADMIN_KEY", ANTHROPIC_KEY)
    apis.fail(MESSAGES, 500, on_request=2, times=3)
    import bot.usage.fetch as fetch_module

    cli_env.setattr(fetch_module, "MAX_RETRY_AFTER", 0.0)  # the retries wait no time
    assert _cli("--from-api", "anthropic", "--since", "2026-11-16", "--until", "2026-11-18") == 1
    err = capsys.readouterr().err
    assert err == (
        "airetro: Anthropic /v1/organizations/usage_report/messages, page 2 failed: HTTP 500: stand-in fault. "
        "Nothing was imported.\n"
    )
    assert _stored("anthropic") == []
