"""Exact state merging for the explorer: which values still matter, and how finely.

Two states at the same scene are interchangeable when every possible future treats them alike.
A value that is only ever compared with constants (`court >= 7`) and shifted by constants
(`court += 1`) matters only through which side of each future threshold it falls on: the values
between two such thresholds can be merged. This module computes, for every scene and every value,
the thresholds ("cuts") that can still make a difference, by pulling them back through the
effects from the end of the story to its start (a backward fixed point). A value used in any other
way (a weight such as `authority + discipline`, arithmetic, a battle's rules) keeps its exact value.

The merge is exact: from merged states, every sequence of decisions and chance outcomes leads to
the same endings with the same probabilities.
"""

from __future__ import annotations

import ast
from bisect import bisect_right
from collections.abc import Iterable

from game.scenario.compiled import CompiledScenario, CScene, Target
from game.scenario.expressions import BOOL, Compiled, Effect

ALL = None  # the exact value matters
Cuts = frozenset[int] | None


def _union(a: Cuts, b: Cuts) -> Cuts:
    if a is ALL or b is ALL:
        return ALL
    return a | b


class _Uses:
    """How one compiled expression uses each slot: threshold cuts, or ALL for any other use."""

    def __init__(self, scenario: CompiledScenario):
        self.slots = scenario.namespace.slots
        self.cache: dict[str, dict[int, Cuts]] = {}

    def of(self, expr: Compiled | Effect | None) -> dict[int, Cuts]:
        if expr is None:
            return {}
        if isinstance(expr, Effect):
            tree = ast.parse(expr.source.strip(), mode="exec").body[0]
            value = tree.value  # type: ignore[attr-defined]
            return self._expr(value)
        if expr.source not in self.cache:
            self.cache[expr.source] = self._expr(ast.parse(expr.source.strip(), mode="eval").body)
        return self.cache[expr.source]

    def of_target(self, t: Target) -> dict[int, Cuts]:
        out: dict[int, Cuts] = {}
        for cond, _ in t.routes:
            for j, c in self.of(cond).items():
                out[j] = _union(out.get(j, frozenset()), c)
        return out

    def _name(self, node: ast.AST) -> int | None:
        if isinstance(node, ast.Name):
            slot = self.slots.get(node.id)
        elif isinstance(node, ast.Attribute):
            parts = []
            cur: ast.AST = node
            while isinstance(cur, ast.Attribute):
                parts.append(cur.attr)
                cur = cur.value
            if not isinstance(cur, ast.Name):
                return None
            parts.append(cur.id)
            slot = self.slots.get(".".join(reversed(parts)))
        else:
            return None
        return slot.index if slot is not None else None

    def _const(self, node: ast.AST) -> int | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            inner = self._const(node.operand)
            return -inner if inner is not None else None
        return None

    def _expr(self, node: ast.AST) -> dict[int, Cuts]:
        out: dict[int, Cuts] = {}

        def add(slot: int, cuts: Cuts) -> None:
            out[slot] = _union(out.get(slot, frozenset()), cuts)

        def walk(n: ast.AST) -> None:
            if isinstance(n, ast.Compare) and len(n.ops) == 1:
                left, right, op = n.left, n.comparators[0], n.ops[0]
                ls, rc = self._name(left), self._const(right)
                rs, lc = self._name(right), self._const(left)
                if ls is not None and rc is not None:
                    add(ls, _threshold(op, rc, flipped=False))
                    return
                if rs is not None and lc is not None:
                    add(rs, _threshold(op, lc, flipped=True))
                    return
            if isinstance(n, ast.BoolOp):
                for v in n.values:
                    walk(v)
                return
            if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.Not):
                walk(n.operand)
                return
            slot = self._name(n)
            if slot is not None:
                add(slot, ALL)
                return
            for child in ast.iter_child_nodes(n):
                walk(child)

        walk(node)
        return out


