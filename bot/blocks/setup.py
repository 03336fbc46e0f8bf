"""The team setup modal (``/airetro setup``, App Home), the reading/validation of its submission and the
confirmation sent after saving. Pure functions: values in, Block Kit or errors out.

Block ids are stable (tests and Slack's inline errors use them); the modal has a fixed number of blocks
whatever the size of the team, and at most 100 user group options (Slack's limit per select).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ContextBlock,
    ConversationFilter,
    ConversationSelectElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
    TimePickerElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks.holidays_field import HOLIDAYS, holidays_block
from bot.blocks.text import SECTION_TEXT_LIMIT
from bot.formatting import clip, slack_escape
from bot.holiday_calendar import holidays_text, parse_holidays
from bot.parse_input import MAX_ID, ascii_int, choice_index
from bot.schedule_spec import MAX_REMINDER_HOURS, Slot, parse_tz
from storage.privacy import PRIVACY_FLOOR

CALLBACK_ID = "team_setup_modal"
NAME_MAX = 80
TZ_MAX = 64
MIN_RESPONDENTS_MAX = 50
MAX_OPTIONS = 100  # Slack's limit of options in one select menu
OPTION_TEXT_MAX = 75
MENTIONS_SHOWN = 20

NAME = "name"
CHANNEL = "channel"
MEMBERSHIP = "membership"
MEMBERS = "members"
USERGROUP = "usergroup"
MANAGERS = "managers"
PROMPT_DAY = "prompt_day"
PROMPT_TIME = "prompt_time"
REMINDER_HOURS = "reminder_hours"
DIGEST_DAY = "digest_day"
DIGEST_TIME = "digest_time"
TZ = "tz"
MIN_RESPONDENTS = "min_respondents"
MIN_RESPONDENTS_HINT = (
    f"At least {PRIVACY_FLOOR}. A week's figures are computed once, when it closes, over the people it prompted; "
    "with fewer answers than this nothing but the answer count is shown, and tokens, dollars and provider "
    "activity need this many people with data. Each person counts in one team a week."
)
MOVED = "a prompt day that is one moves to the next working day"
SHARE_FREE_TEXT = "share_free_text"
SHARE = "share"

MEMBERSHIP_CHOICES = {
    "people": "People I pick",
    "channel": "Everyone in the digest channel",
    "usergroup": "A user group",
}
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
RESERVED_NAMES = ("new",)  # `/airetro setup new` means a new team

_TIME_RE = re.compile(r"([0-9]{1,2}):([0-9]{2})")  # ASCII digits: \d admits "٣"
_USER_RE = re.compile(r"^[UW][A-Z0-9]{2,}$")
_CHANNEL_RE = re.compile(r"^[CG][A-Z0-9]{2,}$")
_USERGROUP_RE = re.compile(r"^S[A-Z0-9]{2,}$")


@dataclass(frozen=True)
class UserGroup:
    id: str
    handle: str
    name: str


@dataclass(frozen=True)
class SetupValues:
    """A team's setup as the form shows it, or as a valid submission holds it."""

    name: str
    channel_id: str | None
    membership: str
    member_ids: tuple[str, ...]
    usergroup_id: str | None
    manager_ids: tuple[str, ...]
    prompt: Slot
    reminder_hours: int
    digest: Slot
    tz: str
    min_respondents: int
    share_free_text: bool
    holidays: str | None = None  # "DE-BY" (bot/holiday_calendar.py); None: no public holidays


def new_team_values(caller_id: str, tz: str | None) -> SetupValues:
    """The form for a new team: the caller manages it; Monday 10:00 prompts, Friday 16:00 digest."""
    try:
        zone = parse_tz(tz).key if tz else "UTC"
    except ValueError:
        zone = "UTC"
    return SetupValues(
        name="",
        channel_id=None,
        membership="people",
        member_ids=(),
        usergroup_id=None,
        manager_ids=(caller_id,),
        prompt=Slot(0, "10:00"),
        reminder_hours=24,
        digest=Slot(4, "16:00"),
        tz=zone,
        min_respondents=3,
        share_free_text=True,
    )


def values_of(team: Any, member_ids: Sequence[str], manager_ids: Sequence[str]) -> SetupValues:
    """A stored team (``storage.models.Team``) as form values."""
    return SetupValues(
        name=team.name,
        channel_id=team.channel_id,
        membership=team.membership if team.membership in MEMBERSHIP_CHOICES else "people",
        member_ids=tuple(member_ids),
        usergroup_id=team.usergroup_id,
        manager_ids=tuple(manager_ids),
        prompt=Slot(team.prompt_weekday, team.prompt_time),
        reminder_hours=team.reminder_hours,
        digest=Slot(team.digest_weekday, team.digest_time),
        tz=team.tz,
        min_respondents=team.min_respondents,
        share_free_text=team.share_free_text,
        holidays=team.holidays,
    )


