"""Estimated dollars for usage whose source reports none, from the models' published list prices
(``genai-prices``, a maintained price table shipped with the package: no network at run time).

Prices are per token at the model's base tier: a day's total is many requests, so the per-request
surcharges some providers add for very long prompts are not applied (an estimate says it is one).
Cache reads and writes are priced at their own rates. A model the table does not know has no
estimate: its tokens are "cost unknown", never $0.
"""

from __future__ import annotations

import warnings
from decimal import Decimal
from functools import lru_cache

from genai_prices import Usage, calc_price

_PROBE = 1000  # tokens: small enough to stay in every model's base tier


@lru_cache(maxsize=1024)
def rates(model: str) -> tuple[float, float, float, float] | None:
    """Dollars per token for (input, output, cache read, cache write) of ``model``; None when unknown."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            plain = calc_price(Usage(input_tokens=_PROBE), model).total_price
            output = calc_price(Usage(input_tokens=0, output_tokens=_PROBE), model).total_price
            read = calc_price(Usage(input_tokens=_PROBE, cache_read_tokens=_PROBE), model).total_price
            write = calc_price(Usage(input_tokens=_PROBE, cache_write_tokens=_PROBE), model).total_price
    except (LookupError, ValueError):
        return None
    per = Decimal(_PROBE)
    return float(plain / per), float(output / per), float(read / per), float(write / per)


def estimate(
    model: str, input_tokens: int, output_tokens: int, cache_read: int = 0, cache_write: int = 0
) -> float | None:
    """The list-price cost of these tokens of ``model`` in dollars; None when the model's prices are unknown."""
    found = rates(model.strip().lower())
    if found is None:
        return None
    per_input, per_output, per_read, per_write = found
    return input_tokens * per_input + output_tokens * per_output + cache_read * per_read + cache_write * per_write
