"""The operator's command line checks before it acts: settings up front, the port, Slack, the channel and
people of a team, a delete, a digest post. Each failure is one line naming the setting or the ID, nothing is
stored or posted then. Slack is the stand-in on 127.0.0.1 (``SLACK_API_URL``); nothing is mocked."""

from __future__ import annotations

import io
import socket
from collections.abc import Iterator

import pytest

from bot.formatting import week_label
from bot.standin.web_api import FakeUser
from tests.cli import run
from tests.conftest import CHANNEL, SIGNING_SECRET, TOKEN

OTHER_CHANNEL = "C0OTHER01"
NOBODY = "U0NOBODY1"  # no such person in Slack
GONE = FakeUser("U0GONE001", "barbara", "barbara@example.com", deleted=True)
ROBOT = FakeUser("U0ROBOT01", "deploybot", "", is_bot=True)


@pytest.fixture
def env(monkeypatch, tmp_path, slack, users):
    """A database in tmp_path, the bot token and the Slack stand-in, which knows the team channel, another
    channel, the five people, a deactivated account and a bot."""
    for name in ("SLACK_APP_TOKEN", "PORT", "OTLP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("SLACK_API_URL", slack.url)
    slack.channels[CHANNEL] = [u.id for u in users]
    slack.channels[OTHER_CHANNEL] = [users[0].id]
    slack.users[GONE.id] = GONE
    slack.users[ROBOT.id] = ROBOT
    return monkeypatch


def create(capsys, *people: str, channel: str = CHANNEL, extra: tuple[str, ...] = ()) -> tuple[int, str, str]:
    members = [arg for p in people for arg in ("--member", p)]
    return run(capsys, "team", "create", "Payments", "--channel", channel, *members, "--tz", "Europe/Berlin",
               "--prompt", "mon 10:00", "--digest", "fri 16:00", *extra)  # fmt: skip


@pytest.fixture
def payments(env, users, capsys) -> list[str]:
    """Payments: ada, grace, linus, margaret and ken; their IDs."""
    ids = [u.id for u in users]
    assert create(capsys, *ids)[0] == 0
    return ids


@pytest.fixture
def listening() -> Iterator[int]:
    """A port something else is listening on."""
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        yield taken.getsockname()[1]


@pytest.fixture
def silent() -> Iterator[int]:
    """A port nothing listens on while the test runs (bound, never listening): connections are refused."""
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        yield bound.getsockname()[1]


# Settings, checked up front --------------------------------------------------------------------------------


@pytest.mark.parametrize("port", ["99999", "0", "eighty"])
def test_a_port_out_of_range_is_named(env, capsys, port):
    env.setenv("PORT", port)
    assert run(capsys, "serve") == (2, "", f"airetro: PORT: must be a port number from 1 to 65535 (got {port})\n")


def test_a_port_option_out_of_range_is_named(env, capsys, slack):
    code, out, err = run(capsys, "serve", "--port", "70000")
    assert (code, out, err) == (1, "", "airetro: --port must be a port number from 1 to 65535 (got 70000)\n")
    assert slack.calls() == []


def test_a_sqlite_directory_that_does_not_exist_makes_no_new_database(env, capsys, tmp_path):
    missing = tmp_path / "typo"
    env.setenv("DATABASE_URL", f"sqlite:///{missing}/airetro.db")
    code, out, err = run(capsys, "team", "list")
    assert (code, out) == (2, "")
    assert err == (
        f"airetro: DATABASE_URL: the directory {missing} does not exist; create it or correct the path "
        "(no new, empty database was made)\n"
    )
    assert not missing.exists()


def test_a_port_in_use_is_named_before_anything_starts(env, capsys, slack, listening):
    env.setenv("PORT", str(listening))
    code, out, err = run(capsys, "serve")
    assert (code, out) == (1, "")
    assert err == (
        f"airetro: port {listening} is already in use: stop what listens there, or set PORT (or --port) to a free "
        "port\n"
    )
    assert slack.calls() == [], "Slack is not called, the database is not migrated"


def test_slack_out_of_reach_names_slack_api_url_in_one_line(env, capsys, silent):
    env.setenv("SLACK_API_URL", f"http://127.0.0.1:{silent}/api/")
    with socket.socket() as free:  # serve's own port: free (checked before Slack)
        free.bind(("127.0.0.1", 0))
        env.setenv("PORT", str(free.getsockname()[1]))
    code, out, err = run(capsys, "serve")
    assert (code, out) == (1, "")
    assert err == f"airetro: cannot reach Slack at SLACK_API_URL (http://127.0.0.1:{silent}/api/): connection refused\n"


def test_a_token_slack_refuses_is_named(env, capsys, payments):
    env.setenv("SLACK_BOT_TOKEN", "xoxb-not-the-right-one")
    code, out, err = run(capsys, "digest", "--team", "Payments", "--post")
    assert (code, out) == (1, "")
    assert err == (
        "airetro: Slack does not accept SLACK_BOT_TOKEN (invalid_auth): copy the bot token (xoxb-…) again from "
        "your Slack app's OAuth page\n"
    )


# team create / update: checked with Slack ------------------------------------------------------------------


def test_team_create_names_a_channel_slack_does_not_know(env, users, capsys, slack):
    code, out, err = create(capsys, *[u.id for u in users], channel="C0NOPE001")
    assert (code, out) == (1, "")
    assert err == (
        "airetro: --channel C0NOPE001: Slack has no channel with this ID that AI Retro can see (for a private "
        "channel, invite the bot first: /invite @AI Retro)\n"
    )
    assert [c.args["channel"] for c in slack.calls("conversations.info")] == ["C0NOPE001"]
    assert run(capsys, "team", "list")[1].startswith("No teams yet.")


def test_team_create_names_each_wrong_person_on_a_line_of_its_own(env, users, capsys, slack):
    ids = [u.id for u in users[:3]]
    code, out, err = create(capsys, *ids, NOBODY, GONE.id, extra=("--manager", ROBOT.id))
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        f"airetro: --member {NOBODY}: Slack has no person with this ID",
        f"airetro: --member {GONE.id}: Barbara's account is deactivated",
        f"airetro: --manager {ROBOT.id}: Deploybot is a bot, not a person",
    ]
    asked = [c.args["user"] for c in slack.calls("users.info")]
    assert sorted(asked) == sorted([*ids, NOBODY, GONE.id, ROBOT.id])
    assert run(capsys, "team", "list")[1].startswith("No teams yet.")


