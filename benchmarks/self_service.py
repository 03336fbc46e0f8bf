"""Benchmark the self-service surfaces (``/airetro``, setup modal, App Home, export, forget-me) against
the local Slack stand-in, for a team with weeks of history, and print the figures.

    .venv/bin/python benchmarks/self_service.py [--members 500] [--weeks 12] [--requests 50]

The app is served over real HTTP and receives signed requests exactly as Slack sends them; its Web API
calls go to the stand-in. History is seeded in bulk: this week's prompts through ``send_prompts``, a few
answers through ``answers.record_moment``, the other weeks' deliveries and moments (long text) with
executemany inserts, token usage through the usage importer (``import_files``, plain csv format).

Measures: ack latency (time until the HTTP response) and end-to-end time (until the ephemeral reply
reaches the response_url, or the modal is opened) of the subcommands; the setup modal submission;
building and publishing the App Home and the size of the view; export time and file sizes; forget-me
for a person with every week of rows; setup with the whole team picked and with "everyone in the
channel". Slack wants an ack within 3 s: each ack line says whether its p95 is under that.
Not a test: nothing here passes or fails on timing.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import App
from sqlalchemy import Engine, bindparam, func, insert, update
from sqlmodel import select

from bot import vocabulary as v
from bot.app import create_app
from bot.blocks.home import home_view
from bot.config import Settings
from bot.listeners.commands.airetro import FAILED
from bot.schedule_spec import local_week
from bot.serve import HttpServer, start_http
from bot.services import answers, export, forget, home, prompts, roles, teams, usage_import
from bot.standin.inbound import SlackSender, app_home_opened_event
from bot.standin.web_api import Call, FakeUser, SlackWebApi, users_from
from storage.engine import make_engine, migrate, session_scope
from storage.models import Cycle, Delivery, Moment, Team, TokenSummary, UsageRecord
from storage.queries import cycles as cq
from storage.queries import teams as tq
from storage.weeks import week_days, weeks_back

SECRET = "bench-secret"
TOKEN = "xoxb-bench"
TEAM_CHANNEL = "C0BENCH01"
PICKED_CHANNEL = "C0PICKED1"
CROWD_CHANNEL = "C0CROWD01"
ADMIN = FakeUser("U0ADMIN01", "admin", "admin@example.com", tz="UTC", is_admin=True)
SLACK_ACK_LIMIT = 3.0
MS = 1000
TIMEOUT = 120.0
SERVICE_ANSWERS = 20  # this week's answers stored through answers.record_moment (the rest in bulk)
FORGOTTEN = 5  # people who run forget-me
MODELS = ("claude-sonnet-4-5", "gpt-4.1")
USAGE_COLUMNS = ("email_or_slack_id", "date", "model", "input_tokens", "output_tokens", "cost_usd")  # plain CSV
WHAT_LENGTHS = (600, 1500, 3000)  # the modal's maximum is 3,000 characters
WHAT_TEXT = (
    "Paired with the assistant on the <billing> & invoicing refactor: it drafted the migration, "
    "*found* the N+1 query in `InvoiceRepo.list`, wrote 14 tests and explained the old retry logic. "
)


# -- figures -------------------------------------------------------------------------------------------


def pct(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile of ``values`` (nearest rank, as in weekly_loop)."""
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


def spread(values: Sequence[float]) -> str:
    """``p50 … p95 … max …`` in milliseconds."""
    return (
        f"p50 {statistics.median(values) * MS:7.1f} ms  p95 {pct(values, 0.95) * MS:7.1f} ms  "
        f"max {max(values) * MS:7.1f} ms"
    )


def ack_verdict(acks: Sequence[float]) -> str:
    return "yes" if pct(acks, 0.95) < SLACK_ACK_LIMIT else "NO"


