"""The digest message posted to the team channel."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, ContextBlock, DividerBlock, HeaderBlock, MarkdownTextObject, SectionBlock

from bot.digest.figures import DigestFigures
from bot.digest.sections import PRIVACY_NOTE, SLACK_STYLE, digest_sections, title
from bot.formatting import clip

SECTION_TEXT_LIMIT = 3000
HEADER_TEXT_LIMIT = 150


def _chunks(lines: list[str], limit: int) -> list[str]:
    """Join lines into texts of at most ``limit`` characters, never splitting a line that fits."""
    chunks: list[str] = []
    for line in (clip(line, limit) for line in lines):
        if chunks and len(chunks[-1]) + 1 + len(line) <= limit:
            chunks[-1] += "\n" + line
        else:
            chunks.append(line)
    return chunks


def digest_blocks(figures: DigestFigures) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text=clip(title(figures), HEADER_TEXT_LIMIT))]
    for section in digest_sections(figures, SLACK_STYLE):
        lines = [f"• {line}" if len(section.lines) > 1 else line for line in section.lines]
        for chunk in _chunks([f"*{section.title}*", *lines], SECTION_TEXT_LIMIT):
            blocks.append(SectionBlock(text=MarkdownTextObject(text=chunk)))
    blocks += [DividerBlock(), ContextBlock(elements=[MarkdownTextObject(text=PRIVACY_NOTE)])]
    return blocks
