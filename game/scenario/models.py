"""The scenario format: pydantic models are its single source of truth.

MODDING.md documents these models, and `callinicum schema` prints the JSON Schema generated from
them. Expressions are kept here as strings; `expressions.py` parses and checks them at load time.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Discriminator, Field, Tag, model_validator

from game.scenario.models_base import Expr, Id, Line, Model, Next, Route, Text, Variant
from game.scenario.traits import ChoiceTraits, UnitTraits

class ScenarioInfo(Model):
    """The scenario's identity and where it starts."""

    id: Id
    title: Line
    version: Line = Field(description="bump when scenes or choices change; saves record it")
    start: Id = Field(description="the id of the first scene")
    subtitle: Line | None = None
    intro: Text | None = Field(None, description="the framing shown on the title screen")
    year: int | None = Field(
        None, ge=1, le=3000, description="the year of the history it follows: choices are marked 'as in <year>'"
    )
    hero: Id | None = Field(
        None, description="the character the player is: the history marks say what he really did"
    )


class Quality(Model):
    """A whole number on a fixed range (supply, discipline...)."""

    id: Id
    label: Line
    description: Line | None = None
    min: int = 0
    max: int = 10
    start: int = 0
    shown: bool = True

    @model_validator(mode="after")
    def _range(self) -> Quality:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        if not self.min <= self.start <= self.max:
            raise ValueError(f"start ({self.start}) is outside {self.min}..{self.max}")
        return self


class Flag(Model):
    """A true/false fact about the playthrough."""

    id: Id
    description: Line | None = None
    start: bool = False


class OddsRead(Model):
    """How a character reads the odds of a gamble, with a bias the player can learn."""

    bias: int = Field(0, ge=-50, le=50, description="percentage points added to the true odds when they speak")
    says: Line = Field(description="their words: {odds} is their reckoning (e.g. '40%') that {outcome} (the first "
                                   "outcome's label) happens; {choice} is the choice's label")


class Character(Model):
    id: Id
    name: Line
    title: Line | None = None
    description: Line | None = None
    reads_odds: OddsRead | None = Field(
        None, description="at a gamble, this character (when counselling in the scene) says how they rate its first outcome"
    )


class Place(Model):
    """A named place on the campaign map; x and y are map cells (x to the east, y to the south)."""

    id: Id
    name: Line
    modern: Line | None = None
    x: int = Field(ge=0, le=200)
    y: int = Field(ge=0, le=100)


class Unit(Model, UnitTraits):
    """An army unit. Men are counted in hundreds."""

    id: Id
    name: Line
    side: Literal["roman", "enemy", "persian"] = "roman"
    kind: Id = Field(description="how it fights: a kind in its battle's `tables.kinds` (by default infantry, "
                                 "cavalry, horse_archers or arab_cavalry)")
    commander: Id | None = None
    men: int = Field(ge=0, le=999, description="in hundreds; 0 means not with the army")
    morale: int = Field(3, ge=0, le=4, description="0 broken, 1 wavering, 2 shaken, 3 steady, 4 eager")
    fatigue: int = Field(0, ge=0, le=2, description="0 fresh, 1 tired, 2 spent")
    experience: Id = Field("regular", description="green, regular or veteran, or another in its battle's tables")
    loyalty: Id | None = Field(None, description="a quality id that measures this unit's loyalty")


class Counsel(Model):
    """An advisor's view on the decision at hand."""

    who: Id
    says: Text
    if_: Expr | None = Field(None, alias="if")


class View(Model):
    """One source's view in a dispute."""

    source: Line
    says: Text


class Dispute(Model):
    """A question on which the sources disagree."""

    question: Line
    views: list[View] = Field(min_length=2)


class History(Model):
    """What happened in 531, who says so, and where the sources disagree."""

    text: Text
    sources: list[Line] = Field(default_factory=list)
    disputes: list[Dispute] = Field(default_factory=list)


class Outcome(Model):
    """One chance outcome of a choice."""

    weight: Expr
    label: Line | None = Field(None, description="a few words naming the outcome, shown with its odds before the choice")
    text: Text | None = None
    effects: list[Expr] = Field(default_factory=list)
    next: Next


