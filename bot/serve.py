"""Running the Bolt app: HTTP (waitress, ``/slack/events``) or Socket Mode; and, when given one, the OTLP
receiver for Claude Code's metrics at ``/v1/metrics`` (``bot/otlp/receiver.py``) beside it. Every HTTP port
also answers the health checks ``/healthz`` and ``/readyz`` (``bot/health.py``; ``/readyz`` needs the engine),
outside the Slack signature guard. Socket Mode without OTLP has no HTTP port, so no health checks.

``serve_workers``: several web processes on one port (``airetro serve --workers N``, HTTP only). The parent
binds the port once and forks N children; each builds its own engine, Bolt app and waitress server on the
inherited socket (the kernel hands each new connection to one of them), the parent restarts a child that dies
and, on SIGTERM or SIGINT, passes the signal on, waits for them to finish their requests, then exits."""

from __future__ import annotations

import errno
import logging
import os
import signal
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TextIO

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

log = logging.getLogger(__name__)


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
        # Wait for the loop to end: returning earlier would let its late closes hit file descriptors the next
        # server has reused (a busy machine can take seconds to get there).
        self.thread.join(timeout=60)
        if self.thread.is_alive():
            log.warning("the HTTP server on port %s did not stop within 60 s", self.port)


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


def _print_health(ready: bool) -> None:
    readiness = f", readiness at {READY_PATH} (database answers, schema current)" if ready else ""
    print(f"Health checks on the same port: liveness at {HEALTH_PATH}{readiness}", flush=True)


def _print_listening(port: int, otlp_on: bool | None, ready: bool, processes: str = "") -> None:
    """``otlp_on``: None without a receiver, else whether OTLP_TOKEN is set."""
    print(f"AI Retro listening on http://0.0.0.0:{port}{EVENTS_PATH}{processes}", flush=True)
    if otlp_on is not None:
        off = "" if otlp_on else " (off: OTLP_TOKEN is not set)"
        print(f"Claude Code metrics (OTLP/HTTP) at {OTLP_METRICS_PATH} on the same port{off}", flush=True)
    _print_health(ready)


class PortInUse(OSError):
    """The port to listen on is taken; the message names it (and what to do), in one line."""

    def __init__(self, port: int) -> None:
        super().__init__(
            f"port {port} is already in use: stop what listens there, or set PORT (or --port) to a free port"
        )
        self.port = port


def _naming_the_port(exc: OSError, port: int) -> OSError:
    """A bind failure as an operator reads it: which port, and why."""
    if exc.errno == errno.EADDRINUSE:
        return PortInUse(port)
    if exc.errno == errno.EACCES:
        return OSError(f"port {port} needs more privileges than this process has: set PORT to 1024 or above")
    return OSError(f"cannot listen on port {port}: {exc.strerror or exc}")


