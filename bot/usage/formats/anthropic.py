"""Anthropic Admin API messages usage report (``GET /v1/organizations/usage_report/messages``).

Each page holds time buckets (``starting_at``, ``ending_at``, ``results``); each result carries
``uncached_input_tokens``, ``cache_creation`` (``ephemeral_1h_input_tokens``,
``ephemeral_5m_input_tokens``), ``cache_read_input_tokens`` and ``output_tokens``, with the
grouping fields (``api_key_id``, ``workspace_id``, ``model``, ``service_tier``, ``context_window``,
``account_id``) null unless grouped by. Shape: https://platform.claude.com/docs/en/api/admin/usage_report/retrieve_messages

Mapping: the day is the bucket's ``starting_at`` as a UTC date (hourly buckets of one day add up);
the person key is the ``account_id`` (an OAuth user) when present, else ``api_key_id``, else
``workspace_id``, else ``anthropic:default-workspace`` (the report's null workspace is the default
one). Cache writes are the 1 h and 5 min cache creation summed. The report has no cost (that is the
separate cost report): it is estimated from list prices on import; no request count (0). Results split
by service tier or context window come out as several rows for one key, day and model, which the import
adds together.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.usage.formats import _pages
from bot.usage.rows import UsageRow

SOURCE = "anthropic"
DEFAULT_WORKSPACE = "anthropic:default-workspace"
ALL_MODELS = "all models"  # the report was not grouped by model


def parse(path: str) -> Iterator[UsageRow]:
    """The rows of a saved messages usage report (a page, pages, or JSON Lines of pages)."""
    for ref, bucket in _pages.read_file(path):
        yield from rows_of(ref, bucket)


def rows_of(ref: str, bucket: dict) -> Iterator[UsageRow]:
    """The rows of one time bucket ``data[i]``; RecordError names ``data[i].results[j]``."""
    day = _pages.utc_day(bucket, "starting_at", ref)
    for where, result in _pages.objects(bucket, "results", ref):
        cache_creation = _pages.mapping(result, "cache_creation", where)
        key = (
            _pages.optional_text(result, "account_id", where)
            or _pages.optional_text(result, "api_key_id", where)
            or _pages.optional_text(result, "workspace_id", where)
            or DEFAULT_WORKSPACE
        )
        yield UsageRow(
            person_key=key,
            day=day,
            model=_pages.optional_text(result, "model", where) or ALL_MODELS,
            ref=where,
            input_tokens=_pages.count(result, "uncached_input_tokens", where),
            output_tokens=_pages.count(result, "output_tokens", where),
            cache_read_tokens=_pages.count(result, "cache_read_input_tokens", where),
            cache_write_tokens=_pages.count(cache_creation, "ephemeral_1h_input_tokens", f"{where}.cache_creation")
            + _pages.count(cache_creation, "ephemeral_5m_input_tokens", f"{where}.cache_creation"),
            cost_known=False,  # the usage report has no dollars: estimated from list prices on import
        )
