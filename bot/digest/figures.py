"""The weekly digest's figures, computed from plain data. Pure functions, no Slack, no database.

Definitions (also in the README):

* the *cohort* of a team-week: the people the team prompted that week (or who logged on their own). A
  person is in one team's cohort a week at most (their primary team's), so no two teams' figures overlap;
* *away*: members counted away that week (``/airetro away``, an out-of-office status, a public holiday): not
  prompted or reminded, shown as a count only, never a name. They are not asked, not respondents and not
  "didn't answer"; an away member who logs anyway is a respondent like anyone else;
* *prompted*: members the weekly DM reached (or who logged on their own), the away left out: the response
  rate's denominator; *responded*: clicked anything (logged, "didn't help", skip);
* *respondents*: members who gave a substantive answer (logged a moment or said AI didn't help);
* *estimated hours saved*: each moment's time-saved choice counted at its range midpoint
  (see ``bot.vocabulary.HOURS_SAVED``); "it cost me time" counts 0 hours and is reported as friction.
  Shown as the team's total and as the median per respondent (a "didn't help" answer counts 0 h);
* *tokens / $ per outcome*: the team's tokens (cost) for the week divided by the moments logged;
* *volume without value*: share of the team's tokens used by members who reported no outcome that week
  (no moment logged, or "AI didn't help"). The away are on neither side: their tokens count in the team's
  tokens (real usage), not in the tokens without value;
* *provider activity*: what a provider's analytics say the members did with its tool that week
  (Claude Code: sessions, lines, commits, pull requests), summed over the team.

The privacy floor (``PRIVACY_FLOOR`` = 3, or the team's higher minimum) applies to every figure:

* fewer respondents than the floor: only "N of M answered" (and how many were away) is shown, nothing else
  (``suppressed``); fewer members asked than the floor, the away left out: not even that (``small_cohort``);
* tokens and dollars need at least the floor of members with usage (``usage_withheld``), provider
  activity at least the floor of members with activity (``activity_withheld``);
* the volume-without-value share needs at least the floor of members with tokens on each side: those without
  a reported outcome, and everyone else (with one, or away), otherwise one side's tokens would be one or two
  people's own (``share_withheld``). The second side is the whole complement, the away included, because the
  team's tokens minus the tokens without value is exactly its tokens: a lone away member's tokens could
  otherwise be had by subtraction;
* an anonymous highlight is shown only when at least the floor of members logged a moment, so it cannot
  be pinned on one of one or two people.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from bot import vocabulary as v
from storage.privacy import PRIVACY_FLOOR
from storage.queries.activity import ActivityTotals
from storage.queries.cohort import SHARED, CohortTotals, MemberGroup, SharedMoment

if TYPE_CHECKING:
    from bot.digest.trend import Trend

_SUBSTANTIVE = (v.HELPED, v.DIDNT_HELP)  # the answers that count as respondents
HIGHLIGHTS = 10  # shared highlights a digest shows by name (the others are counted: "…and 12 more")
# the choices the figures count, by question (a moment's column)
CHOICES = {
    "outcome": tuple(v.OUTCOMES),
    "time_saved": tuple(v.HOURS_SAVED),
    "quality": tuple(v.QUALITY),
    "counterfactual": tuple(v.COUNTERFACTUAL),
}


Spread = tuple[tuple[float, int], ...]  # a distribution: (value, how many had it), by value


def merge_spreads(spreads: Iterable[Spread]) -> Spread:
    """Several distributions as one (e.g. weeks' hours per respondent over a summary's weeks)."""
    counts: Counter[float] = Counter()
    for spread in spreads:
        for value, n in spread:
            counts[value] += n
    return tuple(sorted((value, n) for value, n in counts.items() if n))


def spread_median(spread: Spread) -> float | None:
    """The median of a distribution (of two middle values, their mean); None when it is empty."""
    total = sum(n for _, n in spread)
    if not total:
        return None
    wanted = (total - 1) // 2, total // 2  # the middle position(s), counted from 0
    found: list[float] = []
    seen = 0
    for value, n in spread:
        found += [value for position in wanted if seen <= position < seen + n]
        seen += n
    return (found[0] + found[1]) / 2


def floor_of(min_respondents: int) -> int:
    """The floor a team's figures are held to: its own minimum, never below ``PRIVACY_FLOOR``."""
    return max(min_respondents, PRIVACY_FLOOR)


