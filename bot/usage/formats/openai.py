"""OpenAI organization Usage API, completions (``GET /v1/organization/usage/completions``).

Each page holds buckets (``start_time``, ``end_time`` in Unix seconds, ``results``); each result
has ``input_tokens``, ``output_tokens``, ``input_cached_tokens``, ``input_audio_tokens``,
``output_audio_tokens``, ``num_model_requests`` and the grouping fields ``project_id``,
``user_id``, ``api_key_id``, ``model``, ``batch`` (null unless grouped by). Shape:
https://developers.openai.com/api/reference/resources/organization/subresources/usage/methods/get_completions/

Mapping: the day is the bucket's ``start_time`` as a UTC date; the person key is ``user_id``, else
``api_key_id``, else ``project_id``, else ``openai:unattributed``. OpenAI counts cached input inside
``input_tokens``, so ``input_tokens`` here is the uncached part (``input_tokens -
input_cached_tokens``) and ``cache_read_tokens`` the cached part: nothing is counted twice. Where a
result also reports ``input_cache_write_tokens`` (newer API versions; also inside ``input_tokens``),
those become ``cache_write_tokens``. Audio token counts are left out (they are reported separately
and not priced like text). No cost (that is the separate costs endpoint): estimated from list prices on import.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from bot.usage.formats import _pages
from bot.usage.rows import RecordError, UsageRow

SOURCE = "openai"
UNATTRIBUTED = "openai:unattributed"
ALL_MODELS = "all models"  # the report was not grouped by model


def parse(path: str) -> Iterator[UsageRow]:
    """The rows of a saved completions usage report (a page, pages, or JSON Lines of pages)."""
    for ref, bucket in _pages.read_file(path):
        yield from rows_of(ref, bucket)


def rows_of(ref: str, bucket: dict) -> Iterator[UsageRow]:
    """The rows of one bucket ``data[i]``; RecordError names ``data[i].results[j]``."""
    day = _pages.unix_day(bucket, "start_time", ref)
    key = "results" if "results" in bucket or "result" not in bucket else "result"  # the spec says "result"
    for where, result in _pages.objects(bucket, key, ref):
        yield _row(day, where, result)


def _row(day: date, where: str, result: dict) -> UsageRow:
    total_input = _pages.count(result, "input_tokens", where)
    cached = _pages.count(result, "input_cached_tokens", where, required=False)
    written = _pages.count(result, "input_cache_write_tokens", where, required=False)
    if cached + written > total_input:
        raise RecordError(
            where, f"input_cached_tokens ({cached}) and cache writes ({written}) exceed input_tokens ({total_input})"
        )
    person = (
        _pages.optional_text(result, "user_id", where)
        or _pages.optional_text(result, "api_key_id", where)
        or _pages.optional_text(result, "project_id", where)
        or UNATTRIBUTED
    )
    return UsageRow(
        person_key=person,
        day=day,
        model=_pages.optional_text(result, "model", where) or ALL_MODELS,
        ref=where,
        input_tokens=total_input - cached - written,
        output_tokens=_pages.count(result, "output_tokens", where),
        cache_read_tokens=cached,
        cache_write_tokens=written,
        requests=_pages.count(result, "num_model_requests", where),
        cost_known=False,  # the usage report has no dollars: estimated from list prices on import
    )
