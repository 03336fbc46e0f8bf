"""``airetro demo``: one full week against an embedded Slack stand-in (bot/demo.py)."""

from __future__ import annotations

import argparse

from bot.config import Settings
from bot.demo import run_demo


def cmd_demo(_args: argparse.Namespace, _settings: Settings) -> int:
    return run_demo()
