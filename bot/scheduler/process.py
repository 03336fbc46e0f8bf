"""Building, starting and running the scheduler (in the web process, or alone as ``airetro scheduler``)."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.schedule_spec import GRACE
from bot.scheduler import jobs
from bot.scheduler.leader import POLL_SECONDS, Leadership
from bot.scheduler.sync import STORE, sync_jobs
from bot.services import prompts, pulls, schedule

log = logging.getLogger(__name__)
JOBS_TABLE = "apscheduler_jobs"
TICK_SECONDS = 60
SETTLE_SECONDS = 10  # how often claims of processes that stopped beating are looked for (storage.liveness)


def build_scheduler(
    engine: Engine,
    client: WebClient,
    scheduler_cls: type[BaseScheduler] = BackgroundScheduler,
    executor: object | None = None,
) -> BaseScheduler:
    """A scheduler whose team jobs live in our database (not started)."""
    jobs.bind(engine, client)
    return scheduler_cls(
        jobstores={STORE: SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE), "memory": MemoryJobStore()},
        executors={"default": executor or ThreadPoolExecutor(4)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": int(GRACE.total_seconds())},
        timezone=UTC,
    )


def tick(scheduler: BaseScheduler, engine: Engine, client: WebClient) -> None:
    """Every minute: follow member time zones and team changes, then catch up on anything due and not done."""
    now = datetime.now(UTC)
    schedule.refresh_time_zones(engine, client, now)
    sync_jobs(scheduler, engine)
    schedule.catch_up(engine, client, now)


def start_scheduler(scheduler: BaseScheduler, engine: Engine, client: WebClient) -> None:
    """Start processing: sync the jobs, catch up at once (a restart may have missed a run), then tick.
    A bad ``USAGE_PULLS`` setting stops the start with one line naming it (PullConfigError)."""
    pulls.configured()
    scheduler.start(paused=True)
    sync_jobs(scheduler, engine)
    scheduler.add_job(
        tick,
        "interval",
        seconds=TICK_SECONDS,
        args=(scheduler, engine, client),
        id="tick",
        jobstore="memory",
        replace_existing=True,
        next_run_time=datetime.now(UTC),
    )
    scheduler.add_job(
        prompts.settle_orphans,
        "interval",
        seconds=SETTLE_SECONDS,
        args=(engine, client),
        kwargs={},
        id="settle",
        jobstore="memory",
        replace_existing=True,
    )
    scheduler.resume()


def lead(engine: Engine, client: WebClient, stop: threading.Event, announce: Callable[[str], None] = print) -> None:
    """Stand by until this process leads (``bot.scheduler.leader``), run the schedule while it does, stand by
    again if the lead is lost; until ``stop`` is set, letting a fan-out in progress finish."""
    pulls.configured()  # a bad USAGE_PULLS stops the start at once, leader or not
    leadership = Leadership(engine)
    standing_by = False
    try:
        while not stop.is_set():
            if not leadership.acquire():
                if not standing_by:
                    announce("AI Retro scheduler standing by: another scheduler is running the schedule")
                    standing_by = True
                stop.wait(POLL_SECONDS)
                continue
            standing_by = False
            scheduler = build_scheduler(engine, client)
            start_scheduler(scheduler, engine, client)
            teams = {job.args[0] for job in scheduler.get_jobs(jobstore=STORE)}
            jobs_count = len(scheduler.get_jobs(jobstore=STORE))
            announce(f"AI Retro scheduler running: {jobs_count} jobs for {len(teams)} teams")
            while not stop.wait(POLL_SECONDS) and leadership.still_held():
                pass
            scheduler.shutdown(wait=True)
    finally:
        leadership.release()


def run_forever(engine: Engine, client: WebClient) -> None:
    """``airetro scheduler``: run until SIGTERM or Ctrl-C; one of several such processes leads at a time."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    lead(engine, client, stop, announce=lambda line: print(line, flush=True))


def lead_in_background(engine: Engine, client: WebClient) -> threading.Event:
    """The schedule inside a web process (``airetro serve`` without ``--no-scheduler``): set the returned
    event to stop it."""
    pulls.configured()
    stop = threading.Event()
    thread = threading.Thread(target=lead, args=(engine, client, stop, log.info), name="airetro-scheduler", daemon=True)
    thread.start()
    return stop


class _OfflineScheduler(BaseScheduler):
    """A scheduler that never runs anything: reads and edits the job store from the CLI."""

    def wakeup(self) -> None:
        pass

    def shutdown(self, wait: bool = True) -> None:
        super().shutdown(wait)


@contextmanager
def job_store(engine: Engine) -> Iterator[BaseScheduler]:
    """The persistent jobs, opened without running them (``schedule show``, schedule changes)."""
    scheduler = _OfflineScheduler(
        jobstores={STORE: SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE)}, timezone=UTC
    )
    scheduler.start(paused=True)
    try:
        yield scheduler
    finally:
        scheduler.shutdown(wait=False)


def reschedule(engine: Engine) -> None:
    """Write changed team schedules into the job store now; a running scheduler picks them up within a tick."""
    with job_store(engine) as scheduler:
        sync_jobs(scheduler, engine)
