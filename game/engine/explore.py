"""Automated play: random playthroughs, and exhaustive exploration with exact odds.

Exhaustive mode walks every reachable (state, decision) once. States are merged after forgetting
the values that can no longer matter (a static liveness analysis of the scenario's expressions),
so a whole campaign collapses into a graph small enough to walk in seconds. Probabilities are those
of uniform random play: each open decision equally likely, each chance outcome by its weight.
Battles, where nearly all of the work is, are fought out one distinct beginning at a time, in
several processes if asked (`jobs`), with the same result whatever their number.
"""

from __future__ import annotations

import gc
import heapq
import os
import random
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from game.engine.abstraction import Abstraction
from game.engine.campaign import Campaign
from game.engine.dice import SeededDice
from game.engine.fighter import Fighter
from game.engine.state import State
from game.engine.walker import Batch, Fought, Walker, choice_key
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
    # exact odds: the probability the walk accounts for (reaching an ending or a dead end); below 1
    # when it stopped at its state limit (or met a loop), and then each ending's figure is a floor
    covered: float | None = None
    jobs: int = 1  # processes that fought the battles of an exhaustive walk (1: this one alone)
    max_states: int | None = None  # an exhaustive walk's state limit
    limit_reached: bool = False  # it stopped there (else an incomplete walk met a loop)
    battle_states: int | None = None  # of `states`, those inside battles (each beginning's counted)
    max_memory_mb: int | None = None  # an exhaustive walk's memory limit (None: none)
    memory_reached: bool = False  # it stopped there (`limit_reached` is then True as well)

    @property
    def unreached_endings(self) -> list[str]:
        return [e for e, v in self.endings.items() if not v]

    @property
    def unexplored(self) -> float:
        """The probability an exact-odds walk left unexplored (0 for a complete walk)."""
        return 0.0 if self.covered is None else max(0.0, 1.0 - self.covered)

    def coverage_note(self) -> str | None:
        """What an incomplete exhaustive walk's figures cover, in words (None when complete)."""
        if self.complete or self.odds is None:
            return None
        why = (f"the walk stopped at its memory limit of {self.max_memory_mb:,} MB, after {self.states:,} states"
               if self.memory_reached else f"the walk stopped at its limit of {self.max_states:,} states"
               if self.limit_reached else "the walk met a loop: a state reached again on its own road")
        if self.odds:
            return (f"these odds cover {_pct(self.covered or 0.0)} of the probability; the other "
                    f"{_pct(self.unexplored)} was not explored ({why}), so each ending's figure is a floor")
        return (f"these path counts are of the part explored ({why}): an ending not reached there may "
                "still be reachable")

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
            out["jobs"] = self.jobs
        if self.covered is not None:
            out["covered"] = self.covered
            out["unexplored"] = self.unexplored
        if self.max_states is not None:
            out["max_states"] = self.max_states
            out["battle_states"] = self.battle_states
            out["max_memory_mb"] = self.max_memory_mb
            out["memory_reached"] = self.memory_reached
        note = self.coverage_note()
        if note is not None:
            out["note"] = note
        if self.decisions_per_playthrough is not None:
            out["decisions_per_playthrough"] = round(self.decisions_per_playthrough, 2)
        if self.decisions_per_ending is not None:
            out["decisions_per_ending"] = {
                e: {"min": lo, "mean": round(mean, 2), "max": hi} for e, (lo, mean, hi) in self.decisions_per_ending.items()
            }
        return out
def _pct(p: float) -> str:
    """A probability as a percentage, with the digits it needs not to read 0% or 100% when it is neither."""
    for digits in (2, 4, 6):
        text = f"{p:.{digits}%}"
        if (p <= 0 or text != f"{0:.{digits}%}") and (p >= 1 or text != f"{1:.{digits}%}"):
            return text
    return f"{p:.8%}"


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



