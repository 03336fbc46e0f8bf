"""Human-readable numbers shared by the Block Kit builders and the terminal digest."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from storage.weeks import week_days


def tokens(n: float) -> str:
    """1234 → '1.2k', 1_234_567 → '1.2M'."""
    for unit, size in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.1f}{unit}"
    return f"{n:.0f}"


def dollars(x: float) -> str:
    return f"${x:,.0f}" if abs(x) >= 100 else f"${x:,.2f}"


def percent(fraction: float) -> str:
    return f"{fraction * 100:.0f}%"


def hours(h: float) -> str:
    return f"{h:g} h" if h == int(h) else f"{h:.1f} h"


def clip(text: str, limit: int) -> str:
    """Shorten ``text`` to ``limit`` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def one_line(text: str) -> str:
    return " ".join(text.split())


def slack_escape(text: str) -> str:
    """Escape user text for mrkdwn as Slack documents (&, <, >), so it cannot mention or link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def bold_names(names: Sequence[str], *, most: int | None = None, chars: int | None = None) -> str:
    """Names in bold, escaped for mrkdwn, comma-separated; each clipped to ``chars`` and, past the
    first ``most``, the rest counted ("and N more")."""
    shown = names if most is None else names[:most]
    listed = ", ".join(f"*{slack_escape(n if chars is None else clip(n, chars))}*" for n in shown)
    more = len(names) - len(shown)
    return listed + (f" and {more} more" if more > 0 else "")


def plural(n: int, word: str, many: str | None = None) -> str:
    """``n`` and the word, singular or plural (``many``, else the word + "s"): "1 moment", "3 moments"."""
    return f"{n:,} {word}" if n == 1 else f"{n:,} {many or word + 's'}"


def week_date(week: str) -> str:
    """The Monday of an ISO week, as a person reads it: ``2026-W48`` → "23 Nov".

    The rule, everywhere: the year is added only when the Monday falls in another year than the week
    itself (``2026-W01`` → "29 Dec 2025"); a week is otherwise read within its own year."""
    monday, _ = week_days(week)
    label = f"{monday.day} {monday:%b}"
    return label if monday.year == int(week[:4]) else f"{label} {monday.year}"


def week_label(week: str) -> str:
    """``2026-W48`` → "week of 23 Nov" (see ``week_date`` for the year)."""
    return f"week of {week_date(week)}"


def weeks_span(first: str, last: str) -> str:
    """Weeks ``first`` to ``last`` as dates: "week of 5 Oct" or "weeks of 5 Oct to 23 Nov"."""
    if first == last:
        return week_label(first)
    return f"weeks of {week_date(first)} to {week_date(last)}"


def day_label(day: date, today: date | None = None) -> str:
    """A day as a person reads it: "Mon 7 Dec"; with ``today``, the year too when it is another year's
    ("Tue 5 Jan 2027")."""
    label = f"{day:%a} {day.day} {day:%b}"
    return label if today is None or day.year == today.year else f"{label} {day.year}"


def week_monday(week: str) -> date:
    """The Monday of an ISO week (the CSV exports' ``week_of`` column)."""
    return week_days(week)[0]


def first_upper(text: str) -> str:
    """``text`` with its first letter a capital (the rest as it is): "week of 23 Nov" → "Week of 23 Nov"."""
    return text[:1].upper() + text[1:]
