"""The export's CSV text: formula injection neutralised, one row per team-week or moment, team weeks
below the threshold withheld. Pure functions, no Slack, no database."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from bot import vocabulary as v
from bot.digest.figures import MemberWeekData, MomentData, compute_digest
from bot.export_csv import (
    ANSWER_COLUMNS,
    TEAM_COLUMNS,
    AnswerRow,
    MomentRow,
    TokenRow,
    UsageRow,
    answers_csv,
    neutralise,
    team_csv,
    timestamp,
    tokens_csv,
    usage_csv,
)

LOGGED = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)


def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def _moment(what: str = "wrote tests", **changes: object) -> MomentRow:
    base = {
        "what": what,
        "outcome": "tests",
        "time_saved": "2h_4h",
        "quality": "same",
        "counterfactual": "no",
        "tool": "cursor",
        "link": None,
        "sharing": "anonymous",
        "logged_at": LOGGED,
    }
    return MomentRow(**{**base, **changes})


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://x")'])
def test_formula_like_cells_get_a_leading_quote(cell):
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["plain", "1.5", "a=b", " =x", "", "'quoted"])
def test_other_cells_are_left_alone(cell):
    assert neutralise(cell) == cell


def test_none_is_an_empty_cell():
    assert neutralise(None) == ""


def test_every_cell_of_a_file_is_neutralised_and_text_survives_commas_quotes_and_newlines():
    what = '-rm -rf, "quoted"\nsecond line'
    rows = _rows(answers_csv([AnswerRow("2026-W47", "@team", "sent", v.HELPED, LOGGED, (_moment(what),))]))
    assert rows[0]["what"] == "'" + what
    assert rows[0]["team"] == "'@team"
    usage = _rows(usage_csv([UsageRow(date(2026, 11, 16), "=evil()", "+src", 1, 2, 3, 4, 0.5)]))
    assert (usage[0]["model"], usage[0]["source"], usage[0]["tokens"]) == ("'=evil()", "'+src", "10")


def test_a_team_week_without_moments_is_one_row_and_each_moment_is_a_row():
    rows = _rows(
        answers_csv(
            [
                AnswerRow(
                    "2026-W48",
                    "Payments",
                    "sent",
                    v.HELPED,
                    LOGGED,
                    (_moment("b"), _moment("a", logged_at=LOGGED - timedelta(hours=1))),
                ),
                AnswerRow("2026-W47", "Payments", "failed", v.PENDING, None),
                AnswerRow("2026-W47", "Apps", "direct", v.SKIPPED, LOGGED),
            ]
        )
    )
    assert list(rows[0]) == list(ANSWER_COLUMNS)
    assert [(r["week"], r["team"], r["prompt"], r["answer"], r["what"]) for r in rows] == [
        ("2026-W47", "Apps", "none (you logged on your own)", "skipped", ""),
        ("2026-W47", "Payments", "could not be delivered", "not answered", ""),
        ("2026-W48", "Payments", "sent", "logged where AI helped", "a"),
        ("2026-W48", "Payments", "sent", "logged where AI helped", "b"),
    ]
    moment = rows[2]
    assert (moment["outcome"], moment["time_saved"], moment["hours_saved_estimate"]) == ("Wrote tests", "2–4 h", "3")
    assert (moment["quality"], moment["counterfactual"], moment["tool"]) == (
        "About the same", "No, it would not have happened", "Cursor"
    )  # fmt: skip
    assert moment["sharing"] == "Share anonymously in the digest" and moment["logged_at"] == "2026-11-18T08:30:00Z"


def test_an_optional_choice_left_out_reads_not_said():
    moment = _moment(quality=v.NOT_SAID, counterfactual=v.NOT_SAID)
    [row] = _rows(answers_csv([AnswerRow("2026-W48", "Payments", "sent", v.HELPED, LOGGED, (moment,))]))
    assert (row["quality"], row["counterfactual"]) == ("Not said", "Not said")


def test_timestamps_are_utc():
    assert timestamp(datetime(2026, 11, 18, 9, 30)) == "2026-11-18T09:30:00Z"  # naive, as SQLite returns it
    assert timestamp(datetime(2026, 11, 18, 11, 30, tzinfo=timezone(timedelta(hours=2)))) == "2026-11-18T09:30:00Z"
    assert timestamp(None) == ""


def test_token_and_usage_files_are_sorted():
    tokens = _rows(tokens_csv([TokenRow("2026-W48", 10, 0.1, None), TokenRow("2026-W47", 2_000_000, 12.5, "m")]))
    assert [(r["week"], r["week_of"], r["tokens"], r["cost_usd"], r["top_model"]) for r in tokens] == [
        ("2026-W47", "2026-11-16", "2000000", "12.5000", "m"),
        ("2026-W48", "2026-11-23", "10", "0.1000", ""),
    ]


def _team_week(week: str, answers: list[str]) -> object:
    members = [
        MemberWeekData(
            answer=a,
            prompted=True,
            moments=(MomentData("bug", "1h_2h", "better", "no", "cursor", what="secret", author="U0X"),)
            if a == v.HELPED
            else (),
            tokens=1000,
            cost_usd=1.0,
        )
        for a in answers
    ]
    return compute_digest("Payments", week, members, 3)


def test_team_weeks_below_the_threshold_are_withheld_and_no_individual_appears():
    shown = _team_week("2026-W47", [v.HELPED, v.HELPED, v.DIDNT_HELP, v.SKIPPED])
    thin = _team_week("2026-W48", [v.HELPED, v.SKIPPED, v.PENDING, v.PENDING])
    text = team_csv([shown, thin])
    rows = _rows(text)
    assert list(rows[0]) == list(TEAM_COLUMNS)
    assert rows[0] == {
        "team": "Payments",
        "week": "2026-W47",
        "week_of": "2026-11-16",
        "prompted": "4",
        "answered": "4",
        "away": "0",
        "respondents": "3",
        "moments": "2",
        "hours_saved": "3",
        "tokens": "4000",
        "cost_usd": "4.0000",
        "withheld": "",
    }
    assert (rows[1]["prompted"], rows[1]["answered"]) == ("4", "2")
    assert [rows[1][k] for k in ("respondents", "moments", "hours_saved", "tokens", "cost_usd")] == [""] * 5
    assert rows[1]["withheld"].startswith("fewer than 3 respondents")
    assert "secret" not in text and "U0X" not in text


def test_the_away_are_a_count_and_a_week_everyone_was_away_says_so():
    week = _team_week("2026-W47", [v.HELPED, v.HELPED, v.DIDNT_HELP, v.SKIPPED, v.AWAY, v.AWAY])
    away = _team_week("2026-W48", [v.AWAY, v.AWAY, v.AWAY, v.AWAY])
    rows = _rows(team_csv([week, away]))
    assert (rows[0]["prompted"], rows[0]["answered"], rows[0]["away"]) == ("4", "4", "2")
    assert (rows[1]["prompted"], rows[1]["answered"], rows[1]["away"]) == ("0", "0", "4")
    assert rows[1]["withheld"] == "everyone was away: no retro that week" and rows[1]["tokens"] == ""
