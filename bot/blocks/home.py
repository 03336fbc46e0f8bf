"""The App Home tab, for the person looking at it (their own data and their teams' aggregates only),
and the digest preview a manager opens from it. Pure functions from plain data to Block Kit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot import formatting as fmt
from bot import vocabulary as v
from bot.blocks.digest import view_blocks
from bot.blocks.me import me_blocks
from bot.blocks.prompt import LoggedMoment, moment_blocks
from bot.blocks.summary import summary_blocks
from bot.blocks.text import SECTION_TEXT_LIMIT
from bot.digest.figures import DigestFigures
from bot.digest.progress import Progress
from bot.digest.sections import PRIVACY_NOTE
from bot.digest.summary import SummaryFigures
from bot.formatting import plural
from bot.services.summaries import MyWeek

HOME_LOG = "home_log_moment"
HOME_SETUP = "home_setup"
HOME_PREVIEW = "home_preview_digest"
HOME_POST = "home_post_digest"
HOME_BACK = "home_back"  # "I'm back": ends the viewer's away (``/airetro back``)
HOME_MOMENTS = "home_my_moments"  # opens the list of one's moments of the weeks still open, to edit or delete
MOMENTS_CALLBACK_ID = "my_moments"
PREVIEW_CALLBACK_ID = "home_digest_preview"

VIEW_BLOCKS = 100  # Slack's limit for a Home tab or a modal
MAX_TEAMS = 10  # teams listed per part of the Home; the rest are counted
TEAM_NAME_CHARS = 80
PREVIEW_NOTE = (
    "Preview: only you see this. *Post digest now* on your Home (or `/airetro digest post`) "
    "posts it to the team channel."
)
WELCOME = (
    "AI Retro asks your team once a week where AI actually helped (one click if it didn't) and posts a "
    "team digest that measures value, not token volume. Your own answers and token figures are shown "
    "to you only; managers see team totals."
)
NOT_IN_A_TEAM = (
    "You're not in a team yet. Your manager or a workspace admin adds you with `/airetro setup`; "
    "your weekly prompt, this week's status and your team's figures then show up here."
)
ADMIN_HINT = "You're a workspace admin: create a team with `/airetro setup`."
FOOTER = "`/airetro help` lists everything you can do. This page refreshes after every answer."


@dataclass(frozen=True)
class MyTeamWeek:
    """A team the viewer is a member of: when they are prompted next and their answer this week."""

    team_id: int
    team: str
    week: str
    zone: str  # the zone the prompt time is shown in (theirs or the team's)
    next_prompt: datetime | None  # aware; None when their prompts or the team are paused
    me_paused: bool
    team_paused: bool
    answer: str | None  # vocabulary answer; None: not asked yet this week
    moments: int = 0
    counted_in: str | None = None  # the team the viewer counts in instead (one team a week), if not this one
    team_paused_until: date | None = None  # the team is paused through this day (its own date), then runs again


@dataclass(frozen=True)
class TeamPanel:
    """A team's aggregate (privacy rules applied already) and whether the viewer may manage it."""

    team_id: int
    summary: SummaryFigures
    digest_week: str
    can_manage: bool


@dataclass(frozen=True)
class HomeData:
    my_teams: tuple[MyTeamWeek, ...] = ()
    more_my_teams: int = 0  # member of this many more teams than listed
    weeks: tuple[MyWeek, ...] = ()
    panels: tuple[TeamPanel, ...] = ()
    more_panels: int = 0
    is_admin: bool = False
    notice: str | None = None
    away_until: date | None = None  # the viewer is away through this day (``/airetro away until``)
    today: date | None = None  # the viewer's own date, for the year in dates


def _name(team: str) -> str:
    return fmt.slack_escape(fmt.clip(fmt.one_line(team), TEAM_NAME_CHARS))


def prompt_line(t: MyTeamWeek) -> str:
    if t.counted_in is not None:
        return (
            f"You count in *{_name(t.counted_in)}* (one team a week), so your prompt comes from there. "
            f"`/airetro primary {_name(t.team)}` counts you here instead."
        )
    if t.team_paused and t.team_paused_until is not None:
        return (
            f":double_vertical_bar: The team is paused by its managers through {fmt.day_label(t.team_paused_until)}: "
            "no prompts until then."
        )
    if t.team_paused:
        return ":double_vertical_bar: The team is paused by its managers: no prompts for now."
    if t.me_paused or t.next_prompt is None:
        return ":double_vertical_bar: Your prompts are paused. `/airetro resume` turns them back on."
    at = t.next_prompt
    return f"Next prompt: {at:%a %d %b}, {at:%H:%M} ({t.zone})"


