"""How much the fastest honest answer costs (issue 15: "answer in ≤ 30 s"), measured on the views the app builds
and then given through signed requests: one click for "AI didn't help" or "skip"; at most four inputs and a submit
for a moment.

Measured before the change: the log modal had 6 required inputs (what, outcome, time saved, quality, "would it have
happened without AI", tool) plus sharing (pre-set, required), so a moment took the button, 6 inputs and a submit.
"""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from bot.blocks.log_moment import log_moment_view
from bot.blocks.prompt import DIDNT_HELP, SKIP_WEEK, prompt_blocks
from bot.services import prompts
from storage.models import Delivery, Moment
from tests.conftest import action_ids

BEFORE = {"required inputs": 6, "required with a default": 1, "clicks for didn't help/skip": 1}
GOAL_INPUTS = 4


def required_inputs(view: dict) -> list[str]:
    """The inputs a person must fill in before Save: required, and not filled in already."""
    out = []
    for block in view["blocks"]:
        if block["type"] != "input" or block.get("optional"):
            continue
        element = block["element"]
        if element.get("initial_option") or element.get("initial_value"):
            continue  # required, but answered already by its default (sharing: "Keep private")
        out.append(block["block_id"])
    return out


def test_the_fastest_honest_answers_as_built():
    view = log_moment_view(7, "Payments", "2026-W48").to_dict()
    needed = required_inputs(view)
    defaults = [b["block_id"] for b in view["blocks"] if b["type"] == "input" and not b.get("optional")]
    print(
        f"\nmoment: before {BEFORE['required inputs']} required inputs + sharing (pre-set) + submit; "
        f"now {len(needed)} ({', '.join(needed)}) + submit; required with a default: "
        f"{sorted(set(defaults) - set(needed))}"
    )
    assert needed == ["what", "outcome", "time_saved"]
    assert len(needed) <= GOAL_INPUTS
    prompt = [b.to_dict() for b in prompt_blocks("Payments", "2026-W48", 7, None)]
    assert {DIDNT_HELP, SKIP_WEEK} <= set(action_ids(prompt)), "each is a button on the prompt itself: one click"
    print("didn't help / skip: before 1 click, now 1 click")


@pytest.fixture
def prompted(engine, app, team, http, midweek):
    return prompts.send_prompts(engine, app.client, team)


def test_one_click_and_three_inputs_through_slack(engine, slack, members, prompted):
    ada, grace = members["ada"], members["grace"]
    clicks_before = len(slack.calls("chat.update"))
    grace.didnt_help()  # one click, nothing else
    slack.wait_for("chat.update", clicks_before + 1)

    view = ada.open_log_modal()  # one click to open the form
    answers = {"what": "Claude Code wrote the migration tests", "outcome": "tests", "time_saved": "1h_2h"}
    assert sorted(answers) == sorted(required_inputs(view))
    response = ada.submit(view, answers)  # three inputs and Save
    assert response.status == 200 and response.body == "", response.body
    slack.wait_for("chat.update", clicks_before + 2)

    with Session(engine) as session:
        answered = session.exec(select(Delivery.answer).where(Delivery.answer != "pending")).all()
        [moment] = session.exec(select(Moment)).all()
    assert sorted(answered) == ["didnt_help", "helped"]
    assert (moment.quality, moment.counterfactual, moment.tool, moment.sharing) == (
        "not_said", "not_said", "not_said", "private"
    )  # fmt: skip
