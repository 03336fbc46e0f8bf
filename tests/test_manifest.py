"""manifest.yml is importable by Slack as is and asks for exactly the scopes the code uses."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "tests" / "fixtures" / "slack" / "manifest.schema.1.0.0.json"  # Slack's own schema, copied
# Every Web API method the bot calls, with the bot scopes Slack's docs list for it (empty: none needed).
# conversations.members and conversations.info need channels:read for public and groups:read for
# private channels; a team's digest channel may be either.
METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "chat_postMessage": ("chat:write",),
    "chat_update": ("chat:write",),
    "views_open": (),
    "views_update": (),
    "views_push": (),
    "views_publish": (),
    "users_lookupByEmail": ("users:read.email",),
    "users_info": ("users:read",),
    "users_list": ("users:read",),
    "conversations_open": ("im:write",),
    # settling a post whose answer was lost: the prompt DM (im), a digest in a public or private channel
    "conversations_history": ("im:history", "channels:history", "groups:history"),
    "conversations_replies": ("channels:history", "groups:history"),  # a digest chart in the digest's thread
    "conversations_members": ("channels:read", "groups:read"),
    "conversations_info": ("channels:read", "groups:read"),
    "usergroups_list": ("usergroups:read",),
    "usergroups_users_list": ("usergroups:read",),
    "files_upload_v2": ("files:write",),
    "auth_test": (),
}


@pytest.fixture(scope="module")
def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def test_manifest_validates_against_slacks_schema(manifest):
    if not SCHEMA.exists():
        pytest.fail(f"Slack's manifest schema is missing at {SCHEMA} ")
    errors = list(jsonschema.Draft7Validator(json.loads(SCHEMA.read_text())).iter_errors(manifest))
    assert errors == [], [e.message for e in errors]


WEB_API_CALL = r"\.((?:chat|views|users|auth|conversations|files|usergroups)_[A-Za-z0-9_]+)\("


def _called_methods() -> set[str]:
    called = set()
    for path in (ROOT / "bot").rglob("*.py"):
        if "standin" in path.parts:
            continue
        called |= set(re.findall(WEB_API_CALL, path.read_text()))
    return called


def test_scopes_are_exactly_those_the_code_uses(manifest):
    called = _called_methods()
    assert called, "no Web API calls found: the scan is broken"
    unknown = called - set(METHOD_SCOPES)
    assert not unknown, f"new Web API calls {unknown}: add them to METHOD_SCOPES and the manifest's scopes"
    needed = {scope for m in called for scope in METHOD_SCOPES[m]} | {"commands"}
    if "users:read.email" in needed:
        needed.add("users:read")  # Slack requires users:read with users:read.email
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == needed


def test_features_the_bot_relies_on(manifest):
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/airetro"]
    assert manifest["features"]["slash_commands"][0]["should_escape"] is True, "the parser expects escaped IDs"
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True
    handled = set(re.findall(r"\.event\(\"([a-z_]+)\"", _listener_source()))
    assert handled == {"app_home_opened"}
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == handled


def _listener_source() -> str:
    return "\n".join(p.read_text() for p in (ROOT / "bot" / "listeners").rglob("*.py"))


def test_procfile_migrates_on_release_and_runs_web_processes_without_the_scheduler():
    processes = dict(line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip())
    assert processes["release"].split() == ["airetro", "db", "upgrade"]
    assert processes["web"].split() == ["airetro", "serve", "--no-scheduler"]
    assert processes["scheduler"].split() == ["airetro", "scheduler"]
