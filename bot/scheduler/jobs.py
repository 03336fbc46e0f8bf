"""The functions the persistent jobs call.

Jobs in the SQLAlchemy job store are pickled, so they name these functions by module path and carry
only a team id; the engine and the Slack client of the running process are bound here at start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.services import schedule


@dataclass(frozen=True)
class Runtime:
    engine: Engine
    client: WebClient


_runtime: Runtime | None = None


def bind(engine: Engine, client: WebClient) -> None:
    global _runtime
    _runtime = Runtime(engine, client)


def _current() -> Runtime:
    if _runtime is None:
        raise RuntimeError("scheduler jobs ran before bot.scheduler.jobs.bind()")
    return _runtime


def prompt_job(team_id: int) -> None:
    rt = _current()
    schedule.send_due_prompts(rt.engine, rt.client, team_id, datetime.now(UTC))


def reminder_job(team_id: int) -> None:
    rt = _current()
    schedule.send_due_reminders(rt.engine, rt.client, team_id, datetime.now(UTC))


def digest_job(team_id: int) -> None:
    rt = _current()
    schedule.post_due_digest(rt.engine, rt.client, team_id, datetime.now(UTC))


PROMPT = f"{__name__}:prompt_job"
REMINDER = f"{__name__}:reminder_job"
DIGEST = f"{__name__}:digest_job"
