"""The basic weekly schedule: each team's jobs fire at its weekday and local time (DST included)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from freezegun import freeze_time
from sqlmodel import Session

from bot.scheduler import build_scheduler, next_runs, run_digest, run_prompts, sync_jobs
from bot.services import digests
from storage.models import Team
from tests.conftest import CHANNEL


@pytest.mark.parametrize(("now", "prompt_utc", "digest_utc"), [
    # winter, CET = UTC+1: Monday 10:00 Berlin is 09:00 UTC, Friday 16:00 is 15:00 UTC
    ("2026-01-05T08:00:00+00:00", "2026-01-05T09:00:00+00:00", "2026-01-09T15:00:00+00:00"),
    # summer, CEST = UTC+2
    ("2026-07-06T08:00:00+00:00", "2026-07-06T08:00:00+00:00", "2026-07-10T14:00:00+00:00"),
    # just after the prompt fired: the next one is a week later
    ("2026-07-06T08:00:01+00:00", "2026-07-13T08:00:00+00:00", "2026-07-10T14:00:00+00:00"),
])  # fmt: skip
def test_jobs_fire_at_local_time_in_winter_and_summer(team, now, prompt_utc, digest_utc):
    runs = next_runs(team, datetime.fromisoformat(now))
    assert runs["prompt"].astimezone(UTC) == datetime.fromisoformat(prompt_utc)
    assert runs["digest"].astimezone(UTC) == datetime.fromisoformat(digest_utc)


def test_scheduler_has_each_teams_jobs_and_follows_changes(engine, app, team):
    with freeze_time("2026-11-22T12:00:00Z"):
        scheduler = build_scheduler(engine, app.client)
        scheduler.start(paused=True)
        try:
            jobs = {job.id: job for job in scheduler.get_jobs()}
            assert jobs[f"prompt:{team.id}"].next_run_time.astimezone(UTC) == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
            assert jobs[f"digest:{team.id}"].next_run_time.astimezone(UTC) == datetime(2026, 11, 27, 15, 0, tzinfo=UTC)

            with Session(engine) as session:
                row = session.get(Team, team.id)
                row.prompt_time = "09:30"
                session.commit()
            sync_jobs(scheduler, engine, app.client)
            prompt_job = scheduler.get_job(f"prompt:{team.id}")
            assert prompt_job.next_run_time.astimezone(UTC) == datetime(2026, 11, 23, 8, 30, tzinfo=UTC)

            with Session(engine) as session:
                session.get(Team, team.id).paused = True
                session.commit()
            sync_jobs(scheduler, engine, app.client)
            assert scheduler.get_job(f"prompt:{team.id}") is None
            assert scheduler.get_job(f"digest:{team.id}") is None
        finally:
            scheduler.shutdown(wait=False)


def test_jobs_send_the_prompts_and_post_the_digest_for_the_right_week(engine, app, team, slack, users, members):
    with freeze_time("2026-11-23T09:00:00Z"):  # Monday 10:00 Berlin
        run_prompts(engine, app.client, team.id)
    assert len(slack.calls("chat.postMessage")) == len(users)
    assert "2026-W48" in str(slack.calls("chat.postMessage")[0].args["blocks"])
    for name in ("ada", "grace", "linus"):
        members[name].didnt_help()
    with freeze_time("2026-11-27T15:00:00Z"):  # Friday 16:00 Berlin
        assert digests.digest_week(team) == "2026-W48"
        run_digest(engine, app.client, team.id)
        run_digest(engine, app.client, team.id)  # a second firing posts nothing
    posts = slack.channel_messages(CHANNEL)
    assert len(posts) == 1 and "2026-W48" in posts[0]["text"]


def test_a_paused_team_is_neither_prompted_nor_digested(engine, app, team, slack):
    with Session(engine) as session:
        session.get(Team, team.id).paused = True
        session.commit()
    run_prompts(engine, app.client, team.id)
    run_digest(engine, app.client, team.id)
    assert slack.calls("chat.postMessage") == []
