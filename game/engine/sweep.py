"""The sweep: the forward walk of the explorer, every state of a scene at once.

The forward walk (`explore._Forward`) takes the campaign's states one at a time through its rules.
The sweep walks the same states, scene by scene in the same order, but holds all the states that
reach a scene as the columns of one array, a row for each value some future of theirs can still
read (`_Place`). A scene's conditions, chance weights, effects and roads are worked out over whole
rows at once (numpy),
and its states are merged as the forward walk merges them (`Abstraction`: the values no future can
tell apart are left out) by sorting their merged forms. Battles are fought as ever, once per
distinct beginning (`explore._Battles`); a battle's outcomes then go to every state that began it
alike, all at once.

Its figures are the forward walk's: the same states, dead ends, choices taken and path counts, and
the same odds but for the order in which the probabilities are added (a difference in the last
digits of a float). The tests hold it to that. Stopped by a limit, each says what it covers, but
they stop at different points: the sweep counts a scene's states as it walks them (the first in
its merged order, up to the limit) and fights a battle as soon as its scene is walked, where the
forward walk counts states as they are reached and fights a battle once a later scene needs it.
"""

from __future__ import annotations

import ast
import heapq
import operator
from collections.abc import Callable
from functools import reduce
from typing import Any

import numpy as np

from game.engine.abstraction import battle_reads
from game.engine.state import State
from game.engine.walker import Walker
from game.scenario.compiled import CScene, Target
from game.scenario.expressions import BOOL, Compiled, Effect, Namespace, bounds

Column = Any  # an array with a value per state, or one number for every state
# a scene's states: their values (a row per value of the layout, a column per state: a value of
# every state is one contiguous row), probabilities and paths
Batch = tuple[np.ndarray, np.ndarray, np.ndarray]

MERGE_AT = 1 << 30  # bytes of states waiting for a scene past which they are merged as more arrive
_WORD = 1 << 62  # a merged form is packed into 64-bit words of at most this many values each

_ARITH = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul}
_COMPARE = {ast.Eq: np.equal, ast.NotEq: np.not_equal, ast.Lt: np.less, ast.LtE: np.less_equal,
            ast.Gt: np.greater, ast.GtE: np.greater_equal}


def _wide(x: Column) -> Column:
    """A column as 64-bit numbers (a state array's rows are 16-bit), a number as Python's."""
    if isinstance(x, np.ndarray):
        return x if x.dtype == np.int64 or x.dtype == object else x.astype(np.int64)
    return int(x)


def _whole(x: Column) -> Column:
    """A column as Python's whole numbers, for arithmetic that 64 bits may not hold."""
    return x.astype(object) if isinstance(x, np.ndarray) else int(x)


def _floordiv(a: Column, b: Column) -> Column:
    """`a // b`, and 0 where b is 0, as the scenario's expressions divide."""
    a, b = np.asarray(a), np.asarray(b)
    safe = np.where(b == 0, 1, b)
    return np.where(b == 0, 0, np.floor_divide(a, safe))


