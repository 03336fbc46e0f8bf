"""An open week, in words: how many have answered so far, and when its figures will be computed. Pure.

No figure of an open week is ever shown (``bot.services.publication``): they would change with each
answer, and two looks a minute apart could then be subtracted to read one person's answer. Nor is how many
answered, while fewer people than the team's floor have been asked (a holiday week with most of the team
away): "1 of 1 answered" would say what that one person did, as a closed week's digest never does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.formatting import plural


@dataclass(frozen=True)
class Progress:
    team: str
    week: str
    prompted: int
    responded: int
    closes_at: datetime  # UTC
    tz: str  # the team's time zone, for the closing time in words
    away: int = 0  # members counted away this week (not in ``prompted``, never answered)
    min_respondents: int = 0  # the team's floor: fewer asked than this, not even the answer count is shown


def closes_text(at: datetime, tz: ZoneInfo) -> str:
    local = at.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


def away_text(away: int) -> str:
    """The words after an answer count for those away (", 2 away"); nothing when nobody is away."""
    return f", {away:,} away" if away else ""


def progress_lines(p: Progress) -> list[str]:
    if not p.prompted:
        answered = "Nobody has been prompted yet this week" + (f" ({p.away:,} away)." if p.away else ".")
    elif p.prompted < p.min_respondents:
        away = f" ({p.away:,} away)" if p.away else ""
        answered = (
            f"Fewer than {p.min_respondents} people have been asked this week{away}, so not even how many "
            "answered is shown."
        )
    else:
        answered = f"So far {p.responded} of {plural(p.prompted, 'person', 'people')} answered{away_text(p.away)}."
    return [
        answered,
        f"The week's figures are computed once, when it closes ({closes_text(p.closes_at, ZoneInfo(p.tz))}, "
        "or when a manager posts the digest), and then never change. Until then none are shown, so that "
        "nobody's answer can be read off the difference between two looks.",
    ]
