"""The guarantee as a property: whatever teams, memberships, primary-team choices, answers (on time or late),
members away (at the prompt, or before the reminder, answering anyway or not), usage imports (on time or late),
forget-mes, team edits and early digests happen over several weeks,

(a) a closed week's figures, as every view reads them (``publication.closed_figures``, the summary's weeks and
    week lines, the manager's export rows), never change once the week has closed; an open week has none;
(b) no figure is published over fewer people than the floor (3, or the team's higher minimum): respondents,
    members with usage (tokens, dollars and the ratios made of them), members on each side of the
    volume-without-value share (the away on neither side of it: their tokens are the team's, so the side "with
    an outcome" is everyone else with tokens), members with provider activity, members who logged a moment
    (anonymous highlights), people asked (the away left out) for the answer count; counted independently, from
    the raw rows as they were when the week closed. A withheld figure is not stored at all.

Driven through the service layer (the functions the Slack listeners and the CLI call) on a frozen clock, with
a stand-in for Slack's Web API that answers as Slack does, so that many random histories run in seconds.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import shutil
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from bot import vocabulary as v
from bot.digest.figures import DigestFigures
from bot.digest.summary import week_line
from bot.services import answers, export, forget, primary, prompts, publication, summaries, teams
from bot.services.usage_import import import_rows
from bot.usage.rows import ActivityRow, UsageRow
from storage.engine import make_engine, migrate, session_scope
from storage.models import ActivityRecord, Cycle, Delivery, Moment, Person, PublishedWeek, Team, TokenSummary
from storage.privacy import PRIVACY_FLOOR
from storage.queries import cycles as cq
from storage.queries import teams as tq
from storage.weeks import week_days, week_key

PEOPLE = [f"U0PROP{i:03d}" for i in range(12)]
MANAGER = "U0MANAGER1"
TEAMS = ("Alpha", "Beta")
FIRST_WEEK = "2026-W45"
WEEKS = 3  # 2026-W45 to 2026-W47
SUMMARY_WEEKS = 5
SUBSTANTIVE = (v.HELPED, v.DIDNT_HELP)
STORED_WHEN_SUPPRESSED = {"v", "min_respondents", "suppressed", "prompted", "responded", "away"}


class RecordingSlack:
    """The Slack Web API calls the services make, answered as Slack would (nothing is kept)."""

    def __init__(self) -> None:
        self.ts = itertools.count(1)

    def chat_postMessage(self, channel: str, **_: object) -> dict:  # noqa: N802 - Slack's method name
        return {"ok": True, "channel": "D" + channel[1:], "ts": f"{next(self.ts)}.000100"}

    def chat_update(self, **_: object) -> dict:
        return {"ok": True}

    def users_info(self, user: str) -> dict:
        return {"ok": True, "user": {"id": user, "is_admin": False}}

    def views_publish(self, **_: object) -> dict:
        return {"ok": True}


@dataclass
class Seen:
    """What the manager saw of one closed team-week the first time: its figures, its summary line, its export row."""

    figures: DigestFigures
    line: str
    row: dict | None = None


@dataclass
class World:
    engine: object
    client: RecordingSlack
    seen: dict[tuple[str, str], Seen] = field(default_factory=dict)
    views: itertools.count = field(default_factory=lambda: itertools.count(1))


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A migrated database, copied for each example so that none of them migrates again."""
    path = tmp_path_factory.mktemp("property") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


@pytest.fixture
def quiet_slack(monkeypatch):
    """After an answer the member's prompt DM and Home tab are drawn again from the data just stored: nothing
    this test reads, and slow. Left out."""
    monkeypatch.setattr(answers, "refresh_prompt", lambda *args, **kwargs: None)
    monkeypatch.setattr(answers, "refresh_home", lambda *args, **kwargs: True)


def _week(offset: int) -> str:
    return week_key(week_days(FIRST_WEEK)[0] + timedelta(weeks=offset))


def _weeks_until(now: datetime) -> list[str]:
    """Every week from one before the first to the current one."""
    out, offset = [], -1
    while week_days(_week(offset))[0] <= now.date():
        out.append(_week(offset))
        offset += 1
    return out


def _teams(engine) -> list[Team]:
    with session_scope(engine) as session:
        return [t for t in tq.list_teams(session) if t.name in TEAMS]


