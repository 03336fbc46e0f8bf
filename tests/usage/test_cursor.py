"""``--from-api cursor``: Cursor's Admin API pulled from the local stand-in (``bot.standin.cursor``) as a
user would, through ``CURSOR_API_URL`` / ``CURSOR_ADMIN_KEY``: each member's days stored as activity (a
day imported again replaces itself), each request's tokens and cents summed per person, day and model
(a request seen twice counts once, pages add up), a bad record or a bad key stopping the import whole."""

from __future__ import annotations

import base64
from datetime import date
from pathlib import Path

import pytest
from slack_sdk import WebClient
from sqlmodel import select

from bot.services.usage_import import import_rows, slack_email_lookup
from bot.standin.cursor import CURSOR_KEY, DAILY, EVENTS, CursorAdminApi
from bot.usage.fetch import PROVIDERS, FetchError, fetch
from bot.usage.pull import cursor
from bot.usage.rows import RecordError
from storage.engine import session_scope
from storage.models import ActivityRecord, Person, UsageRecord
from tests.conftest import TOKEN

FIXTURES = Path(__file__).parent / "fixtures"
DAILY_REPORT = FIXTURES / "cursor_daily_usage_data.json"
EVENTS_REPORT = FIXTURES / "cursor_usage_events.json"
TODAY = date(2026, 11, 23)
D16, D17, D18 = date(2026, 11, 16), date(2026, 11, 17), date(2026, 11, 18)
D16_MS = 1794787200000  # 2026-11-16T00:00:00Z
DAY_MS = 86_400_000
SONNET, OPUS, GPT = "claude-4-sonnet", "claude-4-opus", "gpt-5"
ADA, GRACE, CONTRACTOR = "ada@example.com", "grace@example.com", "contractor@vendor.dev"
LABEL = "cursor API 2026-11-16..2026-11-18"


@pytest.fixture
def apis():
    # three events a page: the fixture's eight events come in three pages
    with CursorAdminApi.from_files([str(DAILY_REPORT)], [str(EVENTS_REPORT)], max_page_size=3) as apis:
        yield apis


@pytest.fixture
def env(apis):
    return {"CURSOR_ADMIN_KEY": CURSOR_KEY, "CURSOR_API_URL": apis.url}


def _fetch(env, since=D16, until=D18, **options):
    return fetch("cursor", since, until, env, today=TODAY, **options)


def _import(engine, run, lookup=None):
    return import_rows(engine, run.source, run, lookup_email=lookup, label=run.label)


def _lookup(slack):
    return slack_email_lookup(WebClient(token=TOKEN, base_url=slack.url))


def _people(engine, users):
    with session_scope(engine) as session:
        found = dict(session.exec(select(Person.slack_user_id, Person.id)).all())
    return found.get(users[0].id), found.get(users[1].id)


def _usage(engine):
    with session_scope(engine) as session:
        rows = session.exec(select(UsageRecord).where(UsageRecord.source == "cursor")).all()
        return sorted(
            (r.person_key, r.day, r.model, r.input_tokens, r.output_tokens, r.cache_read_tokens,
             r.cache_write_tokens, round(r.cost_usd, 6), r.requests, r.person_id)
            for r in rows
        )  # fmt: skip


def _activity(engine):
    with session_scope(engine) as session:
        rows = session.exec(select(ActivityRecord).where(ActivityRecord.source == "cursor")).all()
        return sorted(
            (r.person_key, r.day, r.interactions, r.code_generations, r.code_acceptances, r.agent_requests,
             r.lines_added, r.lines_removed, r.tool_accepted, r.tool_rejected, r.sessions, r.person_id)
            for r in rows
        )  # fmt: skip


def _expected_usage(ada=None, grace=None):
    # (key, day, model, input, output, cache read, cache write, dollars, requests, person), by hand from the
    # fixture's events: tokenUsage summed per person, day and model, totalCents / 100
    return sorted([
        (ADA, D16, SONNET, 1200 + 2000, 800 + 1500, 15000 + 22000, 3000 + 0, (4.5 + 7.25) / 100, 2, ada),
        (ADA, D16, GPT, 500, 2500, 1000, 0, 0.031, 1, ada),
        (ADA, D16, OPUS, 0, 0, 0, 0, 0.0, 1, ada),  # a request-priced call: no tokenUsage, no dollars
        (ADA, D17, SONNET, 100, 50, 0, 0, 0.003, 1, ada),
        (ADA, D18, SONNET, 300, 200, 4000, 0, 0.009, 1, ada),
        (GRACE, D16, SONNET, 800, 400, 5000, 100, 0.02, 1, grace),  # "Grace@Example.com": one person
        (GRACE, D17, SONNET, 3000, 1000, 0, 0, 0.0555, 1, grace),
    ])  # fmt: skip


