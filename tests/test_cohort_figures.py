"""A team-week's figures added up by the database (``storage.queries.cohort``) are the figures of the same
cohort added up in Python, member by member (``bot.digest.figures.compute_digest``), whatever the cohort:
answers, moments, shared highlights, usage on either side of "without value", members away, provider activity,
below and above the privacy floor. On SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from dataclasses import asdict
from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from bot import vocabulary as v
from bot.digest.figures import CHOICES, HIGHLIGHTS, compute_digest, figures_of
from bot.services import publication
from bot.services.publication import cohort_data
from storage.models import ActivityRecord, Cycle, Delivery, Moment, Person, Team, TokenSummary, UsageRecord
from storage.queries import cycles as cq
from storage.queries.cohort import BY_DAY_FROM, cohort_totals

pytestmark = pytest.mark.both_engines

WEEK = "2026-W47"
MONDAY = date(2026, 11, 16)
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
_serial = itertools.count()
COUNTED = {"hours_saved": v.HOURS_SAVED, "choices": CHOICES, "highlights": HIGHLIGHTS}

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
        # away: counted away at the prompt (state "away"), or prompted and away before the reminder (state "sent");
        # an away member who logs anyway has a real answer in state "away"
        "answer": st.sampled_from([v.PENDING, v.HELPED, v.DIDNT_HELP, v.SKIPPED, v.AWAY]),
        "state": st.sampled_from(["sent", "sent", "direct", "failed", "claimed", "away"]),
        "moments": st.lists(MOMENT, max_size=5),  # past HIGHLIGHTS shared moments at times
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
            team.name, WEEK, cohort_totals(session, team.id, WEEK, **COUNTED), team.min_respondents,
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
        totals = cohort_totals(session, team.id, WEEK, **COUNTED)
    figures = figures_of(team.name, WEEK, totals, 3)
    assert (figures.members, figures.prompted, figures.suppressed, figures.small_cohort) == (0, 0, True, False)


def _sharer(sharing: str, n: int) -> dict:
    moment = {"outcome": "feature", "time_saved": "1h_2h", "quality": "same", "counterfactual": "yes"}
    return {"answer": v.HELPED, "state": "sent", "moments": [{**moment, "sharing": sharing}] * n, "usage": None,
            "activity": []}  # fmt: skip


def test_a_digest_shows_the_first_highlights_and_counts_the_rest(engine):
    # two people share anonymously first (by Slack ID), then two by name: 24 shareable moments; a fifth logs none
    sharers = [_sharer("anonymous", 7), _sharer("anonymous", 5), _sharer("named", 6), _sharer("named", 6)]
    team = _cohort(engine, [*sharers, _sharer("private", 0)], 3, True)
    with Session(engine) as session:
        totals = cohort_totals(session, team.id, WEEK, **COUNTED)
    assert len(totals.shared) < 24  # only what a digest can show is read as rows
    shown = figures_of(team.name, WEEK, totals, 3)  # four people logged: anonymous ones may be shown
    assert [h.author is None for h in shown.highlights] == [True] * HIGHLIGHTS
    assert shown.more_highlights == 24 - HIGHLIGHTS
    floor_of_five = figures_of(team.name, WEEK, totals, 5)  # four of five logged: anonymous could be told apart,
    assert not floor_of_five.suppressed
    assert len(floor_of_five.highlights) == HIGHLIGHTS and all(h.author for h in floor_of_five.highlights)
    assert floor_of_five.more_highlights == 12 - HIGHLIGHTS  # so only the named ones count
    assert figures_of(team.name, WEEK, totals, 3, share_free_text=False).highlights == ()


def test_a_big_cohort_is_read_by_day_and_its_highlights_in_order(engine):
    """From ``BY_DAY_FROM`` members the database reads the week's usage and activity by day and walks the
    people in order for the highlights: the figures are the same as Python's."""
    n = next(_serial)
    moment = {"outcome": "feature", "time_saved": "1h_2h", "quality": "same", "counterfactual": "no"}
    with Session(engine) as session:
        team = Team(
            name=f"Big {n}", channel_id="C0TEAM001", tz="UTC", prompt_weekday=0, prompt_time="10:00",
            digest_weekday=4, digest_time="16:00", min_respondents=3, created_at=NOW,
        )  # fmt: skip
        people = [Person(slack_user_id=f"U{n:04d}{i:05d}") for i in range(BY_DAY_FROM)]
        session.add_all([team, *people])
        session.flush()
        cycle = Cycle(team_id=team.id, week=WEEK, created_at=NOW)
        session.add(cycle)
        session.flush()
        deliveries = [
            Delivery(cycle_id=cycle.id, person_id=p.id, week=WEEK, state="sent", claimed_at=NOW,
                     answer=v.HELPED if i % 3 else v.SKIPPED)
            for i, p in enumerate(people)
        ]  # fmt: skip
        session.add_all(deliveries)
        session.flush()
        for i, d in enumerate(deliveries):
            if i % 3:
                sharing = ("named", "anonymous", "private")[i % 7 % 3]
                session.add(Moment(delivery_id=d.id, view_id=f"V{n}-{i}", what=f"moment {i}", tool="other",
                                   created_at=NOW, sharing=sharing, **moment))  # fmt: skip
            if i % 5 == 0:
                session.add(TokenSummary(person_id=d.person_id, week=WEEK, tokens=1000 + i, cost_usd=0.5,
                                         sources="anthropic", updated_at=NOW))  # fmt: skip
                session.add(UsageRecord(source="anthropic", person_key=people[i].slack_user_id, person_id=d.person_id,
                                        day=MONDAY.replace(day=MONDAY.day + i % 4), model="claude-sonnet-4-5",
                                        input_tokens=1000 + i, cost_usd=0.5, imported_at=NOW))  # fmt: skip
                session.add(ActivityRecord(source="claude_code", person_key=people[i].slack_user_id,
                                           person_id=d.person_id, day=MONDAY, sessions=1, lines_added=i,
                                           imported_at=NOW))  # fmt: skip
        session.commit()
        session.refresh(team)
        totals = cohort_totals(session, team.id, WEEK, **COUNTED)
        in_sql = figures_of(team.name, WEEK, totals, 3)
        in_python = compute_digest(team.name, WEEK, cohort_data(session, team.id, WEEK), 3)
    assert _comparable(in_sql) == _comparable(in_python)
    assert in_sql.members == BY_DAY_FROM and in_sql.activity is not None and in_sql.tokens
    assert len(in_sql.highlights) == HIGHLIGHTS and in_sql.more_highlights > 0
    assert totals.usage_latest == MONDAY.replace(day=MONDAY.day + 3)


