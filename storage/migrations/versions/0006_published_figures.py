"""privacy as a property of the data: published figures, one delivery per person-week, a floor of 3

* ``published_weeks`` / ``published_org_weeks``: a closed week's figures, written once;
* ``deliveries.week`` with one delivery per (person, week) across teams: a person counts in one team's
  figures a week. Where an older database has a person in two teams' cycles of one week, the two are
  merged into one (their moments kept, the most substantive answer kept), in the person's first team;
* ``people.primary_team_id``: the team a member of several teams counts in (first joined, until changed);
* ``teams.min_respondents`` at least 3 (raised where it was lower), checked by the database.

The closed weeks of an upgraded database are published from the data as it is by the application right
after the migration (``bot.services.publication.publish_closed``), not here: figures are the app's maths.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 22:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FLOOR = 3
_RANK = {"helped": 0, "didnt_help": 1, "skipped": 2, "pending": 3}
_STATE_RANK = {"sent": 0, "direct": 1, "claimed": 2, "failed": 3}


def _first_teams(bind: sa.Connection) -> dict[int, int]:
    """Each member's first team (lowest membership id)."""
    rows = bind.execute(sa.text("SELECT person_id, team_id FROM team_members ORDER BY id")).all()
    first: dict[int, int] = {}
    for person_id, team_id in rows:
        first.setdefault(person_id, team_id)
    return first


def _merge_person_weeks(bind: sa.Connection, first: dict[int, int]) -> None:
    rows = bind.execute(
        sa.text(
            "SELECT d.id, d.person_id, d.week, d.answer, d.state, c.team_id FROM deliveries d "
            "JOIN cycles c ON c.id = d.cycle_id ORDER BY d.id"
        )
    ).all()
    groups: dict[tuple[int, str], list] = {}
    for row in rows:
        groups.setdefault((row.person_id, row.week), []).append(row)
    for (person_id, _week), found in groups.items():
        if len(found) < 2:
            continue
        keep = min(
            found,
            key=lambda r: (r.team_id != first.get(person_id), _STATE_RANK.get(r.state, 9), r.id),
        )
        best = min((r.answer for r in found), key=lambda a: _RANK.get(a, 9))
        others = [r.id for r in found if r.id != keep.id]
        for other in others:
            bind.execute(
                sa.text("UPDATE moments SET delivery_id = :k WHERE delivery_id = :o"), {"k": keep.id, "o": other}
            )
            bind.execute(sa.text("DELETE FROM deliveries WHERE id = :o"), {"o": other})
        bind.execute(sa.text("UPDATE deliveries SET answer = :a WHERE id = :k"), {"a": best, "k": keep.id})


def upgrade() -> None:
    bind = op.get_bind()
    bind.execute(sa.text(f"UPDATE teams SET min_respondents = {FLOOR} WHERE min_respondents < {FLOOR}"))
    with op.batch_alter_table("teams") as batch:
        batch.create_check_constraint("ck_team_min_respondents_floor", f"min_respondents >= {FLOOR}")

    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("primary_team_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_people_primary_team", "teams", ["primary_team_id"], ["id"], ondelete="SET NULL")

    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("week", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    bind.execute(
        sa.text("UPDATE deliveries SET week = (SELECT week FROM cycles WHERE cycles.id = deliveries.cycle_id)")
    )
    _merge_person_weeks(bind, _first_teams(bind))
    with op.batch_alter_table("deliveries") as batch:
        batch.alter_column("week", nullable=False)
        batch.create_unique_constraint("uq_delivery_person_week", ["person_id", "week"])

    op.create_table(
        "published_weeks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("week", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "week", name="uq_published_team_week"),
    )
    op.create_index(op.f("ix_published_weeks_team_id"), "published_weeks", ["team_id"], unique=False)
    op.create_table(
        "published_org_weeks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("week", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("week"),
    )


def downgrade() -> None:
    op.drop_table("published_org_weeks")
    op.drop_index(op.f("ix_published_weeks_team_id"), table_name="published_weeks")
    op.drop_table("published_weeks")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_constraint("uq_delivery_person_week", type_="unique")
        batch.drop_column("week")
    with op.batch_alter_table("people") as batch:
        batch.drop_constraint("fk_people_primary_team", type_="foreignkey")
        batch.drop_column("primary_team_id")
    with op.batch_alter_table("teams") as batch:
        batch.drop_constraint("ck_team_min_respondents_floor", type_="check")
