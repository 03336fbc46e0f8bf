"""posts settled, not guessed

* ``digests.chart_state``: the digest chart's upload into the digest's thread: ``attached``, ``failed``
  (Slack refused it), ``unknown`` (the answer was lost; settled by looking in the thread), or NULL (no
  chart to upload). ``digests.state`` and ``org_digests.state`` gain ``unknown`` (a post whose answer was
  lost, settled by the message's metadata) and ``deliveries.reminder_state`` likewise: plain strings,
  no schema change for those.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 01:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("digests") as batch:
        batch.add_column(sa.Column("chart_state", sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("digests") as batch:
        batch.drop_column("chart_state")
