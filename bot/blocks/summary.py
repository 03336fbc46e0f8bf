"""``/airetro summary`` (and the Home tab's team part): a team's aggregate over several weeks."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, ContextBlock, HeaderBlock, MarkdownTextObject

from bot.blocks.text import HEADER_TEXT_LIMIT, text_sections
from bot.digest.sections import PRIVACY_NOTE
from bot.digest.summary import SummaryFigures, summary_lines
from bot.formatting import clip, plural, slack_escape


def summary_title(s: SummaryFigures) -> str:
    return f"AI retro summary: {s.team}, last {plural(len(s.weeks), 'week')}"


def summary_text(s: SummaryFigures) -> str:
    """The notification fallback and terminal form."""
    return "\n".join([slack_escape(summary_title(s)), *summary_lines(s)])


def summary_blocks(s: SummaryFigures, *, header: bool = True) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text=clip(summary_title(s), HEADER_TEXT_LIMIT))] if header else []
    title = "Team aggregate" if header else f"{slack_escape(s.team)}: last {plural(len(s.weeks), 'week')}"
    blocks += text_sections(title, summary_lines(s))
    if header:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=PRIVACY_NOTE)]))
    return blocks
