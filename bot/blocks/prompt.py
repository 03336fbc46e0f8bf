"""The weekly prompt DM, in its unanswered and answered forms."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot import formatting as fmt
from bot import vocabulary as v
from bot.formatting import plural

LOG_MOMENT = "log_moment"
DIDNT_HELP = "didnt_help"
SKIP_WEEK = "skip_week"
EDIT_MOMENT = "edit_moment"  # a logged moment's buttons (value: the moment's id), in the DM and the Home's list
DELETE_MOMENT = "delete_moment"
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
    moment_id: int | None = None  # with an id, the moment gets Edit and Delete buttons


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
                text=f"*{QUESTION}*\nTeam {fmt.slack_escape(team)}, {fmt.week_label(week)}. Takes under 30 seconds."
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
        elements=[
            MarkdownTextObject(
                text=f":wave: Reminder for the {fmt.week_label(week)}: still open. One click if AI didn't help."
            )
        ],
    )
    return [note, *prompt_blocks(team, week, delivery_id, tokens)]


def reminder_done_blocks(week: str) -> list[Block]:
    """The reminder once the member has answered (the answer itself shows on the prompt)."""
    text = f":white_check_mark: Answered for the {fmt.week_label(week)}, thanks. Your answer is on the prompt above."
    return [SectionBlock(block_id="reminder_note", text=MarkdownTextObject(text=text))]


def moment_line(m: LoggedMoment, chars: int = 150) -> str:
    return (
        f"• {v.OUTCOMES.get(m.outcome, m.outcome)}: {fmt.clip(fmt.slack_escape(fmt.one_line(m.what)), chars)} "
        f"(time saved: {v.TIME_SAVED.get(m.time_saved, m.time_saved).lower()})"
    )


def _delete_confirm(m: LoggedMoment, week: str) -> ConfirmObject:
    what = fmt.clip(fmt.one_line(m.what), 120)
    return ConfirmObject(
        title="Delete this moment?",
        text=PlainTextObject(
            text=f"\u201c{what}\u201d goes from your retro for the {fmt.week_label(week)}. You can't undo this."
        ),
        confirm="Delete",
        deny="Keep it",
        style="danger",
    )


def moment_blocks(m: LoggedMoment, week: str) -> list[Block]:
    """A logged moment's line and, when it has an id, its Edit and Delete (asks first) buttons."""
    line = SectionBlock(
        block_id=f"moment_{m.moment_id}" if m.moment_id else None, text=MarkdownTextObject(text=moment_line(m))
    )
    if m.moment_id is None:
        return [line]
    value = str(m.moment_id)
    buttons = ActionsBlock(
        block_id=f"moment_actions_{m.moment_id}",
        elements=[
            ButtonElement(action_id=EDIT_MOMENT, text="Edit", value=value),
            ButtonElement(
                action_id=DELETE_MOMENT, text="Delete", value=value, style="danger", confirm=_delete_confirm(m, week)
            ),
        ],
    )
    return [line, buttons]


def answered_blocks(
    team: str,
    week: str,
    delivery_id: int,
    tokens: TokenLine | None,
    answer: str,
    moments: Sequence[LoggedMoment],
) -> list[Block]:
    """The prompt after an answer: what was recorded, each moment with Edit and Delete, and a way to log
    (another) moment or change a one-click answer while the week is open."""
    listed: list[Block] = []
    if moments:
        status = (
            f":white_check_mark: You logged {plural(len(moments), 'moment')} this week. "
            f"You can change or delete {'it' if len(moments) == 1 else 'them'} until the digest is posted."
        )
        for m in moments[:MAX_LISTED_MOMENTS]:
            listed += moment_blocks(m, week)
        if len(moments) > MAX_LISTED_MOMENTS:
            more = len(moments) - MAX_LISTED_MOMENTS
            listed.append(ContextBlock(elements=[MarkdownTextObject(text=f"…and {more} more (all on your Home tab).")]))
        buttons = [_button(LOG_MOMENT, "Log another", delivery_id)]
    elif answer == v.DIDNT_HELP:
        status = ":white_check_mark: Recorded: AI didn't help you this week. That is useful data too, thanks."
        buttons = [
            _button(LOG_MOMENT, "Log where AI helped", delivery_id),
            _button(SKIP_WEEK, "Skip this week", delivery_id),
        ]
    else:
        status = ":white_check_mark: Skipped this week. See you next week."
        buttons = [
            _button(LOG_MOMENT, "Log where AI helped", delivery_id),
            _button(DIDNT_HELP, "AI didn't help this week", delivery_id),
        ]
    return _intro(team, week, tokens) + [
        SectionBlock(block_id="prompt_status", text=MarkdownTextObject(text=status)),
        *listed,
        ActionsBlock(block_id=ACTIONS_BLOCK, elements=buttons),
    ]
