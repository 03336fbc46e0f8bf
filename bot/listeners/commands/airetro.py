"""``/airetro``: the slash command. Replies are ephemeral (the ack body of a slash command)."""

from __future__ import annotations

from slack_bolt import Ack

HELP = (
    "*AI Retro* asks you once a week where AI actually helped (or wasted your time), and posts a team "
    "digest of outcomes per token: value, not volume. Your answers and your token figures are yours alone; "
    "the team sees aggregates, and free text only if you share it.\n"
    "• Answer the weekly DM with one click, or log a moment with *Log where AI helped*.\n"
    "• `/airetro help` shows this message."
)


def usage_hint(text: str) -> str:
    return f"Sorry, I don't know `/airetro {text}`. Try `/airetro help`."


def airetro_command(ack: Ack, command: dict) -> None:
    text = (command.get("text") or "").strip()
    if text in ("", "help"):
        ack(text=HELP, response_type="ephemeral")
    else:
        ack(text=usage_hint(text), response_type="ephemeral")
