"""The sweep (every state of a scene at once) walks what the forward walk (one state at a time)
walks: the same states, battles, dead ends, choices and paths, and the same odds but for the order
in which floats are added. Its expressions mean what the scenario's expressions mean, on every
value; its merging is the walk's merging; its path counts never wrap around."""

from __future__ import annotations

import random

import numpy as np
import pytest

from game import DEFAULT_SCENARIO
from game.engine import sweep, walker
from game.engine.explore import Report, explore_exhaustive
from game.engine.sweep import Columns, _groups, _spec, _times
from game.scenario.compiled import CScene, load
from game.scenario.expressions import BOOL, INT, Namespace, Slot, compile_condition, compile_effect, compile_number
from game.session.saves import read_save, replay

from conftest import MINI, mini_variant

SCENARIOS = {"mini": MINI, "dara": DEFAULT_SCENARIO.parent / "dara", "satala": DEFAULT_SCENARIO.parent / "satala"}


def _counts(report: Report) -> tuple:
    return (report.runs, report.states, report.battle_states, report.complete, report.scenes_visited,
            report.unvisited_scenes, report.choices_taken, report.dead_ends, report.limit_reached)


def _same(a: Report, b: Report) -> None:
    assert _counts(a) == _counts(b)
    assert a.endings.keys() == b.endings.keys()
    for e in a.endings:
        assert a.endings[e] == pytest.approx(b.endings[e], rel=1e-12, abs=1e-15)
    assert (a.covered is None) == (b.covered is None)
    if a.covered is not None:
        assert a.covered == pytest.approx(b.covered, rel=1e-12)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
@pytest.mark.parametrize("odds", [True, False], ids=["odds", "paths"])
def test_the_sweep_finds_what_the_forward_walk_finds(name: str, odds: bool) -> None:
    cs = load(SCENARIOS[name])
    swept = explore_exhaustive(cs, odds=odds, sweep=True)
    walked = explore_exhaustive(cs, odds=odds, sweep=False)
    assert swept.complete and swept.states > 1
    _same(swept, walked)
    if odds:
        assert sum(swept.endings.values()) == pytest.approx(1.0, abs=1e-12)
    else:
        assert all(isinstance(v, int) for v in swept.endings.values())


@pytest.fixture(scope="module")
def campaign():
    cs = load(DEFAULT_SCENARIO)
    p, stopped = replay(cs, read_save(DEFAULT_SCENARIO / "playthroughs" / "historical.json"))
    assert stopped is None
    return cs, p


@pytest.mark.parametrize("odds", [True, False], ids=["odds", "paths"])
def test_the_sweep_finds_what_the_forward_walk_finds_on_the_campaign(campaign, odds: bool) -> None:
    """From a few points of the historical road: the march down the river (the pursuit, the
    assembly and the battle still ahead), the assembly on the eve of the battle, and the battle's
    first question (a battle begun: the sweep hands it to the fighter like any other)."""
    cs, p = campaign
    first = next(i for i, s in enumerate(p.states) if s.battle is not None)
    for at in (first - 4, first - 1, first):
        origin = p.states[at]
        swept = explore_exhaustive(cs, origin=origin, odds=odds, sweep=True, jobs=1)
        walked = explore_exhaustive(cs, origin=origin, odds=odds, sweep=False, jobs=1)
        assert swept.complete and swept.battle_states
        _same(swept, walked)


def test_the_sweep_counts_the_whole_campaign_as_the_forward_walk_does(campaign) -> None:
    cs, _ = campaign
    swept = explore_exhaustive(cs, odds=False, sweep=True, jobs=2)
    walked = explore_exhaustive(cs, odds=False, sweep=False, jobs=2)
    assert swept.complete and swept.unreached_endings == []
    _same(swept, walked)


def test_from_inside_a_battle_the_walk_goes_one_state_at_a_time(campaign) -> None:
    """A battle under way is the fighter's alone: the walk from there is the forward walk's."""
    cs, p = campaign
    inside = next(s for s in p.states if s.battle is not None and s.battle.step > 0)
    a = explore_exhaustive(cs, origin=inside, sweep=True)
    b = explore_exhaustive(cs, origin=inside, sweep=False)
    assert a.complete and _figures_equal(a, b)


def _figures_equal(a: Report, b: Report) -> bool:
    return _counts(a) == _counts(b) and a.endings == b.endings


@pytest.mark.parametrize("limit", [50, 300, 1000])
def test_a_sweep_stopped_at_its_limit_says_what_it_covers(limit: int) -> None:
    cs = load(SCENARIOS["dara"])
    r = explore_exhaustive(cs, max_states=limit, odds=True, sweep=True)
    assert not r.complete and r.limit_reached
    assert r.states <= limit + len(r.endings)
    assert 0 < r.covered < 1
    assert sum(r.endings.values()) <= r.covered + 1e-12
    assert r.covered + r.unexplored == pytest.approx(1.0)
    assert r.coverage_note() is not None


