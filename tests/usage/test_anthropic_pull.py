"""``--from-api anthropic`` per person: the pull groups the messages usage report by ``account_id`` too and
attributes accounts (the Admin API users list) and API keys (their creators) to e-mails, through the
provider stand-in, which groups results only by the ``group_by[]`` dimensions asked for, as the Admin API
documents, and pages the users and API keys lists by ``after_id``."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from datetime import date
from pathlib import Path

import pytest
from slack_sdk import WebClient
from sqlmodel import select

import bot.usage.fetch as fetch_module
from bot.services.identities import map_key
from bot.services.usage_import import import_rows, mapped_key_check, slack_email_lookup
from bot.standin.providers import ANTHROPIC_KEY, API_KEYS, MESSAGES, USERS, ProviderApis
from bot.usage.fetch import ANTHROPIC_VERSION, fetch
from bot.usage.formats import anthropic
from storage.engine import session_scope
from storage.models import Person, TokenSummary, UsageRecord
from tests.conftest import TOKEN

FIXTURES = Path(__file__).parent / "fixtures"
REPORT = FIXTURES / "anthropic_usage_by_account.json"  # the finest grain: every dimension, account_id too
USERS_LIST = FIXTURES / "anthropic_users.json"
API_KEYS_LIST = FIXTURES / "anthropic_api_keys.json"
TODAY = date(2026, 11, 23)
D16, D17, D18 = date(2026, 11, 16), date(2026, 11, 17), date(2026, 11, 18)
WEEK = "2026-W47"
SONNET, HAIKU, OPUS = "claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001", "claude-opus-4-1-20250805"
ADA, GRACE = "user_01AdaLovelace0000000000", "user_01GraceHopper00000000000"
FORMER = "user_01FormerMember00000000"  # used the Console, then left the organisation
LINUS_KEY = "apikey_01LinusBuildKey0000000"  # created by Linus, who never signs in himself
FORMER_KEY = "apikey_01FormerMemberKey0000"  # created by the member who left
DEFAULT = anthropic.DEFAULT_WORKSPACE
OLD_GROUP_BY = ("api_key_id", "workspace_id", "model")  # what the pull asked before

# (key, day, model, input, output, cache read, cache write): hand-added from the fixture
PER_PERSON = [
    ("ada@example.com", D16, SONNET, 1000 + 500, 400 + 100, 3000 + 1000, 200),  # her two context windows
    ("ada@example.com", D17, SONNET, 800 + 300, 250 + 100, 1500, 50),  # signed in, plus her own API key
    ("anthropic:default-workspace", D16, OPUS, 10, 5, 0, 0),  # neither an account nor a key: kept as it was
    (FORMER_KEY, D17, HAIKU, 90, 30, 0, 0),
    ("grace@example.com", D16, HAIKU, 50, 20, 0, 0),
    ("grace@example.com", D16, SONNET, 700, 300, 2000, 100),
    ("linus@example.com", D16, SONNET, 2000 + 1000, 800 + 500, 0, 0),  # his key, standard and batch tiers
    ("linus@example.com", D17, OPUS, 1200, 600, 0, 0),
    (FORMER, D17, SONNET, 400, 150, 0, 0),
]


def _items(path: Path) -> list[dict]:
    return json.loads(path.read_text())["data"]


@pytest.fixture
def apis():
    with ProviderApis.from_files(
        [str(REPORT)], users=_items(USERS_LIST), api_keys=_items(API_KEYS_LIST), page_size=2
    ) as apis:
        yield apis


@pytest.fixture
def env(apis):
    return {"ANTHROPIC_ADMIN_KEY": ANTHROPIC_KEY, "ANTHROPIC_API_URL": apis.url}


def _fetch(env, since=D16, until=D17, **options):
    return fetch("anthropic", since, until, env, today=TODAY, **options)


def _lookup(slack):
    return slack_email_lookup(WebClient(token=TOKEN, base_url=slack.url))


def _usage(engine):
    with session_scope(engine) as session:
        rows = session.exec(select(UsageRecord).where(UsageRecord.source == "anthropic")).all()
        return sorted(
            (r.person_key, r.day, r.model, r.input_tokens, r.output_tokens, r.cache_read_tokens, r.cache_write_tokens,
             r.person_id)
            for r in rows
        )  # fmt: skip


def _people(engine) -> dict[str, int]:
    with session_scope(engine) as session:
        return {p.slack_user_id: p.id for p in session.exec(select(Person)).all()}


def _weekly_tokens(engine) -> dict[str, int]:
    """Each person's tokens of the week, as their weekly summary (what ``me`` and the digest read) holds."""
    with session_scope(engine) as session:
        people = {p.id: p.slack_user_id for p in session.exec(select(Person)).all()}
        summaries = session.exec(select(TokenSummary).where(TokenSummary.week == WEEK)).all()
        return {people[s.person_id]: s.tokens for s in summaries}