def action_id(block_id: str) -> str:
    return f"{block_id}_input"


# -- the modal -----------------------------------------------------------------------------------


def _option(value: str, text: str) -> Option:
    return Option(value=value, text=clip(text, OPTION_TEXT_MAX))


def _day_options() -> list[Option]:
    return [_option(str(i), day) for i, day in enumerate(DAY_NAMES)]


def _group_label(group: UserGroup) -> str:
    return f"{group.name} (@{group.handle})" if group.name else f"@{group.handle}"


def usergroup_choices(groups: Sequence[UserGroup], current: str | None) -> tuple[list[UserGroup], int]:
    """At most 100 groups by name, always including ``current``; also how many there are in all."""
    ordered = sorted(groups, key=lambda g: (g.name.lower(), g.handle.lower()))
    shown = ordered[:MAX_OPTIONS]
    if current and current not in {g.id for g in shown}:
        chosen = next((g for g in ordered if g.id == current), UserGroup(current, current, "the team's current group"))
        shown = [chosen, *ordered[: MAX_OPTIONS - 1]]
    total = len(ordered) + (0 if current is None or any(g.id == current for g in ordered) else 1)
    return shown, total


def _day_time(block_day: str, block_time: str, label: str, slot: Slot) -> list[Block]:
    return [
        InputBlock(
            block_id=block_day,
            label=f"{label}: day",
            element=StaticSelectElement(
                action_id=action_id(block_day),
                options=_day_options(),
                initial_option=_option(str(slot.weekday), DAY_NAMES[slot.weekday]),
            ),
        ),
        InputBlock(
            block_id=block_time,
            label=f"{label}: time",
            element=TimePickerElement(action_id=action_id(block_time), initial_time=slot.hhmm),
        ),
    ]


