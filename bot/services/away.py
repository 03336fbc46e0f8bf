"""Who is away when the weekly prompt or its reminder goes out.

A member is away when they said so (``/airetro away until DATE``, through that day in their own date) or their
Slack status says so when the prompt (or the reminder) is due: a status emoji or text people use for out of
office, vacation, leave or sickness, unless its ``status_expiration`` has passed. A team's public holidays are
the scheduler's (``bot.schedule_spec``): a holiday week counts everyone away.

Statuses are read from Slack just before the DMs go out: ``users.info`` per member for a small group, the
workspace's ``users.list`` pages for a large one (fewer calls than one per member). If Slack cannot be asked,
nobody is taken for away by status: a prompt to someone away costs less than silence to someone who is not.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.schedule_spec import parse_tz
from bot.services.timezones import member_zone
from bot.vocabulary import AWAY_COMMAND, AWAY_STATUS
from storage.models import Person, Team

log = logging.getLogger(__name__)

# The status emoji people set when they are off: Slack's own "Vacationing" and "Out sick" suggestions, and the
# ones commonly used for the same.
AWAY_EMOJI = frozenset(
    {
        ":palm_tree:",
        ":desert_island:",
        ":beach_with_umbrella:",
        ":face_with_thermometer:",
        ":thermometer:",
        ":mask:",
        ":face_with_head_bandage:",
        ":hospital:",
        ":baby_bottle:",
        ":airplane_departure:",
    }
)
# Words in a status text that mean off work (English, and the commonest German, French and Spanish ones).
_AWAY_TEXT = re.compile(
    r"\b(ooo|out of (the )?office|out sick|off sick|sick|ill|vacation(ing)?|holidays?|on leave|"
    r"(annual|parental|maternity|paternity|medical|sick|family) leave|pto|days? off|off work|"
    r"urlaub|krank|vacances|cong[ée]s?|vacaciones)\b",
    re.IGNORECASE,
)
_GREETINGS = re.compile(r"\b(happy|merry) holidays?\b", re.IGNORECASE)  # a season's greeting, not leave
# A group larger than this is read from users.list pages (Tier 2, about 20 a minute, 200 people a page) rather than
# one users.info each (Tier 4, about 100 a minute): at most a minute of users.info, and beyond that the pages are
# fewer minutes for any workspace up to 40 times the group (benchmarks/away_lookup.py).
USERS_INFO_UP_TO = 100
USERS_LIST_PAGE = 200


def status_means_away(profile: Mapping[str, object], now: datetime) -> bool:
    """Whether a Slack profile's status says its owner is off at ``now``.

    An expired status (Slack clears them a little after ``status_expiration``) means nothing; "Back on
    Monday"-style texts say the person is back, not away.
    """
    expiration = int(profile.get("status_expiration") or 0)
    if expiration and expiration <= now.timestamp():
        return False
    text = _GREETINGS.sub("", str(profile.get("status_text") or "")).strip()
    if text.lower().startswith("back"):
        return False
    return str(profile.get("status_emoji") or "") in AWAY_EMOJI or bool(_AWAY_TEXT.search(text))


def away_by_command(team: Team, person: Person, now: datetime) -> bool:
    """``/airetro away until`` covers the member's own date at ``now``."""
    if person.away_until is None:
        return False
    return person.away_until >= now.astimezone(parse_tz(member_zone(team, person))).date()


def _profiles(client: WebClient, user_ids: list[str]) -> dict[str, Mapping[str, object]]:
    """The Slack profiles of ``user_ids`` (those Slack gave before any failure)."""
    wanted = set(user_ids)
    found: dict[str, Mapping[str, object]] = {}
    try:
        if len(wanted) <= USERS_INFO_UP_TO:
            for user_id in user_ids:
                try:
                    found[user_id] = client.users_info(user=user_id)["user"].get("profile") or {}
                except SlackApiError as exc:
                    if exc.response.get("error") == "ratelimited":
                        raise
                    log.info("no status for %s: %s", user_id, exc.response.get("error"))
            return found
        cursor = None
        while True:
            page = client.users_list(limit=USERS_LIST_PAGE, cursor=cursor)
            for user in page.get("members") or []:
                if user.get("id") in wanted:
                    found[user["id"]] = user.get("profile") or {}
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor or len(found) == len(wanted):
                return found
    except (SlackApiError, SlackClientError, OSError) as exc:
        log.warning(
            "cannot read Slack statuses (%s): %d of %d members checked; the others count as present",
            exc.__class__.__name__, len(found), len(wanted),
        )  # fmt: skip
        return found


def away_now(client: WebClient, team: Team, people: Iterable[Person], now: datetime) -> dict[int, str]:
    """Which of ``people`` are away at ``now``, and why (``AWAY_COMMAND`` or ``AWAY_STATUS``), by person id."""
    people = list(people)
    away = {p.id: AWAY_COMMAND for p in people if away_by_command(team, p, now)}
    rest = [p for p in people if p.id not in away]
    if rest:
        profiles = _profiles(client, [p.slack_user_id for p in rest])
        for person in rest:
            profile = profiles.get(person.slack_user_id)
            if profile is not None and status_means_away(profile, now):
                away[person.id] = AWAY_STATUS
    return away
