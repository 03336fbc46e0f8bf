"""A fresh, empty database for a benchmark run: a SQLite file, or a scratch database on a PostgreSQL server
(created for the run and dropped after it). Shared by the benchmark scripts beside it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, make_url


@contextmanager
def scratch_database(engine_name: str, postgres: str | None, tmp: str, label: str) -> Iterator[str]:
    """The URL of an empty database named after ``label``: ``{tmp}/{label}.db``, or ``bench_{label}_<pid>``."""
    if engine_name == "sqlite":
        yield f"sqlite:///{tmp}/{label}.db"
        return
    name = f"bench_{label}_{os.getpid()}"
    admin = create_engine(postgres, isolation_level="AUTOCOMMIT", pool_size=1, max_overflow=0)
    try:
        with admin.connect() as db:
            db.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            db.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield make_url(postgres).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as db:
            db.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
