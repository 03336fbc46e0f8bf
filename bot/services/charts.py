"""The digest's chart for a team: its last weeks' figures gathered from storage, drawn, and uploaded into
the digest's thread (files upload v2: ``files.getUploadURLExternal``, the bytes, ``files.completeUploadExternal``).

A digest never depends on its chart: drawing it is tried before the digest is posted (so the digest can
say when there is nothing to draw), uploading after; either failing is logged and the digest stands. An
upload whose answer is lost is settled by looking for the file in the digest's thread, never re-sent blind.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject

from bot.digest.figures import DigestFigures
from bot.services import once
from storage.models import Team

log = logging.getLogger(__name__)
CHART_WEEKS = 8
NO_CHART = "No chart this week: no weeks with enough answers to draw yet."
UPLOAD_FAILED = "digest for %s %s posted, but its chart could not be uploaded: %s"
MESSAGE_BLOCKS = 50  # Slack's limit for one message
CHART_COMMENT = (
    f"Moments logged and hours saved (bars) against token volume (line), last {CHART_WEEKS} weeks. "
    "Weeks below the privacy threshold are withheld, never drawn as zero."
)


@dataclass(frozen=True)
class DigestChart:
    png: bytes | None
    drawable: bool  # False: no week has figures that may be shown (the digest says so instead of a chart)


def draw(team: Team, weeks: Sequence[DigestFigures]) -> bytes | None:
    """PNG of the team's weeks (oldest first); ``None`` if no week may be shown."""
    from bot.charts.weekly import weekly_chart  # matplotlib (and its font cache) loads on the first chart

    return weekly_chart(team.name, list(weeks))


def chart_filename(team: Team, week: str) -> str:
    slug = "-".join("".join(c if c.isalnum() else " " for c in team.name.lower()).split()) or "team"
    return f"airetro-{slug}-{week}.png"


def chart_title(team: Team) -> str:
    return f"{team.name}: value vs token volume, last {CHART_WEEKS} weeks"


def upload_chart(client: WebClient, team: Team, week: str, channel: str, thread_ts: str, png: bytes) -> None:
    client.files_upload_v2(
        channel=channel,
        thread_ts=thread_ts,
        content=png,
        filename=chart_filename(team, week),
        title=chart_title(team),
        initial_comment=CHART_COMMENT,
    )
    log.info("uploaded the digest chart for %s %s", team.name, week)


def prepare_digest_chart(team: Team, week: str, weeks: Sequence[DigestFigures]) -> DigestChart:
    """The chart of a digest about to be posted, from the weeks the digest already gathered (oldest first,
    ending with ``week``); a drawing failure is logged and the digest goes without one."""
    try:
        png = draw(team, weeks[-CHART_WEEKS:])
    except Exception:
        log.exception("could not draw the chart for %s %s; the digest goes without it", team.name, week)
        return DigestChart(None, drawable=True)
    return DigestChart(png, drawable=png is not None)


def with_chart_note(blocks: list[Block], chart: DigestChart) -> list[Block]:
    """The digest's blocks, ending with the no-chart sentence when there is nothing to draw."""
    if chart.drawable or len(blocks) >= MESSAGE_BLOCKS:
        return blocks
    return [*blocks, ContextBlock(elements=[MarkdownTextObject(text=NO_CHART)])]


def attach_digest_chart(
    client: WebClient,
    team: Team,
    week: str,
    chart: DigestChart,
    channel: str,
    thread_ts: str,
    *,
    look_first: bool = False,
) -> str | None:
    """Upload the prepared chart into the posted digest's thread once; never raises. Returns the chart's
    state for the digest row: ``attached``, ``failed`` (Slack refused it; logged), ``unknown`` (no answer and
    the thread could not be read: settled later), or None when there is no chart.

    An upload whose answer is lost is settled by looking for the file in the thread before it is tried
    again, once; ``look_first`` looks before the first try too (settling an earlier attempt)."""
    if chart.png is None:
        return None
    name = chart_filename(team, week)
    if look_first:
        found = _in_thread(client, channel, thread_ts, name)
        if found is not False:
            return "attached" if found else "unknown"
    for _try in range(2):
        try:
            upload_chart(client, team, week, channel, thread_ts, chart.png)
            return "attached"
        except Exception as error:  # noqa: BLE001 - a chart never takes its digest down
            try:
                result = once.outcome_of(error)
            except Exception:  # not Slack's or the network's: a bug, logged with its traceback
                log.exception("digest for %s %s posted, but its chart could not be uploaded", team.name, week)
                return "failed"
        if result.outcome == "refused":
            log.warning(UPLOAD_FAILED, team.name, week, result.error)
            return "failed"
        found = _in_thread(client, channel, thread_ts, name)  # unknown: is it there after all?
        if found is not False:
            return "attached" if found else "unknown"
    log.warning(UPLOAD_FAILED, team.name, week, result.error)
    return "failed"


def _in_thread(client: WebClient, channel: str, thread_ts: str, name: str) -> bool | None:
    """True/False: the chart is/isn't in the thread; None: Slack could not be asked."""
    try:
        return once.file_in_thread(client, channel, thread_ts, name)
    except once.CannotCheck as error:
        log.warning("could not look for the chart %s: %s", name, error)
        return None
