"""Recording a team's away members in a few statements, whatever the team's size: a holiday week of thousands is
written in chunks, once; a retried run records nobody twice; an answer is never overwritten by away."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from bot import vocabulary as v
from storage.models import Delivery, Person, Team
from storage.queries import cycles as cq

pytestmark = pytest.mark.both_engines

WEEK = "2026-W52"


def test_thousands_away_in_chunks_once_and_an_answer_always_wins(engine):
    now = datetime.now(UTC)
    with Session(engine) as session:
        team = Team(name="Big", channel_id="C1", tz="Europe/London", prompt_weekday=4, prompt_time="10:00",
                    digest_weekday=4, digest_time="16:00", created_at=now)  # fmt: skip
        people = [Person(slack_user_id=f"U{i:06d}") for i in range(2 * cq.CHUNK + 500)]
        session.add_all([team, *people])
        session.commit()
        cycle = cq.get_or_create_cycle(session, team.id, WEEK)
        reasons = {p.id: (v.AWAY_HOLIDAY if i % 2 else v.AWAY_STATUS) for i, p in enumerate(people[1:])}
        answered = cq.claim_delivery(session, cycle.id, people[0].id, WEEK)  # prompted before, and will answer
        cq.set_answer(session, answered, v.HELPED)
        assert cq.claim_away(session, cycle.id, WEEK, {people[0].id: v.AWAY_STATUS, **reasons}) == set(reasons)
        assert cq.claim_away(session, cycle.id, WEEK, reasons) == set()  # a retried run: nobody twice
        session.commit()
        counted = select(Delivery.away_reason, func.count()).where(Delivery.answer == v.AWAY)
        by_reason = dict(session.exec(counted.group_by(Delivery.away_reason)).all())
        assert by_reason == {v.AWAY_HOLIDAY: len(reasons) // 2, v.AWAY_STATUS: len(reasons) - len(reasons) // 2}
        assert cq.mark_away(session, {answered.id: v.AWAY_COMMAND}) == set()  # an answer always wins
        assert session.get(Delivery, answered.id).answer == v.HELPED