def _ask(apis, path, params) -> dict:
    """The stand-in's answer to a request of our own, with the admin key."""
    query = urllib.parse.urlencode(params, doseq=True)
    headers = {"x-api-key": ANTHROPIC_KEY, "anthropic-version": ANTHROPIC_VERSION}
    with urllib.request.urlopen(urllib.request.Request(f"{apis.url}{path}?{query}", headers=headers)) as answer:
        return json.load(answer)


def _total(row) -> int:
    return sum(row[3:7])


# -- per person -------------------------------------------------------------------------------------


def test_people_who_sign_in_and_a_key_creator_each_get_their_own_tokens_by_email(apis, env, engine, slack, users):
    run = _fetch(env)
    report = import_rows(engine, run.source, run, lookup_email=_lookup(slack), label=run.label)

    people = _people(engine)
    ada, grace, linus = people[users[0].id], people[users[1].id], people[users[2].id]
    owner = {"ada@example.com": ada, "grace@example.com": grace, "linus@example.com": linus}
    assert _usage(engine) == [(*row, owner.get(row[0])) for row in PER_PERSON]
    assert report.unattributed_keys == {DEFAULT: 1, FORMER_KEY: 1, FORMER: 1}
    assert _weekly_tokens(engine) == {
        users[0].id: 1500 + 500 + 4000 + 200 + 1100 + 350 + 1500 + 50,
        users[1].id: 50 + 20 + 700 + 300 + 2000 + 100,
        users[2].id: 3000 + 1300 + 1200 + 600,
    }
    assert run.notes[0] == (
        "Attributed through the Anthropic Admin API: 2 accounts (users list) and 2 API keys (their creators) "
        "to 3 e-mails."
    )
    for request in apis.requests(MESSAGES):
        assert request.params["group_by[]"] == ["account_id", "api_key_id", "workspace_id", "model"]


def test_without_account_id_the_people_who_sign_in_would_be_one_key(apis, env, engine, slack, monkeypatch):
    # the stand-in honours group_by[]: asked as the pull used to ask, it sums Ada and Grace (and the member
    # who left) into one result per model whose account_id is null...
    page = _ask(apis, MESSAGES, {"starting_at": "2026-11-16T00:00:00Z", "ending_at": "2026-11-17T00:00:00Z",
                                 "bucket_width": "1d", "group_by[]": list(OLD_GROUP_BY)})  # fmt: skip
    results = page["data"][0]["results"]
    assert [(r["account_id"], r["api_key_id"], r["model"], r["uncached_input_tokens"]) for r in results] == [
        (None, None, SONNET, 1000 + 500 + 700),
        (None, None, HAIKU, 50),
        (None, LINUS_KEY, SONNET, 2000 + 1000),
        (None, None, OPUS, 10),
    ]
    assert all(r["service_tier"] is None and r["context_window"] is None for r in results)
    assert results[0]["cache_creation"] == {"ephemeral_1h_input_tokens": 0, "ephemeral_5m_input_tokens": 300}

    # ...so a pull that did not ask for account_id stores one workspace key instead of the two people
    monkeypatch.setattr(fetch_module, "ANTHROPIC_GROUP_BY", OLD_GROUP_BY)
    run = _fetch(env, until=D16)
    import_rows(engine, run.source, run, lookup_email=_lookup(slack), label=run.label)
    stored = _usage(engine)
    assert (DEFAULT, D16, SONNET, 2200, 800, 4000 + 2000, 300, None) in stored
    assert not [row for row in stored if row[0] in ("ada@example.com", "grace@example.com")]


def test_the_standin_refuses_a_dimension_the_api_does_not_have(apis):
    with pytest.raises(urllib.error.HTTPError) as refused:
        _ask(apis, MESSAGES, {"starting_at": "2026-11-16T00:00:00Z", "group_by[]": ["user_email"]})
    assert refused.value.code == 400
    assert json.load(refused.value)["error"]["type"] == "invalid_request_error"


def test_the_users_and_api_keys_lists_are_read_page_by_page_once(apis, env, engine, slack, users):
    run = _fetch(env)
    import_rows(engine, run.source, run, lookup_email=_lookup(slack), label=run.label)
    # two members a page: Ken and Linus are on the second page; Linus's key is attributed only through it
    asked = [(r.param("limit"), r.param("after_id")) for r in apis.requests(USERS)]
    assert asked == [("1000", None), ("1000", GRACE)]
    assert [(r.param("limit"), r.param("after_id")) for r in apis.requests(API_KEYS)] == [
        ("1000", None),
        ("1000", "apikey_01AdaScriptsKey000000"),
    ]
    assert all(r.headers["x-api-key"] == ANTHROPIC_KEY for r in apis.requests(USERS) + apis.requests(API_KEYS))
    linus = _people(engine)[users[2].id]
    assert [row for row in _usage(engine) if row[-1] == linus] == [
        ("linus@example.com", D16, SONNET, 3000, 1300, 0, 0, linus),
        ("linus@example.com", D17, OPUS, 1200, 600, 0, 0, linus),
    ]