def _expected_activity(ada=None, grace=None):
    # (key, day, interactions = chat + composer + cmd-K, generations = tabs shown + applies, acceptances =
    # tabs accepted + accepts, agent, accepted lines +/-, accepts, rejects, sessions, person)
    return [
        (ADA, D16, 12 + 5 + 3, 140 + 9, 88 + 7, 6, 310, 42, 7, 2, 0, ada),
        (ADA, D17, 8 + 3 + 0, 90 + 4, 51 + 4, 3, 180, 25, 4, 0, 0, ada),
        (ADA, D18, 2 + 0 + 1, 30 + 1, 20 + 1, 0, 40, 5, 1, 0, 0, ada),
        (CONTRACTOR, D16, 1, 20, 9, 0, 14, 0, 0, 0, 0, None),
        (GRACE, D16, 4 + 2 + 1, 60 + 3, 35 + 2, 0, 95, 10, 2, 1, 0, grace),
        # Grace's 17th: isActive false, nothing counted: not stored
    ]


# -- the requests --------------------------------------------------------------------------------------


def test_the_pull_posts_both_endpoints_with_basic_auth_and_millisecond_dates(apis, env):
    rows = list(_fetch(env))
    assert PROVIDERS["cursor"].source == cursor.SOURCE == "cursor"
    period = {"startDate": D16_MS, "endDate": D16_MS + 3 * DAY_MS - 1}  # 16th 00:00 .. 18th 23:59:59.999 UTC
    (daily,) = apis.requests(DAILY)
    assert daily.body == period
    assert [r.body for r in apis.requests(EVENTS)] == [{**period, "page": n, "pageSize": 100} for n in (1, 2, 3)]
    basic = "Basic " + base64.b64encode(f"{CURSOR_KEY}:".encode()).decode()  # the key as user, no password
    for request in apis.requests():
        assert request.headers["authorization"] == basic
        assert request.headers["content-type"] == "application/json"
        assert request.headers["user-agent"].startswith("airetro/")
    refs = [r.ref for r in rows]
    assert refs[:2] == ["/teams/daily-usage-data: data[0]", "/teams/daily-usage-data: data[1]"]
    assert refs[5:] == [
        "/teams/filtered-usage-events page 1: usageEvents[0] (ada@example.com)",
        "/teams/filtered-usage-events page 1: usageEvents[1] (ada@example.com)",
        "/teams/filtered-usage-events page 1: usageEvents[2] (grace@example.com)",
        "/teams/filtered-usage-events page 2: usageEvents[0] (grace@example.com)",
        "/teams/filtered-usage-events page 2: usageEvents[1] (ada@example.com)",
        "/teams/filtered-usage-events page 2: usageEvents[2] (ada@example.com)",
        "/teams/filtered-usage-events page 3: usageEvents[0] (ada@example.com)",
        "/teams/filtered-usage-events page 3: usageEvents[1] (ada@example.com)",
    ]
    opus = next(r for r in rows if getattr(r, "model", "") == OPUS)
    assert (opus.cost_usd, opus.cost_known, opus.requests) == (0.0, False, 1), "no dollars reported: not $0"
    assert all(r.cost_known for r in rows if getattr(r, "model", OPUS) != OPUS)


def test_a_long_period_is_asked_for_in_windows(apis, env):
    rows = list(_fetch(env, since=date(2026, 9, 1), until=D18))
    windows = [(r.body["startDate"], r.body["endDate"]) for r in apis.requests(DAILY)]
    sep1 = D16_MS - 76 * DAY_MS
    assert windows == [
        (sep1, sep1 + 30 * DAY_MS - 1),  # 1..30 September
        (sep1 + 30 * DAY_MS, sep1 + 60 * DAY_MS - 1),  # 1..30 October
        (sep1 + 60 * DAY_MS, D16_MS + 3 * DAY_MS - 1),  # 31 October..18 November
    ]
    assert len(rows) == 5 + 8 and rows[0].ref == "/teams/daily-usage-data 2026-10-31..2026-11-18: data[0]"


# -- through the import pipeline -------------------------------------------------------------------------


def test_activity_per_email_and_day_is_stored_and_a_day_imported_again_replaces_itself(apis, env, engine, slack, users):
    report = _import(engine, _fetch(env), _lookup(slack))
    ada, grace = _people(engine, users)
    assert ada and grace
    assert _activity(engine) == _expected_activity(ada, grace)
    assert report.activity_records == 5 and report.unattributed_keys == {CONTRACTOR: 1}

    apis.daily[0]["chatRequests"] += 10  # Cursor's figures for Ada's 16th change
    _import(engine, _fetch(env, since=D16, until=D16), _lookup(slack))
    expected = _expected_activity(ada, grace)
    expected[0] = (ADA, D16, 30, *expected[0][3:])
    assert _activity(engine) == expected, "the 16th replaced, not added to"


