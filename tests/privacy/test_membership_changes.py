"""Differencing through membership changes: a manager exports and reads the team's figures, removes a
member, and reads them again, hoping the difference is that member's tokens. Closed weeks' figures are
published once, over the people each week prompted, so nothing she can see changes."""

from __future__ import annotations

from storage.engine import session_scope
from storage.queries import teams as tq
from tests.privacy.conftest import TOKENS, W46, W47, W48
from tests.privacy.helpers import (
    digest,
    export_team_rows,
    home_text,
    rows_by_week,
    save_setup,
    summary_of,
)


def _everything_mona_sees(sender, slack, cli, members, ids) -> dict[str, object]:
    mona = ids["mona"]
    return {
        "export": export_team_rows(sender, slack, mona),
        "summary": summary_of(sender, slack, mona),
        "digest W46": digest(cli, "Payments", W46),
        "digest W47": digest(cli, "Payments", W47),
        "home": home_text(members["mona"]),
    }


def test_removing_a_member_changes_no_figure_of_a_closed_week(engine, history, sender, slack, cli, members, ids):
    before = _everything_mona_sees(sender, slack, cli, members, ids)
    weeks = rows_by_week(before["export"])
    # the closed weeks are there, with everyone's tokens (ken's too) and everyone prompted
    assert weeks[W46]["tokens"] == str(sum(TOKENS[W46].values())) and weeks[W46]["prompted"] == "5"
    assert weeks[W47]["tokens"] == str(sum(TOKENS[W47].values())) and weeks[W47]["prompted"] == "5"
    assert W48 not in weeks, "the open week has no figures"
    assert "Week of 16 Nov: 5 of 5 answered, 3 moments" in before["summary"]
    assert "Team usage: 6.0M tokens" in before["digest W47"]

    # mona takes ken out of the team in the setup modal
    confirmation = save_setup(
        sender,
        slack,
        ids["mona"],
        "setup Payments",
        {"members": [ids[n] for n in ("ada", "grace", "linus", "margaret")]},
    )
    assert "4 people" in confirmation
    after = _everything_mona_sees(sender, slack, cli, members, ids)
    for what in before:
        assert after[what] == before[what], f"{what} changed when ken left the team"

    # and as the setup flow stores it: two more leave and a newcomer joins
    with session_scope(engine) as session:
        tq.set_team_members(session, history.id, [ids["ada"], ids["grace"], ids["barbara"]])
    again = _everything_mona_sees(sender, slack, cli, members, ids)
    for what in before:
        assert again[what] == before[what], f"{what} changed when linus and margaret left and barbara joined"
