"""The digest message posted to the team channel."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, ContextBlock, DividerBlock, HeaderBlock, MarkdownTextObject

from bot.blocks.text import HEADER_TEXT_LIMIT, text_sections
from bot.digest.figures import DigestFigures
from bot.digest.sections import PRIVACY_NOTE, SLACK_STYLE, digest_sections, title
from bot.formatting import clip


def digest_blocks(figures: DigestFigures) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text=clip(title(figures), HEADER_TEXT_LIMIT))]
    for section in digest_sections(figures, SLACK_STYLE):
        blocks += text_sections(section.title, section.lines)
    blocks += [DividerBlock(), ContextBlock(elements=[MarkdownTextObject(text=PRIVACY_NOTE)])]
    return blocks
