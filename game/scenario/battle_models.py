"""The battle format: a line of positions between two terrain ends, deployment decisions, phases
with orders, the enemy commander's plan, and the numbers of the resolution tables.

The rules that read this data live in the `game/engine/battle` package; what each field does is
in MODDING.md ("Battles"). Every number the rules use is here, in `Tables`, with its default, and
every line of the battle log is a template in `LOG_LINES` that a battle's `log` may replace.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from game.scenario.battle_log import template_problem
from game.scenario.models_base import Expr, Id, Line, Model, Next, Text, Variant
from game.scenario.traits import BattleTraits

Terrain = Literal["river", "rise", "hill", "wall", "open"]
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
    "strike_at_commander",
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
    unit: Id | None = Field(
        None, description="strike_at_commander: the unit that rides (else the strongest mounted unit left)"
    )


class EnemyPlan(Model):
    """How the enemy commander shifts his weight: what Azarethes did at Callinicum, as data. A
    battle's `plan` is used by every shift phase that has no `plan` of its own."""

    pin_with_archery: bool = True
    mass_against: Literal["weakest_flank", "weakest", "left", "right"] | Annotated[int, Field(ge=1, le=12)] = Field(
        "weakest_flank",
        description="the end of the line he judges weakest, the weakest unit anywhere in the line, a fixed end, "
                    "or a line position (1 = left)",
    )
    shift_share: int = Field(30, ge=0, le=90, description="percent of each other unit's men moved")
    hidden_unless: list[Literal["watch_rise", "commander_on_rise"]] = Field(
        default_factory=lambda: ["watch_rise", "commander_on_rise"]
    )


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
    plan: EnemyPlan | None = Field(None, description="a shift phase's own plan (else the battle's `plan`)")

    @model_validator(mode="after")
    def _plan_on_a_shift(self) -> Phase:
        if self.plan is not None and self.kind != "shift":
            raise ValueError(f"only a 'shift' phase has a plan of its own; this one is '{self.kind}'")
        return self


class HiddenForce(Model):
    """A unit of the player's kept out of sight (behind a rise or a hill) that comes down on the
    enemy at the start of a phase: it strikes the enemy at its position and shakes his whole line."""

    unit: Id = Field(description="a unit of the player's in this battle, kept out of the line")
    at: int = Field(ge=1, le=12, description="the line position (1 = left) it comes down on")
    arrives: Id = Field(description="the phase at whose start it comes down")
    if_: Expr | None = Field(None, alias="if", description="when it is there at all (e.g. a deployment's flag)")
    surprise: int = Field(1, ge=0, le=4, description="how far the enemy's resolve falls all along his line")
    strike: int = Field(20, ge=0, le=90, description="percent of the enemy's men at that position it cuts down")
    text: Line | None = Field(None, description="a line of the log when it comes down (else `log.hidden_arrives`)")


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


class Kind(Model):
    """How a kind of unit fights: what the rules read of it."""

    weight: int = Field(ge=1, le=9, description="how strong the enemy commander judges it, man for man")
    armour: int = Field(ge=0, le=9, description="hundreds of men fewer it loses to each volley")
    pierce: int = Field(ge=0, le=9, description="hundreds of enemy it kills with each volley")
    mounted: bool = Field(description="it can ride: reinforce a flank, counter-charge, strike at the commander")
    shield_wall: int = Field(0, ge=0, le=3, description="added to its defence when it is assaulted")


def _kinds() -> dict[str, Kind]:
    return {
        "infantry": Kind(weight=3, armour=1, pierce=1, mounted=False, shield_wall=1),
        "cavalry": Kind(weight=3, armour=1, pierce=2, mounted=True),
        "horse_archers": Kind(weight=2, armour=1, pierce=2, mounted=True),
        "arab_cavalry": Kind(weight=2, armour=0, pierce=1, mounted=True),
    }


