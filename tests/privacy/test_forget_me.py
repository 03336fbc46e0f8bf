"""Differencing through forget-me: a manager reads the team's figures, a member is forgotten, and she reads
them again, hoping the difference is that member's tokens and answers. The forgotten person's rows are
gone, a highlight shared under their name leaves the stored digests, and every closed week's figures stay
exactly as they were published."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from storage.models import Delivery, Moment, Person, TokenSummary, UsageRecord
from tests.privacy.conftest import LINUS_HIGHLIGHT, TOKENS, W46, W47
from tests.privacy.helpers import (
    ask,
    digest,
    export_team_rows,
    forget_me,
    home_text,
    rows_by_week,
    summary_of,
    without_open_week,
)


def _raw_rows_of(engine, user_id: str) -> dict[str, int]:
    """How many rows of each kind the database holds about ``user_id``."""
    with Session(engine) as session:
        person = session.exec(select(Person).where(Person.slack_user_id == user_id)).first()
        pid = person.id if person else -1
        count = lambda model, where: session.exec(select(func.count()).select_from(model).where(where)).one()  # noqa: E731
        return {
            "people": 1 if person else 0,
            "deliveries": count(Delivery, Delivery.person_id == pid),
            "moments": session.exec(
                select(func.count()).select_from(Moment).join(Delivery).where(Delivery.person_id == pid)
            ).one(),
            "token_summaries": count(TokenSummary, TokenSummary.person_id == pid),
            "usage_records": count(UsageRecord, (UsageRecord.person_id == pid) | (UsageRecord.person_key == user_id)),
        }


def test_forget_me_changes_no_closed_week_and_takes_the_named_highlight_out(
    engine, history, sender, slack, cli, members, ids
):
    mona, linus = ids["mona"], ids["linus"]
    export_before = export_team_rows(sender, slack, mona)
    summary_before = summary_of(sender, slack, mona)
    home_before = home_text(members["mona"])
    w46_before, w47_before = digest(cli, "Payments", W46), digest(cli, "Payments", W47)
    assert rows_by_week(export_before)[W46]["tokens"] == str(sum(TOKENS[W46].values()))
    assert f"{LINUS_HIGHLIGHT} (<@{linus}>)" in w46_before
    assert _raw_rows_of(engine, linus) == {
        "people": 1, "deliveries": 3, "moments": 2, "token_summaries": 2, "usage_records": 2
    }  # fmt: skip

    result = forget_me(sender, slack, linus)
    assert "Deleted everything AI Retro held about you" in result
    assert "1 highlight you shared with your name in past digests" in result

    # his rows are gone: nothing left to export, nothing in the database
    assert "holds nothing about you" in ask(sender, slack, linus, "export")
    assert set(_raw_rows_of(engine, linus).values()) == {0}

    # every figure of every closed week is as it was published
    assert export_team_rows(sender, slack, mona) == export_before
    assert without_open_week(summary_of(sender, slack, mona)) == without_open_week(summary_before)
    assert without_open_week(home_text(members["mona"])) == without_open_week(home_before)
    assert digest(cli, "Payments", W47) == w47_before
    w46_after = digest(cli, "Payments", W46)
    assert LINUS_HIGHLIGHT not in w46_after and linus not in w46_after
    gone = ("Shared highlights", LINUS_HIGHLIGHT)
    kept = [line for line in w46_before.splitlines() if line and not any(g in line for g in gone)]
    assert [line for line in w46_after.splitlines() if line] == kept, "only the highlight left the W46 digest"
    assert "Team usage: 4.3M tokens, $43.35" in w46_after and "5 of 5 answered (100%)" in w46_after