def _threshold(op: ast.cmpop, c: int, flipped: bool) -> Cuts:
    """The cut points of `slot op c` (or `c op slot` when flipped): a cut x splits v < x from v >= x."""
    if isinstance(op, (ast.Eq, ast.NotEq)):
        return frozenset({c, c + 1})
    if flipped:  # c < slot  is  slot > c
        op = {ast.Lt: ast.Gt(), ast.LtE: ast.GtE(), ast.Gt: ast.Lt(), ast.GtE: ast.LtE()}[type(op)]
    if isinstance(op, (ast.GtE, ast.Lt)):
        return frozenset({c})
    return frozenset({c + 1})  # > and <=


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
        uses = _Uses(scenario)
        layout = scenario.layout
        width = len(layout)
        n = len(scenario.nodes)
        self.is_flag = [s.type == BOOL for s in layout]
        cuts: list[list[Cuts]] = [[frozenset()] * width for _ in range(n)]

        def pull(after: list[Cuts], effects: Iterable[Effect]) -> list[Cuts]:
            """Cuts before a sequence of effects, given the cuts after it."""
            cur = list(after)
            for e in reversed(list(effects)):
                i = e.slot.index
                reads = uses.of(e)
                const = _effect_constant(e)
                target_after = cur[i]
                matters = target_after is ALL or bool(target_after)
                if e.op == "=":
                    cur[i] = frozenset()
                    if matters and const is None:
                        # the new value depends on the old values only as the expression uses them:
                        # through thresholds when it only compares them with constants
                        for j, c in reads.items():
                            cur[j] = _union(cur[j], c)
                elif not matters:
                    continue
                elif const is not None and target_after is not ALL:
                    k = const if e.op == "+=" else -const
                    lo, hi = e.slot.lo, e.slot.hi
                    cur[i] = frozenset(c - k for c in target_after if lo < c - k <= hi)
                else:
                    cur[i] = ALL
                    for j in reads:
                        cur[j] = ALL
            return cur

        def merge(into: list[Cuts], more: dict[int, Cuts] | list[Cuts]) -> None:
            items = more.items() if isinstance(more, dict) else enumerate(more)
            for j, c in items:
                into[j] = _union(into[j], c)

        def through_target(t: Target) -> list[Cuts]:
            acc: list[Cuts] = [frozenset()] * width
            for cond, node in t.routes:
                # the cuts on arrival: a scene's own effects run as the story enters it
                entry = scenario.nodes[node].effects if isinstance(scenario.nodes[node], CScene) else ()
                merge(acc, pull(cuts[node], entry) if entry else cuts[node])
                if cond is not None:
                    merge(acc, uses.of(cond))
            return acc

        changed = True
        while changed:
            changed = False
            for i, node in enumerate(scenario.nodes):
                if not isinstance(node, CScene):
                    continue
                acc: list[Cuts] = [frozenset()] * width
                for c in node.choices:
                    if c.target is not None:
                        after = through_target(c.target)
                    else:
                        after = [frozenset()] * width
                        for o in c.outcomes:
                            merge(after, pull(through_target(o.target), o.effects))
                            if odds or _may_vanish(o.weight, uses.slots):
                                merge(after, uses.of(o.weight))
                    merge(acc, pull(after, c.effects))
                    merge(acc, uses.of(c.cond))
                if node.battle is not None:
                    b = node.battle
                    after = through_target(b.after)
                    written = b.writes
                    battle_reads = _battle_reads(b, uses, scenario)
                    for j in range(width):
                        if j in battle_reads:
                            acc[j] = _union(acc[j], battle_reads[j])
                        if j not in written:
                            acc[j] = _union(acc[j], after[j])
                if acc != cuts[i]:
                    cuts[i] = acc
                    changed = True
        # the cuts on arrival at each node, before its own effects run (where a battle's outcome
        # leaves the story: the explorer enters the next scene after merging)
        arrival = [pull(cuts[i], node.effects) if isinstance(node, CScene) and node.effects else cuts[i]
                   for i, node in enumerate(scenario.nodes)]
        if exact:
            cuts = arrival = [[ALL] * width for _ in range(n)]
        self.cuts = [[None if c is ALL else tuple(sorted(c)) for c in row] for row in cuts]
        self._arrival = [[None if c is ALL else tuple(sorted(c)) for c in row] for row in arrival]
        # per battle scene: the values the battle still reads once it has begun, with their cuts
        self._begun: dict[int, tuple[tuple[int, tuple[int, ...] | None], ...]] = {}
        for i, node in enumerate(scenario.nodes):
            if isinstance(node, CScene) and node.battle is not None:
                b = node.battle
                live = _battle_reads(b, uses, scenario, begun=True)
                if exact:
                    live = dict.fromkeys(set(live) | b.reads | b.writes, ALL)
                self._begun[i] = tuple(
                    (j, None if c is ALL else tuple(sorted(c))) for j, c in sorted(live.items()) if c is ALL or c
                )
        # per node: the exact slots, and the (slot, cuts) pairs; dead slots are left out of keys
        self._exact = [tuple(j for j, c in enumerate(row) if c is None) for row in self.cuts]
        self._banded = [tuple((j, c) for j, c in enumerate(row) if c) for row in self.cuts]

    def key(self, state: object) -> tuple:
        node, values, battle = state  # type: ignore[misc]
        return (
            node,
            tuple([values[j] for j in self._exact[node]]),
            tuple([bisect_right(c, values[j]) for j, c in self._banded[node]]),
            battle,
        )

    def cells(self, node: int, values: tuple[int, ...], slots: tuple[int, ...]) -> tuple[int, ...]:
        """The merged form of some slots' values at a node (exact, banded, or 0 when dead)."""
        return _cells(self.cuts[node], values, slots)

    def cells_on_arrival(self, node: int, values: tuple[int, ...], slots: tuple[int, ...]) -> tuple[int, ...]:
        """As `cells`, for values arriving at a node before its own `effects` have run."""
        return _cells(self._arrival[node], values, slots)

    def battle_key(self, node: int, values: tuple[int, ...]) -> tuple[int, ...]:
        """The merged form of the values a battle at `node` still reads once it has begun.

        With the battle's state this decides all the rest of the battle (its decisions, chances,
        and the values it changes), whatever else the campaign's values hold: its units and the
        setups of its first morning are already in the battle's state.
        """
        return tuple([values[j] if c is None else bisect_right(c, values[j]) for j, c in self._begun[node]])

    def exact_slots(self, node: int) -> list[str]:
        return [self.scenario.names[j] for j, c in enumerate(self.cuts[node]) if c is None]


