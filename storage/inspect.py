"""What a database is and whether its schema is the newest, read without changing anything: for ``/readyz``
(``bot/health.py``) and ``airetro db check`` (``bot/db_check.py``). Nothing here migrates or writes."""

from __future__ import annotations

from dataclasses import dataclass

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine, func, select, table
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from storage.engine import alembic_config

VERSION_TABLE = "alembic_version"
# URL query parameters libpq (and so psycopg) reads a secret from: hidden like the URL's own password
SECRET_QUERY_KEYS = frozenset({"password", "sslpassword"})


def safe_url(url: URL) -> str:
    """``url`` for a log line or the operator's screen: the password (and any password query parameter) as ***."""
    query = {key: ("***" if key.lower() in SECRET_QUERY_KEYS else value) for key, value in url.query.items()}
    return url.set(query=query).render_as_string(hide_password=True)


def error_line(error: BaseException, url: URL) -> str:
    """The first line of what the driver said (not SQLAlchemy's wrapping with the SQL and a link), cut to
    200 characters, with ``url``'s password as *** should the driver have repeated it."""
    cause = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    line = (str(cause).strip().splitlines() or [type(cause).__name__])[0][:200]
    return line.replace(str(url.password), "***") if url.password else line


def migrations(engine: Engine) -> ScriptDirectory:
    """This code's migrations (``storage/migrations``): what the newest schema revision is."""
    return ScriptDirectory.from_config(alembic_config(engine))


@dataclass(frozen=True)
class SchemaState:
    """The revision(s) in the database's ``alembic_version`` against the newest this code has."""

    current: tuple[str, ...]  # empty: never migrated (no alembic_version table, or no row in it)
    newest: str
    unknown: tuple[str, ...] = ()  # current revisions this code has no migration for (a newer release's)

    @property
    def is_current(self) -> bool:
        return self.current == (self.newest,)

    @property
    def status(self) -> str:
        """``current``, ``behind`` (older or never migrated) or ``unknown`` (a revision this code lacks)."""
        if self.unknown:
            return "unknown"
        return "current" if self.is_current else "behind"

    def describe(self) -> str:
        """One phrase: where the schema is against the newest revision."""
        at = ", ".join(self.current)
        if self.unknown:
            return f"at {at}, a revision this version of AI Retro does not know (its newest: {self.newest})"
        if not self.current:
            return f"never migrated (newest: {self.newest})"
        if self.is_current:
            return f"at {self.newest}, the newest"
        return f"at {at}, behind the newest {self.newest}"


def schema_state(connection: Connection, script: ScriptDirectory) -> SchemaState:
    """Read ``alembic_version`` (never creating it) and compare it with ``script``'s single head."""
    current = tuple(sorted(MigrationContext.configure(connection).get_current_heads()))
    unknown = []
    for revision in current:
        try:
            known = script.get_revision(revision)
        except (CommandError, RevisionError):  # no such revision in this code's migrations
            known = None
        if known is None:
            unknown.append(revision)
    return SchemaState(current=current, newest=script.get_current_head() or "", unknown=tuple(unknown))


def server_version(connection: Connection) -> str:
    """The database server's own version: SQLite's library version, PostgreSQL's ``server_version``."""
    dialect = connection.dialect.name
    if dialect == "sqlite":
        return f"SQLite {connection.exec_driver_sql('select sqlite_version()').scalar_one()}"
    if dialect == "postgresql":
        return f"PostgreSQL {connection.exec_driver_sql('SHOW server_version').scalar_one()}"
    info = connection.dialect.server_version_info
    return f"{dialect} {'.'.join(map(str, info)) if info else '(version unknown)'}"


def row_counts(connection: Connection) -> list[tuple[str, int]]:
    """Every table of the database's default schema but Alembic's own, sorted by name, with its row count."""
    names = sorted(n for n in sa_inspect(connection).get_table_names() if n != VERSION_TABLE)
    return [(name, connection.execute(select(func.count()).select_from(table(name))).scalar_one()) for name in names]
