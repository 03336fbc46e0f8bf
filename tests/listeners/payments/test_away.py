"""Away is not silent (issue 15): ``/airetro away until DATE`` and ``back``, ``pause team … until DATE`` and its end
by itself, end to end: signed slash commands and Home clicks in, ephemeral replies and Home views out.

Cast (``__init__.py``): five members of Payments (ada … ken), grace manages Payments, olga is a workspace admin in
no team, zed is in no team. Payments prompts on Monday 10:00 Europe/Berlin; every test starts midweek, on
Wednesday 25 Nov 2026 (ISO week 2026-W48).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, select

from bot import vocabulary as v
from bot.blocks.home import HOME_BACK
from bot.listeners.commands.parse import away_needs_date
from bot.services import pausing, prompts, schedule
from bot.standin.inbound import view_block_actions_payload
from storage.models import Delivery, Person, Team
from tests.conftest import action_ids, block_texts, drain
from tests.listeners.payments import ADA, GRACE, KEN, LINUS, MARGARET, OLGA, ZED

pytestmark = pytest.mark.both_engines  # the conditional updates (away, a pause's end) on SQLite and PostgreSQL

AWAY_REPLY = (
    "Away until Mon 7 Dec: no prompts or reminders through that day. Your team sees only how many were away, "
    "never who. `/airetro back` if you're back sooner."
)


def ask(sender, slack, user_id: str, text: str) -> str:
    """Type ``/airetro text`` in the DM with the bot; the ephemeral reply's text (the ack's, or the response_url's)."""
    before = len(slack.responses())
    response = sender.slash_command(user_id, text, channel_id="D0DM00001")
    assert response.status == 200
    reply = response.json() if response.body else slack.wait_for_responses(before + 1)[before]
    assert reply.get("response_type") == "ephemeral", reply
    return reply.get("text", "") + "\n" + block_texts(reply.get("blocks", []))


def _person(engine, user_id: str) -> Person:
    with Session(engine) as session:
        return session.exec(select(Person).where(Person.slack_user_id == user_id)).one()


def _delivery(engine, user_id: str) -> Delivery:
    with Session(engine) as session:
        return session.exec(select(Delivery).where(Delivery.person_id == _person(engine, user_id).id)).one()


def _team(engine) -> Team:
    with Session(engine) as session:
        return session.exec(select(Team).where(Team.name == "Payments")).one()


def _home_text(view: dict) -> str:
    return block_texts(view["blocks"])


def _home_buttons(view: dict) -> set[str]:
    accessories = {b["accessory"]["action_id"] for b in view["blocks"] if "action_id" in b.get("accessory", {})}
    return set(action_ids(view["blocks"])) | accessories


def _publishes(slack, user_id: str) -> int:
    return len([c for c in slack.calls("views.publish") if c.args.get("user_id") == user_id])


def _republished(slack, user_id: str, before: int) -> dict:
    slack.wait_for("views.publish", before + 1, where=lambda call: call.args.get("user_id") == user_id)
    slack.wait_idle()
    return slack.home(user_id)


# -- away until a day -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["away until 2026-12-07", "away until 7 Dec", "away until Dec 7", "pause until 7 Dec"])
def test_away_until_a_day_sets_it_and_says_what_it_means(engine, sender, slack, team, text):
    assert AWAY_REPLY in ask(sender, slack, ADA, text)
    ada = _person(engine, ADA)
    assert ada.away_until == date(2026, 12, 7)
    assert ada.prompts_paused is False, "away is not a pause with no end"


@pytest.mark.sqlite_only("what the reply says: no conditional update to try on both databases")
def test_a_bad_day_gets_a_hint_with_an_example_and_changes_nothing(engine, sender, slack, team):
    ask(sender, slack, ADA, "away until 2026-12-07")
    not_a_date = ask(sender, slack, ADA, "away until someday")
    assert "`someday` is not a date I can read" in not_a_date and "`/airetro away until 7 Dec`" in not_a_date
    past = ask(sender, slack, ADA, "away until 2026-11-20")
    assert "Fri 20 Nov has passed, so nothing changed" in past and "`/airetro away until 2026-12-09`" in past
    too_far = ask(sender, slack, ADA, "away until 2028-01-10")
    assert "more than a year away, so nothing changed" in too_far and "`/airetro pause`" in too_far
    assert away_needs_date() in ask(sender, slack, ADA, "away")
    assert _person(engine, ADA).away_until == date(2026, 12, 7), "the away set before is untouched"


