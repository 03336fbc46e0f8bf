"""A closed week's figures as they are stored (``published_weeks.figures``) and read back. Pure functions.

Only what may be shown is stored: a withheld figure is left out of the stored form altogether (not kept
and hidden), so every later view, sum or difference over stored weeks can only ever combine figures that
were themselves fit to publish. Reading a stored week back gives a ``DigestFigures`` whose withheld parts
are empty, with the flag that says why.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from bot.digest.figures import HIGHLIGHTS, ActivityData, DigestFigures, Highlight, Spread, merge_spreads

# 4: how many members were away (earlier versions read as none away: there was no away then);
# 3: the highlights a digest shows, and how many more; 2: hours per respondent as (hours, respondents) pairs;
# 1: one number per respondent (versions 1 and 2 kept every shared moment as a highlight)
VERSION = 4
_COUNTS = ("prompted", "responded", "away")
_SHOWN = (
    "respondents",
    "helped",
    "didnt_help",
    "skipped",
    "moments",
    "hours_saved",
    "would_not_have_happened",
    "would_have_happened_later",
    "friction",
)
_USAGE = (
    "tokens",
    "cost_usd",
    "tokens_per_outcome",
    "cost_per_outcome",
    "hours_per_100_usd",
    "usage_through",
    "estimated_cost_usd",
    "unknown_cost_tokens",
)
_SHARE = ("tokens_without_value", "tokens_without_value_share")


def to_stored(f: DigestFigures) -> dict[str, Any]:
    """The publishable part of ``f`` as JSON-ready data (no trend: it is read from the stored weeks)."""
    out: dict[str, Any] = {"v": VERSION, "min_respondents": f.min_respondents, "suppressed": f.suppressed}
    if f.small_cohort:  # fewer people asked than the floor: not even how many answered (or were away) is kept
        return {**out, "small_cohort": True, "prompted": 0, "responded": 0}
    out.update({name: getattr(f, name) for name in _COUNTS})
    if f.suppressed:
        return out
    out.update({name: getattr(f, name) for name in _SHOWN})
    out["outcomes"] = dict(f.outcomes)
    out["quality"] = dict(f.quality)
    out["respondent_hours"] = [[hours, n] for hours, n in f.respondent_hours]
    out["highlights"] = [[h.text, h.link, h.outcome, h.author] for h in f.highlights]
    out["more_highlights"] = f.more_highlights
    out["usage_withheld"] = f.usage_withheld
    if not f.usage_withheld:
        out.update({name: getattr(f, name) for name in _USAGE})
        out["usage_sources"] = list(f.usage_sources)
        out["share_withheld"] = f.share_withheld
        if not f.share_withheld:
            out.update({name: getattr(f, name) for name in _SHARE})
            out["token_weeks_split"] = list(f.token_weeks_split)
    out["activity_withheld"] = f.activity_withheld
    if f.activity is not None and not f.activity_withheld:
        out["activity"] = asdict(f.activity)
    return out


def from_stored(team: str, week: str, data: dict[str, Any], *, highlights: bool = True) -> DigestFigures:
    """A stored week as figures, named with the team's current name; ``highlights=False``: without its
    highlights (the trend, summaries and the chart read only figures)."""
    plain = {name: data[name] for name in (*_COUNTS, *_SHOWN, *_USAGE, *_SHARE) if name in data}
    activity = data.get("activity")
    return DigestFigures(
        team=team,
        week=week,
        min_respondents=data["min_respondents"],
        members=data["prompted"] + data.get("away", 0),
        suppressed=data["suppressed"],
        **{"respondents": 0, "helped": 0, "didnt_help": 0, "skipped": 0, "away": 0, **plain},
        outcomes=dict(data.get("outcomes", {})),
        quality=dict(data.get("quality", {})),
        respondent_hours=_spread(data.get("respondent_hours", ())),
        **(_highlights(data.get("highlights", ()), data.get("more_highlights", 0)) if highlights else {}),
        token_weeks_split=tuple(data.get("token_weeks_split", (0, 0))),
        usage_withheld=data.get("usage_withheld", False),
        share_withheld=data.get("share_withheld", False),
        activity_withheld=data.get("activity_withheld", False),
        activity=_activity(activity),
        usage_sources=tuple(data.get("usage_sources", ())),
        small_cohort=data.get("small_cohort", False),
    )


def _highlights(stored: list, more: int) -> dict[str, Any]:
    """The highlights a digest shows and how many more (versions 1 and 2 stored them all)."""
    return {
        "highlights": tuple(Highlight(*h) for h in stored[:HIGHLIGHTS]),
        "more_highlights": more + max(len(stored) - HIGHLIGHTS, 0),
    }


def _spread(data: list) -> Spread:
    """Stored hours per respondent: pairs (version 2), or one number per respondent (version 1)."""
    if data and not isinstance(data[0], list):
        return merge_spreads([tuple((hours, 1) for hours in data)])
    return tuple((float(hours), int(n)) for hours, n in data)


def _activity(data: object) -> ActivityData | None:
    if not data:
        return None
    if isinstance(data, list):  # stored before activity had more than five figures
        return ActivityData(*data)
    return ActivityData(**{**data, "sources": tuple(data.get("sources", ()))})


def without_author(data: dict[str, Any], author: str) -> dict[str, Any] | None:
    """``data`` with the named highlights of ``author`` taken out (forget-me); None when it has none."""
    highlights = data.get("highlights", [])
    kept = [h for h in highlights if h[3] != author]
    return None if len(kept) == len(highlights) else {**data, "highlights": kept}