def _member(answer: str, state: str, *, logged: bool = False, tokens: int | None = None) -> dict:
    moment = {"outcome": "bug", "time_saved": "1h_2h", "quality": "same", "counterfactual": "no", "sharing": "private"}
    usage = None if tokens is None else (tokens, tokens / 100_000, 0.0, 0, "anthropic")
    return {"answer": answer, "state": state, "moments": [moment] if logged else [], "usage": usage, "activity": []}


def test_members_away_add_up_alike_out_of_the_rate_and_of_either_side(engine):
    """A week with members away, counted through the storage calls the prompt and reminder jobs make: one away
    at the prompt (``claim_away``: no DM), one prompted and away before the reminder (``mark_away``), one away at
    the prompt who logged anyway. The database and Python agree; the away are counted, out of the rate and the
    split, their tokens in the team's."""
    specs = [
        _member(v.HELPED, "sent", logged=True, tokens=1_000_000),
        _member(v.HELPED, "sent", logged=True, tokens=1_000_000),
        _member(v.HELPED, "away", logged=True, tokens=1_000_000),  # away at the prompt, logged anyway
        _member(v.DIDNT_HELP, "sent", tokens=2_000_000),
        _member(v.SKIPPED, "sent", tokens=2_000_000),
        _member(v.PENDING, "sent", tokens=2_000_000),
        _member(v.PENDING, "sent", tokens=5_000_000),  # away before the reminder: marked below
    ]
    team = _cohort(engine, specs, 3, True)
    with Session(engine) as session:
        cycle = session.exec(select(Cycle).where(Cycle.team_id == team.id)).one()
        deliveries = session.exec(select(Delivery).where(Delivery.cycle_id == cycle.id).order_by(Delivery.id)).all()
        assert cq.mark_away(session, {deliveries[-1].id: v.AWAY_STATUS}) == {deliveries[-1].id}
        assert not cq.mark_away(session, {deliveries[3].id: v.AWAY_STATUS})  # an answer always wins
        holiday = Person(slack_user_id=f"U{next(_serial):04d}HOLI")
        session.add(holiday)
        session.flush()
        session.add(TokenSummary(person_id=holiday.id, week=WEEK, tokens=7_000_000, cost_usd=70.0,
                                 sources="anthropic", updated_at=NOW))  # fmt: skip
        assert cq.claim_away(session, cycle.id, WEEK, {holiday.id: v.AWAY_HOLIDAY}) == {holiday.id}
        session.commit()
        in_sql = figures_of(team.name, WEEK, cohort_totals(session, team.id, WEEK, **COUNTED), 3)
        in_python = compute_digest(team.name, WEEK, cohort_data(session, team.id, WEEK), 3)
        progress = publication.progress(session, team, WEEK)
    assert _comparable(in_sql) == _comparable(in_python)
    assert (in_sql.members, in_sql.away, in_sql.prompted, in_sql.responded, in_sql.respondents) == (8, 2, 6, 5, 4)
    assert in_sql.tokens == 21_000_000 and in_sql.tokens_without_value == 6_000_000
    assert in_sql.token_weeks_split == (3, 5)
    assert (progress.prompted, progress.responded, progress.away) == (6, 5, 2)