def test_events_are_summed_per_day_and_model_with_cents_converted(apis, env, engine, slack, users):
    report = _import(engine, _fetch(env), _lookup(slack))
    ada, grace = _people(engine, users)
    assert _usage(engine) == _expected_usage(ada, grace)
    assert (report.usage_rows, report.usage_records, report.repeated) == (8, 7, 0)


def test_a_repeated_page_changes_nothing(apis, env, engine):
    _import(engine, _fetch(env))
    _import(engine, _fetch(env))  # the same period again
    _import(engine, _fetch(env, since=D18, until=D18))  # and a window inside it
    assert _usage(engine) == _expected_usage()
    assert len(_activity(engine)) == 5

    # a request arrives while the pages are read: Cursor lists the newest first, so page 2 begins with
    # the event page 1 ended with, and the new one waits on page 1 for the next import
    late = {**apis.events[0], "timestamp": str(D16_MS + 2 * DAY_MS + 12 * 3_600_000)}
    late["tokenUsage"] = {**late["tokenUsage"], "inputTokens": 10, "outputTokens": 10, "cacheReadTokens": 0}

    def while_a_request_arrives(run):
        for row in run:
            yield row
            if row.ref.startswith("/teams/filtered-usage-events page 1: usageEvents[2]"):
                apis.events.insert(0, late)

    run = _fetch(env)
    report = import_rows(engine, run.source, while_a_request_arrives(run), label=run.label)
    assert report.repeated == 1
    assert _usage(engine) == _expected_usage(), "the event read twice counts once"
    _import(engine, _fetch(env, since=D18, until=D18))
    expected = _expected_usage()
    expected[4] = (ADA, D18, SONNET, 310, 210, 4000, 0, 0.018, 2, None)  # only the new request is added
    assert _usage(engine) == expected


def test_pagination_across_pages_adds_up(apis, env, engine):
    apis.max_page_size = 2
    report = _import(engine, _fetch(env))
    assert [r.body["page"] for r in apis.requests(EVENTS)] == [1, 2, 3, 4]  # and no fifth: hasNextPage false
    assert report.usage_rows == 8
    assert _usage(engine) == _expected_usage()


def test_two_requests_that_differ_only_in_tokens_are_two_requests(apis, env, engine):
    twin = {**apis.events[0], "tokenUsage": {**apis.events[0]["tokenUsage"], "outputTokens": 201}}
    apis.events.insert(1, twin)  # same user, millisecond, model and kind
    _import(engine, _fetch(env))
    d18 = next(r for r in _usage(engine) if r[1] == D18)
    assert d18[3:9] == (600, 401, 8000, 0, 0.018, 2)


def test_a_cost_cursor_revises_replaces_the_old_figure(apis, env, engine):
    _import(engine, _fetch(env))
    apis.events[0]["tokenUsage"]["totalCents"] = 1.5  # Ada's request of the 18th, re-priced
    _import(engine, _fetch(env))
    d18 = next(r for r in _usage(engine) if r[1] == D18)
    assert (d18[7], d18[8]) == (0.015, 1)


def test_a_bad_record_names_it_and_imports_nothing(apis, env, engine):
    apis.events[5]["tokenUsage"]["totalCents"] = "3.1¢"
    with pytest.raises(ValueError) as caught:
        _import(engine, _fetch(env))
    assert str(caught.value) == (
        f"{LABEL}, /teams/filtered-usage-events page 2: usageEvents[2] (ada@example.com).tokenUsage: "
        "totalCents '3.1¢' is not a number. Nothing was imported."
    )
    assert _usage(engine) == [] and _activity(engine) == [], "not even the activity read before it"

    apis.events[5]["tokenUsage"]["totalCents"] = 3.1
    apis.events[2]["tokenUsage"]["inputTokens"] = -3000
    with pytest.raises(ValueError) as caught:
        _import(engine, _fetch(env))
    assert str(caught.value) == (
        f"{LABEL}, /teams/filtered-usage-events page 1: usageEvents[2] (grace@example.com).tokenUsage: "
        "inputTokens is negative (-3000). Nothing was imported."
    )
    apis.events[2]["tokenUsage"]["inputTokens"] = 3000
    seconds = {**apis.events[2], "timestamp": "1794902400"}  # seconds, not milliseconds: a day in 1970
    with pytest.raises(RecordError, match=r"^e \(grace@example.com\): timestamp '1794902400' is not a Unix time in"):
        cursor.usage_row("e", seconds)

    del apis.daily[1]["email"]
    with pytest.raises(ValueError) as caught:
        _import(engine, _fetch(env))
    assert str(caught.value) == f"{LABEL}, /teams/daily-usage-data: data[1]: missing email. Nothing was imported."
    assert _usage(engine) == [] and _activity(engine) == []