def status_line(t: MyTeamWeek) -> str:
    week = f"This week ({fmt.week_label(t.week)}): "
    if t.answer == v.HELPED:
        return week + f":white_check_mark: answered, you logged {plural(t.moments, 'moment')}."
    if t.answer == v.DIDNT_HELP:
        return week + ":white_check_mark: answered, you said AI didn't help."
    if t.answer == v.SKIPPED:
        return week + "skipped."
    if t.answer == v.PENDING:
        return week + ":hourglass_flowing_sand: pending, not answered yet."
    if t.answer == v.AWAY:
        return week + "away (no prompt or reminder)."
    return week + "not asked yet."


def _status_block(t: MyTeamWeek) -> SectionBlock:
    text = f"*{_name(t.team)}*\n{prompt_line(t)}\n{status_line(t)}"
    logged = t.answer == v.HELPED
    button = ButtonElement(
        action_id=HOME_LOG,
        text="Log another" if logged else "Log where AI helped",
        value=str(t.team_id),
        style=None if logged else "primary",
    )
    return SectionBlock(
        block_id=f"home_status_{t.team_id}",
        text=MarkdownTextObject(text=fmt.clip(text, SECTION_TEXT_LIMIT)),
        accessory=button,
    )


def _moments_button(t: MyTeamWeek) -> ActionsBlock:
    """Under a week with moments: the way to change or delete them (a list, each with Edit and Delete)."""
    text = "Edit or delete your moment" if t.moments == 1 else "Edit or delete your moments"
    return ActionsBlock(
        block_id=f"home_moments_{t.team_id}",
        elements=[ButtonElement(action_id=HOME_MOMENTS, text=text, value=str(t.team_id))],
    )


def _status_blocks(t: MyTeamWeek) -> list[Block]:
    blocks: list[Block] = [_status_block(t)]
    if t.answer == v.HELPED and t.moments and t.counted_in is None:
        blocks.append(_moments_button(t))
    return blocks


@dataclass(frozen=True)
class MomentsWeek:
    """One of the viewer's weeks still open, and what they logged in it."""

    team: str
    week: str
    answer: str
    moments: tuple[LoggedMoment, ...]


MAX_MODAL_MOMENTS = 40  # two blocks each, within a modal's 100


def my_moments_view(weeks: list[MomentsWeek], team_id: int, notice: str | None = None) -> View:
    """A modal listing the viewer's moments of the weeks still open, each with Edit and Delete."""
    blocks: list[Block] = [_notice(notice)] if notice else []
    shown = 0
    for w in weeks:
        count = plural(len(w.moments), "moment") if w.moments else "no moments"
        head = f"*{_name(w.team)}, {fmt.week_label(w.week)}*: {count} logged"
        blocks.append(SectionBlock(text=MarkdownTextObject(text=head)))
        for m in w.moments:
            if shown == MAX_MODAL_MOMENTS:
                break
            blocks += moment_blocks(m, w.week)
            shown += 1
    total = sum(len(w.moments) for w in weeks)
    if not total:
        nothing = "Nothing logged in a week that is still open, so there is nothing to change."
        blocks.append(SectionBlock(text=MarkdownTextObject(text=nothing)))
    elif total > shown:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"…and {total - shown} more.")]))
    blocks.append(
        ContextBlock(
            elements=[MarkdownTextObject(text="You can change or delete a moment until its week's digest is posted.")]
        )
    )
    return View(
        type="modal",
        callback_id=MOMENTS_CALLBACK_ID,
        title="Your moments",
        close="Done",
        private_metadata=str(team_id),
        blocks=blocks[:VIEW_BLOCKS],
    )


def _post_confirm(panel: TeamPanel) -> ConfirmObject:
    text = (
        f"Post the digest of the {fmt.week_label(panel.digest_week)} for "
        f"{fmt.clip(fmt.one_line(panel.summary.team), TEAM_NAME_CHARS)} "
        "to the team channel now? Everyone there sees it. Posting closes the week: its figures are computed "
        "now, once, and answers after this don't change them."
    )
    return ConfirmObject(
        title="Post the digest now?",
        text=PlainTextObject(text=fmt.clip(text, 300)),
        confirm="Post it",
        deny="Cancel",
    )


