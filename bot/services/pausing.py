"""Pausing prompts: a person their own (with no end date, or away until a day), a manager the whole team
(holidays), with no end date or through a day, after which the team runs again by itself."""

from __future__ import annotations

from datetime import UTC, date, datetime

from slack_sdk import WebClient
from sqlalchemy import Engine

from bot import vocabulary as v
from bot.day_input import DayError, DaySpec, resolve_day
from bot.formatting import day_label
from bot.scheduler import process as scheduler_process  # the module: it imports the schedule, which imports this
from bot.services import prompts
from bot.services.home import refresh_home
from bot.services.local_day import away_until, person_today, team_today
from storage.engine import session_scope
from storage.models import Team
from storage.queries import cycles as cq
from storage.queries import teams as tq
from storage.weeks import week_key

NOT_IN_A_TEAM = "You're not in a team, so there are no prompts to pause or resume."


def _still_away(until: date | None, today: date) -> str:
    if until is None:
        return ""
    return f" You're still away until {day_label(until, today)}, though: `/airetro back` ends that."


def pause_me(engine: Engine, user_id: str, paused: bool, client: WebClient | None = None) -> str:
    """Pause or resume the caller's own prompts and reminders; returns what to tell them.

    With ``client``, their Home tab is published again to show it.
    """
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        person = tq.get_person(session, user_id)
        if person is None or not tq.teams_of(session, user_id):
            return NOT_IN_A_TEAM
        changed = person.prompts_paused != paused
        person.prompts_paused = paused
        session.add(person)
        today, away = person_today(session, person, now), away_until(session, person, now)
    if not changed:
        if paused:
            return "Your prompts are already paused."
        return "Your prompts are already on." + _still_away(away, today)
    scheduler_process.reschedule(engine)  # a zone with no unpaused member left needs no prompt job
    if client is not None:
        refresh_home(engine, client, user_id)
    if paused:
        return (
            "Paused: no weekly prompts or reminders for you until `/airetro resume`. "
            "You can still log with `/airetro log`."
        )
    return "Welcome back: you'll get the next weekly prompt." + _still_away(away, today)


def go_away(
    engine: Engine, user_id: str, until: DaySpec, client: WebClient | None = None, now: datetime | None = None
) -> str:
    """``/airetro away until DATE`` (and ``pause until DATE``): no prompt or reminder through that day, in the
    person's own date. This week's prompt, if they have it and have not answered, counts them as away now (so no
    reminder goes). Returns what to tell them; a date in the past or more than a year away changes nothing.
    With ``client``, their Home tab is published again to show it."""
    now = now or datetime.now(UTC)
    with session_scope(engine) as session:
        person = tq.get_person(session, user_id)
        if person is None or not tq.teams_of(session, user_id):
            return NOT_IN_A_TEAM
        today = person_today(session, person, now)
        try:
            day = resolve_day(until, today, "away", no_end="pause")
        except DayError as refused:
            return str(refused)
        person.away_until = day
        session.add(person)
        delivery = cq.week_delivery(session, person.id, week_key(today))
        this_week = delivery is not None and bool(cq.mark_away(session, {delivery.id: v.AWAY_COMMAND}))
    if client is not None:
        refresh_home(engine, client, user_id)
    text = (
        f"Away until {day_label(day, today)}: no prompts or reminders through that day. "
        "Your team sees only how many were away, never who. `/airetro back` if you're back sooner."
    )
    if this_week:
        text += " This week counts you as away, with no reminder; answering the prompt anyway still counts."
    return text


def come_back(engine: Engine, user_id: str, client: WebClient | None = None, now: datetime | None = None) -> str:
    """``/airetro back`` (and the Home tab's "I'm back"): end the person's away now; returns what to tell them.
    Doing it twice changes nothing. With ``client``, their Home tab is published again to show it."""
    now = now or datetime.now(UTC)
    with session_scope(engine) as session:
        person = tq.get_person(session, user_id)
        if person is None:
            return "You're not set as away, so there's nothing to end."
        was_away = away_until(session, person, now) is not None
        paused = person.prompts_paused
        if person.away_until is not None:  # a day already past is cleared too
            person.away_until = None
            session.add(person)
    # this week, if it counted them away (by this command or by their Slack status) and is still open: unanswered
    # again, with its prompt in their DM
    prompted = prompts.prompt_on_return(engine, client, user_id, now) if client is not None else None
    if not was_away and prompted is None:
        if paused:
            return "You're not set as away. Your prompts are paused, though: `/airetro resume` turns them back on."
        return "You're not set as away, so there's nothing to end: your prompts come as usual."
    if client is not None:
        refresh_home(engine, client, user_id)
    if prompted is not None:
        return f"Welcome back: you're no longer away. {prompted}"
    if paused:
        return "Welcome back: you're no longer away. Your prompts are still paused: `/airetro resume` turns them on."
    return "Welcome back: you're no longer away, and you'll get the next weekly prompt."


def pause_team(engine: Engine, team_id: int, paused: bool, until: date | None = None) -> bool:
    """Pause (through ``until``, the team's date, if given) or resume a whole team (prompts, reminders, digest);
    False when it already was so. Resuming, or pausing with no end date, clears the end date."""
    with session_scope(engine) as session:
        team = session.get(Team, team_id)
        until = until if paused else None
        if team.paused == paused and team.paused_until == until:
            return False
        team.paused, team.paused_until = paused, until
        session.add(team)
    scheduler_process.reschedule(engine)
    return True


def team_pause_day(team: Team, until: DaySpec, now: datetime | None = None) -> date:
    """The last day of a team pause typed as ``until`` (the team's date); DayError when it cannot be one."""
    today = team_today(team, now or datetime.now(UTC))
    return resolve_day(until, today, "pause team", no_end="pause team")


def resume_ended_pauses(engine: Engine, now: datetime) -> list[str]:
    """Teams paused through a day that is over (in their own date) run again: their names. The jobs are
    rescheduled once if any did. Each is ended with a conditional update, so a manager's change meanwhile wins."""
    ended = []
    with session_scope(engine) as session:
        for team in tq.paused_with_end(session):
            if not team.paused:  # resumed some other way: the day left over must not end a later pause
                tq.end_pause(session, team.id, team.paused_until, paused=False)
            elif team.paused_until < team_today(team, now) and tq.end_pause(session, team.id, team.paused_until):
                ended.append(team.name)
    if ended:
        scheduler_process.reschedule(engine)
    return ended
