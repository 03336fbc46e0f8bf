"""`airetro serve` with OTLP_TOKEN set takes Claude Code's metrics at /v1/metrics beside Slack's endpoint; in
Socket Mode, /v1/metrics is served alone."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from types import SimpleNamespace

from sqlalchemy import text

from bot.otlp.receiver import OtlpReceiver
from bot.serve import serve_otlp_in_background
from storage.engine import make_engine, migrate
from tests.conftest import SIGNING_SECRET, TOKEN
from tests.otlp.conftest import FIXTURES, JSON, OTLP_TOKEN, Point, post, request, standard

SESSIONS = "claude_code.session.count"


def test_serve_records_claude_codes_metrics_per_person_beside_slacks_endpoint(slack, tmp_path):
    from bot.standin.inbound import SlackSender

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    database = tmp_path / "serve.db"
    env = {**os.environ, "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": slack.url,
           "DATABASE_URL": f"sqlite:///{database}", "PORT": str(port), "OTLP_TOKEN": OTLP_TOKEN}  # fmt: skip
    env.pop("SLACK_APP_TOKEN", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--no-scheduler"], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert f":{port}/slack/events" in process.stdout.readline()
        assert "/v1/metrics" in process.stdout.readline()
        server = SimpleNamespace(metrics_url=f"http://127.0.0.1:{port}/v1/metrics")
        answer = post(server, (FIXTURES / "claude_code_metrics.json").read_bytes(), content_type=JSON)
        assert (answer.status, json.loads(answer.body)) == (200, {})
        assert post(server, b"{}", content_type=JSON, token="wrong-token-0123456789").status == 401
        sender = SlackSender(f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET)
        assert sender.post("token=x", sign_with="wrong").status == 401  # Slack's endpoint, as it was
    finally:
        process.terminate()
        process.wait(timeout=10)

    engine = make_engine(f"sqlite:///{database}")
    with engine.connect() as db:
        summaries = db.execute(
            text(
                "SELECT p.email, s.week, s.tokens, round(s.cost_usd, 4) FROM token_summaries s "
                "JOIN people p ON p.id = s.person_id ORDER BY 1"
            )
        ).all()
    engine.dispose()
    assert summaries == [
        ("ada@example.com", "2026-W48", 63020, 0.5132),
        ("grace@example.com", "2026-W48", 1200, 0.012),
    ]


def test_in_socket_mode_metrics_are_served_alone(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/socket.db")
    migrate(engine)
    server = serve_otlp_in_background(OtlpReceiver(engine, OTLP_TOKEN), 0)
    try:
        batch = request({SESSIONS: [Point(standard("ada@example.com"), 1)]})
        assert post(server, batch).status == 200
        with engine.connect() as db:
            assert db.execute(text("SELECT person_key, sessions FROM activity_records")).all() == [
                ("ada@example.com", 1)
            ]
        import urllib.error
        import urllib.request

        try:
            urllib.request.urlopen(server.url, data=b"{}", timeout=10)
            status = 200
        except urllib.error.HTTPError as error:
            status = error.code
        assert status == 404  # no Slack endpoint over HTTP in Socket Mode
    finally:
        server.stop()
        engine.dispose()
