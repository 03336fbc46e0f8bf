"""Properties of everything Slack can send the app, correctly signed, over real HTTP.

(a) Any ``/airetro`` text (digits of other scripts such as ², ³, ٣, digit strings past ``int()``'s 4,300-digit
    limit, control characters, mentions, anything): HTTP 200, always an ephemeral reply (in the ack or through
    the response_url) or the modal the subcommand opens, and no traceback logged.
(b) Every payload shape the app takes (``block_actions`` for each action id it registers, ``view_submission``
    for each callback id, ``app_home_opened``, the slash command), with fields removed, emptied or swapped for
    values of other types: never a 5xx, never a 404 (an ack lost when a handler raises after acking turns into
    a 404 after Bolt's 3 s; a payload no listener takes is answered 200 too), no traceback logged: a malformed
    payload is one log line.

The server, stand-in and database are set up once for the module (hypothesis runs many examples against one
app); each example waits until the app's after-ack work is done before it is judged.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import create_app
from bot.blocks.home import HOME_LOG, HOME_POST, HOME_PREVIEW, HOME_SETUP
from bot.blocks.prompt import DIDNT_HELP, LOG_MOMENT, SKIP_WEEK
from bot.config import Settings
from bot.listeners.commands.parse import SUBCOMMANDS
from bot.serve import start_http
from bot.services import prompts, teams
from bot.standin.inbound import (
    Response,
    SlackSender,
    app_home_opened_event,
    block_actions_payload,
    event_envelope,
    find_button,
    slash_command_fields,
    state_values,
    view_block_actions_payload,
    view_submission_payload,
)
from bot.standin.member import SimulatedMember
from bot.standin.web_api import SlackWebApi, users_from
from storage.engine import make_engine, migrate, session_scope
from storage.queries import teams as tq
from tests.conftest import CHANNEL, NAMES, SIGNING_SECRET, TOKEN
from tests.listeners.payments import GOOD
from tests.listeners.test_setup import fill, prefilled

pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")
ADA, GRACE, LINUS, MARGARET, KEN, OLGA, ZED = (f"U0USER{i:03d}" for i in range(1, 8))
LOST_ACK_AFTER = 2.5  # seconds: Bolt answers 404 after its 3 s ack timeout when an ack is lost
COMMAND_EXAMPLES = 300
PAYLOAD_EXAMPLES = 60  # per payload shape (13 shapes)

# -- the world, once per module ------------------------------------------------------------------------


class CountingExecutor(ThreadPoolExecutor):
    """Bolt's listener executor, counting work in flight so an example can wait until the app is done."""

    def __init__(self) -> None:
        super().__init__(max_workers=10, thread_name_prefix="listener")
        self._pending = 0
        self._idle = threading.Condition()

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any):
        with self._idle:
            self._pending += 1
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(self._done)
        return future

    def _done(self, _future: object) -> None:
        with self._idle:
            self._pending -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float = 15.0) -> None:
        with self._idle:
            if not self._idle.wait_for(lambda: self._pending == 0, timeout):
                raise TimeoutError(f"{self._pending} listener runs still going")