@pytest.mark.sqlite_only("what the reply says: no conditional update to try on both databases")
def test_the_year_is_the_next_such_days(engine, sender, slack, team):
    assert "Away until Tue 5 Jan 2027:" in ask(sender, slack, ADA, "away until 5 Jan")
    assert _person(engine, ADA).away_until == date(2027, 1, 5)
    ask(sender, slack, ADA, "away until 25 Nov")  # today counts
    assert _person(engine, ADA).away_until == date(2026, 11, 25)


@pytest.mark.sqlite_only("what the reply says: no conditional update to try on both databases")
def test_today_is_the_members_own_date(engine, sender, slack, team, midweek):
    midweek.move_to("2026-11-25T23:30:00Z")  # Thursday 00:30 in Berlin, Payments' zone: Wednesday is over there
    assert "Wed 25 Nov has passed" in ask(sender, slack, ADA, "away until 25 Nov 2026")
    assert "Away until Thu 26 Nov:" in ask(sender, slack, ADA, "away until 26 Nov")


@pytest.mark.sqlite_only("what the reply says: no conditional update to try on both databases")
def test_someone_in_no_team_has_nothing_to_be_away_from(engine, sender, slack, team):
    assert "You're not in a team" in ask(sender, slack, ZED, "away until 7 Dec")
    with Session(engine) as session:
        assert session.exec(select(Person).where(Person.away_until.is_not(None))).all() == []


# -- back ----------------------------------------------------------------------------------------------------


def test_back_ends_the_away_and_twice_changes_nothing(engine, sender, slack, team):
    ask(sender, slack, ADA, "away until 7 Dec")
    assert "Welcome back" in ask(sender, slack, ADA, "back")
    assert _person(engine, ADA).away_until is None
    again = ask(sender, slack, ADA, "back")
    assert "You're not set as away" in again and "your prompts come as usual" in again


@pytest.mark.sqlite_only("what the reply says: no conditional update to try on both databases")
def test_back_points_a_paused_member_at_resume(engine, sender, slack, team):
    ask(sender, slack, LINUS, "pause")
    assert "`/airetro resume`" in ask(sender, slack, LINUS, "back")
    ask(sender, slack, LINUS, "away until 7 Dec")
    back = ask(sender, slack, LINUS, "back")
    assert "Welcome back" in back and "still paused" in back and "`/airetro resume`" in back
    resumed = ask(sender, slack, LINUS, "resume")
    assert "Welcome back" in resumed and "still away" not in resumed


@pytest.mark.sqlite_only("what the reply says: no conditional update to try on both databases")
def test_resume_says_when_the_member_is_still_away(engine, sender, slack, team):
    ask(sender, slack, KEN, "pause")
    ask(sender, slack, KEN, "away until 7 Dec")
    assert "still away until Mon 7 Dec" in ask(sender, slack, KEN, "resume")


# -- away while this week's prompt waits --------------------------------------------------------------------


def test_away_with_this_weeks_prompt_unanswered_counts_as_away_and_gets_no_reminder(
    engine, app, sender, slack, members, team, midweek
):
    midweek.move_to("2026-11-23T09:30:00Z")  # Monday 10:30 in Berlin: this week's prompts have just gone
    prompts.send_prompts(engine, app.client, team)
    members["ken"].skip()
    reply = ask(sender, slack, ADA, "away until 7 Dec")
    assert "This week counts you as away, with no reminder" in reply
    ada = _delivery(engine, ADA)
    assert (ada.answer, ada.away_reason) == (v.AWAY, v.AWAY_COMMAND)
    assert "This week counts you" not in ask(sender, slack, KEN, "away until 7 Dec"), "an answer always wins"
    assert _delivery(engine, KEN).answer == v.SKIPPED

    midweek.move_to("2026-11-24T09:30:00Z")  # Tuesday 10:30: the reminder (24 h after the prompt) is due
    [report] = schedule.send_due_reminders(engine, app.client, team.id, datetime.now(UTC))
    assert sorted(report.sent) == sorted([GRACE, LINUS, MARGARET])
    reminded = {c.args["channel"] for c in slack.calls("chat.postMessage") if "reminder" in c.args.get("text", "")}
    assert slack.dm_channel(ADA) not in reminded and ADA not in reminded