def test_a_member_who_left_stays_unattributed_and_is_reported(apis, monkeypatch, fresh_database_url, slack, capsys):
    _cli_env(monkeypatch, fresh_database_url, slack, apis)
    assert _cli("--from-api", "anthropic", "--since", "2026-11-16", "--until", "2026-11-17") == 0
    out = capsys.readouterr().out
    assert "Imported 10 rows from anthropic API 2026-11-16..2026-11-17 (format anthropic): 7 matched to people, " in out
    assert "3 unattributed." in out
    assert (
        "Not attributable through the Admin API, kept under their own id:\n"
        f"  {FORMER_KEY}: API key created by {FORMER}, not a member of the organisation any more\n"
        f"  {FORMER}: account not a member of the organisation (left, or removed?)\n"
    ) in out
    assert f"  {FORMER}: 1 row\n" in out and f"  {FORMER_KEY}: 1 row\n" in out  # the import's unattributed keys
    stored = _stored()
    assert (FORMER, D17, SONNET, 400, 150, 0, 0, None) in stored
    assert (FORMER_KEY, D17, HAIKU, 90, 30, 0, 0, None) in stored


def test_a_key_mapped_by_hand_keeps_its_mapping(apis, monkeypatch, fresh_database_url, slack, users, capsys):
    _cli_env(monkeypatch, fresh_database_url, slack, apis)
    from storage.engine import make_engine, migrate

    engine = make_engine(fresh_database_url)
    migrate(engine)
    map_key(engine, LINUS_KEY, users[3].id)  # the build server is Margaret's, whoever created its key
    assert _cli("--from-api", "anthropic", "--since", "2026-11-16", "--until", "2026-11-17") == 0
    out = capsys.readouterr().out
    assert f"Kept under their own id, as `airetro identities map` ties them to someone: {LINUS_KEY}." in out
    margaret = _people(engine)[users[3].id]
    assert [row for row in _usage(engine) if row[-1] == margaret] == [
        (LINUS_KEY, D16, SONNET, 3000, 1300, 0, 0, margaret),
        (LINUS_KEY, D17, OPUS, 1200, 600, 0, 0, margaret),
    ]
    assert not [row for row in _usage(engine) if row[0] == "linus@example.com"]
    assert mapped_key_check(engine)(LINUS_KEY) and not mapped_key_check(engine)(ADA)
    engine.dispose()


def test_pulling_again_replaces_the_collapsed_rows_of_an_earlier_pull(apis, env, engine, slack, users, monkeypatch):
    monkeypatch.setattr(fetch_module, "ANTHROPIC_GROUP_BY", OLD_GROUP_BY)  # as an earlier version stored it
    before = _fetch(env)
    import_rows(engine, before.source, before, lookup_email=_lookup(slack), label=before.label)
    collapsed = _usage(engine)
    assert sum(_total(row) for row in collapsed) == sum(_total(row) for row in PER_PERSON)
    monkeypatch.setattr(fetch_module, "ANTHROPIC_GROUP_BY", ("account_id", *OLD_GROUP_BY))

    run = _fetch(env, since=D16, until=D18)
    import_rows(engine, run.source, run, lookup_email=_lookup(slack), label=run.label)
    stored = _usage(engine)
    assert [row[:7] for row in stored] == PER_PERSON  # no stale workspace row beside the people's own
    assert sum(_total(row) for row in stored) == sum(_total(row) for row in PER_PERSON)
    assert _weekly_tokens(engine)[users[0].id] == 1500 + 500 + 4000 + 200 + 1100 + 350 + 1500 + 50

    again = _fetch(env, since=D17, until=D17)  # one day again: the other days stay as they are
    import_rows(engine, again.source, again, lookup_email=_lookup(slack), label=again.label)
    assert again.covers == [D17] and _usage(engine) == stored
    later = _fetch(env, since=date(2026, 11, 19), until=date(2026, 11, 20))  # days the report sends no bucket for
    import_rows(engine, later.source, later, lookup_email=_lookup(slack), label=later.label)
    assert later.covers == [] and _usage(engine) == stored


def test_a_bad_member_record_names_it_and_nothing_is_imported(apis, env, engine):
    del apis.data[USERS][3]["email"]
    run = _fetch(env)
    with pytest.raises(ValueError) as caught:
        import_rows(engine, run.source, run, label=run.label)
    assert str(caught.value) == (
        "anthropic API 2026-11-16..2026-11-17, /v1/organizations/users, page 2: data[1]: missing email. "
        "Nothing was imported."
    )
    assert _usage(engine) == []


# -- the command line ----------------------------------------------------------------------------------


def _cli_env(monkeypatch, database_url, slack, apis):
    for name in ("SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SLACK_API_URL", slack.url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("ANTHROPIC_API_URL", apis.url)
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", ANTHROPIC_KEY)


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
        return _usage(engine)
    finally:
        engine.dispose()
