"""What the provider stand-in (``bot.standin.providers``) answers for the Anthropic Admin API beyond serving
stored items: the messages usage report's ``group_by[]``, and the organisation's users and API keys lists.

``group_by[]`` as the Admin API documents it: a result is grouped only by the dimensions asked for. A
dimension not asked for is null in every result, and the results that differ only in dimensions not
asked for are one result whose token counts are their sums. The stand-in's stored results are the finest
grain (every dimension set, or null where it does not apply: ``account_id`` for usage through an API key,
``api_key_id`` for usage by a signed-in account); each request gets them grouped as it asks.

``GET /v1/organizations/users`` and ``GET /v1/organizations/api_keys`` page by id: ``limit`` (1..1000,
default 20) items after ``after_id`` (or before ``before_id``), answered as
``{"data": [...], "has_more": bool, "first_id": id, "last_id": id}``.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

# the messages report's grouping dimensions, each null in a result unless grouped by
DIMENSIONS = ("account_id", "api_key_id", "workspace_id", "model", "service_tier", "context_window")
LIST_DEFAULT_LIMIT = 20
LIST_MAX_LIMIT = 1000


class BadRequest(ValueError):
    """A request the Admin API answers 400 ``invalid_request_error``; the message is the API's."""


def group_by(params: dict[str, list[str]]) -> tuple[str, ...]:
    """The dimensions a request asks to group by (``group_by[]``, repeated); an unknown one is refused."""
    asked = tuple(params.get("group_by[]", ()))
    for name in asked:
        if name not in DIMENSIONS:
            raise BadRequest(f"group_by[]: {name!r} is not one of {', '.join(DIMENSIONS)}")
    return asked


def grouped(bucket: dict, dimensions: Sequence[str]) -> dict:
    """``bucket`` with its results grouped by ``dimensions`` only (a copy; the stored bucket is untouched).

    Results are kept in the order their group first appears. Numbers of one group are added together,
    nested objects (``cache_creation``, ``server_tool_use``) field by field; a field missing from every
    result of a group stays missing and a field that is not a number keeps the first such value, so a
    malformed stored result is still malformed when served."""
    results = bucket.get("results")
    if not isinstance(results, list):
        return copy.deepcopy(bucket)
    groups: dict[tuple, dict] = {}
    for result in results:
        if not isinstance(result, dict):
            groups[("not an object", len(groups))] = copy.deepcopy(result)
            continue
        identity = tuple(_hashable(result.get(name)) for name in dimensions)
        measures = {name: value for name, value in result.items() if name not in DIMENSIONS}
        if identity in groups:
            _add(groups[identity], measures)
        else:
            groups[identity] = {
                **copy.deepcopy(measures),
                **{name: (result.get(name) if name in dimensions else None) for name in DIMENSIONS},
            }
    return {**copy.deepcopy({k: v for k, v in bucket.items() if k != "results"}), "results": list(groups.values())}


def _hashable(value: object) -> object:
    return value if isinstance(value, str | int | float | bool | type(None)) else repr(value)


def _add(total: dict, more: dict) -> None:
    for name, value in more.items():
        if name not in total:
            total[name] = copy.deepcopy(value)
            continue
        held = total[name]
        if isinstance(held, dict) and isinstance(value, dict):
            _add(held, value)
        elif _number(held) and _number(value):
            total[name] = held + value
        # otherwise the first value stays: a malformed one is served as it was stored


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def list_page(items: Sequence[dict], params: dict[str, list[str]], limit_cap: int) -> dict:
    """One page of an id-paged Admin API list: at most ``limit`` (and the stand-in's ``limit_cap``) items
    after ``after_id`` or before ``before_id``."""
    limit = _limit(params)
    after, before = _one(params, "after_id"), _one(params, "before_id")
    if after is not None and before is not None:
        raise BadRequest("only one of after_id and before_id may be given")
    ids = [item.get("id") for item in items]
    size = min(limit, limit_cap)
    if after is not None:
        start = _index(ids, after, "after_id") + 1
        chunk, more = list(items[start : start + size]), start + size < len(items)
    elif before is not None:
        end = _index(ids, before, "before_id")
        chunk, more = list(items[max(0, end - size) : end]), end - size > 0
    else:
        chunk, more = list(items[:size]), size < len(items)
    return {
        "data": copy.deepcopy(chunk),
        "has_more": more,
        "first_id": chunk[0].get("id") if chunk else None,
        "last_id": chunk[-1].get("id") if chunk else None,
    }


def _limit(params: dict[str, list[str]]) -> int:
    raw = _one(params, "limit")
    if raw is None:
        return LIST_DEFAULT_LIMIT
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest("limit must be an integer") from None
    if not 1 <= value <= LIST_MAX_LIMIT:
        raise BadRequest(f"limit must be in 1..{LIST_MAX_LIMIT}")
    return value


def _index(ids: list[object], wanted: str, name: str) -> int:
    try:
        return ids.index(wanted)
    except ValueError:
        raise BadRequest(f"{name} {wanted!r} is not an id of this list") from None


def _one(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[0] if values else None