class _Tally:
    """What random play met: endings, scenes, decisions, dead ends and each ending's road length."""

    def __init__(self, scenario: CompiledScenario):
        self.scenario = scenario
        self.endings = dict.fromkeys(_ending_ids(scenario), 0)
        self.visited: set[int] = set()
        self.taken: set[str] = set()
        self.steps = self.dead = 0
        self.lengths: dict[int, list[int]] = {}  # ending node -> [min, total, max, count] of decisions taken

    def ended(self, node: int, k: int) -> None:
        self.endings[self.scenario.node_id(node)] += 1
        row = self.lengths.get(node)
        if row is None:
            self.lengths[node] = [k, k, k, 1]
        else:
            row[0] = min(row[0], k)
            row[1] += k
            row[2] = max(row[2], k)
            row[3] += 1

    def report(self, mode: str, runs: int, seed: int, elapsed: float) -> Report:
        scenario = self.scenario
        scene_ids = _scene_ids(scenario)
        seen_ids = {scenario.node_id(n) for n in self.visited}
        return Report(
            scenario=scenario.id, mode=mode, runs=runs, seed=seed, endings=self.endings,
            scenes_visited=sum(1 for s in scene_ids if s in seen_ids), scenes_total=len(scene_ids),
            choices_taken=len(self.taken), choices_total=len(all_choice_keys(scenario)), complete=True,
            elapsed_seconds=elapsed, playthroughs_per_second=runs / elapsed if elapsed else 0.0,
            choices_per_second=self.steps / elapsed if elapsed else 0.0, dead_ends=self.dead,
            unvisited_scenes=[s for s in scene_ids if s not in seen_ids],
            decisions_per_playthrough=self.steps / runs if runs else None,
            decisions_per_ending={scenario.node_id(n): (lo, total / count, hi)
                                  for n, (lo, total, hi, count) in sorted(self.lengths.items())},
        )


def explore_random(scenario: CompiledScenario, runs: int, seed: int,
                   follow: dict[tuple[str, int], str] | None = None, max_steps: int = 1000,
                   origin: State | None = None, keep: list[tuple[int, list[str]]] | None = None,
                   progress: Callable[[int], None] | None = None) -> Report:
    """Random play. With `keep`, each run's seed and decisions are appended to it: a run plays its
    k-th decision with `SeededDice(seed, k)`, as a saved playthrough does, so each is a save.
    `progress`, if given, is told how many runs are done, every 256 runs."""
    campaign = Campaign(scenario)
    tally = _Tally(scenario)
    start = time.perf_counter()
    for run in range(runs):
        if progress is not None and not run & 255:
            progress(run)
        run_seed = (seed * 1_000_003 + run) & 0x7FFFFFFFFFFFFFFF
        taken_here: list[str] = []
        if keep is not None:
            keep.append((run_seed, taken_here))
        _play_once(campaign, tally, origin if origin is not None else campaign.start(), run_seed,
                   follow, max_steps, taken_here if keep is not None else None)
    return tally.report("follow" if follow else "random", runs, seed, time.perf_counter() - start)


def _play_once(campaign: Campaign, tally: _Tally, state: State, run_seed: int,
               follow: dict[tuple[str, int], str] | None, max_steps: int, taken_here: list[str] | None) -> None:
    """One random playthrough from `state`, its dice seeded by `run_seed` and the decision's number."""
    scenario = campaign.scenario
    rng = random.Random(run_seed)
    for k in range(max_steps):
        tally.visited.add(state.node)
        if scenario.is_ending(state.node):
            tally.ended(state.node, k)
            return
        options = campaign.available(state)
        if not options:
            tally.dead += 1
            return
        option = None
        if follow:
            wanted = follow.get(decision_point(scenario, state))
            if wanted in options:
                option = wanted
        if option is None:
            option = options[rng.randrange(len(options))]
        tally.taken.add(choice_key(scenario, state, option))
        if taken_here is not None:
            taken_here.append(option)
        state = campaign.step(state, option, SeededDice(run_seed, k), check=False, log=False).state
        tally.steps += 1
    tally.dead += 1


# -- exhaustive exploration ---------------------------------------------------------------------
#
# Every reachable campaign state is walked once, merged by `Abstraction.key`: forward, scene by
# scene, where the story's roads all lead on (`_Forward`); otherwise depth first, keeping the graph
# of each state's successors and summing the endings back to the start (`_Walk`, `_Sums`). A state
# where a battle begins is handed to a battle job; the battle is fought out on its own (in another
# process with `jobs` > 1) and its outcomes become that state's successors when the job is
# collected. Jobs are collected in the order they were handed out, and the states of a battle are
# summed in an order of their own, so the walk, its state limit and every figure are the same
# whatever the number of processes.

ENDING, DEAD, CUT, STEPS = range(4)  # kinds of node in the walk's graph


