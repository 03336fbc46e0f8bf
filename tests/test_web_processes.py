"""Several web processes on one port: real ``airetro serve --workers 3`` (a parent and three forked web
processes) and two ``airetro scheduler`` processes on one database, the Slack stand-in in this process.

A web process killed with SIGKILL is replaced; then 200 correctly signed button clicks from the weekly prompt
arrive at once over 20 connections: every member clicks, the same request is delivered twice, Slack retries
it (``X-Slack-Retry-Num``), and the member clicks the same button again on the message they still see. Every
request is answered 200 (by each of the three web processes), each answer is stored once, and each prompt DM
is updated exactly once, as after a single click. SIGTERM then stops the parent and all its web processes.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlmodel import Session, select

from bot.blocks.prompt import DIDNT_HELP, SKIP_WEEK
from bot.serve import EVENTS_PATH, WORKER_HEADER
from bot.services import prompts
from bot.standin.inbound import block_actions_payload, find_button, signature
from bot.standin.web_api import FakeUser, SlackWebApi, users_from
from storage.models import Delivery, Person, Process
from tests.conftest import SIGNING_SECRET, TOKEN

pytestmark = pytest.mark.both_engines

WORKERS = 3
MEMBERS = 40
THREADS = 20
BUDGET = 30.0  # seconds for the whole test, processes started to stopped
SERVING = "AI Retro web process "
ANSWERS = {DIDNT_HELP: "didnt_help", SKIP_WEEK: "skipped"}

Request = tuple[bytes, str, dict[str, str]]  # body, timestamp, extra headers


@pytest.fixture
def users() -> list[FakeUser]:
    return users_from([f"member{i:02d}" for i in range(MEMBERS)])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("w") as out:  # a session of its own: the finally below kills the parent and its children
        return subprocess.Popen([sys.executable, "-m", "bot", *args], env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)  # fmt: skip


def _until(what: str, done: Callable[[], object], deadline: float, logs: list[Path] = ()) -> object:
    while time.monotonic() < deadline:
        result = done()
        if result:
            return result
        time.sleep(0.05)
    printed = "\n".join(f"--- {log.name}\n{log.read_text()[-2000:]}" for log in logs)
    raise AssertionError(f"timed out waiting for {what}\n{printed}")


def _serving(log: Path) -> list[int]:
    """The pids of the web processes that said they serve, in order."""
    return [int(line.split()[4]) for line in log.read_text().splitlines() if line.startswith(SERVING)]


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status
    except (urllib.error.URLError, OSError):
        return 0


def _post(url: str, request: Request) -> tuple[int, str | None]:
    body, timestamp, extra = request
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature(SIGNING_SECRET, timestamp, body.decode()),
        **extra,
    }
    try:
        with urllib.request.urlopen(urllib.request.Request(url, body, headers, method="POST"), timeout=10) as answer:
            answer.read()
            return answer.status, answer.headers.get(WORKER_HEADER)
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get(WORKER_HEADER)


def _click(slack: SlackWebApi, user_id: str, prompt: dict, action: str) -> bytes:
    """The form body Slack posts when ``user_id`` clicks ``action`` in their prompt DM (a new click each call)."""
    channel = slack.dm_channel(user_id)
    button = find_button(prompt, action)
    payload = block_actions_payload(user_id, button, prompt, channel, slack.response_url(f"actions/{user_id}"))
    return urlencode({"payload": json.dumps(payload)}).encode()


def _clicks(slack: SlackWebApi, users: list[FakeUser]) -> tuple[list[Request], dict[str, str]]:
    """Five deliveries of one click per member, shuffled, and the answer each member gives."""
    now = str(int(time.time()))
    requests: list[Request] = []
    expected: dict[str, str] = {}
    for i, user in enumerate(users):
        prompt = slack.channel_messages(slack.dm_channel(user.id))[-1]
        action = DIDNT_HELP if i % 2 == 0 else SKIP_WEEK
        expected[user.id] = ANSWERS[action]
        first = _click(slack, user.id, prompt, action)
        requests += [
            (first, now, {}),
            (first, now, {}),  # the very same request delivered twice
            (first, now, {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}),
            (first, now, {"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_timeout"}),
            (_click(slack, user.id, prompt, action), now, {}),  # clicked again on the message they still see
        ]
    random.Random(7).shuffle(requests)
    return requests, expected


def _one_leads(logs: list[Path]) -> bool:
    said = sorted(("scheduler running:" in text, "standing by" in text) for text in map(Path.read_text, logs))
    return said == [(False, True), (True, False)]


def _answers(engine) -> dict[str, list[str]]:
    with Session(engine) as session:
        rows = session.exec(select(Person.slack_user_id, Delivery.answer).join(Delivery)).all()
    found: dict[str, list[str]] = {}
    for user_id, answer in rows:
        found.setdefault(user_id, []).append(answer)
    return found


def _serve_pids(engine) -> set[int]:
    with Session(engine) as session:
        return set(session.exec(select(Process.pid).where(Process.kind == "serve")).all())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_three_web_processes_answer_concurrent_and_repeated_clicks_once(
    engine, app, team, slack, users, database_url, tmp_path
):
    deadline = time.monotonic() + BUDGET
    sent = prompts.send_prompts(engine, app.client, team)
    assert len(sent.sent) == MEMBERS

    env = {**os.environ, "DATABASE_URL": database_url, "SLACK_API_URL": slack.url, "SLACK_BOT_TOKEN": TOKEN,
           "SLACK_SIGNING_SECRET": SIGNING_SECRET, "PYTHONUNBUFFERED": "1"}  # fmt: skip
    for name in ("SLACK_APP_TOKEN", "OTLP_TOKEN", "USAGE_PULLS", "PORT"):
        env.pop(name, None)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    serve_log, scheduler_logs = tmp_path / "serve.log", [tmp_path / f"scheduler{i}.log" for i in (1, 2)]
    logs = [serve_log, *scheduler_logs]
    processes: list[subprocess.Popen] = []
    try:
        serve = _start(["serve", "--workers", str(WORKERS), "--no-scheduler", "--port", str(port)], env, serve_log)
        processes.append(serve)
        processes += [_start(["scheduler"], env, log) for log in scheduler_logs]

        _until("3 web processes serving", lambda: len(_serving(serve_log)) == WORKERS, deadline, logs)
        _until("/healthz and /readyz", lambda: _get(f"{base}/healthz") == _get(f"{base}/readyz") == 200, deadline)
        first = _serving(serve_log)
        assert serve.pid not in first

        # one of them dies: another takes its place on the same port
        os.kill(first[0], signal.SIGKILL)
        _until("a new web process", lambda: len(_serving(serve_log)) == WORKERS + 1, deadline, logs)
        children = set(_serving(serve_log)[1:])
        assert len(children) == WORKERS and first[0] not in children
        assert f"web process {first[0]} was killed by SIGKILL; starting another" in serve_log.read_text()

        requests, expected = _clicks(slack, users)
        assert len(requests) == 5 * MEMBERS == 200
        with ThreadPoolExecutor(THREADS) as pool:
            answered = list(pool.map(lambda request: _post(f"{base}{EVENTS_PATH}", request), requests))
        statuses = Counter(status for status, _pid in answered)
        assert statuses == {200: len(requests)}, f"statuses {dict(statuses)}"
        served = Counter(int(pid) for _status, pid in answered)
        assert set(served) == children, f"requests per web process {dict(served)}; web processes {children}"

        slack.wait_for("chat.update", MEMBERS, timeout=max(1.0, deadline - time.monotonic()))
        _until("one scheduler leading, one standing by", lambda: _one_leads(scheduler_logs), deadline, logs)
        # each web process registered its own heartbeat; the parent, which holds no database connection, none
        assert _serve_pids(engine) == children | {first[0]}

        serve.send_signal(signal.SIGTERM)  # the parent stops its web processes; they finish their work first
        assert serve.wait(timeout=max(1.0, deadline - time.monotonic())) == 0
        assert not any(_alive(pid) for pid in children)
    finally:
        for process in processes:  # each leads a process group: the parent's web processes die with it
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(timeout=10)

    slack.wait_idle()
    assert _answers(engine) == {user_id: [answer] for user_id, answer in expected.items()}
    updates = Counter(call.args["channel"] for call in slack.calls("chat.update"))
    assert updates == {slack.dm_channel(user_id): 1 for user_id in expected}, "one DM update per member, no more"
    homes = Counter(call.args["user_id"] for call in slack.calls("views.publish"))
    assert homes == dict.fromkeys(expected, 1), "one Home refresh per member, no more"
    text = serve_log.read_text()
    assert "Traceback" not in text, text[-3000:]


def test_socket_mode_refuses_several_web_processes_in_one_line(monkeypatch, tmp_path, capsys):
    from bot.cli import main

    for name, value in {"SLACK_BOT_TOKEN": TOKEN, "SLACK_APP_TOKEN": "xapp-1-test",
                        "DATABASE_URL": f"sqlite:///{tmp_path}/never.db"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    assert main(["serve", "--workers", "2"]) == 1
    err = capsys.readouterr().err
    assert err == "airetro: --workers needs HTTP mode: Socket Mode (SLACK_APP_TOKEN is set) runs in one process\n"
    assert not (tmp_path / "never.db").exists(), "refused before touching the database"


def test_a_wrong_token_is_one_line_before_any_web_process_starts(slack, tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/serve.db", "SLACK_API_URL": slack.url,
           "SLACK_BOT_TOKEN": "xoxb-not-the-right-one", "SLACK_SIGNING_SECRET": SIGNING_SECRET}  # fmt: skip
    for name in ("SLACK_APP_TOKEN", "OTLP_TOKEN", "USAGE_PULLS", "PORT"):
        env.pop(name, None)
    argv = [sys.executable, "-m", "bot", "serve", "--workers", "2", "--no-scheduler", "--port", str(_free_port())]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=BUDGET)
    assert done.returncode == 1
    assert done.stderr.startswith("airetro: Slack does not accept SLACK_BOT_TOKEN (invalid_auth)"), done.stderr
    assert done.stderr.count("\n") == 1 and "web process" not in done.stderr


def test_web_processes_that_cannot_start_stop_the_parent_with_one_line_each(slack, tmp_path):
    # the token is right when the parent checks it, then Slack refuses it to the web processes as they start
    slack.fail("auth.test", "invalid_auth", times=100, after=1)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/serve.db", "SLACK_API_URL": slack.url,
           "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET}  # fmt: skip
    for name in ("SLACK_APP_TOKEN", "OTLP_TOKEN", "USAGE_PULLS", "PORT"):
        env.pop(name, None)
    argv = [sys.executable, "-m", "bot", "serve", "--workers", "2", "--no-scheduler", "--port", str(_free_port())]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=BUDGET)
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert "Traceback" not in done.stderr
    assert any(line.startswith("airetro: web process ") and "could not start: " in line and "invalid_auth" in line
               for line in lines), done.stderr  # fmt: skip
    assert any(line.endswith("could not start; stopping") for line in lines), done.stderr
