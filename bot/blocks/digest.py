"""The digest message posted to the team channel."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, ContextBlock, DividerBlock, HeaderBlock, MarkdownTextObject, SectionBlock

from bot.blocks.text import HEADER_TEXT_LIMIT, text_sections
from bot.digest.figures import DigestFigures
from bot.digest.headline import headline
from bot.digest.progress import Progress, progress_lines
from bot.digest.sections import PRIVACY_NOTE, SLACK_STYLE, digest_sections, digest_text, title
from bot.formatting import clip, slack_escape, week_label


def digest_blocks(figures: DigestFigures) -> list[Block]:
    blocks: list[Block] = [
        HeaderBlock(text=clip(title(figures), HEADER_TEXT_LIMIT)),
        SectionBlock(block_id="headline", text=MarkdownTextObject(text=f"*{slack_escape(headline(figures))}*")),
    ]
    for section in digest_sections(figures, SLACK_STYLE):
        blocks += text_sections(section.title, section.lines)
    blocks += [DividerBlock(), ContextBlock(elements=[MarkdownTextObject(text=PRIVACY_NOTE)])]
    return blocks


def progress_title(p: Progress) -> str:
    return f"Weekly AI retro: {p.team}, {week_label(p.week)} (still open)"


def progress_text(p: Progress) -> str:
    """The notification fallback (mrkdwn: the team name is escaped, as in the digest's)."""
    return "\n".join([slack_escape(progress_title(p)), *progress_lines(p)])


def progress_blocks(p: Progress) -> list[Block]:
    """An open week: how many have answered so far, and when the figures will be computed (none before)."""
    return [HeaderBlock(text=clip(progress_title(p), HEADER_TEXT_LIMIT)), *text_sections("So far", progress_lines(p))]


def view_blocks(view: DigestFigures | Progress) -> list[Block]:
    return progress_blocks(view) if isinstance(view, Progress) else digest_blocks(view)


def view_text(view: DigestFigures | Progress) -> str:
    return progress_text(view) if isinstance(view, Progress) else digest_text(view)
