"""What one imported record may hold: the one set of bounds every usage format, pull and the import itself
check numbers, dates, texts and JSON nesting against, so a bad file is refused naming its record (``line 12``,
``data[3].results[1]``) before anything is written, never by the database half-way through.

- Counts (tokens, requests, sessions, lines, ...): whole numbers from 0 to ``MAX_COUNT`` (a trillion) per
  record: a thousand times a big organisation's daily tokens, yet small enough that the sums the database
  keeps (a day's events, a week's summary, every record of an import) stay inside SQLite's signed 64-bit
  integers: nine million records at the bound still fit. The import also refuses the record at which its
  counts would add up past that (``MAX_SUM``), so no sum in SQL can overflow.
- Costs: finite dollars from 0 to ``MAX_COST_USD`` ($1,000,000) per record, so a sum stays finite.
- Days: ``MIN_DAY`` to ``MAX_DAY`` (2000-01-01 .. 2100-12-31): nothing outside is AI tool usage, and the
  week arithmetic would leave the calendar near its ends.
- Texts stored (person keys, model names, event ids): at most ``MAX_TEXT`` characters, with no control
  character (C0, DEL, C1: a NUL, a newline, a terminal escape) and no lone surrogate (not UTF-8). Such a text
  is refused, never stripped: silently changed, it would no longer match the name the source uses.
- JSON: nested at most ``MAX_JSON_DEPTH`` levels (a usage report nests six), checked while it is parsed.

The checks raise ValueError saying what is wrong (the caller adds the record's name), ``check_row`` a
RecordError naming the row's record.
"""

from __future__ import annotations

import dataclasses
import math
import operator
import re
from datetime import date

from bot.usage.rows import ActivityRow, RecordError, UsageRow

INT64_MAX = 2**63 - 1  # what a SQLite INTEGER holds
MAX_COUNT = 10**12  # tokens (or any count) in one record
MAX_SUM = INT64_MAX  # every count of one import added up
MAX_COST_USD = 1_000_000.0  # dollars in one record
MIN_DAY = date(2000, 1, 1)
MAX_DAY = date(2100, 12, 31)
MAX_TEXT = 1000  # characters of a key, model name or event id
MAX_JSON_DEPTH = 64  # objects and lists inside one another
SHOWN = 40  # characters of a refused value shown in the message

BAD_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")  # control characters, lone surrogates
_USAGE_COUNTS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "requests")
_ACTIVITY_COUNTS = tuple(f.name for f in dataclasses.fields(ActivityRow) if f.type in ("int", int))
_usage_counts = operator.attrgetter(*_USAGE_COUNTS)
_activity_counts = operator.attrgetter(*_ACTIVITY_COUNTS)


def show(value: object) -> str:
    """A refused value as a message shows it: strings quoted (control characters escaped), numbers plain,
    cut short past ``SHOWN`` characters."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**SHOWN:
        return f"a number of more than {SHOWN} digits"
    shown = repr(value) if isinstance(value, str) else str(value)
    return shown if len(shown) <= SHOWN else shown[: SHOWN - 1] + "…"


def printable(text: str, limit: int = 300) -> str:
    """``text`` safe to print on one line: control characters and lone surrogates escaped, cut at ``limit``."""
    safe = BAD_TEXT.sub(lambda found: ascii(found.group())[1:-1], text)
    return safe if len(safe) <= limit else safe[: limit - 1] + "…"


def count(value: int, name: str) -> int:
    """``value`` when it is a count one record can hold (0 .. MAX_COUNT); ValueError otherwise."""
    if value < 0:
        raise ValueError(f"{name} is negative ({show(value)})")
    if value > MAX_COUNT:
        raise ValueError(f"{name} {show(value)} is more than {MAX_COUNT:,} (no record counts that many)")
    return value


def dollars(value: float, name: str, *, per_dollar: int = 1, raw: object = None) -> float:
    """``value`` (in dollars, or cents with ``per_dollar=100``) as dollars, when it is a finite amount from 0 to
    MAX_COST_USD; ValueError otherwise (nan and infinities too) showing ``raw`` (what the file wrote) if given."""
    shown = show(value if raw is None else raw)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} {shown} is not a non-negative amount")
    amount = value / per_dollar
    if amount > MAX_COST_USD:
        unit = " cents" if per_dollar == 100 else ""
        raise ValueError(f"{name} {shown}{unit} is more than ${MAX_COST_USD:,.0f} (no record costs that much)")
    return amount


def day(value: date, name: str) -> date:
    """``value`` when it is from MIN_DAY to MAX_DAY; ValueError otherwise."""
    if not MIN_DAY <= value <= MAX_DAY:
        raise ValueError(f"{name} {value.isoformat()} is not between {MIN_DAY} and {MAX_DAY}")
    return value


def out_of_range(value: object, name: str) -> ValueError:
    """The error for a date too far out for Python's calendar (year 1 or 9999 shifted by a time zone)."""
    return ValueError(f"{name} {show(value)} is not between {MIN_DAY} and {MAX_DAY}")


def text(value: str, name: str) -> str:
    """``value`` when it is a text that can be stored (at most MAX_TEXT characters, no control character, no
    lone surrogate); ValueError otherwise."""
    if len(value) > MAX_TEXT:
        raise ValueError(f"{name} is longer than {MAX_TEXT:,} characters")
    if BAD_TEXT.search(value):
        raise ValueError(f"{name} {show(value)} contains a control character (or is not UTF-8 text)")
    return value


def check_row(row: UsageRow | ActivityRow) -> int:
    """Whether ``row`` (from any format or pull) is within the bounds: RecordError naming its record if not.
    Returns the sum of its counts (for the import's running total, ``MAX_SUM``). The formats' field readers
    check the same bounds naming the file's own fields; this catches what they add up or work out (cache
    writes of two kinds, a day's tool actions) and the rows of every other source (pulls, the OTLP receiver)."""
    if isinstance(row, UsageRow):
        counts = _usage_counts(row)
        texts = (row.person_key, row.model, row.event_id or "")
        costs_fine = 0.0 <= row.cost_usd <= MAX_COST_USD  # nan fails too
    elif isinstance(row, ActivityRow):
        counts = _activity_counts(row)
        texts = (row.person_key,)
        costs_fine = True
    else:
        return 0  # not a row at all: the import refuses it
    if (
        costs_fine
        and min(counts) >= 0
        and max(counts) <= MAX_COUNT
        and MIN_DAY <= row.day <= MAX_DAY
        and max(map(len, texts)) <= MAX_TEXT
        and not BAD_TEXT.search("".join(texts))
    ):
        return sum(counts)
    raise RecordError(row.ref, _what_is_wrong(row))


def _what_is_wrong(row: UsageRow | ActivityRow) -> str:
    """What ``check_row`` found out of bounds in ``row``, said the way the field checks say it."""
    usage = isinstance(row, UsageRow)
    names = _USAGE_COUNTS if usage else _ACTIVITY_COUNTS
    counts = _usage_counts(row) if usage else _activity_counts(row)
    try:
        text(row.person_key, "person key")
        day(row.day, "date")
        for name, value in zip(names, counts, strict=True):
            count(value, name)
        if isinstance(row, UsageRow):
            text(row.model, "model")
            text(row.event_id or "", "event id")
            dollars(row.cost_usd, "cost_usd")
    except ValueError as exc:
        return str(exc)
    return "is out of bounds"
