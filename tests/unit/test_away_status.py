"""Which Slack statuses mean a member is away when the prompt goes out."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.services.away import status_means_away

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def profile(text: str = "", emoji: str = "", expiration: int = 0) -> dict:
    return {"status_text": text, "status_emoji": emoji, "status_expiration": expiration}


@pytest.mark.parametrize(
    ("text", "emoji"),
    [
        ("Vacationing", ":palm_tree:"),  # Slack's own suggestion
        ("Out sick", ":face_with_thermometer:"),  # Slack's own suggestion
        ("", ":palm_tree:"),  # the emoji alone
        ("OOO until Thursday", ""),
        ("Out of office", ""),
        ("On parental leave", ":baby_bottle:"),
        ("PTO", ":sunny:"),
        ("Day off", ""),
        ("Im Urlaub", ""),
        ("En congé", ""),
    ],
)
def test_statuses_people_use_for_time_off_mean_away(text, emoji):
    assert status_means_away(profile(text, emoji), NOW)


@pytest.mark.parametrize(
    ("text", "emoji"),
    [
        ("", ""),
        ("In a meeting", ":spiral_calendar_pad:"),
        ("Working remotely", ":house_with_garden:"),
        ("Commuting", ":bus:"),
        ("Happy holidays!", ":christmas_tree:"),
        ("Back from vacation, catching up", ""),
        ("Focusing", ":headphones:"),
    ],
)
def test_other_statuses_do_not(text, emoji):
    assert not status_means_away(profile(text, emoji), NOW)


def test_an_expired_status_means_nothing_and_a_running_one_counts():
    expires = int(NOW.timestamp())
    assert not status_means_away(profile("Out sick", ":face_with_thermometer:", expires), NOW)
    assert not status_means_away(profile("Out sick", ":face_with_thermometer:", expires - 3600), NOW)
    assert status_means_away(profile("Out sick", ":face_with_thermometer:", expires + 60), NOW)
    assert status_means_away(profile("Out sick", ":face_with_thermometer:", 0), NOW)  # 0: no expiration