def test_a_sweep_stopped_at_its_memory_limit_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    cs = load(SCENARIOS["dara"])
    monkeypatch.setattr(walker, "memory_mb", lambda: 10_000.0)
    r = explore_exhaustive(cs, odds=True, sweep=True, max_memory_mb=100)
    assert not r.complete and r.memory_reached and r.limit_reached
    assert r.covered < 1 and "memory limit" in (r.coverage_note() or "")


def test_a_scene_the_limit_left_unwalked_is_not_counted_as_visited(monkeypatch: pytest.MonkeyPatch) -> None:
    cs = load(SCENARIOS["dara"])
    walked: set[str] = set()
    walk = sweep.Sweep._walk

    def counting(self, node, values, p, n):  # noqa: ANN001
        before = self.states
        walk(self, node, values, p, n)
        if self.states > before:
            walked.add(cs.node_id(node))

    monkeypatch.setattr(sweep.Sweep, "_walk", counting)
    r = explore_exhaustive(cs, max_states=20, odds=True, sweep=True, jobs=1)
    scenes = {n.model.id for n in cs.nodes if isinstance(n, CScene)}
    assert not r.complete and r.unvisited_scenes
    assert scenes - set(r.unvisited_scenes) == walked & scenes


@pytest.mark.parametrize("after", [3, 12, 40])
def test_past_the_memory_limit_nothing_more_is_held_or_walked(monkeypatch: pytest.MonkeyPatch, after: int) -> None:
    """Memory passes its limit in the middle of the walk: the states waiting are let go at once,
    no scene is walked from there on (only endings), and the figures say what they cover."""
    cs = load(SCENARIOS["satala"])
    calls = {"n": 0}

    def reading() -> float:
        calls["n"] += 1
        return 10_000.0 if calls["n"] > after else 1.0

    walked_after: list[str] = []
    walk = sweep.Sweep._walk

    def noting(self, node, values, p, n):  # noqa: ANN001
        before, reached = self.states, self.memory_reached
        walk(self, node, values, p, n)
        if reached and self.states > before and not cs.is_ending(node):
            walked_after.append(cs.node_id(node))

    monkeypatch.setattr(walker, "memory_mb", reading)
    monkeypatch.setattr(sweep.Sweep, "_walk", noting)
    r = explore_exhaustive(cs, odds=True, sweep=True, jobs=1, max_memory_mb=100)
    assert r.memory_reached and not r.complete and walked_after == []
    assert 0 <= r.covered < 1 and sum(r.endings.values()) <= r.covered + 1e-12
    assert r.covered + r.unexplored == pytest.approx(1.0)


def test_the_memory_limit_never_leaves_out_an_ending(monkeypatch: pytest.MonkeyPatch) -> None:
    """Memory passes its limit just as the walk comes to the endings, every scene walked: the
    endings are still walked (they cost nothing), and the figures are the whole walk's."""
    cs = load(SCENARIOS["mini"])
    whole = explore_exhaustive(cs, odds=True, sweep=True, jobs=1)
    endings = {i for i in range(len(cs.nodes)) if cs.is_ending(i)}
    merged = sweep.Sweep._merged
    state = {"ending": False}

    def noting(self, node):  # noqa: ANN001
        state["ending"] = node in endings
        return merged(self, node)

    monkeypatch.setattr(sweep.Sweep, "_merged", noting)
    monkeypatch.setattr(walker, "memory_mb", lambda: 10_000.0 if state["ending"] else 1.0)
    late = explore_exhaustive(cs, odds=True, sweep=True, jobs=1, max_memory_mb=100)
    assert late.complete and not late.memory_reached
    _same(late, whole)


# -- the expressions, over columns -----------------------------------------------------------------

def _expressions(cs) -> list:
    out = []
    for node in cs.nodes:
        if not isinstance(node, CScene):
            continue
        out += [c for c, _ in node.variants] + list(node.effects)
        for ch in node.choices:
            out += [ch.cond] if ch.cond is not None else []
            out += list(ch.effects)
            for o in ch.outcomes:
                out += [o.weight, *o.effects, *(c for c, _ in o.target.routes if c is not None)]
            if ch.target is not None:
                out += [c for c, _ in ch.target.routes if c is not None]
    return out


def _random_values(cs, rng: random.Random, count: int) -> list[tuple[int, ...]]:
    """States with every value anywhere in its range, its ends more often."""
    rows = []
    for _ in range(count):
        row = []
        for s in cs.layout:
            pick = rng.random()
            row.append(s.lo if pick < 0.1 else s.hi if pick < 0.2 else rng.randint(s.lo, s.hi))
        rows.append(tuple(row))
    return rows


