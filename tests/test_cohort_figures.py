"""A team-week's figures added up by the database (``storage.queries.cohort``) are the figures of the same
cohort added up in Python, member by member (``bot.digest.figures.compute_digest``), whatever the cohort:
answers, moments, shared highlights, usage on either side of "without value", provider activity, below and
above the privacy floor. On SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from dataclasses import asdict
from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from bot import vocabulary as v
from bot.digest.figures import compute_digest, figures_of
from bot.services.publication import cohort_data
from storage.models import ActivityRecord, Cycle, Delivery, Moment, Person, Team, TokenSummary
from storage.queries.cohort import cohort_totals

pytestmark = pytest.mark.both_engines

WEEK = "2026-W47"
MONDAY = date(2026, 11, 16)
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
_serial = itertools.count()

MOMENT = st.fixed_dictionaries(
    {
        "outcome": st.sampled_from(list(v.OUTCOMES)),
        "time_saved": st.sampled_from(list(v.HOURS_SAVED)),
        "quality": st.sampled_from(list(v.QUALITY)),
        "counterfactual": st.sampled_from(["no", "later", "same"]),
        "sharing": st.sampled_from(["private", "private", "anonymous", "named"]),
    }
)
MEMBER = st.fixed_dictionaries(
    {
        "answer": st.sampled_from([v.PENDING, v.HELPED, v.DIDNT_HELP, v.SKIPPED]),
        "state": st.sampled_from(["sent", "sent", "direct", "failed", "claimed"]),
        "moments": st.lists(MOMENT, max_size=3),
        "usage": st.one_of(
            st.none(),
            st.tuples(
                st.integers(0, 10**12),
                st.floats(0, 1e4, allow_nan=False).map(lambda x: round(x, 4)),
                st.floats(0, 10, allow_nan=False).map(lambda x: round(x, 4)),
                st.integers(0, 10**6),
                st.sampled_from(["", "anthropic", "openai,anthropic", "cursor"]),
            ),
        ),
        "activity": st.lists(
            st.tuples(st.integers(0, 6), st.sampled_from(["claude_code", "cursor"]), st.integers(0, 10**6)),
            max_size=2,
            unique_by=lambda a: (a[0], a[1]),
        ),
    }
)


def _cohort(engine, members: list[dict], min_respondents: int, share_free_text: bool) -> Team:
    n = next(_serial)
    with Session(engine) as session:
        team = Team(
            name=f"Team {n}", channel_id="C0TEAM001", tz="UTC", prompt_weekday=0, prompt_time="10:00",
            digest_weekday=4, digest_time="16:00", min_respondents=min_respondents, created_at=NOW,
            share_free_text=share_free_text,
        )  # fmt: skip
        session.add(team)
        session.flush()
        cycle = Cycle(team_id=team.id, week=WEEK, created_at=NOW)
        session.add(cycle)
        session.flush()
        for i, spec in enumerate(members):
            person = Person(slack_user_id=f"U{n:04d}{i:04d}")
            session.add(person)
            session.flush()
            delivery = Delivery(
                cycle_id=cycle.id, person_id=person.id, week=WEEK, state=spec["state"], answer=spec["answer"],
                claimed_at=NOW,
            )  # fmt: skip
            session.add(delivery)
            session.flush()
            for j, moment in enumerate(spec["moments"]):
                session.add(
                    Moment(delivery_id=delivery.id, view_id=f"V{n}-{i}-{j}", what=f"moment {i}.{j}", tool="other",
                           link=None if j else "https://example.com/pr/1", created_at=NOW, **moment)
                )  # fmt: skip
            if spec["usage"] is not None:
                tokens, cost, estimated, unknown, sources = spec["usage"]
                session.add(
                    TokenSummary(person_id=person.id, week=WEEK, tokens=tokens, cost_usd=cost,
                                 estimated_cost_usd=min(estimated, cost), unknown_cost_tokens=unknown,
                                 sources=sources, updated_at=NOW)
                )  # fmt: skip
            for day, source, lines in spec["activity"]:
                session.add(
                    ActivityRecord(source=source, person_key=person.slack_user_id, person_id=person.id,
                                   day=MONDAY.replace(day=MONDAY.day + day), sessions=1, lines_added=lines,
                                   commits=lines % 7, imported_at=NOW)
                )  # fmt: skip
        session.commit()
        session.refresh(team)
        return team


def _comparable(figures) -> dict:
    """The figures with sums of dollars to the cent's ten-thousandth (the two add in different orders)."""
    out = asdict(figures)
    for name in ("cost_usd", "estimated_cost_usd", "cost_per_outcome", "hours_per_100_usd"):
        if out[name] is not None:
            out[name] = round(out[name], 4)
    for name in ("tokens_per_outcome", "tokens_without_value_share"):
        if out[name] is not None:
            out[name] = pytest.approx(out[name], rel=1e-12)
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    members=st.lists(MEMBER, max_size=9),
    min_respondents=st.integers(3, 5),
    share_free_text=st.booleans(),
)
def test_the_database_adds_a_cohort_up_as_python_does(engine, members, min_respondents, share_free_text):
    team = _cohort(engine, members, min_respondents, share_free_text)
    with Session(engine) as session:
        in_sql = figures_of(
            team.name, WEEK, cohort_totals(session, team.id, WEEK, v.HOURS_SAVED), team.min_respondents,
            share_free_text=share_free_text,
        )  # fmt: skip
        in_python = compute_digest(
            team.name, WEEK, cohort_data(session, team.id, WEEK), team.min_respondents,
            share_free_text=share_free_text,
        )  # fmt: skip
    assert _comparable(in_sql) == _comparable(in_python)


def test_an_empty_week_adds_up_to_nothing(engine):
    team = _cohort(engine, [], 3, True)
    with Session(engine) as session:
        totals = cohort_totals(session, team.id, WEEK, v.HOURS_SAVED)
    figures = figures_of(team.name, WEEK, totals, 3)
    assert (figures.members, figures.prompted, figures.suppressed, figures.small_cohort) == (0, 0, True, False)
