"""Reading a button's value: the id it carries (a crafted or damaged value is logged and ignored)."""

from __future__ import annotations

from logging import Logger


def button_id(body: dict, logger: Logger, what: str) -> int | None:
    """The clicked button's value as an int, or None (logged) if it is not a plain number."""
    value = (body.get("actions") or [{}])[0].get("value", "")
    if not value.isdigit():
        logger.warning("ignoring %s with value %r", what, value)
        return None
    return int(value)
