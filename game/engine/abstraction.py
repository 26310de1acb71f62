"""Exact state merging for the explorer: which values still matter, and how finely.

Two states at the same scene are interchangeable when every possible future treats them alike.
A value that is only ever compared with constants (`court >= 7`) and shifted by constants
(`court += 1`) matters only through which side of each future threshold it falls on: the values
between two such thresholds can be merged. This module computes, for every scene and every value,
the thresholds ("cuts") that can still make a difference, by pulling them back through the
effects from the end of the story to its start (a backward fixed point). A value used in any other
way (a weight such as `authority + discipline`, arithmetic, a battle's rules) keeps its exact value.

How each expression uses each value (its thresholds, its bounds, whether it is a constant) is
worked out once, as the scenario is compiled (`game.scenario.expressions.Analysis`); this module
only combines those analyses along the story.

The merge is exact: from merged states, every sequence of decisions and chance outcomes leads to
the same endings with the same probabilities.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import deque
from collections.abc import Iterable, Mapping, Sequence

from game.scenario.compiled import CBattle, CompiledScenario, CScene, Target
from game.scenario.expressions import ALL, BOOL, Compiled, Cuts, Effect, union

Row = list[Cuts]  # per slot of the layout
Banded = tuple[int, ...] | None  # sorted cut points, or None when the exact value matters


def _uses(expr: Compiled | Effect | None) -> Mapping[int, Cuts]:
    """How an expression (an effect: its value) uses each slot it reads."""
    return {} if expr is None else expr.analysis.cuts


def _merge(into: Row, more: Mapping[int, Cuts] | Row) -> None:
    items = more.items() if isinstance(more, Mapping) else enumerate(more)
    for j, c in items:
        into[j] = union(into[j], c)


def _pull(after: Row, effects: Iterable[Effect]) -> Row:
    """The cuts before a sequence of effects, given the cuts after it."""
    cur = list(after)
    for e in reversed(list(effects)):
        i = e.slot.index
        target_after = cur[i]
        matters = target_after is ALL or bool(target_after)
        const = e.analysis.constant
        if e.op == "=":
            cur[i] = frozenset()
            if matters and const is None:
                # the new value depends on the old ones only as the expression uses them: through
                # thresholds when it only compares them with constants
                _merge(cur, _uses(e))
        elif not matters:
            continue
        elif const is not None and target_after is not ALL:
            k = const if e.op == "+=" else -const
            lo, hi = e.slot.lo, e.slot.hi
            cur[i] = frozenset(c - k for c in target_after if lo < c - k <= hi)
        else:
            cur[i] = ALL
            for j in _uses(e):
                cur[j] = ALL
    return cur


def _battle_reads(b: CBattle, scenario: CompiledScenario, begun: bool = False,
                  orders: bool = True) -> dict[int, Cuts]:
    """How a battle reads the campaign's values: units exactly, everything else by thresholds.

    `begun`: only what it reads after `BattleRules.begin`, which reads the units and the setups of
    the morning (those with no phase that reveal nothing) into the battle's state once and for all.
    `orders=False`: all but what the orders of its phases read (`_late_reads`).
    """
    tables = b.model.tables
    out: dict[int, Cuts] = {}

    def add(more: Mapping[int, Cuts]) -> None:
        for j, c in more.items():
            out[j] = union(out.get(j, frozenset()), c)

    if not begun:
        for slots in b.unit_slots.values():
            add(dict.fromkeys(slots, ALL))
    add({j: frozenset(tables.loyalty_cuts) for j in b.loyalty_slots.values()})
    discipline = scenario.namespace.slots.get(b.model.discipline or "")
    if discipline is not None:
        add({discipline.index: frozenset(tables.discipline_cuts)})
    for st in b.setup:
        if not begun or st.phase is not None or st.reveal:
            add(_uses(st.cond))
    for h in b.hidden:  # read when the army is deployed
        add(_uses(h.cond))
    for cond, _ in b.after.routes:
        add(_uses(cond))
    choices = [opt for group in b.deployment for opt in group]
    if orders:
        choices += [order for row in b.orders for order in row]
    for choice in choices:
        add(_uses(choice.cond))
        for e in choice.effects:  # the battle's own arithmetic on the values it changes: exact
            add({e.slot.index: ALL})
            add(dict.fromkeys(_uses(e), ALL))
    return out


def battle_reads(b: CBattle, scenario: CompiledScenario) -> tuple[tuple[int, Banded], ...]:
    """Every value a battle reads from its beginning on, with its cut points (None: the exact value):
    states alike in these begin the battle alike, fight it alike and leave it alike."""
    return tuple((j, None if c is ALL else tuple(sorted(c)))
                 for j, c in sorted(_battle_reads(b, scenario).items()) if c is ALL or c)


def _late_reads(b: CBattle, scenario: CompiledScenario) -> set[int]:
    """The values a battle reads only in the conditions of its phases' orders, and never writes:
    they decide which orders are open, and nothing else of the battle. Beginnings that differ only
    there are fought as one, each beginning given the orders its own values open (`Fighter`)."""
    orders = [order for row in b.orders for order in row]
    rest = set(_battle_reads(b, scenario, begun=True, orders=False)) | b.writes
    rest |= {j for order in orders for e in order.effects for j in (e.slot.index, *_uses(e))}
    return {j for order in orders for j in _uses(order.cond) if j not in rest}


def _leads_to(node: object) -> set[int]:
    """The nodes a scene's choices, chance outcomes and battle can lead to (none from an ending)."""
    if not isinstance(node, CScene):
        return set()
    targets = [t for c in node.choices
               for t in ([c.target] if c.target is not None else [o.target for o in c.outcomes])]
    if node.battle is not None:
        targets.append(node.battle.after)
    return {j for t in targets for _, j in t.routes}


