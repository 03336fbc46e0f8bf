"""Five real processes started at once on an empty database: the schema is migrated exactly once, the
others wait for it and start (advisory lock on PostgreSQL, a file lock on SQLite)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from storage.engine import alembic_config, make_engine

pytestmark = pytest.mark.both_engines
PROCESSES = 5


def test_five_processes_starting_together_migrate_once_and_all_start(fresh_database_url, engine_name):
    env = {**os.environ, "DATABASE_URL": fresh_database_url}
    started = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "--verbose", "db", "upgrade"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip
        for _ in range(PROCESSES)
    ]
    outputs = [proc.communicate(timeout=120)[0] for proc in started]
    assert [proc.returncode for proc in started] == [0] * PROCESSES, outputs
    engine = make_engine(fresh_database_url)
    try:
        head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
        with engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [head]
    finally:
        engine.dispose()
    migrated = [out for out in outputs if "Running upgrade  -> 0001" in out]
    assert len(migrated) == 1, outputs  # one process ran the migrations; the others found nothing to do
    assert all(f"schema {head}" in out or head in out for out in outputs), outputs