def _add(table: dict, key: Any, p: float, n: int, rest: tuple) -> None:
    slot = table.get(key)
    if slot is None:
        table[key] = [p, n, *rest]
    else:
        slot[0] += p
        slot[1] += n


# The fighter of a worker process: inherited from the parent where processes are forked, built
# from the scenario's validated data where they are spawned.
_FIGHTER: Fighter | None = None


@dataclass
class _Blueprint:
    """What a spawned worker needs to build its own fighter: the scenario's validated data, not
    its compiled form (compiled expressions are closures, which cannot be sent to a process)."""

    scenario: Any
    sources: Any
    folder: Any
    odds: bool
    merge: bool

    def build(self) -> Fighter:
        from game.scenario.compiled import compile_scenario

        cs = compile_scenario(self.scenario, self.sources, self.folder)
        return Fighter(Campaign(cs), Abstraction(cs, exact=not self.merge, odds=self.odds), self.merge)


def _worker_start(spec: Fighter | _Blueprint) -> None:
    global _FIGHTER
    gc.disable()  # a worker only fights battles: see `collector_paused`
    _FIGHTER = spec if isinstance(spec, Fighter) else spec.build()


def _worker_fight(beginnings: list[tuple[State, int]]) -> Batch:
    assert _FIGHTER is not None
    return _FIGHTER.fight(beginnings)


