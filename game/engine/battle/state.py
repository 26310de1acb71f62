"""A battle's own state while it is fought, and the names of what it holds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

# status of one of the player's units
IN_LINE, RESERVE, FLED, ENCIRCLED, FELL, STANDING, HIDDEN, ABSENT = range(8)
STATUS_NAMES = ("in line", "in reserve", "fled", "surrounded", "fallen", "in the last stand", "out of sight",
                "not on the field")
MORALE_NAMES = ("broken", "wavering", "shaken", "steady", "eager")
FATIGUE_NAMES = ("fresh", "tired", "spent")
# outcome of the day
# (WITHDREW: the army fell back from the field in order, at the commander's order, and left it to the enemy)
PENDING, VICTORY, HELD, DEFEAT, ROUTED, WITHDREW = range(6)
OUTCOME_NAMES = ("", "victory", "held", "defeat", "routed", "withdrew")
# the commander's fate
WITH_ARMY, STOOD, BOAT, KILLED, CAPTURED = range(5)
# the commander's station: a line position, the rise (-1), or with his own hidden force (-2)
ON_THE_RISE, WITH_HIDDEN = -1, -2


class BattleState(NamedTuple):
    step: int
    line: tuple[int, ...]
    reserve: int
    station: int  # a line position, -1 for the rise, -2 with his own hidden force
    watch: int
    men: tuple[int, ...]
    morale: tuple[int, ...]
    fatigue: tuple[int, ...]
    status: tuple[int, ...]
    emen: tuple[int, ...]
    emorale: tuple[int, ...]
    target: int  # the position the enemy's latest blow falls on, or -1
    seen: int
    support: int
    extra: int
    refused: int
    broke: int
    outcome: int
    commander: int
    lost: int
    elost: int
    stood: int  # 1 when the commander dismounted to stand with the infantry
    order: tuple[int, ...] = ()  # the units that broke and fled, in the order they broke
    start: tuple[int, ...] = ()  # each unit's men once deployed: its losses are counted from here
    repulsed: int = 0  # 1 when the enemy's blow was thrown back: his massed horse is reeling
    struck: int = 0  # the positions the enemy's blows fell on, as bits (1 << position)
    arrived: int = 0  # 1 when a hidden force came down on the enemy
    efell: int = 0  # 1 when the enemy commander fell (or his standard was taken)
    waiting: tuple[int, ...] = ()  # the hidden forces out of sight: indices into the battle's `hidden`


_FIELD_INDEX = {name: i for i, name in enumerate(BattleState._fields)}


def renew(bs: BattleState, **changes: Any) -> BattleState:
    """`bs._replace(**changes)`, several times faster than namedtuple's own (which looks up every
    field's name among the changes): the rules make a new battle state at every turn of a fight,
    and the explorer makes hundreds of thousands."""
    items = list(bs)
    for name, value in changes.items():
        items[_FIELD_INDEX[name]] = value
    return tuple.__new__(BattleState, items)


class Roll(NamedTuple):
    """A step worked out up to its first roll of the dice (`BattleRules.to_roll`): everything the
    rest of the step depends on. Steps that come to equal rolls have the same chances from there."""

    kind: str  # "assault" (of a blow: `bs` is the state the blow leaves) or "crisis"
    p: int  # the phase
    bs: BattleState
    values: tuple[int, ...]
    action: str
    rider: int | None = None  # the unit an order of the crisis names
    lent: tuple[tuple[int, int], ...] = ()  # (unit, men) thinned out to reinforce the flank the blow falls on
    extra: int = 0  # those men together


@dataclass(frozen=True)
class BattleResult:
    battle: BattleState | None  # None when the battle is over
    values: tuple[int, ...]
    text: list[str]


def band(value: int, lo: int, hi: int) -> int:
    return lo if value < lo else hi if value > hi else value
