"""Running the Bolt app: HTTP (waitress, ``/slack/events``) or Socket Mode; and, when given one, the OTLP
receiver for Claude Code's metrics at ``/v1/metrics`` (``bot/otlp/receiver.py``) beside it. Every HTTP port
also answers the health checks ``/healthz`` and ``/readyz`` (``bot/health.py``; ``/readyz`` needs the engine),
outside the Slack signature guard. Socket Mode without OTLP has no HTTP port, so no health checks."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import Engine
from waitress import wasyncore
from waitress.server import create_server

from bot.health import HEALTH_PATH, READY_PATH, HealthRoutes
from bot.http_guard import SlackGuard, quiet_bolt_middleware_failures

EVENTS_PATH = "/slack/events"
# waitress refuses (413) a body past this before any app code reads it: Slack's requests are far smaller,
# an OTLP batch is capped at 5 MiB by its receiver
MAX_BODY = 8 * 1024 * 1024
OTLP_METRICS_PATH = "/v1/metrics"  # OTLP/HTTP's path for metrics
WsgiApp = Callable[[dict, Callable], Iterable[bytes]]


@dataclass
class HttpServer:
    """A running HTTP endpoint for the app (used by ``serve``, the demo and the tests)."""

    server: object
    thread: threading.Thread
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{EVENTS_PATH}"

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{OTLP_METRICS_PATH}"

    @property
    def health_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{HEALTH_PATH}"

    @property
    def ready_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{READY_PATH}"

    def stop(self) -> None:
        """Close every socket from inside the server's own loop (closing them from here races its select)."""

        def close_in_loop() -> None:
            self.server.task_dispatcher.shutdown()
            wasyncore.close_all(self.server._map)

        self.server.trigger.pull_trigger(close_in_loop)
        self.thread.join(timeout=5)


def signing_secret_of(app: App) -> str:
    """The signing secret Bolt verifies requests with (``App(signing_secret=...)``, else $SLACK_SIGNING_SECRET):
    Bolt keeps it as ``App._signing_secret`` and offers no public accessor. Without it: no app to serve."""
    secret = getattr(app, "_signing_secret", None)
    if not isinstance(secret, str):
        raise TypeError("this version of slack_bolt.App keeps no _signing_secret; the HTTP guard needs it")
    return secret


def _slack_endpoint(app: App) -> WsgiApp:
    """Bolt's WSGI handler behind the guard (``bot/http_guard.py``): only well-formed requests Slack signed
    reach Bolt; everything else gets a 4xx and one log line. Bolt's report of a middleware failing on a
    signed request becomes one line too."""
    quiet_bolt_middleware_failures(app.logger)
    return SlackGuard(SlackRequestHandler(app, path=EVENTS_PATH), signing_secret_of(app), path=EVENTS_PATH)


def _routes(app: App | None, otlp: WsgiApp | None, engine: Engine | None = None) -> WsgiApp:
    """``/healthz`` and ``/readyz`` (no signature: not Slack's; ``/readyz`` only with ``engine``), ``/v1/metrics``
    to ``otlp`` if given, everything else to Slack's endpoint behind the guard (without ``app``: 404)."""
    health = HealthRoutes(engine)
    slack = _slack_endpoint(app) if app is not None else None

    def route(environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        if path == HEALTH_PATH or (path == READY_PATH and engine is not None):
            return health(environ, start_response)
        if otlp is not None and path == OTLP_METRICS_PATH:
            return otlp(environ, start_response)
        if slack is not None:
            return slack(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain;charset=utf-8")])
        return [b"Not Found"]

    return route


def start_http(
    app: App,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    otlp: WsgiApp | None = None,
    engine: Engine | None = None,
) -> HttpServer:
    """Serve the app over HTTP in a background thread; port 0 picks a free port. ``otlp``: the receiver of
    ``/v1/metrics`` (``bot.otlp.receiver.OtlpReceiver``); ``engine``: the database ``/readyz`` checks."""
    server = create_server(_routes(app, otlp, engine), host=host, port=port, threads=8, max_request_body_size=MAX_BODY)
    thread = threading.Thread(target=server.run, name="airetro-http", daemon=True)
    thread.start()
    return HttpServer(server=server, thread=thread, port=server.effective_port)


def _print_health(engine: Engine | None) -> None:
    ready = f", readiness at {READY_PATH} (database answers, schema current)" if engine is not None else ""
    print(f"Health checks on the same port: liveness at {HEALTH_PATH}{ready}", flush=True)


def serve_http_forever(app: App, port: int, *, otlp: WsgiApp | None = None, engine: Engine | None = None) -> None:
    server = create_server(
        _routes(app, otlp, engine), host="0.0.0.0", port=port, threads=8, max_request_body_size=MAX_BODY
    )
    print(f"AI Retro listening on http://0.0.0.0:{server.effective_port}{EVENTS_PATH}", flush=True)
    if otlp is not None:
        off = "" if getattr(otlp, "token", True) else " (off: OTLP_TOKEN is not set)"
        print(f"Claude Code metrics (OTLP/HTTP) at {OTLP_METRICS_PATH} on the same port{off}", flush=True)
    _print_health(engine)
    server.run()


def serve_otlp_in_background(otlp: WsgiApp, port: int, *, engine: Engine | None = None) -> HttpServer:
    """Socket Mode has no HTTP endpoint for Slack; Claude Code's metrics still need one: ``/v1/metrics``, and
    the health checks beside it."""
    server = create_server(
        _routes(None, otlp, engine), host="0.0.0.0", port=port, threads=4, max_request_body_size=MAX_BODY
    )
    thread = threading.Thread(target=server.run, name="airetro-otlp", daemon=True)
    thread.start()
    print(f"Claude Code metrics (OTLP/HTTP) on http://0.0.0.0:{server.effective_port}{OTLP_METRICS_PATH}", flush=True)
    _print_health(engine)
    return HttpServer(server=server, thread=thread, port=server.effective_port)


def serve_socket_mode(app: App, app_token: str) -> None:
    print("AI Retro connecting to Slack in Socket Mode", flush=True)
    SocketModeHandler(app, app_token).start()