class Columns:
    """The scenario's expressions, compiled again to work on every state at once: the same
    language (`game.scenario.expressions`) with the same meaning, over columns of values."""

    def __init__(self, ns: Namespace, row: dict[int, int], fill: tuple[int, ...]):
        """`row`: where each value the walk holds is in a state array; a value it does not hold
        (one no future reads) reads as its `fill`, and an effect on it is passed over."""
        self.ns = ns
        self.row = row
        self.fill = fill
        self._made: dict[int, Callable[[np.ndarray], Column]] = {}
        self._kept: list[object] = []  # what `_made` is keyed by, kept alive

    def of(self, expr: Compiled | Effect) -> Callable[[np.ndarray], Column]:
        """The expression (for an effect, the value on its right) over a state array."""
        found = self._made.get(id(expr))
        if found is None:
            if isinstance(expr, Effect):
                stmt = ast.parse(expr.source.strip(), mode="exec").body[0]
                body = stmt.value  # type: ignore[attr-defined]
            else:
                body = ast.parse(expr.source.strip(), mode="eval").body
            found = self._made[id(expr)] = self._build(body)
            self._kept.append(expr)
        return found

    def test(self, cond: Compiled, values: np.ndarray) -> np.ndarray:
        """Where a condition holds, per state."""
        return np.broadcast_to(np.asarray(self.of(cond)(values)) != 0, (values.shape[1],))

    def number(self, expr: Compiled, values: np.ndarray) -> np.ndarray:
        return np.broadcast_to(np.asarray(self.of(expr)(values), dtype=np.int64), (values.shape[1],))

    def apply(self, values: np.ndarray, effects: tuple[Effect, ...]) -> None:
        """Each effect in turn, on every state (in place), clamped to its value's range as
        `Effect.apply` clamps it."""
        for e in effects:
            i = self.row.get(e.slot.index)
            if i is None:
                continue
            rhs = _wide(self.of(e)(values))
            if e.op == "+=":
                rhs = _wide(values[i]) + rhs
            elif e.op == "-=":
                rhs = _wide(values[i]) - rhs
            if e.slot.type == BOOL:
                values[i] = np.asarray(rhs) != 0
            else:
                values[i] = np.clip(rhs, e.slot.lo, e.slot.hi)

    def _build(self, node: ast.AST) -> Callable[[np.ndarray], Column]:
        kind = type(node)
        if kind is ast.Constant:
            v = int(node.value)  # type: ignore[attr-defined]
            return lambda _: v
        if kind is ast.Name and node.id in ("true", "false"):  # type: ignore[attr-defined]
            v = 1 if node.id == "true" else 0  # type: ignore[attr-defined]
            return lambda _: v
        if kind in (ast.Name, ast.Attribute):
            slot = self.ns.lookup(ast.unparse(node)).index  # a name, dotted or not
            i = self.row.get(slot)
            if i is None:
                v = self.fill[slot]
                return lambda _: v
            return lambda values: values[i]
        if kind is ast.UnaryOp:
            f = self._build(node.operand)  # type: ignore[attr-defined]
            op = type(node.op)  # type: ignore[attr-defined]
            if op is ast.Not:
                return lambda values: np.equal(f(values), 0)
            if op is ast.USub:
                return lambda values: -_wide(f(values))
            return f
        if kind is ast.BinOp:
            left, right = self._build(node.left), self._build(node.right)  # type: ignore[attr-defined]
            op = type(node.op)  # type: ignore[attr-defined]
            # 64 bits, or Python's whole numbers where the value could pass them (as Python's never wrap)
            lo, hi = bounds(node, self.ns)
            ends = (lo, hi, *bounds(node.left, self.ns), *bounds(node.right, self.ns))
            wide = _whole if max(abs(x) for x in ends) >= _WORD else _wide
            if op is ast.FloorDiv:
                return lambda values: _floordiv(wide(left(values)), wide(right(values)))
            fn = _ARITH[op]
            return lambda values: fn(wide(left(values)), wide(right(values)))
        if kind is ast.BoolOp:
            parts = [self._build(v) for v in node.values]  # type: ignore[attr-defined]
            join = np.logical_and if isinstance(node.op, ast.And) else np.logical_or  # type: ignore[attr-defined]
            return lambda values: reduce(join, [np.not_equal(p(values), 0) for p in parts])
        if kind is ast.Compare:
            fns = [self._build(node.left)] + [self._build(c) for c in node.comparators]  # type: ignore[attr-defined]
            ops = [_COMPARE[type(op)] for op in node.ops]  # type: ignore[attr-defined]

            def chain(values: np.ndarray) -> Column:
                xs = [_wide(f(values)) for f in fns]
                return reduce(np.logical_and, [op(a, b) for op, a, b in zip(ops, xs, xs[1:])])

            return chain
        if kind is ast.Call:
            args = [self._build(a) for a in node.args]  # type: ignore[attr-defined]
            pick = np.minimum if node.func.id == "min" else np.maximum  # type: ignore[attr-defined]
            return lambda values: reduce(pick, [_wide(a(values)) for a in args])
        raise ValueError(f"{ast.unparse(node)} is not in the scenario's expression language")


Spec = tuple[tuple[int, Any], ...]  # per value: (row, None for its exact value, or (lo, band table, cuts))
TABLE = 1 << 16  # the widest range whose bands are looked up in a table (wider ones are searched)


def _spec(layout: Any, row: dict[int, int], live: Any) -> Spec:
    """How `_groups` reads (slot, cut points) pairs (None: the exact value): each value's row in a
    state array, and its band looked up in a table over its range."""
    out = []
    for j, cuts in live:
        if cuts is None:
            out.append((row[j], None))
        else:
            lo, hi = layout[j].lo, layout[j].hi
            points = np.array(cuts, dtype=np.int64)
            table = (np.searchsorted(points, np.arange(lo, hi + 1), side="right").astype(np.int64)
                     if hi - lo < TABLE else None)
            out.append((row[j], (lo, table, points)))
    return tuple(out)


