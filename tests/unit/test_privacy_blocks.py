"""``/airetro privacy`` and ``/airetro primary`` wording: pure builders, singular and plural, escaping, and Block
Kit limits for a member of very many teams with long, markup-heavy names."""

from __future__ import annotations

from bot.blocks.privacy import holding_lines, privacy_blocks, privacy_text
from bot.listeners.commands.primary import changed_text, refusal_text, standing_text
from bot.services.forget import Holdings
from bot.services.primary import NotAMember, PrimaryChange, Standing, TeamBrief
from bot.services.privacy import Overview
from tests.blockkit_limits import message_problems

PAYMENTS = TeamBrief(1, "Payments", 3)
SEARCH = TeamBrief(2, "Search", 5)


def _blocks(o: Overview) -> list[dict]:
    return [b.to_dict() for b in privacy_blocks(o)]


def test_holdings_are_counted_in_the_singular_and_the_plural():
    one = Holdings(moments=1, answers=1, token_summaries=1, usage_records=1, memberships=1, manager_roles=1,
                   person=1, activity_records=1, identities=1)  # fmt: skip
    assert holding_lines(one)[:-1] == [
        "1 week of prompts and your answers",
        "1 moment you logged",
        "1 weekly token summary",
        "1 usage record (tokens and dollars per day and model)",
        "1 provider activity record",
        "1 identity mapping (usage keys that are yours)",
        "1 team membership",
        "1 manager role",
    ]
    many = Holdings(moments=12, answers=3, token_summaries=2, usage_records=1_500, memberships=2, person=1)
    assert holding_lines(many) == [
        "3 weeks of prompts and your answers",
        "12 moments you logged",
        "2 weekly token summaries",
        "1,500 usage records (tokens and dollars per day and model)",
        "2 team memberships",
        "your profile (Slack ID, e-mail, time zone, prompt pause setting)",
    ]


def test_usage_alone_without_a_profile_is_still_held():
    text = privacy_text(Overview(Holdings(usage_records=2), Standing()))
    assert "2 usage records" in text and "your profile" not in text and "/airetro forget-me" in text
    assert "Nothing. AI Retro holds nothing" not in text


def test_the_floor_is_the_primary_teams_minimum_never_below_three():
    text = privacy_text(Overview(Holdings(memberships=2, person=1), Standing(SEARCH, (PAYMENTS,))))
    assert "Never over fewer than 5 people (*Search*'s minimum respondents, never below 3)" in text
    assert "at least 5 people are on each side" in text and "at least 5 people logged a moment" in text
    assert "`/airetro primary Payments`" in text


def test_several_other_teams_get_the_general_command():
    others = (PAYMENTS, TeamBrief(3, "Risk", 3))
    text = privacy_text(Overview(Holdings(memberships=3, person=1), Standing(SEARCH, others)))
    assert "You're also in *Payments*, *Risk*; their figures don't include you" in text
    assert "`/airetro primary <team>`" in text


def test_team_names_are_escaped_and_the_reply_fits_block_kit_for_a_member_of_many_teams():
    odd = "<!channel> & `ops` " * 8
    teams = tuple(TeamBrief(i, f"{odd} {i}", 3) for i in range(60))
    o = Overview(
        Holdings(moments=10**6, answers=52, memberships=60, manager_roles=60, person=1), Standing(teams[0], teams[1:])
    )
    blocks = _blocks(o)
    assert message_problems(blocks) == []
    shown = str(blocks) + privacy_text(o)
    assert "<!channel>" not in shown and "&lt;!channel&gt;" in shown
    assert "and 49 more" in shown
    many = standing_text(Standing(teams[0], teams[1:]))
    assert "<!channel>" not in many and "and 49 more: `/airetro primary <team>`" in many
    assert "`/airetro primary &lt;!channel&gt; &amp; 'ops' " in many, "a backtick would end the code span"
    assert len(many) < 4000


def test_primary_replies():
    assert standing_text(Standing()).startswith("You're not in a team yet")
    assert (
        standing_text(Standing(PAYMENTS)) == "You count in *Payments*, your only team, so there is nothing to choose."
    )
    switched = changed_text(PrimaryChange("U1", "Search", "Payments", changed=True, only_team=False))
    assert switched.startswith("Done: from next week on you count in *Search*") and "not from *Payments*" in switched
    assert "This week's answer stays where it is" in switched
    same = changed_text(PrimaryChange("U1", "Search", "Search", changed=False, only_team=False))
    assert same == "You already count in *Search*; nothing changed."
    refused = refusal_text(NotAMember("U1", "Risk", ("Payments", "Search")))
    assert refused.startswith("You're not in *Risk*, so it can't be your primary team.")
    assert refused.endswith("You can choose one of your teams: *Payments*, *Search*.")
    assert "You're not in a team yet" in refusal_text(NotAMember("U1", "Risk", ()))