@dataclass
class Sample:
    """Ack and end-to-end times of one kind of request."""

    label: str
    end: str  # what "end to end" waits for
    acks: list[float] = field(default_factory=list)
    ends: list[float] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"  {self.label:<40} ack {spread(self.acks)}  (p95 < 3 s: {ack_verdict(self.acks)})",
            f"  {'':<40} {self.end:<3} {spread(self.ends)}",
        ]


def kib(size: int) -> str:
    return f"{size / 1024:,.1f} KiB"


# -- the running app -----------------------------------------------------------------------------------


@dataclass
class Bench:
    engine: Engine
    app: App
    http: HttpServer
    slack: SlackWebApi
    sender: SlackSender
    members: list[str]
    manager: str
    admin: str
    team_id: int
    weeks: list[str]

    def slash(self, user_id: str, text: str, channel_id: str, until: str = "reply") -> tuple[float, float, dict]:
        """Type ``/airetro text``; (ack s, end-to-end s, the reply or the opened view).

        ``until``: "reply" waits for the ephemeral reply at the response_url, "modal" for views.open.
        """
        replies, opened = len(self.slack.responses()), len(self.slack.calls("views.open"))
        started = time.perf_counter()
        response = self.sender.slash_command(user_id, text, channel_id)
        acked = time.perf_counter() - started
        if response.status != 200 or response.body:
            raise RuntimeError(f"/airetro {text} by {user_id}: HTTP {response.status} {response.body[:200]!r}")
        if until == "modal":
            self.slack.wait_for("views.open", opened + 1, timeout=TIMEOUT)
            result = self.slack.last_opened_view()
        else:
            result = self.slack.wait_for_responses(replies + 1, timeout=TIMEOUT)[replies]
            if result.get("text") == FAILED:
                raise RuntimeError(f"/airetro {text} by {user_id} failed inside the app")
        return acked, time.perf_counter() - started, result

    def submit(self, user_id: str, view: dict, values: dict) -> tuple[float, dict | None]:
        """Submit a modal; (ack s, the JSON the ack carried, if any)."""
        started = time.perf_counter()
        response = self.sender.submit(user_id, view, values)
        acked = time.perf_counter() - started
        if response.status != 200:
            raise RuntimeError(f"submission by {user_id}: HTTP {response.status} {response.body[:200]!r}")
        return acked, response.json()

    def dm_posts(self, user_id: str) -> int:
        return sum(1 for c in self.slack.calls("chat.postMessage") if c.args.get("channel") == user_id)

    def wait_dm(self, user_id: str, count: int) -> dict:
        calls = self.slack.wait_for(
            "chat.postMessage", count, timeout=TIMEOUT, where=lambda c: c.args.get("channel") == user_id
        )
        return calls[count - 1].args


# -- seeding -------------------------------------------------------------------------------------------


def plan(member: int, week: int) -> tuple[str, int]:
    """A member's answer in a week and how many moments they logged (60 % helped, 1–2 moments)."""
    roll = (member * 7 + week * 3) % 10
    if roll < 6:
        return v.HELPED, 1 + (member + week) % 2
    if roll < 8:
        return v.DIDNT_HELP, 0
    if roll < 9:
        return v.SKIPPED, 0
    return v.PENDING, 0