def _by(moment: datetime | None, as_of: datetime) -> bool:
    """Whether something stamped ``moment`` (SQLite hands back UTC without a zone) had happened by ``as_of``."""
    return moment is None or (moment if moment.tzinfo else moment.replace(tzinfo=UTC)) <= as_of


def _raw_counts(session: Session, team_id: int, week: str, as_of: datetime) -> dict[str, int]:
    """The week's cohort as it was when the week closed (``as_of``), counted from the raw rows: independently
    of the digest maths. Usage and activity count as imported."""
    deliveries = [
        d
        for d in session.exec(
            select(Delivery)
            .join(Cycle, Cycle.id == Delivery.cycle_id)
            .where(Cycle.team_id == team_id, Cycle.week == week)
        ).all()
        if _by(d.claimed_at, as_of)
    ]
    # an answer given after the week closed was not there; a member away at the prompt was away until they answered
    answer = {
        d.id: d.answer if _by(d.answered_at, as_of) else v.AWAY if d.state == "away" else v.PENDING for d in deliveries
    }
    ids = [d.id for d in deliveries]
    moments = session.exec(select(Moment).where(Moment.delivery_id.in_(ids))).all() if ids else []
    logged = {m.delivery_id for m in moments if _by(m.created_at, as_of)}
    people = [d.person_id for d in deliveries]
    tokens = session.exec(select(TokenSummary).where(TokenSummary.week == week, TokenSummary.person_id.in_(people)))
    tokens = tokens.all()
    monday, sunday = week_days(week)
    active = session.exec(
        select(ActivityRecord.person_id)
        .where(ActivityRecord.person_id.in_(people), ActivityRecord.day >= monday, ActivityRecord.day <= sunday)
        .distinct()
    ).all()
    with_tokens = {s.person_id for s in tokens if s.tokens}
    idle = {d.id for d in deliveries if answer[d.id] != v.AWAY and (d.id not in logged or answer[d.id] == v.DIDNT_HELP)}
    without = [d for d in deliveries if d.person_id in with_tokens and d.id in idle]
    away = sum(1 for a in answer.values() if a == v.AWAY)
    return {
        "asked": len(deliveries) - away,
        "away": away,
        "respondents": sum(1 for a in answer.values() if a in SUBSTANTIVE),
        "usage": len({s.person_id for s in tokens if s.tokens or s.cost_usd}),
        "without": len(without),
        "with": len(with_tokens) - len(without),
        "loggers": len(logged),
        "activity": len(active),
    }


def _check_floor(f: DigestFigures, raw: dict[str, int], minimum: int, stored: dict) -> None:
    """No figure of ``f`` is over fewer people than the floor (``minimum``: the team's minimum when it closed)."""
    floor = max(minimum, PRIVACY_FLOOR)
    assert f.min_respondents >= floor, (f, minimum)
    if f.suppressed:
        assert set(stored) <= STORED_WHEN_SUPPRESSED | {"small_cohort"}, stored
        if stored.get("small_cohort"):  # fewer asked than the floor: not even the answer count is kept
            assert (stored["prompted"], stored["responded"]) == (0, 0) and 0 < raw["asked"] < floor, (stored, raw)
            assert "away" not in stored, stored
        else:
            assert not 0 < raw["asked"] < floor, (f, raw)
            assert f.away == raw["away"], (f, raw)
        return
    assert f.away == raw["away"], (f, raw)
    assert raw["respondents"] >= floor, (f, raw)
    if f.tokens or f.cost_usd or f.tokens_per_outcome or f.cost_per_outcome or f.hours_per_100_usd:
        assert raw["usage"] >= floor, (f, raw)
    if f.usage_withheld:
        assert not {"tokens", "cost_usd", "tokens_without_value", "tokens_without_value_share"} & set(stored), stored
    if f.tokens_without_value_share is not None or f.tokens_without_value:
        assert min(raw["with"], raw["without"]) >= floor, (f, raw)
    if f.share_withheld:
        assert "tokens_without_value" not in stored and "token_weeks_split" not in stored, stored
    if any(h.author is None for h in f.highlights):
        assert raw["loggers"] >= floor, (f, raw)
    if f.activity is not None:
        assert raw["activity"] >= floor, (f, raw)
    if f.activity_withheld:
        assert "activity" not in stored, stored


