"""The battle format: a line of positions between two terrain ends, deployment decisions, phases
with orders, the enemy commander's plan, and the numbers of the resolution tables.

The rules that read this data live in `game/engine/battle.py`; BATTLE.md-style documentation of
what each field does is in MODDING.md ("Battles").
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from game.scenario.models_base import Expr, Id, Line, Model, Next, Text, Variant

Terrain = Literal["river", "rise", "open"]
Action = Literal[
    "hold",
    "advance",
    "watch_rise",
    "send_reserve",
    "reinforce_flank",
    "refuse_flank",
    "pull_back",
    "dismount_stand",
    "take_boat",
    "counter_charge",
    "withdraw",
]
PhaseKind = Literal["archery", "shift", "crisis"]


class DeployOption(Model):
    """One option of a deployment decision. Anything left out keeps the earlier setting."""

    id: Id
    label: Line
    text: Text | None = None
    historical: bool = False
    sources: list[Line] = Field(default_factory=list)
    if_: Expr | None = Field(None, alias="if")
    unavailable: Line | None = None
    line: list[Id] | None = Field(None, description="the Roman line from left to right (unit ids)")
    reserve: Id | Literal["none"] | None = Field(None, description="a unit held out of the line")
    station: int | Literal["rise"] | None = Field(
        None, description="where the commander stands: a line position (1 = left) or 'rise'"
    )
    watch: bool | None = Field(None, description="riders posted to watch beyond the rise")
    detach: dict[Id, int] = Field(
        default_factory=dict,
        description="form the reserve from these units: unit id -> percent of its men (1-100)",
    )
    effects: list[Expr] = Field(default_factory=list)


class DeployDecision(Model):
    """A deployment decision, asked before the fighting begins."""

    id: Id
    title: Line
    text: Text
    options: list[DeployOption] = Field(min_length=1)


class Order(Model):
    """An order the player can give in a phase; `action` names the rule it invokes."""

    id: Id
    label: Line
    action: Action
    text: Text | None = None
    historical: bool = False
    sources: list[Line] = Field(default_factory=list)
    if_: Expr | None = Field(None, alias="if")
    unavailable: Line | None = None
    effects: list[Expr] = Field(default_factory=list)


class Phase(Model):
    id: Id
    kind: PhaseKind
    title: Line
    time: Line = Field(description="time of day, shown on the battle screen")
    text: Text
    holding_text: Text | None = Field(
        None, description="shown instead of `text` while the Roman line is still unbroken"
    )
    variants: list[Variant] = Field(
        default_factory=list,
        description="extra text shown when its condition holds; conditions may read the battle record so far",
    )
    orders: list[Order] = Field(min_length=1)


class Setup(Model):
    """A modifier applied when the battle begins, from the campaign's state."""

    if_: Expr = Field(alias="if")
    units: Literal["roman", "enemy", "all"] | list[Id] = "roman"
    morale: int = Field(0, ge=-4, le=4)
    fatigue: int = Field(0, ge=-2, le=2)
    men: int = Field(0, ge=-100, le=100)
    reveal: bool = Field(False, description="the enemy's hidden shift will be seen (good intelligence)")
    phase: Id | None = Field(None, description="apply at the end of this phase instead of at the start")
    text: Line | None = None


class Brought(Model):
    """Something the campaign brought to the field, shown when the battle begins with where it came from."""

    if_: Expr = Field(alias="if")
    text: Line = Field(description="what it means on the day, e.g. 'The grain boats lie at the bank.'")
    from_: Line = Field(alias="from", description="the decision it came from, e.g. 'the boats sent for at the landing'")


class EnemyPlan(Model):
    """How the enemy commander fights: what Azarethes did at Callinicum, as data."""

    pin_with_archery: bool = True
    mass_against: Literal["weakest_flank", "left", "right"] = "weakest_flank"
    shift_share: int = Field(30, ge=0, le=90, description="percent of each other unit's men moved")
    hidden_unless: list[Literal["watch_rise", "commander_on_rise"]] = Field(
        default_factory=lambda: ["watch_rise", "commander_on_rise"]
    )


