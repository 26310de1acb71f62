"""The checker: what the type system cannot see.

Scenes no path reaches, endings that cannot be reached, qualities set but never read (or read but
never set), chance whose weights can all be zero, choices that can never be taken, missing history.
Errors stop a scenario from being played; warnings are advice (`check --strict` fails on them).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from pydantic import BaseModel

from game.scenario.compiled import CEnding, CompiledScenario, CScene
from game.scenario.errors import Problem
from game.scenario.expressions import ExpressionError, compile_condition, compile_effect, compile_number
from game.scenario.models import SECTIONS


def _successors(node: CScene) -> set[int]:
    out: set[int] = set()
    for c in node.choices:
        if c.target:
            out |= set(c.target.nodes)
        for o in c.outcomes:
            out |= set(o.target.nodes)
    if node.battle is not None:
        out |= set(node.battle.after.nodes)
    return out


def _expressions(model: BaseModel, path: tuple, label: str) -> Iterator[tuple[tuple, str, Callable[..., Any], str]]:
    """Every expression in an item, wherever it sits: (its path in the file, its field, how it is
    compiled, its source). Conditions are the `if` fields, numbers the `weight`s, effects `effects`."""
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        key = info.alias or name
        if name in ("if_", "weight") and isinstance(value, str):
            yield path + (key,), f"{label}.{key}", compile_condition if name == "if_" else compile_number, value
        elif name == "effects" and isinstance(value, list):
            for i, source in enumerate(value):
                if isinstance(source, str):
                    yield path + (key, i), f"{label}.{key}[{i}]", compile_effect, source
        elif isinstance(value, BaseModel):
            yield from _expressions(value, path + (key,), f"{label}.{key}")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    ident = getattr(item, "id", None)
                    yield from _expressions(item, path + (key, i),
                                            f"{label}.{key}[{ident if isinstance(ident, str) else i}]")


def _expression_warnings(cs: CompiledScenario) -> Iterator[tuple[str, str, tuple, str, str]]:
    """The compiler's advice on each expression (a divisor that can be 0), with where it is."""
    for section in SECTIONS:
        for item in getattr(cs.scenario, section):
            for path, field, compiler, source in _expressions(item, (), f"{section}[{item.id}]"):
                try:
                    compiled = compiler(source, cs.namespace)
                except ExpressionError:  # already an error of the compiler's
                    continue
                for warning in compiled.warnings:
                    yield section, item.id, path, field, warning


class _Findings:
    """The checker's findings, each placed at its file and line by the scenario's sources."""

    def __init__(self, cs: CompiledScenario):
        self.sources = cs.sources
        self.found: list[Problem] = []

    def __call__(self, section: str, item: str, path: tuple, field: str, message: str,
                 severity: str = "error") -> None:
        file, line = self.sources.at(section, item, *path)
        self.found.append(Problem(file, line, field, message, severity))


def check_scenario(cs: CompiledScenario) -> list[Problem]:
    """Every finding, errors and warnings, sorted by file and line."""
    add = _Findings(cs)
    reached = _reachable(cs)
    _unreached(cs, reached, add)
    _endless(cs, reached, add)
    reads, writes = _reads_and_writes(cs)
    _unused_values(cs, reads, writes, add)
    for node in cs.nodes:
        if isinstance(node, CScene):
            _scene_choices(cs, node, add)
    _inert_decisions(cs, reads, add)
    _battles(cs, add)
    for section, item, path, field, warning in _expression_warnings(cs):
        add(section, item, path, field, warning, "warning")
    return sorted(set(add.found))


def _reachable(cs: CompiledScenario) -> set[int]:
    """The nodes some path reaches from the start."""
    seen = {cs.start}
    queue = deque([cs.start])
    while queue:
        node = cs.nodes[queue.popleft()]
        if isinstance(node, CScene):
            for j in _successors(node):
                if j not in seen:
                    seen.add(j)
                    queue.append(j)
    return seen