def _events(f: DigestFigures) -> None:
    """What the closed weeks showed (``pytest --hypothesis-show-statistics``: how often each kind came up)."""
    for shown, what in (
        (not f.suppressed, "figures"),
        (bool(f.tokens), "tokens"),
        (f.usage_withheld, "usage withheld"),
        (f.tokens_without_value_share is not None, "share"),
        (f.share_withheld, "share withheld"),
        (bool(f.away), "members away"),
        (f.everyone_away, "everyone away"),
        (f.activity is not None, "activity"),
        (f.activity_withheld, "activity withheld"),
        (any(h.author is None for h in f.highlights), "anonymous highlight"),
    ):
        if shown:
            event(f"a closed week shows {what}")


def _export_rows(engine, now: datetime) -> dict[tuple[str, str], dict]:
    """The manager's ``/airetro export``: the rows of the team-aggregates file."""
    files = export.collect(engine, forget.Identity(MANAGER), now.date()).files
    team_files = [f for f in files if f.filename.endswith("-team-aggregates.csv")]
    rows = list(csv.DictReader(io.StringIO(team_files[0].content))) if team_files else []
    return {(r["team"], r["week"]): r for r in rows}


def check(world: World) -> None:
    """(a) and (b) of the module docstring, as the world is now."""
    engine, now = world.engine, datetime.now(UTC)
    weeks = _weeks_until(now)
    for team in _teams(engine):
        with session_scope(engine) as session:
            closed = {w for w in weeks if publication.closes_at(team, w) <= now}
            closed |= {p.week for p in session.exec(select(PublishedWeek).where(PublishedWeek.team_id == team.id))}
            found = dict(zip(weeks, publication.closed_figures(session, team, weeks, now), strict=True))
            stored = {p.week: p for p in session.exec(select(PublishedWeek).where(PublishedWeek.team_id == team.id))}
            # the weeks that closed since the last look: their cohort as it was when they closed
            fresh = {
                w: _raw_counts(
                    session, team.id, w, min(stored[w].published_at.replace(tzinfo=UTC), publication.closes_at(team, w))
                )
                for w in weeks
                if w in closed and w in stored and (team.name, w) not in world.seen
            }
            minimum = team.min_respondents
        for week, figures in found.items():
            key = (team.name, week)
            assert (figures is None) == (week not in closed), f"{key}: figures only once closed, then always"
            if figures is None:
                continue
            if key not in world.seen:
                assert week in stored, f"{key} has figures that were never stored (published once)"
                _check_floor(figures, fresh[week], minimum, stored[week].figures)
                world.seen[key] = Seen(figures, week_line(figures))
                _events(figures)
            assert figures == world.seen[key].figures, f"{key}'s published figures changed"
        summary = summaries.team_summary(engine, team, SUMMARY_WEEKS, now)
        for figures in summary.weeks:
            seen = world.seen.get((team.name, figures.week))
            if seen is not None:
                # a summary reads the same stored figures, without the highlights it never shows
                without = replace(seen.figures, highlights=(), more_highlights=0)
                assert figures == without and week_line(figures) == seen.line, f"summary of {figures.week}"
    for key, row in _export_rows(engine, now).items():
        seen = world.seen[key]  # only closed weeks are exported
        if seen.row is None:
            seen.row = row
        assert row == seen.row, f"the export's row of {key} changed"


# -- what happens, at random ---------------------------------------------------------------------------

MOMENT = st.fixed_dictionaries(
    {
        "what": st.sampled_from(["a fix", "a test", "a review"]),
        "outcome": st.sampled_from(list(v.OUTCOMES)),
        "time_saved": st.sampled_from(list(v.HOURS_SAVED)),
        "quality": st.sampled_from(list(v.QUALITY)),
        "counterfactual": st.sampled_from(list(v.COUNTERFACTUAL)),
        "tool": st.sampled_from(list(v.TOOLS)),
        "link": st.none(),
        "sharing": st.sampled_from(["private", "anonymous", "named"]),
    }
)
WEEKLY = ("answers", "usage")  # every team, every week, in some order among the rest
ACTIONS = (
    "late_answer", "log_direct", "late_usage", "members", "primary", "forget", "post_now", "minimum", "digest_day",
    "catch_up", "away", "away",
)  # fmt: skip
ANSWERS = (v.HELPED, v.HELPED, v.DIDNT_HELP, v.DIDNT_HELP, v.SKIPPED, v.PENDING)
TOKENS = (1_000_000, 1_000_000, 7_000_000, 50_000, 0)
SESSIONS = (0, 0, 1, 4)


