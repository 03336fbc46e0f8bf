"""Late imports and team edits: a manager reads a closed week, the operator imports more usage for it
(or the team is renamed, its minimum raised, its schedule moved), and she reads again. A closed week's
figures were published once and stay so everywhere: digest, summary, export and the next digest's trend."""

from __future__ import annotations

from tests.conftest import CHANNEL
from tests.privacy.conftest import TOKENS, W46, W47, W48
from tests.privacy.helpers import (
    answer,
    day_of,
    digest,
    export_team_rows,
    import_usage,
    post_digest_now,
    posted_digests,
    rows_by_week,
    save_setup,
    summary_of,
    usage_rows,
)

LATE = 7_500_000


def _tokens_row(text: str) -> list[str]:
    """The trend's week-by-week tokens, oldest first."""
    (row,) = [line.strip() for line in text.splitlines() if line.strip().startswith("Tokens: ")]
    return row.removeprefix("Tokens: ").split(" · ")


def test_usage_imported_after_a_week_closed_changes_none_of_its_figures(
    history, sender, slack, cli, members, ids, tmp_path
):
    mona = ids["mona"]
    export_before = export_team_rows(sender, slack, mona)
    summary_before = summary_of(sender, slack, mona)
    w47_before = digest(cli, "Payments", W47)
    assert rows_by_week(export_before)[W47]["tokens"] == str(sum(TOKENS[W47].values()))
    assert _tokens_row(w47_before)[-2:] == ["4.3M", "6.0M"]

    # a week later, the operator imports usage that came in late for 2026-W47: a new day for ken, grace's
    # Tuesday restated, someone who is not in the team at all, and usage under an e-mail nobody had, which
    # she then maps to linus
    late = [
        (ids["ken"], day_of(W47, 3).isoformat(), "claude-sonnet-4-5", LATE, 0, "75.00"),
        *usage_rows(ids, W47, {"grace": 9_000_000, "barbara": 3_000_000}),
        ("linus.laptop@example.org", day_of(W47, 4).isoformat(), "claude-sonnet-4-5", 4_000_000, 0, "40.00"),
    ]
    import_usage(cli, tmp_path, late, "late.csv")
    code, out, err = cli("identities", "map", "linus.laptop@example.org", ids["linus"])
    assert code == 0 and "1 weekly token summary refreshed" in out, err

    assert export_team_rows(sender, slack, mona) == export_before
    assert summary_of(sender, slack, mona) == summary_before
    assert digest(cli, "Payments", W47) == w47_before

    # the next week closes with enough answers and usage for a trend: 2026-W47 is in it as published
    answer(members, {"grace": "log", "linus": "didnt"})
    import_usage(cli, tmp_path, usage_rows(ids, W48, dict.fromkeys(("ada", "grace", "linus", "ken"), 1_000_000)))
    post_digest_now(sender, slack, mona)
    w48 = posted_digests(slack, CHANNEL)[-1]
    assert "Weekly AI retro: Payments, week of 23 Nov" in w48
    assert _tokens_row(w48)[-3:] == ["4.3M", "6.0M", "4.0M"], "the late usage is not in 2026-W47's figure"
    assert _tokens_row(w48)[:-1] == _tokens_row(w47_before)[1:]
    assert export_team_rows(sender, slack, mona)[:2] == export_before


def test_renaming_raising_the_minimum_and_moving_the_schedule_change_no_closed_week(history, sender, slack, cli, ids):
    mona = ids["mona"]
    export_before = export_team_rows(sender, slack, mona)
    summary_before = summary_of(sender, slack, mona)
    digests_before = {week: digest(cli, "Payments", week) for week in (W46, W47)}

    confirmation = save_setup(
        sender, slack, mona, "setup Payments",
        {"name": "Checkout", "min_respondents": "5", "digest_day": "3", "prompt_time": "09:00"},
    )  # fmt: skip
    assert "Team *Checkout* is updated." in confirmation
    code, _, err = cli("team", "update", "Checkout", "--digest", "thu 17:30", "--reminder-hours", "0")
    assert code == 0, err

    def renamed(text: str) -> str:
        return text.replace("Checkout", "Payments")

    after = export_team_rows(sender, slack, mona)
    assert [{**row, "team": "Payments"} for row in after] == export_before
    assert {r["team"] for r in after} == {"Checkout"}
    assert renamed(summary_of(sender, slack, mona, "Checkout")) == summary_before
    for week, before in digests_before.items():
        assert renamed(digest(cli, "Checkout", week)) == before, f"{week} changed with the team's edit"
    # the raised minimum holds from the week still open on; 2026-W46 (4 respondents) was published at 3 and
    # keeps its figures rather than turning into a withheld week whose difference from before would tell
    assert "5 of 5 answered (100%): 3 logged where AI helped" in digest(cli, "Checkout", W46)
