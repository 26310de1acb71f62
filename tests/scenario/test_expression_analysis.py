"""One analysis of each expression, worked out as it compiles (thresholds, bounds, constant), which
the explorer's state merging reads instead of parsing expressions again. It finds what the
explorer's own parser found before it: held here against that parser, kept as the reference, over
every expression of every shipped scenario."""

from __future__ import annotations

import ast

import pytest

from game import DEFAULT_SCENARIO
from game.scenario.compiled import CScene, load
from game.scenario.expressions import ALL, Namespace, Slot, bounds, compile_condition, compile_effect, compile_number

from conftest import MINI

SCENARIOS = [DEFAULT_SCENARIO, DEFAULT_SCENARIO.parent / "dara", DEFAULT_SCENARIO.parent / "satala", MINI]


# -- the reference: how the explorer read an expression's source before ---------------------------

def _reference_cuts(tree: ast.AST, slots: dict) -> dict:
    out: dict = {}

    def add(slot: int, cuts) -> None:  # noqa: ANN001
        old = out.get(slot, frozenset())
        out[slot] = ALL if old is ALL or cuts is ALL else old | cuts

    def name(node: ast.AST) -> int | None:
        if isinstance(node, ast.Name):
            slot = slots.get(node.id)
        elif isinstance(node, ast.Attribute):
            slot = slots.get(ast.unparse(node)) if isinstance(node.value, ast.Name | ast.Attribute) else None
        else:
            return None
        return slot.index if slot is not None else None

    def const(node: ast.AST) -> int | None:
        if isinstance(node, ast.Constant) and type(node.value) is int:
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            inner = const(node.operand)
            return -inner if inner is not None else None
        return None

    def cut(op: ast.cmpop, c: int, flipped: bool) -> frozenset:
        if isinstance(op, ast.Eq | ast.NotEq):
            return frozenset({c, c + 1})
        below = isinstance(op, ast.GtE | ast.Lt) != flipped  # value >= c, value < c: cut at c
        return frozenset({c}) if below else frozenset({c + 1})

    def walk(n: ast.AST) -> None:
        if isinstance(n, ast.Compare) and len(n.ops) == 1:
            left, right = n.left, n.comparators[0]
            if name(left) is not None and const(right) is not None:
                return add(name(left), cut(n.ops[0], const(right), False))
            if name(right) is not None and const(left) is not None:
                return add(name(right), cut(n.ops[0], const(left), True))
        if isinstance(n, ast.BoolOp) or (isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.Not)):
            for child in ast.iter_child_nodes(n):
                walk(child)
            return None
        if name(n) is not None:
            return add(name(n), ALL)
        for child in ast.iter_child_nodes(n):
            walk(child)
        return None

    walk(tree)
    return out


def _expressions(cs) -> list:  # noqa: ANN001
    """Every compiled condition, weight and effect of a scenario: its scenes, choices, roads and battles."""
    found: list = []
    for node in cs.nodes:
        found += [c for c, _ in getattr(node, "variants", ())]
        if not isinstance(node, CScene):
            continue
        found += [c for c, _ in node.counsel] + list(node.effects)
        for ch in node.choices:
            found += [ch.cond, *ch.effects]
            for o in ch.outcomes:
                found += [o.weight, *o.effects, *(cond for cond, _ in o.target.routes)]
            if ch.target is not None:
                found += [cond for cond, _ in ch.target.routes]
    for b in cs.battles.values():
        found += [s.cond for s in b.setup] + [cond for cond, _ in b.after.routes]
        for choice in [o for group in b.deployment for o in group] + [o for row in b.orders for o in row]:
            found += [choice.cond, *choice.effects]
    return [e for e in found if e is not None]


@pytest.mark.parametrize("folder", SCENARIOS, ids=lambda f: f.name)
def test_the_analysis_finds_the_thresholds_the_explorer_found_by_parsing(folder) -> None:
    cs = load(folder)
    exprs = _expressions(cs)
    assert len(exprs) >= 10
    banded = 0
    for e in exprs:
        statement = ast.parse(e.source.strip(), mode="exec").body[0]
        tree = statement.value  # of a condition or weight, or the value an effect gives
        assert dict(e.analysis.cuts) == _reference_cuts(tree, cs.namespace.slots), e.source
        assert (e.analysis.lo, e.analysis.hi) == bounds(tree, cs.namespace), e.source
        banded += any(c for c in e.analysis.cuts.values())
    assert banded  # every scenario here compares some value with a constant


def _ns() -> Namespace:
    return Namespace({"supply": Slot(0, "number", 0, 5), "mood": Slot(1, "number", -2, 6),
                      "unit.huns.morale": Slot(2, "number", 0, 4), "ready": Slot(3, "true/false", 0, 1)})


@pytest.mark.parametrize("source, cuts", [
    ("supply >= 3", {0: {3}}),
    ("supply > 3", {0: {4}}),
    ("3 < supply", {0: {4}}),
    ("supply == 2", {0: {2, 3}}),
    ("supply <= 1 and mood >= -1", {0: {2}, 1: {-1}}),
    ("not (unit.huns.morale < 2) or ready", {2: {2}, 3: ALL}),
    ("supply + mood >= 3", {0: ALL, 1: ALL}),
    ("0 < supply <= 3", {0: ALL}),  # a chain is not read by thresholds
    ("supply >= mood", {0: ALL, 1: ALL}),
])
def test_conditions_are_cut_at_their_thresholds(source: str, cuts: dict) -> None:
    analysis = compile_condition(source, _ns()).analysis
    assert {j: c if c is ALL else set(c) for j, c in analysis.cuts.items()} == cuts
    assert (analysis.lo, analysis.hi) == (0, 1) and analysis.constant is None


@pytest.mark.parametrize("source, lo, hi, vanishes", [
    ("1 + supply", 1, 6, False),
    ("supply", 0, 5, True),
    ("3 * (mood >= 3) + 1", 1, 4, False),
    ("max(1, mood - 3)", 1, 3, False),
    ("min(1, mood)", -2, 1, True),
    ("12 // (supply + 1)", 2, 12, False),
])
def test_weights_know_their_bounds(source: str, lo: int, hi: int, vanishes: bool) -> None:
    analysis = compile_number(source, _ns()).analysis
    assert (analysis.lo, analysis.hi) == (lo, hi)
    assert analysis.may_be_zero_or_less() is vanishes


@pytest.mark.parametrize("source, constant", [
    ("supply += 2", 2), ("supply -= 1", 1), ("mood = -2", -2), ("ready = true", 1), ("supply = 2 + 1", 3),
    ("supply = mood", None), ("supply += supply", None), ("ready = supply >= 2", None),
])
def test_effects_know_when_their_value_is_a_constant(source: str, constant: int | None) -> None:
    assert compile_effect(source, _ns()).analysis.constant == constant
