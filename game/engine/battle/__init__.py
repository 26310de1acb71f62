"""The tactical battle model: explainable, seeded, and exactly explorable.

One line of positions from the player's left to the right, with terrain at every position (a
river, a rise, a hill, a town wall, open ground). Deployment decisions set the line, a reserve,
where the commander stands and whether anyone watches the rise; a hidden force may wait out of
sight. Then the phases, each with the player's order:

- archery: both lines lose men, by the kinds' armour and pierce;
- shift (one or more): the enemy commander thins his other units to mass against the weakest
  flank (or the weakest unit, or a fixed end). Unless the shift is seen, the blow falls unseen.
  Then the assault there (repulsed, holds or breaks) and, after a break, panic tests that roll
  the line up from that end;
- crisis: the last order of the day (a last stand, the boat, a counter-charge, a charge at the
  enemy commander, withdraw or hold), resolved at nightfall into victory, a held field, defeat or rout.

Every chance event is one `dice.pick`, with a handful of outcomes and weights from small integer
scores; every roll is explained in the log with its odds. Every number is in the battle's
`tables`, every sentence in its `log` (game/scenario/battle_models.py, battle_log.py), so a
modder can set up another battle on the same rules. The explorer, which never reads the log,
passes None for it, and nothing is formatted then.

    rules.py   the decisions, the steps, nightfall and the record
    fight.py   archery, shifts, the assault, panic, hidden forces
    crisis.py  the last order of the day
    view.py    what the battle screen shows
    state.py   the battle state and its names, and a step up to its first roll (`Roll`)
    log.py     filling the log's templates
"""

from game.engine.battle.rules import BattleRules
from game.engine.battle.state import (
    ABSENT,
    DEFEAT,
    ENCIRCLED,
    FATIGUE_NAMES,
    FELL,
    FLED,
    HELD,
    HIDDEN,
    IN_LINE,
    MORALE_NAMES,
    OUTCOME_NAMES,
    RESERVE,
    ROUTED,
    STANDING,
    STATUS_NAMES,
    VICTORY,
    WITHDREW,
    BattleResult,
    BattleState,
    Roll,
)
from game.engine.battle.view import BattleView, PositionView

__all__ = [
    "ABSENT", "DEFEAT", "ENCIRCLED", "FATIGUE_NAMES", "FELL", "FLED", "HELD", "HIDDEN", "IN_LINE", "MORALE_NAMES",
    "OUTCOME_NAMES", "RESERVE", "ROUTED", "STANDING", "STATUS_NAMES", "VICTORY", "WITHDREW", "BattleResult",
    "BattleRules", "BattleState", "BattleView", "PositionView", "Roll",
]
