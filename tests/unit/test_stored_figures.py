"""A closed week's figures as stored once and read back (bot.digest.stored): what is fit to publish survives
the round trip unchanged, and a withheld figure is not in the stored data at all."""

from __future__ import annotations

import json
from dataclasses import replace

from bot import vocabulary as v
from bot.digest.figures import HIGHLIGHTS, ActivityData, Highlight, MemberWeekData, MomentData, compute_digest
from bot.digest.sections import digest_text
from bot.digest.stored import from_stored, to_stored, without_author

WEEK = "2026-W47"
NAMED = MomentData("feature", "2h_4h", "better", "no", "claude_code", what="Built the export",
                   link="https://example.com/pr/1", sharing="named", author="U0ADA0001")  # fmt: skip
ANON = MomentData("bug", "1h_2h", "same", "later", "cursor", what="Fixed the flaky test", sharing="anonymous",
                  author="U0BOB0001")  # fmt: skip
PRIVATE = MomentData("tests", "cost", "redo", "yes", "copilot", what="Private note", sharing="private")
ACT = ActivityData(sessions=4, lines_added=100, lines_removed=10, commits=3, pull_requests=1)

COUNTS_ONLY = {"v", "min_respondents", "suppressed", "prompted", "responded", "away"}
USAGE_KEYS = {"tokens", "cost_usd", "tokens_per_outcome", "cost_per_outcome", "hours_per_100_usd", "usage_through"}
SHARE_KEYS = {"tokens_without_value", "tokens_without_value_share", "token_weeks_split"}


def full_week() -> list[MemberWeekData]:
    """Everything shown: 4 respondents, 3 loggers, usage and activity from 3+ members, 3 on each side.

    tokens: with an outcome 1.0M + 1.1M + 1.2M, without 2.3M + 2.4M + 2.5M = 10.5M ($105); idle 7.2M.
    """
    return [
        MemberWeekData(v.HELPED, True, (NAMED,), 1_000_000, 10.0, ACT, person="U0ADA0001"),
        MemberWeekData(v.HELPED, True, (ANON,), 1_100_000, 11.0, ACT, person="U0BOB0001"),
        MemberWeekData(v.HELPED, True, (PRIVATE,), 1_200_000, 12.0, ACT, person="U0CAT0001"),
        MemberWeekData(v.DIDNT_HELP, True, (), 2_300_000, 23.0, person="U0DAN0001"),
        MemberWeekData(v.SKIPPED, True, (), 2_400_000, 24.0, person="U0EVE0001"),
        MemberWeekData(v.PENDING, True, (), 2_500_000, 25.0, person="U0FAY0001"),
    ]


def stored_json(figures) -> dict:
    """As the database keeps it (a JSON column): tuples become lists, and nothing but JSON survives."""
    return json.loads(json.dumps(to_stored(figures)))


def round_trip(figures):
    return from_stored(figures.team, figures.week, stored_json(figures))


def test_a_shown_week_reads_back_with_every_figure_it_published():
    f = replace(compute_digest("Payments", WEEK, full_week(), 3), usage_through="2026-11-19")
    assert not (f.suppressed or f.usage_withheld or f.share_withheld or f.activity_withheld)
    assert len(f.highlights) == 2 and f.token_weeks_split == (3, 3)
    back = round_trip(f)
    assert back == f  # every field, the trend aside (None here): counts, outcomes, usage, share, activity
    assert digest_text(back) == digest_text(f), "a published week reads exactly as it was posted"
    assert "usage imported up to Thu 19 Nov" in digest_text(back)


def test_a_stored_week_keeps_no_member_level_data():
    data = json.dumps(to_stored(compute_digest("Payments", WEEK, full_week(), 3)))
    for individual in ("U0BOB0001", "U0CAT0001", "U0DAN0001", "Private note", "2300000", "1100000", "claude_code"):
        assert individual not in data  # not an anonymous author, a person, a private moment or one's tokens
    assert "U0ADA0001" in data, "a named highlight keeps its author"


