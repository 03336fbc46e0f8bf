"""The weekly digest's figures, computed from plain data. Pure functions, no Slack, no database.

Definitions (also in the README):

* *prompted*: members the weekly DM reached; *responded*: clicked anything (logged, "didn't help", skip);
* *respondents*: members who gave a substantive answer (logged a moment or said AI didn't help). The
  privacy threshold counts these; below it only the response rate is shown;
* *estimated hours saved*: each moment's time-saved choice counted at its range midpoint
  (see ``bot.vocabulary.HOURS_SAVED``); "it cost me time" counts 0 hours and is reported as friction;
* *tokens / $ per outcome*: the team's tokens (cost) for the week divided by the moments logged;
* *volume without value*: share of the team's tokens used in member-weeks that logged no moment.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot import vocabulary as v


@dataclass(frozen=True)
class MomentData:
    outcome: str
    time_saved: str
    quality: str
    counterfactual: str
    tool: str
    what: str = ""
    link: str | None = None
    sharing: str = "private"
    author: str | None = None  # Slack user ID, used only when sharing == "named"


@dataclass(frozen=True)
class MemberWeekData:
    answer: str  # vocabulary.PENDING / HELPED / DIDNT_HELP / SKIPPED
    prompted: bool
    moments: tuple[MomentData, ...] = ()
    tokens: int = 0
    cost_usd: float = 0.0


@dataclass(frozen=True)
class Highlight:
    text: str
    link: str | None
    outcome: str
    author: str | None  # None = anonymous


@dataclass(frozen=True)
class DigestFigures:
    team: str
    week: str
    min_respondents: int
    members: int
    prompted: int
    responded: int
    respondents: int
    helped: int
    didnt_help: int
    skipped: int
    suppressed: bool
    moments: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    hours_saved: float = 0.0
    quality: dict[str, int] = field(default_factory=dict)
    would_not_have_happened: int = 0
    would_have_happened_later: int = 0
    friction: int = 0
    highlights: tuple[Highlight, ...] = ()
    tokens: int = 0
    cost_usd: float = 0.0
    tokens_per_outcome: float | None = None
    cost_per_outcome: float | None = None
    hours_per_100_usd: float | None = None
    tokens_without_value_share: float | None = None

    @property
    def response_rate(self) -> float | None:
        return self.responded / self.prompted if self.prompted else None


def _ordered_counts(values: Sequence[str], vocabulary: dict[str, str]) -> dict[str, int]:
    counts = Counter(values)
    return {key: counts[key] for key in vocabulary if counts[key]}


def compute_digest(
    team: str,
    week: str,
    members: Sequence[MemberWeekData],
    min_respondents: int,
    *,
    share_free_text: bool = True,
) -> DigestFigures:
    """The team-week's figures; ``share_free_text=False`` (the team's setting) keeps every highlight out."""
    answers = Counter(m.answer for m in members)
    responded = answers[v.HELPED] + answers[v.DIDNT_HELP] + answers[v.SKIPPED]
    respondents = answers[v.HELPED] + answers[v.DIDNT_HELP]
    base = {
        "team": team,
        "week": week,
        "min_respondents": min_respondents,
        "members": len(members),
        "prompted": sum(1 for m in members if m.prompted),
        "responded": responded,
        "respondents": respondents,
        "helped": answers[v.HELPED],
        "didnt_help": answers[v.DIDNT_HELP],
        "skipped": answers[v.SKIPPED],
    }
    if respondents < min_respondents:
        return DigestFigures(**base, suppressed=True)

    moments = [moment for member in members for moment in member.moments]
    hours_saved = sum(v.HOURS_SAVED[m.time_saved] for m in moments)
    tokens = sum(m.tokens for m in members)
    cost = sum(m.cost_usd for m in members)
    idle_tokens = sum(m.tokens for m in members if not m.moments)
    highlights = tuple(
        Highlight(m.what, m.link, m.outcome, m.author if m.sharing == "named" else None)
        for m in moments
        if share_free_text and m.sharing in ("anonymous", "named")
    )
    return DigestFigures(
        **base,
        suppressed=False,
        moments=len(moments),
        outcomes=_ordered_counts([m.outcome for m in moments], v.OUTCOMES),
        hours_saved=hours_saved,
        quality=_ordered_counts([m.quality for m in moments], v.QUALITY),
        would_not_have_happened=sum(1 for m in moments if m.counterfactual == v.WOULD_NOT_HAVE_HAPPENED),
        would_have_happened_later=sum(1 for m in moments if m.counterfactual == "later"),
        friction=sum(1 for m in moments if m.time_saved == v.FRICTION_TIME),
        highlights=highlights,
        tokens=tokens,
        cost_usd=cost,
        tokens_per_outcome=tokens / len(moments) if moments and tokens else None,
        cost_per_outcome=cost / len(moments) if moments and cost else None,
        hours_per_100_usd=hours_saved / cost * 100 if cost else None,
        tokens_without_value_share=idle_tokens / tokens if tokens else None,
    )