def share_discloses(token_weeks_split: tuple[int, int], floor: int = PRIVACY_FLOOR) -> bool:
    """True when a side of the volume-without-value split (members with tokens without a reported outcome,
    and all the others: with one, or away) has fewer members with tokens than the floor."""
    return min(token_weeks_split) < floor


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
    code_generations: int = 0  # suggestions / generations shown (Copilot, Cursor)
    code_acceptances: int = 0  # of which accepted
    agent_requests: int = 0
    sources: tuple[str, ...] = ()  # the providers that reported it

    def __add__(self, other: ActivityData) -> ActivityData:
        return ActivityData(
            self.sessions + other.sessions,
            self.lines_added + other.lines_added,
            self.lines_removed + other.lines_removed,
            self.commits + other.commits,
            self.pull_requests + other.pull_requests,
            self.code_generations + other.code_generations,
            self.code_acceptances + other.code_acceptances,
            self.agent_requests + other.agent_requests,
            tuple(sorted({*self.sources, *other.sources})),
        )


@dataclass(frozen=True)
class MemberWeekData:
    answer: str  # vocabulary.PENDING / HELPED / DIDNT_HELP / SKIPPED / AWAY
    prompted: bool  # asked: prompted, logged on their own, or away when the prompt was due (see ``cohort``)
    moments: tuple[MomentData, ...] = ()
    tokens: int = 0
    cost_usd: float = 0.0  # reported, plus estimated where a source had no dollars
    activity: ActivityData | None = None  # None: no provider reported any for this member-week
    estimated_cost_usd: float = 0.0  # the estimated part of cost_usd
    unknown_cost_tokens: int = 0  # tokens whose cost is unknown
    sources: tuple[str, ...] = ()  # the usage sources whose tokens counted
    person: str = ""  # who (Slack user ID): only to count a member of several teams once in the org roll-up

    @property
    def hours_saved(self) -> float:
        return sum(v.HOURS_SAVED[m.time_saved] for m in self.moments)

    @property
    def without_value(self) -> bool:
        """No reported outcome: nothing logged (skipped, no answer) or "AI didn't help"; never the away."""
        return self.answer != v.AWAY and (not self.moments or self.answer == v.DIDNT_HELP)


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
    away: int = 0  # members counted away: not in prompted, responded, or either side of volume without value
    moments: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    hours_saved: float = 0.0
    respondent_hours: Spread = ()  # (hours, respondents with them), by hours: for the median only
    quality: dict[str, int] = field(default_factory=dict)
    would_not_have_happened: int = 0
    would_have_happened_later: int = 0
    friction: int = 0
    highlights: tuple[Highlight, ...] = ()  # the first ``HIGHLIGHTS`` shared moments
    more_highlights: int = 0  # the shared moments after those, counted
    tokens: int = 0
    cost_usd: float = 0.0
    tokens_without_value: int = 0
    # member-weeks with tokens: (without a reported outcome, the others: with one, or away)
    token_weeks_split: tuple[int, int] = (0, 0)
    tokens_per_outcome: float | None = None
    cost_per_outcome: float | None = None
    hours_per_100_usd: float | None = None
    tokens_without_value_share: float | None = None
    activity: ActivityData | None = None  # team sums; None when no member has any
    usage_withheld: bool = False  # some usage, but from fewer members than the threshold: not shown
    activity_withheld: bool = False  # likewise for provider activity
    share_withheld: bool = False  # tokens shown, but the volume-without-value share would expose a side
    small_cohort: bool = False  # fewer people asked than the floor: not even the answer count is shown
    usage_through: str | None = None  # ISO date of the latest usage day in the week, when before its Sunday
    estimated_cost_usd: float = 0.0  # the part of cost_usd estimated from list prices
    unknown_cost_tokens: int = 0  # tokens whose cost nobody knows (their dollars are not in cost_usd)
    usage_sources: tuple[str, ...] = ()  # the usage sources behind the team's tokens
    trend: Trend | None = None  # the last weeks up to this one (set by the digest service)

    @property
    def response_rate(self) -> float | None:
        """Responded ÷ prompted (the away are in neither)."""
        return self.responded / self.prompted if self.prompted else None

    @property
    def everyone_away(self) -> bool:
        """Nobody was asked because the members were away (a holiday week): no digest, no 0 % week."""
        return bool(self.away) and not (self.prompted or self.responded or self.small_cohort)

    @property
    def median_hours(self) -> float | None:
        """Median estimated hours saved per respondent ("didn't help" counts 0 h)."""
        return spread_median(self.respondent_hours)