def _check(cols: Columns, expr, rows: list[tuple[int, ...]], dtype=np.int16) -> None:
    values = np.array(rows, dtype=dtype).T.copy()
    if hasattr(expr, "op"):  # an effect: the whole state after it
        cols.apply(values, (expr,))
        for k, row in enumerate(rows):
            out = list(row)
            expr.apply(out)
            assert values[:, k].tolist() == out, (expr.source, row)
    else:
        got = np.broadcast_to(np.asarray(cols.of(expr)(values)), (len(rows),))
        want = [expr.fn(row) for row in rows]
        assert [int(x) for x in got] == [int(x) for x in want], expr.source


@pytest.mark.parametrize("name", ["callinicum", *sorted(SCENARIOS)])
def test_every_expression_of_a_scenario_means_the_same_over_columns(name: str) -> None:
    cs = load(DEFAULT_SCENARIO if name == "callinicum" else SCENARIOS[name])
    layout = range(len(cs.layout))
    cols = Columns(cs.namespace, {j: j for j in layout}, cs.initial)
    rows = _random_values(cs, random.Random(name), 60)
    exprs = _expressions(cs)
    assert len(exprs) > 5
    for expr in exprs:
        _check(cols, expr, rows)


NAMES = {"a": Slot(0, INT, -20, 20), "b": Slot(1, INT, -20, 20), "f": Slot(2, BOOL, 0, 1), "g": Slot(3, BOOL, 0, 1)}


@pytest.mark.parametrize("source", [
    "a // b", "-a // 3", "a // (b - b)", "a * b - 7", "min(a, b, 3)", "max(a, -b)", "+a", "-(a + b)",
    "a < b <= 5", "a == b", "a != 2", "not f", "f and not g", "f or g or a > 3", "not (a > b and g)",
    "true", "false", "7", "f == g", "(a > 2) == f",
])
def test_the_language_means_the_same_over_columns(source: str) -> None:
    ns = Namespace(NAMES)
    expr = compile_number(source, ns) if not source.startswith(("not", "f", "true", "false")) and \
        not any(op in source for op in ("<", ">", "==", "!=")) else compile_condition(source, ns)
    rows = [(a, b, f, g) for a in (-20, -7, -1, 0, 1, 3, 20) for b in (-20, -3, 0, 2, 20) for f in (0, 1)
            for g in (0, 1)]
    _check(Columns(ns, {0: 0, 1: 1, 2: 2, 3: 3}, (0, 0, 0, 0)), expr, rows, dtype=np.int64)


@pytest.mark.parametrize("source", ["a += b * 3", "a -= 25", "a = b // 2", "f = a > b", "g = not g", "a += 100"])
def test_effects_are_clamped_over_columns_as_they_are_one_state_at_a_time(source: str) -> None:
    ns = Namespace(NAMES)
    rows = [(a, b, f, 0) for a in (-20, -5, 0, 19, 20) for b in (-20, 0, 7, 20) for f in (0, 1)]
    _check(Columns(ns, {0: 0, 1: 1, 2: 2, 3: 3}, (0, 0, 0, 0)), compile_effect(source, ns), rows, dtype=np.int64)


def test_a_value_the_walk_does_not_hold_reads_as_its_fill_and_is_never_written() -> None:
    ns = Namespace(NAMES)
    cols = Columns(ns, {0: 0}, (0, 0, 1, 0))  # only `a` is held, in row 0
    values = np.array([[1, 2, 3]], dtype=np.int16)
    assert list(np.broadcast_to(cols.of(compile_condition("f and a > 1", ns))(values), (3,))) == [False, True, True]
    cols.apply(values, (compile_effect("b = a", ns), compile_effect("a += 1", ns)))
    assert values.tolist() == [[2, 3, 4]]


# -- merging and counting ---------------------------------------------------------------------------

@pytest.mark.parametrize("width, wide", [(3, 1), (4, 4), (40, 1)])
def test_states_are_grouped_by_their_merged_form(width: int, wide: int) -> None:
    """However many values a merged form packs (one 64-bit word with room for each state's number
    beside it, one without, or several words), states are alike exactly when their exact values
    and bands are."""
    rng = np.random.default_rng(width)
    layout = [Slot(j, INT, 0, 30000) for j in range(width)]
    values = rng.integers(0, 6, size=(width, 500)).astype(np.int16)
    values[0] = rng.integers(0, 999, size=500)  # one value with a wide range
    values[:wide] = rng.integers(0, 4, size=(wide, 500)) * 9000  # 15 bits each: 60 bits in all
    values[:wide, ::7] = 30000
    live = [(j, None if j % 2 or j < wide else (2, 4)) for j in range(width)]
    order, starts = _groups([values[:, :200], values[:, 200:]], _spec(layout, {j: j for j in range(width)}, live))

    def form(k: int) -> tuple:
        return tuple(int(values[j, k]) if c is None else sum(int(values[j, k]) >= x for x in c) for j, c in live)

    ends = list(starts[1:]) + [500]
    groups = [[int(k) for k in order[s:e]] for s, e in zip(starts, ends)]
    assert sorted(k for g in groups for k in g) == list(range(500))
    assert all(g == sorted(g) for g in groups), "alike states keep their order"
    assert len({form(g[0]) for g in groups}) == len(groups)
    assert all(len({form(k) for k in g}) == 1 for g in groups)


