"""What a curious manager does and sees, through Slack and the CLI only: slash commands and their ephemeral
replies, the export files in her DM, the digests posted in the team channel, her Home tab, ``airetro digest``.
And what members do: answer their weekly prompt by clicking."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

from bot.services import prompts
from storage.weeks import week_days
from tests.conftest import block_texts, write_csv
from tests.listeners.payments import GOOD as HELPED


def wednesday(week: str) -> str:
    """Noon UTC on the Wednesday of ``week`` (an open retro week for a Monday-prompt, Friday-digest team)."""
    monday, _ = week_days(week)
    return f"{monday + timedelta(days=2)}T12:00:00Z"


def answer(members: dict, plan: dict[str, object]) -> None:
    """Each member answers their latest prompt: "log" (a moment; or a dict of moment fields, or a list of
    them), "didnt" (AI didn't help), "skip"."""
    for name, what in plan.items():
        member = members[name]
        if what == "didnt":
            member.didnt_help()
        elif what == "skip":
            member.skip()
        else:
            moments = what if isinstance(what, list) else [what if isinstance(what, dict) else {}]
            for fields in moments:
                member.log_moment(**{**HELPED, **fields})


def prompt(engine, app, team) -> None:
    """This week's prompts go out (what the scheduler does at the prompt time)."""
    report = prompts.send_prompts(engine, app.client, team)
    assert not report.failed


def usage_rows(ids: dict[str, str], week: str, tokens: dict[str, int]) -> list:
    """CSV rows of usage on the Tuesday of ``week``: ``tokens[name]`` input tokens, a dollar per 100k tokens."""
    day = (week_days(week)[0] + timedelta(days=1)).isoformat()
    return [(ids[n], day, "claude-sonnet-4-5", t, 0, f"{t / 100_000:.2f}") for n, t in tokens.items()]


def import_usage(cli, tmp_path: Path, rows: list, name: str = "usage.csv") -> None:
    """``airetro import-usage FILE``: the operator's weekly import."""
    path = write_csv(tmp_path / name, rows)
    code, out, err = cli("import-usage", str(path))
    assert code == 0, err
    assert "Imported" in out


# -- what the manager reads ---------------------------------------------------------------------------


def ask(sender, slack, user_id: str, text: str, channel_id: str = "D0DM00001") -> str:
    """Type ``/airetro text``; the ephemeral reply as the person reads it (fallback text and blocks)."""
    before = len(slack.responses())
    response = sender.slash_command(user_id, text, channel_id=channel_id)
    assert response.status == 200
    reply = response.json() if response.body else slack.wait_for_responses(before + 1)[before]
    assert reply.get("response_type") == "ephemeral", reply
    assert "Traceback" not in str(reply)
    return reply.get("text", "") + "\n" + block_texts(reply.get("blocks", []))


def summary_of(sender, slack, user_id: str, team: str = "Payments", weeks: int = 8) -> str:
    return ask(sender, slack, user_id, f"summary {team} {weeks}")


def export_team_rows(sender, slack, user_id: str) -> list[dict]:
    """``/airetro export``: the rows of the team-aggregates file it puts in the caller's DM."""
    before = len(slack.files())
    reply = ask(sender, slack, user_id, "export")
    assert "team aggregates" in reply, reply
    files = slack.files(slack.dm_channel(user_id))
    assert len(slack.files()) > before
    team_file = [f for f in files if f["filename"].endswith("-team-aggregates.csv")][-1]
    return list(csv.DictReader(io.StringIO(team_file["content"].decode("utf-8"))))


def rows_by_week(rows: list[dict], team: str = "Payments") -> dict[str, dict]:
    return {r["week"]: r for r in rows if r["team"] == team}


def digest(cli, team: str, week: str) -> str:
    """``airetro digest --team T --week W``: what the operator's terminal shows."""
    code, out, err = cli("digest", "--team", team, "--week", week)
    assert code == 0, err
    return out


def posted_digests(slack, channel: str) -> list[str]:
    """The digests posted in ``channel``, as members read them, oldest first."""
    return [
        m.get("text", "") + "\n" + block_texts(m.get("blocks", []))
        for m in slack.channel_messages(channel)
        if "Weekly AI retro" in m.get("text", "")
    ]


def post_digest_now(sender, slack, manager: str, team: str = "Payments") -> str:
    """``/airetro digest post <team>``: the manager posts this week's digest now (the week closes)."""
    reply = ask(sender, slack, manager, f"digest post {team}")
    assert "Posted the" in reply, reply
    return reply


def home_text(member) -> str:
    view = member.open_home()
    return block_texts(view["blocks"])


def without_open_week(text: str) -> str:
    """``text`` without the line about the week still open (answers still come in there: not a figure)."""
    return "\n".join(line for line in text.splitlines() if "(still open)" not in line)


def day_of(week: str, weekday: int) -> date:
    return week_days(week)[0] + timedelta(days=weekday)


# -- the setup modal, as a manager fills it -----------------------------------------------------------


def open_setup(sender, slack, user_id: str, text: str = "setup") -> dict:
    before = len(slack.calls("views.open"))
    response = sender.slash_command(user_id, text, channel_id="D0DM00001")
    assert response.status == 200 and response.body == "", response.body
    slack.wait_for("views.open", before + 1)
    slack.wait_idle()
    return slack.last_opened_view()


def fill(view: dict, answers: dict) -> dict:
    """``view.state.values`` as Slack reports them for the setup modal's inputs."""
    values: dict[str, dict] = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        element, answer = block["element"], answers.get(block["block_id"])
        kind = element["type"]
        entry: dict = {"type": kind}
        if kind in ("static_select", "radio_buttons"):
            chosen = next((o for o in element.get("options", []) if o["value"] == answer), None)
            if chosen is None and answer is not None:
                chosen = {"text": {"type": "plain_text", "text": answer}, "value": answer}
            entry["selected_option"] = chosen
        elif kind == "multi_users_select":
            entry["selected_users"] = list(answer or [])
        elif kind == "conversations_select":
            entry["selected_conversation"] = answer
        elif kind == "timepicker":
            entry["selected_time"] = answer
        elif kind == "checkboxes":
            entry["selected_options"] = list(element["options"]) if answer else []
        else:
            entry["value"] = answer
        values[block["block_id"]] = {element["action_id"]: entry}
    return values


def prefilled(view: dict) -> dict:
    """What the form holds when opened."""
    answers: dict = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        element = block["element"]
        answers[block["block_id"]] = (
            element.get("initial_value")
            or (element.get("initial_option") or {}).get("value")
            or element.get("initial_users")
            or element.get("initial_conversation")
            or element.get("initial_time")
            or bool(element.get("initial_options"))
        )
    return answers


def dms_to(slack, user_id: str) -> list[dict]:
    return [c.args for c in slack.calls("chat.postMessage") if c.args.get("channel") == user_id]


def save_setup(sender, slack, user_id: str, text: str, changes: dict) -> str:
    """Open the setup modal with ``/airetro text``, change ``changes``, submit; the confirmation DM's text."""
    view = open_setup(sender, slack, user_id, text)
    before = len(dms_to(slack, user_id))
    response = sender.submit(user_id, view, fill(view, {**prefilled(view), **changes}))
    assert response.status == 200 and response.body == "", response.body
    calls = slack.wait_for("chat.postMessage", before + 1, where=lambda c: c.args.get("channel") == user_id)
    confirmation = calls[before].args
    return confirmation.get("text", "") + "\n" + block_texts(confirmation.get("blocks", []))


def refused_setup(sender, slack, user_id: str, text: str, changes: dict) -> dict[str, str]:
    """Submit the setup modal with ``changes``; the inline errors Slack shows on the form (block → text)."""
    view = open_setup(sender, slack, user_id, text)
    response = sender.submit(user_id, view, fill(view, {**prefilled(view), **changes}))
    assert response.status == 200
    body = response.json()
    assert body and body.get("response_action") == "errors", body
    return body["errors"]


def forget_me(sender, slack, user_id: str) -> str:
    """``/airetro forget-me``, then "Delete everything" in the confirmation; the result as the person reads it."""
    before = len(slack.calls("views.open"))
    response = sender.slash_command(user_id, "forget-me", channel_id="D0DM00001")
    assert response.status == 200 and response.body == ""
    slack.wait_for("views.open", before + 1)
    slack.wait_idle()
    view = slack.last_opened_view()
    assert view["callback_id"] == "forget_me_modal"
    assert sender.submit(user_id, view, {}).status == 200
    slack.wait_for("views.update", 1, where=lambda c: c.args.get("view_id") == view["id"])
    slack.wait_idle()
    return block_texts(slack.view(view["id"])["blocks"])
