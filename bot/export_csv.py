"""The ``/airetro export`` files as CSV text. Pure functions: plain data in, CSV text out.

Every cell is neutralised against spreadsheet formula injection: moment text, team names and model
names are typed by people, and a cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab / carriage
return) would run as a formula when the file is opened in a spreadsheet. Such cells get a leading
``'``, which spreadsheets show as text.

The team file holds aggregates only (the digest's figures per week): never a person's row, name
or tokens. A week below the team's minimum respondents keeps its response counts, its other
figures are left blank and ``withheld`` says why.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from bot import vocabulary as v
from bot.digest.figures import DigestFigures
from bot.formatting import week_monday

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

ANSWER_LABELS = {
    v.HELPED: "logged where AI helped",
    v.DIDNT_HELP: "AI didn't help",
    v.SKIPPED: "skipped",
    v.PENDING: "not answered",
    v.AWAY: "away",
}
PROMPT_LABELS = {
    "sent": "sent",
    "direct": "none (you logged on your own)",
    "away": "none (you were away)",
    "failed": "could not be delivered",
    "claimed": "being sent",
    "unknown": "being checked (Slack did not confirm it)",
}

ANSWER_COLUMNS = (
    "week",
    "week_of",
    "team",
    "prompt",
    "answer",
    "answered_at",
    "what",
    "outcome",
    "time_saved",
    "hours_saved_estimate",
    "quality",
    "counterfactual",
    "tool",
    "link",
    "sharing",
    "logged_at",
)
TOKEN_COLUMNS = ("week", "week_of", "tokens", "cost_usd", "top_model")
USAGE_COLUMNS = (
    "day",
    "model",
    "source",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "tokens",
    "cost_usd",
)
TEAM_COLUMNS = (
    "team",
    "week",
    "week_of",
    "prompted",
    "answered",
    "away",
    "respondents",
    "moments",
    "hours_saved",
    "tokens",
    "cost_usd",
    "withheld",
)


@dataclass(frozen=True)
class MomentRow:
    what: str
    outcome: str
    time_saved: str
    quality: str
    counterfactual: str
    tool: str
    link: str | None
    sharing: str
    logged_at: datetime


@dataclass(frozen=True)
class AnswerRow:
    """The caller's delivery for one team-week, with the moments they logged in it."""

    week: str
    team: str
    prompt: str  # Delivery.state
    answer: str  # Delivery.answer
    answered_at: datetime | None
    moments: tuple[MomentRow, ...] = ()


@dataclass(frozen=True)
class TokenRow:
    week: str
    tokens: int
    cost_usd: float
    top_model: str | None


@dataclass(frozen=True)
class UsageRow:
    day: date
    model: str
    source: str
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    cost_usd: float

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens + self.cache_read_tokens + self.cache_write_tokens


def neutralise(value: object) -> str:
    """The cell as text, with a leading ``'`` if a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """RFC 4180 CSV (CRLF line ends, quoted where needed), every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([neutralise(name) for name in header])
    writer.writerows([neutralise(cell) for cell in row] for row in rows)
    return out.getvalue()


def timestamp(value: datetime | None) -> str:
    """ISO 8601 in UTC (naive values, as SQLite returns them, are UTC)."""
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def money(value: float) -> str:
    return f"{value:.4f}"


def number(value: float) -> str:
    return f"{value:g}"


def _label(labels: Mapping[str, str], key: str) -> str:
    return v.NOT_SAID_LABEL if key == v.NOT_SAID else labels.get(key, key)


def _moment_cells(moment: MomentRow | None) -> list[object]:
    if moment is None:
        return [""] * 10
    return [
        moment.what,
        _label(v.OUTCOMES, moment.outcome),
        _label(v.TIME_SAVED, moment.time_saved),
        number(v.HOURS_SAVED.get(moment.time_saved, 0.0)),
        _label(v.QUALITY, moment.quality),
        _label(v.COUNTERFACTUAL, moment.counterfactual),
        _label(v.TOOLS, moment.tool),
        moment.link or "",
        _label(v.SHARING, moment.sharing),
        timestamp(moment.logged_at),
    ]


def week_of(week: str) -> str:
    """The ``week_of`` column beside the ISO ``week``: the date of its Monday, ``2026-W48`` → ``2026-11-23``."""
    return week_monday(week).isoformat()


def answer_rows(rows: Sequence[AnswerRow]) -> list[list[object]]:
    """One row per team-week, or one per moment logged in it (the week's answer repeated)."""
    out = []
    for row in sorted(rows, key=lambda r: (r.week, r.team.lower())):
        lead = [
            row.week,
            week_of(row.week),
            row.team,
            _label(PROMPT_LABELS, row.prompt),
            _label(ANSWER_LABELS, row.answer),
            timestamp(row.answered_at),
        ]
        moments = sorted(row.moments, key=lambda m: m.logged_at) or [None]
        out += [lead + _moment_cells(moment) for moment in moments]
    return out


def answers_csv(rows: Sequence[AnswerRow]) -> str:
    return csv_text(ANSWER_COLUMNS, answer_rows(rows))


def tokens_csv(rows: Sequence[TokenRow]) -> str:
    ordered = sorted(rows, key=lambda r: r.week)
    return csv_text(
        TOKEN_COLUMNS, ([r.week, week_of(r.week), r.tokens, money(r.cost_usd), r.top_model or ""] for r in ordered)
    )


def usage_csv(rows: Sequence[UsageRow]) -> str:
    ordered = sorted(rows, key=lambda r: (r.day, r.model, r.source))
    return csv_text(
        USAGE_COLUMNS,
        (
            [
                r.day.isoformat(),
                r.model,
                r.source,
                r.input_tokens,
                r.output_tokens,
                r.cache_read_tokens,
                r.cache_write_tokens,
                r.tokens,
                money(r.cost_usd),
            ]
            for r in ordered
        ),
    )


def withheld_reason(week: DigestFigures) -> str:
    return (
        f"fewer than {week.min_respondents} respondents (members who logged a moment or said AI didn't help): "
        "figures withheld to keep answers anonymous"
    )


def team_week_row(week: DigestFigures) -> list[object]:
    """One team-week's aggregate; below the threshold only the response counts are given."""
    if week.small_cohort:
        reason = f"fewer than {week.min_respondents} people asked: nothing shown, not even how many answered"
        return [week.team, week.week, week_of(week.week), "", "", "", "", "", "", "", "", reason]
    counts = [week.team, week.week, week_of(week.week), week.prompted, week.responded, week.away]
    if week.everyone_away:
        return [*counts, "", "", "", "", "", "everyone was away: no retro that week"]
    if week.suppressed:
        return [*counts, "", "", "", "", "", withheld_reason(week)]
    shown = [*counts, week.respondents, week.moments, number(week.hours_saved)]
    if week.usage_withheld:  # blank, never 0: a zero would read as "no usage"
        reason = f"token usage withheld: fewer than {week.min_respondents} members with usage imported"
        return [*shown, "", "", reason]
    if not week.tokens and not week.cost_usd:
        return [*shown, "", "", "no token usage imported"]
    return [*shown, week.tokens, money(week.cost_usd), ""]


def team_csv(weeks: Sequence[DigestFigures]) -> str:
    """Teams' aggregates per week (``weeks`` in the order given: team by team, oldest week first)."""
    return csv_text(TEAM_COLUMNS, (team_week_row(w) for w in weeks))