def _later_first(leads: Sequence[set[int]], scenes: Sequence[bool]) -> list[int]:
    """The scenes (`scenes[i]`), each after every node it leads to (`leads[i]`) where the story
    does not loop back to it (a depth-first walk's post-order from each node in turn)."""
    order: list[int] = []
    done = [False] * len(leads)
    for root in range(len(leads)):
        if done[root]:
            continue
        done[root] = True
        stack = [(root, iter(sorted(leads[root])))]
        while stack:
            i, rest = stack[-1]
            j = next((j for j in rest if not done[j]), None)
            if j is None:
                stack.pop()
                if scenes[i]:
                    order.append(i)
                continue
            done[j] = True
            stack.append((j, iter(sorted(leads[j]))))
    return order


class _Liveness:
    """The backward fixed point: per node, the cuts of every value that some future can still read."""

    def __init__(self, scenario: CompiledScenario, odds: bool):
        self.scenario = scenario
        self.odds = odds
        self.width = len(scenario.layout)
        self.cuts: list[Row] = [[frozenset()] * self.width for _ in scenario.nodes]
        self._battle_reads = {
            i: _battle_reads(node.battle, scenario)
            for i, node in enumerate(scenario.nodes) if isinstance(node, CScene) and node.battle is not None
        }

    def solve(self) -> list[Row]:
        """A scene's cuts are worked out from those of the scenes it leads to: each scene is taken
        after the scenes after it (once, where the story never loops back), and again whenever one
        of them changed. The cuts only grow, so this ends, at the same cuts in any order."""
        nodes = self.scenario.nodes
        leads = [_leads_to(node) for node in nodes]
        before: list[set[int]] = [set() for _ in nodes]
        for i, after in enumerate(leads):
            for j in after:
                before[j].add(i)
        waiting = deque(_later_first(leads, [isinstance(node, CScene) for node in nodes]))
        queued = set(waiting)
        while waiting:
            i = waiting.popleft()
            queued.discard(i)
            row = self._scene(i, nodes[i])
            if row != self.cuts[i]:
                self.cuts[i] = row
                for k in sorted(before[i] - queued):
                    waiting.append(k)
                    queued.add(k)
        return self.cuts

    def arrival(self, i: int) -> Row:
        """The cuts on arrival at node i, before its own effects run."""
        node = self.scenario.nodes[i]
        return _pull(self.cuts[i], node.effects) if isinstance(node, CScene) and node.effects else self.cuts[i]

    def _through(self, t: Target) -> Row:
        """The cuts before a road is taken: those on arrival at each node it leads to, and its conditions'."""
        acc: Row = [frozenset()] * self.width
        for cond, node in t.routes:
            _merge(acc, self.arrival(node))
            _merge(acc, _uses(cond))
        return acc

    def _scene(self, i: int, node: CScene) -> Row:
        acc: Row = [frozenset()] * self.width
        for c in node.choices:
            if c.target is not None:
                after = self._through(c.target)
            else:
                after = [frozenset()] * self.width
                for o in c.outcomes:
                    _merge(after, _pull(self._through(o.target), o.effects))
                    # a weight matters to the odds; to where the story can go only if it can rule out
                    if self.odds or o.weight.analysis.may_be_zero_or_less():
                        _merge(after, _uses(o.weight))
            _merge(acc, _pull(after, c.effects))
            _merge(acc, _uses(c.cond))
        if node.battle is not None:
            after = self._through(node.battle.after)
            written = node.battle.writes
            reads = self._battle_reads[i]
            for j in range(self.width):
                if j in reads:
                    acc[j] = union(acc[j], reads[j])
                if j not in written:
                    acc[j] = union(acc[j], after[j])
        return acc


