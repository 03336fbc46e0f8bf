"""A week closes on time through the scheduler, digest or not: its figures are published at its digest time
and stay as they were then (a paused team's week too, which posts no digest)."""

from __future__ import annotations

from bot.digest.figures import DigestFigures
from bot.digest.progress import Progress
from bot.digest.sections import digest_text
from bot.scheduler.process import reschedule
from bot.services import digests, teams
from bot.services.usage_import import import_usage_csv
from tests.conftest import CHANNEL, write_csv
from tests.scheduler.conftest import make_team

WEEK = "2026-W48"
MOMENT = {"what": "Generated the fixture builders", "outcome": "tests", "time_saved": "1h_2h", "quality": "same",
          "counterfactual": "later", "tool": "claude_code"}  # fmt: skip


def _import(engine, users, tmp_path, name: str, rows: list[tuple]) -> None:
    by_email = {u.email: u.id for u in users}
    import_usage_csv(engine, write_csv(tmp_path / name, rows), by_email.get)


def test_a_paused_teams_week_closes_at_its_digest_time_and_stays_as_it_was(
    engine, slack, users, members, clock, start, tmp_path
):
    team = make_team(engine, users, "Europe/Berlin", reminder_hours=0)
    scheduler = start()
    clock.at("2026-11-23T09:00:00Z")  # Monday 10:00 in Berlin: the prompts go out
    scheduler.run_due()
    members["ada"].log_moment(**MOMENT)
    members["grace"].didnt_help()
    members["linus"].didnt_help()
    _import(engine, users, tmp_path, "monday.csv",
            [(u.email, "2026-11-23", "claude-sonnet-4-5", 100_000, 0, "1.00") for u in users[:3]])  # fmt: skip
    teams.change_schedule(engine, team.name, teams.ScheduleChange(paused=True))  # paused mid-week
    reschedule(engine)

    clock.at("2026-11-27T14:59:00Z")  # a minute before the digest time: still open
    scheduler.run_due()
    assert isinstance(digests.week_view(engine, team, WEEK), Progress)

    clock.at("2026-11-27T15:01:00Z")  # the digest time has passed: no digest (paused), but the week closed
    scheduler.run_due()
    assert slack.channel_messages(CHANNEL) == []
    # Saturday: margaret answers late, and the rest of the week's usage is imported late
    clock.at("2026-11-28T10:00:00Z")
    members["margaret"].click("log_moment")  # refused kindly: the week is closed
    _import(engine, users, tmp_path, "late.csv",
            [(u.email, "2026-11-27", "claude-sonnet-4-5", 5_000_000, 0, "50.00") for u in users])  # fmt: skip

    figures = digests.week_view(engine, team, WEEK)
    assert isinstance(figures, DigestFigures)
    text = digest_text(figures)
    # as it was at Friday 16:00: ada, grace and linus answered; 300k tokens imported up to Monday
    assert "3 of 5 answered (60%): 1 logged where AI helped, 2 said it didn't help, 0 skipped." in text
    assert "1 moment logged: 1 × wrote tests." in text
    assert "Team usage: 300.0k tokens, $3.00 (usage imported up to Mon 23 Nov;" in text
    assert "25.3M" not in text and "$253" not in text