class ChronicleEntry(Model):
    """How the Chronicle tells a choice, and how two chroniclers would have told it.

    For a choice marked `historical`, `record` is what the sources record, shown as the record of
    531 beside the choice's sources; for any other choice it is a line no source wrote, shown as
    imagined. A choice may give a list of entries: the first whose `if` holds is told.
    """

    if_: Expr | None = Field(
        None, alias="if",
        description="the entry is told only if this holds on the state after the decision is taken",
    )
    record: Text = Field(description="the record of 531 (historical choice) or the imagined line (any other)")
    procopius: Text | None = None
    malalas: Text | None = None


def _one_or_many(value: object) -> str:
    return "list-of-entries" if isinstance(value, list) else "one-entry"


# One entry or a list of them. The tags let errors speak of the form written (an entry's field, or
# an entry in the list), never of both readings at once.
Chronicles = Annotated[
    Annotated[ChronicleEntry, Tag("one-entry")]
    | Annotated[list[ChronicleEntry], Field(min_length=1), Tag("list-of-entries")],
    Discriminator(_one_or_many),
]


class Choice(Model, ChoiceTraits):
    """A decision open to the player."""

    id: Id
    label: Line
    if_: Expr | None = Field(None, alias="if")
    unavailable: Line | None = Field(None, description="why the choice is closed, shown to the player")
    hidden: bool = Field(False, description="hide the choice (instead of dimming it) when unavailable")
    historical: bool = False
    sources: list[Line] = Field(default_factory=list)
    effects: list[Expr] = Field(default_factory=list)
    text: Text | None = None
    next: Next | None = None
    chance: list[Outcome] | None = Field(None, min_length=2)
    chronicle: Chronicles | None = Field(
        None, description="one entry, or a list of entries with conditions: the first that holds is told",
    )

    @model_validator(mode="after")
    def _one_way_on(self) -> Choice:
        if (self.next is None) == (self.chance is None):
            raise ValueError("a choice needs exactly one of 'next' or 'chance'")
        return self


class Scene(Model):
    """A stage of the campaign: narrative, counsel, history, and the decision to make."""

    id: Id
    title: Line
    stage: Line | None = None
    date: Line
    place: Id
    enemy_at: Id | None = None
    text: Text
    variants: list[Variant] = Field(default_factory=list)
    counsel: list[Counsel] = Field(default_factory=list)
    history: History | None = None
    effects: list[Expr] = Field(
        default_factory=list,
        description="applied as the story enters the scene, before anything is shown or a battle begins",
    )
    choices: list[Choice] = Field(default_factory=list)
    battle: Id | None = None

    @model_validator(mode="after")
    def _choices_or_battle(self) -> Scene:
        if self.battle is None and not self.choices:
            raise ValueError("a scene needs 'choices' (or a 'battle')")
        if self.battle is not None and self.choices:
            raise ValueError("a battle scene takes its orders from the battle; remove 'choices'")
        return self


EndingKind = Literal["victory", "draw", "defeat", "disaster", "peace", "disgrace"]


class Ending(Model):
    id: Id
    title: Line
    kind: EndingKind
    text: Text
    variants: list[Variant] = Field(default_factory=list)
    history: History | None = None
    hint: Line | None = Field(None, description="shown while the ending is still locked")
    after: Text | None = Field(
        None, description="the 'after 531' page: what followed in history, kept apart from the ending's consequences"
    )


# The battle model's data is defined with the battle (battle.py keeps the rules, this the format).
from game.scenario.battle_models import Battle  # noqa: E402

SECTIONS: dict[str, type[Model]] = {
    "qualities": Quality,
    "flags": Flag,
    "characters": Character,
    "places": Place,
    "units": Unit,
    "scenes": Scene,
    "endings": Ending,
    "battles": Battle,
}


class ScenarioFile(Model):
    """One YAML file of a scenario: any of the sections. (For the JSON Schema and editors.)"""

    scenario: ScenarioInfo | None = None
    qualities: list[Quality] = Field(default_factory=list)
    flags: list[Flag] = Field(default_factory=list)
    characters: list[Character] = Field(default_factory=list)
    places: list[Place] = Field(default_factory=list)
    units: list[Unit] = Field(default_factory=list)
    scenes: list[Scene] = Field(default_factory=list)
    endings: list[Ending] = Field(default_factory=list)
    battles: list[Battle] = Field(default_factory=list)


class Scenario(Model):
    """A whole scenario: all its files merged and validated."""

    info: ScenarioInfo
    qualities: list[Quality]
    flags: list[Flag]
    characters: list[Character]
    places: list[Place]
    units: list[Unit]
    scenes: list[Scene]
    endings: list[Ending]
    battles: list[Battle]
    content_hash: str