def setup_view(values: SetupValues, team_id: int | None, usergroups: Sequence[UserGroup]) -> View:
    """The setup modal: empty but for defaults for a new team (``team_id`` None), prefilled when editing."""
    membership_options = [_option(k, v) for k, v in MEMBERSHIP_CHOICES.items()]
    groups, total_groups = usergroup_choices(usergroups, values.usergroup_id)
    if not groups:
        membership_options = [o for o in membership_options if o.value != "usergroup"]
    membership = values.membership if any(o.value == values.membership for o in membership_options) else "people"
    channel = ConversationSelectElement(
        action_id=action_id(CHANNEL),
        placeholder="Choose a channel",
        filter=ConversationFilter(include=["public", "private"]),
        initial_conversation=values.channel_id,
        default_to_current_conversation=True if values.channel_id is None else None,
    )
    blocks: list[Block] = [
        InputBlock(
            block_id=NAME,
            label="Team name",
            element=PlainTextInputElement(
                action_id=action_id(NAME),
                max_length=NAME_MAX,
                initial_value=values.name[:NAME_MAX] or None,
                placeholder="e.g. Payments",
            ),
        ),
        InputBlock(
            block_id=CHANNEL,
            label="Digest channel",
            hint="The weekly digest is posted here. Invite AI Retro to it (/invite @AI Retro).",
            element=channel,
        ),
        HeaderBlock(text="Who"),
        InputBlock(
            block_id=MEMBERSHIP,
            label="Members are",
            hint="A channel or user group is read again every week, just before the prompts.",
            element=RadioButtonsElement(
                action_id=action_id(MEMBERSHIP),
                options=membership_options,
                initial_option=_option(membership, MEMBERSHIP_CHOICES[membership]),
            ),
        ),
        InputBlock(
            block_id=MEMBERS,
            label="Members (when you pick them)",
            optional=True,
            hint="Each member gets the weekly prompt. Needed for \u201cPeople I pick\u201d; ignored otherwise.",
            element=UserMultiSelectElement(
                action_id=action_id(MEMBERS),
                placeholder="Pick people",
                initial_users=list(values.member_ids) if membership == "people" and values.member_ids else None,
            ),
        ),
    ]
    if groups:
        hint = "Needed for \u201cA user group\u201d; ignored otherwise."
        if total_groups > len(groups):
            hint += f" Showing {len(groups)} of {total_groups} user groups (Slack's limit), by name."
        current = next((g for g in groups if g.id == values.usergroup_id), None)
        blocks.append(
            InputBlock(
                block_id=USERGROUP,
                label="User group",
                optional=True,
                hint=hint,
                element=StaticSelectElement(
                    action_id=action_id(USERGROUP),
                    placeholder="Choose a user group",
                    options=[_option(g.id, _group_label(g)) for g in groups],
                    initial_option=_option(current.id, _group_label(current)) if current else None,
                ),
            )
        )
    else:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text="No user groups found in this workspace.")]))
    blocks += [
        InputBlock(
            block_id=MANAGERS,
            label="Managers",
            hint="Managers change this setup, preview and post the digest. They see the team's aggregate only.",
            element=UserMultiSelectElement(
                action_id=action_id(MANAGERS),
                placeholder="Pick managers",
                initial_users=list(values.manager_ids) or None,
            ),
        ),
        DividerBlock(),
        HeaderBlock(text="When"),
        *_day_time(PROMPT_DAY, PROMPT_TIME, "Weekly prompt", values.prompt),
        InputBlock(
            block_id=REMINDER_HOURS,
            label="Reminder, hours after the prompt",
            hint=f"0 for no reminder; at most {MAX_REMINDER_HOURS}.",
            element=NumberInputElement(
                action_id=action_id(REMINDER_HOURS),
                is_decimal_allowed=False,
                min_value=0,
                max_value=MAX_REMINDER_HOURS,
                initial_value=str(values.reminder_hours),
            ),
        ),
        *_day_time(DIGEST_DAY, DIGEST_TIME, "Digest", values.digest),
        InputBlock(
            block_id=TZ,
            label="Time zone",
            hint="An IANA time zone such as Europe/Berlin or America/New_York.",
            element=PlainTextInputElement(action_id=action_id(TZ), max_length=TZ_MAX, initial_value=values.tz[:TZ_MAX]),
        ),
        holidays_block(values.holidays),
        DividerBlock(),
        HeaderBlock(text="Privacy"),
        InputBlock(
            block_id=MIN_RESPONDENTS,
            label="Minimum respondents",
            hint=MIN_RESPONDENTS_HINT,
            element=NumberInputElement(
                action_id=action_id(MIN_RESPONDENTS),
                is_decimal_allowed=False,
                min_value=PRIVACY_FLOOR,
                max_value=MIN_RESPONDENTS_MAX,
                initial_value=str(values.min_respondents),
            ),
        ),
        InputBlock(
            block_id=SHARE_FREE_TEXT,
            label="Free text in the digest",
            optional=True,
            element=CheckboxesElement(
                action_id=action_id(SHARE_FREE_TEXT),
                options=[_share_option()],
                initial_options=[_share_option()] if values.share_free_text else None,
            ),
        ),
    ]
    return View(
        type="modal",
        callback_id=CALLBACK_ID,
        title="Team setup" if team_id is not None else "New team",
        submit="Save",
        close="Cancel",
        private_metadata=json.dumps({"team_id": team_id}),
        blocks=blocks,
    )


def _share_option() -> Option:
    return Option(
        value=SHARE,
        text="Members may share what they wrote",
        description=PlainTextObject(text="Only when they choose to, anonymously or named."),
    )


def setup_target(private_metadata: str) -> int | None:
    """The team id the form edits (None: a new team); ValueError when the metadata is not ours."""
    try:
        meta = json.loads(private_metadata or "")
    except (TypeError, ValueError, RecursionError):
        raise ValueError("not a setup form") from None
    if not isinstance(meta, dict) or "team_id" not in meta:
        raise ValueError("not a setup form")
    team_id = meta["team_id"]
    if team_id is None:
        return None
    if isinstance(team_id, int) and not isinstance(team_id, bool) and 0 < team_id <= MAX_ID:
        return team_id
    raise ValueError("not a setup form")


# -- reading a submission ------------------------------------------------------------------------


@dataclass(frozen=True)
class SetupSubmission:
    name: str  # as typed, spaces collapsed (checked against other teams' names even when other fields are wrong)
    values: SetupValues | None  # None when there are errors
    errors: dict[str, str]


def _element(state: Mapping[str, Any], block_id: str) -> dict:
    block = state.get(block_id)
    element = block.get(action_id(block_id)) if isinstance(block, Mapping) else None
    return element if isinstance(element, dict) else {}


def _text(state: Mapping[str, Any], block_id: str) -> str:
    value = _element(state, block_id).get("value")
    return value.strip() if isinstance(value, str) else ""


def _chosen(state: Mapping[str, Any], block_id: str) -> str | None:
    option = _element(state, block_id).get("selected_option")
    value = option.get("value") if isinstance(option, dict) else None
    return value if isinstance(value, str) else None


