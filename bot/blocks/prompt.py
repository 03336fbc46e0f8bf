"""The weekly prompt DM, in its unanswered and answered forms."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot import formatting as fmt
from bot import vocabulary as v

LOG_MOMENT = "log_moment"
DIDNT_HELP = "didnt_help"
SKIP_WEEK = "skip_week"
ACTIONS_BLOCK = "prompt_actions"
MAX_LISTED_MOMENTS = 10
QUESTION = "Weekly AI retro: where did AI actually help you this week?"
REMINDER = "Reminder: where did AI help you this week? One click if it didn't."


@dataclass(frozen=True)
class TokenLine:
    tokens: int
    cost_usd: float
    top_model: str | None


@dataclass(frozen=True)
class LoggedMoment:
    outcome: str
    what: str
    time_saved: str


def token_line(summary: TokenLine) -> str:
    usage = f"{fmt.tokens(summary.tokens)} tokens, ~{fmt.dollars(summary.cost_usd)}"
    text = f"Your AI usage this week (only you see this): {usage}"
    if summary.top_model:
        text += f", mostly {summary.top_model}"
    return text + "."


def _intro(team: str, week: str, tokens: TokenLine | None) -> list[Block]:
    blocks: list[Block] = [
        SectionBlock(
            block_id="prompt_question",
            text=MarkdownTextObject(
                text=f"*{QUESTION}*\nTeam {fmt.slack_escape(team)}, {week}. Takes under 30 seconds."
            ),
        )
    ]
    if tokens is not None and tokens.tokens:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=token_line(tokens))]))
    return blocks


def _button(action_id: str, text: str, delivery_id: int, style: str | None = None) -> ButtonElement:
    return ButtonElement(action_id=action_id, text=text, value=str(delivery_id), style=style)


def prompt_blocks(team: str, week: str, delivery_id: int, tokens: TokenLine | None) -> list[Block]:
    """The unanswered prompt: three one-click answers."""
    return _intro(team, week, tokens) + [
        ActionsBlock(
            block_id=ACTIONS_BLOCK,
            elements=[
                _button(LOG_MOMENT, "Log where AI helped", delivery_id, style="primary"),
                _button(DIDNT_HELP, "AI didn't help this week", delivery_id),
                _button(SKIP_WEEK, "Skip this week", delivery_id),
            ],
        )
    ]


def reminder_blocks(team: str, week: str, delivery_id: int, tokens: TokenLine | None) -> list[Block]:
    """The one reminder: the same three answers, under a line saying why it came again."""
    note = ContextBlock(
        block_id="reminder_note",
        elements=[MarkdownTextObject(text=f":wave: Reminder for {week}: still open. One click if AI didn't help.")],
    )
    return [note, *prompt_blocks(team, week, delivery_id, tokens)]


def reminder_done_blocks(week: str) -> list[Block]:
    """The reminder once the member has answered (the answer itself shows on the prompt)."""
    text = f":white_check_mark: Answered for {week}, thanks. Your answer is on the prompt above."
    return [SectionBlock(block_id="reminder_note", text=MarkdownTextObject(text=text))]


def answered_blocks(
    team: str,
    week: str,
    delivery_id: int,
    tokens: TokenLine | None,
    answer: str,
    moments: Sequence[LoggedMoment],
) -> list[Block]:
    """The prompt after an answer: what was recorded, and a way to log (another) moment."""
    if moments:
        lines = [
            f"• {v.OUTCOMES[m.outcome]}: {fmt.clip(fmt.slack_escape(fmt.one_line(m.what)), 150)} "
            f"(time saved: {v.TIME_SAVED[m.time_saved].lower()})"
            for m in moments[:MAX_LISTED_MOMENTS]
        ]
        if len(moments) > MAX_LISTED_MOMENTS:
            lines.append(f"…and {len(moments) - MAX_LISTED_MOMENTS} more")
        status = f":white_check_mark: You logged {len(moments)} moment(s) this week:\n" + "\n".join(lines)
        button = "Log another"
    elif answer == v.DIDNT_HELP:
        status = ":white_check_mark: Recorded: AI didn't help you this week. That is useful data too, thanks."
        button = "Log a moment after all"
    else:
        status = ":white_check_mark: Skipped this week. See you next week."
        button = "Log a moment after all"
    return _intro(team, week, tokens) + [
        SectionBlock(block_id="prompt_status", text=MarkdownTextObject(text=status)),
        ActionsBlock(block_id=ACTIONS_BLOCK, elements=[_button(LOG_MOMENT, button, delivery_id)]),
    ]
