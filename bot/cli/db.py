"""``airetro db check`` (looks, migrates nothing: bot/db_check.py) and ``airetro db upgrade``."""

from __future__ import annotations

import argparse

from bot.cli.common import open_database
from bot.config import Settings
from bot.db_check import check, schema_line


def cmd_db_check(_args: argparse.Namespace, settings: Settings) -> int:
    return check(settings.database_url)  # never through open_database(): looking must not migrate


def cmd_db_upgrade(_args: argparse.Namespace, settings: Settings) -> int:
    engine = open_database(settings)  # migrates, as every command that uses the database does
    print(schema_line(engine))
    return 0