class Tables(Model):
    """The numbers of the resolution rules. Each row is indexed by a net score; see MODDING.md."""

    after_repulse: int = Field(
        2, ge=0, le=6,
        description="added to a counter-charge's score when the enemy's blow was thrown back",
    )
    met_in_time: int = Field(
        1, ge=0, le=4,
        description="added to the defence when the blow was seen and the reserve sent to meet it",
    )

    assault: list[list[int]] = Field(
        default_factory=lambda: [
            [0, 10, 90], [0, 20, 80], [5, 25, 70], [10, 30, 60], [15, 40, 45],
            [25, 45, 30], [35, 45, 20], [50, 40, 10], [65, 30, 5],
        ],
        description="net -4..+4 -> weights of (repulsed, holds, breaks)",
        min_length=9, max_length=9,
    )
    panic: list[int] = Field(
        default_factory=lambda: [85, 80, 65, 50, 35, 20, 10, 5],
        description="score -3..+4 -> percent chance that a flanked neighbour breaks",
        min_length=8, max_length=8,
    )
    stand: list[int] = Field(
        default_factory=lambda: [15, 30, 45, 60, 75, 85, 90],
        description="score <=0..>=6 -> percent chance that a last stand holds until night",
        min_length=7, max_length=7,
    )
    charge: list[int] = Field(
        default_factory=lambda: [5, 10, 20, 35, 50, 65, 80],
        description="score <=0..>=6 -> percent chance that a counter-charge succeeds",
        min_length=7, max_length=7,
    )


class Results(Model):
    """Which scenario flags and qualities receive the battle's result."""

    victory: Id | None = None
    held: Id | None = None
    defeat: Id | None = None
    routed: Id | None = None
    fought: Id | None = None
    flank_broke: Id | None = None
    shift_seen: Id | None = None
    stood: Id | None = None
    boat: Id | None = None
    commander_killed: Id | None = None
    commander_captured: Id | None = None
    roman_losses: Id | None = None
    enemy_losses: Id | None = None
    unit_broke: dict[Id, Id] = Field(default_factory=dict, description="unit id -> flag id")
    commander_fell: dict[Id, Id] = Field(default_factory=dict, description="unit id -> flag id")


class Battle(Model):
    id: Id
    title: Line
    terrain_left: Terrain
    terrain_right: Terrain
    line: list[Id] = Field(min_length=2, max_length=12, description="default Roman line, left to right")
    enemy_line: list[Id] = Field(min_length=2, max_length=12)
    commander: Id
    enemy_commander: Id
    plan: EnemyPlan = Field(default_factory=EnemyPlan)
    discipline: Id | None = Field(None, description="a quality (0..10) that decides whether a withdrawal keeps order")
    refuge: Line | None = Field(None, description="where the commander's boat goes (e.g. 'Callinicum')")
    retreat: Line | None = Field(None, description="where a withdrawal falls back to (e.g. 'Sura')")
    setup: list[Setup] = Field(default_factory=list)
    brought: list[Brought] = Field(
        default_factory=list,
        description="what the campaign brought to the field: shown on the battle screen and in the log, with its source",
    )
    deployment: list[DeployDecision] = Field(default_factory=list)
    phases: list[Phase] = Field(min_length=1)
    tables: Tables = Field(default_factory=Tables)
    results: Results = Field(default_factory=Results)
    after: Next

    @model_validator(mode="after")
    def _lines(self) -> Battle:
        if len(self.line) != len(self.enemy_line):
            raise ValueError(
                f"the Roman line has {len(self.line)} positions and the enemy line "
                f"{len(self.enemy_line)}; they must face each other one to one"
            )
        if len(set(self.line)) != len(self.line):
            raise ValueError("a unit stands twice in 'line'")
        return self