def _groups(parts: list[np.ndarray], spec: Spec) -> tuple[np.ndarray, np.ndarray]:
    """States alike in the values of `spec`, over state arrays taken side by side: the states in an
    order that puts alike ones together (stable: alike states keep their order), and where each
    group starts in it."""
    n = sum(a.shape[1] for a in parts)
    if not n:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    words: list[np.ndarray] = []
    room = 1
    for j, band in spec:
        if band is None:
            lo = min(int(a[j].min()) for a in parts if a.shape[1])
            size = max(int(a[j].max()) for a in parts if a.shape[1]) - lo + 1
            if size == 1:
                continue
            code = np.concatenate([a[j] for a in parts]).astype(np.int64)
            if lo:
                code -= lo
        else:
            lo, table, points = band
            size = len(points) + 1
            if table is None:
                code = np.concatenate([np.searchsorted(points, a[j].astype(np.int64), side="right") for a in parts])
            else:
                code = np.concatenate([table.take(a[j].astype(np.int64) - lo if lo else a[j], mode="clip")
                                       for a in parts])
        if not words or room * size > _WORD:
            words.append(code)
            room = size
        else:
            code *= room
            words[-1] += code
            room *= size
    if not words:
        return np.arange(n), np.zeros(1 if n else 0, dtype=np.int64)
    shift = max(n - 1, 1).bit_length()
    if len(words) == 1 and room.bit_length() + shift <= 63:
        # each state's number packed below its merged form: sorting the numbers themselves (much
        # quicker than sorting indices by them) puts alike states together, in the order they came
        packed = words[0] << shift
        packed |= np.arange(n, dtype=np.int64)
        packed.sort()
        order = packed & ((1 << shift) - 1)
        ordered = packed >> shift
        change = ordered[1:] != ordered[:-1]
    elif len(words) == 1:
        order = np.argsort(words[0], kind="stable")
        ordered = words[0][order]
        change = ordered[1:] != ordered[:-1]
    else:
        order = np.lexsort(words[::-1])
        change = np.zeros(max(n - 1, 0), dtype=bool)
        for w in words:
            ordered = w[order]
            change |= ordered[1:] != ordered[:-1]
    return order, np.flatnonzero(np.concatenate(([True], change)))


def _join(parts: list[np.ndarray]) -> np.ndarray:
    """State arrays side by side (as `np.concatenate(axis=1)`, which is several times slower)."""
    if len(parts) == 1:
        return parts[0]
    out = np.empty((len(parts[0]), sum(a.shape[1] for a in parts)), dtype=parts[0].dtype)
    at = 0
    for a in parts:
        out[:, at:at + a.shape[1]] = a
        at += a.shape[1]
    return out


def _merge(batches: list[Batch], spec: Spec) -> Batch:
    """States alike in `spec` merged: the first of each kind, in the order they came, with the
    probability and paths of all its kind. The batches are taken apart as they are read, so that
    no more than the states kept are ever held twice."""
    p = np.concatenate([b[1] for b in batches])
    n = np.concatenate([b[2] for b in batches])
    order, starts = _groups([b[0] for b in batches], spec)
    if len(starts) == len(p):
        return _join([b[0] for b in batches]), p, n
    first = order[starts]
    keep = np.zeros(len(p), dtype=bool)
    keep[first] = True
    n = _exact(n)
    # each kind's sums put where its first state stands, then taken in the order the states came
    sums = np.empty(len(p))
    sums[first] = np.add.reduceat(p[order], starts)
    paths = np.empty(len(n), dtype=n.dtype)
    paths[first] = np.add.reduceat(n[order], starts)
    kept, at = [], 0
    while batches:  # taken by masks: an array taken by indices is several times slower
        values = batches.pop(0)[0]
        kept.append(values.compress(keep[at:at + values.shape[1]], axis=1))
        at += values.shape[1]
        del values
    return _join(kept), sums[keep], paths[keep]


def _exact(n: np.ndarray) -> np.ndarray:
    """Path counts as Python's whole numbers where adding them all up could pass 64 bits."""
    if n.dtype != object and len(n) and int(n.max()) >= _WORD // len(n):
        return n.astype(object)
    return n


