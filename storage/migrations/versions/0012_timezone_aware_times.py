"""every time column time-zone aware on PostgreSQL

Migrations 0002–0009 created twelve columns as plain ``DateTime`` where the models say ``UTCDateTime``:
the same on SQLite (which stores text), but ``timestamp without time zone`` on PostgreSQL. This makes them
``timestamp with time zone``, reading the stored values as UTC (as every one of them was written). SQLite:
nothing to do.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 02:00:00

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("activity_events", "imported_at"),
    ("activity_records", "imported_at"),
    ("deliveries", "reminded_at"),
    ("identities", "created_at"),
    ("org_digests", "claimed_at"),
    ("org_digests", "posted_at"),
    ("people", "tz_checked_at"),
    ("published_org_weeks", "published_at"),
    ("published_weeks", "published_at"),
    ("teams", "members_synced_at"),
    ("usage_events", "imported_at"),
    ("usage_pulls", "last_run_at"),
)


def _alter(to: str, using: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in COLUMNS:
        op.execute(f'ALTER TABLE {table} ALTER COLUMN "{column}" TYPE {to} USING "{column}" {using}')


def upgrade() -> None:
    _alter("TIMESTAMP WITH TIME ZONE", "AT TIME ZONE 'UTC'")


def downgrade() -> None:
    _alter("TIMESTAMP WITHOUT TIME ZONE", "AT TIME ZONE 'UTC'")
