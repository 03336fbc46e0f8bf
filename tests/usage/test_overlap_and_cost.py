"""Usage that several sources see is counted once, and dollars are reported, estimated or unknown,
never $0.00 for unknown: checked in the token summaries the digest adds up and in the digest's words."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from bot.digest.sections import cost_text
from bot.services.usage_import import import_rows
from bot.usage.prices import estimate
from bot.usage.rows import UsageRow
from storage.models import TokenSummary

ADA = "ada@example.com"
MON = date(2026, 11, 16)  # 2026-W47
SONNET = "claude-sonnet-4-5"


def _summary(engine) -> TokenSummary:
    with Session(engine) as session:
        return session.exec(select(TokenSummary).where(TokenSummary.week == "2026-W47")).one()


def _emails(users):
    return {u.email: u.id for u in users}.get


def test_claude_code_inside_the_anthropic_report_is_counted_once(engine, users):
    # the Anthropic usage report (no dollars: estimated) and Claude Code analytics of the same person-day
    report = UsageRow(ADA, MON, SONNET, "data[0]", 1_500_000, 99_370, cost_known=False)
    analytics = UsageRow(ADA, MON, SONNET, "data[0]", 900_000, 104_520, cost_usd=4.27)
    import_rows(engine, "anthropic", [report], lookup_email=_emails(users))
    import_rows(engine, "claude-code", [analytics], lookup_email=_emails(users))
    summary = _summary(engine)
    assert summary.tokens == 1_599_370, "not 1,599,370 + 1,004,520: Claude Code's tokens are inside the report"
    assert summary.sources == "anthropic"
    assert summary.cost_usd == pytest.approx(estimate(SONNET, 1_500_000, 99_370))
    assert summary.estimated_cost_usd == pytest.approx(summary.cost_usd)


def test_claude_code_counts_where_the_report_has_nothing_for_that_person_day(engine, users):
    import_rows(engine, "anthropic", [UsageRow(ADA, MON, SONNET, "d", 1_000, 100, cost_known=False)],
                lookup_email=_emails(users))  # fmt: skip
    tuesday = date(2026, 11, 17)  # e.g. Claude Code on Bedrock: no Anthropic report row that day
    import_rows(engine, "claude-code", [UsageRow(ADA, tuesday, SONNET, "d", 5_000, 500, cost_usd=0.1)],
                lookup_email=_emails(users))  # fmt: skip
    summary = _summary(engine)
    assert summary.tokens == 1_100 + 5_500 and summary.sources == "anthropic,claude-code"


@pytest.mark.parametrize(("proxies", "tokens"), [("anthropic", 10_000), ("", 10_000 + 8_000)])
def test_a_litellm_proxy_in_front_of_anthropic_is_counted_once_when_the_operator_says_so(
    engine, users, monkeypatch, proxies, tokens
):
    monkeypatch.setenv("LITELLM_PROXIES", proxies)
    logs = [UsageRow(ADA, MON, SONNET, f"[{i}]", 3_000, 1_000, cost_usd=0.02, requests=1, event_id=f"r{i}")
            for i in range(2)]  # fmt: skip
    import_rows(engine, "litellm", logs, lookup_email=_emails(users))
    import_rows(engine, "anthropic", [UsageRow(ADA, MON, SONNET, "d", 9_000, 1_000, cost_known=False)],
                lookup_email=_emails(users))  # fmt: skip
    assert _summary(engine).tokens == tokens


def test_a_model_without_list_prices_is_cost_unknown_never_zero(engine, users):
    row = UsageRow(ADA, MON, "in-house-model-7", "d", 700_000, 500_000, cost_known=False)
    import_rows(engine, "openai", [row], lookup_email=_emails(users))
    summary = _summary(engine)
    assert (summary.tokens, summary.cost_usd, summary.unknown_cost_tokens) == (1_200_000, 0.0, 1_200_000)
    assert cost_text(summary.cost_usd, summary.estimated_cost_usd, summary.unknown_cost_tokens) == "cost unknown"


def test_the_cost_wording_says_what_is_known():
    assert cost_text(35.15, 0.0, 0) == "$35.15"
    assert cost_text(31.0, 31.0, 0) == "~$31.00 estimated from list prices"
    assert cost_text(35.15, 31.0, 0) == "$35.15 (~$31.00 of it estimated from list prices)"
    assert cost_text(35.15, 0.0, 1_200_000) == "$35.15, cost unknown for 1.2M tokens"
    assert "$0.00" not in cost_text(0.0, 0.0, 5)
