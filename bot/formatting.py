"""Human-readable numbers shared by the Block Kit builders and the terminal digest."""

from __future__ import annotations

from collections.abc import Sequence


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
