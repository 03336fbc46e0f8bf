"""What differs between SQLite and PostgreSQL, each behind one function."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Date, DateTime, Integer, cast, func, literal_column
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session


def dialect_name(bind: Session | Connection) -> str:
    """``sqlite`` or ``postgresql``."""
    engine_or_connection = bind.get_bind() if isinstance(bind, Session) else bind
    return engine_or_connection.dialect.name


def insert(bind: Session | Connection, table: Any) -> sqlite.Insert | postgresql.Insert:
    """An INSERT for ``table`` in the bind's dialect, with ``on_conflict_do_nothing``/``on_conflict_do_update``
    (the same arguments on both)."""
    return postgresql.insert(table) if dialect_name(bind) == "postgresql" else sqlite.insert(table)


def thursday_of(bind: Session | Connection, day: Any) -> ColumnElement:
    """The Thursday of ``day``'s ISO week (Monday to Sunday), whose ISO week is the day's: grouping by it groups
    by week in SQL. ``day``: a column, or SQL text (``"s.day"``). SQLite: text ``YYYY-MM-DD`` (``'weekday 4'``
    moves forward to the next Thursday, or stays); PostgreSQL: a DATE (the week's Monday plus 3). Constants are
    literals, not binds: the expression may stand in a SELECT and its GROUP BY, and PostgreSQL matches them by
    text."""
    day = literal_column(day) if isinstance(day, str) else day
    if dialect_name(bind) == "postgresql":
        monday = func.date_trunc(literal_column("'week'"), cast(day, DateTime))
        return cast(monday, Date) + literal_column("3", Integer)
    return func.date(day, literal_column("'-3 days'"), literal_column("'weekday 4'"))


def sql_text(bind: Session | Connection, expression: ColumnElement) -> str:
    """``expression`` as SQL text in the bind's dialect (constants inlined), for a statement written as text."""
    engine_or_connection = bind.get_bind() if isinstance(bind, Session) else bind
    return str(expression.compile(dialect=engine_or_connection.dialect, compile_kwargs={"literal_binds": True}))


def distinct_list(bind: Session | Connection, column: Any) -> ColumnElement:
    """An aggregate: the distinct values of ``column``, joined by commas, in no particular order (SQLite's
    ``group_concat(DISTINCT …)``, PostgreSQL's ``string_agg(DISTINCT …, ',')``)."""
    if dialect_name(bind) == "postgresql":
        return func.string_agg(column.distinct(), literal_column("','"))
    return func.group_concat(column.distinct())
