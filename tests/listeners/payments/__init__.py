"""Listener tests in one small workspace: the Payments team (Ada, Grace, Linus, Margaret, Ken; Grace manages it),
Olga (a workspace admin in no team) and Zed (in no team), midweek. ``conftest.py`` beside this sets it up; the
names and a moment's form values are here to import."""

from __future__ import annotations

ADA, GRACE, LINUS, MARGARET, KEN, OLGA, ZED = (f"U0USER{i:03d}" for i in range(1, 8))

GOOD = {  # the log-a-moment form, filled in (a private moment)
    "what": "Claude Code wrote the migration tests",
    "outcome": "tests",
    "time_saved": "1h_2h",
    "quality": "better",
    "counterfactual": "later",
    "tool": "claude_code",
    "link": None,
    "sharing": "private",
}
