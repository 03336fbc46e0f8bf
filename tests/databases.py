"""Which database a test runs on: SQLite always, PostgreSQL as well where a module or directory opts in.
A pytest plugin (``pytest_plugins`` in ``tests/conftest.py``): markers, parametrization and fixtures.

Opting in (one line):

- a module (or class, or test): ``pytestmark = pytest.mark.both_engines``
- a directory, in its ``conftest.py``: ``from tests.databases import both_engines_here as pytest_generate_tests``
- one test inside an opted-in module or directory that only makes sense on SQLite (pragmas, the file itself):
  ``@pytest.mark.sqlite_only("why")``

Every test that uses the ``engine`` fixture (or ``database_url``, ``settings``, ``app``, …) there runs twice,
with ids ``[sqlite]`` and ``[postgresql]``; ``engine_name`` says which. Everywhere else tests run on SQLite
only, as before. The PostgreSQL server is the one in ``AIRETRO_TEST_POSTGRES`` (``.ci/run`` and
``python -m tests.pg_server run -- …`` start a throwaway one and set it); without it the PostgreSQL variants
are skipped, except under ``CI=true``, where that is a failure.

On PostgreSQL a session migrates one database once (``airetro_test_<pid>``) and every test starts from it
emptied: other connections to it terminated, tables a test created (APScheduler's ``apscheduler_jobs``)
dropped, every table's rows deleted (children first) and every sequence restarted. That costs about 3 ms a
test (15 ms on a busy machine), against about 110 ms (idle machine) to 350 ms (busy) for ``CREATE DATABASE …
TEMPLATE`` (FILE_COPY) plus 25 ms for ``DROP DATABASE … WITH (FORCE)``, or 55-195 ms for a ``TRUNCATE …
RESTART IDENTITY`` of every table.

``fresh_database_url`` (an empty database nobody migrated, e.g. for the CLI, which migrates on start) is the
session's second database with its ``public`` schema dropped and made anew (20-30 ms; a new
database would cost 400-800 ms on a busy machine). Both are dropped when the session ends.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, MetaData, create_engine, make_url
from sqlalchemy.pool import NullPool

from storage import liveness
from tests.pg_server import ENV

ENGINES = ("sqlite", "postgresql")
UNAVAILABLE = "PostgreSQL not available: set AIRETRO_TEST_POSTGRES or run .ci/run"
TERMINATE_WAIT_MS = 5000


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "both_engines: run the tests that use a database on SQLite and PostgreSQL")
    config.addinivalue_line("markers", "sqlite_only(reason): keep this test on SQLite where both_engines applies")


@pytest.hookimpl(trylast=True)  # after a directory's ``both_engines_here``
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``engine_name`` takes both values for tests under ``both_engines`` (and not ``sqlite_only``)."""
    if "engine_name" not in metafunc.fixturenames:
        return
    definition = metafunc.definition
    if definition.get_closest_marker("both_engines") is None or definition.get_closest_marker("sqlite_only"):
        return
    metafunc.parametrize("engine_name", ENGINES, indirect=True)


@pytest.hookimpl(tryfirst=True)
def both_engines_here(metafunc: pytest.Metafunc) -> None:
    """A directory's ``pytest_generate_tests``: every test below it is under ``both_engines`` (runs before this
    plugin's own ``pytest_generate_tests``, which does the parametrizing)."""
    metafunc.definition.add_marker(pytest.mark.both_engines)


