"""Automated play: random playthroughs, and exhaustive exploration with exact odds.

Exhaustive mode walks every reachable (state, decision) once. States are merged after forgetting
the values that can no longer matter (a static liveness analysis of the scenario's expressions),
so a whole campaign collapses into a graph small enough to walk in seconds. Probabilities are those
of uniform random play: each open decision equally likely, each chance outcome by its weight.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from game.engine.abstraction import Abstraction
from game.engine.campaign import Campaign, State
from game.engine.dice import SeededDice, enumerate_chance
from game.scenario.compiled import CEnding, CompiledScenario, CScene

Key = tuple[Any, ...]


@dataclass
class Report:
    scenario: str
    mode: str
    runs: int
    endings: dict[str, float]
    scenes_visited: int
    scenes_total: int
    choices_taken: int
    choices_total: int
    complete: bool
    elapsed_seconds: float
    playthroughs_per_second: float
    choices_per_second: float
    seed: int | None = None
    states: int | None = None
    dead_ends: int = 0
    unvisited_scenes: list[str] = field(default_factory=list)
    decisions_per_playthrough: float | None = None
    decisions_per_ending: dict[str, tuple[int, float, int]] | None = None  # id -> (min, mean, max), random play
    odds: bool | None = None  # exhaustive: endings are probabilities (True) or path counts (False)

    @property
    def unreached_endings(self) -> list[str]:
        return [e for e, v in self.endings.items() if not v]

    def as_json(self) -> dict[str, Any]:
        out = {
            "scenario": self.scenario, "mode": self.mode, "runs": self.runs, "seed": self.seed,
            "endings": self.endings, "unreached_endings": self.unreached_endings,
            "scenes_visited": self.scenes_visited, "scenes_total": self.scenes_total,
            "unvisited_scenes": self.unvisited_scenes,
            "choices_taken": self.choices_taken, "choices_total": self.choices_total,
            "complete": self.complete, "elapsed_seconds": round(self.elapsed_seconds, 3),
            "playthroughs_per_second": round(self.playthroughs_per_second, 1),
            "choices_per_second": round(self.choices_per_second, 1), "dead_ends": self.dead_ends,
        }
        if self.states is not None:
            out["states"] = self.states
        if self.odds is not None:
            out["odds"] = self.odds
        if self.decisions_per_playthrough is not None:
            out["decisions_per_playthrough"] = round(self.decisions_per_playthrough, 2)
        if self.decisions_per_ending is not None:
            out["decisions_per_ending"] = {
                e: {"min": lo, "mean": round(mean, 2), "max": hi} for e, (lo, mean, hi) in self.decisions_per_ending.items()
            }
        return out


def all_choice_keys(scenario: CompiledScenario) -> set[str]:
    """Every decision the scenario offers anywhere, as 'scene:choice' (battles by question/phase)."""
    keys = set()
    for node in scenario.nodes:
        if not isinstance(node, CScene):
            continue
        sid = node.model.id
        for c in node.choices:
            keys.add(f"{sid}:{c.id}")
        if node.battle is not None:
            b = node.battle
            for d, group in enumerate(b.deployment):
                for opt in group:
                    keys.add(f"{sid}:{d}:{opt.model.id}")
            nd = len(b.deployment)
            for p, row in enumerate(b.orders):
                for order in row:
                    keys.add(f"{sid}:{nd + p}:{order.model.id}")
    return keys


def choice_key(scenario: CompiledScenario, state: State, option_id: str) -> str:
    sid = scenario.node_id(state.node)
    if state.battle is not None:
        return f"{sid}:{state.battle.step}:{option_id}"
    return f"{sid}:{option_id}"


def decision_point(scenario: CompiledScenario, state: State) -> tuple[str, int]:
    return scenario.node_id(state.node), state.battle.step if state.battle is not None else -1


def follow_map(scenario: CompiledScenario, seed: int, decisions: Iterable[str]) -> dict[tuple[str, int], str]:
    """The decision a recorded playthrough took at each decision point it reached."""
    campaign = Campaign(scenario)
    state = campaign.start()
    out: dict[tuple[str, int], str] = {}
    for i, option_id in enumerate(decisions):
        if option_id not in campaign.available(state):
            break
        out.setdefault(decision_point(scenario, state), option_id)
        state = campaign.step(state, option_id, SeededDice(seed, i), log=False).state
    return out


def _scene_ids(scenario: CompiledScenario) -> list[str]:
    return [n.model.id for n in scenario.nodes if isinstance(n, CScene)]


def _ending_ids(scenario: CompiledScenario) -> list[str]:
    return [n.model.id for n in scenario.nodes if isinstance(n, CEnding)]


def explore_random(scenario: CompiledScenario, runs: int, seed: int,
                   follow: dict[tuple[str, int], str] | None = None, max_steps: int = 1000,
                   origin: State | None = None, keep: list[tuple[int, list[str]]] | None = None,
                   progress: Callable[[int], None] | None = None) -> Report:
    """Random play. With `keep`, each run's seed and decisions are appended to it: a run plays its
    k-th decision with `SeededDice(seed, k)`, as a saved playthrough does, so each is a save.
    `progress`, if given, is told how many runs are done, every 256 runs."""
    campaign = Campaign(scenario)
    endings = dict.fromkeys(_ending_ids(scenario), 0)
    visited: set[int] = set()
    taken: set[str] = set()
    steps = 0
    dead = 0
    lengths: dict[int, list[int]] = {}  # ending node -> [min, total, max, count] of decisions taken
    start = time.perf_counter()
    for run in range(runs):
        if progress is not None and not run & 255:
            progress(run)
        run_seed = (seed * 1_000_003 + run) & 0x7FFFFFFFFFFFFFFF
        rng = random.Random(run_seed)
        state = origin if origin is not None else campaign.start()
        taken_here: list[str] = []
        if keep is not None:
            keep.append((run_seed, taken_here))
        for k in range(max_steps):
            visited.add(state.node)
            if scenario.is_ending(state.node):
                endings[scenario.node_id(state.node)] += 1
                row = lengths.get(state.node)
                if row is None:
                    lengths[state.node] = [k, k, k, 1]
                else:
                    row[0] = min(row[0], k)
                    row[1] += k
                    row[2] = max(row[2], k)
                    row[3] += 1
                break
            options = campaign.available(state)
            if not options:
                dead += 1
                break
            option = None
            if follow:
                wanted = follow.get(decision_point(scenario, state))
                if wanted in options:
                    option = wanted
            if option is None:
                option = options[rng.randrange(len(options))]
            taken.add(choice_key(scenario, state, option))
            if keep is not None:
                taken_here.append(option)
            state = campaign.step(state, option, SeededDice(run_seed, k), check=False, log=False).state
            steps += 1
        else:
            dead += 1
    elapsed = time.perf_counter() - start
    scene_ids = _scene_ids(scenario)
    seen_ids = {scenario.node_id(n) for n in visited}
    return Report(
        scenario=scenario.id, mode="follow" if follow else "random", runs=runs, seed=seed,
        endings=endings, scenes_visited=sum(1 for s in scene_ids if s in seen_ids), scenes_total=len(scene_ids),
        choices_taken=len(taken), choices_total=len(all_choice_keys(scenario)), complete=True,
        elapsed_seconds=elapsed, playthroughs_per_second=runs / elapsed if elapsed else 0.0,
        choices_per_second=steps / elapsed if elapsed else 0.0, dead_ends=dead,
        unvisited_scenes=[s for s in scene_ids if s not in seen_ids],
        decisions_per_playthrough=steps / runs if runs else None,
        decisions_per_ending={scenario.node_id(n): (lo, total / count, hi)
                              for n, (lo, total, hi, count) in sorted(lengths.items())},
    )


def explore_exhaustive(scenario: CompiledScenario, max_states: int = 3_000_000,
                       origin: State | None = None, merge: bool = True, odds: bool = True,
                       progress: Callable[[int], None] | None = None) -> Report:
    """Every reachable state once; exact ending probabilities under uniform random play.

    With `odds=False` the walk covers the same ground (every reachable scene, choice, battle state,
    ending and dead end) but counts paths instead of weighing them: `endings` gives the number of
    distinct decision-and-chance paths to each ending. States that differ only in what chance
    weights read then merge, which makes a whole campaign far cheaper to cover.

    A battle is explored as one macro step: its outcomes (what it writes back to the campaign, and
    where the story goes on) depend only on the battle's own inputs, so they are computed once per
    distinct input and shared by every campaign state that arrives with those inputs.
    """
    campaign = Campaign(scenario)
    ab = Abstraction(scenario, exact=not merge, odds=odds)
    ending_ids = _ending_ids(scenario)
    ending_index = {scenario.index[e]: k for k, e in enumerate(ending_ids)}
    one = 1.0 if odds else 1  # what reaching an ending adds: a probability, or one path
    zero = (one * 0,) * len(ending_ids)
    memo: dict[Key, tuple[tuple[float, ...], int]] = {}
    # per battle state: its battle's outcomes, {leaf key: [probability, changed values, next node, paths]}
    inner_memo: dict[Key, dict[Key, list]] = {}
    in_progress: set[Key] = set()
    visited: set[int] = set()
    taken: set[str] = set()
    counters = {"steps": 0, "dead": 0, "complete": True, "battle_states": 0}

    def expand(state: State, option: str) -> list[tuple[float, State]]:
        taken.add(choice_key(scenario, state, option))
        outcomes = enumerate_chance(lambda dice: campaign.step(state, option, dice, check=False, log=False).state)
        counters["steps"] += len(outcomes)
        return outcomes

    def battle_outcomes(state: State) -> dict[Key, list]:
        """{leaf key: [probability, changed values, next node, paths]} of a battle entered in `state`.

        Battle states are merged by what the rest of the battle reads: of the campaign's values,
        `Abstraction.battle_key` leaves out what only the battle's beginning read; of the battle's
        own state, `BattleRules.forget` leaves out what no later phase reads. The outcomes hold
        only the values the battle changes (the rest are the entry state's), so battles entered
        with different campaign values share every battle state they both reach.
        """
        rules = campaign.battle_rules(state)
        assert rules is not None
        changes = rules.changes
        forget = rules.forget if merge else lambda battle: battle

        def order(s: State, option: str) -> list[tuple[float, State]]:
            """The states after an order; when the battle ends, the story's next node with the
            values as the battle leaves them, not yet entered (`dist` enters it, running its
            effects once)."""
            taken.add(choice_key(scenario, s, option))

            def run(dice: Any) -> State:
                r = rules.step(s.battle, s.values, option, dice, check=False, log=False)
                if r.battle is not None:
                    return State(s.node, r.values, r.battle)
                return State(rules.battle.after.resolve(r.values), r.values, None)

            outcomes = enumerate_chance(run)
            counters["steps"] += len(outcomes)
            return outcomes

        def inner(s: State) -> dict[Key, list]:
            k = (s.node, forget(s.battle), ab.battle_key(s.node, s.values))
            got = inner_memo.get(k)
            if got is not None:
                return got
            if len(memo) + counters["battle_states"] >= max_states:
                counters["complete"] = False
                return {}
            counters["battle_states"] += 1
            if progress is not None and not counters["battle_states"] & 1023:
                progress(len(memo) + counters["battle_states"])
            visited.add(s.node)
            options = campaign.available(s)
            acc: dict[Key, list] = {}
            if not options:
                counters["dead"] += 1
            share = 1.0 / len(options) if options else 0.0
            for option in options:
                for p, nxt in order(s, option):
                    if nxt.battle is None:
                        # the battle is over: its outcomes are told apart by the merged form of
                        # the changed values as they arrive at the next node (which may be
                        # another battle; `dist` enters it and handles its own inputs)
                        key = (nxt.node, ab.cells_on_arrival(nxt.node, nxt.values, changes))
                        slot = acc.get(key)
                        if slot is None:
                            acc[key] = [share * p, tuple([nxt.values[j] for j in changes]), nxt.node, 1]
                        else:
                            slot[0] += share * p
                            slot[3] += 1
                        continue
                    for key, (q, w, node, n) in inner(nxt).items():
                        slot = acc.get(key)
                        if slot is None:
                            acc[key] = [share * p * q, w, node, n]
                        else:
                            slot[0] += share * p * q
                            slot[3] += n
            inner_memo[k] = acc
            return acc

        return inner(state)

    def dist(state: State) -> tuple[tuple[float, ...], int]:
        key = ab.key(state)
        found = memo.get(key)
        if found is not None:
            return found
        visited.add(state.node)
        k = ending_index.get(state.node)
        if k is not None:
            vec = list(zero)
            vec[k] = one
            memo[key] = (tuple(vec), 1)
            return memo[key]
        if key in in_progress or len(memo) + counters["battle_states"] >= max_states:
            counters["complete"] = False
            return zero, 0
        in_progress.add(key)
        acc = list(zero)
        paths = 0
        if state.battle is not None and state.battle.step == 0:  # a battle begins: one macro step
            changes = campaign.battle_rules(state).changes  # type: ignore[union-attr]
            for p, w, node, n in battle_outcomes(state).values():
                values = list(state.values)
                for j, v in zip(changes, w):
                    values[j] = v
                sub, m = dist(campaign.enter(node, tuple(values)))
                f = p if odds else n
                for i, x in enumerate(sub):
                    acc[i] += f * x
                paths += n * m
        else:
            options = campaign.available(state)
            if not options:
                counters["dead"] += 1
            share = 1.0 / len(options) if options else 0.0
            for option in options:
                for p, nxt in expand(state, option):
                    sub, n = dist(nxt)
                    w = share * p if odds else 1
                    for i, x in enumerate(sub):
                        acc[i] += w * x
                    paths += n
        in_progress.discard(key)
        memo[key] = (tuple(acc), paths)
        if progress is not None and not len(memo) & 1023:  # told the states so far, now and then
            progress(len(memo) + counters["battle_states"])
        return memo[key]

    start = time.perf_counter()
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old_limit, 20_000))
    try:
        vec, paths = dist(origin if origin is not None else campaign.start())
    finally:
        sys.setrecursionlimit(old_limit)
    elapsed = time.perf_counter() - start
    scene_ids = _scene_ids(scenario)
    seen_ids = {scenario.node_id(n) for n in visited}
    return Report(
        scenario=scenario.id, mode="exhaustive", odds=odds, runs=paths, seed=None,
        endings={e: vec[i] for i, e in enumerate(ending_ids)},
        scenes_visited=sum(1 for s in scene_ids if s in seen_ids), scenes_total=len(scene_ids),
        choices_taken=len(taken), choices_total=len(all_choice_keys(scenario)), complete=bool(counters["complete"]),
        elapsed_seconds=elapsed, playthroughs_per_second=paths / elapsed if elapsed else 0.0,
        choices_per_second=counters["steps"] / elapsed if elapsed else 0.0,
        states=len(memo) + int(counters["battle_states"]),
        dead_ends=int(counters["dead"]), unvisited_scenes=[s for s in scene_ids if s not in seen_ids],
    )


@dataclass
class Impact:
    """How far each decision point's options move the ending distribution (random play's odds)."""

    scenario: str
    points: list[tuple[str, float]]  # (decision point, total variation in percentage points)
    samples: int  # states sampled at each decision point (at most)
    runs: int  # random playthroughs behind each option's distribution
    elapsed_seconds: float

    @property
    def median(self) -> float:
        values = sorted(p for _, p in self.points)
        if not values:
            return 0.0
        mid = len(values) // 2
        return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2

    def as_json(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "impact": [{"scene": s, "points": round(p, 1)} for s, p in self.points],
                "median": round(self.median, 1), "samples": self.samples, "runs": self.runs,
                "elapsed_seconds": round(self.elapsed_seconds, 3)}


def _ending_of_random_play(campaign: Campaign, scenario: CompiledScenario, state: State, seed: int,
                           max_steps: int = 1000) -> int | None:
    """The ending node one random playthrough from `state` reaches (None at a dead end)."""
    rng = random.Random(seed)
    s = state
    for k in range(max_steps):
        if scenario.is_ending(s.node):
            return s.node
        options = campaign.available(s)
        if not options:
            return None
        s = campaign.step(s, options[rng.randrange(len(options))], SeededDice(seed, k), check=False, log=False).state
    return None


def explore_impact(scenario: CompiledScenario, samples: int = 4, runs: int = 150, seed: int = 1,
                   max_walks: int = 20_000) -> Impact:
    """For each decision point (a scene, or a battle's question), the largest total variation
    distance between the ending distributions its open options lead to, averaged over up to
    `samples` states met there in random play; each distribution comes from `runs` random
    playthroughs after the option is taken (its own dice included)."""
    campaign = Campaign(scenario)
    start = time.perf_counter()
    met: dict[tuple[str, int], list[State]] = {}
    rng = random.Random(seed)
    for walk in range(max_walks):
        state = campaign.start()
        for k in range(1000):
            if scenario.is_ending(state.node):
                break
            options = campaign.available(state)
            if not options:
                break
            seen = met.setdefault(decision_point(scenario, state), [])
            if len(seen) < samples and state not in seen:
                seen.append(state)
            state = campaign.step(state, options[rng.randrange(len(options))], SeededDice(walk, k),
                                  check=False, log=False).state
        if walk >= 200 and all(len(v) >= samples for v in met.values()):
            break
    points = []
    order = {n.model.id: i for i, n in enumerate(scenario.nodes)}
    for (scene, step), states in sorted(met.items(), key=lambda kv: (order[kv[0][0]], kv[0][1])):
        spreads = []
        for i, state in enumerate(states):
            options = campaign.available(state)
            if len(options) < 2:
                spreads.append(0.0)
                continue
            dists = []
            for j, option in enumerate(options):
                d: dict[int | None, float] = {}
                for r in range(runs):
                    # the same dice for every option (common random numbers): options that lead
                    # alike give exactly the same distribution, and differences are not noise
                    run_seed = (seed * 1_000_003 + i * 100_003 + r) & 0x7FFFFFFFFFFFFFFF
                    nxt = campaign.step(state, option, SeededDice(run_seed, 0), check=False, log=False).state
                    end = _ending_of_random_play(campaign, scenario, nxt, run_seed + 1)
                    d[end] = d.get(end, 0.0) + 1.0 / runs
                dists.append(d)
            spreads.append(max(
                0.5 * sum(abs(a.get(n, 0.0) - b.get(n, 0.0)) for n in set(a) | set(b))
                for x, a in enumerate(dists) for b in dists[x + 1:]
            ))
        label = scene if step < 0 else f"{scene}#{step}"
        points.append((label, 100 * sum(spreads) / len(spreads)))
    return Impact(scenario.id, points, samples, runs, time.perf_counter() - start)
