"""away is not silent (issue 15)

* ``people.away_until``: ``/airetro away until DATE``, no prompt or reminder through that day;
* ``teams.paused_until``: a team's pause with an end date;
* ``teams.holidays``: the team's public holidays, a country code with an optional region ("DE-BY");
* ``deliveries.away_reason``: why a member was counted away that week (command, status or holiday); their
  ``answer`` is then ``away``.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 10:20:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("people", sa.Column("away_until", sa.Date(), nullable=True)),
    ("teams", sa.Column("paused_until", sa.Date(), nullable=True)),
    ("teams", sa.Column("holidays", sa.String(), nullable=True)),
    ("deliveries", sa.Column("away_reason", sa.String(), nullable=True)),
)


def upgrade() -> None:
    for table, column in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(column)


def downgrade() -> None:
    for table, column in reversed(COLUMNS):
        with op.batch_alter_table(table) as batch:
            batch.drop_column(column.name)
