"""self-service teams: managers, membership source, free-text switch

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 20:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("teams") as batch:
        batch.add_column(
            sa.Column("membership", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default="people")
        )
        batch.add_column(sa.Column("usergroup_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch.add_column(sa.Column("members_synced_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("share_free_text", sa.Boolean(), nullable=False, server_default=sa.true()))
    with op.batch_alter_table("teams") as batch:
        batch.alter_column("membership", server_default=None)
        batch.alter_column("share_free_text", server_default=None)
    op.create_table(
        "team_managers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "person_id", name="uq_team_manager"),
    )
    op.create_index(op.f("ix_team_managers_team_id"), "team_managers", ["team_id"], unique=False)
    op.create_index(op.f("ix_team_managers_person_id"), "team_managers", ["person_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_team_managers_person_id"), table_name="team_managers")
    op.drop_index(op.f("ix_team_managers_team_id"), table_name="team_managers")
    op.drop_table("team_managers")
    with op.batch_alter_table("teams") as batch:
        batch.drop_column("share_free_text")
        batch.drop_column("members_synced_at")
        batch.drop_column("usergroup_id")
        batch.drop_column("membership")