class Tracebacks(logging.Handler):
    """Counts log records that carry a traceback (and uncaught exceptions in threads)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[str] = []
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info or record.exc_text or record.stack_info:
            self.records.append(f"{record.name}: {record.getMessage()[:200]}")
        elif record.levelno >= logging.WARNING:
            self.lines.append(f"{record.name}: {record.getMessage()[:200]}")


@dataclass
class Tally:
    cases: int = 0
    statuses: Counter = field(default_factory=Counter)
    lost_acks: int = 0  # 404 after Bolt's ack timeout
    unhandled: int = 0  # 404 at once: no listener took it
    tracebacks: int = 0
    silent: int = 0  # (a) only: no ephemeral reply and no modal

    def line(self, what: str) -> str:
        fivexx = sum(n for s, n in self.statuses.items() if s >= 500)
        return (
            f"{what}: {self.cases} cases, statuses {dict(sorted(self.statuses.items()))}, 5xx {fivexx}, "
            f"404 after ack timeout {self.lost_acks}, 404 unhandled {self.unhandled}, "
            f"tracebacks {self.tracebacks}, no reply {self.silent}"
        )


@dataclass
class World:
    slack: SlackWebApi
    sender: SlackSender
    executor: CountingExecutor
    tracebacks: Tracebacks
    prompt: dict  # ada's weekly prompt as first posted (all three buttons)
    homes: dict[str, dict]
    views: dict[str, tuple[str, dict, dict]]  # callback → (who submits, view as opened, state values)
    tallies: dict[str, Tally] = field(default_factory=dict)

    def quiet(self) -> None:
        self.executor.wait_idle()
        self.slack.wait_idle(10)


@contextmanager
def running_world(root: Path) -> Iterator[World]:
    """The app over HTTP with its stand-in and database: Payments prompted, Homes, modals opened."""
    engine = make_engine(f"sqlite:///{root}/airetro.db")
    migrate(engine)
    users = users_from([*NAMES, "olga", "zed"])
    users[5] = dataclasses.replace(users[5], is_admin=True)
    handler = Tracebacks()
    logging.getLogger().addHandler(handler)
    previous_hook = threading.excepthook

    def count_thread_death(args: threading.ExceptHookArgs) -> None:
        handler.records.append(f"thread {args.thread}: {args.exc_type.__name__}: {args.exc_value}")
        previous_hook(args)

    threading.excepthook = count_thread_death
    with SlackWebApi(TOKEN, users) as slack:
        settings_ = Settings(
            slack_bot_token=TOKEN,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=slack.url,
            database_url=f"sqlite:///{root}/airetro.db",
        )
        app = create_app(settings_, engine)
        executor = CountingExecutor()
        app.listener_runner.listener_executor = executor
        server = start_http(app)
        sender = SlackSender(server.url, SIGNING_SECRET, response_base=slack.response_url(""))
        spec = teams.team_spec(
            "Payments", CHANNEL, [u.id for u in users[:5]], "Europe/Berlin", "mon 10:00", "fri 16:00"
        )
        team = teams.create_team(engine, spec)
        with session_scope(engine) as session:
            tq.set_team_managers(session, team.id, [GRACE])
        prompts.send_prompts(engine, app.client, team)
        member = {u.id: SimulatedMember(slack, sender, u.id) for u in users}
        original = next(c for c in slack.calls("chat.postMessage") if c.args["channel"] == ADA)
        prompt = {**member[ADA].prompt(), "blocks": original.args["blocks"]}
        homes = {ADA: member[ADA].open_home(), GRACE: member[GRACE].open_home()}
        log_view = member[LINUS].open_log_modal()
        member[MARGARET].open_home()
        member[MARGARET].click_home(HOME_LOG)
        slack.wait_for("views.open", 2)
        direct_view = slack.last_opened_view()
        member[GRACE].click_home(HOME_SETUP)
        slack.wait_for("views.open", 3)
        setup_view = slack.last_opened_view()
        member[KEN].command("forget-me")
        slack.wait_for("views.open", 4)
        forget_view = slack.last_opened_view()
        executor.wait_idle()
        views = {
            "log_moment_modal": (LINUS, log_view, state_values(log_view, GOOD)),
            "log_moment_direct": (MARGARET, direct_view, state_values(direct_view, GOOD)),
            "team_setup_modal": (GRACE, setup_view, fill(setup_view, prefilled(setup_view))),
            "forget_me_modal": (KEN, forget_view, {}),
        }
        world = World(slack, sender, executor, handler, prompt, homes, views)
        handler.records.clear()
        try:
            yield world
        finally:
            server.stop()
        executor.shutdown(wait=True)
    threading.excepthook = previous_hook
    logging.getLogger().removeHandler(handler)
    engine.dispose()


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[World]:
    with running_world(tmp_path_factory.mktemp("properties")) as running:
        yield running
        for name, counts in running.tallies.items():
            print("\n" + counts.line(name))


@dataclass(frozen=True)
class Outcome:
    status: int
    seconds: float
    body: str
    replies: list[dict]
    opened: bool
    tracebacks: list[str]


def send(world: World, post: Callable[[], Response], trigger_id: str | None = None) -> Outcome:
    """Send one request; wait for the app's after-ack work; what came back and what was logged."""
    replies_before = len(world.slack.responses())
    traces_before = len(world.tracebacks.records)
    started = time.monotonic()
    response = post()
    seconds = time.monotonic() - started
    world.quiet()
    opened = trigger_id is not None and any(
        c.args.get("trigger_id") == trigger_id for c in world.slack.calls("views.open")
    )
    return Outcome(
        response.status,
        seconds,
        response.body,
        world.slack.responses()[replies_before:],
        opened,
        world.tracebacks.records[traces_before:],
    )


def tally(world: World, name: str, outcome: Outcome, *, silent: bool = False) -> None:
    counts = world.tallies.setdefault(name, Tally())
    counts.cases += 1
    counts.statuses[outcome.status] += 1
    if outcome.status == 404:
        if outcome.seconds >= LOST_ACK_AFTER:
            counts.lost_acks += 1
        else:
            counts.unhandled += 1
    counts.tracebacks += len(outcome.tracebacks)
    counts.silent += silent


def ephemeral_ack(body: str) -> bool:
    try:
        answer = json.loads(body) if body else None
    except ValueError:
        return False
    return isinstance(answer, dict) and bool(answer.get("text")) and answer.get("response_type") == "ephemeral"


