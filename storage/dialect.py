"""What differs between SQLite and PostgreSQL, each behind one function."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session


def dialect_name(bind: Session | Connection) -> str:
    """``sqlite`` or ``postgresql``."""
    engine_or_connection = bind.get_bind() if isinstance(bind, Session) else bind
    return engine_or_connection.dialect.name


def insert(bind: Session | Connection, table: Any) -> sqlite.Insert | postgresql.Insert:
    """An INSERT for ``table`` in the bind's dialect, with ``on_conflict_do_nothing``/``on_conflict_do_update``
    (the same arguments on both)."""
    return postgresql.insert(table) if dialect_name(bind) == "postgresql" else sqlite.insert(table)