def _unreached(cs: CompiledScenario, reached: set[int], add: _Findings) -> None:
    for i, node in enumerate(cs.nodes):
        if i in reached:
            continue
        if isinstance(node, CEnding):
            add("endings", node.model.id, ("id",), f"endings[{node.model.id}]",
                "this ending cannot be reached: no choice leads to it (add a 'next' that points here)")
        else:
            add("scenes", node.model.id, ("id",), f"scenes[{node.model.id}]",
                "no path reaches this scene from the start (point a choice's 'next' here, or remove it)")


def _endless(cs: CompiledScenario, reached: set[int], add: _Findings) -> None:
    """Scenes the story reaches but from which no ending can be reached (walked back from the endings)."""
    preds: dict[int, set[int]] = {i: set() for i in range(len(cs.nodes))}
    for i, node in enumerate(cs.nodes):
        if isinstance(node, CScene):
            for j in _successors(node):
                preds[j].add(i)
    can_end = {i for i, n in enumerate(cs.nodes) if isinstance(n, CEnding)}
    queue = deque(can_end)
    while queue:
        for i in preds[queue.popleft()]:
            if i not in can_end:
                can_end.add(i)
                queue.append(i)
    for i, node in enumerate(cs.nodes):
        if isinstance(node, CScene) and i in reached and i not in can_end:
            add("scenes", node.model.id, ("id",), f"scenes[{node.model.id}]",
                "no ending can be reached from this scene: the story loops here forever")


def _reads_and_writes(cs: CompiledScenario) -> tuple[set[int], set[int]]:
    """The values any condition, weight, variant or effect reads, and those any effect or battle changes."""
    reads: set[int] = set()
    writes: set[int] = set()

    def effects(items: tuple) -> None:
        for e in items:
            reads.update(e.reads - {e.slot.index})
            writes.add(e.slot.index)

    for node in cs.nodes:
        for cond, _ in getattr(node, "variants", ()):
            reads |= cond.reads
        if not isinstance(node, CScene):
            continue
        reads.update(*(cond.reads for cond, _ in node.counsel if cond))
        effects(node.effects)
        for c in node.choices:
            reads.update(*(cond.reads for cond in (c.cond, c.target) if cond))
            reads.update(*(cond.reads for cond, _ in c.chronicle if cond is not None))
            effects(c.effects)
            for o in c.outcomes:
                reads |= o.weight.reads | o.target.reads
                effects(o.effects)
        if node.battle is not None:
            reads |= node.battle.reads
            writes |= node.battle.writes
    return reads, writes


def _unused_values(cs: CompiledScenario, reads: set[int], writes: set[int], add: _Findings) -> None:
    """Qualities and flags that are changed but never read, read but never changed, or never used."""
    for q in cs.qualities:
        i = cs.namespace.slots[q.id].index
        if i in writes and i not in reads:
            add("qualities", q.id, ("id",), f"qualities[{q.id}]",
                f"'{q.id}' is changed but never read by any condition, weight or text variant", "warning")
        elif i not in writes and i in reads:
            add("qualities", q.id, ("id",), f"qualities[{q.id}]",
                f"'{q.id}' is read but never changed: it is always {q.start}", "warning")
        elif i not in writes and i not in reads and not q.shown:
            add("qualities", q.id, ("id",), f"qualities[{q.id}]", f"'{q.id}' is never used", "warning")
    for f in cs.flags:
        i = cs.namespace.slots[f.id].index
        if i in writes and i not in reads:
            add("flags", f.id, ("id",), f"flags[{f.id}]", f"flag '{f.id}' is set but never read", "warning")
        elif i not in writes:
            add("flags", f.id, ("id",), f"flags[{f.id}]",
                f"flag '{f.id}' is never set: it is always {'true' if f.start else 'false'}", "warning")


