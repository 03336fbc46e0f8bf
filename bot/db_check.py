"""``airetro db check``: which database, its server version, its schema against the newest, rows per table.

It only looks: no migration (the CLI's ``_engine()`` migrates, so it is not used here), no write, and a
SQLite file that does not exist is reported, not created. Exit status 0 when the database answers and its
schema is the newest, else 1; an error is one line on stderr, never a traceback, never the password.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from storage.engine import make_engine
from storage.inspect import SchemaState, error_line, migrations, row_counts, safe_url, schema_state, server_version

BEHIND = "behind: run `airetro db upgrade` (any airetro command that uses the database migrates it too)"
UNKNOWN = "unknown revision: a newer AI Retro migrated this database; run that version (or restore a backup)"


def _fail(message: str) -> int:
    print(f"airetro: {message}", file=sys.stderr)
    return 1


def schema_verdict(state: SchemaState) -> str:
    """The schema line's text: where it is, the newest, and current / behind (what to do) / unknown."""
    at = ", ".join(state.current) if state.current else "none (never migrated)"
    if state.status == "current":
        return f"{at}, the newest: current"
    if state.status == "unknown":
        return f"{at}, newest this AI Retro knows is {state.newest}: {UNKNOWN}"
    return f"{at}, newest is {state.newest}: {BEHIND}"


def schema_line(engine: Engine) -> str:
    """``Schema: …`` for ``engine``'s database (``airetro db upgrade`` prints it after migrating)."""
    with engine.connect() as connection:
        return f"Schema:   {schema_verdict(schema_state(connection, migrations(engine)))}"


def table_lines(counts: list[tuple[str, int]]) -> list[str]:
    """``Tables (n):`` and one aligned line per table (name, rows with thousands separators)."""
    if not counts:
        return ["Tables:   none"]
    name_width = max(len(name) for name, _ in counts)
    rows = [f"{n:,}" for _, n in counts]
    count_width = max(len(r) for r in rows)
    lines = [f"Tables ({len(counts)}):"]
    lines += [f"  {name.ljust(name_width)}  {r.rjust(count_width)}" for (name, _), r in zip(counts, rows, strict=True)]
    return lines


def check(database_url: str) -> int:
    """Print the report for ``database_url``; 0 when reachable and at the newest schema, else 1."""
    url = make_url(database_url)
    backend = url.get_backend_name()
    print(f"Database: {backend} ({safe_url(url)})", flush=True)
    if backend == "sqlite" and url.database and url.database != ":memory:":
        path = Path(url.database).expanduser()
        if not path.is_file():
            return _fail(f"no database file at {path} (nothing to check; any airetro command creates and migrates it)")
    engine = make_engine(database_url)
    try:
        return _report(engine)
    finally:
        engine.dispose()


def _report(engine: Engine) -> int:
    script = migrations(engine)
    try:
        connection = engine.connect()
    except SQLAlchemyError as error:
        return _fail(f"cannot connect to the database: {error_line(error, engine.url)}")
    with connection:
        try:
            print(f"Server:   {server_version(connection)}")
            state = schema_state(connection, script)
            print(f"Schema:   {schema_verdict(state)}")
            print("\n".join(table_lines(row_counts(connection))))
        except SQLAlchemyError as error:
            return _fail(f"database error while checking: {error_line(error, engine.url)}")
    return 0 if state.is_current else 1
