"""``/airetro forget-me``: the confirmation modal and the views that replace it. Pure functions.

Slack's modal ``submit`` is plain text only (no button style), so the danger is said in words: the
submit reads "Delete everything", the close "Cancel", and the body lists exactly what goes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock
from slack_sdk.models.views import View

from bot.blocks.text import text_sections
from bot.formatting import bold_names, plural
from bot.services.forget import Holdings

CALLBACK_ID = "forget_me_modal"
TITLE = "Forget me"
SUBMIT = "Delete everything"
MAX_TEAMS_NAMED = 10
TEAM_NAME_CHARS = 40  # ten names, even markup-heavy once escaped, fit one 3,000-character section
SLACK_STAYS = (
    "Messages already in Slack (your prompt DMs, digests that quoted you by name) stay in Slack; "
    "delete them there if you want them gone."
)


def team_list(names: Sequence[str]) -> str:
    return bold_names(names, most=MAX_TEAMS_NAMED, chars=TEAM_NAME_CHARS)


def holding_lines(h: Holdings) -> list[str]:
    """Each kind held, counted; kinds of which nothing is held are left out (the profile row last, as it is
    what the rest hangs off). Shared by the forget-me confirmation and ``/airetro privacy``."""
    counted = [
        (h.answers, plural(h.answers, "week") + " of prompts and your answers"),
        (h.moments, plural(h.moments, "moment") + " you logged"),
        (h.token_summaries, plural(h.token_summaries, "weekly token summary", "weekly token summaries")),
        (h.usage_records, plural(h.usage_records, "usage record") + " (tokens and dollars per day and model)"),
        (h.activity_records, plural(h.activity_records, "provider activity record")),
        (h.identities, plural(h.identities, "identity mapping") + " (usage keys that are yours)"),
        (h.named_highlights, plural(h.named_highlights, "highlight") + " you shared with your name in past digests"),
        (h.memberships, plural(h.memberships, "team membership")),
        (h.manager_roles, plural(h.manager_roles, "manager role")),
    ]
    lines = [line for n, line in counted if n]
    if h.person:
        lines.append("your profile (Slack ID, e-mail, time zone, prompt pause setting)")
    return lines


def note_lines(h: Holdings, *, done: bool) -> list[str]:
    notes = []
    if h.last_manager_of:
        teams = team_list(h.last_manager_of)
        notes.append(
            f"You were the last manager of {teams}: a workspace admin must name a new one (`/airetro setup`)."
            if done
            else f"You are the last manager of {teams}: once you are gone, a workspace admin must name a new one."
        )
    if h.synced_teams:
        notes.append(
            f"{team_list(h.synced_teams)} take their members from a channel or user group: the weekly sync adds "
            "you back (as a new member, none of your old data) while you stay in that channel or group."
        )
    notes.append(SLACK_STAYS)
    return notes


def confirm_view(h: Holdings, user_id: str) -> View:
    """The confirmation: exactly what will be deleted. ``user_id`` is only cross-checked on submission;
    who is forgotten comes from the submission's ``user.id``."""
    blocks: list[Block] = [
        *text_sections("This deletes everything AI Retro holds about you, for good:", holding_lines(h)),
        *text_sections("Before you go", note_lines(h, done=False)),
        ContextBlock(elements=[MarkdownTextObject(text="This can't be undone. Nobody else's data is touched.")]),
    ]
    return View(
        type="modal",
        callback_id=CALLBACK_ID,
        title=TITLE,
        submit=SUBMIT,
        close="Cancel",
        private_metadata=json.dumps({"user": user_id}),
        blocks=blocks,
    )


def opened_for(private_metadata: str) -> str | None:
    """The user the confirmation was opened for (a cross-check only, never who is deleted)."""
    try:
        user = json.loads(private_metadata or "{}").get("user")
    except (ValueError, AttributeError):
        return None
    return user if isinstance(user, str) else None


def _closing_view(blocks: list[Block]) -> View:
    return View(type="modal", callback_id=CALLBACK_ID, title=TITLE, close="Close", blocks=blocks)


def deleting_view() -> View:
    return _closing_view([SectionBlock(text=MarkdownTextObject(text="Deleting everything AI Retro holds about you…"))])


def refused_view() -> View:
    text = "This confirmation was not opened for you, so nothing was deleted. Run `/airetro forget-me` yourself."
    return _closing_view([SectionBlock(text=MarkdownTextObject(text=text))])


def result_text(h: Holdings) -> str:
    if h.empty:
        return "Nothing left to delete: AI Retro holds nothing about you."
    return "\n".join(["Deleted everything AI Retro held about you:", *holding_lines(h), *note_lines(h, done=True)])


def result_view(h: Holdings) -> View:
    """What was deleted (all zero: nothing was left, e.g. a repeated submission)."""
    if h.empty:
        return _closing_view([SectionBlock(text=MarkdownTextObject(text=result_text(h)))])
    blocks = [
        *text_sections("Deleted everything AI Retro held about you:", holding_lines(h)),
        *text_sections("Good to know", note_lines(h, done=True)),
    ]
    return _closing_view(blocks)


def failed_view() -> View:
    text = "Sorry, something went wrong on our side and nothing was deleted. Please try again in a minute."
    return _closing_view([SectionBlock(text=MarkdownTextObject(text=text))])