def _users(state: Mapping[str, Any], block_id: str) -> list[str] | None:
    """Picked user ids (each once, in order); None when a value is not a user id."""
    users = _element(state, block_id).get("selected_users") or []
    if not isinstance(users, list) or not all(isinstance(u, str) and _USER_RE.match(u) for u in users):
        return None
    return list(dict.fromkeys(users))


def _channel(state: Mapping[str, Any]) -> str | None:
    element = _element(state, CHANNEL)
    value = element.get("selected_conversation") or element.get("selected_channel")
    return value if isinstance(value, str) else None


def _hhmm(state: Mapping[str, Any], block_id: str) -> str | None:
    value = _element(state, block_id).get("selected_time")
    match = _TIME_RE.fullmatch(value) if isinstance(value, str) else None
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        return None
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def _day(state: Mapping[str, Any], block_id: str) -> int | None:
    return choice_index(_chosen(state, block_id), len(DAY_NAMES))


def _whole_number(state: Mapping[str, Any], block_id: str) -> int | None:
    return ascii_int(_text(state, block_id), max_digits=6)


def _shares(state: Mapping[str, Any]) -> bool:
    chosen = _element(state, SHARE_FREE_TEXT).get("selected_options") or []
    return isinstance(chosen, list) and any(isinstance(o, dict) and o.get("value") == SHARE for o in chosen)


def read_setup(state: Mapping[str, Any], *, has_usergroup_block: bool = True) -> SetupSubmission:
    """Validate ``view.state.values``; errors are keyed by block_id, ready for ``response_action: errors``.

    Checks what needs nothing but the form: whether the name is taken, and the caller's role, are the
    caller's to check against the database.
    """
    errors: dict[str, str] = {}

    name = " ".join(_text(state, NAME).split())
    if not name:
        errors[NAME] = "Give the team a name."
    elif len(name) > NAME_MAX:
        errors[NAME] = f"Keep the name to {NAME_MAX} characters."
    elif name.lower() in RESERVED_NAMES or any(c in name for c in "<>") or name[0] in "#@":
        errors[NAME] = "Choose another name: it can't be \u201cnew\u201d, start with # or @, or contain < or >."

    channel = _channel(state)
    if channel is None:
        errors[CHANNEL] = "Choose the channel the digest is posted in."
    elif not _CHANNEL_RE.match(channel):
        errors[CHANNEL] = "Choose a public or private channel (not a direct message)."

    membership = _chosen(state, MEMBERSHIP)
    if membership not in MEMBERSHIP_CHOICES or (membership == "usergroup" and not has_usergroup_block):
        errors[MEMBERSHIP] = "Choose who the members are."

    members = _users(state, MEMBERS)
    if members is None:
        errors[MEMBERS] = "Pick people from this workspace."
    elif membership == "people" and len(set(members)) < PRIVACY_FLOOR:
        errors[MEMBERS] = (
            f"Pick at least {PRIVACY_FLOOR} members (or choose a channel or user group above): no figure is ever "
            f"shown over fewer than {PRIVACY_FLOOR} people."
        )

    usergroup = _chosen(state, USERGROUP) if has_usergroup_block else None
    if usergroup is not None and not _USERGROUP_RE.match(usergroup):
        errors[USERGROUP] = "Choose one of the user groups."
    elif membership == "usergroup" and usergroup is None and has_usergroup_block:
        errors[USERGROUP] = "Choose the user group whose members are the team."

    managers = _users(state, MANAGERS)
    if not managers:
        errors[MANAGERS] = "Pick at least one manager (people from this workspace)."

    prompt_day, prompt_time = _day(state, PROMPT_DAY), _hhmm(state, PROMPT_TIME)
    digest_day, digest_time = _day(state, DIGEST_DAY), _hhmm(state, DIGEST_TIME)
    for block_id, value, what in (
        (PROMPT_DAY, prompt_day, "Choose the day of the weekly prompt."),
        (PROMPT_TIME, prompt_time, "Choose the time of the weekly prompt."),
        (DIGEST_DAY, digest_day, "Choose the day of the digest."),
        (DIGEST_TIME, digest_time, "Choose the time of the digest."),
    ):
        if value is None:
            errors[block_id] = what

    reminder = _whole_number(state, REMINDER_HOURS)
    if reminder is None or not 0 <= reminder <= MAX_REMINDER_HOURS:
        errors[REMINDER_HOURS] = f"Enter whole hours from 0 (no reminder) to {MAX_REMINDER_HOURS}."

    tz = _text(state, TZ)
    try:
        tz = parse_tz(tz).key if tz else ""
    except ValueError:
        tz = ""
    if not tz:
        errors[TZ] = "Enter an IANA time zone such as Europe/Berlin."

    try:
        holidays = parse_holidays(_text(state, HOLIDAYS))
    except ValueError as exc:
        holidays, errors[HOLIDAYS] = None, str(exc)

    minimum = _whole_number(state, MIN_RESPONDENTS)
    if minimum is None or not PRIVACY_FLOOR <= minimum <= MIN_RESPONDENTS_MAX:
        errors[MIN_RESPONDENTS] = (
            f"Enter a whole number from {PRIVACY_FLOOR} to {MIN_RESPONDENTS_MAX}: no figure is ever shown over "
            f"fewer than {PRIVACY_FLOOR} people, so that nobody's answers or tokens can be singled out."
        )

    if errors:
        return SetupSubmission(name, None, errors)
    values = SetupValues(
        name=name,
        channel_id=channel,
        membership=membership,
        member_ids=tuple(members) if membership == "people" else (),
        usergroup_id=usergroup if membership == "usergroup" else None,
        manager_ids=tuple(managers),
        prompt=Slot(prompt_day, prompt_time),
        reminder_hours=reminder,
        digest=Slot(digest_day, digest_time),
        tz=tz,
        min_respondents=minimum,
        share_free_text=_shares(state),
        holidays=holidays,
    )
    return SetupSubmission(name, values, {})


