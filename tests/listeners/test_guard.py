"""Forged, stale, malformed or misdirected requests to ``/slack/events`` are refused by the guard in front of
Bolt (``bot/http_guard.py``): the right 4xx, exactly one warning line without a traceback, no database change.

The corpus is table-driven: each case builds its request when it runs (timestamps must be fresh) and is
sent over real HTTP with ``http.client`` (which, unlike urllib, sends duplicate and odd headers as given).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import io
import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import Engine, inspect, text

from bot.app import create_app
from bot.config import Settings
from bot.http_guard import SlackGuard, check_body, expected_signature
from bot.serve import HttpServer, start_http
from bot.services import teams
from bot.standin.web_api import SlackWebApi, users_from
from tests.conftest import CHANNEL, NAMES, SIGNING_SECRET, TOKEN, drain

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
PATH = "/slack/events"
GUARD_LOGGER = "bot.http_guard"

Header = tuple[str, str | bytes]
Request = tuple[str, str, list[Header], bytes]  # method, path, headers, body


def sign(body: bytes, timestamp: str, secret: str = SIGNING_SECRET) -> str:
    return (
        "v0="
        + hmac.new(secret.encode(), b"v0:" + timestamp.encode("latin-1") + b":" + body, hashlib.sha256).hexdigest()
    )


def now() -> str:
    return str(int(time.time()))


def signed(
    body: bytes,
    content_type: str | None = FORM,
    *,
    ts: str | None = None,
    secret: str = SIGNING_SECRET,
    signature: str | None = None,
) -> list[Header]:
    """Headers as Slack sends them for ``body`` (``signature`` replaces the right one)."""
    ts = now() if ts is None else ts
    headers: list[Header] = [
        ("X-Slack-Request-Timestamp", ts),
        ("X-Slack-Signature", sign(body, ts, secret) if signature is None else signature),
    ]
    if content_type is not None:
        headers.insert(0, ("Content-Type", content_type))
    return headers


def post(body: bytes, headers: list[Header], path: str = PATH, method: str = "POST") -> Request:
    return (method, path, headers, body)


def without(headers: list[Header], name: str) -> list[Header]:
    return [(k, v) for k, v in headers if k.lower() != name.lower()]


def lowercase(headers: list[Header]) -> list[Header]:
    return [(k.lower(), v) for k, v in headers]


def twice(headers: list[Header], name: str) -> list[Header]:
    return headers + [(k, v) for k, v in headers if k.lower() == name.lower()]


COMMAND = urlencode(
    {"token": "t", "team_id": "T0TEAM001", "user_id": "U0USER001", "command": "/airetro", "text": "help"}
)
BODY = COMMAND.encode()
URL_VERIFICATION = json.dumps({"token": "t", "challenge": "c-h-a-l-l-e-n-g-e", "type": "url_verification"}).encode()
TWO_MB = b"text=" + b"x" * (2 * 1024 * 1024)


def _ts_case(ts: str) -> Callable[[], Request]:
    """Signed correctly, but over and with the timestamp ``ts``."""
    return lambda: post(BODY, signed(BODY, ts=ts))


def _sig_case(make: Callable[[str], str]) -> Callable[[], Request]:
    """A fresh timestamp; the signature header is ``make(right signature)``."""

    def build() -> Request:
        ts = now()
        return post(BODY, signed(BODY, ts=ts, signature=make(sign(BODY, ts))))

    return build


def _signed_body(body: bytes, content_type: str | None = FORM) -> Callable[[], Request]:
    return lambda: post(body, signed(body, content_type))


def _chunked() -> Request:
    chunked = f"{len(URL_VERIFICATION):x}\r\n".encode() + URL_VERIFICATION + b"\r\n0\r\n\r\n"
    return post(chunked, [*signed(URL_VERIFICATION, JSON), ("Transfer-Encoding", "chunked")])


@dataclass(frozen=True)
class Case:
    id: str
    expect: int
    build: Callable[[], Request]
    by_guard: bool = True  # False: waitress answers before the app is called (and logs nothing)


REFUSED: list[Case] = [
    # the timestamp header
    Case("ts-missing", 401, lambda: post(BODY, without(signed(BODY, ts=""), "X-Slack-Request-Timestamp"))),
    Case("ts-empty", 401, _ts_case("")),
    Case("ts-abc", 401, _ts_case("abc")),
    Case("ts-float-exponent", 401, _ts_case("1.7e9")),
    Case("ts-float", 401, lambda: post(BODY, signed(BODY, ts=now() + ".5"))),
    Case("ts-negative", 401, _ts_case("-1")),
    Case("ts-plus-sign", 401, lambda: post(BODY, signed(BODY, ts="+" + now()))),
    Case("ts-hex", 401, _ts_case("0x10")),
    Case("ts-superscript-digit", 401, _ts_case("\u00b2")),
    Case("ts-5000-digits", 401, _ts_case("9" * 5000)),
    Case("ts-zero", 401, _ts_case("0")),
    Case("ts-duplicated", 401, lambda: post(BODY, twice(signed(BODY), "X-Slack-Request-Timestamp"))),
    Case("ts-stale-10min", 401, lambda: post(BODY, signed(BODY, ts=str(int(time.time()) - 600)))),
    Case("ts-stale-301s", 401, lambda: post(BODY, signed(BODY, ts=str(int(time.time()) - 301)))),
    Case("ts-future-10min", 401, lambda: post(BODY, signed(BODY, ts=str(int(time.time()) + 600)))),
    Case("ts-year-3000", 401, _ts_case("32503680000")),
    Case("ts-underscored-name", 401, lambda: post(BODY, [(k.replace("-", "_"), v) for k, v in signed(BODY)])),
    # the signature header
    Case("sig-missing", 401, lambda: post(BODY, without(signed(BODY), "X-Slack-Signature"))),
    Case("sig-empty", 401, _sig_case(lambda s: "")),
    Case("sig-v0-only", 401, _sig_case(lambda s: "v0=")),
    Case("sig-v1", 401, _sig_case(lambda s: "v1=" + s[3:])),
    Case("sig-63-hex", 401, _sig_case(lambda s: s[:-1])),
    Case("sig-65-hex", 401, _sig_case(lambda s: s + "0")),
    Case("sig-not-hex", 401, _sig_case(lambda s: "v0=" + "z" * 64)),
    Case("sig-uppercase-hex", 401, _sig_case(lambda s: "v0=" + s[3:].upper())),
    Case("sig-latin1", 401, _sig_case(lambda s: "v0=\u00e9" + s[4:])),
    Case("sig-100kb", 401, _sig_case(lambda s: "v0=" + "a" * 100_000)),
    Case("sig-duplicated", 401, lambda: post(BODY, twice(signed(BODY), "X-Slack-Signature"))),
    Case("sig-wrong-secret", 401, lambda: post(BODY, signed(BODY, secret="not-the-secret"))),
    Case("sig-empty-secret", 401, lambda: post(BODY, signed(BODY, secret=""))),
    Case("sig-other-body", 401, lambda: post(BODY + b"&x=1", signed(BODY))),
    Case(
        "sig-other-ts",
        401,
        lambda: post(BODY, [*without(signed(BODY), "X-Slack-Signature"), ("X-Slack-Signature", sign(BODY, "1"))]),
    ),
    Case("no-slack-headers", 401, lambda: post(BODY, [("Content-Type", FORM)])),
    Case("no-headers-at-all", 401, lambda: post(BODY, [])),
    # unsigned bodies Bolt choked on
    Case("unsigned-payload-brace", 401, lambda: post(b"payload=%7Bx", [("Content-Type", FORM)])),
    Case("unsigned-json-brace", 401, lambda: post(b"{", [("Content-Type", JSON)])),
    Case("unsigned-json-list", 401, lambda: post(b"[]", [("Content-Type", JSON)])),
    Case("unsigned-not-utf8", 401, lambda: post(b"\xff\xfe\x00", [("Content-Type", FORM)])),
    Case("forged-payload-brace", 401, lambda: post(b"payload=%7Bx", signed(b"payload=%7Bx", secret="forger"))),
    Case("forged-json-brace", 401, lambda: post(b"{", signed(b"{", JSON, secret="forger"))),
    Case("forged-not-utf8", 401, lambda: post(b"\xff\xfe", signed(b"\xff\xfe", secret="forger"))),
    # signed with the right secret, but not a body Slack sends
    Case("signed-payload-brace", 400, _signed_body(b"payload=%7Bx")),
    Case("signed-payload-empty", 400, _signed_body(b"payload=")),
    Case("signed-payload-number", 400, _signed_body(b"payload=1")),
    Case("signed-payload-list", 400, _signed_body(b"payload=%5B%5D")),
    Case("signed-payload-null", 400, _signed_body(b"payload=null")),
    Case("signed-payload-string", 400, _signed_body(b"payload=%22s%22")),
    Case("signed-json-brace", 400, _signed_body(b"{", JSON)),
    Case("signed-json-empty-list", 400, _signed_body(b"[]", JSON)),
    Case("signed-json-list", 400, _signed_body(b"[1]", JSON)),
    Case("signed-json-null", 400, _signed_body(b"null", JSON)),
    Case("signed-json-string", 400, _signed_body(b'"s"', JSON)),
    Case("signed-json-number", 400, _signed_body(b"1", JSON)),
    Case("signed-json-deep", 400, _signed_body(b"[" * 200_000, JSON)),
    Case("signed-json-deep-in-object", 400, _signed_body(b'{"a":' + b"[" * 200_000, JSON)),
    Case("signed-form-brace", 400, _signed_body(b"{x=1")),
    Case("signed-json-type-form-body", 400, _signed_body(b"a=b", JSON)),
    Case("signed-not-utf8-form", 400, _signed_body(b"text=\xff\xfe")),
    Case("signed-not-utf8-json", 400, _signed_body(b'{"a": "\xc3\x28"}', JSON)),
    Case("signed-empty", 400, _signed_body(b"")),
    Case("signed-text-plain", 400, _signed_body(URL_VERIFICATION, "text/plain")),
    Case("signed-no-content-type", 400, _signed_body(BODY, None)),
    Case("signed-multipart", 400, _signed_body(BODY, "multipart/form-data; boundary=x")),
    Case("signed-xml", 400, _signed_body(b"<a/>", "application/xml")),
    # sizes
    Case("signed-2mb", 413, lambda: post(TWO_MB, signed(TWO_MB))),
    Case("unsigned-2mb", 413, lambda: post(TWO_MB, [("Content-Type", FORM)])),
    Case("content-length-absurd", 413, lambda: post(b"x", [("Content-Length", "99999999999999")]), by_guard=False),
    Case("content-length-abc", 400, lambda: post(b"x", [("Content-Length", "abc")]), by_guard=False),
    Case("content-length-negative", 400, lambda: post(b"x", [("Content-Length", "-1")]), by_guard=False),
    Case("header-300kb", 431, lambda: post(BODY, [*signed(BODY), ("X-Junk", "j" * 300_000)]), by_guard=False),
    Case("header-200kb-unsigned", 401, lambda: post(BODY, [("X-Junk", "j" * 200_000)])),
    Case("headers-2000", 401, lambda: post(BODY, [(f"X-Junk-{i}", "j") for i in range(2000)])),
    # methods and paths
    Case("get", 405, lambda: ("GET", PATH, [], b"")),
    Case("get-signed", 405, lambda: ("GET", PATH, signed(b""), b"")),
    Case("put-signed", 405, lambda: post(BODY, signed(BODY), method="PUT")),
    Case("head", 405, lambda: ("HEAD", PATH, [], b"")),
    Case("delete", 405, lambda: ("DELETE", PATH, [], b"")),
    Case("options", 405, lambda: ("OPTIONS", PATH, [], b"")),
    Case("patch-signed", 405, lambda: post(BODY, signed(BODY), method="PATCH")),
    Case("path-root", 404, lambda: post(BODY, signed(BODY), path="/")),
    Case("path-other", 404, lambda: post(BODY, signed(BODY), path="/slack/other")),
    Case("path-trailing-slash", 404, lambda: post(BODY, signed(BODY), path="/slack/events/")),
    Case("path-uppercase", 404, lambda: post(BODY, signed(BODY), path="/SLACK/EVENTS")),
    Case("path-newline", 404, lambda: post(BODY, signed(BODY), path="/slack/events%0A%0Dforged%20log%20line")),
    Case("get-other-path", 404, lambda: ("GET", "/install", [], b"")),
]

ADMITTED: list[Case] = [
    Case("url-verification", 200, lambda: post(URL_VERIFICATION, signed(URL_VERIFICATION, JSON))),
    Case("json-with-charset", 200, lambda: post(URL_VERIFICATION, signed(URL_VERIFICATION, JSON + "; charset=utf-8"))),
    Case("lowercase-header-names", 200, lambda: post(URL_VERIFICATION, lowercase(signed(URL_VERIFICATION, JSON)))),
    Case("query-string", 200, lambda: post(URL_VERIFICATION, signed(URL_VERIFICATION, JSON), path=PATH + "?x=1")),
    Case("chunked", 200, _chunked),
    Case("ssl-check", 200, _signed_body(b"ssl_check=1&token=t")),
]  # fmt: skip


@dataclass(frozen=True)
class Served:
    http: HttpServer
    engine: Engine

    @property
    def port(self) -> int:
        return self.http.port


@contextmanager
def serving(directory: Path) -> Iterator[Served]:
    """The app over HTTP with a migrated database holding one team, for a whole module (a server per case
    would spend most of the run starting servers)."""
    from storage.engine import make_engine, migrate

    url = f"sqlite:///{directory}/airetro.db"
    engine = make_engine(url)
    migrate(engine)
    users = users_from(NAMES)
    teams.create_team(
        engine,
        teams.team_spec("Payments", CHANNEL, [u.id for u in users], "Europe/Berlin", "mon 10:00", "fri 16:00", 3),
    )
    with SlackWebApi(TOKEN, users) as slack:
        settings = Settings(
            slack_bot_token=TOKEN, slack_signing_secret=SIGNING_SECRET, slack_api_url=slack.url, database_url=url
        )
        app = create_app(settings, engine)
        http = start_http(app)
        try:
            yield Served(http, engine)
        finally:
            http.stop()
            drain(app)
            engine.dispose()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serving(tmp_path_factory.mktemp("guard")) as served:
        yield served


def exchange(port: int, request: Request, timeout: float = 10) -> tuple[int, bytes]:
    """Send ``request`` as given (Content-Length added unless the case sets it or Transfer-Encoding)."""
    method, path, headers, body = request
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers:
            connection.putheader(name, value)
        if not any(name.lower() in ("content-length", "transfer-encoding") for name, _ in headers):
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body or None)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows per table, in one query."""
    tables = inspect(engine).get_table_names()
    query = " UNION ALL ".join(f"SELECT '{t}', COUNT(*) FROM \"{t}\"" for t in tables)
    with engine.connect() as connection:
        return {name: count for name, count in connection.execute(text(query))}