def _scene_choices(cs: CompiledScenario, node: CScene, add: _Findings) -> None:
    """Choices that can never be taken, chance with no outcome that can happen, a missing history note."""
    sid = node.model.id
    for k, c in enumerate(node.choices):
        path, label = ("choices", k), f"scenes[{sid}].choices[{c.id}]"
        if c.cond is not None and c.model.unavailable is None and not c.model.hidden:
            add("scenes", sid, path + ("if",), f"{label}.unavailable",
                "a choice with a condition should say why it is closed ('unavailable: ...')", "warning")
        if c.cond is not None and not c.cond.reads and not c.cond.fn(cs.initial):
            add("scenes", sid, path + ("if",), f"{label}.if",
                "this condition is always false: the choice can never be taken")
        if c.outcomes and all(not o.weight.reads and o.weight.fn(cs.initial) <= 0 for o in c.outcomes):
            add("scenes", sid, path + ("chance",), f"{label}.chance",
                "every weight is zero or less, so no outcome has a chance")
        for j, o in enumerate(c.outcomes):
            if not o.weight.reads and o.weight.fn(cs.initial) < 0:
                add("scenes", sid, path + ("chance", j, "weight"), f"{label}.chance[{j}].weight",
                    "a negative weight counts as 0: this outcome can never happen", "warning")
    if node.choices and not node.battle and all(
        c.cond is not None and not c.cond.reads and not c.cond.fn(cs.initial) for c in node.choices
    ):
        add("scenes", sid, ("choices",), f"scenes[{sid}].choices", "no choice here can ever be taken")
    if node.model.history is None:
        add("scenes", sid, ("id",), f"scenes[{sid}]", "the scene has no history note", "warning")


def _battles(cs: CompiledScenario, add: _Findings) -> None:
    """A battle's discipline, its terrain, and whether any scene fights it."""
    qualities = {q.id for q in cs.qualities}
    fought = {node.model.battle for node in cs.nodes if isinstance(node, CScene)}
    for b in cs.scenario.battles:
        if b.discipline is not None and b.discipline not in qualities:
            add("battles", b.id, ("discipline",), f"battles[{b.id}].discipline", f"no quality with id '{b.discipline}'")
        kinds = [p.kind for p in b.phases]
        ground = b.ground
        if "rise" in ground and "shift" not in kinds:
            add("battles", b.id, ("phases",), f"battles[{b.id}].phases",
                "the battle has a rise but no 'shift' phase: nothing can ever be hidden behind it", "warning")
        if ground[0] == ground[-1] == "river":
            where = "terrain" if b.terrain is not None else "terrain_left"
            add("battles", b.id, (where,), f"battles[{b.id}].{where}",
                "a river on both flanks leaves nowhere to attack from: the line does not fit its terrain")
        if b.id not in fought:
            add("battles", b.id, ("id",), f"battles[{b.id}]", "no scene fights this battle", "warning")
        outcomes = [o for o in ("victory", "held", "defeat", "routed") if getattr(b.results, o) is not None]
        withdraws = any(o.action == "withdraw" for p in b.phases for o in p.orders)
        if withdraws and outcomes and b.results.withdrew is None:
            add("battles", b.id, ("results",), f"battles[{b.id}].results",
                "a withdrawal that keeps its order sets none of the outcomes these results receive "
                f"({', '.join(outcomes)}): give 'withdrew' a flag of its own, and 'after' a road for it",
                "warning")


def _inert_decisions(cs: CompiledScenario, reads: set[int], add: _Findings) -> None:
    """A scene whose choices differ in nothing that anything later reads (the same road, the same
    chance, the same effects on values that are ever read) asks the player a question that cannot
    matter: its choices' own text is all that differs."""

    def effects(items) -> tuple:  # noqa: ANN001
        return tuple(sorted((e.slot.index, e.op, e.source) for e in items if e.slot.index in reads))

    def road(target) -> tuple:  # noqa: ANN001
        return tuple((cond.source if cond else None, node) for cond, node in target.routes) if target else ()

    for node in cs.nodes:
        if not isinstance(node, CScene) or len(node.choices) < 2:
            continue
        signatures = {
            (road(c.target), effects(c.effects),
             tuple((o.weight.source, effects(o.effects), road(o.target)) for o in c.outcomes))
            for c in node.choices
        }
        if len(signatures) == 1:
            sid = node.model.id
            add("scenes", sid, ("choices",), f"scenes[{sid}].choices",
                "these choices differ in nothing that anything later reads (the same road, chance and "
                "effects): give them different consequences, or make them one", "warning")