def test_no_states_make_no_groups() -> None:
    order, starts = _groups([np.zeros((2, 0), dtype=np.int16)], ((0, None), (1, None)))
    assert len(order) == len(starts) == 0


def test_path_counts_never_wrap_around() -> None:
    n = np.array([2**62, 3], dtype=np.int64)
    out = _times(n, np.array([4, 5]))
    assert [int(x) for x in out] == [2**64, 15]
    assert list(_times(np.array([6], dtype=np.int64), np.array([7]))) == [42]


# -- corners of the language and of the numbers, each once found wrong ------------------------------

def _both(path) -> tuple[Report, Report]:
    """The sweep against the walk one state at a time, weighing and counting, on a scenario."""
    cs = load(path)
    for odds in (True, False):
        swept = explore_exhaustive(cs, odds=odds, sweep=True, jobs=1)
        walked = explore_exhaustive(cs, odds=odds, sweep=False, jobs=1)
        assert swept.complete
        _same(swept, walked)
    return swept, walked


def _qualities(text: str) -> tuple[str, str, str]:
    return ("scenario.yaml", "qualities:\n", "qualities:\n" + text)


HOME = "      - id: go_home\n        label: Go home\n        next:\n          - if: scouted"


def test_path_counts_past_64_bits_are_counted_exactly(tmp_path) -> None:
    """Twenty scenes of ten choices before the story: 10**20 roads to each of its paths, which
    64-bit sums would wrap."""
    scenes = ["scenes:"]
    for i in range(20):
        scenes.append(f"  - id: s{i}\n    title: S{i}\n    date: D\n    place: camp\n    text: t\n    choices:")
        scenes += [f"      - id: c{k}\n        label: C{k}\n        next: {f's{i + 1}' if i < 19 else 'camp'}"
                   for k in range(10)]
    path = mini_variant(tmp_path, ("scenario.yaml", "start: camp", "start: s0"),
                        ("scenes.yaml", "scenes:\n", "\n".join(scenes) + "\n"))
    swept, walked = _both(path)
    assert swept.runs == walked.runs > 2**64 and swept.runs % 10**20 == 0


def test_a_shift_past_the_16_bits_a_state_is_held_in_is_clamped_as_one_state_at_a_time(tmp_path) -> None:
    path = mini_variant(
        tmp_path, _qualities("  - id: gold\n    label: Gold\n    min: 0\n    max: 30000\n    start: 20000\n"),
        ("scenes.yaml", "effects: [courage += 2]", "effects: [courage += 2, gold += 20000, gold -= 40000, gold += 30000]"),
        ("scenes.yaml", HOME, HOME.replace("scouted", "gold >= 25000")))
    swept, _ = _both(path)
    assert swept.endings["wise_ending"] > 0  # the road home that only a clamped 30,000 takes


def test_bands_of_a_range_wider_than_16_bits_are_told_apart(tmp_path) -> None:
    path = mini_variant(
        tmp_path, _qualities("  - id: t\n    label: T\n    min: -20000\n    max: 20000\n    start: 0\n"),
        ("scenes.yaml", "effects: [scouted = true, supply -= 1]", "effects: [t += 15000]"),
        ("scenes.yaml", "effects: [courage += 2]", "effects: [t -= 15000]"),
        ("scenes.yaml", HOME, HOME.replace("scouted", "t >= 0")))
    _both(path)


def test_arithmetic_on_flags_and_on_values_no_state_holds(tmp_path) -> None:
    """`(x > 1) - (y > 1)` is Python's arithmetic on true and false, here on values that no later
    scene reads (the walk does not hold them), in an effect and in a weight."""
    path = mini_variant(
        tmp_path, _qualities("".join(f"  - id: {q}\n    label: {q}\n    min: 0\n    max: 10\n    start: {v}\n"
                                     for q, v in (("x", 3), ("y", 1), ("tally", 0)))),
        ("scenes.yaml", "effects: [courage += 2]", "effects: [courage += 2, tally = (x > 1) - (y > 1) + 1 - -(x > 1)]"))
    _both(path)


def test_arithmetic_past_64_bits_is_python_s(tmp_path) -> None:
    _both(mini_variant(tmp_path, ("scenes.yaml", "if: supply >= 5", "if: supply * 1000000 * 1000000 * 1000000 * 10 > 0")))
