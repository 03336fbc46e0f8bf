"""/airetro text → command: escaped and plain forms, defaults, and a usage hint for anything else."""

from __future__ import annotations

import pytest

from bot.listeners.commands.help import help_text
from bot.listeners.commands.parse import MEMBER_USAGE, SUBCOMMANDS, Parsed, TeamRef, UsageError, parse, usage_lines
from bot.services.roles import Caller
from storage.models import Team


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Parsed("help")),
        ("  HELP ", Parsed("help")),
        ("log", Parsed("log")),
        ("log Payments", Parsed("log", team=TeamRef(name="Payments"))),
        ("me", Parsed("me", weeks=8)),
        ("me 12", Parsed("me", weeks=12)),
        ("summary", Parsed("summary", weeks=4)),
        ("summary 8", Parsed("summary", weeks=8)),
        ("summary <#C0PAYMENTS|payments> 8", Parsed("summary", team=TeamRef(channel_id="C0PAYMENTS"), weeks=8)),
        ("summary <#C0PAYMENTS>", Parsed("summary", team=TeamRef(channel_id="C0PAYMENTS"), weeks=4)),
        ("summary C0PAYMENTS 2", Parsed("summary", team=TeamRef(channel_id="C0PAYMENTS"), weeks=2)),
        ("summary #payments", Parsed("summary", team=TeamRef(name="payments"), weeks=4)),
        ("summary <!subteam^S0PAY|@payments-team> 6", Parsed("summary", team=TeamRef(usergroup_id="S0PAY"), weeks=6)),
        ("summary @payments-team", Parsed("summary", team=TeamRef(name="payments-team"), weeks=4)),
        ("summary Payments Core 3", Parsed("summary", team=TeamRef(name="Payments Core"), weeks=3)),
        ("setup", Parsed("setup")),
        ("setup new", Parsed("setup", mode="new")),
        ("setup <#C0PAYMENTS|payments>", Parsed("setup", team=TeamRef(channel_id="C0PAYMENTS"))),
        ("digest", Parsed("digest", mode="preview")),
        ("digest post", Parsed("digest", mode="post")),
        ("digest preview Payments", Parsed("digest", mode="preview", team=TeamRef(name="Payments"))),
        ("pause", Parsed("pause")),
        ("resume", Parsed("resume")),
        ("pause team", Parsed("pause", whole_team=True)),
        ("resume team Payments", Parsed("resume", whole_team=True, team=TeamRef(name="Payments"))),
        ("privacy", Parsed("privacy")),
        (" Privacy ", Parsed("privacy")),
        ("primary", Parsed("primary")),
        ("primary Search", Parsed("primary", team=TeamRef(name="Search"))),
        ("primary Search Core", Parsed("primary", team=TeamRef(name="Search Core"))),
        ("primary #search", Parsed("primary", team=TeamRef(name="search"))),
        ("primary <#C0SEARCH01|search>", Parsed("primary", team=TeamRef(channel_id="C0SEARCH01"))),
        ("PRIMARY <!subteam^S0SEA|@search-team>", Parsed("primary", team=TeamRef(usergroup_id="S0SEA"))),
        ("export", Parsed("export")),
        ("forget-me", Parsed("forget-me")),
        ("forget_me", Parsed("forget-me")),
    ],
)
def test_commands_parse(text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("frobnicate", "I don't know `/airetro frobnicate`"),
        ("summary 0", "Weeks must be between 1 and 52, not 0"),
        ("summary Payments 53", "not 53"),
        ("summary Payments -2", "not -2"),
        ("me 99", "not 99"),
        ("summary <@U0USER002|grace>", "takes a team, not a person"),
        ("summary <@U0USER002>", "takes a team, not a person"),
        ("summary <#C0A|a> <#C0B|b>", "Name one team"),
        ("export everything", "takes no arguments"),
        ("forget-me now", "takes no arguments"),
        ("privacy please", "`/airetro privacy` takes no arguments"),
        ("privacy 4", "`/airetro privacy` takes no arguments"),
        ("primary <@U0USER002|grace>", "`/airetro primary` takes a team, not a person"),
        ("primary <#C0A|a> <#C0B|b>", "Name one team for `/airetro primary`"),
        ("primaries", "I don't know `/airetro primaries`"),
        ("pause forever", "`/airetro pause team [team]` for a team"),
    ],
)
def test_bad_text_gets_a_hint_naming_the_problem_and_the_subcommands(text, problem):
    with pytest.raises(UsageError) as error:
        parse(text)
    hint = str(error.value)
    assert problem in hint
    assert "/airetro help" in hint
    assert all(f"`{name}`" in hint for name in SUBCOMMANDS)


def test_a_hint_never_echoes_a_live_mention():
    with pytest.raises(UsageError) as error:
        parse("<!channel> wake up")
    assert "<!channel>" not in str(error.value) and "&lt;!channel&gt;" in str(error.value)


def _caller(*, member: bool = False, manages: bool = False, admin: bool = False) -> Caller:
    team = Team(id=1, name="Payments", channel_id="C0PAY0001")
    return Caller("U0ME00001", admin, (team,) if member else (), (team,) if manages else ())


def test_help_lists_privacy_and_primary_for_every_member():
    lines = help_text(_caller(member=True))
    assert "`/airetro privacy`: who sees what about you" in lines
    assert "`/airetro primary [team]`: the one team you count in each week" in lines
    assert {"privacy", "primary"} <= set(SUBCOMMANDS)
    assert "\n".join(usage_lines(MEMBER_USAGE)) in lines


def _commands(text: str) -> set[str]:
    return {line.split("`")[1].split(" [")[0] for line in text.splitlines() if line.startswith("• `")}


def test_help_lists_only_what_the_caller_can_use():
    member = _commands(help_text(_caller(member=True)))
    assert {"/airetro log", "/airetro summary", "/airetro pause", "/airetro me", "/airetro forget-me"} <= member
    assert not {"/airetro setup", "/airetro digest", "/airetro pause team", "/airetro setup new"} & member

    manager = _commands(help_text(_caller(manages=True)))  # manages a team without being in it
    assert {"/airetro setup", "/airetro digest", "/airetro pause team", "/airetro summary", "/airetro me"} <= manager
    assert not {"/airetro log", "/airetro pause", "/airetro primary", "/airetro setup new"} & manager, "no prompts"

    both = _commands(help_text(_caller(member=True, manages=True)))
    assert member | manager == both

    admin = _commands(help_text(_caller(admin=True)))
    assert {"/airetro setup new", "/airetro setup", "/airetro digest"} <= admin and "/airetro log" not in admin

    outsider = help_text(_caller())
    assert _commands(outsider) == {"/airetro me", "/airetro privacy", "/airetro export", "/airetro forget-me"}
    assert "You're not in a team yet" in outsider and "`/airetro setup`" in outsider
