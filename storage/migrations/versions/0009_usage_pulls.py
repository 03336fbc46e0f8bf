"""scheduled usage pulls

* ``usage_pulls``: one row per API pull configured in ``USAGE_PULLS`` (``bot/services/pulls.py``). A
  scheduler claims a source's daily run by moving ``last_run_day`` to today with a conditional UPDATE,
  so several scheduler processes pull once; the outcome (rows, or the one-line error) is kept for
  ``airetro schedule show``, and ``failure_reported`` keeps a failing streak to one message to managers.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 12:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString()
    op.create_table(
        "usage_pulls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", text, nullable=False),
        sa.Column("last_run_day", sa.Date(), nullable=True),
        sa.Column("last_run_at", sa.DateTime(), nullable=True),
        sa.Column("last_since", sa.Date(), nullable=True),
        sa.Column("last_until", sa.Date(), nullable=True),
        sa.Column("last_success_day", sa.Date(), nullable=True),
        sa.Column("state", text, nullable=False),
        sa.Column("last_error", text, nullable=True),
        sa.Column("last_rows", sa.Integer(), nullable=True),
        sa.Column("failure_reported", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", name="uq_usage_pull_source"),
    )


def downgrade() -> None:
    op.drop_table("usage_pulls")
