"""usage sources that report single requests, and more provider activity

* ``usage_events``: one row per request or data point (LiteLLM spend logs, Cursor usage events,
  OpenTelemetry), unique per (source, event_id): pages and windows of a day add up, a repeat changes
  nothing. Existing LiteLLM usage records stay as they are (their requests were already summed);
* ``activity_records``: interactions, code generations and acceptances, agent requests (Copilot, Cursor);
* cost that is known, estimated or unknown: ``estimated_cost_usd`` (the part of ``cost_usd`` estimated from
  list prices) and ``unknown_cost_tokens`` on usage records, events and token summaries, and the
  ``sources`` a token summary counted.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 23:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_ACTIVITY = ("interactions", "code_generations", "code_acceptances", "agent_requests")


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString()
    op.create_table(
        "usage_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", text, nullable=False),
        sa.Column("event_id", text, nullable=False),
        sa.Column("person_key", text, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("model", text, nullable=False),
        sa.Column("input_tokens", sa.Integer(), nullable=False),
        sa.Column("output_tokens", sa.Integer(), nullable=False),
        sa.Column("cache_read_tokens", sa.Integer(), nullable=False),
        sa.Column("cache_write_tokens", sa.Integer(), nullable=False),
        sa.Column("cost_usd", sa.Float(), nullable=False),
        sa.Column("estimated_cost_usd", sa.Float(), nullable=False),
        sa.Column("unknown_cost_tokens", sa.Integer(), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "event_id", name="uq_usage_event_source_id"),
    )
    op.create_index("ix_usage_events_bucket", "usage_events", ["source", "person_key", "day", "model"])
    with op.batch_alter_table("activity_records") as batch:
        for name in NEW_ACTIVITY:
            batch.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
    for table in ("usage_records", "token_summaries"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("estimated_cost_usd", sa.Float(), nullable=False, server_default="0"))
            batch.add_column(sa.Column("unknown_cost_tokens", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("token_summaries") as batch:
        batch.add_column(sa.Column("sources", text, nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("token_summaries") as batch:
        batch.drop_column("sources")
    for table in ("usage_records", "token_summaries"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("unknown_cost_tokens")
            batch.drop_column("estimated_cost_usd")
    with op.batch_alter_table("activity_records") as batch:
        for name in NEW_ACTIVITY:
            batch.drop_column(name)
    op.drop_index("ix_usage_events_bucket", table_name="usage_events")
    op.drop_table("usage_events")