def tracebacks(records: list[logging.LogRecord]) -> list[logging.LogRecord]:
    return [r for r in records if r.exc_info or r.exc_text or "Traceback" in r.getMessage()]


@pytest.mark.parametrize("case", REFUSED, ids=[c.id for c in REFUSED])
def test_refused_with_one_line_and_no_change(case: Case, served: Served, caplog, capfd):
    before = row_counts(served.engine)
    with caplog.at_level(logging.INFO):
        status, _ = exchange(served.port, case.build())
    assert status == case.expect
    assert tracebacks(caplog.records) == []
    assert "Traceback" not in capfd.readouterr().err
    guard_lines = [r for r in caplog.records if r.name == GUARD_LOGGER]
    assert len(guard_lines) == (1 if case.by_guard else 0)
    assert all(r.levelno == logging.WARNING and "\n" not in r.getMessage() for r in guard_lines)
    assert [r for r in caplog.records if r.name != GUARD_LOGGER and r.levelno >= logging.WARNING] == []
    assert row_counts(served.engine) == before


@pytest.mark.parametrize("case", ADMITTED, ids=[c.id for c in ADMITTED])
def test_signed_well_formed_requests_reach_bolt_unchanged(case: Case, served: Served, caplog):
    status, body = exchange(served.port, case.build())
    assert status == case.expect
    if case.id != "ssl-check":
        assert json.loads(body) == {"challenge": "c-h-a-l-l-e-n-g-e"}  # Bolt's answer: it got the body
    assert [r for r in caplog.records if r.name == GUARD_LOGGER] == []
    assert tracebacks(caplog.records) == []


