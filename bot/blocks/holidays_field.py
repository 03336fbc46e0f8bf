"""The setup modal's "Public holidays" field (read by bot/blocks/setup.py with bot/holiday_calendar.py)."""

from __future__ import annotations

from slack_sdk.models.blocks import InputBlock, PlainTextInputElement

HOLIDAYS = "holidays"  # the block id (Slack's inline error goes on it)
HOLIDAYS_MAX = 64
HOLIDAYS_LABEL = "Public holidays"
HOLIDAYS_HINT = (
    "A country or region code, such as GB-ENG, DE-BY or US-CA. A prompt day that is a holiday moves to the next "
    "working day. Leave empty for none."
)


def holidays_block(code: str | None) -> InputBlock:
    """The optional plain-text input, pre-filled with the stored code."""
    return InputBlock(
        block_id=HOLIDAYS,
        label=HOLIDAYS_LABEL,
        optional=True,
        hint=HOLIDAYS_HINT,
        element=PlainTextInputElement(
            action_id=f"{HOLIDAYS}_input",
            max_length=HOLIDAYS_MAX,
            initial_value=code[:HOLIDAYS_MAX] if code else None,
            placeholder="e.g. DE-BY",
        ),
    )
