"""``/airetro export``: the caller's own data, and the aggregates of the teams they manage, as CSV files
in their DM with the bot.

Own data: their answers and moments per team-week, their weekly token summaries, their usage records
and their provider activity records (each mapped to them, or still unattributed under their Slack ID
or e-mail). Team files hold the
digest's aggregates per week with its privacy rule: never another person's row, name or tokens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from slack_sdk import WebClient
from sqlalchemy import Engine, and_, or_
from sqlmodel import Session, select

from bot import export_csv as ec
from bot.digest.figures import DigestFigures
from bot.services import publication
from bot.services.forget import Identity
from storage.engine import session_scope
from storage.models import Cycle, Delivery, Moment, Person, Team, TokenSummary, UsageRecord
from storage.queries import activity as aq
from storage.queries import teams as tq

ACTIVITY_COLUMNS = ("day", "source", *aq.FIELDS)


@dataclass(frozen=True)
class ExportFile:
    filename: str
    title: str
    content: str
    rows: int
    what: str  # for the reply: what the file holds


@dataclass(frozen=True)
class Export:
    files: tuple[ExportFile, ...]
    known: bool  # AI Retro holds something about the caller (or they manage a team)
    managed: tuple[str, ...] = ()  # the teams they manage (their team file is left out until a week has closed)


def _answer_rows(session: Session, person: Person) -> list[ec.AnswerRow]:
    rows = session.exec(
        select(Delivery, Cycle.week, Team.name)
        .join(Cycle, Cycle.id == Delivery.cycle_id)
        .join(Team, Team.id == Cycle.team_id)
        .where(Delivery.person_id == person.id)
    ).all()
    moments: dict[int, list[ec.MomentRow]] = {}
    query = select(Moment).where(Moment.delivery_id.in_([d.id for d, _, _ in rows])).order_by(Moment.id)
    for m in session.exec(query):
        moments.setdefault(m.delivery_id, []).append(
            ec.MomentRow(
                what=m.what,
                outcome=m.outcome,
                time_saved=m.time_saved,
                quality=m.quality,
                counterfactual=m.counterfactual,
                tool=m.tool,
                link=m.link,
                sharing=m.sharing,
                logged_at=m.created_at,
            )
        )
    return [
        ec.AnswerRow(week, team, d.state, d.answer, d.answered_at, tuple(moments.get(d.id, ())))
        for d, week, team in rows
    ]


def _token_rows(session: Session, person: Person) -> list[ec.TokenRow]:
    query = select(TokenSummary).where(TokenSummary.person_id == person.id)
    return [ec.TokenRow(s.week, s.tokens, s.cost_usd, s.top_model) for s in session.exec(query)]


def _usage_rows(session: Session, person: Person | None, who: Identity) -> list[ec.UsageRow]:
    unattributed = and_(UsageRecord.person_id.is_(None), UsageRecord.person_key.in_(sorted(who.keys)))
    mine = or_(UsageRecord.person_id == person.id, unattributed) if person is not None else unattributed
    return [
        ec.UsageRow(
            r.day,
            r.model,
            r.source,
            r.input_tokens,
            r.output_tokens,
            r.cache_read_tokens,
            r.cache_write_tokens,
            r.cost_usd,
        )
        for r in session.exec(select(UsageRecord).where(mine))
    ]


def _activity_csv(session: Session, person: Person | None, who: Identity) -> tuple[int, str]:
    """Their provider activity records as CSV, and how many there are."""
    records = aq.records_of(session, person.id if person is not None else None, who.keys)
    rows = [[r.day.isoformat(), r.source, *(getattr(r, name) for name in ACTIVITY_COLUMNS[2:])] for r in records]
    return len(rows), ec.csv_text(ACTIVITY_COLUMNS, rows)


def _team_weeks(session: Session, teams: Sequence[Team], now: datetime) -> list[DigestFigures]:
    """Every closed week of the teams, as published (a week still open has no figures yet)."""
    figures: list[DigestFigures] = []
    for team in sorted(teams, key=lambda t: t.name.lower()):
        weeks = session.exec(select(Cycle.week).where(Cycle.team_id == team.id).order_by(Cycle.week)).all()
        figures += [f for f in publication.closed_figures(session, team, list(weeks), now) if f is not None]
    return figures


def collect(engine: Engine, who: Identity, today: date) -> Export:
    """The caller's export: their own data, and the aggregates of the teams they are a manager of."""
    with session_scope(engine) as session:
        person = tq.get_person(session, who.user_id)
        managed = tq.managed_by(session, who.user_id)
        answers = _answer_rows(session, person) if person is not None else []
        tokens = _token_rows(session, person) if person is not None else []
        usage = _usage_rows(session, person, who)
        activity, activity_text = _activity_csv(session, person, who)
        team_weeks = _team_weeks(session, managed, datetime.now(UTC))
    prefix = f"airetro-{today.isoformat()}"
    candidates = [
        (
            answers,
            ExportFile(
                f"{prefix}-my-answers.csv",
                "AI Retro: your answers and moments",
                ec.answers_csv(answers),
                len(ec.answer_rows(answers)),
                "your weekly answers and every moment you logged, one row per team-week or moment",
            ),
        ),
        (
            tokens,
            ExportFile(
                f"{prefix}-my-weekly-tokens.csv",
                "AI Retro: your weekly token summaries",
                ec.tokens_csv(tokens),
                len(tokens),
                "your token use and cost per week",
            ),
        ),
        (
            usage,
            ExportFile(
                f"{prefix}-my-usage.csv",
                "AI Retro: your usage records",
                ec.usage_csv(usage),
                len(usage),
                "your imported usage records (day, model, source, tokens, cost)",
            ),
        ),
        (
            activity,
            ExportFile(
                f"{prefix}-my-activity.csv",
                "AI Retro: your provider activity records",
                activity_text,
                activity,
                "what your AI provider reported you did with its tool per day (sessions, lines, commits, pull "
                "requests, accepted and rejected tool uses)",
            ),
        ),
        (
            team_weeks,
            ExportFile(
                f"{prefix}-team-aggregates.csv",
                "AI Retro: aggregates of the teams you manage",
                ec.team_csv(team_weeks),
                len(team_weeks),
                "team aggregates per week for "
                + ", ".join(sorted((t.name for t in managed), key=str.lower))
                + " (weeks below the minimum respondents withheld; no individual rows)",
            ),
        ),
    ]
    files = tuple(file for data, file in candidates if data)
    return Export(
        files=files,
        known=person is not None or bool(usage) or bool(activity) or bool(managed),
        managed=tuple(sorted((t.name for t in managed), key=str.lower)),
    )


def deliver(client: WebClient, user_id: str, export: Export, comment: str) -> str:
    """Open the DM with the caller and upload the files there (files_upload_v2); returns the DM's id."""
    channel = client.conversations_open(users=user_id)["channel"]["id"]
    client.files_upload_v2(
        channel=channel,
        file_uploads=[{"content": f.content, "filename": f.filename, "title": f.title} for f in export.files],
        initial_comment=comment,
    )
    return channel
