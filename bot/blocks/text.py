"""Long text in Block Kit: lines packed into section blocks within Slack's 3,000-character limit."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block, MarkdownTextObject, SectionBlock

from bot.formatting import clip

SECTION_TEXT_LIMIT = 3000
HEADER_TEXT_LIMIT = 150


def chunk_lines(lines: Sequence[str], limit: int = SECTION_TEXT_LIMIT) -> list[str]:
    """Join lines into texts of at most ``limit`` characters, never splitting a line that fits."""
    chunks: list[str] = []
    for line in (clip(line, limit) for line in lines):
        if chunks and len(chunks[-1]) + 1 + len(line) <= limit:
            chunks[-1] += "\n" + line
        else:
            chunks.append(line)
    return chunks


def text_sections(title: str, lines: Sequence[str]) -> list[Block]:
    """A titled list as section blocks (bulleted when it has several lines)."""
    shown = [f"• {line}" if len(lines) > 1 else line for line in lines]
    return [SectionBlock(text=MarkdownTextObject(text=chunk)) for chunk in chunk_lines([f"*{title}*", *shown])]
