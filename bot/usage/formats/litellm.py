"""LiteLLM proxy spend logs: the ``/spend/logs`` response saved as JSON (a list of spend-log objects, or
an object whose ``data`` is that list, as ``/spend/logs/v2`` pages are), or the ``LiteLLM_SpendLogs``
table exported as CSV (a header row with the column names).

One spend log is one request. Each becomes one UsageRow (``requests`` 1) that the import pipeline
adds up per person key × day × model: the key is ``user``, or when that is empty the hashed
``api_key``, or the ``team_id``; the day is the UTC date of ``startTime``; ``prompt_tokens`` are
input, ``completion_tokens`` output and ``spend`` the cost in US dollars. ``model`` falls back to
``model_group`` (both may be empty in the table). JSON or CSV is told by the content, not the name.
Read one record at a time (ijson, csv module); a bad record raises RecordError naming it:
``[3] (request_id chatcmpl-…)`` or ``data[3] …`` in JSON, ``line 12`` in CSV.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import IO, Any

import ijson

from bot.usage import bounds, keys
from bot.usage.formats import _pages
from bot.usage.rows import RecordError, UsageRow

SOURCE = "litellm"
REQUIRED_COLUMNS = ("startTime", "model", "prompt_tokens", "completion_tokens", "spend")
KEY_COLUMNS = ("user", "api_key", "team_id")
_BOM = b"\xef\xbb\xbf"
NOT_UTF8 = re.compile("[\udc80-\udcff]")  # bytes that are not UTF-8, read with errors="surrogateescape"
_OPEN = ("start_map", "start_array")


def _text(value: object, name: str) -> str:
    """The text of a column (trimmed; "" for none or a value that is not text), within ``bounds``."""
    return bounds.text(value.strip(), name) if isinstance(value, str) else ""


def _key(record: Mapping[str, object]) -> str:
    for field in KEY_COLUMNS:
        value = _text(record.get(field), field)
        if value:
            return keys.normalise(value) if field == "user" else value
    raise ValueError("has no user, api_key or team_id to attribute it to")


def _tokens(record: Mapping[str, object], field: str) -> int:
    value = record.get(field)
    if value is None or value == "":
        return 0  # the table's default
    if isinstance(value, bool):
        raise ValueError(f"{field} {value!r} is not a whole number")
    if isinstance(value, float | Decimal):  # 1200.0; never int() of a Decimal (1E+99999999 would be huge)
        number = float(value)
        if not (math.isfinite(number) and number.is_integer()):
            raise ValueError(f"{field} {bounds.show(value)} is not a whole number")
        value = int(number)
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:  # a number of more than 4,300 digits too
            raise ValueError(f"{field} {bounds.show(value)} is not a whole number") from None
    if not isinstance(value, int):
        raise ValueError(f"{field} {bounds.show(value)} is not a whole number")
    return bounds.count(value, field)


def _spend(value: object) -> float:
    if value is None or value == "":
        return 0.0
    if isinstance(value, bool):
        raise ValueError(f"spend {value!r} is not a number")
    try:
        spend = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"spend {bounds.show(value)} is not a number") from None
    return bounds.dollars(spend, "spend", raw=value)


def _day(value: object) -> date:
    """The UTC date of ``startTime``."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise ValueError("startTime is missing")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"startTime {bounds.show(value)} is not a date-time like 2026-11-16T09:12:03Z") from None
    try:
        day = moment.date() if moment.tzinfo is None else moment.astimezone(UTC).date()
    except OverflowError:  # year 1 or 9999 moved out of the calendar by its time zone
        raise bounds.out_of_range(value, "startTime") from None
    return bounds.day(day, "startTime")


def usage_row(record: object, ref: str) -> UsageRow:
    """One spend log as a UsageRow; RecordError names ``ref`` (with the request_id when there is one)."""
    if not isinstance(record, Mapping):
        raise RecordError(ref, "is not a spend log object")
    try:
        request_id = _text(record.get("request_id"), "request_id")
    except ValueError as exc:
        raise RecordError(ref, str(exc)) from None
    if request_id:
        ref = f"{ref} (request_id {request_id})"
    try:
        return UsageRow(
            person_key=_key(record),
            day=_day(record.get("startTime")),
            model=_text(record.get("model"), "model") or _text(record.get("model_group"), "model_group") or "unknown",
            ref=ref,
            input_tokens=_tokens(record, "prompt_tokens"),
            output_tokens=_tokens(record, "completion_tokens"),
            cost_usd=_spend(record.get("spend")),
            requests=1,
            event_id=request_id or None,
        )
    except ValueError as exc:
        raise RecordError(ref, str(exc)) from None


