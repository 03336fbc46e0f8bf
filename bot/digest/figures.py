"""The weekly digest's figures, computed from plain data. Pure functions, no Slack, no database.

Definitions (also in the README):

* *prompted*: members the weekly DM reached; *responded*: clicked anything (logged, "didn't help", skip);
* *respondents*: members who gave a substantive answer (logged a moment or said AI didn't help). The
  privacy threshold counts these; below it only the response rate is shown;
* *estimated hours saved*: each moment's time-saved choice counted at its range midpoint
  (see ``bot.vocabulary.HOURS_SAVED``); "it cost me time" counts 0 hours and is reported as friction.
  Shown as the team's total and as the median per respondent (a "didn't help" answer counts 0 h);
* *tokens / $ per outcome*: the team's tokens (cost) for the week divided by the moments logged;
* *volume without value*: share of the team's tokens used in member-weeks that reported no outcome:
  no moment logged (skipped, no answer) or "AI didn't help". Not shown when exactly one member-week
  with tokens is on either side (with or without an outcome): the share would reveal that person's tokens;
* *provider activity*: what a provider's analytics say the members did with its tool that week
  (Claude Code: sessions, lines, commits, pull requests), summed over the team.

Token and activity figures follow the same privacy threshold as answers: when fewer than the team's
minimum number of members have usage (activity) for the week, a team total would be one or two
people's own figures, so none is shown (``usage_withheld`` / ``activity_withheld``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from statistics import median
from typing import TYPE_CHECKING

from bot import vocabulary as v

if TYPE_CHECKING:
    from bot.digest.trend import Trend

_SUBSTANTIVE = (v.HELPED, v.DIDNT_HELP)  # the answers that count as respondents


def share_discloses(token_weeks_split: tuple[int, int]) -> bool:
    """True when one side of the volume-without-value split is a single member-week with tokens."""
    return 1 in token_weeks_split


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
class ActivityData:
    """A provider's activity figures for one member-week (or summed over a team)."""

    sessions: int = 0
    lines_added: int = 0
    lines_removed: int = 0
    commits: int = 0
    pull_requests: int = 0

    def __add__(self, other: ActivityData) -> ActivityData:
        return ActivityData(
            self.sessions + other.sessions,
            self.lines_added + other.lines_added,
            self.lines_removed + other.lines_removed,
            self.commits + other.commits,
            self.pull_requests + other.pull_requests,
        )


@dataclass(frozen=True)
class MemberWeekData:
    answer: str  # vocabulary.PENDING / HELPED / DIDNT_HELP / SKIPPED
    prompted: bool
    moments: tuple[MomentData, ...] = ()
    tokens: int = 0
    cost_usd: float = 0.0
    activity: ActivityData | None = None  # None: no provider reported any for this member-week
    person: str = ""  # who (Slack user ID): only to count a member of several teams once in the org roll-up

    @property
    def hours_saved(self) -> float:
        return sum(v.HOURS_SAVED[m.time_saved] for m in self.moments)

    @property
    def without_value(self) -> bool:
        """No reported outcome: nothing logged (skipped, no answer) or "AI didn't help"."""
        return not self.moments or self.answer == v.DIDNT_HELP


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
    respondent_hours: tuple[float, ...] = ()  # each respondent's hours, sorted: for the median only
    quality: dict[str, int] = field(default_factory=dict)
    would_not_have_happened: int = 0
    would_have_happened_later: int = 0
    friction: int = 0
    highlights: tuple[Highlight, ...] = ()
    tokens: int = 0
    cost_usd: float = 0.0
    tokens_without_value: int = 0
    token_weeks_split: tuple[int, int] = (0, 0)  # member-weeks with tokens: (without, with) a reported outcome
    tokens_per_outcome: float | None = None
    cost_per_outcome: float | None = None
    hours_per_100_usd: float | None = None
    tokens_without_value_share: float | None = None
    activity: ActivityData | None = None  # team sums; None when no member has any
    usage_withheld: bool = False  # some usage, but from fewer members than the threshold: not shown
    activity_withheld: bool = False  # likewise for provider activity
    trend: Trend | None = None  # the last weeks up to this one (set by the digest service)

    @property
    def response_rate(self) -> float | None:
        return self.responded / self.prompted if self.prompted else None

    @property
    def share_withheld(self) -> bool:
        """The volume-without-value share is left out because it would reveal one person's tokens."""
        return bool(self.tokens) and share_discloses(self.token_weeks_split)

    @property
    def median_hours(self) -> float | None:
        """Median estimated hours saved per respondent ("didn't help" counts 0 h)."""
        return median(self.respondent_hours) if self.respondent_hours else None


def _ordered_counts(values: Sequence[str], vocabulary: Mapping[str, str]) -> dict[str, int]:
    counts = Counter(values)
    return {key: counts[key] for key in vocabulary if counts[key]}


def sum_activity(activities: Iterable[ActivityData | None]) -> ActivityData | None:
    """The sum of the activity reported; None when there is none at all."""
    present = [a for a in activities if a is not None]
    return sum(present, ActivityData()) if present else None


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
    usage_members = sum(1 for m in members if m.tokens or m.cost_usd)
    usage_withheld = 0 < usage_members < min_respondents
    activity_members = sum(1 for m in members if m.activity is not None)
    activity_withheld = 0 < activity_members < min_respondents
    if usage_withheld:  # one or two people's usage is theirs alone, not a team figure
        members = [replace(m, tokens=0, cost_usd=0.0) for m in members]
    tokens = sum(m.tokens for m in members)
    cost = sum(m.cost_usd for m in members)
    idle_tokens = sum(m.tokens for m in members if m.without_value)
    split = (
        sum(1 for m in members if m.tokens and m.without_value),
        sum(1 for m in members if m.tokens and not m.without_value),
    )
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
        respondent_hours=tuple(
            sorted(m.hours_saved if m.answer == v.HELPED else 0.0 for m in members if m.answer in _SUBSTANTIVE)
        ),
        quality=_ordered_counts([m.quality for m in moments], v.QUALITY),
        would_not_have_happened=sum(1 for m in moments if m.counterfactual == v.WOULD_NOT_HAVE_HAPPENED),
        would_have_happened_later=sum(1 for m in moments if m.counterfactual == "later"),
        friction=sum(1 for m in moments if m.time_saved == v.FRICTION_TIME),
        highlights=highlights,
        tokens=tokens,
        cost_usd=cost,
        tokens_without_value=idle_tokens,
        token_weeks_split=split,
        tokens_per_outcome=tokens / len(moments) if moments and tokens else None,
        cost_per_outcome=cost / len(moments) if moments and cost else None,
        hours_per_100_usd=hours_saved / cost * 100 if cost else None,
        tokens_without_value_share=idle_tokens / tokens if tokens and not share_discloses(split) else None,
        activity=None if activity_withheld else sum_activity(m.activity for m in members),
        usage_withheld=usage_withheld,
        activity_withheld=activity_withheld,
    )
