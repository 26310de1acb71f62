"""What an interface shows of the engine's states: the decisions open (or visibly closed), the
qualities, the army, the counsel, and the whole view of a scene, an ending or a battle. Plain
data: the engine fills it, the interfaces read it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from game.engine.battle.view import BattleView


@dataclass(frozen=True)
class Option:
    """A decision open (or visibly closed) to the player."""

    id: str
    label: str
    available: bool = True
    reason: str | None = None
    historical: bool = False
    sources: tuple[str, ...] = ()
    group: str | None = None  # e.g. the deployment question this option answers
    # a gamble: each outcome that can happen, its label and percent (1..99) from this state
    chance: tuple[tuple[str | None, int], ...] = ()

    @property
    def gamble(self) -> str | None:
        """The odds of a chance choice in words, e.g. 'A gamble: the army obeys 47% · uproar 53%'."""
        if not self.chance:
            return None
        return "A gamble: " + " · ".join(f"{label} {pct}%" if label else f"{pct}%" for label, pct in self.chance)


@dataclass(frozen=True)
class QualityView:
    id: str
    label: str
    value: int
    min: int
    max: int
    description: str | None
    thresholds: tuple[int, ...] = ()  # values at which something in the decision at hand changes


@dataclass(frozen=True)
class UnitView:
    id: str
    name: str
    kind: str
    commander: str | None
    men: int
    morale: int
    fatigue: int
    experience: str


@dataclass(frozen=True)
class CounselView:
    who: str
    name: str
    title: str | None
    says: str


@dataclass(frozen=True)
class View:
    """Everything an interface shows of a state."""

    node_id: str
    title: str
    stage: str | None
    date: str | None
    place: str | None
    place_name: str | None
    enemy_at: str | None
    text: str
    counsel: tuple[CounselView, ...]
    options: tuple[Option, ...]
    qualities: tuple[QualityView, ...]
    army: tuple[UnitView, ...]
    history: object | None
    ending: str | None = None
    ending_kind: str | None = None
    battle: BattleView | None = None
    prompt: str | None = None
    after: str | None = None  # an ending's "after" page: what followed, in history
