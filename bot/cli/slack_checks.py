"""Before a team is stored: does Slack know its channel (``conversations.info``) and its people
(``users.info``)? Each wrong ID is one line naming the option and the ID; nothing is stored then."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from bot.cli.common import CliError

if TYPE_CHECKING:
    from slack_sdk import WebClient

INVITE = "/invite @AI Retro"


def channel_problem(client: WebClient, channel: str, option: str = "--channel") -> str | None:
    """What is wrong with ``channel`` for a digest, in one line, or None."""
    try:
        found = client.conversations_info(channel=channel)["channel"]
    except SlackApiError as exc:
        error = exc.response.get("error")
        if error == "channel_not_found":
            return (
                f"{option} {channel}: Slack has no channel with this ID that AI Retro can see "
                f"(for a private channel, invite the bot first: {INVITE})"
            )
        raise CliError(
            f"Slack answered '{error}' to conversations.info, so {option} {channel} was not checked"
        ) from None
    if found.get("is_archived"):
        return f"{option} {channel}: #{found.get('name', channel)} is archived; pick a channel people read"
    return None


def person_problem(client: WebClient, user: str, option: str = "") -> str | None:
    """What is wrong with ``user`` as a team's member or manager, in one line, or None."""
    named = f"{option} {user}" if option else user
    try:
        found = client.users_info(user=user)["user"]
    except SlackApiError as exc:
        error = exc.response.get("error")
        if error in ("user_not_found", "user_not_visible"):
            return f"{named}: Slack has no person with this ID"
        raise CliError(f"Slack answered '{error}' to users.info, so {named} was not checked") from None
    who = found.get("real_name") or found.get("name") or user
    if found.get("deleted"):
        return f"{named}: {who}'s account is deactivated"
    if found.get("is_bot") or user == "USLACKBOT":
        return f"{named}: {who} is a bot, not a person"
    return None


def check_with_slack(client: WebClient, channel: str | None = None, people: Iterable[tuple[str, str]] = ()) -> None:
    """Ask Slack about the channel and each (option, user ID) once; raise CliError with one line per wrong
    ID (run_command prints each as its own ``airetro:`` line)."""
    problems: list[str] = []
    if channel is not None:
        problems.append(channel_problem(client, channel) or "")
    asked: set[str] = set()
    for option, user in people:
        if user not in asked:
            asked.add(user)
            problems.append(person_problem(client, user, option) or "")
    problems = [p for p in problems if p]
    if problems:
        raise CliError("\n".join(problems))
