"""Who usage belongs to: by e-mail (Slack's users.lookupByEmail through the stand-in, once per distinct
e-mail), by Slack ID, or by an explicit mapping (``airetro identities map KEY U…``), which also
attributes the records already imported under the key; unmapping detaches them again."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from slack_sdk.errors import SlackApiError
from sqlalchemy import insert, text

from bot.cli import main
from bot.services.identities import map_key, unmap_key
from bot.services.usage_import import import_rows, slack_email_lookup
from bot.usage.rows import ActivityRow, UsageRow
from storage.engine import make_engine
from storage.models import UsageRecord
from storage.queries.usage_staging import lock_usage_writes
from tests.conftest import SIGNING_SECRET, TOKEN
from tests.usage.snapshots import query, snapshot, summaries

MON = date(2026, 11, 16)  # 2026-W47
ADA, GRACE, LINUS = "U0USER001", "U0USER002", "U0USER003"
KEY = "apikey_01Rj2N8SVvo6BePZj99NhmiT"


def _u(key: str, day: date = MON, tokens: int = 100, cost: float = 1.0, model: str = "m") -> UsageRow:
    return UsageRow(key, day, model, "r", tokens, 0, cost_usd=cost, requests=1)


def _owners(engine) -> list[tuple]:
    return query(
        engine,
        "SELECT u.person_key, u.day, p.slack_user_id FROM usage_records u LEFT JOIN people p ON p.id = u.person_id "
        "ORDER BY u.person_key, u.day",
    )


def test_emails_are_looked_up_in_slack_once_each(engine, app, slack):
    rows = [_u("ada@example.com", MON + timedelta(days=d)) for d in range(3)]
    rows += [_u("Grace@Example.com"), _u("grace@example.com", MON + timedelta(days=1))]
    rows += [_u("nobody@example.com"), _u("nobody@example.com", MON + timedelta(days=1))]
    report = import_rows(engine, "openai", rows, lookup_email=slack_email_lookup(app.client))
    assert sorted(c.args["email"] for c in slack.calls("users.lookupByEmail")) == [
        "ada@example.com",
        "grace@example.com",
        "nobody@example.com",
    ]
    assert (report.attributed, report.unattributed_keys) == (5, {"nobody@example.com": 2})
    assert query(engine, "SELECT slack_user_id, email FROM people ORDER BY slack_user_id") == [
        (ADA, "ada@example.com"),
        (GRACE, "grace@example.com"),
    ]
    assert summaries(engine) == {(ADA, "2026-W47"): (300, 3.0, "m"), (GRACE, "2026-W47"): (200, 2.0, "m")}

    # a later import: the e-mails now known are not asked again (a new lookup, as each import makes one)
    import_rows(engine, "openai", [_u("ada@example.com", MON + timedelta(days=4))],
                lookup_email=slack_email_lookup(app.client))  # fmt: skip
    assert len(slack.calls("users.lookupByEmail")) == 3


def test_slack_ids_are_people_and_need_no_lookup(engine, app, slack):
    report = import_rows(engine, "litellm", [_u(LINUS)], lookup_email=slack_email_lookup(app.client))
    assert report.attributed == 1 and slack.calls("users.lookupByEmail") == []
    assert _owners(engine) == [(LINUS, "2026-11-16", LINUS)]


def test_a_slack_error_other_than_not_found_stops_the_import(engine, app, slack):
    slack.fail("users.lookupByEmail", "missing_scope")
    before = snapshot(engine)
    with pytest.raises(SlackApiError):
        import_rows(engine, "x", [_u(ADA), _u("ada@example.com")], lookup_email=slack_email_lookup(app.client))
    assert snapshot(engine) == before


@pytest.mark.sqlite_only("SQLite's one database-wide write lock; PostgreSQL locks rows")
def test_no_write_lock_is_held_while_slack_answers(engine, app, slack):
    """The bot keeps writing while an import waits for users.lookupByEmail, and the import still commits."""
    held = slack.hold("users.lookupByEmail")
    rows = [_u(ADA), _u("grace@example.com"), _u("svc")]
    reports = []
    worker = threading.Thread(
        target=lambda: reports.append(import_rows(engine, "x", rows, lookup_email=slack_email_lookup(app.client)))
    )
    worker.start()
    try:
        slack.wait_for("users.lookupByEmail", 1)  # the import is waiting for Slack's answer now
        bot = sqlite3.connect(engine.url.database, timeout=0)  # would fail at once on a held lock
        with bot:
            bot.execute("INSERT INTO people (slack_user_id, prompts_paused) VALUES ('U0USER005', 0)")
        bot.close()
    finally:
        held.set()
        worker.join(timeout=10)
    assert reports and reports[0].attributed == 2 and reports[0].unattributed_keys == {"svc": 1}
    assert query(engine, "SELECT slack_user_id, email FROM people ORDER BY slack_user_id") == [
        (ADA, None),
        (GRACE, "grace@example.com"),
        ("U0USER005", None),
    ]


def test_an_explicit_mapping_attributes_future_imports(engine):
    map_key(engine, KEY, GRACE)
    report = import_rows(engine, "anthropic", [_u(KEY), _u(KEY, MON + timedelta(days=7))])
    assert (report.attributed, report.unattributed_keys) == (2, {})
    assert _owners(engine) == [(KEY, "2026-11-16", GRACE), (KEY, "2026-11-23", GRACE)]
    assert summaries(engine) == {(GRACE, "2026-W47"): (100, 1.0, "m"), (GRACE, "2026-W48"): (100, 1.0, "m")}


def test_mapping_later_attributes_the_rows_already_imported_and_unmapping_detaches_them(engine):
    activity = ActivityRow(KEY, MON, "data[0]", sessions=2, commits=1)
    first = import_rows(engine, "claude_code", [_u(KEY), _u(KEY, MON + timedelta(days=1)), activity])
    assert first.unattributed_keys == {KEY: 3} and summaries(engine) == {}

    done = map_key(engine, KEY, ADA)
    assert (done.usage_records, done.activity_records, done.summaries, done.previous) == (2, 1, 1, None)
    assert summaries(engine) == {(ADA, "2026-W47"): (200, 2.0, "m")}
    assert query(engine, "SELECT p.slack_user_id FROM activity_records a JOIN people p ON p.id = a.person_id") == [
        (ADA,)
    ]

    moved = map_key(engine, KEY, GRACE)  # a mistake corrected: ada's week loses it, grace's gains it
    assert moved.previous == ADA
    assert summaries(engine) == {(GRACE, "2026-W47"): (200, 2.0, "m")}

    undone = unmap_key(engine, KEY)
    assert (undone.previous, undone.slack_user_id, undone.usage_records) == (GRACE, None, 2)
    assert summaries(engine) == {}
    assert query(engine, "SELECT count(*) FROM usage_records WHERE person_id IS NULL") == [(2,)]
    assert query(engine, "SELECT count(*) FROM activity_records WHERE person_id IS NULL") == [(1,)]


def test_a_mapping_waits_for_an_import_in_progress_and_counts_its_rows(engine, engine_name):
    """PostgreSQL: imports and mappings take turns on the usage writes (SQLite has one writer at a time anyway).
    Without it, the mapping would recompute ada's week before the import's rows were committed, and lose them."""
    if engine_name != "postgresql":
        pytest.skip("SQLite lets one writer at a time: there is nothing to take turns on")
    import_rows(engine, "x", [_u(KEY)])  # one record of the key, already there
    with engine.connect() as importing:
        lock_usage_writes(importing)  # an import under way holds the usage writes until its commit ...
        importing.execute(
            insert(UsageRecord).values(
                source="x", person_key=KEY, day=MON + timedelta(days=1), model="m", input_tokens=50,
                output_tokens=0, cache_read_tokens=0, cache_write_tokens=0, cost_usd=0.5, estimated_cost_usd=0.0,
                unknown_cost_tokens=0, requests=1, imported_at=datetime.now(UTC),
            )
        )  # fmt: skip
        mapping = threading.Thread(target=map_key, args=(engine, KEY, ADA))
        mapping.start()
        with engine.connect() as watching:  # ... so the mapping waits for it (bounded: 10 s)
            for _ in range(200):
                waiting = watching.execute(
                    text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
                ).scalar()
                if waiting:
                    break
                time.sleep(0.05)
        assert waiting == 1 and mapping.is_alive()
        importing.commit()
    mapping.join(timeout=10)
    assert not mapping.is_alive()
    assert summaries(engine) == {(ADA, "2026-W47"): (150, 1.5, "m")}  # both records: the committed import counted


def test_unmapping_an_email_gives_its_rows_back_to_the_person_it_names(engine):
    import_rows(engine, "x", [_u(ADA)])  # ada is known
    import_rows(engine, "x", [_u("ada.personal@example.org", MON + timedelta(days=1))])
    map_key(engine, "Ada.Personal@Example.org", ADA)  # her private address, mapped by hand
    assert _owners(engine)[0] == (ADA, "2026-11-16", ADA)
    assert _owners(engine)[1] == ("ada.personal@example.org", "2026-11-17", ADA)
    unmap_key(engine, "ada.personal@example.org")
    assert _owners(engine)[1] == ("ada.personal@example.org", "2026-11-17", None)  # no person has that e-mail


@pytest.mark.parametrize(
    ("key", "user", "problem"),
    [
        (KEY, "ada", "'ada' is not a Slack user ID"),
        (KEY, "u0user001", "'u0user001' is not a Slack user ID"),
        ("  ", ADA, "the key is empty"),
        (GRACE, ADA, "is a Slack user ID: its usage is already that person's"),
    ],
)
def test_a_mapping_that_makes_no_sense_is_refused(engine, key, user, problem):
    before = snapshot(engine)
    with pytest.raises(ValueError, match=problem):
        map_key(engine, key, user)
    assert snapshot(engine) == before


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


def test_identities_on_the_command_line(cli_env, capsys, tmp_path):
    assert main(["identities", "list"]) == 0
    assert (
        capsys.readouterr().out
        == "No keys are mapped (map one with `airetro identities map KEY U…`).\nNo unattributed usage.\n"
    )
    import_rows(cli_env, "anthropic", [_u(KEY), _u(KEY, MON + timedelta(days=1)), _u("wrkspc_01", MON)])

    assert main(["identities", "list"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "No keys are mapped (map one with `airetro identities map KEY U…`).",
        "Unattributed keys (their records are kept, attributed to nobody):",
        f"  {KEY}: 2 records",
        "  wrkspc_01: 1 record",
    ]

    assert main(["identities", "map", KEY, ADA]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"Mapped {KEY} to {ADA}.",
        f"2 usage records and 0 activity records already imported under {KEY} now count as theirs (1 weekly "
        f"token summary refreshed); future imports attribute {KEY} to them too.",
    ]
    assert summaries(cli_env) == {(ADA, "2026-W47"): (200, 2.0, "m")}

    assert main(["identities", "list"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Mapped keys:",
        f"  {KEY} → {ADA} (2 usage records and 0 activity records)",
        "Unattributed keys (their records are kept, attributed to nobody):",
        "  wrkspc_01: 1 record",
    ]

    assert main(["identities", "map", KEY, GRACE]) == 0
    assert f"Mapped {KEY} to {GRACE} (it was mapped to {ADA})." in capsys.readouterr().out

    assert main(["identities", "unmap", KEY]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"Unmapped {KEY} (it was mapped to {GRACE}).",
        "Its 2 usage records and 0 activity records are unattributed again (1 weekly token summary refreshed).",
    ]
    assert summaries(cli_env) == {}


def test_identities_errors_are_one_line(cli_env, capsys):
    assert main(["identities", "map", KEY, "ada"]) == 1
    assert capsys.readouterr().err == "airetro: 'ada' is not a Slack user ID (like U0123ABCD)\n"
    assert main(["identities", "unmap", KEY]) == 1
    assert capsys.readouterr().err == f"airetro: '{KEY}' is not mapped (see `airetro identities list`)\n"