def test_team_create_says_what_it_made_with_plain_plurals(env, users, capsys):
    code, out, err = create(capsys, *[u.id for u in users], extra=("--manager", users[1].id))
    assert (code, err) == (0, "")
    assert out.startswith("Created team Payments: 5 members, 1 manager, digest in C0TEAM001, prompts mon 10:00")


def test_team_update_checks_a_new_channel(env, capsys, payments, slack):
    code, out, err = run(capsys, "team", "update", "Payments", "--channel", "C0NOPE001")
    assert (code, out) == (1, "")
    assert err.startswith("airetro: --channel C0NOPE001: Slack has no channel with this ID") and err.count("\n") == 1
    assert "digest in C0TEAM001" in run(capsys, "team", "list")[1]
    code, out, _ = run(capsys, "team", "update", "Payments", "--channel", OTHER_CHANNEL)
    assert code == 0 and f"Its digest goes to {OTHER_CHANNEL} from now on." in out
    assert f"digest in {OTHER_CHANNEL}" in run(capsys, "team", "list")[1]


# team list / show / members --------------------------------------------------------------------------------


def test_team_list_and_show(env, capsys, payments):
    code, out, _ = run(capsys, "team", "list")
    assert code == 0
    assert out == (
        "Payments: 5 members, digest in C0TEAM001; prompts mon 10:00, reminder after 24 h, digest fri 16:00 "
        "(Europe/Berlin)\n"
    )
    code, out, _ = run(capsys, "team", "show", "Payments")
    assert code == 0
    assert out.splitlines() == [
        "Payments",
        "  Channel: C0TEAM001",
        "  Schedule: prompts mon 10:00, reminder after 24 h, digest fri 16:00 (Europe/Berlin)",
        "  Holidays: none",
        "  Shows a week's figures when at least 3 people respond",
        f"  Members (picked by hand): 5 people: {', '.join(sorted(payments))}",
        "  Managers: none (workspace admins manage it)",
    ]
    assert run(capsys, "team", "show", "Nope") == (1, "", "airetro: no team named 'Nope' (see `airetro team create`)\n")


