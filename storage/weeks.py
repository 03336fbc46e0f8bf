"""ISO weeks as the data is keyed: ``2026-W47``, Monday to Sunday. Pure date arithmetic."""

from __future__ import annotations

import re
from datetime import date, timedelta

_WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")


def week_key(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def parse_week(key: str) -> str:
    """Validate and normalise a week key such as ``2026-W47``."""
    match = _WEEK_RE.match(key.strip())
    if not match:
        raise ValueError(f"{key!r} is not an ISO week like '2026-W47'")
    try:
        date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        raise ValueError(f"{key!r} is not a week of that year") from None
    return key.strip()


def weeks_back(last: str, count: int) -> list[str]:
    """``count`` ISO weeks ending with ``last``, oldest first."""
    monday, _ = week_days(last)
    return [week_key(monday - timedelta(weeks=back)) for back in range(count - 1, -1, -1)]


def week_days(key: str) -> tuple[date, date]:
    """First (Monday) and last (Sunday) day of an ISO week."""
    year, number = parse_week(key).split("-W")
    monday = date.fromisocalendar(int(year), int(number), 1)
    return monday, monday + timedelta(days=6)
