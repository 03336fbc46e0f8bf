"""The org roll-up: every team's week on one line for a leadership channel, and org totals. Pure functions.

* a team at or above its own minimum respondents gets its own line (respondents, outcomes, hours saved,
  tokens, $ per outcome, share of tokens without reported value);
* teams below their minimum are folded together: the folded group is shown as one "other" line only if
  it reaches the largest of the folded teams' minimums (people counted once); otherwise only the number
  of such teams is given, and the org totals leave them out (so no subtraction reveals them);
* teams that sent no prompts that week are counted, nothing more; so are teams whose members were all away;
* the away are counted (never named) beside the respondents: in no response rate, on neither side of the
  volume without value;
* org totals add up the shown teams' published figures and a shown "other" line (a person counts in one
  team a week, so nobody is counted twice); a figure a team withholds is left out of the totals too.
Never an individual's tokens: team and org sums only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot import formatting as fmt
from bot import vocabulary as v
from bot.digest.figures import DigestFigures, MemberWeekData, compute_digest, floor_of, merge_spreads, sum_activity
from bot.digest.progress import away_text
from bot.digest.sections import Section, activity_line
from bot.formatting import plural

ORG_NAME = "Org"
TEAM_NAME_CHARS = 80
MAX_TEAM_LINES = 100  # more teams than this: the rest are counted (Slack's message limits)
# a person's one answer over several teams: the most substantive; away loses to any other (an answer, or a prompt)
_ANSWER_RANK = {v.HELPED: 0, v.DIDNT_HELP: 1, v.SKIPPED: 2, v.PENDING: 3, v.AWAY: 4}
PRIVACY_NOTE = (
    "Team and org totals only: nobody is ranked or named by tokens; teams with fewer answers than their "
    "minimum are folded into “other” or left out."
)


@dataclass(frozen=True)
class TeamWeek:
    """One team's week as plain data: its name, privacy threshold and members."""

    name: str
    min_respondents: int
    members: tuple[MemberWeekData, ...]


@dataclass(frozen=True)
class OrgFigures:
    week: str
    teams: tuple[DigestFigures, ...] = ()  # shown teams, by name
    other: DigestFigures | None = None  # the folded teams together, when they reach the threshold
    folded: int = 0  # teams below their own minimum respondents
    other_min_respondents: int = 0  # the folded group's threshold: the largest of their minimums
    not_run: int = 0  # teams that sent no prompts this week
    everyone_away: int = 0  # teams whose members were all away this week (a holiday): nobody was asked
    totals: DigestFigures | None = None  # shown teams + a shown "other", each person once
    counted_teams: int = 0  # teams inside the totals


def merge_people(members: Sequence[MemberWeekData]) -> list[MemberWeekData]:
    """One member-week per person over several teams: moments together, the most substantive answer,
    their tokens and provider activity once. Member-weeks without a ``person`` are kept as they are."""
    by_person: dict[str, list[MemberWeekData]] = {}
    anonymous = []
    for member in members:
        if member.person:
            by_person.setdefault(member.person, []).append(member)
        else:
            anonymous.append(member)
    merged = [
        MemberWeekData(
            answer=min((w.answer for w in weeks), key=_ANSWER_RANK.__getitem__),
            prompted=any(w.prompted for w in weeks),
            moments=tuple(m for w in weeks for m in w.moments),
            tokens=max(w.tokens for w in weeks),
            cost_usd=max(w.cost_usd for w in weeks),
            activity=next((w.activity for w in weeks if w.activity is not None), None),
            person=person,
        )
        for person, weeks in by_person.items()
    ]
    return merged + anonymous


