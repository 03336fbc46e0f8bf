"""The digest of a team fed by several overlapping usage sources equals the figures computed by hand:
Anthropic's usage report (no dollars: list prices), Claude Code analytics (inside that report), a LiteLLM
proxy in front of Anthropic (also inside it) and Cursor's own usage, with one model nobody has prices for."""

from __future__ import annotations

from datetime import date

from bot.services import digests, prompts
from bot.services.usage_import import import_rows
from bot.usage.prices import estimate
from bot.usage.rows import UsageRow
from tests.conftest import CHANNEL, block_texts

MON = date(2026, 11, 23)  # 2026-W48
SONNET = "claude-sonnet-4-5"
DONE = {"what": "Fixed the flaky payout test", "outcome": "bug", "time_saved": "1h_2h", "quality": "same",
        "counterfactual": "no", "tool": "claude_code", "link": None, "sharing": "private"}  # fmt: skip


def test_the_digest_counts_each_token_once_and_says_where_its_dollars_come_from(
    engine, app, team, users, members, slack, monkeypatch
):
    monkeypatch.setenv("LITELLM_PROXIES", "anthropic")
    email = {u.name: u.email for u in users}
    lookup = {u.email: u.id for u in users}.get
    anthropic = [UsageRow(email[n], MON, SONNET, f"r{i}", 400_000, 40_000, cost_known=False)
                 for i, n in enumerate(("ada", "grace", "linus"))]  # fmt: skip
    claude_code = [UsageRow(email["ada"], MON, SONNET, "a", 300_000, 30_000, cost_usd=2.5)]  # inside the report
    litellm = [UsageRow(email["grace"], MON, SONNET, "l", 100_000, 10_000, cost_usd=1.0, event_id="req-1")]  # too
    cursor = [UsageRow(email["margaret"], MON, "cursor-fast", "c", 50_000, 5_000, cost_known=False, event_id="c1")]
    import_rows(engine, "anthropic", anthropic, lookup_email=lookup)
    import_rows(engine, "claude-code", claude_code, lookup_email=lookup)
    import_rows(engine, "litellm", litellm, lookup_email=lookup)
    import_rows(engine, "cursor", cursor, lookup_email=lookup)

    prompts.send_prompts(engine, app.client, team)
    for name in ("ada", "grace", "linus"):
        response = members[name].log_moment(**DONE)
        assert response.status == 200 and not response.body, response.body
    assert digests.post_digest(engine, app.client, team, "2026-W48") is not None
    [post] = [c for c in slack.calls("chat.postMessage") if c.args["channel"] == CHANNEL]
    text = block_texts(post.args["blocks"])

    # tokens: 3 × 440k from the Anthropic report + margaret's 55k on Cursor = 1,375,000 (Claude Code's 330k and
    # LiteLLM's 110k are inside the report); dollars: 3 × list price of 400k in / 40k out of Sonnet, all estimated
    each = estimate(SONNET, 400_000, 40_000)
    assert round(each, 6) == 1.8  # $3 / M in, $15 / M out
    assert "Team usage: 1.4M tokens, ~$5.40 estimated from list prices, cost unknown for 55.0k tokens" in text
    assert "Usage from the Anthropic usage report and Cursor." in text
    assert "Per reported outcome: 458.3k tokens." in text, "no $ per outcome while some cost is unknown"
    assert "Time saved per $100" not in text