def test_the_guard_logs_no_attacker_text_unquoted(served: Served, caplog):
    exchange(served.port, post(BODY, signed(BODY, ts="1\u00b2 forged line"), path=PATH))
    exchange(served.port, ("POST", "/x%0Aforged:%20line", [], b""))
    lines = [r.getMessage() for r in caplog.records if r.name == GUARD_LOGGER]
    assert len(lines) == 2
    assert all("\n" not in line and "\r" not in line for line in lines)


@pytest.mark.parametrize(
    "body",
    [
        b'{"event": null}',  # Bolt's IgnoringSelfEvents middleware: None.get
        b'{"team": 5}',  # Bolt's request parsing (extract_team_id: "id" in 5), before its dispatch's try
        b'{"authorizations": {"a": 1}}',
    ],
)
def test_an_object_bolt_cannot_digest_gets_200_empty_and_one_line(body: bytes, tmp_path: Path, caplog):
    """Signed, well-formed JSON objects Slack never sends: on a bare Bolt app (no listeners, Bolt's own error
    handlers) the HTTP layer answers 200 empty with one line and no traceback, however Bolt fails."""
    from slack_bolt import App
    from slack_sdk import WebClient

    with SlackWebApi(TOKEN, users_from(NAMES)) as slack:
        bare = App(client=WebClient(token=TOKEN, base_url=slack.url), signing_secret=SIGNING_SECRET)
        server = start_http(bare)
        try:
            with caplog.at_level(logging.INFO):
                status, answer = exchange(server.port, post(body, signed(body, JSON)))
        finally:
            server.stop()
    assert (status, answer) == (200, b"")
    assert tracebacks(caplog.records) == []
    lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 1 and "\n" not in lines[0].getMessage(), [r.getMessage() for r in lines]


