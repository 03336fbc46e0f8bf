"""Parsing ``/airetro`` text. Pure: text in, a ``Parsed`` command or a ``UsageError`` out.

Numbers (weeks) are read by ``bot.parse_input``: ASCII digits only, and a token meant as a number in any
other script ("²", "٣") gets a hint saying what is accepted.

Slack escapes mentions in command text (``<@U…|name>``, ``<#C…|name>``, ``<!subteam^S…|@name>``);
people may also type plain forms (``#payments``, ``C0123ABCD``, ``@payments-team``, a team name).
Both are accepted: a team is referred to by channel, by user group or by name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.day_input import DayError, DaySpec, example_day, parse_day
from bot.formatting import clip, slack_escape
from bot.parse_input import BadNumber, looks_numeric, whole_number

DEFAULT_SUMMARY_WEEKS = 4
DEFAULT_ME_WEEKS = 8
MAX_WEEKS = 52

SUBCOMMANDS = (
    "help",
    "log",
    "me",
    "summary",
    "setup",
    "digest",
    "pause",
    "resume",
    "away",
    "back",
    "privacy",
    "primary",
    "export",
    "forget-me",
)
MEMBER_USAGE = (  # for the members of a team
    ("/airetro log [team]", "log where AI helped, now"),
    ("/airetro summary [#channel|team] [weeks]", "a team's aggregate, last 4 weeks by default"),
    ("/airetro away until DATE", "away (leave, holiday): no prompts or reminders through that day"),
    ("/airetro back", "back sooner: end your away"),
    ("/airetro pause", "stop your weekly prompts with no end date (`/airetro resume` to restart)"),
    ("/airetro primary [team]", "the one team you count in each week, or switch to another of your teams"),
)
OWN_USAGE = (  # anyone, about themselves
    ("/airetro me [weeks]", "your own last weeks (only you see them)"),
    ("/airetro privacy", "who sees what about you, and what AI Retro holds about you"),
    ("/airetro export", "your own data as CSV files in a DM"),
    ("/airetro forget-me", "delete everything AI Retro holds about you"),
)
ADMIN_USAGE = (("/airetro setup new", "create a team (workspace admins)"),)
MANAGER_USAGE = (  # a team's managers and workspace admins
    ("/airetro setup [team]", "change a team's setup: channel, members, managers, schedule, privacy"),
    ("/airetro digest [preview|post] [team]", "preview this week's digest, or post it now"),
    (
        "/airetro pause team [team] [until DATE]",
        "pause a team's prompts and digests, through DATE if you say one (`/airetro resume team` to restart)",
    ),
)

_CHANNEL = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$")
_SUBTEAM = re.compile(r"^<!subteam\^([A-Z0-9]+)(?:\|[^>]*)?>$")
_USER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_PLAIN_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{8,}$")
_TOKEN = re.compile(r"<[^>]*>|\S+")


def away_needs_date() -> str:
    return f"Say until when: `/airetro away until {example_day()}`; `/airetro pause` stops prompts with no end date."


class UsageError(ValueError):
    """The text is not a command we understand; ``str(error)`` is a short hint for the caller."""


@dataclass(frozen=True)
class TeamRef:
    """How the caller named a team: exactly one field is set."""

    channel_id: str | None = None
    usergroup_id: str | None = None
    name: str | None = None

    def __str__(self) -> str:
        if self.channel_id:
            return f"<#{self.channel_id}>"
        if self.usergroup_id:
            return f"<!subteam^{self.usergroup_id}>"
        return self.name or ""


@dataclass(frozen=True)
class Parsed:
    name: str
    team: TeamRef | None = None
    weeks: int | None = None
    mode: str | None = None  # digest: preview | post; setup: new
    whole_team: bool = False  # pause/resume the team rather than oneself
    until: DaySpec | None = None  # away (``pause until`` too), pause team: the last day, inclusive


def usage_lines(rows: tuple[tuple[str, str], ...]) -> list[str]:
    return [f"• `{command}`: {what}" for command, what in rows]


def usage_hint(text: str, problem: str | None = None) -> str:
    shown = slack_escape(clip(" ".join(text.split()), 80)).replace("`", "'")
    lead = problem or f"Sorry, I don't know `/airetro {shown}`."
    commands = ", ".join(f"`{name}`" for name in SUBCOMMANDS)
    return f"{lead}\nSubcommands: {commands}. Try `/airetro help`."


def _team_ref(tokens: list[str], command: str) -> TeamRef | None:
    if not tokens:
        return None
    if len(tokens) == 1:
        token = tokens[0]
        if match := _CHANNEL.match(token):
            return TeamRef(channel_id=match.group(1))
        if match := _SUBTEAM.match(token):
            return TeamRef(usergroup_id=match.group(1))
        if _PLAIN_CHANNEL_ID.match(token):
            return TeamRef(channel_id=token)
        if token.startswith(("#", "@")) and len(token) > 1:
            return TeamRef(name=token[1:])
    if any(_USER.match(t) for t in tokens):
        raise UsageError(
            f"`/airetro {command}` takes a team, not a person: AI Retro never shows one person's "
            "figures to anyone else."
        )
    if any(t.startswith("<") for t in tokens):
        raise UsageError(f"Name one team for `/airetro {command}`: a #channel, a user group or a team name.")
    return TeamRef(name=" ".join(tokens))


def _weeks(token: str) -> int:
    try:
        return whole_number(token, 1, MAX_WEEKS, "Weeks")
    except BadNumber as error:
        raise UsageError(str(error)) from None


def _until(tokens: list[str], command: str) -> DaySpec:
    try:
        return parse_day(tokens, command)
    except DayError as error:
        raise UsageError(str(error)) from None


def parse(text: str) -> Parsed:
    """Parse the text after ``/airetro``; raises UsageError with a hint naming what is wrong."""
    tokens = _TOKEN.findall(text.strip())
    if not tokens:
        return Parsed("help")
    name, rest = tokens[0].lower(), tokens[1:]
    if name in ("forget_me", "forgetme"):
        name = "forget-me"
    if name not in SUBCOMMANDS:
        raise UsageError(usage_hint(text))
    try:
        return _parse_subcommand(name, rest)
    except UsageError as error:
        raise UsageError(usage_hint(text, str(error))) from None


def _parse_subcommand(name: str, rest: list[str]) -> Parsed:
    if name in ("help", "me", "privacy", "export", "forget-me"):
        if name == "me" and len(rest) == 1 and looks_numeric(rest[0]):
            return Parsed(name, weeks=_weeks(rest[0]))
        if rest:
            raise UsageError(f"`/airetro {name}` takes no {'more ' if name == 'me' else ''}arguments.")
        return Parsed(name, weeks=DEFAULT_ME_WEEKS if name == "me" else None)
    if name in ("log", "primary"):
        return Parsed(name, team=_team_ref(rest, name))
    if name == "summary":
        weeks = DEFAULT_SUMMARY_WEEKS
        if rest and looks_numeric(rest[-1]):
            weeks = _weeks(rest[-1])
            rest = rest[:-1]
        return Parsed(name, team=_team_ref(rest, name), weeks=weeks)
    if name == "setup":
        if len(rest) == 1 and rest[0].lower() == "new":
            return Parsed(name, mode="new")
        return Parsed(name, team=_team_ref(rest, name))
    if name == "digest":
        mode = "preview"
        if rest and rest[0].lower() in ("preview", "post"):
            mode, rest = rest[0].lower(), rest[1:]
        return Parsed(name, mode=mode, team=_team_ref(rest, name))
    if name == "away":
        if not rest or rest[0].lower() != "until":
            raise UsageError(away_needs_date())
        return Parsed(name, until=_until(rest[1:], name))
    if name == "back":
        if rest:
            raise UsageError("`/airetro back` takes no arguments: it ends your away now.")
        return Parsed(name)
    return _pause_or_resume(name, rest)


def _pause_or_resume(name: str, rest: list[str]) -> Parsed:
    """``pause`` / ``resume``, each alone or with ``team [team]``; ``pause`` also with ``until DATE`` (for oneself,
    that is ``away until DATE``: a pause with an end)."""
    whole_team = bool(rest) and rest[0].lower() == "team"
    words = rest[1:] if whole_team else rest
    command = f"{name} team" if whole_team else name
    until = None
    marks = [i for i, word in enumerate(words) if word.lower() == "until"]
    if marks:
        if name == "resume":
            raise UsageError(f"`/airetro {command}` takes no date: it restarts now.")
        until = _until(words[marks[-1] + 1 :], command)
        words = words[: marks[-1]]
    if whole_team:
        return Parsed(name, whole_team=True, team=_team_ref(words, command), until=until)
    if words:
        raise UsageError(f"`/airetro {name}` alone is for your own prompts; `/airetro {name} team [team]` for a team.")
    if until is not None:
        return Parsed("away", until=until)
    return Parsed(name)
