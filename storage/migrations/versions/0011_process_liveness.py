"""process liveness: a claim whose process has died is recognised within seconds, not after the lease

* ``processes``: one row per running AI Retro process (web, scheduler, a CLI command), its heartbeat
  ``beat_at`` renewed every few seconds (``storage/liveness.py``).
* ``claimed_by`` on ``deliveries``, ``digests`` and ``org_digests``, ``reminder_by`` on ``deliveries``: the
  process that made the claim. A claim whose process has stopped beating is settled at once (through the
  DM-history / channel-history check), instead of after the 15-minute lease that still covers claims
  made without a liveness record.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 01:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString()
    op.create_table(
        "processes",
        sa.Column("id", text, nullable=False),
        sa.Column("kind", text, nullable=False),
        sa.Column("host", text, nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("beat_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    for table in ("deliveries", "digests", "org_digests"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("claimed_by", text, nullable=True))
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("reminder_by", text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("reminder_by")
    for table in ("deliveries", "digests", "org_digests"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("claimed_by")
    op.drop_table("processes")
