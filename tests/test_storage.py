"""The database: migrations match the models, and SQLite runs with WAL, foreign keys and a busy timeout."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

import storage.models  # noqa: F401 - registers the tables
from storage.engine import SCHEMA_HEAD, alembic_config, make_engine, migrate, schema_is_current

pytestmark = pytest.mark.both_engines

HEAD = ScriptDirectory.from_config(alembic_config(make_engine("sqlite://"))).get_current_head()  # the newest


def test_migrations_produce_exactly_the_models_schema(engine):
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert diff == []


def test_the_schema_head_a_start_checks_is_alembics_newest_migration(engine):
    """A process starting on a current schema reads one row and skips Alembic: the head it compares with must be
    the newest migration, or a new one would never run."""
    assert SCHEMA_HEAD == HEAD
    assert schema_is_current(engine)
    with engine.connect() as connection:  # a database one migration behind (not committed: nothing to undo)
        connection.execute(text("UPDATE alembic_version SET version_num = '0013'"))
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0013"
        assert schema_is_current(engine)  # other connections see the committed schema only ...
        connection.commit()
        try:
            assert not schema_is_current(engine)  # ... and once it is committed, see it behind
        finally:
            connection.execute(text(f"UPDATE alembic_version SET version_num = '{SCHEMA_HEAD}'"))
            connection.commit()


def test_migrating_again_is_harmless(engine):
    migrate(engine)
    with engine.connect() as connection:
        assert connection.execute(text("select version_num from alembic_version")).scalar() == HEAD


@pytest.mark.sqlite_only("SQLite's pragmas")
def test_sqlite_pragmas(engine):
    with engine.connect() as connection:
        assert connection.execute(text("pragma journal_mode")).scalar() == "wal"
        assert connection.execute(text("pragma foreign_keys")).scalar() == 1
        assert connection.execute(text("pragma busy_timeout")).scalar() == 15000


# Upgrading an older database (0005 → 0006): one delivery per person-week, a privacy floor of 3 ------------

NOW = "2026-11-20 12:00:00"
TEAM = (
    "INSERT INTO teams (id, name, channel_id, tz, prompt_weekday, prompt_time, digest_weekday, digest_time,"
    " min_respondents, paused, created_at, reminder_hours, per_member_tz, membership, share_free_text)"
    " VALUES (:id, :name, :channel, 'UTC', 0, '10:00', 4, '16:00', :min, 0, :now, 24, 0, 'people', 1)"
)
DELIVERY = (
    "INSERT INTO deliveries (id, cycle_id, person_id, state, answer, claimed_at, sent_at, answered_at)"
    " VALUES (:id, :cycle, :person, 'sent', :answer, :now, :now, :now)"
)
MOMENT = (
    "INSERT INTO moments (id, delivery_id, view_id, what, outcome, time_saved, quality, counterfactual, tool,"
    " sharing, created_at) VALUES (:id, :delivery, :view, :what, 'bug', '1h_2h', 'same', 'no', 'claude_code',"
    " 'private', :now)"
)
CHILD_TABLES = ("cycles", "team_members", "team_managers", "digests", "moments", "token_summaries", "identities")


def _old_database(tmp_path) -> Engine:
    """A database at 0005 in which Ada is in two teams and has a delivery, with a moment, in both teams'
    cycles of 2026-W47 (0005 allowed that); Payments has a minimum of 1 respondent."""
    engine = make_engine(f"sqlite:///{tmp_path}/old.db")
    command.upgrade(alembic_config(engine), "0005")
    with engine.begin() as db:
        db.execute(text(TEAM), {"id": 1, "name": "Payments", "channel": "C0PAY0001", "min": 1, "now": NOW})
        db.execute(text(TEAM), {"id": 2, "name": "Mobile", "channel": "C0MOB0001", "min": 4, "now": NOW})
        for pid, name in ((1, "ada"), (2, "grace"), (3, "linus")):
            db.execute(
                text("INSERT INTO people (id, slack_user_id, email, prompts_paused) VALUES (:id, :uid, :email, 0)"),
                {"id": pid, "uid": f"U0USER00{pid}", "email": f"{name}@example.com"},
            )
            db.execute(
                text("INSERT INTO token_summaries (person_id, week, tokens, cost_usd, updated_at)"
                     " VALUES (:p, '2026-W47', 1000, 0.5, :now)"),
                {"p": pid, "now": NOW},
            )  # fmt: skip
        # Ada joined Payments first, then Mobile; grace is in Mobile only, linus in Payments only
        for team, person in ((1, 1), (2, 1), (2, 2), (1, 3)):
            db.execute(text("INSERT INTO team_members (team_id, person_id) VALUES (:t, :p)"), {"t": team, "p": person})
        db.execute(text("INSERT INTO team_managers (team_id, person_id) VALUES (2, 2)"))
        db.execute(text("INSERT INTO identities (key, person_id, created_at) VALUES ('sk-ada', 1, :now)"), {"now": NOW})
        for cycle_id, team_id in ((1, 1), (2, 2)):
            db.execute(
                text("INSERT INTO cycles (id, team_id, week, created_at) VALUES (:c, :t, '2026-W47', :now)"),
                {"c": cycle_id, "t": team_id, "now": NOW},
            )
            db.execute(
                text("INSERT INTO digests (team_id, week, state, claimed_at) VALUES (:t, '2026-W47', 'posted', :now)"),
                {"t": team_id, "now": NOW},
            )
        # ada: skipped in Payments but logged a moment there; helped in Mobile with another moment
        for delivery_id, cycle_id, person_id, answer in ((1, 1, 1, "skipped"), (2, 2, 1, "helped"),
                                                         (3, 2, 2, "helped"), (4, 1, 3, "didnt_help")):  # fmt: skip
            db.execute(
                text(DELIVERY),
                {"id": delivery_id, "cycle": cycle_id, "person": person_id, "answer": answer, "now": NOW},
            )
        for moment_id, delivery_id, what in ((1, 1, "ada in Payments"), (2, 2, "ada in Mobile"), (3, 3, "grace")):
            db.execute(
                text(MOMENT),
                {"id": moment_id, "delivery": delivery_id, "view": f"V{moment_id}", "what": what, "now": NOW},
            )
    return engine


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as db:
        return {t: db.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in (*CHILD_TABLES, "deliveries")}


def test_upgrading_merges_a_person_week_split_over_two_teams_and_raises_the_floor(tmp_path):
    engine = _old_database(tmp_path)
    before = _counts(engine)
    migrate(engine)
    try:
        with engine.connect() as db:
            assert db.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD
            # one delivery for ada's week, in her first team (Payments), with both moments and her
            # most substantive answer; nobody else's delivery touched
            rows = db.execute(text("SELECT id, cycle_id, week, answer FROM deliveries WHERE person_id = 1")).all()
            assert [tuple(r) for r in rows] == [(1, 1, "2026-W47", "helped")]
            moments = db.execute(text("SELECT delivery_id, what FROM moments ORDER BY id")).all()
            assert [tuple(m) for m in moments] == [(1, "ada in Payments"), (1, "ada in Mobile"), (3, "grace")]
            others = db.execute(text("SELECT id, person_id, week, answer FROM deliveries WHERE person_id != 1"))
            assert sorted(tuple(r) for r in others) == [(3, 2, "2026-W47", "helped"), (4, 3, "2026-W47", "didnt_help")]
            # the floor: Payments' minimum of 1 is raised to 3, Mobile's 4 kept
            floors = db.execute(text("SELECT name, min_respondents FROM teams ORDER BY id")).all()
            assert [tuple(f) for f in floors] == [("Payments", 3), ("Mobile", 4)]
            # the table rebuilds (teams, people, deliveries) deleted nothing that hangs off them
            assert db.execute(text("PRAGMA foreign_key_check")).all() == []
        assert _counts(engine) == {**before, "deliveries": before["deliveries"] - 1}
    finally:
        engine.dispose()


def test_after_the_upgrade_the_database_enforces_the_new_rules_and_still_cascades(tmp_path):
    engine = _old_database(tmp_path)
    migrate(engine)
    try:
        with engine.connect() as db:
            assert db.execute(text("PRAGMA foreign_keys")).scalar() == 1
        for statement, params in (
            (DELIVERY, {"id": 9, "cycle": 2, "person": 1, "answer": "helped", "now": NOW}),  # ada again in W47
            (TEAM, {"id": 3, "name": "Tiny", "channel": "C0TINY001", "min": 2, "now": NOW}),  # below the floor
        ):
            with pytest.raises(IntegrityError), engine.begin() as db:
                db.execute(text(statement), params)
        with engine.begin() as db:  # deleting a team still takes its cycles, members, managers and digests
            db.execute(text("DELETE FROM teams WHERE id = 2"))
        with engine.begin() as db:  # deleting a person still takes their deliveries, moments and usage
            db.execute(text("DELETE FROM people WHERE id = 1"))
        with engine.connect() as db:
            assert db.execute(text("SELECT team_id FROM cycles")).scalars().all() == [1]
            assert db.execute(text("SELECT team_id FROM digests")).scalars().all() == [1]
            assert db.execute(text("SELECT count(*) FROM team_managers")).scalar() == 0
            assert db.execute(text("SELECT team_id, person_id FROM team_members")).all() == [(1, 3)]
            # grace's delivery was in Mobile's cycle: gone with the team; ada's went with her
            assert db.execute(text("SELECT person_id FROM deliveries")).scalars().all() == [3]
            assert db.execute(text("SELECT count(*) FROM moments")).scalar() == 0
            usage_left = db.execute(text("SELECT person_id FROM token_summaries ORDER BY person_id")).scalars()
            assert usage_left.all() == [2, 3]
            assert db.execute(text("SELECT count(*) FROM identities")).scalar() == 0
    finally:
        engine.dispose()