def combine(name: str, week: str, parts: Sequence[DigestFigures]) -> DigestFigures:
    """Figures that may each be shown, added up (org totals). Only sums of shown figures: a figure a part
    withholds (its usage, its volume-without-value share, its activity) is left out of the sum too, so the
    total never exposes what the part hid. Medians are over every part's respondents together."""
    shown = [f for f in parts if not f.suppressed]
    usage = [f for f in shown if not f.usage_withheld]
    shared = [f for f in usage if f.tokens and not f.share_withheld]
    outcomes: dict[str, int] = {}
    quality: dict[str, int] = {}
    for f in shown:
        for key, n in f.outcomes.items():
            outcomes[key] = outcomes.get(key, 0) + n
        for key, n in f.quality.items():
            quality[key] = quality.get(key, 0) + n
    moments = sum(f.moments for f in shown)
    hours = sum(f.hours_saved for f in shown)
    tokens = sum(f.tokens for f in usage)
    cost = sum(f.cost_usd for f in usage)
    # per outcome and per $100 over the same parts as the tokens and dollars, never mixed with parts without
    with_usage = [f for f in usage if f.tokens or f.cost_usd]
    usage_moments = sum(f.moments for f in with_usage)
    usage_hours = sum(f.hours_saved for f in with_usage)
    idle = sum(f.tokens_without_value for f in shared)
    # the share is of all the tokens shown, so only when every part with tokens could show its own
    share_shown = bool(tokens) and all(f in shared for f in usage if f.tokens)
    return DigestFigures(
        team=name,
        week=week,
        min_respondents=max((f.min_respondents for f in shown), default=0),
        members=sum(f.members for f in shown),
        prompted=sum(f.prompted for f in shown),
        responded=sum(f.responded for f in shown),
        respondents=sum(f.respondents for f in shown),
        helped=sum(f.helped for f in shown),
        didnt_help=sum(f.didnt_help for f in shown),
        skipped=sum(f.skipped for f in shown),
        away=sum(f.away for f in shown),
        suppressed=not shown,
        moments=moments,
        outcomes={key: outcomes[key] for key in v.OUTCOMES if outcomes.get(key)},
        hours_saved=hours,
        respondent_hours=merge_spreads(f.respondent_hours for f in shown),
        quality={key: quality[key] for key in v.QUALITY if quality.get(key)},
        would_not_have_happened=sum(f.would_not_have_happened for f in shown),
        would_have_happened_later=sum(f.would_have_happened_later for f in shown),
        friction=sum(f.friction for f in shown),
        tokens=tokens,
        cost_usd=cost,
        tokens_without_value=idle if share_shown else 0,
        tokens_per_outcome=tokens / usage_moments if usage_moments and tokens else None,
        cost_per_outcome=cost / usage_moments if usage_moments and cost else None,
        hours_per_100_usd=usage_hours / cost * 100 if cost else None,
        tokens_without_value_share=idle / tokens if share_shown else None,
        activity=sum_activity(f.activity for f in shown if not f.activity_withheld),
        usage_withheld=any(f.usage_withheld for f in shown),
        share_withheld=bool(tokens) and not share_shown,
    )


def compute_org(
    week: str,
    published: Sequence[DigestFigures],
    folded: Sequence[TeamWeek],
    not_run: int = 0,
    everyone_away: int = 0,
) -> OrgFigures:
    """The roll-up of ``week`` from each team's published figures.

    ``published``: the teams whose week ran and was shown; ``folded``: the cohorts of the teams whose week
    ran but was withheld (too few respondents), folded into one "other" group that is shown only when it
    reaches the largest of their floors; the org totals add up the shown teams and a shown "other" only.
    """
    shown = sorted(published, key=lambda f: f.team.lower())
    other = None
    threshold = max((floor_of(t.min_respondents) for t in folded), default=0)
    if folded:
        group = merge_people([m for t in folded for m in t.members])
        other = compute_digest(f"Other ({plural(len(folded), 'team')})", week, group, threshold, share_free_text=False)
        other = None if other.suppressed else other
    counted = [*shown, *([other] if other else [])]
    return OrgFigures(
        week=week,
        teams=tuple(shown),
        other=other,
        folded=len(folded),
        other_min_respondents=threshold,
        not_run=not_run,
        everyone_away=everyone_away,
        totals=combine(ORG_NAME, week, counted) if counted else None,
        counted_teams=len(shown) + (len(folded) if other else 0),
    )


