"""The campaign's rules: pure and deterministic.

A state is (node, values, battle): the scene or ending reached, the scenario's values in its fixed
layout, and the battle's own state while a battle is fought. `Campaign.step` gives the next state
for a decision and the dice; nothing here knows about terminals, files or time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from game.engine.abstraction import thresholds_here
from game.engine.battle import BattleRules
from game.engine.dice import Dice
from game.engine.errors import EngineError
from game.engine.state import State, apply_effects
from game.engine.views import CounselView, Option, QualityView, UnitView, View
from game.scenario.compiled import CChoice, CEnding, CompiledScenario, CScene, Target

# the engine's vocabulary lives in its own modules; the campaign offers it to its callers too
__all__ = ["Campaign", "CounselView", "EngineError", "Option", "QualityView", "State", "Step", "UnitView", "View",
           "apply_effects"]


@dataclass
class Step:
    """The result of one decision: the new state and what the player is told."""

    state: State
    text: list[str] = field(default_factory=list)


class Campaign:
    """The rules of one compiled scenario."""

    def __init__(self, scenario: CompiledScenario):
        self.scenario = scenario
        self.battles = {bid: BattleRules(cb, scenario) for bid, cb in scenario.battles.items()}
        self._rules_at = [  # per node: the rules of the battle fought there, if any
            self.battles[n.battle.model.id] if isinstance(n, CScene) and n.battle is not None else None
            for n in scenario.nodes
        ]
        self._entry = [n.effects if isinstance(n, CScene) else () for n in scenario.nodes]
        self.characters = {c.id: c for c in scenario.characters}
        self.places = {p.id: p for p in scenario.places}
        self._shown = [
            (q, scenario.namespace.slots[q.id].index) for q in scenario.qualities if q.shown
        ]
        self._roman_units = [u for u in scenario.units if not u.is_enemy]
        self._threshold_cache: dict[int, dict[int, tuple[int, ...]]] = {}

    # -- states --------------------------------------------------------------------------------
    def start(self) -> State:
        return self.enter(self.scenario.start, self.scenario.initial)

    def enter(self, node: int, values: tuple[int, ...]) -> State:
        """The state on arriving at a node: the scene's own effects applied, its battle begun."""
        entry = self._entry[node]
        if entry:
            values = apply_effects(values, entry)
        rules = self._rules_at[node]
        if rules is not None:
            return State(node, values, rules.begin(values))
        return State(node, values, None)

    def leave_battle(self, node: int, values: tuple[int, ...]) -> State:
        """The state after the battle fought at `node` has ended with `values` (its record
        written): the story goes on where the battle's `after` leads."""
        rules = self._rules_at[node]
        assert rules is not None
        return self.enter(rules.battle.after.resolve(values), values)

    def ending(self, state: State) -> str | None:
        if self.scenario.is_ending(state.node):
            return self.scenario.node_id(state.node)
        return None

    def battle_rules(self, state: State) -> BattleRules | None:
        return self._rules_at[state.node]

    # -- decisions -----------------------------------------------------------------------------
    def options(self, state: State) -> list[Option]:
        """The decisions of this state, with closed ones and the reason they are closed."""
        node = self.scenario.nodes[state.node]
        if isinstance(node, CEnding):
            return []
        if state.battle is not None:
            return self.battle_rules(state).options(state.battle, state.values)  # type: ignore[union-attr]
        out = []
        for c in node.choices:
            ok = c.cond is None or bool(c.cond.fn(state.values))
            if not ok and c.model.hidden:
                continue
            out.append(Option(
                c.id, c.model.label, ok,
                None if ok else (c.model.unavailable or "The conditions for this are not met."),
                c.model.historical, tuple(c.model.sources), chance=self._odds(c, state.values) if ok else (),
            ))
        return out

    @staticmethod
    def _odds(choice: CChoice, values: tuple[int, ...]) -> tuple[tuple[str | None, int], ...]:
        """A chance choice's outcomes with their percent, as the dice would weigh them now."""
        if len(choice.outcomes) < 2:
            return ()
        after = apply_effects(values, choice.effects)
        weights = [max(0, o.weight.fn(after)) for o in choice.outcomes]
        total = sum(weights)
        if sum(1 for w in weights if w) < 2:  # one outcome is certain: no gamble here
            return ()
        return tuple((o.model_label, min(99, max(1, round(100 * w / total))))
                     for o, w in zip(choice.outcomes, weights) if w)

    def available(self, state: State) -> list[str]:
        """Ids of the decisions that can be taken now (the explorer's fast path)."""
        if state.battle is not None:
            return self.battle_rules(state).available(state.battle, state.values)  # type: ignore[union-attr]
        node = self.scenario.nodes[state.node]
        if isinstance(node, CEnding):
            return []
        v = state.values
        return [c.id for c in node.choices if c.cond is None or c.cond.fn(v)]

    def step(self, state: State, option_id: str, dice: Dice, check: bool = True, log: bool = True) -> Step:
        """The next state for a decision. `check=False` skips validating the decision, for callers
        (the explorer) that only pass ids from `available`; `log=False` skips writing what the
        player is told (the step's text is then empty), for callers that only want the state."""
        node = self.scenario.nodes[state.node]
        if isinstance(node, CEnding):
            raise EngineError("the campaign is over; there are no more decisions")
        if state.battle is not None:
            rules = self.battle_rules(state)
            assert rules is not None
            result = rules.step(state.battle, state.values, option_id, dice, check, log)
            if result.battle is not None:
                return Step(State(state.node, result.values, result.battle), result.text)
            return Step(self.leave_battle(state.node, result.values), result.text)
        choice = self._choice(node, option_id)
        if check and choice.cond is not None and not choice.cond.fn(state.values):
            raise EngineError(f"'{option_id}' is not available: {choice.model.unavailable or 'conditions not met'}")
        values = apply_effects(state.values, choice.effects)
        text = [choice.model.text] if log and choice.model.text else []
        target: Target
        if choice.outcomes:
            weights = [o.weight.fn(values) for o in choice.outcomes]
            outcome = choice.outcomes[dice.pick(weights)]
            values = apply_effects(values, outcome.effects)
            if log and outcome.text:
                text.append(outcome.text)
            target = outcome.target
        else:
            assert choice.target is not None
            target = choice.target
        return Step(self.enter(target.resolve(values), values), text)

    @staticmethod
    def _choice(node: CScene, option_id: str) -> CChoice:
        for c in node.choices:
            if c.id == option_id:
                return c
        raise EngineError(f"there is no choice '{option_id}' in scene '{node.model.id}'")

    def choice_model(self, state: State, option_id: str) -> CChoice | None:
        node = self.scenario.nodes[state.node]
        if isinstance(node, CScene):
            for c in node.choices:
                if c.id == option_id:
                    return c
        return None

    # -- what the player sees ------------------------------------------------------------------
    def _thresholds(self, node: int) -> dict[int, tuple[int, ...]]:
        found = self._threshold_cache.get(node)
        if found is None:
            found = self._threshold_cache[node] = thresholds_here(self.scenario, node)
        return found

    def _odds_counsel(self, counsel: tuple[CounselView, ...], options: tuple[Option, ...]) -> tuple[CounselView, ...]:
        """Each counsellor who reads odds says how they rate the first gamble's first outcome,
        off by their bias (Hermogenes cautious, Sunicas bold): the player can learn whom to trust."""
        gamble = next((o for o in options if o.chance), None)
        if gamble is None:
            return ()
        true_odds = gamble.chance[0][1]
        out = []
        for who in dict.fromkeys(c.who for c in counsel):
            ch = self.characters[who]
            read = ch.reads_odds
            if read is not None:
                odds = f"{max(1, min(99, true_odds + read.bias))}%"
                outcome = gamble.chance[0][0] or "it goes your way"
                says = read.says.replace("{choice}", gamble.label).replace("{outcome}", outcome).replace("{odds}", odds)
                out.append(CounselView(who, ch.name, ch.title, says))
        return tuple(out)

    def view(self, state: State) -> View:
        node = self.scenario.nodes[state.node]
        v = state.values
        text = node.model.text.rstrip()
        for cond, extra in node.variants:
            if cond.fn(v):
                text += "\n\n" + extra.rstrip()
        here = self._thresholds(state.node)
        qualities = tuple(
            QualityView(q.id, q.label, v[i], q.min, q.max, q.description,
                        tuple(t for t in here.get(i, ()) if q.min < t <= q.max))
            for q, i in self._shown
        )
        ns = self.scenario.namespace.slots
        army = tuple(
            UnitView(u.id, u.name, u.kind, u.commander, v[ns[f"unit.{u.id}.men"].index],
                     v[ns[f"unit.{u.id}.morale"].index], v[ns[f"unit.{u.id}.fatigue"].index], u.experience)
            for u in self._roman_units
            if v[ns[f"unit.{u.id}.men"].index] > 0
        )
        if isinstance(node, CEnding):
            e = node.model
            return View(e.id, e.title, None, None, None, None, None, text, (), (), qualities, army,
                        e.history, ending=e.id, ending_kind=e.kind, after=e.after.rstrip() if e.after else None)
        sc = node.model
        counsel = tuple(
            CounselView(c.who, self.characters[c.who].name, self.characters[c.who].title, c.says.rstrip())
            for cond, c in node.counsel
            if cond is None or cond.fn(v)
        )
        options = tuple(self.options(state))
        counsel += self._odds_counsel(counsel, options)
        place = self.places.get(sc.place)
        battle_view = None
        prompt = None
        if state.battle is not None:
            rules = self.battle_rules(state)
            assert rules is not None
            battle_view = rules.view(state.battle, v)
            prompt = battle_view.prompt
        return View(
            sc.id, sc.title, sc.stage, sc.date, sc.place, place.name if place else sc.place,
            sc.enemy_at, text, counsel, options, qualities, army, sc.history,
            battle=battle_view, prompt=prompt,
        )


