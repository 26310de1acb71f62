"""The branch tree: every playthrough of a scenario merged into one tree of decisions.

The tree is derived from the recorded playthroughs (seed and decisions each), so it cannot drift
from them. A node is a sequence of decisions; it knows the choices taken from it, the endings found
beneath it, and (by replaying to it) the choices never explored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from game.engine.campaign import Campaign, Option
from game.engine.dice import SeededDice
from game.scenario.compiled import CompiledScenario


@dataclass
class BranchRecord:
    """One playthrough as the tree knows it."""

    id: str
    seed: int
    decisions: list[str]
    ending: str | None = None
    label: str = ""


@dataclass
class BranchNode:
    path: tuple[str, ...]
    seed: int  # the seed of the first playthrough that reached this node (to replay it exactly)
    children: dict[str, BranchNode] = field(default_factory=dict)
    endings: set[str] = field(default_factory=set)
    ending: str | None = None  # an ending reached exactly here
    playthroughs: set[str] = field(default_factory=set)

    @property
    def depth(self) -> int:
        return len(self.path)


@dataclass
class NodeInfo:
    """What the branch screen shows of a node: where it is, and what was and was not tried."""

    title: str
    date: str | None
    options: list[Option]
    explored: set[str]
    historical_path: bool
    ending: str | None

    @property
    def unexplored(self) -> list[Option]:
        """The choices open here that no playthrough has taken yet."""
        return [o for o in self.options if o.available and o.id not in self.explored]


class BranchTree:
    def __init__(self, scenario: CompiledScenario, records: list[BranchRecord]):
        self.scenario = scenario
        self.campaign = Campaign(scenario)
        self.root = BranchNode((), records[0].seed if records else 0)
        for rec in records:
            self.add(rec)

    def add(self, rec: BranchRecord) -> None:
        node = self.root
        node.playthroughs.add(rec.id)
        if rec.ending:
            node.endings.add(rec.ending)
        for option_id in rec.decisions:
            child = node.children.get(option_id)
            if child is None:
                child = BranchNode(node.path + (option_id,), rec.seed)
                node.children[option_id] = child
            child.playthroughs.add(rec.id)
            if rec.ending:
                child.endings.add(rec.ending)
            node = child
        if rec.ending:
            node.ending = rec.ending

    def node(self, path: tuple[str, ...] | list[str]) -> BranchNode | None:
        """The node reached by these decisions, if any playthrough reached it."""
        node = self.root
        for option_id in path:
            child = node.children.get(option_id)
            if child is None:
                return None
            node = child
        return node

    def nodes(self) -> list[BranchNode]:
        out, stack = [], [self.root]
        while stack:
            n = stack.pop()
            out.append(n)
            stack.extend(reversed(list(n.children.values())))
        return out

    def info(self, node: BranchNode) -> NodeInfo:
        """Replay to the node (with the seed that reached it) and list its options.

        `historical_path` is true when every decision on the way was the one taken in 531 (a point
        where the sources record no choice does not leave the road); `unexplored` lists the choices
        open here that no playthrough has taken.
        """
        state = self.campaign.start()
        historical = True
        for i, option_id in enumerate(node.path):
            opts = {o.id: o for o in self.campaign.options(state)}
            if option_id not in opts or not opts[option_id].available:
                break
            # on the road of 531: the historical choice, or a point where the sources record none
            marked = any(o.historical for o in opts.values())
            historical = historical and (opts[option_id].historical or not marked)
            state = self.campaign.step(state, option_id, SeededDice(node.seed, i)).state
        view = self.campaign.view(state)
        title = view.title
        if view.battle is not None:
            title = f"{view.title}: {view.battle.stage}"
        return NodeInfo(title, view.date, list(view.options), set(node.children), historical,
                        self.campaign.ending(state))

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