def test_a_read_back_week_takes_the_teams_current_name():
    back = from_stored("Payments & Billing", WEEK, stored_json(compute_digest("Payments", WEEK, full_week(), 3)))
    assert (back.team, back.week) == ("Payments & Billing", WEEK)
    assert digest_text(back).startswith("Weekly AI retro: Payments &amp; Billing, week of 16 Nov")


def test_a_suppressed_week_stores_only_its_counts():
    members = [
        MemberWeekData(v.HELPED, True, (NAMED,), 9_000_000, 90.0, ACT),
        MemberWeekData(v.DIDNT_HELP, True, (), 1_000_000, 10.0, ACT),
        MemberWeekData(v.SKIPPED, True, (), 1_000_000, 10.0, ACT),
        MemberWeekData(v.PENDING, True),
    ]
    f = compute_digest("Payments", WEEK, members, 3)
    assert f.suppressed
    data = stored_json(f)
    assert set(data) == COUNTS_ONLY
    assert (data["prompted"], data["responded"], data["min_respondents"]) == (4, 3, 3)
    back = from_stored("Payments", WEEK, data)
    assert back.suppressed and (back.prompted, back.responded) == (4, 3)
    assert (back.respondents, back.helped, back.didnt_help, back.skipped, back.moments, back.tokens) == (0,) * 6
    assert back.highlights == () and back.activity is None
    text = digest_text(back)
    assert "3 of 4 answered (75%)." in text and "Fewer than 3 people gave an answer" in text
    assert "Built the export" not in text and "9.0M" not in text


def test_a_week_with_usage_withheld_stores_no_tokens_or_dollars():
    members = [
        MemberWeekData(v.HELPED, True, (NAMED,), 5_000_000, 50.0),
        MemberWeekData(v.HELPED, True, (ANON,), 2_000_000, 20.0),
        MemberWeekData(v.DIDNT_HELP, True),
        MemberWeekData(v.DIDNT_HELP, True),
    ]
    f = replace(compute_digest("Payments", WEEK, members, 3), usage_through="2026-11-19")
    assert f.usage_withheld
    data = stored_json(f)
    assert data["usage_withheld"] is True
    assert not (USAGE_KEYS | SHARE_KEYS | {"share_withheld"}) & set(data)
    assert "5000000" not in json.dumps(data) and "7000000" not in json.dumps(data)
    back = from_stored("Payments", WEEK, data)
    assert back.usage_withheld and (back.tokens, back.cost_usd, back.tokens_per_outcome) == (0, 0.0, None)
    assert back.moments == 2 and back.respondents == 4, "the answers are still published"
    text = digest_text(back)
    assert "Token usage not shown: fewer than 3 members have usage imported for this week" in text
    assert "Team usage" not in text


def test_a_week_with_its_share_withheld_stores_the_team_usage_but_nothing_of_the_split():
    members = [
        MemberWeekData(v.HELPED, True, (NAMED,), 1_000_000, 10.0),
        MemberWeekData(v.HELPED, True, (ANON,), 1_000_000, 10.0),
        MemberWeekData(v.HELPED, True, (PRIVATE,), 1_000_000, 10.0),
        MemberWeekData(v.DIDNT_HELP, True, (), 4_000_000, 40.0),  # alone on the side without an outcome
    ]
    f = compute_digest("Payments", WEEK, members, 3)
    assert f.share_withheld and f.tokens == 7_000_000
    data = stored_json(f)
    assert data["share_withheld"] is True and data["tokens"] == 7_000_000
    assert not SHARE_KEYS & set(data)
    assert "4000000" not in json.dumps(data)  # the lone idle member's tokens
    back = from_stored("Payments", WEEK, data)
    assert back.share_withheld and back.tokens_without_value_share is None
    assert (back.tokens_without_value, back.token_weeks_split) == (0, (0, 0))
    text = digest_text(back)
    assert "Team usage: 7.0M tokens, $70.00." in text
    assert "volume without value): not shown, as fewer than 3 members are on one side" in text