def check_port_free(port: int, host: str = "0.0.0.0") -> None:
    """Raise PortInUse (or another OSError naming the port) unless ``port`` can be listened on now: checked
    before the database is migrated or Slack is called, so a taken port is the one line an operator sees."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds: TIME_WAIT is no clash
        sock.bind((host, port))
    except OSError as exc:
        raise _naming_the_port(exc, port) from None
    finally:
        sock.close()


def _create_server(app: WsgiApp, port: int, threads: int) -> Any:  # waitress: one of its server classes
    try:
        return create_server(app, host="0.0.0.0", port=port, threads=threads, max_request_body_size=MAX_BODY)
    except OSError as exc:  # taken since check_port_free looked
        raise _naming_the_port(exc, port) from None


def serve_http_forever(app: App, port: int, *, otlp: WsgiApp | None = None, engine: Engine | None = None) -> None:
    server = _create_server(_routes(app, otlp, engine), port, threads=8)
    otlp_on = None if otlp is None else bool(getattr(otlp, "token", True))
    _print_listening(server.effective_port, otlp_on, engine is not None)
    server.run()


def serve_otlp_in_background(otlp: WsgiApp, port: int, *, engine: Engine | None = None) -> HttpServer:
    """Socket Mode has no HTTP endpoint for Slack; Claude Code's metrics still need one: ``/v1/metrics``, and
    the health checks beside it."""
    server = _create_server(_routes(None, otlp, engine), port, threads=4)
    thread = threading.Thread(target=server.run, name="airetro-otlp", daemon=True)
    thread.start()
    print(f"Claude Code metrics (OTLP/HTTP) on http://0.0.0.0:{server.effective_port}{OTLP_METRICS_PATH}", flush=True)
    _print_health(engine is not None)
    return HttpServer(server=server, thread=thread, port=server.effective_port)


def serve_socket_mode(app: App, app_token: str) -> None:
    print("AI Retro connecting to Slack in Socket Mode", flush=True)
    SocketModeHandler(app, app_token).start()


# Several web processes on one port (``airetro serve --workers N``) ---------------------------------------------

WORKER_HEADER = "X-Airetro-Worker"  # every answer of a web process started by serve_workers names its pid
BOOT_FAILED = 3  # a web process's exit status when it could not start (database, token check, settings)
STOP_GRACE = 15.0  # seconds web processes get to finish their requests after SIGTERM, before SIGKILL
QUICK_DEATH = 10.0  # a web process dying sooner than this after its start is restarted after a growing delay
MAX_RESTART_DELAY = 30.0
POLL = 0.2  # how often the parent looks for web processes that died, or a signal


@dataclass
class WebProcess:
    """What one web process serves, built inside it after the fork (``serve_workers``' ``boot``): nothing that
    holds a connection, a lock or a thread may cross a fork."""

    app: App
    engine: Engine
    otlp: WsgiApp | None = None
    on_stop: Callable[[], None] | None = None  # e.g. stop its scheduler thread


def bind_port(port: int, host: str = "0.0.0.0", backlog: int = 1024) -> socket.socket:
    """The listening socket every web process accepts on (bound once, in the parent)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError as exc:
        sock.close()
        raise _naming_the_port(exc, port) from None
    return sock


def _tagged(app: WsgiApp, pid: int) -> WsgiApp:
    """``app`` whose every answer carries ``X-Airetro-Worker: <pid>`` (which web process served it)."""
    header = (WORKER_HEADER, str(pid))

    def tagged(environ: dict, start_response: Callable) -> Iterable[bytes]:
        def start(status: str, headers: list, exc_info: object = None) -> Callable:
            return start_response(status, [*headers, header], exc_info)

        return app(environ, start)

    return tagged


def _say(line: str, stream: TextIO | None = None) -> None:
    """One line in one write: the web processes share stdout and stderr, and print() writes the text and its
    newline separately, so two processes' lines could run together ("…servingAI Retro web process…")."""
    stream = stream or sys.stdout
    stream.flush()
    try:
        os.write(stream.fileno(), f"{line}\n".encode())
    except (AttributeError, OSError, ValueError):  # a stream without a descriptor (captured in tests)
        stream.write(f"{line}\n")
        stream.flush()


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _stop_on_signals() -> None:
    """In a web process: the first SIGTERM or SIGINT raises SystemExit (waitress then lets the requests
    running finish); any later one is ignored, so the way out is not cut short."""

    def stop(signum: int, _frame: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


def _watch_parent(parent: int) -> None:
    """A web process whose parent is gone (killed with SIGKILL) stops too instead of serving on unsupervised."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="airetro-parent-watch", daemon=True).start()


def _web_process(sock: socket.socket, boot: Callable[[], WebProcess], parent: int) -> int:
    """The life of one web process (in the child, after the fork); returns its exit status."""
    _stop_on_signals()
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    _watch_parent(parent)
    pid = os.getpid()
    try:
        web = boot()
    except Exception as error:  # one line, as the single-process `serve` prints it
        _say(f"airetro: web process {pid} could not start: {_first_line(error)}", sys.stderr)
        return BOOT_FAILED
    try:
        server = create_server(
            _tagged(_routes(web.app, web.otlp, web.engine), pid),
            sockets=[sock],
            threads=8,
            max_request_body_size=MAX_BODY,
        )
        _say(f"AI Retro web process {pid} serving")
        server.run()  # until SIGTERM/SIGINT: waitress catches the SystemExit and lets running requests finish
    finally:
        if web.on_stop is not None:
            web.on_stop()
        web.app.listener_runner.listener_executor.shutdown(wait=True)  # work after an ack finishes
        web.engine.dispose()
    return 0


@dataclass
class _Child:
    slot: int
    started: float
    first: bool  # the slot's first web process: if it cannot start, nothing will (settings, database, token)


def _describe(status: int) -> str:
    """``os.waitpid``'s status in words."""
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with status {code}"


class _Supervisor:
    """The parent of ``serve_workers``: starts the web processes, restarts the ones that die, stops them all on
    SIGTERM/SIGINT. It holds the listening socket and nothing else (no engine, no thread)."""

    def __init__(self, workers: int, sock: socket.socket, boot: Callable[[], WebProcess]) -> None:
        self.workers, self.sock, self.boot = workers, sock, boot
        self.children: dict[int, _Child] = {}
        self.due: dict[int, float] = {}  # slot → when its next web process starts
        self.quick_deaths = [0] * workers
        self.signals: list[int] = []
        self.failed = False

    def _on_signal(self, signum: int, _frame: object) -> None:
        self.signals.append(signum)

    def _spawn(self, slot: int, first: bool) -> None:
        sys.stdout.flush()
        sys.stderr.flush()  # nothing buffered is printed twice
        blocked = {signal.SIGTERM, signal.SIGINT}  # until the child has its own handlers
        signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
        parent = os.getpid()
        try:
            pid = os.fork()
        finally:
            if os.getpid() == parent:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, blocked)
        if pid == 0:
            status = 1
            try:
                status = _web_process(self.sock, self.boot, parent)
            except SystemExit as stop:
                status = stop.code if isinstance(stop.code, int) else 0
            except BaseException:  # noqa: BLE001 - the child must never return into the parent's code
                traceback.print_exc()
            finally:
                try:
                    sys.stdout.flush()
                    sys.stderr.flush()
                finally:
                    os._exit(status)
        self.children[pid] = _Child(slot, time.monotonic(), first)

    def _reap(self) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            child = self.children.pop(pid, None)
            if child is None:
                continue
            if child.first and os.waitstatus_to_exitcode(status) == BOOT_FAILED:
                _say(f"airetro: web process {pid} could not start; stopping", sys.stderr)
                self.failed = True
                return
            if self.signals:
                continue  # stopping: it stopped with the others
            quick = time.monotonic() - child.started < QUICK_DEATH
            deaths = self.quick_deaths[child.slot] = self.quick_deaths[child.slot] + 1 if quick else 0
            delay = min(MAX_RESTART_DELAY, 2.0 ** (deaths - 1)) if quick else 0.0  # 1, 2, 4 … 30 s
            when = f" in {delay:g} s" if delay else ""
            _say(f"airetro: web process {pid} {_describe(status)}; starting another{when}", sys.stderr)
            self.due[child.slot] = time.monotonic() + delay

    def _start_due(self) -> None:
        now = time.monotonic()
        for slot, when in list(self.due.items()):
            if when <= now and not self.signals:
                del self.due[slot]
                self._spawn(slot, first=False)

    def _stop_all(self, signum: int) -> None:
        """Pass ``signum`` on, wait up to ``STOP_GRACE`` for every web process; SIGKILL what is left (at once
        on a second signal)."""
        for pid in self.children:
            _signal(pid, signum)
        received = len(self.signals)
        deadline = time.monotonic() + STOP_GRACE
        while self.children and time.monotonic() < deadline and len(self.signals) <= received:
            for pid in list(self.children):
                if _reaped(pid):
                    del self.children[pid]
            time.sleep(0.05)
        for pid in self.children:
            _say(f"airetro: web process {pid} did not stop; killing it", sys.stderr)
            _signal(pid, signal.SIGKILL)
        for pid in list(self.children):
            _reaped(pid, wait=True)
            del self.children[pid]

    def run(self) -> int:
        previous = {s: signal.signal(s, self._on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            for slot in range(self.workers):
                if not self.signals:
                    self._spawn(slot, first=True)
            while not self.signals and not self.failed:
                self._reap()
                self._start_due()
                time.sleep(POLL)
            self._stop_all(self.signals[0] if self.signals else signal.SIGTERM)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        return 1 if self.failed else 0


def _reaped(pid: int, *, wait: bool = False) -> bool:
    """Whether the web process ``pid`` has exited (and is reaped now)."""
    try:
        return os.waitpid(pid, 0 if wait else os.WNOHANG)[0] == pid
    except ChildProcessError:
        return True


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def serve_workers(workers: int, port: int, boot: Callable[[], WebProcess], *, otlp_on: bool = False) -> int:
    """``airetro serve --workers N``: bind ``port`` once, run ``workers`` web processes on it, each built by
    ``boot()`` after the fork (its own engine, Bolt app and waitress server), restart any that dies, and stop
    them all on SIGTERM or SIGINT. Returns the exit status (1 when a first web process could not start).
    The caller must hold no database connection and run no thread: the children would inherit them."""
    sock = bind_port(port)
    try:
        _print_listening(sock.getsockname()[1], otlp_on, True, f" ({workers} web processes)")
        return _Supervisor(workers, sock, boot).run()
    finally:
        sock.close()
