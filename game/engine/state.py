"""The campaign's state and how effects change it: the engine's vocabulary, imported by the
campaign's rules, the battle's and the explorer's alike."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from game.scenario.expressions import Effect

if TYPE_CHECKING:
    from game.engine.battle.state import BattleState


class State(NamedTuple):
    """The scene or ending reached, the scenario's values in its fixed layout, and the battle's own
    state while a battle is fought."""

    node: int
    values: tuple[int, ...]
    battle: BattleState | None = None


def apply_effects(values: Sequence[int], effects: Sequence[Effect]) -> tuple[int, ...]:
    if not effects:
        return tuple(values)
    out = list(values)
    for e in effects:
        e.apply(out)
    return tuple(out)