def _cuts(kin: list[int], alike: list[int], parts: int) -> list[int]:
    """Where batches of beginnings begin (and the last ends), for about `parts` batches of equal
    size. A batch begins where a kin begins (`kin`: the places where one begins, then the end); a
    kin larger than `KIN` is cut at alike beginnings (`alike`, likewise) into pieces of at most
    `KIN` where it can. Beginnings fought as one at the first step (they differ only in what the
    battle's orders read later) are never put in different batches."""
    n = kin[-1]
    starts = []
    for lo, hi in zip(kin, kin[1:]):
        starts.append(lo)
        inner = [i for i in alike if lo < i < hi] if hi - lo > KIN else []
        piece = lo
        for i, after in zip(inner, [*inner[1:], hi]):
            if after - piece > KIN:
                starts.append(i)
                piece = i
    starts.append(n)
    # each batch's end at the start nearest an equal share (the later of two as near)
    return sorted({0, n} | {min(starts, key=lambda i, at=part * n // parts: (abs(i - at), -i))
                            for part in range(1, parts)})


START_METHOD = "fork" if sys.platform == "linux" else "spawn"  # how worker processes are started
# beginnings fought together at most: alike beginnings share states (though few, once their men
# differ), a batch's steps are held at once, and small batches keep every process busy to the end
BATCH = 4
# kin beginnings put in one batch at most, whatever BATCH says (`Fighter.kin`): they share many states
KIN = 16


class _Battles:
    """The battle jobs of one walk, collected in the order they were handed out. Beginnings alike
    (the same battle key: `Fighter.key`) are one job, fought once. When the walk needs the first
    job, the jobs waiting are split into batches of kin beginnings (`Fighter.kin`: they share the
    battle states they both reach), as many as keep every process busy. With one process, a batch
    is fought when its first job is collected; otherwise every batch goes at once to a pool of
    processes, started the first time two wait."""

    def __init__(self, fighter: Fighter, jobs: int, odds: bool):
        self.fighter = fighter
        self.jobs = jobs
        self.odds = odds
        self.queue: deque[tuple[Key, State, Key]] = deque()  # (campaign key, state, battle key)
        self.fights: dict[Key, list] = {}  # battle key -> [beginning, batch (its beginnings, then its result), place]
        self.pool: Any = None

    def hand_out(self, key: Key, state: State) -> None:
        rules = self.fighter.campaign.battle_rules(state)
        battle_key = self.fighter.key(rules, state.node, state.battle, state.values, whole=True)
        self.queue.append((key, state, battle_key))
        self.fights.setdefault(battle_key, [state, None, 0])

    def collect(self, budget: int) -> tuple[Key, State, Key, Fought, int]:
        """The first job: its beginning, battle key and battle fought out (none of its states past
        `budget`), and the steps its batch took if this is the first of the batch collected."""
        key, state, battle_key = self.queue.popleft()
        fight = self.fights[battle_key]
        if fight[1] is None:
            self._batch_waiting(budget)
        batch = fight[1]
        if len(batch) == 1:
            batch.append(self.fighter.fight([(s, budget) for s in batch[0]]))
        done = batch[1] if isinstance(batch[1], Batch) else batch[1].result()
        batch[1] = done
        steps, done.steps = done.steps, 0
        return key, state, battle_key, done.fought[fight[2]], steps

    def _batch_waiting(self, budget: int) -> None:
        # kin beginnings (`Fighter.kin`) side by side, alike beginnings (by key) among them
        waiting = sorted((*self.fighter.kin(fight[0]), k) for k, fight in self.fights.items() if fight[1] is None)
        if self.jobs > 1 and len(waiting) > 1 and self.pool is None:
            self._start_pool()
        n = len(waiting)
        kin = [i for i in range(n) if i == 0 or waiting[i][0] != waiting[i - 1][0]] + [n]
        alike = [i for i in range(n) if i == 0 or waiting[i][1] != waiting[i - 1][1]] + [n]
        busy = min(len(alike) - 1, self.jobs) if self.pool else 1  # batches enough to keep every process busy
        cuts = _cuts(kin, alike, max(-(-n // BATCH), busy))
        if len(cuts) - 1 < busy:  # too few kin to share out whole
            cuts = _cuts(alike, alike, max(-(-n // BATCH), busy))
        for lo, hi in zip(cuts, cuts[1:]):
            fights = [self.fights[k] for *_, k in waiting[lo:hi]]
            batch: list = [[fight[0] for fight in fights]]
            if self.pool is not None:
                batch.append(self.pool.submit(_worker_fight, [(s, budget) for s in batch[0]]))
            for b, fight in enumerate(fights):
                fight[1], fight[2] = batch, b

    def _start_pool(self) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context(START_METHOD)
        cs = self.fighter.campaign.scenario
        spec: Fighter | _Blueprint = self.fighter if START_METHOD == "fork" else _Blueprint(
            cs.scenario, cs.sources, cs.folder, self.odds, self.fighter.merge)
        self.pool = ProcessPoolExecutor(self.jobs, mp_context=context, initializer=_worker_start, initargs=(spec,))

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


class _Walk(Walker):
    """The depth-first walk, for any story: every reachable campaign state once, and the graph of
    their successors, which `_Sums` then sums back from the endings."""

    def __init__(self, *args: Any):
        super().__init__(*args)
        # key -> (ENDING, k) | (DEAD,) | (CUT,) | (STEPS, edges, probability of a dead end inside a battle),
        # each edge (weight for the odds or path counts, paths it stands for, next state's key)
        self.graph: dict[Key, Any] = {}
        self.stack: list[State] = []

    def run(self, origin: State) -> tuple[list, int, bool]:
        root = self._reach(origin)
        while True:
            while self.stack:
                self._expand(self.stack.pop())
            if not self.battles.queue:
                break
            key, state, fought = self._fought()
            self.graph[key] = (CUT,) if fought is None else (STEPS, [
                (p if self.odds else n, n, self._reach(nxt)) for p, n, nxt in self._after(state, fought)
            ], fought.dead_p)
        sums = _Sums(self.graph, len(self.ending_index), self.odds)
        vec, paths = sums.total(root)
        return vec, paths, sums.complete

    def _reach(self, state: State) -> Key:
        """The key of a state reached, queued to be expanded if it is new."""
        key = self.ab.key(state)
        if key not in self.graph:
            self.graph[key] = None
            self.stack.append(state)
        return key

    def _expand(self, state: State) -> None:
        key = self.ab.key(state)
        if not self._counted(state):
            self.graph[key] = (CUT,)
            return
        k = self.ending_index.get(state.node)
        if k is not None:
            self.graph[key] = (ENDING, k)
        elif state.battle is not None and state.battle.step == 0:  # a battle begins: a job of its own
            self.battles.hand_out(key, state)
        else:
            edges = [(p if self.odds else 1, 1, self._reach(nxt)) for p, nxt in self._successors(state)]
            self.graph[key] = (STEPS, edges, 0.0) if edges else (DEAD,)
            self.dead += not edges


class _Forward(Walker):
    """The forward walk, for stories whose roads all lead on (no scene can be reached again from
    itself): scene by scene in an order where every road leads forward, each merged state carries
    the probability and the number of paths that reach it, and a scene's states are dropped once
    they are expanded. It keeps no graph, so a walk of millions of states holds only the scenes in
    between; its figures are those of the depth-first walk."""

    def __init__(self, *args: Any, rank: list[int]):
        super().__init__(*args)
        self.rank = rank
        self.pending: dict[tuple[int, int], dict[Key, list]] = {}  # (rank, battle step) -> key -> [p, n, state]
        self.heap: list[tuple[int, int]] = []
        self.jobs: deque[tuple[int, float, int]] = deque()  # per battle job: (first rank it leads to, p, n)
        width = len(self.ending_index)
        self.vec: list = [0.0] * (width + 2) if self.odds else [0] * (width + 2)
        self.paths = 0
        self.reached = 0  # states other than endings ever put in `pending`

    def run(self, origin: State) -> tuple[list, int, bool]:
        self._add(origin, 1.0, 1)
        while self.heap or self.jobs:
            if self.jobs and (not self.heap or min(j[0] for j in self.jobs) <= self.heap[0][0]):
                self._collect()  # a battle's outcomes are needed before the scenes they can lead to
                continue
            for p, n, state in self.pending.pop(heapq.heappop(self.heap)).values():
                self._expand(state, p, n)
        return self.vec, self.paths, self.complete

    def _add(self, state: State, p: float, n: int) -> None:
        """A state reached with probability p by n paths. States waiting to be walked count
        against the state limit as they are reached, so that the limit bounds what is held."""
        where = (self.rank[state.node], state.battle.step if state.battle is not None else 0)
        layer = self.pending.get(where)
        if layer is None:
            layer = self.pending[where] = {}
            heapq.heappush(self.heap, where)
        key = self.ab.key(state)
        if key not in layer and state.node not in self.ending_index:
            if self.reached + self.battle_states >= self.max_states:
                self.complete, self.limit_reached = False, True
                self.vec[-1] += p if self.odds else 0
                return
            self.reached += 1
        _add(layer, key, p, n, (state,))

    def _expand(self, state: State, p: float, n: int) -> None:
        if not self._counted(state):
            self.vec[-1] += p if self.odds else 0
            return
        k = self.ending_index.get(state.node)
        if k is not None:
            self.vec[k] += p if self.odds else n
            self.paths += n
        elif state.battle is not None and state.battle.step == 0:  # a battle begins: a job of its own
            self.battles.hand_out(self.ab.key(state), state)
            b = self.campaign.battle_rules(state).battle  # type: ignore[union-attr]
            self.jobs.append((min(self.rank[node] for _, node in b.after.routes), p, n))
        else:
            successors = self._successors(state)
            for q, nxt in successors:
                self._add(nxt, p * q, n)
            if not successors:
                self.dead += 1
                self.vec[-2] += p if self.odds else 0

    def _collect(self) -> None:
        _, p, n = self.jobs.popleft()
        _, state, fought = self._fought()
        if fought is None:
            self.vec[-1] += p if self.odds else 0
            return
        self.vec[-2] += p * fought.dead_p if self.odds else 0
        for q, m, nxt in self._after(state, fought):
            self._add(nxt, p * q, n * m)


def _forward_order(scenario: CompiledScenario) -> list[int] | None:
    """Each node's rank in an order where every road (choices, chances, conditional roads, a
    battle's way on) leads to a later node; None when some road leads back (the story can loop)."""
    nodes = scenario.nodes
    after: list[set[int]] = [set() for _ in nodes]
    for i, node in enumerate(nodes):
        if isinstance(node, CScene):
            targets = [t for c in node.choices for t in ([c.target] if c.target else []) + [o.target for o in c.outcomes]]
            targets += [node.battle.after] if node.battle is not None else []
            after[i] = {to for t in targets for _, to in t.routes}
    before = [0] * len(nodes)
    for targets in after:
        for to in targets:
            before[to] += 1
    ready = [i for i in range(len(nodes)) if not before[i]]
    rank = [-1] * len(nodes)
    for r, i in enumerate(_drain(ready, after, before)):
        rank[i] = r
    return None if -1 in rank else rank


def _drain(ready: list[int], after: list[set[int]], before: list[int]) -> Iterable[int]:
    """Kahn's order: a node once every road into it is counted, the lowest first."""
    heapq.heapify(ready)
    while ready:
        i = heapq.heappop(ready)
        yield i
        for to in sorted(after[i]):
            before[to] -= 1
            if not before[to]:
                heapq.heappush(ready, to)


class _Sums:
    """The second pass: each state's ending probabilities (or path counts) and paths, summed back
    from the endings, depth first from the start in the order of the first pass. A vector holds
    one entry per ending, then the probability of a dead end and the probability left unexplored
    (the state limit, or a loop: a state met again on its own road)."""

    def __init__(self, graph: dict[Key, Any], endings: int, odds: bool):
        self.graph = graph
        self.odds = odds
        self.one = 1.0 if odds else 1
        self.width = endings + 2
        self.memo: dict[Key, tuple[list, int]] = {}
        self.open: set[Key] = set()
        self.complete = True

    def _leaf(self, kind: int, k: int = 0) -> tuple[list, int]:
        vec = [self.one * 0] * self.width
        if kind == ENDING:
            vec[k] = self.one
            return vec, 1
        self.complete = self.complete and kind == DEAD
        if self.odds:
            vec[self.width - 2 if kind == DEAD else self.width - 1] = self.one
        return vec, 0

    def _arrive(self, key: Key) -> tuple[list, int] | None:
        """A state's sums if they are known (or it has no successors); else None, and it is opened."""
        done = self.memo.get(key)
        if done is not None:
            return done
        node = self.graph[key]
        if node[0] != STEPS:
            done = self.memo[key] = self._leaf(*node)
            return done
        if key in self.open:  # met again on its own road: a loop
            return self._leaf(CUT)
        self.open.add(key)
        return None

    def total(self, root: Key) -> tuple[list, int]:
        frames: list[list] = []  # [key, next edge, vector so far, paths so far]
        done = self._arrive(root)
        if done is None:
            frames.append(self._frame(root))
        while frames:
            frame = frames[-1]
            edges = self.graph[frame[0]][1]
            if frame[1] < len(edges):
                child = edges[frame[1]][2]
                frame[1] += 1
                sub = self._arrive(child)
                if sub is None:
                    frames.append(self._frame(child))
                    continue
            else:
                sub = self.memo[frame[0]] = (frame[2], frame[3])
                self.open.discard(frame[0])
                frames.pop()
                if not frames:
                    return sub
                frame = frames[-1]
            w, n, _ = self.graph[frame[0]][1][frame[1] - 1]  # what the state adds to the one before it
            acc = frame[2]
            for i, x in enumerate(sub[0]):
                if x:
                    acc[i] += w * x
            frame[3] += n * sub[1]
        assert done is not None
        return done

    def _frame(self, key: Key) -> list:
        node = self.graph[key]
        vec = [self.one * 0] * self.width
        if self.odds:  # a battle's own dead ends
            vec[-2] = node[2]
        return [key, 0, vec, 0]


def _covered(vec: list, complete: bool) -> float:
    """The probability an exact-odds walk accounts for: all of it when complete, else what reached
    an ending or a dead end (summed, not taken from 1, so that nothing reached reads 0)."""
    return 1.0 if complete else min(1.0, max(0.0, sum(vec[:-1])))


def default_jobs() -> int:
    """Every core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on every system
        return max(1, os.cpu_count() or 1)


def default_max_memory_mb() -> int | None:
    """Half the machine's memory, in MB: the walk stops (incomplete) before it would make the
    machine swap. None where the machine's memory cannot be read."""
    try:
        return int(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**20 / 2)
    except (ValueError, OSError, AttributeError):
        return None


# the state limits an exhaustive walk is given unless told otherwise: counting paths (it merges far
# more), and weighing them, where the sweep walks (every state of a scene at once: a walk of tens of
# millions of states takes a minute or two) or one state at a time (about 10,000 states a second)
COUNTING_STATES = 2_000_000
SWEPT_ODDS_STATES = 50_000_000
ODDS_STATES = 200_000


def default_max_states(scenario: CompiledScenario, odds: bool, origin: State | None = None) -> int:
    """The state limit of an exhaustive walk that is given none."""
    if not odds:
        return COUNTING_STATES
    return SWEPT_ODDS_STATES if _swept(scenario, origin) else ODDS_STATES


def _swept(scenario: CompiledScenario, origin: State | None) -> bool:
    """Does the sweep walk this story from there? Where every road leads on, unless from inside a
    battle (whose states are the fighter's alone)."""
    return _forward_order(scenario) is not None and _outside_battle(origin)


def _outside_battle(origin: State | None) -> bool:
    return origin is None or origin.battle is None or origin.battle.step == 0


def _walker(sweep: bool, origin: State, campaign: Campaign, *args: Any) -> Walker:
    """The walk for a story: the sweep (unless told not to, or from inside a battle), or one state
    at a time forward, where every road leads on; depth first where some road leads back."""
    rank = _forward_order(campaign.scenario)
    if rank is None:
        return _Walk(campaign, *args)
    if sweep and _outside_battle(origin):
        from game.engine.sweep import Sweep

        return Sweep(campaign, *args, rank=rank)
    return _Forward(campaign, *args, rank=rank)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused, then as it was. A walk holds hundreds of thousands
    of tuples, lists and dicts alive and makes millions more; the collector went through the live
    ones again and again (a fifth of an exhaustive walk's time, a quarter of the odds from the
    start), to free next to nothing: the walk makes no cycles but a few hundred objects, which
    wait for the collector's next run after the walk. (The whole process is paused: from the
    game's thread, for the few tenths of a second its walks last.)"""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def explore_exhaustive(scenario: CompiledScenario, max_states: int = 3_000_000,
                       origin: State | None = None, merge: bool = True, odds: bool = True,
                       progress: Callable[[int], None] | None = None, jobs: int = 1,
                       max_memory_mb: int | None = None, sweep: bool = True) -> Report:
    """Every reachable state once; exact ending probabilities under uniform random play.

    With `odds=False` the walk covers the same ground (every reachable scene, choice, battle state,
    ending and dead end) but counts paths instead of weighing them: `endings` gives the number of
    distinct decision-and-chance paths to each ending. States that differ only in what chance
    weights read then merge, which makes a whole campaign far cheaper to cover.

    A battle is explored as one macro step: its outcomes (what it writes back to the campaign, and
    where the story goes on) depend only on the battle's own inputs, so they are computed once per
    distinct beginning and shared by every campaign state that begins it alike. With `jobs` > 1
    the distinct battles are fought in that many processes; every figure is the same as with one.
    `progress`, if given, is told the number of states walked now and then; an exception it raises
    stops the walk. With `max_memory_mb`, the walk also stops (incomplete, `memory_reached`) once
    this process holds more than that.

    A story whose roads all lead on is walked forward, scene by scene: by the sweep
    (`game.engine.sweep`, every state of a scene at once), or with `sweep=False` (and from inside a
    battle) one state at a time (`_Forward`), with the same figures. A story that can loop is walked
    depth first (`_Walk`).
    """
    campaign = Campaign(scenario)
    ab = Abstraction(scenario, exact=not merge, odds=odds)
    battles = _Battles(Fighter(campaign, ab, merge), max(1, jobs), odds)
    origin = origin if origin is not None else campaign.start()
    walk = _walker(sweep, origin, campaign, ab, battles, odds, max_states, progress, max_memory_mb)
    start = time.perf_counter()
    try:
        with collector_paused():
            vec, paths, complete = walk.run(origin)
    finally:
        battles.close()
    ending_ids = _ending_ids(scenario)
    elapsed = time.perf_counter() - start
    scene_ids = _scene_ids(scenario)
    seen_ids = {scenario.node_id(n) for n in walk.visited}
    return Report(
        scenario=scenario.id, mode="exhaustive", odds=odds, runs=paths, seed=None,
        endings={e: vec[i] for i, e in enumerate(ending_ids)},
        scenes_visited=sum(1 for s in scene_ids if s in seen_ids), scenes_total=len(scene_ids),
        choices_taken=len(walk.taken), choices_total=len(all_choice_keys(scenario)),
        complete=walk.complete and complete, elapsed_seconds=elapsed,
        playthroughs_per_second=paths / elapsed if elapsed else 0.0,
        choices_per_second=walk.steps / elapsed if elapsed else 0.0,
        states=walk.states + walk.battle_states, dead_ends=walk.dead,
        unvisited_scenes=[s for s in scene_ids if s not in seen_ids],
        covered=_covered(vec, complete) if odds else None, max_states=max_states,
        jobs=battles.jobs if battles.pool is not None else 1,
        limit_reached=walk.limit_reached, battle_states=walk.battle_states,
        max_memory_mb=max_memory_mb, memory_reached=walk.memory_reached and walk.limit_reached,
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
