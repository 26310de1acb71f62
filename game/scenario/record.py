"""The battle record: what a battle leaves in the state, under names every later word can read.

Each battle of a scenario owns a block of values, written at nightfall (and readable by a phase's
text variants while the battle is fought, as the record so far):

    battle.<battle>.<field>          the day as a whole (BATTLE_FIELDS)
    battle.<battle>.<unit>.<field>   each of the player's units in it (UNIT_FIELDS)

Conditions, variants, effects and endings read them like any quality or flag, e.g.
`battle.callinicum.struck_right and battle.callinicum.ghassanids.broke == 1` ("the blow fell on the
right, and al-Harith's men were the first to break"). MODDING.md lists them; a test keeps the two
in step.
"""

from __future__ import annotations

from game.scenario.expressions import BOOL, INT

MAX_UNITS = 12  # a battle line holds at most 12 positions, so at most 12 units break in order

# (field, type, lo, hi, meaning)
BATTLE_FIELDS: tuple[tuple[str, str, int, int, str], ...] = (
    ("fought", BOOL, 0, 1, "the battle was fought"),
    ("victory", BOOL, 0, 1, "the enemy was driven from the field"),
    ("held", BOOL, 0, 1, "neither side gave way: the line held until night"),
    ("defeat", BOOL, 0, 1, "the field was lost, but part of the army still stood at nightfall"),
    ("routed", BOOL, 0, 1, "the army was destroyed"),
    ("withdrew", BOOL, 0, 1, "the army fell back from the field in order, at the commander's order, and left it to the enemy"),
    ("struck_left", BOOL, 0, 1, "the enemy's main blow fell on the left end of the line"),
    ("struck_right", BOOL, 0, 1, "the enemy's main blow fell on the right end of the line"),
    ("flank_broke", BOOL, 0, 1, "the flank that was struck gave way"),
    ("shift_seen", BOOL, 0, 1, "the enemy's shift was seen in time to give orders against it"),
    ("commander_with_army", BOOL, 0, 1, "the commander ended the day with the army, mounted"),
    ("commander_stood", BOOL, 0, 1, "the commander dismounted and stood in the last stand, and lived"),
    ("commander_boat", BOOL, 0, 1, "the commander crossed the river by boat"),
    ("commander_killed", BOOL, 0, 1, "the commander was killed"),
    ("commander_captured", BOOL, 0, 1, "the commander was taken alive"),
    ("enemy_commander_fell", BOOL, 0, 1, "the enemy commander fell, or his standard was taken: his army gave way"),
    ("hidden_arrived", BOOL, 0, 1, "a hidden force came down on the enemy"),
    ("broken", INT, 0, MAX_UNITS, "how many of the player's units broke and fled"),
    ("roman_losses", INT, 0, 999, "the player's losses, in hundreds of men (dead, and men of units cut down)"),
    ("enemy_losses", INT, 0, 999, "the enemy's losses, in hundreds of men"),
)

UNIT_FIELDS: tuple[tuple[str, str, int, int, str], ...] = (
    ("broke", INT, 0, MAX_UNITS, "0 if the unit never broke, else its place in the order of breaking (1 = first)"),
    ("fled", BOOL, 0, 1, "the unit broke and fled (its survivors are still with the army, broken)"),
    ("fell", BOOL, 0, 1, "the unit was surrounded and cut down: it is gone from the army"),
    ("stood", BOOL, 0, 1, "the unit was still standing at nightfall, in the line or in the last stand"),
    ("lost", INT, 0, 999, "the unit's losses, in hundreds of men"),
)

OUTCOMES = ("victory", "held", "defeat", "routed", "withdrew")
COMMANDER_FATES = ("with_army", "stood", "boat", "killed", "captured")


def battle_name(battle: str, field: str) -> str:
    return f"battle.{battle}.{field}"


def unit_name(battle: str, unit: str, field: str) -> str:
    return f"battle.{battle}.{unit}.{field}"
