"""Which source's tokens count when several sources saw the same tokens. Pure.

Sources that can see the same tokens (documented in the README, "Token usage import"):

* Anthropic's usage report holds every Anthropic API call of the organisation, Claude Code's through API
  keys and logins included: Claude Code analytics and Claude Code's OpenTelemetry metrics are subsets of it;
* a LiteLLM proxy in front of a provider logs the same requests the provider reports (only when the
  operator says so: ``LITELLM_PROXIES=anthropic,openai``, as a LiteLLM proxy may front other providers);
* OpenAI's usage report likewise holds the OpenAI calls a LiteLLM proxy logged.

The rule, per person, day and provider: the most complete source that has any usage for that person-day
counts, the others add nothing to tokens or dollars (their provider activity still counts). Sources that
see nobody else's tokens (Cursor, GitHub Copilot, a plain CSV) are their own provider.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

# provider → its sources, most complete first
PRECEDENCE: dict[str, tuple[str, ...]] = {
    "anthropic": ("anthropic", "claude-code", "claude-code-otel", "litellm"),
    "openai": ("openai", "litellm"),
}
# LiteLLM model names → the provider behind them (prefixes; "anthropic/claude-…" style too)
_MODEL_PROVIDERS = (
    ("claude", "anthropic"),
    ("anthropic/", "anthropic"),
    ("gpt", "openai"),
    ("o1", "openai"),
    ("o3", "openai"),
    ("o4", "openai"),
    ("openai/", "openai"),
    ("text-embedding", "openai"),
)
PROXY_SETTING = "LITELLM_PROXIES"
_OWN = {"anthropic": "anthropic", "claude-code": "anthropic", "claude-code-otel": "anthropic", "openai": "openai"}


def proxied_providers(raw: str | None = None) -> frozenset[str]:
    """The providers the operator's LiteLLM proxy fronts (``LITELLM_PROXIES``, comma-separated)."""
    text = os.environ.get(PROXY_SETTING, "") if raw is None else raw
    return frozenset(p.strip().lower() for p in text.split(",") if p.strip())


def provider_of(source: str, model: str, proxies: frozenset[str]) -> str:
    """The provider whose tokens a (source, model) record holds, for the overlap rule."""
    if source in _OWN:
        return _OWN[source]
    if source == "litellm":
        lowered = model.strip().lower()
        for prefix, provider in _MODEL_PROVIDERS:
            if lowered.startswith(prefix) and provider in proxies:
                return provider
        return "litellm"
    return source


def rank(source: str, provider: str) -> int:
    """Lower counts first; a source outside the provider's list is its only source."""
    order = PRECEDENCE.get(provider, ())
    return order.index(source) if source in order else 0


def counted_sources(day_records: Iterable[tuple[str, str]], proxies: frozenset[str]) -> set[tuple[str, str]]:
    """Of one person-day's (source, model) records, those whose tokens count."""
    records = list(day_records)
    best: dict[str, int] = {}
    for source, model in records:
        provider = provider_of(source, model, proxies)
        best[provider] = min(best.get(provider, 99), rank(source, provider))
    return {
        (source, model)
        for source, model in records
        if rank(source, (provider := provider_of(source, model, proxies))) == best[provider]
    }


def counted_rule(proxies: frozenset[str] | None = None) -> Callable[[list[tuple[str, str]]], set[tuple[str, str]]]:
    """The rule as token summaries take it, with the operator's ``LITELLM_PROXIES`` (read now)."""
    chosen = proxied_providers() if proxies is None else proxies
    return lambda records: counted_sources(records, chosen)
