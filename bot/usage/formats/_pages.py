"""Streaming the records out of saved provider report pages, and checking their fields.

The provider usage reports (Anthropic messages and Claude Code, OpenAI completions) are paginated:
each response is a page ``{"data": [...], "has_more": ..., "next_page": ...}``. A person saving
them keeps one page per file, a JSON array of pages, or one page per line (JSON Lines); all three
are read here with ``ijson`` one record at a time, so memory stays bounded by a single record (by a
single page where a file is a JSON array of pages: an API page holds at most 31 buckets or 1000
records).

Records are named the way the provider's documentation names them: ``data[3]`` in a single page,
``page 2: data[3]`` where a file holds several pages (1-based pages, 0-based indices as in JSON).

The JSON is read as ijson's plain events (``events``: no path prefixes, whose cost grows with the nesting
and the length of keys, quadratic on a hostile file), nested at most ``bounds.MAX_JSON_DEPTH`` levels: a
file of ``[[[[…`` or a record nesting deeper is refused after reading at most a chunk past the bound, in
time linear in what was read. Every field check applies the bounds of ``bot/usage/bounds.py``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import IO, Any

import ijson

from bot.usage import bounds
from bot.usage.rows import RecordError

CHUNK = 64 * 1024  # bytes read and parsed at a time
_OPEN = ("start_map", "start_array")
_CLOSE = ("end_map", "end_array")
Event = tuple[str, Any]


class InvalidJSON(RecordError):
    """The text is not (complete) JSON: in a saved file a broken file, in a fetch a broken-off page."""


class PageMeta:
    """What the pages said beside their records (filled in as they are read)."""

    def __init__(self) -> None:
        self.pages = 0
        self.has_more: bool | None = None
        self.next_page: str | None = None


def events(handle: IO[bytes], *, multiple_values: bool = True, use_float: bool = False) -> Iterator[Event]:
    """ijson's plain ``(event, value)`` events of the JSON read from ``handle``, a chunk at a time.

    A break in the JSON raises ijson.JSONError after the events before it (so the last whole record can be
    named), a number too long for Python (over 4,300 digits) too, in place of the SystemError ijson gives."""
    return itertools.chain.from_iterable(_chunks(handle, multiple_values, use_float))


def _chunks(handle: IO[bytes], multiple_values: bool, use_float: bool) -> Iterator[list[Event]]:
    """The events of each chunk, as one list (itertools.chain hands them on at C speed)."""
    found = ijson.sendable_list()
    parser = ijson.basic_parse_coro(found, multiple_values=multiple_values, use_float=use_float)
    while True:
        data = handle.read(CHUNK)
        try:
            if data:
                parser.send(data)
            else:
                parser.close()
        except ijson.JSONError:
            yield found
            raise
        except (ValueError, SystemError):  # int() refusing a number of more than 4,300 digits
            if found:  # ijson appended that number's event half made (no value) and stopped: dropped unseen
                del found[-1]
            yield found
            raise ijson.JSONError("a number has too many digits") from None
        yield found
        if not data:
            return
        found.clear()  # handed on whole by now: chain asks for the next chunk only then


def too_deep(ref: str) -> RecordError:
    return RecordError(ref, f"nests deeper than {bounds.MAX_JSON_DEPTH} levels (not a usage report)")


def build(events: Iterator[Event], root: dict | list, ref: str, depth: int = 1) -> Any:
    """The object or list ``root`` whose start event was just read, ``depth`` levels deep (1: the top level),
    built from the following events; RecordError naming ``ref`` where it nests deeper than MAX_JSON_DEPTH.

    A tight hand-rolled builder: about a quarter faster than ijson's ObjectBuilder on big reports.
    """
    limit = bounds.MAX_JSON_DEPTH - depth + 1
    stack: list = [root]
    top: Any = root
    key = None
    for event, value in events:
        if event == "map_key":
            key = value
        elif event == "start_map" or event == "start_array":
            child: Any = {} if event == "start_map" else []
            if type(top) is dict:
                top[key] = child
            else:
                top.append(child)
            stack.append(child)
            top = child
            if len(stack) > limit:
                raise too_deep(ref)
        elif event == "end_map" or event == "end_array":
            stack.pop()
            if not stack:
                return root
            top = stack[-1]
        elif type(top) is dict:
            top[key] = value
        else:
            top.append(value)
    raise RecordError(ref, "ends before it is complete")


def skip(events: Iterator[Event], ref: str, depth: int = 1) -> None:
    """Read past the object or list whose start event was just read, ``depth`` levels deep."""
    level = depth
    for event, _ in events:
        if event in _OPEN:
            level += 1
            if level > bounds.MAX_JSON_DEPTH:
                raise too_deep(ref)
        elif event in _CLOSE:
            level -= 1
            if level < depth:
                return
    raise RecordError(ref, "ends before it is complete")


def _build(prefixed: Iterator[tuple[str, str, Any]]) -> dict:
    """The object whose start_map was just read from ``ijson.parse`` events (with prefixes: the Cursor pull)."""
    return build(((event, value) for _prefix, event, value in prefixed), {}, "the last record")


def read_file(path: str) -> Iterator[tuple[str, dict]]:
    """Every record saved in ``path``, as ``(ref, record)``."""
    with open(path, "rb") as handle:
        yield from read_pages(handle)


def read_pages(
    handle: IO[bytes], meta: PageMeta | None = None, page_label: str | None = None
) -> Iterator[tuple[str, dict]]:
    """The records in ``handle`` (a saved file or an HTTP response body), as ``(ref, record)``.

    Accepted: one page object; several page objects one after another (JSON Lines); a JSON array of
    pages; or a JSON array of the records themselves (what a script collecting ``data`` saves).
    ``page_label`` names the page in refs (``page 2``) when the caller knows it (a fetch).
    ``meta`` receives the last page's ``has_more`` / ``next_page``.
    """
    meta = meta if meta is not None else PageMeta()
    stream = events(handle)
    last = page_label or "the start of the file"
    try:
        first = _first(stream, page_label or "file")
        if first[0] == "start_array":
            for ref, record in _array_items(stream, meta):
                last = ref
                yield ref, record
            return
        if first[0] != "start_map":
            raise RecordError(page_label or "file", "expected a usage report page: a JSON object with a data list")
        while True:
            meta.pages += 1
            label = page_label or (f"page {meta.pages}" if meta.pages > 1 else None)
            for ref, record in _page_records(stream, meta, label):
                last = ref
                yield ref, record
            following = next(stream, None)
            if following is None:
                return
            if following[0] != "start_map":
                raise RecordError(f"after {last}", "expected another report page (a JSON object)")
    except ijson.JSONError as exc:
        raise InvalidJSON(f"after {last}", f"not valid JSON ({_short(exc)})") from None


def _first(events: Iterator[Event], where: str) -> Event:
    """The first event; an empty (or whitespace-only) text says so rather than "premature EOF"."""
    try:
        first = next(events, None)
    except ijson.JSONError as exc:
        if "premature EOF" not in str(exc) and "empty" not in str(exc):
            raise
        first = None
    if first is None:
        raise RecordError(where, "is empty: expected a usage report page")
    return first


def _short(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:120]


def _array_items(events: Iterator[Event], meta: PageMeta) -> Iterator[tuple[str, dict]]:
    """A top-level array: each item is a whole page (its records yielded in turn) or one record."""
    index = 0
    for event, _ in events:
        if event == "end_array":
            if next(events, None) is not None:
                raise RecordError(f"after [{index - 1}]", "expected nothing after the list")
            return
        if event != "start_map":
            raise RecordError(f"[{index}]", "expected a report page or record (a JSON object)")
        item = build(events, {}, f"[{index}]", depth=2)
        if "data" in item:
            meta.pages += 1
            label = f"page {meta.pages}"
            records = item["data"]
            if not isinstance(records, list):
                raise RecordError(f"{label}: data", "is not a list")
            meta.has_more = item.get("has_more") if isinstance(item.get("has_more"), bool) else None
            meta.next_page = item.get("next_page") or None
            for position, record in enumerate(records):
                ref = f"{label}: data[{position}]"
                if not isinstance(record, dict):
                    raise RecordError(ref, "expected an object")
                yield ref, record
        else:
            yield f"[{index}]", item
        index += 1
    raise RecordError(f"after [{index - 1}]", "the list ends before it is complete")


def _page_records(events: Iterator[Event], meta: PageMeta, label: str | None) -> Iterator[tuple[str, dict]]:
    """Consume one top-level page (its start_map already read) to its end, yielding its records."""
    where = label or "the page"
    data_ref = f"{label}: data" if label else "data"
    seen_data = False
    for event, key in events:
        if event == "end_map":
            if not seen_data:
                raise RecordError(where, "has no data list: expected a usage report page")
            return
        # a map_key: its value follows
        event, value = next(events, ("", None))
        if key == "data":
            if event != "start_array":
                raise RecordError(data_ref, "is not a list")
            seen_data = True
            yield from _data_items(events, label)
        elif event in _OPEN:
            skip(events, f"{where}: {bounds.show(key)}" if label else bounds.show(key), depth=2)
        elif key == "has_more":
            meta.has_more = value if isinstance(value, bool) else None
        elif key == "next_page":
            meta.next_page = value if isinstance(value, str) and value else None
    raise RecordError(where, "ends before the page is complete")


def _data_items(events: Iterator[Event], label: str | None) -> Iterator[tuple[str, dict]]:
    """The records of a page's data list (its start_array already read), to its end."""
    index = 0
    for event, _ in events:
        if event == "end_array":
            return
        ref = f"{label}: data[{index}]" if label else f"data[{index}]"
        if event != "start_map":
            raise RecordError(ref, "expected an object")
        yield ref, build(events, {}, ref, depth=3)
        index += 1
    raise RecordError(label or "the page", "ends before the page is complete")