@pytest.mark.sqlite_only("what the reply says: no conditional update to try on both databases")
def test_me_shows_a_week_away(engine, app, sender, slack, team, midweek):
    midweek.move_to("2026-11-23T09:30:00Z")
    prompts.send_prompts(engine, app.client, team)
    ask(sender, slack, ADA, "away until 7 Dec")
    me = ask(sender, slack, ADA, "me")
    assert "Week of 23 Nov: away" in me and "not answered yet" not in me


# -- a team paused through a day -----------------------------------------------------------------------------


def _jobs(engine, team) -> set[str]:
    from bot.scheduler.process import job_store

    with job_store(engine) as scheduler:
        return {job.id.split(":")[0] for job in scheduler.get_jobs() if job.args == (team.id,)}


def test_a_team_paused_through_a_day_runs_again_by_itself(engine, app, sender, slack, team, midweek):
    from bot.scheduler.process import reschedule

    reschedule(engine)
    reply = ask(sender, slack, GRACE, "pause team until 7 Dec")
    assert "Paused *Payments* through Mon 7 Dec: no prompts, reminders or digests." in reply
    assert "It runs again on Tue 8 Dec by itself" in reply and "`/airetro resume team Payments`" in reply
    paused = _team(engine)
    assert (paused.paused, paused.paused_until) == (True, date(2026, 12, 7))
    assert _jobs(engine, team) == set()
    assert "already paused through Mon 7 Dec" in ask(sender, slack, OLGA, "pause team Payments until 2026-12-07")

    midweek.move_to("2026-12-07T22:30:00Z")  # 23:30 on Monday 7 Dec in Berlin: still the last day paused
    schedule.catch_up(engine, app.client, datetime.now(UTC))
    assert _team(engine).paused is True
    midweek.move_to("2026-12-07T23:30:00Z")  # 00:30 on Tuesday 8 Dec in Berlin
    schedule.catch_up(engine, app.client, datetime.now(UTC))
    running = _team(engine)
    assert (running.paused, running.paused_until) == (False, None)
    assert _jobs(engine, team) == {"prompt", "reminder", "digest"}
    assert pausing.resume_ended_pauses(engine, datetime.now(UTC)) == [], "once"


def test_pausing_with_no_end_or_resuming_clears_the_day(engine, sender, slack, team):
    ask(sender, slack, GRACE, "pause team until 7 Dec")
    assert "until `/airetro resume team Payments`" in ask(sender, slack, GRACE, "pause team")
    assert (_team(engine).paused, _team(engine).paused_until) == (True, None)
    ask(sender, slack, GRACE, "pause team until 7 Dec")
    assert "running again" in ask(sender, slack, GRACE, "resume team")
    assert (_team(engine).paused, _team(engine).paused_until) == (False, None)


@pytest.mark.sqlite_only("what the reply says: no conditional update to try on both databases")
def test_a_team_pause_until_a_past_day_changes_nothing_and_members_cannot(engine, sender, slack, team):
    assert "Sun 1 Nov has passed, so nothing changed" in ask(sender, slack, GRACE, "pause team until 2026-11-01")
    assert "You don't manage a team" in ask(sender, slack, ADA, "pause team until 7 Dec")
    assert _team(engine).paused is False


def test_a_resume_by_a_manager_meanwhile_is_not_undone(engine, sender, slack, team, midweek):
    ask(sender, slack, GRACE, "pause team until 7 Dec")
    ask(sender, slack, GRACE, "pause team until 2026-12-20")
    midweek.move_to("2026-12-08T12:00:00Z")
    assert pausing.resume_ended_pauses(engine, datetime.now(UTC)) == []
    assert (_team(engine).paused, _team(engine).paused_until) == (True, date(2026, 12, 20))


def test_a_day_left_over_from_a_pause_ended_another_way_is_cleared(engine, sender, slack, team):
    from bot.services import teams

    ask(sender, slack, GRACE, "pause team until 7 Dec")
    teams.change_schedule(engine, "Payments", teams.ScheduleChange(paused=False))  # `airetro team --resume`
    assert pausing.resume_ended_pauses(engine, datetime.now(UTC)) == []
    assert (_team(engine).paused, _team(engine).paused_until) == (False, None)