def test_405_says_which_method_is_allowed(served: Served):
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
    connection.request("GET", PATH)
    response = connection.getresponse()
    assert (response.status, response.getheader("Allow")) == (405, "POST")
    connection.close()


def test_a_frozen_clock_is_the_clock(served: Served):
    """Timestamps are checked against ``time.time()`` at request time, as Bolt does: freezegun moves both."""
    from freezegun import freeze_time

    with freeze_time("2031-05-04T12:00:00Z", tick=True):
        ts = now()
        assert exchange(served.port, post(URL_VERIFICATION, signed(URL_VERIFICATION, JSON, ts=ts)))[0] == 200
    assert exchange(served.port, post(URL_VERIFICATION, signed(URL_VERIFICATION, JSON, ts=ts)))[0] == 401


# The guard as plain WSGI, for what waitress never lets through to it.


class _Recorder:
    def __init__(self) -> None:
        self.status = ""
        self.headers: list[tuple[str, str]] = []

    def __call__(self, status: str, headers: list[tuple[str, str]], exc_info: object = None) -> None:
        self.status, self.headers = status, headers


def _environ(body: bytes = BODY, **extra: str) -> dict:
    ts = now()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": PATH,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": FORM,
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": ts,
        "HTTP_X_SLACK_SIGNATURE": sign(body, ts),
        "wsgi.input": io.BytesIO(body),
    }
    environ.update(extra)
    return environ


