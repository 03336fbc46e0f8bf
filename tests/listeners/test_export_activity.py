"""``/airetro export`` includes the caller's own provider activity records (Claude Code analytics):
those attributed to them and those still unattributed under their e-mail, never anyone else's."""

from __future__ import annotations

import csv
import io
from datetime import date

from bot.services.usage_import import import_rows
from bot.usage.rows import ActivityRow
from tests.conftest import CHANNEL

MON = date(2026, 11, 16)


def _export_files(sender, slack, user_id: str) -> dict[str, list[dict]]:
    assert sender.slash_command(user_id, "export", CHANNEL).status == 200
    reply = slack.wait_for_responses(1)[-1]
    assert "in your DM" in reply["text"]
    files = slack.files(slack.dm_channel(user_id))
    return {
        f["filename"].split("-", 4)[-1].removesuffix(".csv"): list(csv.DictReader(io.StringIO(f["content"].decode())))
        for f in files
    }


def test_the_export_holds_the_callers_activity_records_only(engine, app, slack, sender, users):
    ada, grace = users[0], users[1]
    import_rows(
        engine,
        "claude_code",
        [
            ActivityRow(ada.id, MON, "data[0]", sessions=3, lines_added=120, lines_removed=7, commits=2),
            ActivityRow(grace.id, MON, "data[1]", sessions=9, lines_added=999, commits=9, pull_requests=9),
        ],
    )
    # a later day under her e-mail, which nothing resolved (no Slack lookup in this import): unattributed
    import_rows(engine, "claude_code", [ActivityRow(ada.email, date(2026, 11, 17), "data[0]", 1, 5, 0, 0, 1, 4, 1)])

    files = _export_files(sender, slack, ada.id)
    assert "my-activity" in files
    NONE_ELSE = {"interactions": "0", "code_generations": "0", "code_acceptances": "0", "agent_requests": "0"}  # noqa: N806
    assert files["my-activity"] == [
        {"day": "2026-11-16", "source": "claude_code", "sessions": "3", "lines_added": "120", "lines_removed": "7",
         "commits": "2", "pull_requests": "0", "tool_accepted": "0", "tool_rejected": "0", **NONE_ELSE},
        {"day": "2026-11-17", "source": "claude_code", "sessions": "1", "lines_added": "5", "lines_removed": "0",
         "commits": "0", "pull_requests": "1", "tool_accepted": "4", "tool_rejected": "1", **NONE_ELSE},
    ]  # fmt: skip
    assert all("999" not in str(rows) for rows in files.values()), "nothing of grace's"


def test_someone_known_only_by_activity_under_their_email_gets_it(engine, slack, sender, users):
    ken = users[4]
    import_rows(engine, "claude_code", [ActivityRow(ken.email, MON, "data[0]", sessions=2)])
    files = _export_files(sender, slack, ken.id)
    assert list(files) == ["my-activity"] and files["my-activity"][0]["sessions"] == "2"
