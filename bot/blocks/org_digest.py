"""The org roll-up message posted to a leadership channel."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, ContextBlock, DividerBlock, HeaderBlock, MarkdownTextObject

from bot.blocks.text import HEADER_TEXT_LIMIT, text_sections
from bot.digest.org import PRIVACY_NOTE, OrgFigures, org_sections, org_title
from bot.formatting import clip, slack_escape


def org_digest_blocks(org: OrgFigures) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text=clip(org_title(org), HEADER_TEXT_LIMIT))]
    for section in org_sections(org, slack_escape):
        blocks += text_sections(section.title, section.lines)
    blocks += [DividerBlock(), ContextBlock(elements=[MarkdownTextObject(text=PRIVACY_NOTE)])]
    return blocks
