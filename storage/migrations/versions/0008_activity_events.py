"""provider activity reported one data point at a time

* ``activity_events``: one row per activity data point (Claude Code's OpenTelemetry counters: sessions,
  lines of code, commits, pull requests, edit decisions), unique per (source, event_id). They arrive as
  deltas, so the source's ``activity_records`` of a (key, day) are their sum: deltas add up, and a batch
  sent again changes nothing.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 10:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString()
    op.create_table(
        "activity_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", text, nullable=False),
        sa.Column("event_id", text, nullable=False),
        sa.Column("person_key", text, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("field", text, nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "event_id", name="uq_activity_event_source_id"),
    )
    op.create_index("ix_activity_events_bucket", "activity_events", ["source", "person_key", "day"])


def downgrade() -> None:
    op.drop_index("ix_activity_events_bucket", table_name="activity_events")
    op.drop_table("activity_events")