def _inner_app(seen: list[bytes]) -> Callable:
    def app(environ: dict, start_response: Callable) -> list[bytes]:
        seen.append(environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"])))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    return app


@pytest.mark.parametrize(
    ("extra", "expect"),
    [
        ({"CONTENT_LENGTH": "abc"}, "400"),
        ({"CONTENT_LENGTH": "-1"}, "400"),
        ({"CONTENT_LENGTH": "9" * 40}, "400"),
        ({"CONTENT_LENGTH": str(10**12)}, "413"),
        ({"REQUEST_METHOD": "GET"}, "405"),
        ({"PATH_INFO": "/"}, "404"),
    ],
)
def test_the_guard_alone_refuses_what_a_lenient_server_might_pass(extra: dict, expect: str, caplog):
    seen: list[bytes] = []
    recorder = _Recorder()
    SlackGuard(_inner_app(seen), SIGNING_SECRET)(_environ(**extra), recorder)
    assert recorder.status.startswith(expect)
    assert seen == []
    assert len(caplog.records) == 1 and tracebacks(caplog.records) == []


def test_a_short_body_is_refused_not_waited_for(caplog):
    environ = _environ()
    environ["CONTENT_LENGTH"] = str(len(BODY) + 10)
    environ["HTTP_X_SLACK_SIGNATURE"] = sign(BODY + b"\0" * 10, environ["HTTP_X_SLACK_REQUEST_TIMESTAMP"])
    recorder = _Recorder()
    SlackGuard(_inner_app([]), SIGNING_SECRET)(environ, recorder)
    assert recorder.status.startswith("400")


def test_the_wrapped_app_gets_the_body_once_read(caplog):
    seen: list[bytes] = []
    recorder = _Recorder()
    assert list(SlackGuard(_inner_app(seen), SIGNING_SECRET)(_environ(), recorder)) == [b"ok"]
    assert (recorder.status, seen) == ("200 OK", [BODY])
    assert caplog.records == []


def test_an_app_that_raises_gets_200_empty_and_one_line(caplog):
    def broken(environ: dict, start_response: Callable) -> list[bytes]:
        raise KeyError("authorizations")

    recorder = _Recorder()
    assert list(SlackGuard(broken, SIGNING_SECRET)(_environ(), recorder)) == [b""]
    assert recorder.status == "200 OK"
    assert [r.levelno for r in caplog.records] == [logging.ERROR]
    assert "KeyError" in caplog.records[0].getMessage() and tracebacks(caplog.records) == []


def test_without_a_signing_secret_nothing_passes(caplog):
    environ = _environ()
    environ["HTTP_X_SLACK_SIGNATURE"] = sign(BODY, environ["HTTP_X_SLACK_REQUEST_TIMESTAMP"], "")
    recorder = _Recorder()
    SlackGuard(_inner_app([]), "")(environ, recorder)
    assert recorder.status.startswith("401")


def test_expected_signature_is_slacks():
    assert expected_signature(SIGNING_SECRET, "1531420618", BODY).decode() == sign(BODY, "1531420618")


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (URL_VERIFICATION, JSON),
        (BODY, FORM),
        (b"payload=%7B%7D", FORM),
        (b"text=payload", FORM),
        (b"command=%2Fairetro&text=summary+payload-team", FORM),  # a command that says "payload"
        (b"{}", FORM),
    ],
)
def test_bodies_slack_sends_pass_the_body_check(body: bytes, content_type: str):
    check_body(body, content_type)
