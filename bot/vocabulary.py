"""The answer vocabulary: one place for the modal's options, validation and digest labels."""

from __future__ import annotations

from types import MappingProxyType

OUTCOMES = MappingProxyType(
    {
        "feature": "Shipped a feature",
        "bug": "Fixed a bug",
        "review": "Reviewed code",
        "tests": "Wrote tests",
        "docs": "Wrote docs",
        "learn": "Investigated / learned",
        "ops": "Ran an incident or ops task",
        "other": "Other",
    }
)

# Time saved: label and the hours counted for "estimated hours saved".  Ranges count at their
# midpoint, the open-ended top range at its lower bound; "it cost me time" counts 0 hours and is
# reported as friction instead.
TIME_SAVED = MappingProxyType(
    {
        "cost": "It cost me time",
        "none": "None",
        "lt30m": "Under 30 min",
        "30m_1h": "30 min – 1 h",
        "1h_2h": "1–2 h",
        "2h_4h": "2–4 h",
        "4h_8h": "Half a day to a day",
        "gt8h": "More than a day",
    }
)
HOURS_SAVED = MappingProxyType(
    {"cost": 0.0, "none": 0.0, "lt30m": 0.25, "30m_1h": 0.75, "1h_2h": 1.5, "2h_4h": 3.0, "4h_8h": 6.0, "gt8h": 8.0}
)
FRICTION_TIME = "cost"

QUALITY = MappingProxyType({"better": "Better", "same": "About the same", "worse": "Worse", "redo": "Had to redo it"})

COUNTERFACTUAL = MappingProxyType(
    {"yes": "Yes, just as soon", "later": "Yes, but later", "no": "No, it would not have happened"}
)
WOULD_NOT_HAVE_HAPPENED = "no"
# an optional choice left out (quality, counterfactual, tool): no answer, never counted as one (the figures
# count only the keys above)
NOT_SAID = "not_said"
NOT_SAID_LABEL = "Not said"

TOOLS = MappingProxyType(
    {
        "claude_code": "Claude Code",
        "copilot": "Copilot",
        "chatgpt": "ChatGPT",
        "cursor": "Cursor",
        "internal_agent": "Internal agent",
        "other": "Other",
    }
)

SHARING = MappingProxyType(
    {
        "private": "Keep private",
        "anonymous": "Share anonymously in the digest",
        "named": "Share with my name",
    }
)

# Answers to the weekly prompt (Delivery.answer).
PENDING, HELPED, DIDNT_HELP, SKIPPED = "pending", "helped", "didnt_help", "skipped"
# Away that week (``/airetro away``, an out-of-office Slack status, a public holiday): not prompted or reminded,
# shown as a count, and out of the response rate and the volume-without-value figures. Not an answer: logging
# anyway replaces it.
AWAY = "away"
AWAY_COMMAND, AWAY_STATUS, AWAY_HOLIDAY = "command", "status", "holiday"