class Postgres:
    """The PostgreSQL server of ``AIRETRO_TEST_POSTGRES``: one migrated database for the session, emptied
    before each test, and a second one for tests that need an empty, unmigrated database."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.prefix = f"airetro_test_{os.getpid()}"
        self.admin = create_engine(self.url, isolation_level="AUTOCOMMIT", pool_size=1, max_overflow=0)
        self.created: list[str] = []
        self._migrated: Engine | None = None
        self._tables: list[str] = []  # the migrated schema's tables, parents first
        self._sequences: list[str] = []

    def url_of(self, database: str) -> str:
        return self.url.set(database=database).render_as_string(hide_password=False)

    def _create(self, name: str) -> None:
        with self.admin.connect() as db:
            db.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            db.exec_driver_sql(f'CREATE DATABASE "{name}"')
        self.created.append(name)

    def drop(self, name: str) -> None:
        with self.admin.connect() as db:
            db.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.remove(name)

    def migrated(self) -> Engine:
        """The session's migrated database (made on first use)."""
        if self._migrated is None:
            from storage.engine import make_engine, migrate

            self._create(self.prefix)
            engine = make_engine(self.url_of(self.prefix), pool_size=1, max_overflow=0)
            migrate(engine)
            metadata = MetaData()
            metadata.reflect(engine)
            self._tables = [t.name for t in metadata.sorted_tables if t.name != "alembic_version"]
            with engine.connect() as db:
                self._sequences = db.exec_driver_sql(
                    "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
                ).scalars().all()  # fmt: skip
            self._migrated = engine
        return self._migrated

    def emptied(self) -> str:
        """The session's migrated database as migrating left it (no rows, sequences at 1); its URL."""
        engine = self.migrated()
        with engine.begin() as db:
            self._terminate_others(db)
            present = db.exec_driver_sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").scalars()
            for extra in set(present) - {*self._tables, "alembic_version"}:
                db.exec_driver_sql(f'DROP TABLE IF EXISTS "{extra}" CASCADE')
            for table in reversed(self._tables):
                db.exec_driver_sql(f'DELETE FROM "{table}"')
            if self._sequences:
                restart = ", ".join(f"setval('\"{s}\"', 1, false)" for s in self._sequences)
                db.exec_driver_sql(f"SELECT {restart}")
        liveness.forget(engine)  # this process's registration went with the rows (a CLI test made it)
        return self.url_of(self.prefix)

    def fresh(self) -> str:
        """The session's second database, emptied of every table (its ``public`` schema made anew); its URL."""
        name = f"{self.prefix}_fresh"
        if name not in self.created:
            self._create(name)
        engine = create_engine(self.url_of(name), poolclass=NullPool)
        try:
            with engine.begin() as db:
                self._terminate_others(db)
                db.exec_driver_sql("DROP SCHEMA public CASCADE")
                db.exec_driver_sql("CREATE SCHEMA public")
        finally:
            engine.dispose()
        return self.url_of(name)

    @staticmethod
    def _terminate_others(db: Connection) -> None:
        """Connections a previous test left open (a pool, a killed subprocess's) would hold locks: end them."""
        db.exec_driver_sql(
            f"SELECT pg_terminate_backend(pid, {TERMINATE_WAIT_MS}) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )

    def close(self) -> None:
        if self._migrated is not None:
            self._migrated.dispose()
        for name in list(self.created):
            self.drop(name)
        self.admin.dispose()


# Fixtures (``tests/conftest.py`` loads this module as a plugin) ------------------------------------------------


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """The PostgreSQL server for the ``[postgresql]`` variants; skipped without one (a failure under CI)."""
    url = os.environ.get(ENV, "").strip()
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{UNAVAILABLE} (CI=true: a missing server fails the run)", pytrace=False)
        pytest.skip(UNAVAILABLE)
    server = Postgres(url)
    yield server
    server.close()


@pytest.fixture
def engine_name(request: pytest.FixtureRequest) -> str:
    """``sqlite`` or ``postgresql`` (as ``engine.dialect.name``): the database this test runs on."""
    name = getattr(request, "param", "sqlite")
    if name == "postgresql":
        request.getfixturevalue("postgres")  # skips (or fails, under CI) without a server
    return name


@pytest.fixture
def database_url(engine_name: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """The URL of this test's database (migrated by ``engine``): what ``Settings``, the CLI (``DATABASE_URL``)
    and a second process's engine must use to see the same data."""
    if engine_name == "sqlite":
        return f"sqlite:///{tmp_path}/airetro.db"
    return request.getfixturevalue("postgres").emptied()


@pytest.fixture
def fresh_database_url(engine_name: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """Another database on the same engine, empty and not migrated (the CLI migrates it on start)."""
    if engine_name == "sqlite":
        return f"sqlite:///{tmp_path}/fresh.db"
    return request.getfixturevalue("postgres").fresh()


@pytest.fixture
def engine(engine_name: str, database_url: str) -> Iterator[Engine]:
    """This test's migrated database: a SQLite file migrated now, or the session's PostgreSQL database
    (migrated once) emptied."""
    from storage.engine import make_engine, migrate

    engine = make_engine(database_url)
    if engine_name == "sqlite":
        migrate(engine)
    yield engine
    engine.dispose()
