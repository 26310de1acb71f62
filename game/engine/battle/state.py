"""A battle's own state while it is fought, and the names of what it holds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, NamedTuple

# (each name a number, Final: the compiled rules read them as constants, not from the module's names)
# status of one of the player's units
IN_LINE: Final = 0
RESERVE: Final = 1
FLED: Final = 2
ENCIRCLED: Final = 3
FELL: Final = 4
STANDING: Final = 5
HIDDEN: Final = 6
ABSENT: Final = 7
STATUS_NAMES = ("in line", "in reserve", "fled", "surrounded", "fallen", "in the last stand", "out of sight",
                "not on the field")
MORALE_NAMES = ("broken", "wavering", "shaken", "steady", "eager")
FATIGUE_NAMES = ("fresh", "tired", "spent")
# outcome of the day
# (WITHDREW: the army fell back from the field in order, at the commander's order, and left it to the enemy)
PENDING: Final = 0
VICTORY: Final = 1
HELD: Final = 2
DEFEAT: Final = 3
ROUTED: Final = 4
WITHDREW: Final = 5
OUTCOME_NAMES = ("", "victory", "held", "defeat", "routed", "withdrew")
# the commander's fate
WITH_ARMY: Final = 0
STOOD: Final = 1
BOAT: Final = 2
KILLED: Final = 3
CAPTURED: Final = 4
# the commander's station: a line position, the rise (-1), or with his own hidden force (-2)
ON_THE_RISE: Final = -1
WITH_HIDDEN: Final = -2


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


# for `renew`, Final: compiled, it reads them as constants, not from the module's names
_SAME: Final = object()  # a field that `renew` is not given: kept as it is
_NEW: Final = tuple.__new__
_STATE: Final = BattleState


def renew(bs: BattleState, *, step: Any = _SAME, line: Any = _SAME, reserve: Any = _SAME,
          station: Any = _SAME, watch: Any = _SAME, men: Any = _SAME, morale: Any = _SAME,
          fatigue: Any = _SAME, status: Any = _SAME, emen: Any = _SAME, emorale: Any = _SAME,
          target: Any = _SAME, seen: Any = _SAME, support: Any = _SAME, extra: Any = _SAME,
          refused: Any = _SAME, broke: Any = _SAME, outcome: Any = _SAME, commander: Any = _SAME,
          lost: Any = _SAME, elost: Any = _SAME, stood: Any = _SAME, order: Any = _SAME,
          start: Any = _SAME, repulsed: Any = _SAME, struck: Any = _SAME, arrived: Any = _SAME,
          efell: Any = _SAME, waiting: Any = _SAME) -> BattleState:
    """`bs._replace(...)` for the fields given, several times faster than namedtuple's own (which
    looks up every field's name among the changes) and than a loop over them: the rules make a
    new battle state at every turn of a fight, and the explorer makes millions. Compiled, a call
    names its fields without a dict of them, and the new state is made in one go."""
    return _NEW(_STATE, (
        bs[0] if step is _SAME else step, bs[1] if line is _SAME else line,
        bs[2] if reserve is _SAME else reserve, bs[3] if station is _SAME else station,
        bs[4] if watch is _SAME else watch, bs[5] if men is _SAME else men,
        bs[6] if morale is _SAME else morale, bs[7] if fatigue is _SAME else fatigue,
        bs[8] if status is _SAME else status, bs[9] if emen is _SAME else emen,
        bs[10] if emorale is _SAME else emorale, bs[11] if target is _SAME else target,
        bs[12] if seen is _SAME else seen, bs[13] if support is _SAME else support,
        bs[14] if extra is _SAME else extra, bs[15] if refused is _SAME else refused,
        bs[16] if broke is _SAME else broke, bs[17] if outcome is _SAME else outcome,
        bs[18] if commander is _SAME else commander, bs[19] if lost is _SAME else lost,
        bs[20] if elost is _SAME else elost, bs[21] if stood is _SAME else stood,
        bs[22] if order is _SAME else order, bs[23] if start is _SAME else start,
        bs[24] if repulsed is _SAME else repulsed, bs[25] if struck is _SAME else struck,
        bs[26] if arrived is _SAME else arrived, bs[27] if efell is _SAME else efell,
        bs[28] if waiting is _SAME else waiting,
    ))


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
