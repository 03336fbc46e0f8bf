"""provider usage: request counts, provider activity, explicit identity mappings

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 20:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("usage_records") as batch:
        batch.add_column(sa.Column("requests", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("usage_records") as batch:
        batch.alter_column("requests", server_default=None)
    op.create_table(
        "activity_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("person_key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sessions", sa.Integer(), nullable=False),
        sa.Column("lines_added", sa.Integer(), nullable=False),
        sa.Column("lines_removed", sa.Integer(), nullable=False),
        sa.Column("commits", sa.Integer(), nullable=False),
        sa.Column("pull_requests", sa.Integer(), nullable=False),
        sa.Column("tool_accepted", sa.Integer(), nullable=False),
        sa.Column("tool_rejected", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "person_key", "day", name="uq_activity_source_person_day"),
    )
    op.create_index(op.f("ix_activity_records_day"), "activity_records", ["day"], unique=False)
    op.create_index(op.f("ix_activity_records_person_id"), "activity_records", ["person_id"], unique=False)
    op.create_table(
        "identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_identities_key"), "identities", ["key"], unique=True)
    op.create_index(op.f("ix_identities_person_id"), "identities", ["person_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_identities_person_id"), table_name="identities")
    op.drop_index(op.f("ix_identities_key"), table_name="identities")
    op.drop_table("identities")
    op.drop_index(op.f("ix_activity_records_person_id"), table_name="activity_records")
    op.drop_index(op.f("ix_activity_records_day"), table_name="activity_records")
    op.drop_table("activity_records")
    with op.batch_alter_table("usage_records") as batch:
        batch.drop_column("requests")
