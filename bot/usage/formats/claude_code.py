"""Claude Code analytics report (``GET /v1/organizations/usage_report/claude_code``).

One record per actor and day: ``date``, ``actor`` (``{"type": "user_actor", "email_address"}`` or
``{"type": "api_actor", "api_key_name"}``), ``core_metrics`` (``num_sessions``, ``lines_of_code``
``{added, removed}``, ``commits_by_claude_code``, ``pull_requests_by_claude_code``), ``tool_actions``
(per tool ``{accepted, rejected}``) and ``model_breakdown`` (per model ``tokens {input, output,
cache_read, cache_creation}`` and ``estimated_cost {currency, amount}``, the amount in minor
currency units: cents for USD). Shape:
https://platform.claude.com/docs/en/api/beta/organization/usage_report/retrieve_claude_code

Each record yields one ActivityRow (the tool's accept/reject counts summed over the tools) and one
UsageRow per model with the cost in dollars. The person key is the actor's e-mail, lower-cased, or
for an API actor the API key's name. Remote and local sessions come as separate records for the same
actor and day; the import adds them together.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from bot.usage.formats import _pages
from bot.usage.rows import ActivityRow, RecordError, Row, UsageRow

SOURCE = "claude-code"
CURRENCY = "USD"


def parse(path: str) -> Iterator[Row]:
    """The rows of a saved Claude Code analytics report (a page, pages, or JSON Lines of pages)."""
    for ref, record in _pages.read_file(path):
        yield from rows_of(ref, record)


def rows_of(ref: str, record: dict) -> Iterator[Row]:
    """One actor-day record ``data[i]``: its activity row, then a usage row per model."""
    day = _pages.utc_day(record, "date", ref)
    key = _person_key(record, ref)
    metrics = _pages.mapping(record, "core_metrics", ref)
    metrics_ref = f"{ref}.core_metrics"
    lines = _pages.mapping(metrics, "lines_of_code", metrics_ref)
    accepted = rejected = 0
    for tool, actions in _pages.mapping(record, "tool_actions", ref).items():
        where = f"{ref}.tool_actions.{tool}"
        if not isinstance(actions, dict):
            raise RecordError(where, "expected an object")
        accepted += _pages.count(actions, "accepted", where)
        rejected += _pages.count(actions, "rejected", where)
    usage = [_usage_row(key, day, where, entry) for where, entry in _pages.objects(record, "model_breakdown", ref)]
    yield ActivityRow(
        person_key=key,
        day=day,
        ref=ref,
        sessions=_pages.count(metrics, "num_sessions", metrics_ref),
        lines_added=_pages.count(lines, "added", f"{metrics_ref}.lines_of_code"),
        lines_removed=_pages.count(lines, "removed", f"{metrics_ref}.lines_of_code"),
        commits=_pages.count(metrics, "commits_by_claude_code", metrics_ref),
        pull_requests=_pages.count(metrics, "pull_requests_by_claude_code", metrics_ref),
        tool_accepted=accepted,
        tool_rejected=rejected,
    )
    yield from usage


def _person_key(record: dict, ref: str) -> str:
    actor = _pages.mapping(record, "actor", ref)
    kind = actor.get("type")
    if kind == "user_actor":
        return _pages.text(actor, "email_address", f"{ref}.actor").lower()
    if kind == "api_actor":
        return _pages.text(actor, "api_key_name", f"{ref}.actor")
    raise RecordError(f"{ref}.actor", f"type {kind!r} is neither 'user_actor' nor 'api_actor'")


def _usage_row(key: str, day: date, where: str, entry: dict) -> UsageRow:
    tokens = _pages.mapping(entry, "tokens", where)
    cost = _pages.mapping(entry, "estimated_cost", where)
    currency = _pages.text(cost, "currency", f"{where}.estimated_cost")
    if currency.upper() != CURRENCY:
        raise RecordError(f"{where}.estimated_cost", f"currency {currency!r} is not {CURRENCY}")
    dollars = _pages.amount(cost, "amount", f"{where}.estimated_cost", per_dollar=100)  # given in cents
    return UsageRow(
        person_key=key,
        day=day,
        model=_pages.text(entry, "model", where),
        ref=where,
        input_tokens=_pages.count(tokens, "input", f"{where}.tokens"),
        output_tokens=_pages.count(tokens, "output", f"{where}.tokens"),
        cache_read_tokens=_pages.count(tokens, "cache_read", f"{where}.tokens"),
        cache_write_tokens=_pages.count(tokens, "cache_creation", f"{where}.tokens"),
        cost_usd=round(dollars, 6),
    )
