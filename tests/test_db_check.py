"""`airetro db check` looks and never migrates: which database, its server, its schema against the newest,
rows per table; exit 0 only when it answers with the newest schema. `airetro db upgrade` migrates."""

from __future__ import annotations

import sqlite3

import pytest
from alembic import command

from bot.cli import main
from storage.engine import alembic_config, make_engine, migrate
from storage.inspect import migrations


@pytest.fixture
def env(monkeypatch, tmp_path):
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/check.db")
    return monkeypatch


@pytest.fixture
def database(env, tmp_path):
    """A migrated SQLite file with 1,234 people; its path."""
    path = tmp_path / "check.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO people (slack_user_id, prompts_paused) VALUES (?, 0)", [(f"U{i:05d}",) for i in range(1234)]
        )
    return path


def _revision(path) -> list[str]:
    with sqlite3.connect(path) as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "alembic_version" not in tables:
            return []
        return [v for (v,) in db.execute("SELECT version_num FROM alembic_version")]


def _newest() -> str:
    return migrations(make_engine("sqlite://")).get_current_head()


def test_a_current_database_passes_with_its_tables_and_counts(database, capsys):
    assert main(["db", "check"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0] == f"Database: sqlite (sqlite:///{database})"
    assert lines[1].startswith("Server:   SQLite 3.")
    assert lines[2] == f"Schema:   {_newest()}, the newest: current"
    assert lines[3].startswith("Tables (") and err == ""
    rows = [line.split() for line in lines[4:]]
    names = [name for name, _ in rows]
    assert names == sorted(names) and {"people", "teams", "usage_records"} <= set(names)
    assert "alembic_version" not in names
    assert dict(rows)["people"] == "1,234" and dict(rows)["teams"] == "0"


def test_a_database_behind_fails_says_behind_and_is_left_as_it_was(database, capsys):
    engine = make_engine(f"sqlite:///{database}")
    command.downgrade(alembic_config(engine), "-1")
    engine.dispose()
    before = _revision(database)
    assert main(["db", "check"]) == 1
    out = capsys.readouterr().out
    assert f"Schema:   {before[0]}, newest is {_newest()}: behind: run `airetro db upgrade`" in out
    assert "people" in out  # the counts are there all the same
    assert _revision(database) == before  # looked, did not migrate


def test_a_database_never_migrated_fails_as_behind_and_gets_no_schema(env, tmp_path, capsys):
    path = tmp_path / "check.db"
    sqlite3.connect(path).close()
    assert main(["db", "check"]) == 1
    out = capsys.readouterr().out
    assert f"Schema:   none (never migrated), newest is {_newest()}: behind" in out and "Tables:   none" in out
    assert _revision(path) == []


def test_a_missing_sqlite_file_is_reported_not_created(env, tmp_path, capsys):
    assert main(["db", "check"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"airetro: no database file at {tmp_path}/check.db")
    assert not (tmp_path / "check.db").exists()


def test_a_revision_newer_than_this_code_fails(database, capsys):
    with sqlite3.connect(database) as db:
        db.execute("UPDATE alembic_version SET version_num = '9999'")
    assert main(["db", "check"]) == 1
    assert f"Schema:   9999, newest this AI Retro knows is {_newest()}: unknown revision" in capsys.readouterr().out


def test_an_unreachable_database_is_one_line_without_the_password(env, capsys):
    secret = "hunter2-never-printed"
    env.setenv("DATABASE_URL", f"postgresql://airetro:{secret}@127.0.0.1:1/airetro")  # nothing listens on port 1
    assert main(["db", "check"]) == 1
    out, err = capsys.readouterr()
    assert out == "Database: postgresql (postgresql+psycopg://airetro:***@127.0.0.1:1/airetro)\n"
    assert err.count("\n") == 1 and err.startswith("airetro: cannot connect to the database: ")
    assert secret not in out + err and "Traceback" not in err


def test_db_upgrade_migrates_and_then_the_check_passes(database, capsys):
    engine = make_engine(f"sqlite:///{database}")
    command.downgrade(alembic_config(engine), "-1")
    engine.dispose()
    assert main(["db", "upgrade"]) == 0
    assert capsys.readouterr().out == f"Schema:   {_newest()}, the newest: current\n"
    assert main(["db", "check"]) == 0
