"""/healthz and /readyz on the web port: no Slack signature asked, GET and HEAD only, and /readyz says 503 with
one generic line (never a traceback, a path or a password) unless the database answers with the newest schema."""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from dataclasses import dataclass

import pytest
from alembic import command

from bot.health import ReadinessCheck
from bot.otlp.receiver import OtlpReceiver
from bot.serve import serve_otlp_in_background, start_http
from storage.engine import alembic_config, make_engine
from storage.inspect import migrations
from tests.otlp.conftest import OTLP_TOKEN


@dataclass
class Answer:
    status: int
    body: str
    headers: dict[str, str]


def call(url: str, method: str = "GET", data: bytes | None = None) -> Answer:
    request = urllib.request.Request(url, data=data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Answer(response.status, response.read().decode(), _lower(response.headers))
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read().decode(), _lower(error.headers))


def _lower(headers: object) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


@pytest.fixture
def served(app, engine):
    server = start_http(app, engine=engine)
    yield server
    server.stop()


@pytest.fixture
def newest(engine) -> str:
    return migrations(engine).get_current_head()


def test_healthz_answers_ok_without_a_signature(served):
    answer = call(served.health_url)
    assert (answer.status, answer.body) == (200, "ok")
    assert answer.headers["content-type"].startswith("text/plain") and answer.headers["cache-control"] == "no-store"
    assert call(served.health_url + "?probe=1").status == 200  # a query string changes nothing


def test_readyz_is_200_on_a_migrated_database(served):
    assert (call(served.ready_url).status, call(served.ready_url).body) == (200, "ready")


def test_both_answer_head_with_headers_only(served):
    for url, length in ((served.health_url, "2"), (served.ready_url, "5")):
        answer = call(url, "HEAD")
        assert (answer.status, answer.body, answer.headers["content-length"]) == (200, "", length)


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_other_methods_get_405_naming_get_and_head(served, method):
    for url in (served.health_url, served.ready_url):
        answer = call(url, method, data=b"{}")
        assert answer.status == 405 and answer.headers["allow"] == "GET, HEAD"


def test_slacks_endpoint_still_wants_its_signature(served):
    assert call(served.url, "POST", data=b"token=x").status == 401
    assert call(served.url.replace("/slack/events", "/healthz/"), "GET").status == 404  # exact paths only


def test_readyz_is_503_while_the_schema_is_behind_and_200_once_migrated(served, engine, newest, caplog):
    cfg = alembic_config(engine)
    command.downgrade(cfg, "-1")
    previous = migrations(engine).get_revision(newest).down_revision
    with caplog.at_level(logging.WARNING, logger="bot.health"):
        answer = call(served.ready_url)
        assert answer.status == 503
        assert answer.body == f"not ready: schema at {previous}, behind the newest {newest}"
        assert call(served.health_url).status == 200  # alive all the same: no restart for a pending migration
        command.upgrade(cfg, "head")
        assert call(served.ready_url).status == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.health"]
    assert len(lines) == 2 and lines[0].startswith("not ready: schema at") and lines[1].startswith("ready again")


def test_readyz_is_503_on_a_database_never_migrated(app, tmp_path, newest):
    bare = make_engine(f"sqlite:///{tmp_path}/bare.db")
    server = start_http(app, engine=bare)
    try:
        answer = call(server.ready_url)
        assert (answer.status, answer.body) == (503, f"not ready: schema never migrated (newest: {newest})")
    finally:
        server.stop()
        bare.dispose()


def test_readyz_is_503_when_the_database_is_unreachable_saying_so_in_one_line(app, tmp_path, caplog):
    gone = tmp_path / "gone"
    unreachable = make_engine(f"sqlite:///{gone}/airetro.db")  # creates the directory …
    gone.rmdir()  # … which is gone before the first connection
    server = start_http(app, engine=unreachable)
    try:
        with caplog.at_level(logging.WARNING, logger="bot.health"):
            first, second = call(server.ready_url), call(server.ready_url)
        assert (first.status, first.body) == (503, "not ready: database unreachable (OperationalError)")
        assert second == first
        assert str(gone) not in first.body and "Traceback" not in first.body
        assert call(server.health_url).status == 200
    finally:
        server.stop()
        unreachable.dispose()
    [line] = [
        r.getMessage() for r in caplog.records if r.name == "bot.health"
    ]  # once, not once per probe; the details are in the log
    assert "unable to open database file" in line and str(gone) in line and "\n" not in line


def test_readyz_never_shows_the_password(app, caplog):
    secret = "hunter2-not-for-the-log"
    refused = make_engine(f"postgresql+psycopg://airetro:{secret}@127.0.0.1:1/airetro")  # nothing listens on port 1
    server = start_http(app, engine=refused)
    try:
        with caplog.at_level(logging.WARNING, logger="bot.health"):
            answer = call(server.ready_url)
    finally:
        server.stop()
        refused.dispose()
    assert answer.status == 503 and answer.body.startswith("not ready: database unreachable (")
    assert "127.0.0.1" not in answer.body and secret not in answer.body
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "bot.health")
    assert "airetro:***@127.0.0.1:1" in logged and secret not in logged


def test_without_an_engine_only_healthz_is_served(app):
    server = start_http(app)  # the demo and most tests: no engine given, no readiness to claim
    try:
        assert call(server.health_url).status == 200
        assert call(server.ready_url).status == 404
    finally:
        server.stop()


def test_in_socket_mode_the_metrics_port_answers_the_health_checks(engine):
    server = serve_otlp_in_background(OtlpReceiver(engine, OTLP_TOKEN), 0, engine=engine)
    try:
        assert (call(server.health_url).status, call(server.ready_url).status) == (200, 200)
        assert call(server.url, "POST", data=b"{}").status == 404  # still no Slack endpoint over HTTP
    finally:
        server.stop()


def test_a_probe_that_finds_a_check_running_waits_only_so_long(engine):
    check = ReadinessCheck(engine, wait=0.05)
    check._running.acquire()  # a check stuck on a database that does not answer
    try:
        result = check.check()
    finally:
        check._running.release()
    assert not result.ready and result.reason == "the database has not answered for 0.05 s"
    assert check.check().ready


def test_airetro_serve_answers_the_health_checks_beside_slacks_endpoint(slack, tmp_path):
    import os
    import socket
    import subprocess
    import sys

    from tests.conftest import SIGNING_SECRET, TOKEN

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": slack.url,
           "DATABASE_URL": f"sqlite:///{tmp_path}/serve.db", "PORT": str(port)}  # fmt: skip
    for name in ("SLACK_APP_TOKEN", "OTLP_TOKEN"):
        env.pop(name, None)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--no-scheduler"], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        printed = [process.stdout.readline() for _ in range(3)]
        assert "/healthz" in printed[2] and "/readyz" in printed[2]
        base = f"http://127.0.0.1:{port}"
        assert (call(f"{base}/healthz").body, call(f"{base}/readyz").body) == ("ok", "ready")
        assert call(f"{base}/slack/events", "POST", data=b"token=x").status == 401
    finally:
        process.terminate()
        process.wait(timeout=10)
