"""``airetro member primary U… TEAM``: the team a member of several teams counts in."""

from __future__ import annotations

import argparse

from bot.cli.common import open_database
from bot.config import Settings
from bot.services.primary import set_primary


def cmd_member_primary(args: argparse.Namespace, settings: Settings) -> int:
    change = set_primary(open_database(settings), args.user, args.team)
    if not change.changed:
        print(f"{args.user} already counts in {change.team}; nothing changed.")
    else:
        before = f" (before: {change.previous})" if change.previous else ""
        print(f"{args.user} counts in {change.team} from their next weekly prompt on{before}.")
    return 0