def _usage(f: DigestFigures) -> str:
    if not f.tokens and f.usage_withheld:
        return "token usage not shown (too few members with usage)"
    if not f.tokens:
        return "no token data"
    parts = [f"{fmt.tokens(f.tokens)} tokens"]
    if f.cost_per_outcome is not None:
        parts.append(f"{fmt.dollars(f.cost_per_outcome)} per outcome")
    if f.tokens_without_value_share is not None:
        parts.append(f"{fmt.percent(f.tokens_without_value_share)} of tokens without reported value")
    return ", ".join(parts)


def _figures(f: DigestFigures) -> str:
    return (
        f"{plural(f.respondents, 'respondent')}{away_text(f.away)}, {plural(f.moments, 'outcome')}, "
        f"{fmt.hours(f.hours_saved)} saved, {_usage(f)}."
    )


def team_line(f: DigestFigures, name: str) -> str:
    return f"{name}: {_figures(f)}"


def org_title(org: OrgFigures) -> str:
    return f"AI retro across teams: {fmt.week_label(org.week)}"


def org_sections(
    org: OrgFigures, escape: Callable[[str], str] = lambda s: s, max_lines: int | None = MAX_TEAM_LINES
) -> list[Section]:
    lines = [team_line(f, escape(fmt.clip(f.team, TEAM_NAME_CHARS))) for f in org.teams]
    if max_lines is not None and len(lines) > max_lines:
        lines = [*lines[:max_lines], f"…and {len(lines) - max_lines} more teams (`airetro digest --org` lists all)."]
    if org.other is not None:
        lines.append(team_line(org.other, f"Other ({plural(org.folded, 'team')} with too few answers on their own)"))
    elif org.folded:
        lines.append(
            f"{plural(org.folded, 'team')} had too few answers to show, even together "
            f"(fewer than {org.other_min_respondents} respondents), so {'it is' if org.folded == 1 else 'they are'}"
            " left out."
        )
    if org.not_run:
        lines.append(f"{plural(org.not_run, 'team')} sent no prompts this week.")
    if org.everyone_away:
        lines.append(f"Everyone was away in {plural(org.everyone_away, 'team')} this week.")
    if not org.teams and org.other is None:
        lines.insert(0, "No team had enough answers this week to show figures.")
    sections = [Section("Teams", tuple(lines))]
    if org.totals is not None:
        sections.append(Section("Org totals", tuple(_total_lines(org))))
    return sections


def _total_lines(org: OrgFigures) -> list[str]:
    t = org.totals
    assert t is not None
    lines = [team_line(t, plural(org.counted_teams, "team"))]
    if t.median_hours is not None:
        lines.append(f"Median time saved per respondent: {fmt.hours(t.median_hours)}.")
    if t.hours_per_100_usd is not None:
        lines.append(f"Time saved per $100 of tokens: {fmt.hours(round(t.hours_per_100_usd, 1))}.")
    activity = activity_line(t.activity, t.moments)
    if activity:
        lines.append(activity)
    if org.folded and org.other is None:
        lines.append(f"Totals leave out the {plural(org.folded, 'team')} with too few answers.")
    if t.usage_withheld:
        lines.append("Token totals leave out teams with too few members with usage to show theirs.")
    return lines


def org_text(org: OrgFigures, escape: Callable[[str], str] = lambda s: s, max_lines: int | None = None) -> str:
    """The roll-up as plain text (the terminal lists every team; Slack's fallback escapes and caps)."""
    heading = org_title(org)
    out = [heading, "=" * len(heading)]
    for section in org_sections(org, escape, max_lines):
        out += ["", section.title, *(f"  {line}" for line in section.lines)]
    out += ["", PRIVACY_NOTE]
    return "\n".join(out)