def same_setup(stored: SetupValues, submitted: SetupValues) -> bool:
    """Whether saving ``submitted`` over ``stored`` changes nothing the form controls.

    Members of a channel or user group team come from Slack, not the form, so they are not compared.
    """
    if submitted.membership != "people" and stored.membership == submitted.membership:
        stored = replace(stored, member_ids=submitted.member_ids)

    def normal(values: SetupValues) -> SetupValues:
        return replace(
            values, member_ids=tuple(sorted(values.member_ids)), manager_ids=tuple(sorted(values.manager_ids))
        )

    return normal(stored) == normal(submitted)


# -- the confirmation ----------------------------------------------------------------------------


def _mentions(user_ids: Sequence[str]) -> str:
    shown = ", ".join(f"<@{u}>" for u in user_ids[:MENTIONS_SHOWN])
    more = len(user_ids) - MENTIONS_SHOWN
    return f"{shown} and {more} more" if more > 0 else shown


def _when(slot: Slot) -> str:
    return f"{DAY_NAMES[slot.weekday]}s at {slot.hhmm}"


def members_line(values: SetupValues, member_count: int) -> str:
    people = f"{member_count} {'person' if member_count == 1 else 'people'}"
    if values.membership == "channel":
        return f"everyone in <#{values.channel_id}> ({people}, read again weekly)"
    if values.membership == "usergroup":
        return f"the members of <!subteam^{values.usergroup_id}> ({people}, read again weekly)"
    return people


def confirmation(
    values: SetupValues, *, created: bool, member_count: int, problems: Sequence[str] = ()
) -> tuple[str, list[Block]]:
    """The message to the person who saved the form: what the team now looks like (text, blocks)."""
    name = slack_escape(values.name)
    lead = f"Team *{name}* is set up." if created else f"Team *{name}* is updated."
    reminder = f"{values.reminder_hours} h after the prompt" if values.reminder_hours else "none"
    lines = [
        f"*Digest channel:* <#{values.channel_id}>",
        f"*Members:* {members_line(values, member_count)}",
        f"*Managers:* {_mentions(values.manager_ids)}",
        f"*Weekly prompt:* {_when(values.prompt)} ({values.tz})",
        f"*Reminder:* {reminder}",
        f"*Digest:* {_when(values.digest)} ({values.tz})",
        *([f"*Public holidays:* {holidays_text(values.holidays)}; {MOVED}"] if values.holidays else []),
        f"*Minimum respondents:* {values.min_respondents}",
        f"*Free text in the digest:* {'when the author shares it' if values.share_free_text else 'never'}",
    ]
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=lead)),
        SectionBlock(text=MarkdownTextObject(text=clip("\n".join(lines), SECTION_TEXT_LIMIT))),
    ]
    for problem in problems:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=clip(f":warning: {problem}", SECTION_TEXT_LIMIT))))
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"Make sure AI Retro is in <#{values.channel_id}> (`/invite @AI Retro`). "
                    f"Change anything with `/airetro setup {name}`."
                )
            ]
        )
    )
    return clip(lead.replace("*", ""), 300), blocks
