"""Log lines: one per record, with the request's id (also from Bolt's listener threads), secrets masked."""

from __future__ import annotations

import io
import logging

import pytest

from bot import logs


@pytest.fixture(autouse=True)
def _root_logger_restored():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level


def _capture() -> io.StringIO:
    logging.getLogger().handlers[:] = []  # as in a fresh process
    logs.configure(verbose=True)
    out = io.StringIO()
    logging.getLogger().handlers[0].setStream(out)
    return out


def test_tokens_and_response_urls_never_reach_the_log():
    out = _capture()
    logging.getLogger("bot.test").warning(
        "calling with xoxb-1234-5678-abcdEFGH and xapp-1-A0-99-ffff, answer to "
        "https://hooks.slack.com/actions/T0/123/secretpart"
    )
    line = out.getvalue()
    assert "abcdEFGH" not in line and "ffff" not in line and "secretpart" not in line
    assert "xoxb-…" in line and "xapp-…" in line and "https://hooks.slack.com/…" in line
    assert line.count("\n") == 1


def test_a_requests_id_follows_it_into_the_listener_threads():
    out = _capture()
    rid = logs.new_request_id()
    with logs.ContextExecutor(max_workers=2) as pool:
        pool.submit(logging.getLogger("bot.listener").warning, "acked").result()
    logs.request_id.set("-")
    logging.getLogger("bot.other").warning("no request")
    first, second = out.getvalue().splitlines()
    assert f"[{rid}] acked" in first and "bot.listener" in first
    assert "[-] no request" in second