# -- (a) any /airetro text -------------------------------------------------------------------------------

NUMBERISH = ["²", "³", "٣", "١٢", "１２", "Ⅻ", "½", "𝟗", "0", "00", "-0", "+3", "-2", "1e3", "4.5", "0x10", "٣٣٣"]
MENTIONS = ["<@U0USER002|grace>", "<#C0TEAM001|payments>", "<#C0TEAM001>", "<!subteam^S0PAY|@pay>", "<!channel>", "<>"]
CONTROL = ["\x00", "\x1b[31m", "\u202e", "\u200b", "\r\n", "\x7f", "\ufeff"]
CHARS = st.characters(blacklist_categories=["Cs"])  # Slack sends UTF-8: no lone surrogates


def digit_runs() -> st.SearchStrategy[str]:
    return st.builds(lambda d, n: d * n, st.sampled_from(["9", "1", "0", "٣", "²"]), st.integers(4_290, 4_400))


TOKENS = st.one_of(
    st.sampled_from(NUMBERISH),
    digit_runs(),
    st.integers(-(10**12), 10**12).map(str),
    st.text(CHARS, max_size=12),
    st.sampled_from(MENTIONS),
    st.sampled_from(CONTROL),
    st.sampled_from(["payments", "Payments", "#payments", "@payments", "team", "new", "post", "preview"]),
)
NUMBER_TOKENS = st.one_of(st.sampled_from(NUMBERISH), digit_runs(), st.integers(-(10**60), 10**60).map(str))
COMMAND_TEXT = st.one_of(
    st.text(CHARS, max_size=80),
    st.builds(
        lambda head, number: f"{head} {number}",
        st.sampled_from(["me", "summary", "summary payments", "summary #payments", "summary <#C0TEAM001|payments>"]),
        NUMBER_TOKENS,
    ),
    st.builds(
        lambda head, tokens, sep: sep.join([head, *tokens]),
        st.sampled_from([*SUBCOMMANDS, "summary payments", "SUMMARY", "forget_me", "Me", "digest post"]),
        st.lists(TOKENS, max_size=3),
        st.sampled_from([" ", "  ", "\t", "\u00a0", "\n"]),
    ),
)


@settings(
    max_examples=COMMAND_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
    derandomize=True,  # the same examples every run (and before/after a change)
)
@given(user=st.sampled_from([ADA, GRACE, OLGA, ZED]), text=COMMAND_TEXT)
def test_any_command_text_gets_200_and_an_ephemeral_reply(world, user, text):
    fields = slash_command_fields(user, text, world.slack.dm_channel(user), response_url=world.slack.response_url("c"))
    outcome = send(world, lambda: world.sender.post(urlencode(fields)), fields["trigger_id"])
    replied = ephemeral_ack(outcome.body) or bool(outcome.replies) or outcome.opened
    tally(world, "commands", outcome, silent=not replied)
    assert outcome.status == 200, outcome
    assert replied, f"no reply to /airetro {text!r}: {outcome}"
    assert all(r.get("response_type") == "ephemeral" for r in outcome.replies), outcome.replies
    assert outcome.tracebacks == []


# -- (b) every payload shape, damaged ---------------------------------------------------------------------


def _message_click(world: World, action_id: str) -> tuple[str, dict]:
    payload = block_actions_payload(
        ADA,
        find_button(world.prompt, action_id),
        world.prompt,
        world.slack.dm_channel(ADA),
        world.slack.response_url("b"),
    )
    return "interaction", payload


def _home_click(world: World, user: str, action_id: str) -> tuple[str, dict]:
    home = world.homes[user]
    return "interaction", view_block_actions_payload(user, find_button(home, action_id), home)


def _submission(world: World, callback: str) -> tuple[str, dict]:
    user, view, values = world.views[callback]
    return "interaction", view_submission_payload(user, view, values)


def _home_opened(world: World) -> tuple[str, dict]:
    return "event", event_envelope(app_home_opened_event(ADA, view=world.homes[ADA]))


def _command(world: World) -> tuple[str, dict]:
    return "form", slash_command_fields(ADA, "summary 4", CHANNEL, response_url=world.slack.response_url("c"))


SHAPES: dict[str, Callable[[World], tuple[str, dict]]] = {
    "block_actions:log_moment": lambda w: _message_click(w, LOG_MOMENT),
    "block_actions:didnt_help": lambda w: _message_click(w, DIDNT_HELP),
    "block_actions:skip_week": lambda w: _message_click(w, SKIP_WEEK),
    "block_actions:home_log": lambda w: _home_click(w, ADA, HOME_LOG),
    "block_actions:home_setup": lambda w: _home_click(w, GRACE, HOME_SETUP),
    "block_actions:home_preview": lambda w: _home_click(w, GRACE, HOME_PREVIEW),
    "block_actions:home_post": lambda w: _home_click(w, GRACE, HOME_POST),
    "view_submission:log_moment_modal": lambda w: _submission(w, "log_moment_modal"),
    "view_submission:log_moment_direct": lambda w: _submission(w, "log_moment_direct"),
    "view_submission:team_setup_modal": lambda w: _submission(w, "team_setup_modal"),
    "view_submission:forget_me_modal": lambda w: _submission(w, "forget_me_modal"),
    "event:app_home_opened": _home_opened,
    "command:/airetro": _command,
}

