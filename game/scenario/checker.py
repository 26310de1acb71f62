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


def check_scenario(cs: CompiledScenario) -> list[Problem]:
    findings: list[Problem] = []
    src = cs.sources

    def add(section: str, item: str, path: tuple, field: str, message: str, severity: str = "error") -> None:
        file, line = src.at(section, item, *path)
        findings.append(Problem(file, line, field, message, severity))

    # reachability from the start
    seen = {cs.start}
    queue = deque([cs.start])
    while queue:
        i = queue.popleft()
        node = cs.nodes[i]
        if isinstance(node, CScene):
            for j in _successors(node):
                if j not in seen:
                    seen.add(j)
                    queue.append(j)
    for i, node in enumerate(cs.nodes):
        if i in seen:
            continue
        if isinstance(node, CEnding):
            add("endings", node.model.id, ("id",), f"endings[{node.model.id}]",
                "this ending cannot be reached: no choice leads to it (add a 'next' that points here)")
        else:
            add("scenes", node.model.id, ("id",), f"scenes[{node.model.id}]",
                "no path reaches this scene from the start (point a choice's 'next' here, or remove it)")

    # scenes from which no ending can be reached
    preds: dict[int, set[int]] = {i: set() for i in range(len(cs.nodes))}
    for i, node in enumerate(cs.nodes):
        if isinstance(node, CScene):
            for j in _successors(node):
                preds[j].add(i)
    can_end = {i for i, n in enumerate(cs.nodes) if isinstance(n, CEnding)}
    queue = deque(can_end)
    while queue:
        j = queue.popleft()
        for i in preds[j]:
            if i not in can_end:
                can_end.add(i)
                queue.append(i)
    for i, node in enumerate(cs.nodes):
        if isinstance(node, CScene) and i in seen and i not in can_end:
            add("scenes", node.model.id, ("id",), f"scenes[{node.model.id}]",
                "no ending can be reached from this scene: the story loops here forever")

    # values read and written
    reads: set[int] = set()
    writes: set[int] = set()
    for node in cs.nodes:
        for cond, _ in getattr(node, "variants", ()):
            reads |= cond.reads
        if isinstance(node, CScene):
            for cond, _ in node.counsel:
                if cond:
                    reads |= cond.reads
            for e in node.effects:
                reads |= e.reads - {e.slot.index}
                writes.add(e.slot.index)
            for c in node.choices:
                if c.cond:
                    reads |= c.cond.reads
                for e in c.effects:
                    reads |= e.reads - {e.slot.index}
                    writes.add(e.slot.index)
                if c.target:
                    reads |= c.target.reads
                for cond, _ in c.chronicle:
                    if cond is not None:
                        reads |= cond.reads
                for o in c.outcomes:
                    reads |= o.weight.reads | o.target.reads
                    for e in o.effects:
                        reads |= e.reads - {e.slot.index}
                        writes.add(e.slot.index)
            if node.battle is not None:
                b = node.battle
                reads |= b.reads
                writes |= b.writes
    for q in cs.scenario.qualities:
        i = cs.namespace.slots[q.id].index
        if i in writes and i not in reads:
            add("qualities", q.id, ("id",), f"qualities[{q.id}]",
                f"'{q.id}' is changed but never read by any condition, weight or text variant", "warning")
        elif i not in writes and i in reads:
            add("qualities", q.id, ("id",), f"qualities[{q.id}]",
                f"'{q.id}' is read but never changed: it is always {q.start}", "warning")
        elif i not in writes and i not in reads and not q.shown:
            add("qualities", q.id, ("id",), f"qualities[{q.id}]", f"'{q.id}' is never used", "warning")
    for f in cs.scenario.flags:
        i = cs.namespace.slots[f.id].index
        if i in writes and i not in reads:
            add("flags", f.id, ("id",), f"flags[{f.id}]", f"flag '{f.id}' is set but never read", "warning")
        elif i not in writes:
            add("flags", f.id, ("id",), f"flags[{f.id}]",
                f"flag '{f.id}' is never set: it is always {'true' if f.start else 'false'}", "warning")

    # choices and chance
    for node in cs.nodes:
        if not isinstance(node, CScene):
            continue
        sid = node.model.id
        for k, c in enumerate(node.choices):
            path = ("choices", k)
            if c.cond is not None and c.model.unavailable is None and not c.model.hidden:
                add("scenes", sid, path + ("if",), f"scenes[{sid}].choices[{c.id}].unavailable",
                    "a choice with a condition should say why it is closed ('unavailable: ...')", "warning")
            if c.cond is not None and not c.cond.reads:
                value = c.cond.fn(cs.initial)
                if not value:
                    add("scenes", sid, path + ("if",), f"scenes[{sid}].choices[{c.id}].if",
                        "this condition is always false: the choice can never be taken")
            if c.outcomes and all(not o.weight.reads and o.weight.fn(cs.initial) <= 0 for o in c.outcomes):
                add("scenes", sid, path + ("chance",), f"scenes[{sid}].choices[{c.id}].chance",
                    "every weight is zero or less, so no outcome has a chance")
            for j, o in enumerate(c.outcomes):
                if not o.weight.reads and o.weight.fn(cs.initial) < 0:
                    add("scenes", sid, path + ("chance", j, "weight"),
                        f"scenes[{sid}].choices[{c.id}].chance[{j}].weight",
                        "a negative weight counts as 0: this outcome can never happen", "warning")
        if node.choices and not node.battle and all(
            c.cond is not None and not c.cond.reads and not c.cond.fn(cs.initial) for c in node.choices
        ):
            add("scenes", sid, ("choices",), f"scenes[{sid}].choices", "no choice here can ever be taken")
        if node.model.history is None:
            add("scenes", sid, ("id",), f"scenes[{sid}]", "the scene has no history note", "warning")
    _inert_decisions(cs, reads, add)
    for b in cs.scenario.battles:
        if b.discipline is not None and b.discipline not in {q.id for q in cs.scenario.qualities}:
            add("battles", b.id, ("discipline",), f"battles[{b.id}].discipline", f"no quality with id '{b.discipline}'")
        kinds = [p.kind for p in b.phases]
        if "rise" in (b.terrain_left, b.terrain_right) and "shift" not in kinds:
            add("battles", b.id, ("phases",), f"battles[{b.id}].phases",
                "the battle has a rise but no 'shift' phase: nothing can ever be hidden behind it", "warning")
        if b.terrain_left == b.terrain_right == "river":
            add("battles", b.id, ("terrain_left",), f"battles[{b.id}].terrain_left",
                "a river on both flanks leaves nowhere to attack from: the line does not fit its terrain")
        if not any(s.battle == b.id for s in cs.scenario.scenes):
            add("battles", b.id, ("id",), f"battles[{b.id}]", "no scene fights this battle", "warning")
    for section, item, path, field, warning in _expression_warnings(cs):
        add(section, item, path, field, warning, "warning")
    return sorted(set(findings))


def _inert_decisions(cs: CompiledScenario, reads: set[int], add) -> None:  # noqa: ANN001
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