def _times(n: np.ndarray, m: Any) -> np.ndarray:
    """Path counts times more paths, as Python's whole numbers when 64 bits would not hold them."""
    if n.dtype != object:
        top = int(n.max()) if len(n) else 0
        most = int(np.max(m)) if np.size(m) else 0
        if top and most and top >= _WORD // most:
            n = n.astype(object)
            m = np.asarray(m).astype(object)
    return n * m


class _Place:
    """How the states at one node are held: a row for each value that some future of theirs can
    still read or that the node itself changes (the rest are left out, as merging leaves them out);
    the node's expressions over those rows; and the rows and bands of their merged form."""

    __slots__ = ("slots", "row", "columns", "key")

    def __init__(self, slots: tuple[int, ...], key: Any, scenario: Any, fill: tuple[int, ...]):
        self.slots = slots
        self.row = {j: r for r, j in enumerate(slots)}
        self.columns = Columns(scenario.namespace, self.row, fill)
        self.key = _spec(scenario.layout, self.row, key)


class Sweep(Walker):
    """The forward walk, every state of a scene at once (module docstring)."""

    def __init__(self, *args: Any, rank: list[int]):
        super().__init__(*args)
        sc = self.scenario
        self.order = sorted(range(len(rank)), key=rank.__getitem__)
        self.rank = rank
        wide = any(s.lo < -(1 << 15) or s.hi >= 1 << 15 for s in sc.layout)
        self.dtype = np.int64 if wide else np.int16
        self.pending: dict[int, list[Batch]] = {}
        self.held: dict[int, int] = {}  # states waiting per scene
        self.merged: dict[int, int] = {}  # per scene: the states waiting after they were last merged
        self.heap: list[int] = []
        width = len(self.ending_index)
        self.vec: list = [0.0] * (width + 2) if self.odds else [0] * (width + 2)
        self.paths = 0
        self.fill: tuple[int, ...] = ()
        self._places: dict[int, _Place] = {}
        self._specs: dict[tuple[int, int], Spec] = {}  # (battle node, node after it, or -1 for the battle's reads)

    def _place(self, node: int) -> _Place:
        found = self._places.get(node)
        if found is None:
            sc, ab = self.scenario, self.ab
            key = [(j, c) for j, c in enumerate(ab.cuts[node]) if c is None or c]
            slots = {j for j, _ in key} | {j for j, c in enumerate(ab.arrivals[node]) if c is None or c}
            scene = sc.nodes[node]
            if isinstance(scene, CScene):
                effects = [*scene.effects, *(e for c in scene.choices for e in c.effects),
                           *(e for c in scene.choices for o in c.outcomes for e in o.effects)]
                slots |= {e.slot.index for e in effects}
                if scene.battle is not None:
                    slots |= {j for j, _ in battle_reads(scene.battle, sc)}
            found = self._places[node] = _Place(tuple(sorted(slots)), key, sc, self.fill)
        return found

    def _move(self, values: np.ndarray, src: _Place, dst: _Place) -> np.ndarray:
        """States held as at `src`, held as at `dst` (a value `src` does not hold, no future of
        theirs reads before it is set: it is given its value at the start)."""
        if src is dst:
            return values
        out = np.empty((len(dst.slots), values.shape[1]), dtype=self.dtype)
        rows = [(r, src.row[j]) for r, j in enumerate(dst.slots) if j in src.row]
        if rows:
            out[[r for r, _ in rows]] = values[[k for _, k in rows]]
        for r, j in enumerate(dst.slots):
            if j not in src.row:
                out[r] = self.fill[j]
        return out

    # -- the walk ---------------------------------------------------------------------------------
    def run(self, origin: State) -> tuple[list, int, bool]:
        self.fill = origin.values
        place = self._place(origin.node)
        values = np.array([[origin.values[j] for j in place.slots]], dtype=self.dtype).T.copy()
        self._hold(origin.node, (values, np.ones(1), np.ones(1, dtype=np.int64)))
        while self.heap:
            node = self.order[heapq.heappop(self.heap)]
            if node not in self.pending:  # dropped at the memory limit
                continue
            values, p, n = self._merged(node)
            self._check_memory()
            self._walk(node, values, p, n)
        return self.vec, self.paths, self.complete

    def _check_memory(self) -> None:
        """Past the memory limit, the states walked are the limit from here on, as for the walk one
        state at a time: no more is walked but the endings, and the states waiting for a scene are
        let go at once (their probability unexplored), so that the walk holds no more than it has."""
        if not self._memory_passed():
            return
        for node in [node for node in self.pending if node not in self.ending_index]:
            for _, p, _ in self.pending.pop(node):
                self._stop(p)
            self.held.pop(node)
            self.merged.pop(node, None)

    def _stop(self, p: np.ndarray) -> None:
        """What is left unwalked (the state or memory limit): its probability is unexplored."""
        self.complete, self.limit_reached = False, True
        if self.odds:
            self.vec[-1] += float(p.sum())

    def _walk(self, node: int, values: np.ndarray, p: np.ndarray, n: np.ndarray) -> None:
        k = self.ending_index.get(node)
        if k is None:  # an ending is never left out: it costs nothing to walk
            room = max(0, self.max_states - self.states - self.battle_states)
            if len(p) > room:  # the state limit: the first states in the merged order are walked
                self._stop(p[room:])
                values, p, n = values[:, :room], p[:room], n[:room]
                if not len(p):
                    return
        self.visited.add(node)
        self.states += len(p)
        if self.progress is not None:
            self.progress(self.states + self.battle_states)
        if k is not None:
            total = int(_exact(n).sum())
            self.vec[k] += float(p.sum()) if self.odds else total
            self.paths += total
            return
        scene = self.scenario.nodes[node]
        assert isinstance(scene, CScene)
        if scene.battle is not None:
            self._fight(node, values, p, n)
        else:
            self._choose(node, scene, values, p, n)

    def _choose(self, node: int, scene: CScene, values: np.ndarray, p: np.ndarray, n: np.ndarray) -> None:
        """Every open choice of every state, and every chance outcome of each."""
        place = self._place(node)
        cols = place.columns
        count = len(p)
        opens = [np.ones(count, dtype=bool) if c.cond is None else cols.test(c.cond, values) for c in scene.choices]
        k = np.sum(opens, axis=0) if opens else np.zeros(count, dtype=np.int64)
        dead = k == 0
        if dead.any():
            self.dead += int(dead.sum())
            if self.odds:
                self.vec[-2] += float(p[dead].sum())
        share = p / np.maximum(k, 1)
        sid = scene.model.id
        for c, is_open in zip(scene.choices, opens):
            taking = int(np.count_nonzero(is_open))
            if not taking:
                continue
            self.taken.add(f"{sid}:{c.id}")
            after = values.compress(is_open, axis=1)
            cols.apply(after, c.effects)
            pc, nc = share[is_open], n[is_open]
            if not c.outcomes:
                self.steps += taking
                assert c.target is not None
                self._go(c.target, place, after, pc, nc)
                continue
            weights = np.stack([np.maximum(cols.number(o.weight, after), 0) for o in c.outcomes])
            total = weights.sum(axis=0)
            none = total <= 0  # no outcome possible: the dice take the first, as in play
            safe = np.where(none, 1, total)
            self.steps += int(np.count_nonzero(weights) + np.count_nonzero(none))
            for i, o in enumerate(c.outcomes):
                q = weights[i] / safe
                possible = weights[i] > 0
                if i == 0:
                    possible |= none
                    q = np.where(none, 1.0, q)
                if not possible.any():
                    continue
                out = after.compress(possible, axis=1)
                cols.apply(out, o.effects)
                self._go(o.target, place, out, pc[possible] * q[possible], nc[possible])

    def _go(self, target: Target, place: _Place, values: np.ndarray, p: np.ndarray, n: np.ndarray) -> None:
        """States taking a road: each to the node its first route that holds leads to."""
        routes = target.routes
        if len(routes) == 1:
            self._arrive(routes[0][1], place, values, p, n)
            return
        to = np.full(len(p), routes[-1][1])
        left = np.ones(len(p), dtype=bool)
        for cond, node in routes:
            here = left if cond is None else left & place.columns.test(cond, values)
            to[here] = node
            left &= ~here
        nodes = np.unique(to)
        if len(nodes) == 1:
            self._arrive(int(nodes[0]), place, values, p, n)
            return
        for node in nodes:
            here = to == node
            self._arrive(int(node), place, values.compress(here, axis=1), p[here], n[here])

    def _arrive(self, node: int, src: _Place, values: np.ndarray, p: np.ndarray, n: np.ndarray) -> None:
        """States held as at `src` entering a node (theirs to change): held as there, its own
        effects, then they wait for it."""
        dst = self._place(node)
        values = self._move(values, src, dst)
        scene = self.scenario.nodes[node]
        if isinstance(scene, CScene) and scene.effects:
            dst.columns.apply(values, scene.effects)
        self._hold(node, (values, p, n))

    def _hold(self, node: int, batch: Batch) -> None:
        if self.memory_reached and node not in self.ending_index:
            self._stop(batch[1])
            return
        waiting = self.pending.get(node)
        if waiting is None:
            waiting = self.pending[node] = []
            self.held[node] = 0
            heapq.heappush(self.heap, self.rank[node])
        waiting.append(batch)
        self.held[node] += len(batch[1])
        # merged as they come, to hold less; each time the merged states have at least doubled, so
        # that merging again and again costs no more than twice merging once
        size = max(1, len(batch[0]) * batch[0].itemsize)  # bytes per state
        if self.held[node] > max(MERGE_AT // size, 2 * self.merged.get(node, 0)) and len(waiting) > 1:
            merged = self._merged(node)
            self.pending[node], self.held[node] = [merged], len(merged[1])
            self.merged[node] = len(merged[1])
        self._check_memory()

    def _merged(self, node: int) -> Batch:
        """The states waiting for a node, merged as the walk merges them (`Abstraction.key`): each
        the first of its kind, in the order they came, with the probability and paths of its kind."""
        batches = self.pending.pop(node)
        self.held.pop(node)
        self.merged.pop(node, None)
        return _merge(batches, self._place(node).key)

    # -- battles ----------------------------------------------------------------------------------
    def _fight(self, node: int, values: np.ndarray, p: np.ndarray, n: np.ndarray) -> None:
        """The states that begin a battle, by what the battle reads of them (each such group begins
        it alike: one job, fought once), and each group's outcomes, where the battle leaves them."""
        battle = self.scenario.nodes[node].battle  # type: ignore[union-attr]
        rules = self.campaign.battles[battle.model.id]
        place = self._place(node)
        reads = self._specs.get((node, -1))
        if reads is None:
            reads = self._specs[node, -1] = _spec(self.scenario.layout, place.row, battle_reads(battle, self.scenario))
        order, starts = _groups([values], reads)
        values, p, n = values[:, order], p[order], n[order]  # each group side by side
        ends = np.append(starts[1:], len(order))
        for s in starts:
            full = list(self.fill)
            for j, v in zip(place.slots, values[:, s].tolist()):
                full[j] = v
            row = tuple(full)
            self.battles.hand_out((), State(node, row, rules.begin(row)))
        for s, e in zip(starts, ends):
            _, _, fought = self._fought()
            if fought is None:
                self._stop(p[s:e])
                continue
            if self.odds:
                self.vec[-2] += float(p[s:e].sum()) * fought.dead_p
            self._leave(rules, node, values[:, s:e], p[s:e], n[s:e], fought.leaves)

    def _leave(self, rules: Any, at: int, values: np.ndarray, p: np.ndarray, n: np.ndarray, leaves: list) -> None:
        """A group's states, each through every way the battle ends (`Fought.leaves`): the values the
        battle changed as it left them, the rest as it found them, into the node it leads to."""
        by_node: dict[int, list] = {}
        for leaf in leaves:
            by_node.setdefault(leaf[3], []).append(leaf)
        place = self._place(at)
        for node, here in sorted(by_node.items()):
            dst = self._place(node)
            # the group's states merged by what matters on arrival there, of the values the battle
            # left as it found them
            live = self._specs.get((at, node))
            if live is None:
                live = self._specs[at, node] = _spec(self.scenario.layout, place.row, [
                    (j, c) for j, c in self.ab.live_on_arrival(node, place.slots) if j not in rules.changes])
            base, bp, bn = _merge([(values, p, n)], live)
            base = self._move(base, place, dst)
            m = len(here)
            out = np.tile(base, (1, m))
            changed = [j for j in rules.changes if j in dst.row]
            written = np.array([[leaf[2][j] for j in changed] for leaf in here], dtype=self.dtype)
            out[[dst.row[j] for j in changed]] = np.repeat(written, base.shape[1], axis=0).T
            q = np.repeat(np.array([leaf[0] for leaf in here]), base.shape[1])
            counts = [leaf[1] for leaf in here]
            wide = bn.dtype == object or max(counts) >= _WORD
            paths = np.repeat(np.array(counts, dtype=object if wide else np.int64), base.shape[1])
            self._arrive(node, dst, out, np.tile(bp, m) * q, _times(np.tile(bn, m), paths))