# -- field checks ------------------------------------------------------------------------------


def count(record: dict, key: str, ref: str, *, required: bool = True) -> int:
    """A non-negative whole number at ``record[key]``; missing (or null) is an error unless optional (0)."""
    value = record.get(key) if isinstance(record, dict) else None
    if value is None:
        if required:
            raise RecordError(ref, f"missing {key}")
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        if not isinstance(value, bool) and _whole(value):
            value = int(value)
        else:
            raise RecordError(ref, f"{key} {bounds.show(value)} is not a whole number")
    if value < 0 or value > bounds.MAX_COUNT:
        _bounded(bounds.count, value, key, ref)
    return value


def _bounded(check: Callable[[Any, str], Any], value: Any, name: str, ref: str) -> Any:
    """``check(value, name)`` (one of ``bot/usage/bounds.py``'s), its ValueError a RecordError naming ``ref``."""
    try:
        return check(value, name)
    except ValueError as exc:
        raise RecordError(ref, str(exc)) from None


def _whole(value: object) -> bool:
    """1.0 / Decimal('3') style numbers some exporters write for counts."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return not isinstance(value, str) and math.isfinite(number) and number == int(number)


def amount(record: dict, key: str, ref: str, *, per_dollar: int = 1) -> float:
    """Dollars at ``record[key]``: a finite number from 0 to ``bounds.MAX_COST_USD`` (in cents with
    ``per_dollar=100``)."""
    value = record.get(key) if isinstance(record, dict) else None
    if value is None:
        raise RecordError(ref, f"missing {key}")
    if isinstance(value, bool) or isinstance(value, str):
        raise RecordError(ref, f"{key} {bounds.show(value)} is not a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise RecordError(ref, f"{key} {bounds.show(value)} is not a number") from None
    try:
        return bounds.dollars(number, key, per_dollar=per_dollar, raw=value)
    except ValueError as exc:
        raise RecordError(ref, str(exc)) from None


def mapping(record: dict, key: str, ref: str) -> dict:
    """The object at ``record[key]`` (required)."""
    value = record.get(key)
    if value is None:
        raise RecordError(ref, f"missing {key}")
    if not isinstance(value, dict):
        raise RecordError(ref, f"{key} is not an object")
    return value


def listing(record: dict, key: str, ref: str) -> list:
    """The list at ``record[key]`` (required)."""
    value = record.get(key)
    if value is None:
        raise RecordError(ref, f"missing {key}")
    if not isinstance(value, list):
        raise RecordError(ref, f"{key} is not a list")
    return value


def objects(record: dict, key: str, ref: str) -> Iterator[tuple[str, dict]]:
    """Each object of the list at ``record[key]`` (required), named ``ref.key[i]``."""
    for index, item in enumerate(listing(record, key, ref)):
        where = f"{ref}.{key}[{index}]"
        if not isinstance(item, dict):
            raise RecordError(where, "expected an object")
        yield where, item


def text(record: dict, key: str, ref: str) -> str:
    """A non-empty string at ``record[key]`` (required)."""
    value = record.get(key)
    if value is None:
        raise RecordError(ref, f"missing {key}")
    if not isinstance(value, str) or not value.strip():
        raise RecordError(ref, f"{key} {bounds.show(value)} is not a non-empty string")
    return _bounded(bounds.text, value.strip(), key, ref)


def optional_text(record: dict, key: str, ref: str) -> str | None:
    """A string at ``record[key]``, or None when it is null / absent / empty (a grouping not asked for)."""
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise RecordError(ref, f"{key} {bounds.show(value)} is not a string")
    return _bounded(bounds.text, value.strip(), key, ref) or None


def utc_day(record: dict, key: str, ref: str) -> date:
    """The UTC date of an RFC 3339 timestamp (``2026-11-16T00:00:00Z``) or a plain ``2026-11-16``."""
    value = record.get(key)
    if value is None:
        raise RecordError(ref, f"missing {key}")
    if not isinstance(value, str):
        raise RecordError(ref, f"{key} {bounds.show(value)} is not a date")
    raw = value.strip()
    try:
        stamp = date.fromisoformat(raw) if len(raw) == 10 else datetime.fromisoformat(raw)
    except ValueError:
        raise RecordError(ref, f"{key} {bounds.show(value)} is not an RFC 3339 date or timestamp") from None
    if isinstance(stamp, datetime):
        try:
            stamp = (stamp if stamp.tzinfo is None else stamp.astimezone(UTC)).date()
        except OverflowError:  # year 1 or 9999 moved out of the calendar by its time zone
            raise RecordError(ref, str(bounds.out_of_range(value, key))) from None
    return _bounded(bounds.day, stamp, key, ref)


def unix_day(record: dict, key: str, ref: str) -> date:
    """The UTC date of a Unix time in seconds."""
    seconds = count(record, key, ref)
    try:
        day = datetime.fromtimestamp(seconds, UTC).date()
    except (OverflowError, OSError, ValueError):
        raise RecordError(ref, f"{key} {seconds} is not a Unix time in seconds") from None
    return _bounded(bounds.day, day, key, ref)