def _json_records(handle: IO[bytes]) -> Iterator[tuple[str, object]]:
    """``(ref, record)`` for every item of the top-level list, or of the top-level object's ``data``."""
    events = _pages.events(handle, multiple_values=False)  # whole numbers as int, however long: bounded here
    index, name = 0, ""
    try:
        first = next(events, None)
        if first is None or first[0] not in _OPEN:
            raise RecordError("the top level", 'is not a list of spend logs (or an object with a "data" list)')
        if first[0] == "start_array":
            for item in _items(events, "", 1):
                yield item
                index += 1
            next(events, None)  # the end of the text: anything after the list is an error of ijson's
            return
        name = "data"
        found = False
        for event, key in events:
            if event == "end_map":
                break
            event, value = next(events, ("", None))  # the map_key's value
            if key == "data" and event == "start_array":
                found = True
                for item in _items(events, name, 2):
                    yield item
                    index += 1
            elif event in _OPEN:
                _pages.skip(events, f"the top level: {bounds.show(key)}", depth=2)
        if not found:
            raise RecordError("the top level", 'is an object without a "data" list of spend logs')
        next(events, None)  # the end of the text: anything after the object is an error of ijson's
    except ijson.JSONError as exc:
        problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise RecordError(f"{name}[{index}]", f"is not valid JSON ({problem})") from None


def _items(events: Iterator[tuple[str, Any]], name: str, depth: int) -> Iterator[tuple[str, object]]:
    """The items of the list whose start_array was just read, ``depth`` levels deep, as ``(ref, item)``."""
    index = 0
    for event, value in events:
        if event == "end_array":
            return
        ref = f"{name}[{index}]"
        if event == "start_map":
            value = _pages.build(events, {}, ref, depth + 1)
        elif event == "start_array":
            value = _pages.build(events, [], ref, depth + 1)
        yield ref, value
        index += 1


def _csv_records(handle: IO[str]) -> Iterator[tuple[str, object]]:
    reader = csv.DictReader(handle)
    try:
        columns = [(name or "").strip() for name in reader.fieldnames or ()]
        reader.fieldnames = columns
        missing = [name for name in REQUIRED_COLUMNS if name not in columns]
        if missing or not any(name in columns for name in KEY_COLUMNS):
            need = missing or ["one of " + ", ".join(KEY_COLUMNS)]
            raise RecordError(
                "line 1",
                f"the header lacks the spend-log {'column' if len(need) == 1 else 'columns'} {', '.join(need)}",
            )
        for record in reader:
            ref = f"line {reader.line_num}"
            if None in record or any(value is None for value in record.values()):
                raise RecordError(ref, f"expected {len(columns)} fields")
            if any(NOT_UTF8.search(value) for value in record.values()):
                raise RecordError(ref, "is not UTF-8 text")
            yield ref, record
    except csv.Error as exc:
        raise RecordError(f"line {reader.line_num}", str(exc)) from None


def _looks_like_json(path: str) -> bool:
    """The first non-blank character (after a byte order mark) opens a JSON list or object."""
    with open(path, "rb") as handle:
        while chunk := handle.read(4096):
            text = chunk.removeprefix(_BOM) if handle.tell() == len(chunk) else chunk
            stripped = text.lstrip()
            if stripped:
                return stripped[:1] in (b"[", b"{")
    return False


def parse(path: str) -> Iterator[UsageRow]:
    """One UsageRow per spend log in ``path`` (JSON or CSV, told by the content)."""
    if _looks_like_json(path):
        with open(path, "rb") as handle:
            if handle.read(3) != _BOM:
                handle.seek(0)
            for ref, record in _json_records(handle):
                yield usage_row(record, ref)
    else:
        with open(path, newline="", encoding="utf-8-sig", errors="surrogateescape") as handle:
            for ref, record in _csv_records(handle):
                yield usage_row(record, ref)