def moment_fields(n: int) -> dict[str, str | None]:
    """A logged moment whose ``what`` is 600 to 3,000 characters of text with markup in it."""
    length = WHAT_LENGTHS[n % len(WHAT_LENGTHS)]
    what = (WHAT_TEXT * (length // len(WHAT_TEXT) + 1))[:length]

    def pick(choices: Sequence[str]) -> str:
        return list(choices)[n % len(choices)]

    return {
        "what": what,
        "outcome": pick(v.OUTCOMES),
        "time_saved": pick(v.TIME_SAVED),
        "quality": pick(v.QUALITY),
        "counterfactual": pick(v.COUNTERFACTUAL),
        "tool": pick(v.TOOLS),
        "link": f"https://git.example.com/acme/billing/pull/{n}" if n % 2 else None,
        "sharing": pick(v.SHARING),
    }


def seed_past_weeks(engine: Engine, team_id: int, people: list[int], weeks: list[str]) -> None:
    """Deliveries (with their answers) for every member in ``weeks``, in executemany inserts."""
    with session_scope(engine) as session:
        connection = session.connection()
        for w, week in zip(range(len(weeks)), weeks, strict=True):
            cycle = cq.get_or_create_cycle(session, team_id, week)
            sent = datetime.combine(week_days(week)[0], datetime.min.time(), UTC) + timedelta(hours=9)
            rows = []
            for i, person_id in enumerate(people):
                answer, _ = plan(i, w)
                rows.append(
                    {
                        "cycle_id": cycle.id,
                        "person_id": person_id,
                        "state": "sent",
                        "answer": answer,
                        "channel_id": f"D{person_id:08d}",
                        "message_ts": f"{int(sent.timestamp())}.{i:06d}",
                        "claimed_at": sent,
                        "sent_at": sent,
                        "answered_at": None if answer == v.PENDING else sent + timedelta(hours=5),
                    }
                )
            connection.execute(insert(Delivery.__table__), rows)


def seed_this_week(engine: Engine, team_id: int, people: list[int], week_index: int, week: str, skip: int) -> None:
    """This week's answers on the deliveries send_prompts made (all but the first ``skip`` members)."""
    table = Delivery.__table__
    with session_scope(engine) as session:
        ids = dict(
            session.exec(
                select(Delivery.person_id, Delivery.id)
                .join(Cycle, Cycle.id == Delivery.cycle_id)
                .where(Cycle.team_id == team_id, Cycle.week == week)
            ).all()
        )
        now = datetime.now(UTC)
        rows = [
            {"b_id": ids[person_id], "b_answer": plan(i, week_index)[0], "b_at": now}
            for i, person_id in enumerate(people)
            if i >= skip and person_id in ids and plan(i, week_index)[0] != v.PENDING
        ]
        if rows:
            statement = (
                update(table)
                .where(table.c.id == bindparam("b_id"))
                .values(answer=bindparam("b_answer"), answered_at=bindparam("b_at"))
            )
            session.connection().execute(statement, rows)


def seed_moments(engine: Engine, team_id: int, people: list[int], weeks: list[str], skip_week: str, skip: int) -> int:
    """The moments of every "helped" delivery (not this week's first ``skip`` members); returns how many."""
    index = {person_id: i for i, person_id in enumerate(people)}
    with session_scope(engine) as session:
        deliveries = session.exec(
            select(Delivery.id, Delivery.person_id, Cycle.week)
            .join(Cycle, Cycle.id == Delivery.cycle_id)
            .where(Cycle.team_id == team_id)
        ).all()
        rows = []
        created = datetime.now(UTC)
        for delivery_id, person_id, week in deliveries:
            i, w = index[person_id], weeks.index(week)
            if week == skip_week and i < skip:
                continue
            answer, count = plan(i, w)
            for k in range(count if answer == v.HELPED else 0):
                fields = moment_fields(i + w + k)
                rows.append(
                    {"delivery_id": delivery_id, "view_id": f"VSEED{delivery_id}X{k}", "created_at": created, **fields}
                )
        for start in range(0, len(rows), 2000):
            session.connection().execute(insert(Moment.__table__), rows[start : start + 2000])
    return len(rows)


def write_usage_csv(path: Path, members: list[str], weeks: list[str], today: date) -> int:
    """Two models on every weekday of ``weeks`` up to today, for every member; returns the rows written."""
    rows = 0
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(USAGE_COLUMNS)
        for week in weeks:
            monday = week_days(week)[0]
            for offset in range(5):
                day = monday + timedelta(days=offset)
                if day > today:
                    continue
                for i, member in enumerate(members):
                    for m, model in enumerate(MODELS):
                        tokens = 20_000 + (i * 131 + offset * 17 + m * 7) % 90_000
                        writer.writerow(
                            [member, day.isoformat(), model, tokens, tokens // 8, f"{tokens * 0.000004:.4f}"]
                        )
                        rows += 1
    return rows


def seed(bench: Bench, tmp: Path) -> None:
    engine, weeks = bench.engine, bench.weeks
    with session_scope(engine) as session:
        people = [p.id for p in tq.team_members(session, bench.team_id)]
        team = session.get(Team, bench.team_id)
    skip = min(SERVICE_ANSWERS, len(people))

    started = time.perf_counter()
    seed_past_weeks(engine, bench.team_id, people, weeks[:-1])
    t0 = time.perf_counter()
    report = prompts.send_prompts(engine, bench.app.client, team)
    fan_out = time.perf_counter() - t0
    seed_this_week(engine, bench.team_id, people, len(weeks) - 1, weeks[-1], skip)
    moments = seed_moments(engine, bench.team_id, people, weeks, weeks[-1], skip)
    history = time.perf_counter() - started - fan_out
    print(
        f"seeded {len(people)} members × {len(weeks)} weeks: {len(people) * len(weeks):,} deliveries, "
        f"{moments:,} moments (what: {'/'.join(str(n) for n in WHAT_LENGTHS)} chars) in {history:.1f} s; "
        f"this week's {len(report.sent)} prompt DMs via send_prompts in {fan_out:.1f} s"
    )

    service = []
    with session_scope(engine) as session:
        ids = dict(
            session.exec(
                select(Delivery.person_id, Delivery.id)
                .join(Cycle, Cycle.id == Delivery.cycle_id)
                .where(Cycle.team_id == bench.team_id, Cycle.week == weeks[-1])
            ).all()
        )
    for i in range(skip):
        user_id = bench.members[i]
        t0 = time.perf_counter()
        answers.record_moment(
            engine, bench.app.client, ids[people[i]], user_id, f"VSERVICE{i}", moment_fields(i + len(weeks) - 1)
        )
        service.append(time.perf_counter() - t0)
    print(
        f"  {skip} of this week's answers via answers.record_moment (store, prompt chat.update, "
        f"Home refresh): {spread(service)}"
    )

    path = tmp / "usage.csv"
    written = write_usage_csv(path, bench.members, weeks, datetime.now(UTC).date())
    t0 = time.perf_counter()
    result = usage_import.import_files(engine, "csv", [str(path)])
    elapsed = time.perf_counter() - t0
    print(
        f"  usage: {written:,} CSV rows ({kib(path.stat().st_size)}) imported in {elapsed:.1f} s "
        f"= {result.rows / elapsed:,.0f} rows/s, {result.person_weeks:,} weekly token summaries"
    )


# -- the setup form, filled as Slack reports it ---------------------------------------------------------


def fill(view: dict, answers_by_block: dict[str, Any]) -> dict:
    """``view.state.values`` for the setup modal's inputs (block_id → typed text, value or user ids)."""
    values: dict[str, dict] = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        element, answer = block["element"], answers_by_block.get(block["block_id"])
        kind = element["type"]
        entry: dict[str, Any] = {"type": kind}
        if kind in ("static_select", "radio_buttons"):
            entry["selected_option"] = next((o for o in element.get("options", []) if o["value"] == answer), None)
        elif kind == "multi_users_select":
            entry["selected_users"] = list(answer or [])
        elif kind == "conversations_select":
            entry["selected_conversation"] = answer
        elif kind == "timepicker":
            entry["selected_time"] = answer
        elif kind == "checkboxes":
            entry["selected_options"] = list(element["options"]) if answer else []
        else:
            entry["value"] = answer
        values[block["block_id"]] = {element["action_id"]: entry}
    return values


def prefilled(view: dict) -> dict[str, Any]:
    """What the form holds as opened: the answers of someone who changes nothing."""
    found: dict[str, Any] = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        element = block["element"]
        found[block["block_id"]] = (
            element.get("initial_value")
            or (element.get("initial_option") or {}).get("value")
            or element.get("initial_users")
            or element.get("initial_conversation")
            or element.get("initial_time")
            or bool(element.get("initial_options"))
        )
    return found


def new_team_answers(name: str, channel: str, membership: str, members: list[str], manager: str) -> dict[str, Any]:
    return {
        "name": name,
        "channel": channel,
        "membership": membership,
        "members": members,
        "managers": [manager],
        "prompt_day": "0",
        "prompt_time": "10:00",
        "reminder_hours": "24",
        "digest_day": "4",
        "digest_time": "16:00",
        "tz": "UTC",
        "min_respondents": "3",
        "share_free_text": True,
    }


# -- the measurements ----------------------------------------------------------------------------------


def commands(bench: Bench, requests: int) -> list[Sample]:
    """Each subcommand ``requests`` times; members take turns, the manager previews, the admin sets up."""
    dm = "D0BENCH01"
    kinds: list[tuple[str, str, Callable[[int], str], str, str]] = [
        ("/airetro help (member)", "help", lambda i: bench.members[i], dm, "reply"),
        ("/airetro me (member)", "me", lambda i: bench.members[i], dm, "reply"),
        ("/airetro summary (member, team channel)", "summary", lambda i: bench.members[i], TEAM_CHANNEL, "reply"),
        ("/airetro digest preview (manager)", "digest preview", lambda _i: bench.manager, TEAM_CHANNEL, "reply"),
        ("/airetro log (member)", "log", lambda i: bench.members[i], dm, "modal"),
        ("/airetro setup (admin: new team form)", "setup", lambda _i: bench.admin, dm, "modal"),
        ("/airetro export (member)", "export", lambda i: bench.members[i], dm, "reply"),
    ]
    samples = []
    for label, text, who, channel, until in kinds:
        sample = Sample(label, "opn" if until == "modal" else "rpl")
        for i in range(requests):
            acked, ended, _ = bench.slash(who(1 + i % (len(bench.members) - 1)), text, channel, until)
            sample.acks.append(acked)
            sample.ends.append(ended)
        samples.append(sample)
    return samples


def setup_edits(bench: Bench, requests: int) -> list[Sample]:
    """The manager opens the team's form and saves it (reminder hours toggled), ``requests`` times."""
    opening = Sample(f"/airetro setup (manager, {len(bench.members)} prefilled)", "opn")
    saving = Sample(f"setup submission ({len(bench.members)} picked, changed)", "DM")
    for i in range(requests + requests % 2):  # an even count: the team ends as it started
        acked, ended, view = bench.slash(bench.manager, "setup", "D0BENCH01", "modal")
        opening.acks.append(acked)
        opening.ends.append(ended)
        form = {**prefilled(view), "reminder_hours": "23" if i % 2 == 0 else "24"}
        before = bench.dm_posts(bench.manager)
        started = time.perf_counter()
        acked, body = bench.submit(bench.manager, view, fill(view, form))
        if body:
            raise RuntimeError(f"setup submission refused: {body}")
        bench.wait_dm(bench.manager, before + 1)
        saving.acks.append(acked)
        saving.ends.append(time.perf_counter() - started)
    return [opening, saving]


def publish_times(bench: Bench, user_id: str, repeats: int) -> tuple[list[float], dict]:
    """``app_home_opened`` → views.publish received, ``repeats`` times; also the last view published."""
    ends = []

    def mine(call: Call) -> bool:
        return call.args.get("user_id") == user_id

    for _ in range(repeats):
        before = sum(1 for c in bench.slack.calls("views.publish") if mine(c))
        started = time.perf_counter()
        response = bench.sender.event(app_home_opened_event(user_id))
        if response.status != 200:
            raise RuntimeError(f"app_home_opened: HTTP {response.status}")
        calls = bench.slack.wait_for("views.publish", before + 1, timeout=TIMEOUT, where=mine)
        ends.append(time.perf_counter() - started)
    return ends, calls[-1].args["view"]


def build_times(bench: Bench, user_id: str, repeats: int) -> list[float]:
    """Gathering the Home's data and building its blocks in process (users.info included)."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        who = roles.caller(bench.engine, bench.app.client, user_id)
        home_view(home.home_data(bench.engine, who, datetime.now(UTC))).to_dict()
        times.append(time.perf_counter() - started)
    return times


def app_home(bench: Bench, repeats: int, viewers: list[tuple[str, str]]) -> None:
    for label, user_id in viewers:
        ends, view = publish_times(bench, user_id, repeats)
        built = build_times(bench, user_id, repeats)
        size = len(json.dumps(view).encode())
        print(f"  {label:<40} published {spread(ends)}")
        print(f"  {'':<40} built     {spread(built)}  ({len(view['blocks'])} blocks, {kib(size)} JSON)")


def exports(bench: Bench) -> None:
    for label, user_id in (("member", bench.members[1]), ("manager", bench.manager)):
        t0 = time.perf_counter()
        result = export.collect(bench.engine, forget.identity(bench.engine, bench.app.client, user_id), date.today())
        collected = time.perf_counter() - t0
        before = len(bench.slack.files())
        acked, ended, _ = bench.slash(user_id, "export", "D0BENCH01")
        files = bench.slack.files()[before:]
        sizes = ", ".join(f"{f['filename'].split('-', 4)[-1]} {kib(len(f['content']))}" for f in files)
        rows = sum(f.rows for f in result.files)
        print(
            f"  {label:<8} collect {collected * MS:6.0f} ms; /airetro export ack {acked * MS:.1f} ms, "
            f"files in the DM and reply after {ended * MS:.0f} ms; {len(files)} files, {rows:,} rows: {sizes}"
        )


def forget_me(bench: Bench, people: list[str]) -> None:
    held = forget.holdings(bench.engine, forget.identity(bench.engine, bench.app.client, people[0]))
    opening = Sample("/airetro forget-me (confirmation modal)", "opn")
    deleting = Sample("forget-me submission (delete + result)", "upd")
    for user_id in people:
        acked, ended, view = bench.slash(user_id, "forget-me", "D0BENCH01", "modal")
        opening.acks.append(acked)
        opening.ends.append(ended)
        started = time.perf_counter()
        acked, body = bench.submit(user_id, view, {})
        if not body or body.get("response_action") != "update":
            raise RuntimeError(f"forget-me submission: unexpected ack {body}")
        shown = bench.slack.wait_for  # the result replaces this very modal
        shown("views.update", 1, timeout=TIMEOUT, where=lambda c, view_id=view["id"]: c.args.get("view_id") == view_id)
        deleting.acks.append(acked)
        deleting.ends.append(time.perf_counter() - started)
    print(
        f"  the first of {len(people)} held {held.moments} moments, {held.answers} deliveries, "
        f"{held.token_summaries} token summaries, {held.usage_records} usage records, {held.memberships} membership(s)"
    )
    for sample in (opening, deleting):
        for line in sample.lines():
            print(line)
    with session_scope(bench.engine) as session:
        left = session.exec(select(func.count()).select_from(UsageRecord).where(UsageRecord.person_key.in_(people)))
        if left.one():
            raise RuntimeError("forget-me left usage records behind")


def new_teams(bench: Bench, everyone: list[str]) -> None:
    bench.slack.channels[CROWD_CHANNEL] = list(everyone)
    cases = [
        (f"{len(everyone)} people picked", new_team_answers("Picked", PICKED_CHANNEL, "people", everyone, bench.admin)),
        (
            f"everyone in a channel of {len(everyone)}",
            new_team_answers("Crowd", CROWD_CHANNEL, "channel", [], bench.admin),
        ),
    ]
    for label, form in cases:
        _, _, view = bench.slash(bench.admin, "setup new", "D0BENCH01", "modal")
        reads = len(bench.slack.calls("conversations.members"))
        before = bench.dm_posts(bench.admin)
        started = time.perf_counter()
        acked, body = bench.submit(bench.admin, view, fill(view, form))
        if body:
            raise RuntimeError(f"setup submission refused: {body}")
        bench.wait_dm(bench.admin, before + 1)
        ended = time.perf_counter() - started
        pages = len(bench.slack.calls("conversations.members")) - reads
        with session_scope(bench.engine) as session:
            team = tq.get_team(session, form["name"])
            count = len(tq.team_members(session, team.id))
        print(
            f"  new team, {label:<28} ack {acked * MS:6.1f} ms (< 3 s: {ack_verdict([acked])}); saved, jobs "
            f"rescheduled, confirmation DM after {ended * MS:.0f} ms; {count} members, "
            f"{pages} conversations.members page(s)"
        )


# -- main ----------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--requests", type=int, default=50, help="requests per kind of slash command / submission")
    args = parser.parse_args()
    if args.members < 2 + FORGOTTEN or args.weeks < 1 or args.requests < 1:
        parser.error(f"need --members ≥ {2 + FORGOTTEN}, --weeks ≥ 1, --requests ≥ 1")
    begun = time.perf_counter()
    users = users_from([f"user{i}" for i in range(args.members)], make_id=lambda i: f"U{i:08d}")
    everyone = [u.id for u in users]
    with tempfile.TemporaryDirectory() as tmp, SlackWebApi(TOKEN, [*users, ADMIN]) as slack:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        migrate(engine)
        app = create_app(Settings(slack_bot_token=TOKEN, slack_signing_secret=SECRET, slack_api_url=slack.url), engine)
        http = start_http(app)
        sender = SlackSender(http.url, SECRET, response_base=slack.response_url(""))
        spec = teams.team_spec(
            "Bench", TEAM_CHANNEL, everyone, "UTC", "mon 00:00", "fri 16:00", 3, managers=[everyone[0]]
        )
        team = teams.create_team(engine, spec)
        weeks = weeks_back(local_week(datetime.now(UTC), ZoneInfo("UTC")), args.weeks)
        bench = Bench(engine, app, http, slack, sender, everyone, everyone[0], ADMIN.id, team.id, weeks)
        print(
            f"self-service benchmark: team of {args.members}, {args.weeks} weeks ({weeks[0]} … {weeks[-1]}), "
            f"{args.requests} requests per kind; app over HTTP, Slack stand-in without rate limits"
        )
        seed(bench, Path(tmp))

        print(f"slash commands, {args.requests} each: ack = HTTP response; rpl = ephemeral reply at the response_url, "
              "opn = modal opened (views.open); all times from sending the request")  # fmt: skip
        for sample in commands(bench, args.requests):
            for line in sample.lines():
                print(line)
        print("setup modal, the manager edits the team: DM = saved, jobs rescheduled, confirmation DM received")
        for sample in setup_edits(bench, args.requests):
            for line in sample.lines():
                print(line)

        repeats = max(3, args.requests // 10)
        print(
            f"App Home, {repeats} times each: published = app_home_opened → views.publish received; built = in process"
        )
        app_home(bench, repeats, [("member", everyone[1]), ("manager (and member)", everyone[0]), ("admin", ADMIN.id)])

        print(f"export (member and manager with {args.weeks} weeks):")
        exports(bench)

        print(f"forget-me, people with {args.weeks} weeks of rows: opn = confirmation modal; upd = result shown")
        forget_me(bench, everyone[-FORGOTTEN:])

        print("setup submissions creating a team (admin):")
        new_teams(bench, everyone)
        print("App Home after that:")
        app_home(bench, repeats, [("admin, 3 teams", ADMIN.id), ("member of 3 teams", everyone[1])])

        http.stop()
        app.listener_runner.listener_executor.shutdown(wait=True)
        with session_scope(engine) as session:
            summaries = session.exec(select(func.count()).select_from(TokenSummary)).one()
        engine.dispose()
    print(f"done in {time.perf_counter() - begun:.0f} s ({summaries:,} token summaries at the end)")


if __name__ == "__main__":
    main()
