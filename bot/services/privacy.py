"""``/airetro privacy``: what AI Retro holds about a person, and which team's figures they count in.

What is held is counted exactly as ``/airetro forget-me`` counts what it would delete
(``bot.services.forget.holdings``), so the two never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from bot.digest.figures import floor_of
from bot.services import forget, primary
from storage.privacy import PRIVACY_FLOOR


@dataclass(frozen=True)
class Overview:
    held: forget.Holdings
    standing: primary.Standing

    @property
    def floor(self) -> int:
        """The fewest people any figure of their primary team is computed over (never below the floor)."""
        team = self.standing.primary
        return floor_of(team.min_respondents) if team is not None else PRIVACY_FLOOR


def overview(engine: Engine, who: forget.Identity) -> Overview:
    """What is held about ``who`` and the team they count in."""
    return Overview(held=forget.holdings(engine, who), standing=primary.standing(engine, who.user_id))