def manager_actions(panel: TeamPanel) -> ActionsBlock:
    value = str(panel.team_id)
    return ActionsBlock(
        block_id=f"home_manage_{panel.team_id}",
        elements=[
            ButtonElement(action_id=HOME_SETUP, text="Set up", value=value),
            ButtonElement(action_id=HOME_PREVIEW, text="Preview digest", value=value),
            ButtonElement(action_id=HOME_POST, text="Post digest now", value=value, confirm=_post_confirm(panel)),
        ],
    )


def panel_blocks(panel: TeamPanel) -> list[Block]:
    blocks = summary_blocks(panel.summary, header=False)
    if panel.can_manage:
        blocks.append(manager_actions(panel))
    return blocks


def _more(count: int, what: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=f"…and {plural(count, 'more team')} {what}.")])


def _notice(text: str) -> SectionBlock:
    return SectionBlock(block_id="home_notice", text=MarkdownTextObject(text=fmt.clip(text, SECTION_TEXT_LIMIT)))


def away_block(until: date, today: date | None = None) -> SectionBlock:
    """The viewer is away: until when, and "I'm back" to end it sooner."""
    text = f":palm_tree: You're away until {fmt.day_label(until, today)}: no prompts or reminders."
    return SectionBlock(
        block_id="home_away",
        text=MarkdownTextObject(text=text),
        accessory=ButtonElement(action_id=HOME_BACK, text="I'm back", value="back"),
    )


def _my_part(data: HomeData) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text="Your weekly retro")]
    if data.away_until is not None:
        blocks.append(away_block(data.away_until, data.today))
    for t in data.my_teams[:MAX_TEAMS]:
        blocks += _status_blocks(t)
    hidden = data.more_my_teams + max(0, len(data.my_teams) - MAX_TEAMS)
    if hidden:
        blocks.append(_more(hidden, "not listed here: `/airetro log <team>` logs to any of them"))
    blocks.append(DividerBlock())
    blocks += me_blocks(list(data.weeks), header=False)
    return blocks


def _welcome(data: HomeData) -> list[Block]:
    text = f"{WELCOME}\n\n{NOT_IN_A_TEAM}"
    if data.is_admin:
        text += f"\n\n{ADMIN_HINT}"
    blocks: list[Block] = [HeaderBlock(text="Welcome to AI Retro"), SectionBlock(text=MarkdownTextObject(text=text))]
    if any(w.answer is not None or w.tokens is not None for w in data.weeks):
        blocks += [DividerBlock(), *me_blocks(list(data.weeks), header=False)]
    return blocks


def home_blocks(data: HomeData) -> list[Block]:
    """The Home tab: the viewer's own part, then their teams' aggregates, within 100 blocks."""
    blocks: list[Block] = [_notice(data.notice)] if data.notice else []
    if not data.my_teams and not data.panels:
        return [*blocks, *_welcome(data), ContextBlock(elements=[MarkdownTextObject(text=FOOTER)])]
    if data.my_teams:
        blocks += _my_part(data)
    elif data.is_admin:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=f"You're not a member of a team. {ADMIN_HINT}")))
    if data.panels:
        blocks += [DividerBlock()] if blocks else []
        blocks += [HeaderBlock(text=f"Your teams, last {plural(len(data.panels[0].summary.weeks), 'week')}")]
    tail = 3  # the "more teams" line, the privacy note and the footer
    shown = 0
    for panel in data.panels[:MAX_TEAMS]:
        part = panel_blocks(panel)
        if len(blocks) + len(part) + tail > VIEW_BLOCKS:
            break
        blocks += part
        shown += 1
    hidden = data.more_panels + len(data.panels) - shown
    if hidden:
        blocks.append(_more(hidden, "not shown: `/airetro summary <team>` shows any of them"))
    if data.panels:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=PRIVACY_NOTE)]))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=FOOTER)]))
    return blocks[:VIEW_BLOCKS]


def home_view(data: HomeData) -> View:
    return View(type="home", blocks=home_blocks(data))


def digest_preview_view(figures: DigestFigures | Progress) -> View:
    """This week's digest (or, while the week is open, how it is going) in a modal only the manager sees."""
    note = ContextBlock(elements=[MarkdownTextObject(text=PREVIEW_NOTE)])
    blocks = [note, *view_blocks(figures)]
    return View(
        type="modal",
        callback_id=PREVIEW_CALLBACK_ID,
        title="Digest preview",
        close="Close",
        blocks=blocks[:VIEW_BLOCKS],
    )
