"""The Payments workspace of this folder's tests (see ``__init__.py``): its people, its team, its prompts sent,
and every test midweek. A test module may override ``users`` or ``team`` with a larger world."""

from __future__ import annotations

import dataclasses

import pytest

from bot.services import prompts, teams
from bot.standin.web_api import FakeUser, users_from
from storage.engine import session_scope
from storage.queries import teams as tq
from tests.conftest import CHANNEL, NAMES
from tests.listeners.payments import GRACE


@pytest.fixture(autouse=True)
def _midweek(midweek) -> None:
    """Every test here runs in the middle of an open retro week (see ``midweek``)."""


@pytest.fixture
def users() -> list[FakeUser]:
    everyone = users_from([*NAMES, "olga", "zed"])
    everyone[5] = dataclasses.replace(everyone[5], is_admin=True)
    return everyone


@pytest.fixture
def team(engine, users):
    spec = teams.team_spec("Payments", CHANNEL, [u.id for u in users[:5]], "Europe/Berlin", "mon 10:00", "fri 16:00", 3)
    created = teams.create_team(engine, spec)
    with session_scope(engine) as session:
        tq.set_team_managers(session, created.id, [GRACE])
    return created


@pytest.fixture
def prompted(engine, app, team, http):
    return prompts.send_prompts(engine, app.client, team)
