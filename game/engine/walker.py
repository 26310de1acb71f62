"""What every forward and depth-first walk of the explorer shares (`game.engine.explore` for the
walks one state at a time, `game.engine.sweep` for the sweep): the counts, the coverage, the state
and memory limits, a state's successors, and the battle jobs' outcomes."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from game.engine.abstraction import Abstraction
from game.engine.campaign import Campaign
from game.engine.dice import enumerate_chance
from game.engine.state import State
from game.scenario.compiled import CompiledScenario

Key = tuple[Any, ...]


@dataclass
class Fought:
    """One battle, begun one way, fought out: where it can leave the story, and what it cost."""

    leaves: list[tuple[float, int, tuple[int, ...], int]]  # (probability, paths, values at nightfall, next node)
    budget: int = 0  # the most battle states it may walk
    states: int = 0  # the battle states it reached (shared ones counted for each beginning)
    dead: int = 0  # battle states with no order to give
    dead_p: float = 0.0  # the probability of reaching one
    complete: bool = True  # False when it would have passed its budget
    taken: set[tuple[int, str]] = field(default_factory=set)  # (step, order) of every order given


@dataclass
class Batch:
    """Several beginnings fought out together: their outcomes, in the order they were given."""

    fought: list[Fought]
    steps: int = 0


def choice_key(scenario: CompiledScenario, state: State, option_id: str) -> str:
    sid = scenario.node_id(state.node)
    if state.battle is not None:
        return f"{sid}:{state.battle.step}:{option_id}"
    return f"{sid}:{option_id}"


def memory_mb() -> float:
    """This process's memory now, in MB (resident; where that cannot be read, its peak so far;
    0 where neither can)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError, AttributeError):
        pass
    try:
        import resource
    except ImportError:  # Windows
        return 0.0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes on macOS, else KB


class Walker:
    """What both walks share: the counts, the coverage, the state limit, a campaign state's
    successors, and a battle job's outcomes as the campaign states they lead to."""

    def __init__(self, campaign: Campaign, ab: Abstraction, battles: Any, odds: bool, max_states: int,
                 progress: Callable[[int], None] | None, max_memory_mb: int | None = None):
        self.max_memory_mb = max_memory_mb
        self.memory_reached = False
        self.campaign = campaign
        self.scenario = campaign.scenario
        self.ab = ab
        self.battles = battles
        self.odds = odds
        self.max_states = max_states
        self.progress = progress
        self.visited: set[int] = set()
        self.taken: set[str] = set()
        self.ending_index = {node: k for k, node in enumerate(n for n in range(len(self.scenario.nodes))
                                                                if self.scenario.is_ending(n))}
        self.states = self.battle_states = self.steps = self.dead = 0
        self.complete = True
        self.limit_reached = False
        self.verdicts: dict[Key, Fought | None] = {}  # per battle key collected: fought out, or left out

    def run(self, origin: State) -> tuple[list, int, bool]:
        """Walk from `origin`: per ending its probability (or paths), then the probability of a dead
        end and the probability left unexplored; the paths walked; and whether the walk is complete."""
        raise NotImplementedError

    def _counted(self, state: State) -> bool:
        """Count a state met for the first time; False when the state limit leaves it unexplored."""
        self.visited.add(state.node)
        if state.node not in self.ending_index and self.states + self.battle_states >= self.max_states:
            self.complete = False
            self.limit_reached = True
            return False
        self.states += 1
        if not self.states & 1023:
            if self.progress is not None:
                self.progress(self.states + self.battle_states)
            self._memory_passed()
        return True

    def _memory_passed(self) -> bool:
        """Has this process just passed its memory limit? Then the states walked are the limit from
        here on: nothing more is added but the endings."""
        if self.max_memory_mb is None or self.memory_reached or memory_mb() <= self.max_memory_mb:
            return False
        self.memory_reached = True
        self.max_states = min(self.max_states, self.states + self.battle_states)
        return True

    def _successors(self, state: State) -> list[tuple[float, State]]:
        """Every open decision and every chance outcome of each: (probability, next state)."""
        options = self.campaign.available(state)
        out: list[tuple[float, State]] = []
        for option in options:
            self.taken.add(choice_key(self.scenario, state, option))
            outcomes = enumerate_chance(
                lambda dice: self.campaign.step(state, option, dice, check=False, log=False).state)  # noqa: B023
            self.steps += len(outcomes)
            out += [(p / len(options), nxt) for p, nxt in outcomes]
        return out

    def _fought(self) -> tuple[Key, State, Any]:
        """The next battle job, fought out; None for it when it does not fit in what is left of the
        state limit: it is left unexplored as a whole (whether it fits does not depend on how the
        battles were shared out among processes). A beginning met again is not counted again."""
        left = self.max_states - self.states - self.battle_states
        key, state, battle_key, fought, steps = self.battles.collect(left)
        self.steps += steps
        if battle_key not in self.verdicts:
            fits = fought.complete and fought.states <= left
            self.verdicts[battle_key] = fought if fits else None
            if fits:
                self.battle_states += fought.states
                self.dead += fought.dead
        if self.verdicts[battle_key] is None:
            self.complete = False
            self.limit_reached = True
            return key, state, None
        scene = self.scenario.node_id(state.node)
        self.taken.update(f"{scene}:{step}:{option}" for step, option in fought.taken)
        if self.progress is not None:
            self.progress(self.states + self.battle_states)
        return key, state, fought

    def _after(self, state: State, fought: Fought) -> list[tuple[float, int, State]]:
        """Where a battle begun in `state` leaves the story: (probability, paths, state entered)."""
        changes = self.campaign.battle_rules(state).changes  # type: ignore[union-attr]
        out = []
        for p, n, w, node in fought.leaves:
            values = list(state.values)
            for j in changes:  # the battle's record and results; the rest as the battle found them
                values[j] = w[j]
            out.append((p, n, self.campaign.enter(node, tuple(values))))
        return out
