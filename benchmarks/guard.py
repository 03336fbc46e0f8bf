"""Benchmark refusing forged requests at ``/slack/events``: the guard in front of Bolt (``bot/http_guard.py``).

    .venv/bin/python benchmarks/guard.py [--requests 1000] [--unguarded]

Serves the app over HTTP on 127.0.0.1 (waitress, as ``airetro serve`` does), then sends ``--requests``
forged or broken requests one after the other over one keep-alive connection, cycling through kinds
(wrong secret, a timestamp that is not a number, a stale one, unsigned bodies Bolt cannot parse, a 64 KiB
body signed with the wrong secret, no Slack headers at all), and prints the round-trip latency of the
refusals (median, p99, max; overall and per kind), the statuses, and the log lines they cost. For scale:
the same for correctly signed requests that Bolt answers (url_verification), and the guard alone, called
in process without HTTP. ``--unguarded``: Bolt's handler without the guard, as before it (5xx and
tracebacks). Target: refusals well under 50 ms. Not a test: nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import io
import json
import logging
import statistics
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable

from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress.server import create_server

from bot.app import create_app
from bot.config import Settings
from bot.http_guard import SlackGuard
from bot.serve import EVENTS_PATH, start_http
from bot.standin.web_api import SlackWebApi, users_from
from storage.engine import make_engine, migrate

SECRET = "bench-secret"
TOKEN = "xoxb-bench"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
COMMAND = b"token=t&team_id=T0TEAM001&user_id=U0USER001&command=%2Fairetro&text=help"
URL_VERIFICATION = json.dumps({"token": "t", "challenge": "bench", "type": "url_verification"}).encode()
MS = 1000

Request = tuple[list[tuple[str, str]], bytes]


def _sign(body: bytes, timestamp: str, secret: str = SECRET) -> str:
    return "v0=" + hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()


def _signed(body: bytes, content_type: str = FORM, *, ts: str | None = None, secret: str = SECRET) -> Request:
    ts = str(int(time.time())) if ts is None else ts
    headers = [("Content-Type", content_type), ("X-Slack-Request-Timestamp", ts)]
    return [*headers, ("X-Slack-Signature", _sign(body, ts, secret))], body


FORGED: dict[str, Callable[[], Request]] = {
    "wrong secret": lambda: _signed(COMMAND, secret="forger"),
    "timestamp abc": lambda: _signed(COMMAND, ts="abc"),
    "timestamp 10 min old": lambda: _signed(COMMAND, ts=str(int(time.time()) - 600)),
    "unsigned payload=%7Bx": lambda: ([("Content-Type", FORM)], b"payload=%7Bx"),
    "forged JSON {": lambda: _signed(b"{", JSON, secret="forger"),
    "forged non-UTF-8": lambda: _signed(b"text=\xff\xfe", secret="forger"),
    "64 KiB, wrong secret": lambda: _signed(b"text=" + b"x" * 65536, secret="forger"),
    "no Slack headers": lambda: ([], COMMAND),
}


def _pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


def _figures(values: list[float]) -> str:
    return (
        f"median {statistics.median(values) * MS:6.2f} ms, p99 {_pct(values, 0.99) * MS:6.2f} ms, "
        f"max {max(values) * MS:6.2f} ms"
    )


class _Counting(logging.Handler):
    """Formats every record (its cost is part of a refusal) and counts them; prints nothing."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines = 0
        self.tracebacks = 0

    def emit(self, record: logging.LogRecord) -> None:
        text = self.format(record)
        self.lines += text.count("\n") + 1
        self.tracebacks += "Traceback" in text


def _send(connection: http.client.HTTPConnection, request: Request) -> int:
    headers, body = request
    connection.putrequest("POST", EVENTS_PATH, skip_accept_encoding=True)
    for name, value in headers:
        connection.putheader(name, value)
    connection.putheader("Content-Length", str(len(body)))
    connection.endheaders(body)
    response = connection.getresponse()
    response.read()
    return response.status


def _run(port: int, kinds: list[tuple[str, Callable[[], Request]]], n: int) -> tuple[dict, Counter]:
    """``n`` requests cycling through ``kinds`` over one keep-alive connection (reopened if it closes)."""
    latencies: dict[str, list[float]] = defaultdict(list)
    statuses: Counter = Counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for i in range(n):
        name, build = kinds[i % len(kinds)]
        request = build()
        started = time.perf_counter()
        try:
            status = _send(connection, request)
        except (http.client.HTTPException, ConnectionError):
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            started = time.perf_counter()
            status = _send(connection, request)
        latencies[name].append(time.perf_counter() - started)
        statuses[status] += 1
    connection.close()
    return latencies, statuses


def _in_process(n: int) -> list[float]:
    """The guard alone refusing a wrong-secret request, as waitress would call it, without HTTP."""
    guard = SlackGuard(lambda environ, start_response: [b""], SECRET)
    times = []
    for _ in range(n):
        headers, body = FORGED["wrong secret"]()
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": EVENTS_PATH,
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            **{"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers if k != "Content-Type"},
            "CONTENT_TYPE": FORM,
        }
        started = time.perf_counter()
        guard(environ, lambda status, headers, exc_info=None: None)
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--unguarded", action="store_true", help="Bolt's handler alone, as before the guard")
    args = parser.parse_args()
    counting = _Counting()
    root = logging.getLogger()
    root.addHandler(counting)
    root.setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp, SlackWebApi(TOKEN, users_from(["ada"])) as slack:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        migrate(engine)
        settings = Settings(slack_bot_token=TOKEN, slack_signing_secret=SECRET, slack_api_url=slack.url)
        app = create_app(settings, engine)
        if args.unguarded:
            server = create_server(SlackRequestHandler(app, path=EVENTS_PATH), host="127.0.0.1", port=0, threads=8)
            threading.Thread(target=server.run, daemon=True).start()
            port, stop = server.effective_port, server.close
        else:
            http = start_http(app)
            port, stop = http.port, http.stop
        label = "Bolt alone (--unguarded)" if args.unguarded else "guard in front of Bolt"
        print(f"{label}, waitress on 127.0.0.1, one keep-alive connection, requests one after the other")

        _run(port, list(FORGED.items()), 50)  # warm-up
        counting.lines = counting.tracebacks = 0
        latencies, statuses = _run(port, list(FORGED.items()), args.requests)
        everything = [t for values in latencies.values() for t in values]
        lines, tracebacks = counting.lines, counting.tracebacks
        print(f"{args.requests} forged/broken requests: {_figures(everything)}")
        print(f"  statuses: {dict(sorted(statuses.items()))}; log lines {lines}, tracebacks {tracebacks}")
        for name, values in latencies.items():
            print(f"  {name:<24} {len(values):4}×  {_figures(values)}")

        signed, signed_statuses = _run(port, [("url_verification", lambda: _signed(URL_VERIFICATION, JSON))], 200)
        print(f"for scale, 200 signed url_verification (answered by Bolt): {_figures(signed['url_verification'])}, "
              f"statuses {dict(signed_statuses)}")  # fmt: skip
        stop()
        app.listener_runner.listener_executor.shutdown(wait=True)
    in_process = _in_process(args.requests)
    root.removeHandler(counting)
    median, p99 = statistics.median(in_process) * 1e6, _pct(in_process, 0.99) * 1e6
    print(f"the guard alone, in process, refusing a wrong secret (log line included): median {median:.0f} µs, "
          f"p99 {p99:.0f} µs")  # fmt: skip


if __name__ == "__main__":
    main()