HOT_KEYS = {
    "type", "user", "id", "actions", "action_id", "value", "trigger_id", "response_url", "response_urls",
    "container", "view", "callback_id", "private_metadata", "state", "values", "blocks", "event", "tab",
    "team", "channel", "api_app_id", "authorizations", "team_id", "user_id", "channel_id", "command", "text",
    "enterprise", "is_enterprise_install", "message", "block_id", "hash",
}  # fmt: skip
KeyPath = tuple[str | int, ...]


def paths(node: object, prefix: KeyPath = ()) -> list[KeyPath]:
    """Every path into ``node`` (lists: their first item only; blocks: not past their first two levels)."""
    found: list[KeyPath] = []
    if isinstance(node, dict):
        for key, value in node.items():
            found.append((*prefix, key))
            if "blocks" in prefix and len(prefix) - prefix.index("blocks") > 2:
                continue
            found += paths(value, (*prefix, key))
    elif isinstance(node, list) and node:
        found.append((*prefix, 0))
        found += paths(node[0], (*prefix, 0))
    return found


def hot(path: KeyPath) -> bool:
    return "values" in path or all(isinstance(step, int) or step in HOT_KEYS for step in path)


METADATA = [
    '{"delivery": 99999999999999999999999999}',
    '{"delivery": -1}',
    '{"delivery": true}',
    '{"delivery": 1e400}',
    '{"team_id": 99999999999999999999999999, "week": "2026-W48"}',
    '{"team_id": 1, "week": ["2026-W48"]}',
    '{"team_id": "1"}',
    '{"user": ["U0USER005"]}',
    "[1, 2]",
    "null",
    "9" * 4_400,
]
ODD = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(),
    st.sampled_from(["", "²", "٣", "9" * 4_400, "-1", "0", "U0NOBODY1", "<@U0USER002>", "{}", "[]", "\x00"]),
    st.sampled_from(METADATA),
    st.text(CHARS, max_size=12),
    st.just([]),
    st.just({}),
    st.lists(st.one_of(st.integers(), st.text(max_size=3), st.none()), max_size=2),
    st.dictionaries(st.text(max_size=3), st.one_of(st.integers(), st.none(), st.text(max_size=3)), max_size=2),
)
FORM_ODD = st.one_of(
    st.sampled_from(["", "²", "9" * 4_400, "U0NOBODY1", "null", "{}", "\x00"]), st.text(CHARS, max_size=12)
)


def _parent(payload: dict, path: KeyPath) -> Any:
    node: Any = payload
    for step in path[:-1]:
        node = node[step]
    return node


@st.composite
def damaged(draw: st.DrawFn, kind: str, payload: dict) -> dict:
    payload = copy.deepcopy(payload)
    for _ in range(draw(st.integers(1, 3))):
        choices = paths(payload)
        if not choices:
            break
        preferred = [p for p in choices if hot(p)] or choices
        path = draw(st.sampled_from(preferred if draw(st.booleans()) else choices))
        parent = _parent(payload, path)
        if draw(st.integers(0, 3)) == 0:
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(FORM_ODD if kind == "form" else ODD)
    return payload


def _post(world: World, kind: str, payload: dict) -> Callable[[], Response]:
    if kind == "event":
        return lambda: world.sender.post(json.dumps(payload), "application/json")
    if kind == "form":
        return lambda: world.sender.post(urlencode(payload))
    return lambda: world.sender.interaction(payload)


@pytest.mark.parametrize("shape", list(SHAPES))
@settings(
    max_examples=PAYLOAD_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
    derandomize=True,  # the same examples every run (and before/after a change)
)
@given(data=st.data())
def test_a_damaged_payload_never_gets_a_5xx_a_lost_ack_or_a_traceback(world, shape, data):
    kind, payload = SHAPES[shape](world)
    payload = data.draw(damaged(kind, payload), label="payload")
    outcome = send(world, _post(world, kind, payload))
    tally(world, "payloads", outcome)
    assert outcome.status < 500, outcome
    assert outcome.status != 404, f"404 after {outcome.seconds:.1f} s: {outcome}"
    assert outcome.status == 200, outcome
    assert outcome.tracebacks == [], outcome.tracebacks
