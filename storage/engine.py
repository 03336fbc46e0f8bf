"""The engine (SQLite: WAL, foreign keys, busy timeout; PostgreSQL through psycopg 3 with a sized pool) and
schema migration on start, exactly once however many processes start together: PostgreSQL serialises them
with an advisory lock, SQLite with an exclusive lock on a file beside the database."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, create_engine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
CONNECT_TIMEOUT_S = 10
BUSY_TIMEOUT_MS = 15000  # a 1,000,000-row usage import holds the write lock for about 6 s


def _on_connect(dbapi_connection, _record) -> None:  # noqa: ANN001 - DB-API objects
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str, *, pool_size: int = 5, max_overflow: int = 5) -> Engine:
    """Create an engine for ``url``; SQLite connections get WAL, foreign keys and a busy timeout, PostgreSQL
    ones a pool of ``pool_size`` (plus ``max_overflow`` at a peak), checked before use."""
    if url.startswith("sqlite"):
        db_path = _sqlite_path(url)
        if db_path is not None:
            db_path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _on_connect)
        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=max_overflow,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_S},  # an unreachable host fails in seconds, not minutes
    )


def _sqlite_path(url: str) -> Path | None:
    path = url.split("///", 1)[-1] if "///" in url else ""
    return Path(path).expanduser() if path and path != ":memory:" else None


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config  # only when migrating: a current schema needs none of Alembic

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    cfg.attributes["engine"] = engine
    return cfg


MIGRATION_LOCK = 7_402_611_337  # pg_advisory_lock key: "airetro migrations"
SCHEMA_HEAD = "0015"  # the newest migration (a test checks it is Alembic's head): a schema at it needs nothing


def schema_is_current(engine: Engine) -> bool:
    """Whether the database is at ``SCHEMA_HEAD`` (one query; any error, or no schema at all: no)."""
    try:
        with engine.connect() as connection:
            versions = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
    except SQLAlchemyError:
        return False
    return versions == [SCHEMA_HEAD]


def migrate(engine: Engine) -> None:
    """Bring the database schema to the latest migration (idempotent). Processes starting together take turns:
    the first migrates, the others wait for it and then find nothing to do. A schema already current is left
    alone at the cost of one query (a new revision is only seen once its migration has committed)."""
    if schema_is_current(engine):
        return
    from alembic import command

    with _migration_lock(engine) as connection:
        cfg = alembic_config(engine)
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[Connection]:
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATION_LOCK})")
            connection.commit()
            try:
                yield connection
            finally:
                connection.rollback()
                connection.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATION_LOCK})")
                connection.commit()
        return
    path = _sqlite_path(engine.url.render_as_string(hide_password=False))
    with open(path.with_name(path.name + ".migrate-lock") if path else os.devnull, "a") as lock:
        if path is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, also if the process dies
        with engine.connect() as connection:
            yield connection


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
