"""The usage formats ``airetro import-usage --format F`` reads, one module each.

Each module has ``SOURCE`` (the name stored on its records, part of the idempotency key) and
``parse(path: str) -> Iterator[Row]`` (streaming; RecordError names the first bad record).
"""

from __future__ import annotations

import importlib
from types import ModuleType

FORMATS: dict[str, str] = {
    "csv": "bot.usage.formats.plain_csv",
    "litellm": "bot.usage.formats.litellm",
    "anthropic": "bot.usage.formats.anthropic",
    "claude-code": "bot.usage.formats.claude_code",
    "openai": "bot.usage.formats.openai",
    "copilot": "bot.usage.formats.copilot",
}


def load(name: str) -> ModuleType:
    """The module of format ``name``; ValueError listing the formats for an unknown one."""
    if name not in FORMATS:
        raise ValueError(f"unknown format {name!r}: use one of {', '.join(FORMATS)}")
    return importlib.import_module(FORMATS[name])
