"""indexes that match the figures' queries (issue 14), chosen from EXPLAIN QUERY PLAN / EXPLAIN ANALYZE on a
10,000-member team with a year of data (``benchmarks/scale.py``)

* ``usage_records (person_id, day)`` and ``activity_records (person_id, day)``: a cohort's usage or activity
  in one week is a range per person. With ``person_id`` alone every person's whole year was read (a
  team-week's "usage through" day took 34 s at 10,000 members; 20 ms with this index).
* ``moments (delivery_id, time_saved, outcome, quality, counterfactual, sharing)``: a cohort's moments are
  added up by their choices without reading the rows (their free text stays out of the way).
* ``deliveries (cycle_id, person_id, answer, state)``: a cohort's answers without reading the rows.

Each replaces the single-column index it starts with (which it serves too, foreign keys included).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 05:00:00

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (  # (table, new index, its columns, the index it replaces)
    ("usage_records", "ix_usage_records_person_day", ["person_id", "day"], "ix_usage_records_person_id"),
    ("activity_records", "ix_activity_records_person_day", ["person_id", "day"], "ix_activity_records_person_id"),
    (
        "moments",
        "ix_moments_delivery_choices",
        ["delivery_id", "time_saved", "outcome", "quality", "counterfactual", "sharing"],
        "ix_moments_delivery_id",
    ),
    (
        "deliveries",
        "ix_deliveries_cycle_answer",
        ["cycle_id", "person_id", "answer", "state"],
        "ix_deliveries_cycle_id",
    ),
)


def upgrade() -> None:
    for table, name, columns, replaced in INDEXES:
        op.create_index(name, table, columns)
        op.drop_index(replaced, table_name=table)
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ANALYZE")  # the planner's statistics, so it picks these (PostgreSQL's autovacuum does it there)


def downgrade() -> None:
    for table, name, columns, replaced in INDEXES:
        op.create_index(replaced, table, columns[:1])
        op.drop_index(name, table_name=table)
