"""The services tests run on a known clock that keeps ticking (so signed requests stay valid).

A team-week's figures are published once, when it closes (its digest is posted, or its digest time
passes), and nothing of an open week is shown: what a test sees depends on the time. The clock starts
on a Wednesday afternoon, while Payments' week (prompt Monday 10:00, digest Friday 16:00, Berlin) is
open; a test that needs earlier weeks overrides ``clock_start`` and moves the clock on week by week.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from freezegun import freeze_time

WEDNESDAY = "2026-11-25T12:00:00Z"  # 2026-W48, 13:00 in Berlin: the week closes on Friday 27 Nov at 16:00


@pytest.fixture
def clock_start() -> str:
    return WEDNESDAY


@pytest.fixture(autouse=True)
def clock(clock_start: str) -> Iterator:
    """The frozen, ticking clock; ``clock.move_to(when)`` jumps (forward only, as time does)."""
    with freeze_time(clock_start, tick=True) as frozen:
        yield frozen