def _cells(row: list[tuple[int, ...] | None], values: tuple[int, ...], slots: tuple[int, ...]) -> tuple[int, ...]:
    return tuple([values[j] if (c := row[j]) is None else bisect_right(c, values[j]) if c else 0 for j in slots])


def _may_vanish(weight: Compiled, slots: dict) -> bool:
    """Can this chance weight be zero or less (ruling its outcome out) for some values?"""
    try:
        lo, _ = _bounds(ast.parse(weight.source.strip(), mode="eval").body, slots)
    except ValueError:
        return True
    return lo <= 0


def _bounds(node: ast.AST, slots: dict) -> tuple[int, int]:
    """The least and greatest value an expression can take over every value's range."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, bool)):
        return int(node.value), int(node.value)
    if isinstance(node, (ast.Compare, ast.BoolOp)) or (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)):
        return 0, 1
    if isinstance(node, (ast.Name, ast.Attribute)):
        name = node.id if isinstance(node, ast.Name) else ast.unparse(node)
        if name in ("true", "false"):
            return (1, 1) if name == "true" else (0, 0)
        slot = slots.get(name)
        if slot is None:
            raise ValueError(name)
        return slot.lo, slot.hi
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        lo, hi = _bounds(node.operand, slots)
        return (-hi, -lo) if isinstance(node.op, ast.USub) else (lo, hi)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult)):
        a, b = _bounds(node.left, slots), _bounds(node.right, slots)
        if isinstance(node.op, ast.Add):
            return a[0] + b[0], a[1] + b[1]
        if isinstance(node.op, ast.Sub):
            return a[0] - b[1], a[1] - b[0]
        products = [x * y for x in a for y in b]
        return min(products), max(products)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("min", "max"):
        parts = [_bounds(arg, slots) for arg in node.args]
        pick = min if node.func.id == "min" else max
        return pick(p[0] for p in parts), pick(p[1] for p in parts)
    raise ValueError(ast.dump(node))  # anything else: assume it may vanish


def _effect_constant(e: Effect) -> int | None:
    if e.reads - {e.slot.index}:
        return None
    tree = ast.parse(e.source.strip(), mode="exec").body[0]
    value = tree.value  # type: ignore[attr-defined]
    if isinstance(value, ast.Constant):
        v = value.value
        return int(v) if isinstance(v, (int, bool)) else None
    if isinstance(value, ast.Name) and value.id in ("true", "false"):
        return 1 if value.id == "true" else 0
    if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.USub) and isinstance(value.operand, ast.Constant):
        return -int(value.operand.value)
    return None


def _battle_reads(b, uses: _Uses, scenario: CompiledScenario,  # noqa: ANN001
                  begun: bool = False) -> dict[int, Cuts]:
    """How a battle reads the campaign's values: units exactly, everything else by thresholds.

    `begun`: only what it reads after `BattleRules.begin`, which reads the units and the setups of
    the morning (those with no phase that reveal nothing) into the battle's state once and for all.
    """
    from game.engine.battle import DISCIPLINE_CUTS, LOYALTY_CUTS

    out: dict[int, Cuts] = {}

    def add(more: dict[int, Cuts]) -> None:
        for j, c in more.items():
            out[j] = _union(out.get(j, frozenset()), c)

    if not begun:
        for slots in b.unit_slots.values():
            add({j: ALL for j in slots})
    add({j: frozenset(LOYALTY_CUTS) for j in b.loyalty_slots.values()})
    if b.model.discipline and b.model.discipline in scenario.namespace.slots:
        add({scenario.namespace.slots[b.model.discipline].index: frozenset(DISCIPLINE_CUTS)})
    for st in b.setup:
        if not begun or st.phase is not None or st.reveal:
            add(uses.of(st.cond))
    add(uses.of_target(b.after))
    for group in b.deployment:
        for opt in group:
            add(uses.of(opt.cond))
            for e in opt.effects:
                add({e.slot.index: ALL})
                add({j: ALL for j in uses.of(e)})
    for row in b.orders:
        for order in row:
            add(uses.of(order.cond))
            for e in order.effects:
                add({e.slot.index: ALL})
                add({j: ALL for j in uses.of(e)})
    return out


def thresholds_here(scenario: CompiledScenario, node: int) -> dict[int, tuple[int, ...]]:
    """The values at which something in this scene itself changes: the cut points of its choices'
    conditions, chance weights and roads, its text variants and counsel, and its battle's setup and
    deployment conditions, per slot (values used other than by comparison are left out). These are
    what a player can see matter to the decision in front of them."""
    uses = _Uses(scenario)
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
        for slot, cuts in uses.of(e).items():
            if cuts:  # ALL (None) and empty sets carry no threshold to show
                out.setdefault(slot, set()).update(cuts)
    return {slot: tuple(sorted(c)) for slot, c in out.items()}