@pytest.mark.sqlite_only("what the reply says: no conditional update to try on both databases")
def test_home_says_the_team_is_paused_through_a_day(engine, sender, slack, members, team):
    ask(sender, slack, GRACE, "pause team until 7 Dec")
    assert "The team is paused by its managers through Mon 7 Dec" in _home_text(members["ada"].open_home())


# -- the Home tab ----------------------------------------------------------------------------------------------


def test_home_shows_away_and_im_back_ends_it(engine, app, sender, slack, members, team):
    ada = members["ada"]
    assert HOME_BACK not in _home_buttons(ada.open_home())
    before = _publishes(slack, ADA)
    ask(sender, slack, ADA, "away until 7 Dec")
    home = _republished(slack, ADA, before)  # the command publishes the Home again
    text = _home_text(home)
    assert "You're away until Mon 7 Dec: no prompts or reminders." in text
    assert "Next prompt: Mon 14 Dec" in text, "the first prompt after the last day away"
    assert HOME_BACK in _home_buttons(home)

    before = _publishes(slack, ADA)
    ada.click_home(HOME_BACK)
    home = _republished(slack, ADA, before)
    assert "Welcome back" in _home_text(home) and "You're away" not in _home_text(home)
    assert HOME_BACK not in _home_buttons(home)
    assert _person(engine, ADA).away_until is None

    before = _publishes(slack, ADA)  # the same click delivered again (a retry): nothing changes
    button = {"action_id": HOME_BACK, "block_id": "home_away", "value": "back", "type": "button"}
    assert sender.interaction(view_block_actions_payload(ADA, button, home)).status == 200
    assert "You're not set as away" in _home_text(_republished(slack, ADA, before))
    drain(app)
    assert _person(engine, ADA).away_until is None


def test_home_shows_a_week_away_as_away(engine, app, sender, slack, members, team, midweek):
    midweek.move_to("2026-11-23T09:30:00Z")
    prompts.send_prompts(engine, app.client, team)
    ask(sender, slack, ADA, "away until 7 Dec")
    text = _home_text(members["ada"].open_home())
    assert "This week (week of 23 Nov): away" in text and "Week of 23 Nov: away" in text
    assert "pending" not in text


def test_back_while_the_week_is_open_brings_its_prompt_now_and_no_reminder_on_top(
    engine, app, sender, slack, team, midweek
):
    midweek.move_to("2026-11-22T18:00:00Z")  # Sunday evening: ada is off until Tuesday; grace's status says sick
    ask(sender, slack, ADA, "away until 24 Nov")
    slack.set_status(GRACE, "Out sick", ":face_with_thermometer:")
    midweek.move_to("2026-11-23T09:30:00Z")  # Monday 10:30 in Berlin: the prompts go out
    report = prompts.send_prompts(engine, app.client, team)
    assert report.away == {ADA: v.AWAY_COMMAND, GRACE: v.AWAY_STATUS} and ADA not in report.sent

    def prompts_in_dm(user_id: str) -> int:
        return sum(1 for m in slack.channel_messages(slack.dm_channel(user_id))
                   if (m.get("metadata") or {}).get("event_type") == prompts.PROMPT_EVENT)  # fmt: skip

    assert prompts_in_dm(ADA) == prompts_in_dm(GRACE) == 0
    midweek.move_to("2026-11-24T09:05:00Z")  # Tuesday 10:05 in Berlin, just after the reminders' time: grace is back
    reply = ask(sender, slack, GRACE, "back")
    assert "Welcome back" in reply and "Your prompt for the week of 23 Nov is in your DM." in reply
    assert prompts_in_dm(GRACE) == 1 and _delivery(engine, GRACE).answer == v.PENDING
    [reminded] = schedule.send_due_reminders(engine, app.client, team.id, datetime.now(UTC))
    assert sorted(reminded.sent) == sorted([LINUS, MARGARET, KEN])  # grace was just prompted: no reminder on top
    midweek.move_to("2026-11-25T08:00:00Z")  # Wednesday, after her last day away: ada says she is back
    reply = ask(sender, slack, ADA, "back")
    assert "Your prompt for the week of 23 Nov is in your DM." in reply
    assert prompts_in_dm(ADA) == 1 and _delivery(engine, ADA).answer == v.PENDING
    assert "You're not set as away" in ask(sender, slack, ADA, "back")  # twice: nothing more
    assert prompts_in_dm(ADA) == 1
