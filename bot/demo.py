"""``airetro demo``: one full week against the embedded Slack stand-in, no Slack account needed.

It creates a demo team, imports a week of token usage, sends the prompts, answers them through
the same signed HTTP requests and interaction handlers real clicks use, posts the digest and
prints it.
"""

from __future__ import annotations

import csv
import secrets
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

from freezegun import freeze_time

from bot.app import create_app
from bot.config import Settings
from bot.digest.sections import Style, digest_text
from bot.formatting import plural, week_label
from bot.schedule_spec import local_week, occurrence, parse_tz
from bot.serve import start_http
from bot.services import digests, schedule, teams
from bot.services.charts import NO_CHART
from bot.services.usage_import import import_usage_csv, slack_email_lookup
from bot.standin.inbound import SlackSender
from bot.standin.member import SimulatedMember
from bot.standin.web_api import SlackWebApi, users_from
from storage.engine import make_engine, migrate
from storage.weeks import week_days

TOKEN = "xoxb-demo"
CHANNEL = "C0DEMO001"
TZ = "Europe/Berlin"
NAMES = ["ada", "grace", "linus", "margaret", "ken", "barbara"]
CHART_FILE = "airetro-demo-chart.png"
HISTORY_WEEKS = 7  # earlier weeks of answers and usage, so the trend and the chart have something to show
HISTORY_SCALE = 0.6  # their token use relative to this week's: volume rises, reported value does not
# Daily usage per person for the demo week: (model, input tokens, output tokens, dollars).
USAGE = {
    "ada": ("claude-sonnet-4-5", 180_000, 22_000, 1.95),
    "grace": ("gpt-4.1", 90_000, 12_000, 0.84),
    "linus": ("claude-sonnet-4-5", 260_000, 30_000, 2.70),
    "margaret": ("claude-opus-4-1", 40_000, 5_000, 1.35),
    "ken": ("gpt-4.1", 20_000, 3_000, 0.19),
}


def write_usage_csv(path: Path, week: str, emails: dict[str, str], history: int = 0) -> None:
    """Five weekdays of ``USAGE`` in ``week``; the ``history`` weeks before it at ``HISTORY_SCALE``."""
    this_monday, _ = week_days(week)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email_or_slack_id", "date", "model", "input_tokens", "output_tokens", "cost_usd"])
        for back in range(history, -1, -1):
            scale = HISTORY_SCALE if back else 1.0
            monday = this_monday - timedelta(weeks=back)
            for name, (model, tokens_in, tokens_out, cost) in USAGE.items():
                for offset in range(5):
                    day = (monday + timedelta(days=offset)).isoformat()
                    row = [emails[name], day, model, round(tokens_in * scale), round(tokens_out * scale)]
                    writer.writerow([*row, f"{cost * scale:.2f}"])


def answer_like_every_week(member: dict[str, SimulatedMember]) -> None:
    """An earlier week: the same three outcomes (4.5 h), kept private; linus: didn't help; margaret and barbara
    skip."""
    for name, outcome, time_saved in (("ada", "tests", "2h_4h"), ("ada", "other", "cost"), ("grace", "bug", "1h_2h")):
        member[name].log_moment(
            what=f"{outcome} with AI", outcome=outcome, time_saved=time_saved, quality="same",
            counterfactual="later", tool="claude_code", sharing="private",
        )  # fmt: skip
    member["linus"].didnt_help()
    member["margaret"].skip()
    member["barbara"].skip()


def _ask(slack: SlackWebApi, member: SimulatedMember, text: str) -> str:
    """Type ``/airetro text`` as ``member``; the ephemeral reply's text (acked, then sent to the response_url)."""
    before = len(slack.responses())
    response = member.command(text)
    if response.body:
        return response.json()["text"]
    return slack.wait_for_responses(before + 1)[before]["text"]


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.replace("*", "").splitlines())


def _local(at: datetime) -> str:
    local = at.astimezone(parse_tz(TZ))
    return f"{local:%a %H:%M} {local.tzname()}"


