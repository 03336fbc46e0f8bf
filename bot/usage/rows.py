"""What every usage parser yields: plain rows, one per person key, day and model (usage) or per person
key and day (activity), each naming where in the file it came from so an error can point at it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Protocol


class RecordError(ValueError):
    """A record that cannot be imported; ``ref`` names it (``line 12``, ``data[3].results[1]``)."""

    def __init__(self, ref: str, message: str) -> None:
        super().__init__(f"{ref}: {message}")
        self.ref = ref
        self.message = message


@dataclass(frozen=True, slots=True)
class UsageRow:
    """Tokens one identity used with one model on one day.

    ``person_key`` is the identity as the source names it: an e-mail (lower-cased), a Slack user ID,
    or an opaque key (API key id, project id, LiteLLM user) that ``airetro identities map`` can tie
    to a person. Several rows for the same key, day and model in one import are added together.

    ``event_id``: set by sources that report single requests or data points (LiteLLM spend logs, Cursor
    usage events, OpenTelemetry data points). Such a row is kept once per (source, event_id), so pages
    and windows of a day add up and a page imported again changes nothing; the day's usage record is the
    sum of its events. Without it (bucketed reports: Anthropic, OpenAI, Copilot), a row replaces the
    stored record of the same (source, key, day, model): re-importing a period replaces its buckets.
    """

    person_key: str
    day: date
    model: str
    ref: str
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float = 0.0
    requests: int = 0
    event_id: str | None = None
    cost_known: bool = True  # False: the source reports no dollars (estimated from list prices on import)


@dataclass(frozen=True, slots=True)
class ActivityRow:
    """What a provider says one identity did with its tool on one day (Claude Code analytics)."""

    person_key: str
    day: date
    ref: str
    sessions: int = 0
    lines_added: int = 0
    lines_removed: int = 0
    commits: int = 0
    pull_requests: int = 0
    tool_accepted: int = 0
    tool_rejected: int = 0
    interactions: int = 0  # prompts / chat requests the person started (Copilot, Cursor)
    code_generations: int = 0  # code suggestions or generations shown (Copilot, Cursor)
    code_acceptances: int = 0  # of which accepted
    agent_requests: int = 0  # requests in agent mode


Row = UsageRow | ActivityRow


class Parser(Protocol):
    """A format's parser: reads a file (streaming, never whole into memory) and yields its rows;
    raises RecordError naming the first bad record."""

    def __call__(self, path: str) -> Iterator[Row]: ...