class Tables(Model):
    """The numbers of the resolution rules. Each row is indexed by a net score; see MODDING.md."""

    kinds: dict[str, Kind] = Field(default_factory=_kinds, description="unit kind -> how it fights")
    experience: dict[str, int] = Field(
        default_factory=lambda: {"green": -1, "regular": 0, "veteran": 1},
        description="experience -> added to a unit's defence",
    )
    experience_weight: dict[str, int] = Field(
        default_factory=lambda: {"green": 2, "regular": 3, "veteran": 4},
        description="experience -> how strong the enemy commander judges a unit, man for man",
    )
    terrain: dict[str, int] = Field(
        default_factory=lambda: {"river": 2, "rise": 1, "hill": 1, "wall": 3, "open": 0},
        description="terrain -> added to the defence of the unit standing on it",
    )
    loyalty_cuts: list[int] = Field(
        default_factory=lambda: [3, 5, 8], min_length=3, max_length=3,
        description="an ally's loyalty below the first: -2 to its defence, below the second -1 (and it "
                    "looks weaker, and will not stand with the foot), from the third +1",
    )
    discipline_cuts: list[int] = Field(
        default_factory=lambda: [3, 5, 7], min_length=1, max_length=6,
        description="the bands of the battle's `discipline` quality that the withdrawal reads",
    )
    withdraw_order: list[int] = Field(
        default_factory=lambda: [30, 50, 65, 80], min_length=2, max_length=7,
        description="percent chance that a withdrawal keeps its order, per discipline band (one more than the cuts)",
    )
    withdraw_broken: int = Field(25, ge=0, le=90, description="taken from that chance when a flank has broken")
    assault_ratios: list[int] = Field(
        default_factory=lambda: [250, 175, 125, 80, 55], min_length=5, max_length=5,
        description="attackers per 100 defenders at which the attack scores +3, +2, +1, 0, -1 (below: -2)",
    )
    charge_ratios: list[int] = Field(
        default_factory=lambda: [200, 125, 80, 50], min_length=4, max_length=4,
        description="riders per 100 enemy at which a counter-charge scores +2, +1, 0, -1 (below: -2)",
    )
    stand_block: list[int] = Field(
        default_factory=lambda: [20, 40], min_length=2, max_length=2,
        description="hundreds of men in a last stand below which it scores -1, and from which +1",
    )
    fate: list[int] = Field(
        default_factory=lambda: [1, 1, 2], min_length=3, max_length=3,
        description="weights of the commander's fate when his last stand or charge is overrun: killed, taken, escapes",
    )

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
    charge_breaks: list[int] = Field(
        default_factory=lambda: [0, 0, 0, 0, 0, 0, 0],
        description="score <=0..>=6 -> percent chance that a counter-charge which succeeds after a flank "
                    "broke also breaks the attacker, for a victory (else the field is only held)",
        min_length=7, max_length=7,
    )
    strike: list[int] = Field(
        default_factory=lambda: [5, 10, 15, 25, 35, 45, 55],
        description="score <=0..>=6 -> percent chance that a charge at the enemy commander reaches him "
                    "(he falls, or his standard is taken, and his army gives way)",
        min_length=7, max_length=7,
    )

    @model_validator(mode="after")
    def _percents(self) -> Tables:
        for key in ("panic", "stand", "charge", "charge_breaks", "strike", "withdraw_order"):
            if any(not 0 <= v <= 100 for v in getattr(self, key)):
                raise ValueError(f"'{key}' holds percents: every value must be from 0 to 100")
        if any(v < 0 for row in self.assault for v in row) or any(len(row) != 3 for row in self.assault):
            raise ValueError("'assault' rows are three weights (thrown back, held, broken), none below 0")
        return self

    @model_validator(mode="after")
    def _bands(self) -> Tables:
        if len(self.withdraw_order) != len(self.discipline_cuts) + 1:
            raise ValueError(f"'withdraw_order' needs one chance per discipline band: {len(self.discipline_cuts) + 1}, "
                             f"one more than 'discipline_cuts'")
        for key in ("loyalty_cuts", "discipline_cuts", "stand_block"):
            cuts = getattr(self, key)
            if cuts != sorted(cuts):
                raise ValueError(f"'{key}' must rise from first to last")
        for key in ("assault_ratios", "charge_ratios"):
            cuts = getattr(self, key)
            if cuts != sorted(cuts, reverse=True):
                raise ValueError(f"'{key}' must fall from first to last")
        return self


class Results(Model):
    """Which scenario flags and qualities receive the battle's result."""

    victory: Id | None = None
    held: Id | None = None
    defeat: Id | None = None
    routed: Id | None = None
    withdrew: Id | None = None
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


class Battle(Model, BattleTraits):
    id: Id
    title: Line
    terrain_left: Terrain = Field("open", description="the ground at the left end of the line")
    terrain_right: Terrain = Field("open", description="the ground at the right end of the line")
    terrain: list[Terrain] | None = Field(
        None, description="the ground at every position of the line, left to right (instead of the two ends)"
    )
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
    hidden: list[HiddenForce] = Field(
        default_factory=list, description="units kept out of sight that come down on the enemy at a phase"
    )
    tables: Tables = Field(default_factory=Tables)
    log: dict[str, Line] = Field(
        default_factory=dict,
        description="the battle log's own lines: key -> template (MODDING.md, 'The battle log'); the rest keep "
                    "their defaults",
    )
    results: Results = Field(default_factory=Results)
    after: Next

    @field_validator("log")
    @classmethod
    def _log(cls, log: dict[str, str]) -> dict[str, str]:
        for key, text in log.items():
            problem = template_problem(key, text)
            if problem:
                raise ValueError(problem)
        return log

    @model_validator(mode="after")
    def _lines(self) -> Battle:
        if len(self.line) != len(self.enemy_line):
            raise ValueError(
                f"the Roman line has {len(self.line)} positions and the enemy line "
                f"{len(self.enemy_line)}; they must face each other one to one"
            )
        if len(set(self.line)) != len(self.line):
            raise ValueError("a unit stands twice in 'line'")
        if self.terrain is not None:
            if len(self.terrain) != len(self.line):
                raise ValueError(f"'terrain' names {len(self.terrain)} positions but the line has {len(self.line)}")
            for key, end in (("terrain_left", self.terrain[0]), ("terrain_right", self.terrain[-1])):
                if key in self.model_fields_set and getattr(self, key) != end:
                    raise ValueError(f"'{key}' says {getattr(self, key)} but 'terrain' says {end}: give one of them")
        kinds = [p.kind for p in self.phases]
        if "crisis" in kinds[:-1]:
            raise ValueError("the 'crisis' phase decides the day: it must be the last phase, and the only crisis")
        return self