def _answer(world: World, data: st.DataObject, delivery_id: int, user_id: str) -> None:
    """The member clicks their prompt: logs a moment, says AI didn't help or skips (or leaves it)."""
    kind = data.draw(st.sampled_from(ANSWERS), label="answer")
    with contextlib.suppress(answers.Refused):  # an answer to a closed week is refused, nothing changes
        if kind == v.HELPED:
            moment = data.draw(MOMENT, label="moment")
            answers.record_moment(world.engine, world.client, delivery_id, user_id, f"V{next(world.views)}", moment)
        elif kind != v.PENDING:
            answers.record_choice(world.engine, world.client, delivery_id, user_id, kind)


def act(world: World, data: st.DataObject, action: str, team_name: str) -> None:
    engine, client, now = world.engine, world.client, datetime.now(UTC)
    team = next(t for t in _teams(engine) if t.name == team_name)
    if action == "answers":  # the team's members prompted this week answer (or not), each as they like
        with session_scope(engine) as session:
            prompted = session.exec(
                select(Delivery.id, Person.slack_user_id)
                .join(Person, Person.id == Delivery.person_id)
                .join(Cycle, Cycle.id == Delivery.cycle_id)
                .where(Cycle.team_id == team.id, Cycle.week == publication.current_week(team, now))
                .where(Delivery.state.in_(("sent", "direct")))
                .order_by(Delivery.id)
            ).all()
        for delivery_id, user_id in prompted:
            _answer(world, data, delivery_id, user_id)
    elif action == "late_answer":  # someone clicks an old prompt, after its week closed
        with session_scope(engine) as session:
            prompted = session.exec(
                select(Delivery.id, Person.slack_user_id)
                .join(Person, Person.id == Delivery.person_id)
                .where(Delivery.state.in_(("sent", "direct")))
                .order_by(Delivery.id)
            ).all()
        if prompted:
            _answer(world, data, *data.draw(st.sampled_from(prompted), label="old prompt"))
    elif action == "log_direct":  # a member logs on their own, for this week or last
        with session_scope(engine) as session:
            people = [p.slack_user_id for p in tq.team_members(session, team.id)]
        if not people:
            return
        user_id = data.draw(st.sampled_from(people), label="who")
        week = answers.current_week(team)
        if data.draw(st.booleans(), label="last week"):
            week = week_key(week_days(week)[0] - timedelta(days=7))
        fields = data.draw(MOMENT, label="moment")
        with contextlib.suppress(answers.Refused):  # last week, closed already: refused
            answers.record_direct_moment(engine, client, team.id, week, user_id, f"V{next(world.views)}", fields)
    elif action in ("usage", "late_usage"):  # the operator imports usage, for this week or (late) an earlier one
        weeks = _weeks_until(now)[1:]
        week = weeks[-1] if action == "usage" else data.draw(st.sampled_from(weeks), label="week")
        day = week_days(week)[0] + timedelta(days=data.draw(st.integers(0, 6), label="day"))
        with session_scope(engine) as session:
            members = [p.slack_user_id for p in tq.team_members(session, team.id)]
        who = data.draw(st.sets(st.sampled_from(PEOPLE)), label="others") | set(members)
        rows = [
            UsageRow(key, day, "claude-sonnet-4-5", "[0]", input_tokens=n, cost_usd=n / 100_000)
            for key in sorted(who)
            if (n := data.draw(st.sampled_from(TOKENS), label=f"{key} tokens"))
        ]
        activity = [
            ActivityRow(key, day, "[0]", sessions=n, lines_added=10 * n, commits=n)
            for key in sorted(who)
            if (n := data.draw(st.sampled_from(SESSIONS), label=f"{key} sessions"))
        ]
        if rows:
            import_rows(engine, "csv", rows)
        if activity:
            import_rows(engine, "claude-code", activity)
    elif action == "members":  # the team's members change (at least three, as setup requires)
        chosen = data.draw(st.sets(st.sampled_from(PEOPLE), min_size=3, max_size=9), label="members")
        with session_scope(engine) as session:
            tq.set_team_members(session, team.id, sorted(chosen))
    elif action == "primary":  # a member of several teams chooses where they count
        with session_scope(engine) as session:
            people = [p.slack_user_id for p in tq.team_members(session, team.id)]
        if people:
            primary.set_primary(engine, data.draw(st.sampled_from(people), label="who"), team)
    elif action == "forget":  # someone is forgotten: their rows go, and so do highlights shared under their name
        user_id = data.draw(st.sampled_from(PEOPLE), label="who")
        forget.forget(engine, forget.Identity(user_id))
        for seen in world.seen.values():
            kept = tuple(h for h in seen.figures.highlights if h.author != user_id)
            seen.figures = replace(seen.figures, highlights=kept)
    elif action == "post_now":  # a manager posts the digest now: the week closes
        with session_scope(engine) as session:
            publication.publish(session, team, publication.current_week(team, now), now)
    elif action == "minimum":
        with session_scope(engine) as session:
            session.get(Team, team.id).min_respondents = data.draw(st.integers(3, 5), label="minimum")
    elif action == "digest_day":  # the schedule moves: digest on Thursday, Friday or Saturday
        day = data.draw(st.sampled_from(["thu", "fri", "sat"]), label="digest day")
        teams.change_schedule(engine, team.name, teams.ScheduleChange(digest=f"{day} 16:00"))
    elif action == "catch_up":  # the scheduler's catch-up run prompts members who joined this week
        prompts.send_prompts(engine, client, team)
    elif action == "away":  # a member is away: counted away before the reminder, or at the prompt if not prompted
        week = publication.current_week(team, now)
        with session_scope(engine) as session:
            people = tq.team_members(session, team.id)
            if not people:
                return
            person = data.draw(st.sampled_from(people), label="away")
            existing = cq.week_delivery(session, person.id, week)
            reason = data.draw(st.sampled_from([v.AWAY_COMMAND, v.AWAY_STATUS, v.AWAY_HOLIDAY]), label="why")
            if existing is None:
                cq.claim_away(session, cq.get_or_create_cycle(session, team.id, week).id, week, {person.id: reason})
            else:  # nothing changes once they answered (an answer always wins)
                cq.mark_away(session, {existing.id: reason})


