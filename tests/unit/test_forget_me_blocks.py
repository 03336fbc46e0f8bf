"""The forget-me confirmation and result views: exactly what goes, the notes that matter, Block Kit limits."""

from __future__ import annotations

from bot.blocks.forget_me import (
    CALLBACK_ID,
    confirm_view,
    deleting_view,
    failed_view,
    opened_for,
    refused_view,
    result_text,
    result_view,
)
from bot.services.forget import Holdings
from tests.conftest import block_texts
from tests.unit.test_blocks import MARKUP, MODAL_BLOCKS, _text, check_limits

FULL = Holdings(
    moments=3,
    answers=5,
    token_summaries=4,
    usage_records=20,
    memberships=2,
    manager_roles=1,
    person=1,
    named_highlights=2,
    last_manager_of=("Payments",),
    synced_teams=("Apps", "Payments"),
)


def _check(view: dict) -> None:
    assert view["type"] == "modal" and view["callback_id"] == CALLBACK_ID
    for key in ("title", "submit", "close"):
        assert len(_text(view.get(key))) <= 24
    assert len(view.get("private_metadata", "")) <= 3000
    check_limits(view["blocks"], MODAL_BLOCKS)


def test_the_confirmation_says_exactly_what_goes():
    view = confirm_view(FULL, "U0USER001").to_dict()
    _check(view)
    assert _text(view["submit"]) == "Delete everything" and _text(view["close"]) == "Cancel"
    shown = block_texts(view["blocks"])
    for line in (
        "5 weeks of prompts and your answers", "3 moments you logged", "4 weekly token summaries",
        "20 usage records (tokens and dollars per day and model)",
        "2 highlights you shared with your name in past digests",
        "2 team memberships", "1 manager role", "your profile",
        "You are the last manager of *Payments*", "*Apps*, *Payments* take their members from a channel",
        "can't be undone",
    ):  # fmt: skip
        assert line in shown, line
    # kinds of which nothing is held are not listed as "0 …"
    assert "provider activity record" not in shown and "identity mapping" not in shown
    assert opened_for(view["private_metadata"]) == "U0USER001"


def test_one_of_a_kind_is_singular_and_none_of_a_kind_is_left_out():
    shown = block_texts(confirm_view(Holdings(moments=1, answers=1, named_highlights=1), "U1").to_dict()["blocks"])
    for line in ("1 week of prompts and your answers", "1 moment you logged",
                 "1 highlight you shared with your name in past digests"):  # fmt: skip
        assert line in shown, line
    for absent in ("usage record", "token summar", "team membership", "manager role", "your profile"):
        assert absent not in shown, absent


def test_opened_for_ignores_anything_else():
    assert [opened_for(m) for m in ("", "nonsense", "[]", '{"user": 5}')] == [None] * 4


def test_the_views_stay_within_limits_with_many_long_team_names():
    names = tuple(f"{MARKUP * 40}{i}" for i in range(300))
    held = Holdings(moments=10**6, person=1, last_manager_of=names, synced_teams=names)
    for view in (confirm_view(held, "U" * 20), result_view(held), deleting_view(), refused_view(), failed_view()):
        _check(view.to_dict())
    assert "and 290 more" in block_texts(confirm_view(held, "U1").to_dict()["blocks"])


def test_the_result_says_what_was_deleted_or_that_nothing_was_left():
    done = block_texts(result_view(FULL).to_dict()["blocks"])
    assert "Deleted everything AI Retro held about you" in done and "20 usage records" in done
    assert "2 highlights you shared with your name in past digests" in done
    assert "You were the last manager of *Payments*: a workspace admin must name a new one" in done
    assert "adds you back" in done
    assert "Nothing left to delete" in block_texts(result_view(Holdings()).to_dict()["blocks"])
    assert result_text(Holdings()).startswith("Nothing left")
    assert Holdings().empty and not Holdings(usage_records=1).empty and not Holdings(named_highlights=1).empty
