"""Reading the database in tests: every row of every table (to assert a failed import changed nothing),
and plain query results."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Engine, inspect, text


def snapshot(engine: Engine) -> dict[str, set[tuple]]:
    with engine.connect() as connection:
        return {
            table: set(connection.execute(text(f'SELECT * FROM "{table}"')).all())
            for table in inspect(engine).get_table_names()
            if table not in ("alembic_version", "processes")  # bookkeeping of live processes, not data
        }


def query(engine: Engine, sql: str, **params: object) -> list[tuple]:
    """Rows as plain values on both engines: a day as ISO text (SQLite stores text, PostgreSQL a date), a
    NUMERIC as a number."""
    with engine.connect() as connection:
        return [tuple(_plain(v) for v in row) for row in connection.execute(text(sql), params)]


def _plain(value: object) -> object:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == int(value) else float(value)
    return value


def usage(engine: Engine, source: str) -> list[tuple]:
    """(key, day, model, input, output, cache read, cache write, cost rounded to 6 places, requests, Slack ID)."""
    return query(
        engine,
        "SELECT u.person_key, u.day, u.model, u.input_tokens, u.output_tokens, u.cache_read_tokens, "
        "u.cache_write_tokens, round(CAST(u.cost_usd AS NUMERIC), 6), u.requests, p.slack_user_id FROM usage_records u "
        "LEFT JOIN people p ON p.id = u.person_id WHERE u.source = :source ORDER BY u.person_key, u.day, u.model",
        source=source,
    )


def summaries(engine: Engine) -> dict[tuple[str, str], tuple]:
    """(Slack ID, week) → (tokens, cost rounded to 6 places, top model)."""
    found = query(
        engine,
        "SELECT p.slack_user_id, s.week, s.tokens, round(CAST(s.cost_usd AS NUMERIC), 6), s.top_model "
        "FROM token_summaries s JOIN people p ON p.id = s.person_id",
    )
    return {(uid, week): tuple(rest) for uid, week, *rest in found}
