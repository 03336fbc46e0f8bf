"""Threshold of one: a manager tries to make a "team" of one or two people, or a minimum of one or two
respondents, so that its figures are someone's own. The setup modal, the CLI and the database refuse,
saying why; a team that shrinks below three through its channel shows who answered and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from storage.engine import session_scope
from storage.models import Team
from storage.queries import teams as tq
from tests.conftest import TOKEN
from tests.privacy.helpers import answer as answer_prompts
from tests.privacy.helpers import (
    export_team_rows,
    fill,
    import_usage,
    open_setup,
    post_digest_now,
    posted_digests,
    prefilled,
    prompt,
    refused_setup,
    save_setup,
    summary_of,
    usage_rows,
)

pytestmark = pytest.mark.usefixtures("midweek")
DUO_CHANNEL = "C0DUO00001"


def _new_team(ids, **changes) -> dict:
    return {
        "name": "Solo",
        "channel": "C0SOLO0001",
        "membership": "people",
        "members": [ids["ada"], ids["grace"], ids["linus"]],
        "managers": [ids["olga"]],
        "prompt_day": "0",
        "prompt_time": "10:00",
        "reminder_hours": "24",
        "digest_day": "4",
        "digest_time": "16:00",
        "tz": "Europe/Berlin",
        "min_respondents": "3",
        **changes,
    }


def _team_rows(engine) -> list[tuple]:
    with session_scope(engine) as session:
        return [
            (t.name, t.min_respondents, sorted(p.slack_user_id for p in tq.team_members(session, t.id)))
            for t in tq.list_teams(session)
        ]


@pytest.mark.parametrize("people", [["ada"], ["ada", "grace"], ["ada", "grace", "ada"]], ids=["one", "two", "twice"])
def test_the_setup_modal_refuses_a_team_of_one_or_two(engine, team, sender, slack, ids, people):
    before = _team_rows(engine)
    view = open_setup(sender, slack, ids["olga"], "setup new")
    response = sender.submit(ids["olga"], view, fill(view, _new_team(ids, members=[ids[p] for p in people])))
    errors = response.json()["errors"]
    assert set(errors) == {"members"}
    assert (
        "at least 3 members" in errors["members"] and "no figure is ever shown over fewer than 3" in errors["members"]
    )
    # and a manager cannot shrink her team to two either
    errors = refused_setup(sender, slack, ids["mona"], "setup Payments", {"members": [ids[p] for p in people]})
    assert set(errors) == {"members"} and "at least 3 members" in errors["members"]
    assert _team_rows(engine) == before


@pytest.mark.parametrize("minimum", ["1", "2", "0", "-3"])
def test_the_setup_modal_refuses_a_minimum_below_three(engine, team, sender, slack, ids, minimum):
    before = _team_rows(engine)
    view = open_setup(sender, slack, ids["olga"], "setup new")
    assert prefilled(view)["min_respondents"] == "3"
    errors = sender.submit(ids["olga"], view, fill(view, _new_team(ids, min_respondents=minimum))).json()["errors"]
    assert set(errors) == {"min_respondents"}
    assert (
        "from 3" in errors["min_respondents"]
        and "nobody's answers or tokens can be singled out" in errors["min_respondents"]
    )
    errors = refused_setup(sender, slack, ids["mona"], "setup Payments", {"min_respondents": minimum})
    assert set(errors) == {"min_respondents"} and "from 3" in errors["min_respondents"]
    assert _team_rows(engine) == before


def test_the_cli_refuses_a_team_of_one_or_two_and_a_minimum_below_three(engine, cli, ids, slack, monkeypatch):
    def create(*members: str, minimum: str = "3") -> tuple[int, str, str]:
        people = [arg for name in members for arg in ("--member", ids[name])]
        return cli("team", "create", "Solo", "--channel", "C0SOLO0001", *people, "--tz", "Europe/Berlin",
                   "--prompt", "mon 10:00", "--digest", "fri 16:00", "--min-respondents", minimum)  # fmt: skip

    for members in (("ada",), ("ada", "grace"), ("ada", "grace", "ada")):
        code, out, err = create(*members)
        assert code == 1 and out == ""
        assert err.count("\n") == 1 and err.startswith("airetro: a team needs at least 3 different --member")
        assert "nobody's answers or tokens can be singled out" in err
    for minimum in ("1", "2"):
        code, _, err = create("ada", "grace", "linus", minimum=minimum)
        assert code == 1 and err.count("\n") == 1
        assert err.startswith("airetro: --min-respondents must be at least 3") and "singled out" in err
    assert _team_rows(engine) == []
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)  # team create checks the channel and people with Slack
    slack.channels["C0SOLO0001"] = [ids["ada"], ids["grace"], ids["linus"]]
    assert create("ada", "grace", "linus")[0] == 0, "three people and a minimum of three is a team"


def test_the_database_refuses_a_minimum_below_three(engine, team):
    for minimum in (2, 1, 0):
        with pytest.raises(IntegrityError, match="ck_team_min_respondents_floor|CHECK constraint"):
            with session_scope(engine) as session:
                session.add(Team(name=f"Raw {minimum}", channel_id="C0RAW00001", tz="UTC", prompt_weekday=0,
                                 prompt_time="10:00", digest_weekday=4, digest_time="16:00",
                                 min_respondents=minimum, created_at=datetime.now(UTC)))  # fmt: skip
        with pytest.raises(IntegrityError):
            with engine.begin() as connection:
                connection.execute(
                    text("UPDATE teams SET min_respondents = :m WHERE id = :id"), {"m": minimum, "id": team.id}
                )
    assert [(name, minimum) for name, minimum, _ in _team_rows(engine)] == [("Payments", 3)]


def test_a_channel_team_of_two_shows_nothing_not_even_who_answered(
    engine, app, sender, slack, members, ids, cli, tmp_path
):
    slack.channels[DUO_CHANNEL] = [ids["barbara"], ids["edsger"]]
    olga = ids["olga"]
    confirmation = save_setup(sender, slack, olga, "setup new", {
        "name": "Duo", "channel": DUO_CHANNEL, "membership": "channel", "members": [], "managers": [olga],
        "tz": "Europe/Berlin", "prompt_day": "0", "prompt_time": "10:00", "digest_day": "4", "digest_time": "16:00",
    })  # fmt: skip
    assert "The team has 2 of the 3 people it needs" in confirmation
    with session_scope(engine) as session:
        duo = tq.get_team(session, "Duo")
    prompt(engine, app, duo)
    answer_prompts(members, {"barbara": "log", "edsger": {"outcome": "docs", "sharing": "anonymous"}})
    import_usage(cli, tmp_path, usage_rows(ids, "2026-W48", {"barbara": 1_000_000, "edsger": 2_000_000}))

    post_digest_now(sender, slack, olga, "Duo")
    (posted,) = posted_digests(slack, DUO_CHANNEL)
    summary = summary_of(sender, slack, olga, "Duo", 1)
    code, terminal, _ = cli("digest", "--team", "Duo", "--week", "2026-W48")
    (row,) = export_team_rows(sender, slack, olga)
    for shown in (posted, summary, terminal):
        assert "2 of 2" not in shown, "both answered: with two people asked, that says what each one did"
        assert "Fewer than 3 people were asked" in shown or "fewer than 3 people were asked" in shown
        for figure in ("tokens", "1.0M", "2.0M", "3.0M", "$", "moment", "h saved", "Wrote docs"):
            assert figure not in shown.replace("Team totals only: nobody is ranked or named by tokens", ""), figure
    assert [row[k] for k in ("prompted", "answered", "respondents", "tokens", "cost_usd")] == [""] * 5
    assert "fewer than 3 people asked" in row["withheld"]
