"""Pausing prompts: a person their own, a manager the whole team (holidays)."""

from __future__ import annotations

from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.scheduler.process import reschedule
from bot.services.home import refresh_home
from storage.engine import session_scope
from storage.models import Team
from storage.queries import teams as tq


def pause_me(engine: Engine, user_id: str, paused: bool, client: WebClient | None = None) -> str:
    """Pause or resume the caller's own prompts and reminders; returns what to tell them.

    With ``client``, their Home tab is published again to show it.
    """
    with session_scope(engine) as session:
        person = tq.get_person(session, user_id)
        if person is None or not tq.teams_of(session, user_id):
            return "You're not in a team, so there are no prompts to pause or resume."
        changed = person.prompts_paused != paused
        person.prompts_paused = paused
        session.add(person)
    if not changed:
        return "Your prompts are already paused." if paused else "Your prompts are already on."
    reschedule(engine)  # a zone with no unpaused member left needs no prompt job
    if client is not None:
        refresh_home(engine, client, user_id)
    if paused:
        return (
            "Paused: no weekly prompts or reminders for you until `/airetro resume`. "
            "You can still log with `/airetro log`."
        )
    return "Welcome back: you'll get the next weekly prompt."


def pause_team(engine: Engine, team_id: int, paused: bool) -> bool:
    """Pause or resume a whole team (prompts, reminders, digest); False when it already was."""
    with session_scope(engine) as session:
        team = session.get(Team, team_id)
        if team.paused == paused:
            return False
        team.paused = paused
        session.add(team)
    reschedule(engine)
    return True