def sum_activity(activities: Iterable[ActivityData | None]) -> ActivityData | None:
    """The sum of the activity reported; None when there is none at all."""
    present = [a for a in activities if a is not None]
    return sum(present, ActivityData()) if present else None


def totals_of(members: Sequence[MemberWeekData]) -> CohortTotals:
    """``members`` added up as the database adds a cohort up (``storage.queries.cohort``): for a cohort held
    in memory (the org roll-up's "Other" teams, a week as it was)."""
    groups: dict[tuple[str, bool, bool], list[MemberWeekData]] = {}
    for m in members:
        groups.setdefault((m.answer, m.prompted, bool(m.moments)), []).append(m)
    moments = [moment for member in members for moment in member.moments]
    activity = [m.activity for m in members if m.activity is not None]
    total = sum(activity, ActivityData()) if activity else None
    return CohortTotals(
        groups=tuple(
            MemberGroup(
                answer,
                prompted,
                logged,
                len(group),
                with_tokens=sum(1 for m in group if m.tokens),
                with_usage=sum(1 for m in group if m.tokens or m.cost_usd),
                tokens=sum(m.tokens for m in group),
                cost_usd=sum(m.cost_usd for m in group),
                estimated_cost_usd=sum(m.estimated_cost_usd for m in group),
                unknown_cost_tokens=sum(m.unknown_cost_tokens for m in group),
            )  # fmt: skip
            for (answer, prompted, logged), group in groups.items()
        ),
        hours=tuple((a, h, n) for (a, h), n in Counter((m.answer, m.hours_saved) for m in members).items()),
        moments=len(moments),
        choices={
            question: {c: n for c in listed if (n := sum(1 for m in moments if getattr(m, question) == c))}
            for question, listed in CHOICES.items()
        },
        usage_sources=tuple(sorted({s for m in members for s in m.sources})),
        activity_members=len(activity),
        activity=None if total is None else ActivityTotals(**{**asdict(total), "sources": total.sources}),
        shared=tuple(
            SharedMoment(m.what, m.link, m.outcome, m.sharing, m.author or "") for m in moments if m.sharing in SHARED
        ),
        shared_counts=tuple(
            (kind, n) for kind, n in ((k, sum(1 for m in moments if m.sharing == k)) for k in SHARED) if n
        ),
    )


def compute_digest(
    team: str,
    week: str,
    members: Sequence[MemberWeekData],
    min_respondents: int,
    *,
    share_free_text: bool = True,
) -> DigestFigures:
    """The team-week's figures over its cohort ``members`` (see ``figures_of``)."""
    return figures_of(team, week, totals_of(members), min_respondents, share_free_text=share_free_text)


def _activity_data(totals: ActivityTotals) -> ActivityData:
    return ActivityData(
        totals.sessions, totals.lines_added, totals.lines_removed, totals.commits, totals.pull_requests,
        totals.code_generations, totals.code_acceptances, totals.agent_requests, totals.sources,
    )  # fmt: skip


def _without_value(group: MemberGroup) -> bool:
    """Members who reported no outcome: nothing logged (skipped, no answer) or "AI didn't help"; never the away."""
    return group.answer != v.AWAY and (not group.logged or group.answer == v.DIDNT_HELP)