@settings(
    max_examples=20,
    deadline=None,
    database=None,  # no example database in the repository; a failure prints its blob to reproduce it
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_no_closed_week_changes_and_no_figure_is_over_fewer_than_the_floor(template, tmp_path, quiet_slack, data):
    path = tmp_path / f"example-{next(_examples)}.db"
    shutil.copy(template, path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        with freeze_time(f"{week_days(FIRST_WEEK)[0]}T12:00:00Z") as frozen:
            world = World(engine, RecordingSlack())
            for name, size in zip(TEAMS, (6, 3), strict=True):
                members = data.draw(
                    st.sets(st.sampled_from(PEOPLE), min_size=size, max_size=9), label=f"{name} members"
                )
                spec = teams.team_spec(
                    name, f"C0{name.upper():0<8}", sorted(members), "Europe/Berlin", "mon 10:00", "fri 16:00",
                    data.draw(st.integers(3, 4), label=f"{name} minimum"), managers=[MANAGER],
                )  # fmt: skip
                teams.create_team(engine, spec)
            for offset in range(WEEKS):
                frozen.move_to(f"{week_days(_week(offset))[0]}T12:00:00Z")  # Monday, after the prompt time
                for team in _teams(engine):
                    prompts.send_prompts(engine, world.client, team)
                check(world)
                others = st.lists(st.tuples(st.sampled_from(ACTIONS), st.sampled_from(TEAMS)), max_size=3)
                events = [(a, t) for a in WEEKLY for t in TEAMS] + data.draw(others, label=f"week {offset}")
                for action, team_name in data.draw(st.permutations(events), label="in this order"):
                    act(world, data, action, team_name)
                    # at most 7 events of at most 20 hours: the week's Sunday is not passed
                    frozen.tick(timedelta(hours=data.draw(st.integers(0, 20), label="hours later")))
                    check(world)
            frozen.move_to(f"{week_days(_week(WEEKS))[0] + timedelta(days=6)}T12:00:00Z")  # every week has closed
            check(world)
            assert world.seen, "some week closed"
    finally:
        engine.dispose()
        path.unlink(missing_ok=True)


_examples = itertools.count(1)