# -- errors in one line ---------------------------------------------------------------------------------


def test_a_bad_key_gives_one_clear_line(apis, env):
    with pytest.raises(FetchError) as caught:
        list(_fetch({**env, "CURSOR_ADMIN_KEY": "key_revoked"}))
    assert str(caught.value) == (
        "Cursor rejected the key in CURSOR_ADMIN_KEY (HTTP 401: Invalid API key); it needs an Admin API key "
        "from the Cursor team dashboard (Settings, Cursor Admin API Keys)"
    )
    assert len(apis.requests()) == 1
    with pytest.raises(FetchError, match=r"^CURSOR_ADMIN_KEY is not set: export an Admin API key from the Cursor"):
        _fetch({"CURSOR_API_URL": apis.url})
    with pytest.raises(FetchError, match=r"^CURSOR_API_URL 'http://cursor.example.com' must be an https:// URL"):
        _fetch({**env, "CURSOR_API_URL": "http://cursor.example.com"})
    assert len(apis.requests()) == 1, "a missing key or a plain-http URL: no request at all"


def test_a_rate_limited_request_is_retried_after_the_time_asked(apis, env):
    waits: list[float] = []
    apis.fail(EVENTS, 429, on_request=2, retry_after="2")
    rows = list(_fetch(env, sleep=waits.append))
    assert waits == [2.0] and len(rows) == 5 + 8
    assert [r.body["page"] for r in apis.requests(EVENTS)] == [1, 2, 2, 3]
    apis.fail(DAILY, 503, times=3)
    with pytest.raises(FetchError, match=r"^Cursor /teams/daily-usage-data failed: HTTP 503: stand-in fault$"):
        list(_fetch(env, sleep=waits.append))


def test_a_page_broken_off_half_way_is_an_error(apis, env, engine):
    apis.fail(EVENTS, None, on_request=2)
    with pytest.raises(FetchError, match=r"^Cursor /teams/filtered-usage-events, page 2 broke off while being read"):
        _import(engine, _fetch(env))
    assert _usage(engine) == [] and _activity(engine) == []


# -- the command line -------------------------------------------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch, fresh_database_url, slack, apis):
    for name in ("SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "PORT", "CURSOR_ADMIN_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", fresh_database_url)
    monkeypatch.setenv("SLACK_API_URL", slack.url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("CURSOR_API_URL", apis.url)
    return monkeypatch


def _cli(*args: str) -> int:
    from freezegun import freeze_time

    from bot.cli import main

    with freeze_time("2026-11-23T12:00:00Z"):
        return main(["import-usage", *args])


def _stored():
    import os

    from storage.engine import make_engine

    engine = make_engine(os.environ["DATABASE_URL"])
    try:
        return _usage(engine), _activity(engine)
    finally:
        engine.dispose()


def test_cli_imports_from_cursor_and_a_second_run_changes_nothing(cli_env, apis, capsys):
    cli_env.setenv("CURSOR_ADMIN_KEY", CURSOR_KEY)
    assert _cli("--from-api", "cursor", "--since", "2026-11-16", "--until", "2026-11-18") == 0
    out = capsys.readouterr().out
    assert f"Imported 13 rows from {LABEL} (format cursor): 12 matched to people, 1 unattributed." in out
    assert "Stored 7 usage records (one per key, day and model) and 5 activity records (one per key and day)" in out
    assert f"  {CONTRACTOR}: 1 row" in out
    first = _stored()
    assert [row[:9] for row in first[0]] == [row[:9] for row in _expected_usage()]
    assert _cli("--from-api", "cursor", "--since", "2026-11-16", "--until", "2026-11-18") == 0
    assert _stored() == first


def test_cli_a_bad_key_is_one_line_and_imports_nothing(cli_env, apis, capsys):
    assert _cli("--from-api", "cursor") == 1
    assert capsys.readouterr().err == (
        "airetro: CURSOR_ADMIN_KEY is not set: export an Admin API key from the Cursor team dashboard "
        "(Settings, Cursor Admin API Keys) to use --from-api cursor. Nothing was imported.\n"
    )
    cli_env.setenv("CURSOR_ADMIN_KEY", "key_revoked")
    assert _cli("--from-api", "cursor") == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("airetro: Cursor rejected the key in CURSOR_ADMIN_KEY (HTTP 401: Invalid API key)")
    assert err.endswith("Nothing was imported.\n")
    assert _stored() == ([], [])