def figures_of(
    team: str,
    week: str,
    totals: CohortTotals,
    min_respondents: int,
    *,
    share_free_text: bool = True,
) -> DigestFigures:
    """The team-week's figures from its cohort's ``totals``, held to the privacy floor (see above);
    ``share_free_text=False`` (the team's setting) keeps every highlight out."""
    min_respondents = floor_of(min_respondents)
    answers: Counter[str] = Counter()
    for g in totals.groups:
        answers[g.answer] += g.members
    responded = answers[v.HELPED] + answers[v.DIDNT_HELP] + answers[v.SKIPPED]
    respondents = answers[v.HELPED] + answers[v.DIDNT_HELP]
    members = sum(g.members for g in totals.groups)
    away = answers[v.AWAY]
    base = {
        "team": team,
        "week": week,
        "min_respondents": min_respondents,
        "members": members,
        "prompted": sum(g.members for g in totals.groups if g.prompted and g.answer != v.AWAY),
        "responded": responded,
        "respondents": respondents,
        "helped": answers[v.HELPED],
        "didnt_help": answers[v.DIDNT_HELP],
        "skipped": answers[v.SKIPPED],
        "away": away,
    }
    if respondents < min_respondents:
        # "1 of 1 answered" would say what that one person did, however many others were away
        small = 0 < members - away < min_respondents
        return DigestFigures(**base, suppressed=True, small_cohort=small)

    moments = totals.moments
    outcome, time_saved, quality, counterfactual = (
        totals.choices.get(question, {}) for question in ("outcome", "time_saved", "quality", "counterfactual")
    )
    hours_saved = sum(v.HOURS_SAVED[choice] * n for choice, n in time_saved.items() if choice in v.HOURS_SAVED)
    usage_members = sum(g.with_usage for g in totals.groups)
    usage_withheld = 0 < usage_members < min_respondents
    activity_withheld = 0 < totals.activity_members < min_respondents
    # volume without value: no reported outcome (nothing logged, or "AI didn't help"), the away on neither side;
    # the split's other side, for the floor, is everyone else (the team's tokens less the idle ones are theirs)
    idle = [g for g in totals.groups if _without_value(g)]
    others = [g for g in totals.groups if not _without_value(g)]
    if usage_withheld:  # one or two people's usage is theirs alone, not a team figure
        tokens, cost, estimated, unknown, idle_tokens, split, sources = 0, 0.0, 0.0, 0, 0, (0, 0), ()
    else:
        tokens = sum(g.tokens for g in totals.groups)
        cost = sum(g.cost_usd for g in totals.groups)
        estimated = sum(g.estimated_cost_usd for g in totals.groups)
        unknown = sum(g.unknown_cost_tokens for g in totals.groups)
        idle_tokens = sum(g.tokens for g in idle)
        split = (sum(g.with_tokens for g in idle), sum(g.with_tokens for g in others))
        sources = totals.usage_sources
    loggers = sum(g.members for g in totals.groups if g.logged)
    # named highlights always; anonymous ones once enough people logged that they could be anyone's
    kinds_shown = ("named", "anonymous") if loggers >= min_respondents else ("named",)
    kinds_shown = kinds_shown if share_free_text else ()
    shareable = [m for m in totals.shared if m.sharing in kinds_shown]
    highlights = tuple(
        Highlight(m.what, m.link, m.outcome, m.author if m.sharing == "named" else None) for m in shareable[:HIGHLIGHTS]
    )
    shared_total = sum(n for kind, n in totals.shared_counts if kind in kinds_shown)
    share_hidden = bool(tokens) and share_discloses(split, min_respondents)
    spread = merge_spreads(
        [((hours if answer == v.HELPED else 0.0, n),) for answer, hours, n in totals.hours if answer in _SUBSTANTIVE]
    )
    return DigestFigures(
        **base,
        suppressed=False,
        moments=moments,
        outcomes={choice: outcome[choice] for choice in v.OUTCOMES if outcome.get(choice)},
        hours_saved=hours_saved,
        respondent_hours=spread,
        quality={choice: quality[choice] for choice in v.QUALITY if quality.get(choice)},
        would_not_have_happened=counterfactual.get(v.WOULD_NOT_HAVE_HAPPENED, 0),
        would_have_happened_later=counterfactual.get("later", 0),
        friction=time_saved.get(v.FRICTION_TIME, 0),
        highlights=highlights,
        more_highlights=max(shared_total - len(highlights), 0),
        tokens=tokens,
        cost_usd=cost,
        tokens_without_value=0 if share_hidden else idle_tokens,
        token_weeks_split=(0, 0) if share_hidden else split,
        tokens_per_outcome=tokens / moments if moments and tokens else None,
        # dollars per outcome and per $100 only when every token's cost is known (else they would be too low)
        cost_per_outcome=cost / moments if moments and cost and not unknown else None,
        hours_per_100_usd=hours_saved / cost * 100 if cost and not unknown else None,
        estimated_cost_usd=estimated,
        unknown_cost_tokens=unknown,
        usage_sources=tuple(sources),
        tokens_without_value_share=idle_tokens / tokens if tokens and not share_hidden else None,
        activity=None if activity_withheld or totals.activity is None else _activity_data(totals.activity),
        usage_withheld=usage_withheld,
        activity_withheld=activity_withheld,
        share_withheld=share_hidden,
    )
