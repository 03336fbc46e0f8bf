"""``airetro serve``: the Slack app (Socket Mode, or HTTP with one or more web processes) and, unless
``--no-scheduler``, the schedule."""

from __future__ import annotations

import argparse

from bot.app import create_app, make_client
from bot.cli.common import CliError, check_slack, open_database
from bot.config import Settings, check_port, require_slack
from bot.otlp.receiver import receiver_for_slack
from bot.scheduler.process import lead_in_background
from bot.serve import (
    WebProcess,
    check_port_free,
    serve_http_forever,
    serve_otlp_in_background,
    serve_socket_mode,
    serve_workers,
)
from bot.services.publication import publish_closed
from storage import liveness
from storage.engine import make_engine, migrate


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    require_slack(settings, serving=True)
    if args.workers < 1:
        raise CliError("--workers must be at least 1")
    if args.workers > 1 and settings.slack_app_token:
        raise CliError("--workers needs HTTP mode: Socket Mode (SLACK_APP_TOKEN is set) runs in one process")
    port = _port(args, settings)
    # checked before anything is migrated or started: the port (unless Socket Mode needs none), then Slack
    if not settings.slack_app_token or settings.otlp_token:
        check_port_free(port)
    check_slack(make_client(settings), settings)
    if args.workers > 1:
        # The parent migrates, then holds no connection and runs no thread across the forks: each web process
        # makes its own engine and registers its own heartbeat (storage.liveness), after the fork.
        engine = make_engine(settings.database_url, pool_size=1, max_overflow=0)
        migrate(engine)
        publish_closed(engine)
        engine.dispose()

        def web_process() -> WebProcess:
            engine = make_engine(
                settings.database_url,
                pool_size=settings.database_pool_size,
                max_overflow=settings.database_max_overflow,
            )
            liveness.start(engine, "serve")
            app = create_app(settings, engine)
            otlp = receiver_for_slack(engine, settings.otlp_token, app.client)
            stop = None if args.no_scheduler else lead_in_background(engine, app.client)  # one leads: leader.py
            return WebProcess(app, engine, otlp, on_stop=stop.set if stop is not None else None)

        return serve_workers(args.workers, port, web_process, otlp_on=bool(settings.otlp_token))
    engine = open_database(settings)
    app = create_app(settings, engine)
    otlp = receiver_for_slack(engine, settings.otlp_token, app.client)  # /v1/metrics: 404 without OTLP_TOKEN
    scheduler = None
    if not args.no_scheduler:  # leads the schedule unless another process does (bot/scheduler/leader.py)
        scheduler = lead_in_background(engine, app.client)
    try:
        if settings.slack_app_token:
            if settings.otlp_token:
                serve_otlp_in_background(otlp, port, engine=engine)
            serve_socket_mode(app, settings.slack_app_token)
        else:
            serve_http_forever(app, port, otlp=otlp, engine=engine)
    finally:
        if scheduler is not None:
            scheduler.set()
    return 0


def _port(args: argparse.Namespace, settings: Settings) -> int:
    """``--port``, else PORT (checked with the settings); the same range for both."""
    if args.port is None:
        return settings.port
    try:
        return check_port(args.port)
    except ValueError as exc:
        raise CliError(f"--port {exc}") from None
