"""Block Kit payloads stay inside Slack's documented limits, and the modal's submission is validated.

Limits (api.slack.com/reference/block-kit): section text ≤ 3000, header text ≤ 150, ≤ 50 blocks per
message, ≤ 100 blocks per modal, modal title/submit/close ≤ 24, option text ≤ 75, ≤ 100 options per
select, button text ≤ 75 and value ≤ 2000, block_id/action_id ≤ 255, private_metadata ≤ 3000,
context ≤ 10 elements.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot import vocabulary as v
from bot.blocks.digest import digest_blocks
from bot.blocks.log_moment import (
    CALLBACK_ID,
    NOT_SAID,
    OPTIONAL_SELECTS,
    REQUIRED_SELECTS,
    SELECTS,
    delivery_of,
    log_moment_view,
    read_submission,
)
from bot.blocks.prompt import (
    DIDNT_HELP,
    LOG_MOMENT,
    SKIP_WEEK,
    LoggedMoment,
    TokenLine,
    answered_blocks,
    prompt_blocks,
)
from bot.digest.figures import MemberWeekData, MomentData, compute_digest
from bot.digest.sections import digest_text
from bot.standin.inbound import state_values

MESSAGE_BLOCKS, MODAL_BLOCKS = 50, 100
# HTML/JSX-heavy text: every <, > and & grows to 4-5 characters once escaped for mrkdwn.
MARKUP = "<div><span>&nbsp;</span></div> "


def _text(obj: dict | None) -> str:
    return (obj or {}).get("text", "")


def check_limits(blocks: list[dict], max_blocks: int) -> None:
    assert len(blocks) <= max_blocks
    for block in blocks:
        assert len(block.get("block_id", "")) <= 255
        if block["type"] == "section":
            assert len(_text(block.get("text"))) <= 3000
            assert all(len(_text(f)) <= 2000 for f in block.get("fields", []))
        if block["type"] == "header":
            assert len(_text(block["text"])) <= 150
        if block["type"] == "context":
            assert len(block["elements"]) <= 10
            assert all(len(_text(e)) <= 3000 for e in block["elements"])
        if block["type"] == "input":
            assert len(_text(block["label"])) <= 2000
        elements = block.get("elements", []) + ([block["element"]] if "element" in block else [])
        for element in elements:
            assert len(element.get("action_id", "")) <= 255
            if element.get("type") == "button":
                assert len(_text(element["text"])) <= 75
                assert len(element.get("value", "")) <= 2000
            if "placeholder" in element:
                assert len(_text(element["placeholder"])) <= 150
            options = element.get("options", [])
            assert len(options) <= 100
            for option in options:
                assert len(_text(option["text"])) <= 75
                assert len(option["value"]) <= 150


def big_digest(what: str, n: int = 40):
    moments = tuple(
        MomentData(
            outcome=list(v.OUTCOMES)[i % len(v.OUTCOMES)],
            time_saved="gt8h",
            quality="better",
            counterfactual="no",
            tool="other",
            what=what,
            link="https://example.com/" + "p" * 480,
            sharing="named" if i % 2 else "anonymous",
            author=f"U0PERSON{i:03d}",
        )
        for i in range(n)
    )
    members = [MemberWeekData(v.HELPED, True, moments, tokens=123_456_789, cost_usd=4321.0)]
    members += [MemberWeekData(v.DIDNT_HELP, True, tokens=1000, cost_usd=1.0)] * 3
    return compute_digest("P" * 200, "2026-W47", members, min_respondents=3)


@pytest.mark.parametrize("what", ["x" * 3000, "<" * 3000, MARKUP * 70])
def test_digest_blocks_stay_within_limits(what):
    blocks = [b.to_dict() for b in digest_blocks(big_digest(what))]  # to_dict() also runs slack_sdk's checks
    check_limits(blocks, MESSAGE_BLOCKS)
    assert blocks[0]["type"] == "header"
    assert all("<!channel>" not in _text(b.get("text")) for b in blocks)


def test_suppressed_digest_blocks_show_only_the_response_rate():
    secret = MomentData("bug", "gt8h", "better", "no", "other", "secret", sharing="named", author="U0ADA0001")
    members = [MemberWeekData(v.HELPED, True, (secret,), tokens=9_000_000), MemberWeekData(v.DIDNT_HELP, True),
               MemberWeekData(v.SKIPPED, True)]  # fmt: skip
    blocks = [b.to_dict() for b in digest_blocks(compute_digest("Payments", "2026-W47", members, 3))]
    check_limits(blocks, MESSAGE_BLOCKS)
    text = "\n".join(_text(b.get("text")) for b in blocks)
    assert "3 of 3 answered (100%)." in text
    assert "Fewer than 3 people gave an answer, so nothing more is shown this week" in text
    for leaked in ("secret", "U0ADA0001", "Value per token", "9.0M", "helped", "didn't help", "skipped"):
        assert leaked not in text


def test_every_listed_highlight_keeps_its_attribution_in_the_blocks():
    # 12 named highlights, plain text, no links: 10 listed (≈ 20 + 280 + 14 chars each > 3000), 2 counted
    moments = tuple(
        MomentData("feature", "gt8h", "better", "no", "other", "x" * 3000, None, "named", f"U0PERSON{i:03d}")
        for i in range(12)
    )
    members = [MemberWeekData(v.HELPED, True, moments)] + [MemberWeekData(v.DIDNT_HELP, True)] * 2
    f = compute_digest("Payments", "2026-W47", members, min_respondents=3)
    assert "…and 2 more." in digest_text(f)  # the plain-text digest is complete
    text = "\n".join(_text(b.to_dict().get("text")) for b in digest_blocks(f))
    for i in range(10):
        assert f"<@U0PERSON{i:03d}>" in text
    assert "…and 2 more." in text


def _moments(what: str, n: int = 30) -> list[LoggedMoment]:
    return [LoggedMoment(list(v.OUTCOMES)[i % len(v.OUTCOMES)], what, "gt8h") for i in range(n)]


TOKENS = TokenLine(tokens=1_234_567, cost_usd=12.5, top_model="claude-sonnet")


@pytest.mark.parametrize("answer", [v.HELPED, v.DIDNT_HELP, v.SKIPPED])
def test_prompt_and_answered_blocks_stay_within_limits(answer):
    check_limits([b.to_dict() for b in prompt_blocks("T" * 200, "2026-W47", 2**31, TOKENS)], MESSAGE_BLOCKS)
    moments = _moments("x" * 3000) if answer == v.HELPED else []
    blocks = [b.to_dict() for b in answered_blocks("T" * 200, "2026-W47", 2**31, TOKENS, answer, moments)]
    check_limits(blocks, MESSAGE_BLOCKS)


def test_answered_blocks_with_markup_heavy_moments_stay_within_limits():
    blocks = [b.to_dict() for b in answered_blocks("Payments", "2026-W47", 7, TOKENS, v.HELPED, _moments(MARKUP * 70))]
    check_limits(blocks, MESSAGE_BLOCKS)


def _buttons(blocks: list[dict]) -> dict[str, dict]:
    return {e["action_id"]: e for b in blocks if b["type"] == "actions" for e in b["elements"]}


def test_prompt_has_three_one_click_answers_carrying_the_delivery_id():
    blocks = [b.to_dict() for b in prompt_blocks("Payments", "2026-W47", 42, None)]
    buttons = _buttons(blocks)
    assert list(buttons) == [LOG_MOMENT, DIDNT_HELP, SKIP_WEEK] == ["log_moment", "didnt_help", "skip_week"]
    assert {b["value"] for b in buttons.values()} == {"42"}
    assert buttons[LOG_MOMENT]["style"] == "primary"


def test_token_line_only_when_tokens_are_known():
    without = [b.to_dict() for b in prompt_blocks("Payments", "2026-W47", 42, None)]
    zero = [b.to_dict() for b in prompt_blocks("Payments", "2026-W47", 42, TokenLine(0, 0.0, None))]
    with_tokens = [b.to_dict() for b in prompt_blocks("Payments", "2026-W47", 42, TOKENS)]
    assert "tokens" not in str(without) and "tokens" not in str(zero)
    context = [b for b in with_tokens if b["type"] == "context"]
    assert len(context) == 1
    assert _text(context[0]["elements"][0]) == (
        "Your AI usage this week (only you see this): 1.2M tokens, ~$12.50, mostly claude-sonnet."
    )


def test_prompt_escapes_the_team_name():
    blocks = [b.to_dict() for b in prompt_blocks("<!channel> & co", "2026-W47", 1, None)]
    assert "Team &lt;!channel&gt; &amp; co, week of 16 Nov" in _text(blocks[0]["text"])


def test_answered_blocks_list_the_moments_and_offer_another():
    moments = [LoggedMoment("bug", "Found the <@U0X> race", "1h_2h")]
    blocks = [b.to_dict() for b in answered_blocks("Payments", "2026-W47", 9, None, v.HELPED, moments)]
    status = next(_text(b["text"]) for b in blocks if b.get("block_id") == "prompt_status")
    assert "You logged 1 moment this week" in status
    lines = [_text(b["text"]) for b in blocks if b["type"] == "section"]
    assert "• Fixed a bug: Found the &lt;@U0X&gt; race (time saved: 1–2 h)" in lines
    buttons = _buttons(blocks)
    assert list(buttons) == [LOG_MOMENT]
    assert _text(buttons[LOG_MOMENT]["text"]) == "Log another" and buttons[LOG_MOMENT]["value"] == "9"


def test_answered_blocks_list_at_most_ten_moments():
    blocks = [b.to_dict() for b in answered_blocks("P", "2026-W47", 9, None, v.HELPED, _moments("short", 13))]
    status = next(_text(b["text"]) for b in blocks if b.get("block_id") == "prompt_status")
    assert "You logged 13 moments" in status
    assert sum(1 for b in blocks if b["type"] == "section" and _text(b["text"]).startswith("• ")) == 10
    assert "…and 3 more" in str(blocks)


# --- the "where AI helped" modal ---------------------------------------------------------------


def test_log_moment_view_stays_within_limits():
    view = log_moment_view(2**31, "T" * 200, "2026-W47").to_dict()
    assert view["type"] == "modal" and view["callback_id"] == CALLBACK_ID
    for key in ("title", "submit", "close"):
        assert len(_text(view[key])) <= 24
    assert len(view["private_metadata"]) <= 3000
    check_limits(view["blocks"], MODAL_BLOCKS)
    assert [b["block_id"] for b in view["blocks"]] == ["what", *SELECTS, "link", "sharing"]
    assert delivery_of(view["private_metadata"]) == 2**31


def test_modal_sharing_defaults_to_private_and_link_is_optional():
    blocks = {b["block_id"]: b for b in log_moment_view(1, "P", "2026-W47").to_dict()["blocks"]}
    assert blocks["sharing"]["element"]["initial_option"]["value"] == "private"
    assert blocks["link"]["optional"] is True
    assert not blocks["what"].get("optional", False)


VALID = {
    "what": "  Wrote the migration tests  ",
    "outcome": "tests",
    "time_saved": "1h_2h",
    "quality": "better",
    "counterfactual": "later",
    "tool": "claude_code",
    "link": "https://github.com/acme/app/pull/12",
    "sharing": "named",
}


def submit(**changes: Any):
    view = log_moment_view(1, "Payments", "2026-W47").to_dict()
    return read_submission(state_values(view, {**VALID, **changes}))


def test_state_values_helper_builds_slacks_shape():
    state = state_values(log_moment_view(1, "P", "2026-W47").to_dict(), VALID)
    assert state["what"] == {"what_input": {"type": "plain_text_input", "value": VALID["what"]}}
    assert state["outcome"]["outcome_input"]["type"] == "static_select"
    assert state["outcome"]["outcome_input"]["selected_option"]["value"] == "tests"


def test_valid_submission():
    result = submit()
    assert result.errors == {}
    assert result.fields == {
        "what": "Wrote the migration tests",  # trimmed
        "outcome": "tests",
        "time_saved": "1h_2h",
        "quality": "better",
        "counterfactual": "later",
        "tool": "claude_code",
        "link": "https://github.com/acme/app/pull/12",
        "sharing": "named",
    }


@pytest.mark.parametrize("what", [None, "", "   ", "ok", "  a  "])
def test_missing_or_too_short_what_is_an_error_on_what(what):
    result = submit(what=what)
    assert set(result.errors) == {"what"}


def test_too_long_what_is_an_error_on_what():
    assert set(submit(what="x" * 3001).errors) == {"what"}
    assert submit(what="x" * 3000).errors == {}


@pytest.mark.parametrize("block_id", list(SELECTS))
def test_crafted_option_value_is_an_error_on_its_block(block_id):
    result = submit(**{block_id: "pwned"})
    assert set(result.errors) == {block_id}


@pytest.mark.parametrize("block_id", list(REQUIRED_SELECTS))
def test_unanswered_select_is_an_error_on_its_block(block_id):
    assert set(submit(**{block_id: None}).errors) == {block_id}


@pytest.mark.parametrize("block_id", list(OPTIONAL_SELECTS))
def test_an_optional_choice_left_out_is_not_said(block_id):
    result = submit(**{block_id: None})
    assert result.errors == {} and result.fields[block_id] == NOT_SAID


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "not a url",
        "ftp://example.com/x",
        "https://",
        "https://example.com/a b",
        "https://example.com/<!channel>",
        "https://example.com/" + "a" * 500,
    ],
)
def test_bad_link_is_an_error_on_link(link):
    result = submit(link=link)
    assert set(result.errors) == {"link"}


@pytest.mark.parametrize("link", [None, "", "   "])
def test_empty_link_is_fine(link):
    result = submit(link=link)
    assert result.errors == {}
    assert result.fields["link"] is None


def test_sharing_defaults_to_private_and_crafted_sharing_is_refused():
    assert submit(sharing=None).fields["sharing"] == "private"
    assert submit(sharing=None).errors == {}
    assert set(submit(sharing="everyone").errors) == {"sharing"}


def test_empty_state_reports_every_required_block():
    result = read_submission({})
    assert set(result.errors) == {"what", *REQUIRED_SELECTS}
    assert result.fields["sharing"] == "private"


@pytest.mark.parametrize("metadata", ["", "not json", "[]", '{"delivery": "7"}', "null"])
def test_delivery_of_rejects_bad_metadata(metadata):
    assert delivery_of(metadata) is None
