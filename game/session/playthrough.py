"""A playthrough: a scenario, a seed and the decisions taken. Everything else is derived.

The interface and the tests drive the game through this class only: `view`, `choose`, `undo`.
Each decision also notes what the dice gave at that step (`Decision.chance`): two playthroughs
with the same decisions but other draws lived different pasts, and the branch tree keeps them apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from game.engine.campaign import Campaign, EngineError, Option, State, View
from game.engine.dice import Dice, SeededDice
from game.scenario.compiled import CompiledScenario
from game.session.history_words import HistoryWords


@dataclass(frozen=True)
class Decision:
    """One decision as the transcript and the Chronicle tell it."""

    step: int
    node_id: str
    scene_title: str
    date: str | None
    option_id: str
    label: str
    historical: bool
    historical_label: str | None  # what the real commander did here, when this was not it
    text: tuple[str, ...]
    in_battle: bool
    chance: tuple[int, ...] = ()  # the outcome of every draw of the dice at this step, in order
    words: HistoryWords = field(default=HistoryWords("history", "the real commander"), compare=False, repr=False)


class NotedDice:
    """Dice that note each outcome they give, so that a step's chance can be recorded and compared."""

    __slots__ = ("dice", "picks")

    def __init__(self, dice: Dice):
        self.dice = dice
        self.picks: list[int] = []

    def pick(self, weights: Sequence[int]) -> int:
        outcome = self.dice.pick(weights)
        self.picks.append(outcome)
        return outcome


@dataclass
class Playthrough:
    campaign: Campaign
    seed: int
    decisions: list[str] = field(default_factory=list)
    states: list[State] = field(default_factory=list)
    record: list[Decision] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.words = HistoryWords.of(self.campaign.scenario)  # how the game speaks of this history
        if not self.states:
            self.states = [self.campaign.start()]
        pending, self.decisions = list(self.decisions), []
        for option_id in pending:
            self.choose(option_id)

    @classmethod
    def new(cls, scenario: CompiledScenario, seed: int, decisions: list[str] | None = None) -> Playthrough:
        return cls(Campaign(scenario), seed, list(decisions or []))

    @property
    def scenario(self) -> CompiledScenario:
        return self.campaign.scenario

    @property
    def state(self) -> State:
        return self.states[-1]

    @property
    def ending(self) -> str | None:
        return self.campaign.ending(self.state)

    def view(self) -> View:
        return self.campaign.view(self.state)

    def options(self) -> list[Option]:
        return self.campaign.options(self.state)

    def choose(self, option_id: str) -> Decision:
        """Take a decision. Raises EngineError (and changes nothing) if it is not open."""
        state = self.state
        options = {o.id: o for o in self.campaign.options(state)}
        if option_id not in options:
            if self.ending:
                raise EngineError("the campaign is over; there are no more decisions")
            raise EngineError(f"there is no decision '{option_id}' here")
        step_no = len(self.decisions)
        dice = NotedDice(SeededDice(self.seed, step_no))
        result = self.campaign.step(state, option_id, dice)
        view = self.campaign.view(state)
        historical = next((o for o in options.values() if o.historical), None)
        decision = Decision(
            step=step_no, node_id=view.node_id, scene_title=view.title, date=view.date,
            option_id=option_id, label=options[option_id].label, historical=options[option_id].historical,
            historical_label=historical.label if historical and historical.id != option_id else None,
            text=tuple(t.rstrip() for t in result.text), in_battle=state.battle is not None,
            chance=tuple(dice.picks), words=self.words,
        )
        self.decisions.append(option_id)
        self.states.append(result.state)
        self.record.append(decision)
        return decision

    @property
    def chance(self) -> list[tuple[int, ...]]:
        """What the dice gave at each decision: with the seed and decisions, the whole past."""
        return [d.chance for d in self.record]

    def undo(self) -> bool:
        """Take back the last decision. False when there is nothing to undo."""
        if not self.decisions:
            return False
        self.decisions.pop()
        self.states.pop()
        self.record.pop()
        return True

    def truncated(self, n: int) -> Playthrough:
        """A new playthrough with only the first n decisions (for "branch from here")."""
        return Playthrough(self.campaign, self.seed, self.decisions[:n])