def test_a_week_as_it_was_keeps_the_away_away(engine):
    """The org roll-up folds a withheld week as it was when it closed: a member away at the prompt who logged only
    after was away then; one marked away only after was still to answer."""
    closed = datetime(2026, 11, 20, 16, tzinfo=UTC)
    later = datetime(2026, 11, 21, 9, tzinfo=UTC)
    team = _cohort(engine, [_member(v.HELPED, "sent", logged=True), _member(v.HELPED, "sent", logged=True)], 3, True)
    with Session(engine) as session:
        cycle = session.exec(select(Cycle).where(Cycle.team_id == team.id)).one()
        people = [Person(slack_user_id=f"U{next(_serial):04d}LATE{i}") for i in range(3)]
        session.add_all(people)
        session.flush()
        session.add_all([
            Delivery(cycle_id=cycle.id, person_id=people[0].id, week=WEEK, state="away", answer=v.HELPED,
                     away_reason=v.AWAY_HOLIDAY, claimed_at=NOW, answered_at=later),  # away, then logged late
            Delivery(cycle_id=cycle.id, person_id=people[1].id, week=WEEK, state="sent", answer=v.AWAY,
                     away_reason=v.AWAY_STATUS, claimed_at=NOW, answered_at=later),  # marked away after closing
            Delivery(cycle_id=cycle.id, person_id=people[2].id, week=WEEK, state="away", answer=v.AWAY,
                     away_reason=v.AWAY_COMMAND, claimed_at=NOW, answered_at=NOW),
        ])  # fmt: skip
        session.commit()
        then = {m.person: m.answer for m in cohort_data(session, team.id, WEEK, as_of=closed)}
        now = {m.person: m.answer for m in cohort_data(session, team.id, WEEK)}
    late, marked, away = (p.slack_user_id for p in people)
    assert (then[late], then[marked], then[away]) == (v.AWAY, v.PENDING, v.AWAY)
    assert (now[late], now[marked], now[away]) == (v.HELPED, v.AWAY, v.AWAY)
