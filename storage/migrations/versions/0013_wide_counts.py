"""token, request and activity counts 64-bit on PostgreSQL

A usage record may count up to 10^12 tokens (``bot/usage/bounds.py``) and a week's summary adds records up:
PostgreSQL's ``integer`` stops at 2^31 - 1. This makes every count ``bigint`` there. SQLite's INTEGER is
64-bit already: nothing to do.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 04:00:00

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_USAGE = (
    "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "unknown_cost_tokens", "requests",
)  # fmt: skip
_ACTIVITY = (
    "sessions", "lines_added", "lines_removed", "commits", "pull_requests", "tool_accepted", "tool_rejected",
    "interactions", "code_generations", "code_acceptances", "agent_requests",
)  # fmt: skip
COLUMNS = {
    "usage_records": _USAGE,
    "usage_events": _USAGE,
    "activity_records": _ACTIVITY,
    "activity_events": ("value",),
    "token_summaries": ("tokens", "unknown_cost_tokens"),
}


def _alter(to: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in COLUMNS.items():
        changes = ", ".join(f'ALTER COLUMN "{column}" TYPE {to}' for column in columns)
        op.execute(f"ALTER TABLE {table} {changes}")  # one rewrite of the table, not one per column


def upgrade() -> None:
    _alter("BIGINT")


def downgrade() -> None:
    _alter("INTEGER")
