"""``airetro identities map KEY U… | unmap KEY | list``: which person a usage key (API key, project id,
LiteLLM user) belongs to; mapping and unmapping re-attribute what is already imported."""

from __future__ import annotations

import argparse

from bot.cli.common import UNATTRIBUTED_SHOWN, counted, open_database
from bot.config import Settings
from bot.services.identities import list_identities, map_key, unmap_key


def cmd_identities_map(args: argparse.Namespace, settings: Settings) -> int:
    done = map_key(open_database(settings), args.key, args.user)
    was = f" (it was mapped to {done.previous})" if done.previous and done.previous != done.slack_user_id else ""
    print(f"Mapped {done.key} to {done.slack_user_id}{was}.")
    print(
        f"{_records(done.usage_records, done.activity_records)} already imported under {done.key} now count as "
        f"theirs ({counted(done.summaries, 'weekly token summary', 'weekly token summaries')} refreshed); "
        f"future imports attribute {done.key} to them too."
    )
    return 0


def cmd_identities_unmap(args: argparse.Namespace, settings: Settings) -> int:
    done = unmap_key(open_database(settings), args.key)
    print(f"Unmapped {done.key} (it was mapped to {done.previous}).")
    owner = f"attributed to {done.slack_user_id}, whom the key names" if done.slack_user_id else "unattributed again"
    print(
        f"Its {_records(done.usage_records, done.activity_records)} are {owner} "
        f"({counted(done.summaries, 'weekly token summary', 'weekly token summaries')} refreshed)."
    )
    return 0


def cmd_identities_list(_args: argparse.Namespace, settings: Settings) -> int:
    listing = list_identities(open_database(settings), UNATTRIBUTED_SHOWN)
    if listing.mappings:
        print("Mapped keys:")
        for m in listing.mappings:
            print(f"  {m.key} → {m.slack_user_id} ({_records(m.usage_records, m.activity_records)})")
    else:
        print("No keys are mapped (map one with `airetro identities map KEY U…`).")
    if listing.unattributed:
        print("Unattributed keys (their records are kept, attributed to nobody):")
        for key, n in listing.unattributed:
            print(f"  {key}: {counted(n, 'record')}")
        more = listing.unattributed_total - len(listing.unattributed)
        if more:
            print(f"  … and {counted(more, 'more key')}")
    else:
        print("No unattributed usage.")
    return 0


def _records(usage: int, activity: int) -> str:
    return f"{counted(usage, 'usage record')} and {counted(activity, 'activity record')}"