def _chart_line(slack: SlackWebApi, chart_dir: Path | None) -> str:
    """Save the chart uploaded into the digest's thread as ``CHART_FILE``; the line saying where it is."""
    uploads = slack.files(CHANNEL)
    if not uploads:
        return f"\nChart: {NO_CHART}"
    folder = chart_dir or Path(tempfile.mkdtemp(prefix="airetro-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / CHART_FILE
    path.write_bytes(uploads[-1]["content"])
    return f"\nChart uploaded into the digest's thread as {uploads[-1]['filename']}; a copy: {path}"


def run_demo(out: TextIO = sys.stdout, now: datetime | None = None, chart_dir: Path | None = None) -> int:
    now = now or datetime.now(UTC)
    say = lambda text: print(text, file=out, flush=True)  # noqa: E731
    users = users_from(NAMES)
    ids = {u.name: u.id for u in users}
    secret = secrets.token_hex(16)
    with tempfile.TemporaryDirectory(prefix="airetro-demo-") as tmp, SlackWebApi(TOKEN, users) as slack:
        engine = make_engine(f"sqlite:///{tmp}/demo.db")
        migrate(engine)
        settings = Settings(slack_bot_token=TOKEN, slack_signing_secret=secret, slack_api_url=slack.url)
        app = create_app(settings, engine)
        http = start_http(app)
        clock = None
        try:
            say(f"Slack stand-in on {slack.url}, app on {http.url}")
            spec = teams.team_spec("Payments", CHANNEL, list(ids.values()), TZ, "mon 10:00", "fri 16:00", 3)
            team = teams.create_team(engine, spec)
            week = local_week(now, parse_tz(TZ))
            say(f"Team {team.name}: {len(ids)} members, prompts mon 10:00, digest fri 16:00 ({TZ}), {week_label(week)}")

            usage_file = Path(tmp) / "usage.csv"
            write_usage_csv(usage_file, week, {u.name: u.email for u in users}, HISTORY_WEEKS)
            report = import_usage_csv(engine, usage_file, slack_email_lookup(app.client))
            say(f"Imported {report.rows} usage rows over {HISTORY_WEEKS + 1} weeks "
                f"({report.attributed} matched to members by e-mail)")  # fmt: skip

            tz = parse_tz(TZ)
            monday = week_days(week)[0]
            sender = SlackSender(http.url, secret, response_base=slack.response_url(""))
            member = {name: SimulatedMember(slack, sender, uid) for name, uid in ids.items()}
            # The weeks play out on a simulated clock (it keeps ticking, so requests stay signed): each week's
            # figures exist only once the week has closed, so its answers must come in that week.
            clock = freeze_time(
                occurrence(teams.prompt_slot(team), monday - timedelta(weeks=HISTORY_WEEKS), tz), tick=True
            )
            ticking = clock.start()
            for back in range(HISTORY_WEEKS, 0, -1):
                earlier = occurrence(teams.prompt_slot(team), monday - timedelta(weeks=back), tz)
                ticking.move_to(earlier)
                schedule.send_due_prompts(engine, app.client, team.id, earlier)
                answer_like_every_week(member)
            say(f"History: {HISTORY_WEEKS} earlier weeks, each prompted and answered the same way (3 moments, "
                f"4.5 h) on {HISTORY_SCALE:.0%} of this week's tokens")  # fmt: skip

            prompt_at = occurrence(teams.prompt_slot(team), monday, tz)
            ticking.move_to(prompt_at)
            slack.set_status(ids["barbara"], "Vacationing", ":palm_tree:")  # Slack's own suggestion
            (sent,) = schedule.send_due_prompts(engine, app.client, team.id, prompt_at)
            say(f"{_local(prompt_at)}: the schedule sent {len(sent.sent)} prompt DMs; barbara's Slack status says "
                "\"Vacationing\", so she is away: no prompt, no reminder, counted as away")  # fmt: skip
            member["ada"].log_moment(
                what="Claude Code wrote the migration tests for the billing export",
                outcome="tests",
                time_saved="2h_4h",
                quality="better",
                counterfactual="later",
                tool="claude_code",
                link="https://github.com/acme/payments/pull/812",
                sharing="named",
            )
            member["ada"].log_moment(
                what="Asked for a refactor of the retry loop; had to redo it by hand",
                outcome="other",
                time_saved="cost",
                quality="redo",
                counterfactual="yes",
                tool="cursor",
                sharing="private",
            )
            member["grace"].log_moment(
                what="Traced a flaky settlement job to a timezone bug in minutes",
                outcome="bug",
                time_saved="1h_2h",
                quality="same",
                counterfactual="no",
                tool="chatgpt",
                sharing="anonymous",
            )
            member["linus"].didnt_help()
            member["margaret"].skip()
            say("Answers: ada logged 2 moments, grace 1, linus: AI didn't help, margaret skipped, ken did not answer")

            remind_at = prompt_at + timedelta(hours=team.reminder_hours)
            ticking.move_to(remind_at)
            (reminded,) = schedule.send_due_reminders(engine, app.client, team.id, remind_at)
            sent = plural(len(reminded.sent), "reminder")
            say(f"{_local(remind_at)}: {sent}, one to each member who had not answered")

            digest_at = occurrence(teams.digest_slot(team), monday, tz)
            ticking.move_to(digest_at)
            schedule.post_due_digest(engine, app.client, team.id, digest_at)
            posted = slack.channel_messages(CHANNEL)
            say(f"{_local(digest_at)}: digest posted to #{CHANNEL} ({len(posted)} message, "
                f"{len(posted[0]['blocks'])} blocks)\n")  # fmt: skip
            figures = digests.week_view(engine, team, week)
            names = {u.id: u.name for u in users}
            say(digest_text(figures, Style(mention=lambda uid: "@" + names.get(uid, uid), escape=lambda s: s)))
            say(_chart_line(slack, chart_dir))

            for name, text in (("ada", "me 2"), ("grace", "summary 4")):
                reply = _ask(slack, member[name], text)
                say(f"\n{name} types /airetro {text} (only {name} sees the reply):\n{_indent(reply)}")
        finally:
            if clock is not None:
                clock.stop()
            http.stop()
            engine.dispose()
    return 0
