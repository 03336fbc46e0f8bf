"""The test plumbing itself: a module under ``both_engines`` runs on SQLite and PostgreSQL, each test on a
migrated database of its own that starts empty."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from bot.config import Settings

pytestmark = pytest.mark.both_engines

TEAM = (
    "INSERT INTO teams (name, channel_id, tz, prompt_weekday, prompt_time, digest_weekday, digest_time,"
    " min_respondents, reminder_hours, per_member_tz, paused, created_at, membership, share_free_text)"
    " VALUES (:name, 'C0TEAM001', 'Europe/Berlin', 0, '10:00', 4, '16:00', 3, 24, :no, :no, :now, 'people', :yes)"
)


@pytest.mark.parametrize("name", ["Payments", "Mobile"])  # twice: the second starts from an empty database too
def test_a_team_row_goes_in_and_comes_back(engine, engine_name, name):
    assert engine.dialect.name == engine_name
    with engine.begin() as db:
        assert db.execute(text("SELECT count(*) FROM teams")).scalar() == 0
        db.execute(text(TEAM), {"name": name, "no": False, "yes": True, "now": datetime(2026, 11, 23, tzinfo=UTC)})
    with engine.connect() as db:
        row = db.execute(text("SELECT id, name, paused, share_free_text FROM teams")).one()
    assert tuple(row) == (1, name, False, True)  # ids start at 1 again


def test_settings_and_the_engine_name_the_same_database(engine, settings, database_url):
    assert settings.database_url == database_url == engine.url.render_as_string(hide_password=False)


def test_a_fresh_database_is_empty_and_on_the_same_engine(engine_name, fresh_database_url):
    from sqlalchemy import inspect

    from storage.engine import make_engine

    fresh = make_engine(Settings(database_url=fresh_database_url).database_url)
    try:
        assert fresh.dialect.name == engine_name
        assert inspect(fresh).get_table_names() == []
    finally:
        fresh.dispose()


@pytest.mark.sqlite_only("the opt-out: no [postgresql] variant")
def test_sqlite_only_stays_on_sqlite(engine_name, request):
    assert engine_name == "sqlite" and not hasattr(request.node, "callspec")
