"""The branch tree: every playthrough of a scenario merged into one tree of turns.

A turn is a decision and what the dice gave at it. Two playthroughs share a node only while they
took the same decisions *and* the dice fell the same way, so every node has exactly one past, and
replaying its road with the seed that reached it reproduces that past. The tree is derived from the
recorded playthroughs (seed, decisions and chance each), so it cannot drift from them. A node knows
the turns taken from it, the endings found beneath it, and (by replaying to it) the choices never
explored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from game.engine.campaign import Campaign, EngineError, Option, State
from game.engine.dice import SeededDice
from game.scenario.compiled import CompiledScenario
from game.session.playthrough import NotedDice

Chance = tuple[int, ...]


class Turn(NamedTuple):
    """One step of a road: the decision taken and what the dice gave (None when it cannot be known,
    for an old record whose road this version of the scenario no longer has)."""

    option: str
    chance: Chance | None


@dataclass
class BranchRecord:
    """One playthrough as the tree knows it."""

    id: str
    seed: int
    decisions: list[str]
    ending: str | None = None
    label: str = ""
    chance: list[Chance] | None = None  # per decision; None in records written before it was kept


@dataclass
class BranchNode:
    path: tuple[str, ...]
    seed: int  # the seed of the first playthrough that reached this node (any of them replays it)
    chance: tuple[Chance | None, ...] = ()  # what the dice gave at each decision of `path`
    children: dict[Turn, BranchNode] = field(default_factory=dict)
    endings: set[str] = field(default_factory=set)
    ending: str | None = None  # an ending reached exactly here
    playthroughs: set[str] = field(default_factory=set)

    @property
    def depth(self) -> int:
        return len(self.path)

    @property
    def turns(self) -> tuple[Turn, ...]:
        return tuple(Turn(o, c) for o, c in zip(self.path, self.chance))

    @property
    def explored(self) -> set[str]:
        """The decisions taken from here, whatever the dice gave."""
        return {t.option for t in self.children}

    def taken(self, option_id: str) -> list[BranchNode]:
        """The nodes reached by this decision: more than one when the dice parted the roads."""
        return [child for turn, child in self.children.items() if turn.option == option_id]


@dataclass
class NodeInfo:
    """What the branch screen shows of a node: where it is, and what was and was not tried."""

    title: str
    date: str | None
    options: list[Option]
    explored: set[str]
    historical_path: bool
    ending: str | None
    told: tuple[str, ...] = ()  # what the decision that led here told (its text and the dice's)
    reproduced: bool = True  # replaying the road gave the dice recorded for it

    @property
    def unexplored(self) -> list[Option]:
        """The choices open here that no playthrough has taken yet."""
        return [o for o in self.options if o.available and o.id not in self.explored]


def _sentences(texts: tuple[str, ...]) -> list[str]:
    flat = " ".join(" ".join(texts).split())
    return [x for x in re.split(r"(?<=[.!?])\s+", flat) if x]


def _short(sentence: str, limit: int = 70) -> str:
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rsplit(" ", 1)[0] + "…"


class BranchTree:
    def __init__(self, scenario: CompiledScenario, records: list[BranchRecord]):
        self.scenario = scenario
        self.campaign = Campaign(scenario)
        self.root = BranchNode((), records[0].seed if records else 0)
        for rec in records:
            self.add(rec)

    def chance_of(self, seed: int, decisions: list[str]) -> list[Chance | None]:
        """What the dice give at each decision when these are replayed with this seed (None from
        the first decision this version of the scenario does not have)."""
        state = self.campaign.start()
        out: list[Chance | None] = []
        for i, option_id in enumerate(decisions):
            if option_id not in self.campaign.available(state):
                break
            dice = NotedDice(SeededDice(seed, i))
            try:
                state = self.campaign.step(state, option_id, dice, log=False).state
            except EngineError:  # pragma: no cover - `available` said it was open
                break
            out.append(tuple(dice.picks))
        return out + [None] * (len(decisions) - len(out))

    def add(self, rec: BranchRecord) -> None:
        chance: list[Chance | None]
        if rec.chance is not None and len(rec.chance) == len(rec.decisions):
            chance = list(rec.chance)
        else:  # an older record: what the dice gave is derived by replaying it
            chance = self.chance_of(rec.seed, rec.decisions)
        node = self.root
        node.playthroughs.add(rec.id)
        if rec.ending:
            node.endings.add(rec.ending)
        for option_id, picks in zip(rec.decisions, chance):
            turn = Turn(option_id, picks)
            child = node.children.get(turn)
            if child is None:
                child = BranchNode(node.path + (option_id,), rec.seed, node.chance + (picks,))
                node.children[turn] = child
            child.playthroughs.add(rec.id)
            if rec.ending:
                child.endings.add(rec.ending)
            node = child
        if rec.ending:
            node.ending = rec.ending

    def node(self, path: tuple[str, ...] | list[str], chance: list[Chance] | None = None) -> BranchNode | None:
        """The node reached by these decisions (and, if given, what the dice gave at each), if any
        playthrough reached it. Without `chance`, where the dice parted the roads, the first
        recorded road that goes on with these decisions."""
        if chance is None:
            found = self.nodes_at(path)
            return found[0] if found else None
        node = self.root
        for option_id, picks in zip(path, chance):
            child = node.children.get(Turn(option_id, tuple(picks)))
            if child is None:
                return None
            node = child
        return node if len(chance) == len(path) else None

    def nodes_at(self, path: tuple[str, ...] | list[str]) -> list[BranchNode]:
        """Every node reached by these decisions: one per way the dice fell."""
        level = [self.root]
        for option_id in path:
            level = [child for n in level for child in n.taken(option_id)]
        return level

    def nodes(self) -> list[BranchNode]:
        out, stack = [], [self.root]
        while stack:
            n = stack.pop()
            out.append(n)
            stack.extend(reversed(list(n.children.values())))
        return out

    def replay(self, node: BranchNode) -> tuple[State, list[str], bool, bool]:
        """Replay to the node with the seed that reached it: the state, what its last decision told,
        whether every decision was on the road of 531, and whether the dice fell as recorded."""
        state = self.campaign.start()
        historical = reproduced = True
        told: list[str] = []
        for i, option_id in enumerate(node.path):
            opts = {o.id: o for o in self.campaign.options(state)}
            if option_id not in opts or not opts[option_id].available:
                reproduced = False
                break
            # on the road of 531: the historical choice, or a point where the sources record none
            marked = any(o.historical for o in opts.values())
            historical = historical and (opts[option_id].historical or not marked)
            dice = NotedDice(SeededDice(node.seed, i))
            step = self.campaign.step(state, option_id, dice, log=i == len(node.path) - 1)
            state, told = step.state, step.text
            if node.chance[i] is not None and tuple(dice.picks) != node.chance[i]:
                reproduced = False
        return state, told, historical, reproduced

    def info(self, node: BranchNode) -> NodeInfo:
        """Replay to the node (with the seed that reached it) and list its options.

        `historical_path` is true when every decision on the way was the one taken in 531 (a point
        where the sources record no choice does not leave the road); `unexplored` lists the choices
        open here that no playthrough has taken.
        """
        state, told, historical, reproduced = self.replay(node)
        view = self.campaign.view(state)
        title = view.title
        if view.battle is not None:
            title = f"{view.title}: {view.battle.stage}"
        return NodeInfo(title, view.date, list(view.options), node.explored, historical,
                        self.campaign.ending(state), tuple(t.rstrip() for t in told), reproduced)

    def outcomes(self, parent: BranchNode, option_id: str) -> dict[Turn, str]:
        """Where the dice parted the roads after one decision: a few words for each road, from the
        first thing told that the roads do not share."""
        children = [(turn, child) for turn, child in parent.children.items() if turn.option == option_id]
        told = {turn: _sentences(self.info(child).told) for turn, child in children}
        shared = set.intersection(*(set(x) for x in told.values())) if told else set()
        out: dict[Turn, str] = {}
        for n, (turn, _) in enumerate(children, 1):
            own = [x for x in told[turn] if x not in shared]
            out[turn] = _short(own[0]) if own else f"the dice fell another way ({n})"
        return out

    def historical_path(self) -> list[str]:
        """The decisions the real Belisarius took, as far as the tree can follow them."""
        state = self.campaign.start()
        path: list[str] = []
        for i in range(500):
            opts = self.campaign.options(state)
            hist = next((o for o in opts if o.historical and o.available), None)
            if hist is None:
                break
            path.append(hist.id)
            state = self.campaign.step(state, hist.id, SeededDice(self.root.seed, i)).state
        return path
