"""The plain CSV format: ``email_or_slack_id,date,model,input_tokens,output_tokens,cost_usd``.

One row per person, day and model; a repeated person/date/model is an error naming both lines
(``STRICT_DUPLICATES``: the import pipeline checks it). Read line by line with the csv module; a
bad line raises RecordError naming it (``line 12``; the header is line 1, blank lines count).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import date

from bot.usage import bounds, keys
from bot.usage.rows import RecordError, UsageRow

SOURCE = "csv"
STRICT_DUPLICATES = True
COLUMNS = ("email_or_slack_id", "date", "model", "input_tokens", "output_tokens", "cost_usd")
# Read with errors="surrogateescape": bytes that are not UTF-8 become lone surrogates, found per line
# (a strict decode fails a whole read-ahead chunk at once, before the csv module knows the line).
NOT_UTF8 = re.compile("[\udc80-\udcff]")


def _int(value: str, name: str) -> int:
    try:
        number = int(value.strip())
    except ValueError:  # a number of more than 4,300 digits too
        raise ValueError(f"{name} {bounds.show(value)} is not a whole number") from None
    return bounds.count(number, name)


def _cost(value: str) -> float:
    try:
        cost = float(value)
    except ValueError:
        raise ValueError(f"cost_usd {bounds.show(value)} is not a number") from None
    return bounds.dollars(cost, "cost_usd", raw=value)


def row(fields: list[str], ref: str) -> UsageRow:
    """One data line's fields as a UsageRow; ValueError says what is wrong with it."""
    raw_key, raw_day, raw_model, raw_input, raw_output, raw_cost = fields
    key = bounds.text(raw_key.strip(), "email_or_slack_id")
    if not (keys.is_slack_id(key) or keys.is_email(key)):
        raise ValueError(f"email_or_slack_id {bounds.show(key)} is neither an e-mail address nor a Slack user ID")
    try:
        day = date.fromisoformat(raw_day.strip())
    except ValueError:
        raise ValueError(f"date {bounds.show(raw_day)} is not a date like 2026-11-16") from None
    bounds.day(day, "date")
    model = bounds.text(raw_model.strip(), "model")
    if not model:
        raise ValueError("model is empty")
    return UsageRow(
        person_key=keys.normalise(key),
        day=day,
        model=model,
        ref=ref,
        input_tokens=_int(raw_input, "input_tokens"),
        output_tokens=_int(raw_output, "output_tokens"),
        cost_usd=_cost(raw_cost),
    )


def parse(path: str) -> Iterator[UsageRow]:
    """The rows of ``path``, one at a time."""
    with open(path, newline="", encoding="utf-8-sig", errors="surrogateescape") as handle:
        reader = csv.reader(handle)
        try:
            header = tuple(name.strip() for name in next(reader, []))
            if header != COLUMNS:
                raise RecordError("line 1", f"expected the header {','.join(COLUMNS)}")
            for fields in reader:
                if not fields:  # a blank line (still counted in line numbers)
                    continue
                ref = f"line {reader.line_num}"
                if NOT_UTF8.search("".join(fields)):
                    raise RecordError(ref, "is not UTF-8 text")
                if len(fields) != len(COLUMNS):
                    raise RecordError(ref, f"expected {len(COLUMNS)} fields")
                try:
                    yield row(fields, ref)
                except ValueError as exc:
                    raise RecordError(ref, str(exc)) from None
        except csv.Error as exc:
            raise RecordError(f"line {reader.line_num}", str(exc)) from None