def test_members_add_checks_people_with_slack_and_remove_keeps_three(env, capsys, payments, slack):
    code, out, err = run(capsys, "team", "members", "add", "Payments", NOBODY)
    assert (code, out, err) == (1, "", f"airetro: {NOBODY}: Slack has no person with this ID\n")
    code, out, err = run(capsys, "team", "members", "add", "Payments", "bob")
    assert (code, err) == (1, "airetro: 'bob' is not a Slack user ID like U0123ABCD\n")

    slack.users["U0NEW0001"] = FakeUser("U0NEW0001", "frances", "frances@example.com")
    code, out, err = run(capsys, "team", "members", "add", "Payments", "U0NEW0001", payments[0])
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "Added 1 person to Payments (now 6 members); they get the weekly prompt from the next one on.",
        f"Already in Payments, so not added again: {payments[0]}.",
    ]

    code, out, err = run(capsys, "team", "members", "remove", "Payments", "U0NEW0001", payments[0], payments[1])
    assert (code, err) == (0, "")
    assert out == (
        "Removed 3 people from Payments (now 3 members); what they answered before stays in the weeks it was given.\n"
    )
    code, out, err = run(capsys, "team", "members", "remove", "Payments", payments[2])
    assert (code, out) == (1, "")
    assert err == (
        "airetro: Payments would have 2 members left; a team needs at least 3, so that nobody's answers or tokens "
        "can be singled out (delete the team instead?)\n"
    )
    code, out, err = run(capsys, "team", "members", "remove", "Payments", NOBODY)
    assert (code, err) == (1, f"airetro: not in Payments, so nothing was removed: {NOBODY}\n")
    assert "Payments: 3 members" in run(capsys, "team", "list")[1]


# team delete -----------------------------------------------------------------------------------------------


class Terminal(io.StringIO):
    """Standard input as a terminal where the operator types ``answer``."""

    def isatty(self) -> bool:
        return True


def test_team_delete_without_a_terminal_needs_yes(env, capsys, payments, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, out, err = run(capsys, "team", "delete", "Payments")
    assert (code, out) == (1, "")
    assert err == (
        "airetro: team delete asks first, and there is no terminal to ask on: add --yes to delete Payments\n"
    )
    assert "Payments" in run(capsys, "team", "list")[1]
    code, out, _ = run(capsys, "team", "delete", "Payments", "--yes")
    assert code == 0 and out.startswith("Deleted team Payments")
    assert run(capsys, "team", "list")[1].startswith("No teams yet.")


def test_team_delete_on_a_terminal_asks_first(env, capsys, payments, monkeypatch):
    monkeypatch.setattr("sys.stdin", Terminal("n\n"))
    code, out, _ = run(capsys, "team", "delete", "Payments")
    assert code == 1
    assert out == (
        "Delete team Payments with all its answers and digests? This cannot be undone. [y/N] Nothing was deleted.\n"
    )
    assert "Payments" in run(capsys, "team", "list")[1]
    monkeypatch.setattr("sys.stdin", Terminal("y\n"))
    code, out, _ = run(capsys, "team", "delete", "Payments")
    assert code == 0 and "Deleted team Payments" in out
    assert run(capsys, "team", "list")[1].startswith("No teams yet.")


# digest --post ---------------------------------------------------------------------------------------------


def test_digest_post_without_a_token_prints_nothing(env, capsys, payments, slack):
    env.delenv("SLACK_BOT_TOKEN")
    code, out, err = run(capsys, "digest", "--team", "Payments", "--week", "2026-W47", "--post")
    assert (code, out) == (2, "")
    assert err == "airetro: SLACK_BOT_TOKEN is not set (the bot token, xoxb-…, from your Slack app's OAuth page).\n"


def test_digest_post_with_slack_out_of_reach_prints_nothing(env, capsys, payments, silent):
    env.setenv("SLACK_API_URL", f"http://127.0.0.1:{silent}/api/")
    code, out, err = run(capsys, "digest", "--team", "Payments", "--week", "2026-W47", "--post")
    assert (code, out) == (1, "")
    assert err == f"airetro: cannot reach Slack at SLACK_API_URL (http://127.0.0.1:{silent}/api/): connection refused\n"


def test_digest_post_of_a_week_nobody_was_prompted_posts_nothing(env, capsys, payments, slack):
    from freezegun import freeze_time

    with freeze_time("2026-11-25T12:00:00Z", tick=True):  # Wednesday of 2026-W48; nobody prompted yet
        for week in ("2026-W47", "2026-W48"):
            code, out, err = run(capsys, "digest", "--team", "Payments", "--week", week, "--post")
            assert (code, err) == (0, "")
            assert out == (
                f"Nobody in Payments was prompted in the {week_label(week)} ({week}), so there is no digest to post. "
                "Nothing was posted.\n"
            )
    assert slack.calls("chat.postMessage") == []
    assert len(slack.calls("auth.test")) == 1 + 2, "team create, then each post checked the token first"