def _banded(row: Row) -> list[Banded]:
    return [None if c is ALL else tuple(sorted(c)) for c in row]


class Abstraction:
    """Per scene, the cut points of every value; `key` maps a state to its merged form."""

    def __init__(self, scenario: CompiledScenario, exact: bool = False, odds: bool = True):
        """`exact=True` merges nothing (every value kept): a reference for tests.

        `odds=False` keeps only what decides where the story can go, not how likely it is: a chance
        outcome's weight then matters only when it may be zero (an outcome that can be ruled out),
        so values read only by weights that are always positive are merged away. That is the
        merging for coverage: every reachable scene, choice, ending and dead end, and the number of
        paths to each, but not the probabilities.
        """
        self.scenario = scenario
        self.is_flag = [s.type == BOOL for s in scenario.layout]
        width, n = len(scenario.layout), len(scenario.nodes)
        if exact:
            cuts = arrival = [[ALL] * width for _ in range(n)]
        else:
            live = _Liveness(scenario, odds)
            cuts = live.solve()
            # where a battle's outcome leaves the story, the explorer enters the next scene after merging
            arrival = [live.arrival(i) for i in range(n)]
        self.cuts = [_banded(row) for row in cuts]
        self._arrival = [_banded(row) for row in arrival]
        # per battle scene: the values the battle still reads once it has begun, with their cuts
        self._begun: dict[int, tuple[tuple[int, Banded], ...]] = {}
        # per battle scene: the values only its orders' conditions read (`_late_reads`), and the
        # rest of what it reads once begun
        self._late: dict[int, tuple[int, ...]] = {}
        self._begun_open: dict[int, tuple[tuple[int, Banded], ...]] = {}
        for i, node in enumerate(scenario.nodes):
            if isinstance(node, CScene) and node.battle is not None:
                b = node.battle
                begun = _battle_reads(b, scenario, begun=True)
                if exact:
                    begun = dict.fromkeys(set(begun) | b.reads | b.writes, ALL)
                self._begun[i] = tuple((j, None if c is ALL else tuple(sorted(c)))
                                       for j, c in sorted(begun.items()) if c is ALL or c)
                late = set() if exact else _late_reads(b, scenario)
                self._late[i] = tuple(j for j, _ in self._begun[i] if j in late)
                self._begun_open[i] = tuple((j, c) for j, c in self._begun[i] if j not in late)
        # per node: the exact slots, and the (slot, cuts) pairs; dead slots are left out of keys
        self._exact = [tuple(j for j, c in enumerate(row) if c is None) for row in self.cuts]
        self._bands = [tuple((j, c) for j, c in enumerate(row) if c) for row in self.cuts]

    def key(self, state: object) -> tuple:
        node, values, battle = state  # type: ignore[misc]
        return (
            node,
            tuple([values[j] for j in self._exact[node]]),
            tuple([bisect_right(c, values[j]) for j, c in self._bands[node]]),
            battle,
        )

    @property
    def arrivals(self) -> list[list[Banded]]:
        """Per node: the cut points of every value on arrival there, before its own effects."""
        return self._arrival

    def cells(self, node: int, values: tuple[int, ...], slots: tuple[int, ...]) -> tuple[int, ...]:
        """The merged form of some slots' values at a node (exact, banded, or 0 when dead)."""
        return _cells(self.cuts[node], values, slots)

    def live_on_arrival(self, node: int, slots: tuple[int, ...]) -> tuple[tuple[int, Banded], ...]:
        """Of some slots, those that matter on arrival at a node, with their cuts (None: exact):
        `banded(values, live)` is their merged form, as `cells` gives it at the node itself."""
        row = self._arrival[node]
        return tuple((j, row[j]) for j in slots if row[j] is None or row[j])

    def battle_key(self, node: int, values: tuple[int, ...], whole: bool = True) -> tuple[int, ...]:
        """The merged form of the values a battle at `node` still reads once it has begun.

        With the battle's state this decides all the rest of the battle (its decisions, chances,
        and the values it changes), whatever else the campaign's values hold: its units and the
        setups of its first morning are already in the battle's state. Not `whole`: without the
        values only its orders' conditions read (`late`), which open orders and decide nothing else.
        """
        read = self._begun[node] if whole else self._begun_open[node]
        return tuple([values[j] if c is None else bisect_right(c, values[j]) for j, c in read])

    def late(self, node: int) -> tuple[int, ...]:
        """The values the battle at `node` reads only in its orders' conditions (which orders are
        open), and never writes."""
        return self._late[node]



