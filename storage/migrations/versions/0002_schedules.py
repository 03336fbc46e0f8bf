"""schedules: reminders, per-member time zones, opt-out

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 09:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("teams") as batch:
        batch.add_column(sa.Column("reminder_hours", sa.Integer(), nullable=False, server_default="24"))
        batch.add_column(sa.Column("per_member_tz", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("tz", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch.add_column(sa.Column("tz_checked_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("prompts_paused", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("reminder_state", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch.add_column(sa.Column("reminder_ts", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch.add_column(sa.Column("reminded_at", sa.DateTime(), nullable=True))
    # Server defaults only fill existing rows; the models own the defaults from here on.
    with op.batch_alter_table("teams") as batch:
        batch.alter_column("reminder_hours", server_default=None)
        batch.alter_column("per_member_tz", server_default=None)
    with op.batch_alter_table("people") as batch:
        batch.alter_column("prompts_paused", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("reminded_at")
        batch.drop_column("reminder_ts")
        batch.drop_column("reminder_state")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("prompts_paused")
        batch.drop_column("tz_checked_at")
        batch.drop_column("tz")
    with op.batch_alter_table("teams") as batch:
        batch.drop_column("per_member_tz")
        batch.drop_column("reminder_hours")
