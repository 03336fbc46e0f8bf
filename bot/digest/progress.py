"""An open week, in words: how many have answered so far, and when its figures will be computed. Pure.

No figure of an open week is ever shown (``bot.services.publication``): they would change with each
answer, and two looks a minute apart could then be subtracted to read one person's answer.
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


def closes_text(at: datetime, tz: ZoneInfo) -> str:
    local = at.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


def progress_lines(p: Progress) -> list[str]:
    if not p.prompted:
        answered = "Nobody has been prompted yet this week."
    else:
        answered = f"So far {p.responded} of {plural(p.prompted, 'person', 'people')} answered."
    return [
        answered,
        f"The week's figures are computed once, when it closes ({closes_text(p.closes_at, ZoneInfo(p.tz))}, "
        "or when a manager posts the digest), and then never change. Until then none are shown, so that "
        "nobody's answer can be read off the difference between two looks.",
    ]