def banded(values: tuple[int, ...], live: tuple[tuple[int, Banded], ...]) -> tuple[int, ...]:
    """The merged form of the values of `live` slots (from `Abstraction.live_on_arrival`)."""
    return tuple([values[j] if c is None else bisect_right(c, values[j]) for j, c in live])


def _cells(row: list[Banded], values: tuple[int, ...], slots: tuple[int, ...]) -> tuple[int, ...]:
    return tuple([values[j] if (c := row[j]) is None else bisect_right(c, values[j]) if c else 0 for j in slots])


def thresholds_here(scenario: CompiledScenario, node: int) -> dict[int, tuple[int, ...]]:
    """The values at which something in this scene itself changes: the cut points of its choices'
    conditions, chance weights and roads, its text variants and counsel, and its battle's setup and
    deployment conditions, per slot (values used other than by comparison are left out). These are
    what a player can see matter to the decision in front of them."""
    n = scenario.nodes[node]
    exprs: list[Compiled | None] = [c for c, _ in getattr(n, "variants", ())]
    if isinstance(n, CScene):
        exprs += [c for c, _ in n.counsel]
        for ch in n.choices:
            exprs.append(ch.cond)
            exprs += [o.weight for o in ch.outcomes]
            for t in ([ch.target] if ch.target else []) + [o.target for o in ch.outcomes]:
                exprs += [cond for cond, _ in t.routes]
        if n.battle is not None:
            exprs += [s.cond for s in n.battle.setup]
            exprs += [opt.cond for group in n.battle.deployment for opt in group]
    out: dict[int, set[int]] = {}
    for e in exprs:
        for slot, cuts in _uses(e).items():
            if cuts:  # ALL (None) and empty sets carry no threshold to show
                out.setdefault(slot, set()).update(cuts)
    return {slot: tuple(sorted(c)) for slot, c in out.items()}