def test_a_week_with_activity_withheld_stores_no_activity():
    members = [*full_week()[:1], *(replace(m, activity=None) for m in full_week()[1:])]  # 1 member with activity
    f = compute_digest("Payments", WEEK, members, 3)
    assert f.activity_withheld and f.activity is None
    data = stored_json(f)
    assert data["activity_withheld"] is True and "activity" not in data
    back = from_stored("Payments", WEEK, data)
    assert back.activity_withheld and back.activity is None
    assert "Not shown: fewer than 3 members have provider activity" in digest_text(back)
    # whatever a withheld week still carries, the flag decides: its activity is never stored
    assert "activity" not in stored_json(replace(f, activity=ACT))


def test_the_stored_floor_is_the_one_the_week_was_held_to():
    f = compute_digest("Payments", WEEK, full_week(), 1)  # a team minimum of 1 is held to 3
    assert stored_json(f)["min_respondents"] == 3 and round_trip(f).min_respondents == 3


# forget-me: a named highlight leaves the stored week ---------------------------------------------------


def test_without_author_takes_out_only_that_persons_named_highlights():
    other = replace(NAMED, what="Wrote the runbook", author="U0GIL0001")
    members = [replace(full_week()[0], moments=(NAMED, replace(NAMED, what="Second one"))),
               *full_week()[1:], MemberWeekData(v.HELPED, True, (other,))]  # fmt: skip
    data = stored_json(compute_digest("Payments", WEEK, members, 3))
    before = json.dumps(data)
    kept = without_author(data, "U0ADA0001")
    assert kept is not None
    assert json.dumps(data) == before, "the stored data it was given is left as it was"
    back = from_stored("Payments", WEEK, kept)
    assert back.highlights == (
        Highlight("Fixed the flaky test", None, "bug", None),
        Highlight("Wrote the runbook", "https://example.com/pr/1", "feature", "U0GIL0001"),
    )
    # no figure changes: only the highlights differ
    full = from_stored("Payments", WEEK, data)
    assert replace(back, highlights=()) == replace(full, highlights=())
    assert "U0ADA0001" not in json.dumps(kept) and "Built the export" not in json.dumps(kept)


def test_without_author_says_none_when_the_week_has_nothing_of_theirs():
    shown = stored_json(compute_digest("Payments", WEEK, full_week(), 3))
    assert without_author(shown, "U0NOBODY1") is None
    assert without_author(shown, "U0BOB0001") is None, "an anonymous highlight carries no author to match"
    suppressed = stored_json(compute_digest("Payments", WEEK, full_week()[:2], 3))
    assert without_author(suppressed, "U0ADA0001") is None


def test_a_week_stores_the_highlights_a_digest_shows_and_counts_the_rest():
    many = tuple(replace(NAMED, what=f"Moment {i:02d}") for i in range(HIGHLIGHTS + 4))
    members = [replace(full_week()[0], moments=many), *full_week()[1:]]
    f = compute_digest("Payments", WEEK, members, 3)
    assert (len(f.highlights), f.more_highlights) == (HIGHLIGHTS, 5)  # 14 named and one anonymous
    data = stored_json(f)
    assert len(data["highlights"]) == HIGHLIGHTS and data["more_highlights"] == 5
    assert round_trip(f) == f
    assert "…and 5 more." in digest_text(round_trip(f))


def test_a_week_stored_with_every_highlight_reads_as_a_digest_shows_it():
    many = tuple(replace(NAMED, what=f"Moment {i:02d}") for i in range(HIGHLIGHTS + 4))
    data = stored_json(compute_digest("Payments", WEEK, [replace(full_week()[0], moments=many), *full_week()[1:]], 3))
    data["highlights"] = [[f"Moment {i:02d}", None, "feature", "U0ADA0001"] for i in range(HIGHLIGHTS + 4)]
    del data["more_highlights"]  # as versions 1 and 2 stored a week: every shared moment
    back = from_stored("Payments", WEEK, {**data, "v": 2})
    assert [h.text for h in back.highlights] == [f"Moment {i:02d}" for i in range(HIGHLIGHTS)]
    assert back.more_highlights == 4
