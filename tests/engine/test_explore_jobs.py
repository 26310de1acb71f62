"""Exhaustive exploration on several processes gives exactly what one process gives: the same states,
the same paths to every ending, the same odds to the last bit, the same coverage; and so does any
way of sharing the battles out among batches, complete or stopped at the state limit."""

from __future__ import annotations

import pytest

from game import DEFAULT_SCENARIO
from game.engine import explore
from game.engine.explore import Report, explore_exhaustive
from game.scenario.compiled import load
from game.session.saves import read_save, replay

from conftest import LOOP_BACK, MINI, mini_variant

DARA = DEFAULT_SCENARIO.parent / "dara"


def _figures(report: Report) -> tuple:
    """Everything a walk finds (not how fast): compared with ==, floats included."""
    return (report.endings, report.runs, report.states, report.battle_states, report.complete,
            report.covered, report.scenes_visited, report.unvisited_scenes, report.choices_taken,
            report.dead_ends, report.limit_reached)


@pytest.fixture
def pools(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the pools of processes started, so that a test knows the battles went to them."""
    started: list[int] = []
    start = explore._Battles._start_pool

    def counting(self: explore._Battles) -> None:
        started.append(self.jobs)
        start(self)

    monkeypatch.setattr(explore._Battles, "_start_pool", counting)
    return started


@pytest.fixture(scope="module")
def dara():
    return load(DARA)


@pytest.mark.parametrize("odds", [True, False], ids=["odds", "paths"])
def test_two_processes_give_what_one_gives_on_dara(dara, odds: bool, pools: list[int],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    one = explore_exhaustive(dara, odds=odds, jobs=1)
    assert one.complete and not pools
    monkeypatch.setattr(explore, "BATCH", 3)  # several batches, so both processes have work
    two = explore_exhaustive(dara, odds=odds, jobs=2)
    assert pools == [2] and two.jobs == 2
    assert _figures(two) == _figures(one)
    assert one.unreached_endings == [] and one.choices_taken == one.choices_total
    if odds:
        assert one.covered == 1.0 and sum(one.endings.values()) == pytest.approx(1.0, abs=1e-12)


@pytest.fixture(scope="module")
def eve():
    """The historical campaign at the assembly on the eve of the battle (its last decision before
    the battle, which begins in several ways from there), and at the battle's first question."""
    cs = load(DEFAULT_SCENARIO)
    p, stopped = replay(cs, read_save(DEFAULT_SCENARIO / "playthroughs" / "historical.json"))
    assert stopped is None
    first = next(i for i, s in enumerate(p.states) if s.battle is not None)
    return cs, p.states[first - 1], p.states[first]


@pytest.mark.parametrize("odds", [True, False], ids=["odds", "paths"])
def test_two_processes_give_what_one_gives_from_the_eve_of_battle(eve, odds: bool, pools: list[int]) -> None:
    cs, assembly, battle = eve
    one = explore_exhaustive(cs, origin=assembly, odds=odds, jobs=1)
    two = explore_exhaustive(cs, origin=assembly, odds=odds, jobs=2)
    assert pools == [2], "the battle begins in several ways from the assembly: they go to the pool"
    assert one.complete and one.battle_states and _figures(two) == _figures(one)
    # and from the battle itself (one beginning: fought in this process, whatever `jobs` says)
    assert _figures(explore_exhaustive(cs, origin=battle, odds=odds, jobs=2)) == _figures(
        explore_exhaustive(cs, origin=battle, odds=odds, jobs=1))


@pytest.mark.parametrize("limit", [60, 400, 900, 1300])
def test_a_walk_stopped_at_its_limit_is_the_same_whatever_the_processes(dara, limit: int,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    reports = []
    for jobs, batch in ((1, 16), (1, 1), (2, 2), (2, 16)):
        monkeypatch.setattr(explore, "BATCH", batch)
        reports.append(explore_exhaustive(dara, max_states=limit, odds=True, jobs=jobs))
    first = reports[0]
    assert not first.complete and first.limit_reached
    assert all(_figures(r) == _figures(first) for r in reports[1:])
    # a battle that does not fit what is left of the limit is left out whole: never past the limit
    assert first.states <= limit + len(first.endings)
    # what the figures stand for adds up: each ending's floor, and what was not explored
    assert 0 < first.covered < 1
    assert sum(first.endings.values()) <= first.covered + 1e-12
    assert first.covered + first.unexplored == pytest.approx(1.0)


def test_a_story_that_loops_back_gives_the_same_with_two_processes(tmp_path, pools: list[int],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A road back to an earlier scene: the depth-first walk (not the forward one) sends its
    battles to the processes, with the same figures."""
    cs = load(mini_variant(tmp_path, LOOP_BACK))
    assert explore._forward_order(cs) is None
    monkeypatch.setattr(explore, "BATCH", 1)
    for odds in (True, False):
        one = explore_exhaustive(cs, odds=odds, jobs=1)
        two = explore_exhaustive(cs, odds=odds, jobs=2)
        assert one.complete and one.battle_states
        assert _figures(two) == _figures(one)
    assert pools == [2, 2]


def test_spawned_processes_build_their_own_scenario(monkeypatch: pytest.MonkeyPatch, pools: list[int]) -> None:
    """Where processes cannot be forked, each worker compiles the scenario once from its validated
    data (compiled expressions cannot be sent to another process) and gives the same figures."""
    cs = load(MINI)
    one = explore_exhaustive(cs, jobs=1)
    monkeypatch.setattr(explore, "START_METHOD", "spawn")
    monkeypatch.setattr(explore, "BATCH", 1)
    two = explore_exhaustive(cs, jobs=2)
    assert pools == [2]
    assert _figures(two) == _figures(one)


@pytest.mark.parametrize("odds", [True, False], ids=["odds", "paths"])
def test_the_forward_walk_finds_what_the_depth_first_walk_finds(dara, odds: bool,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Stories whose roads all lead on are walked scene by scene, keeping no graph; any story can
    be walked depth first. Both find the same states, paths and coverage, and the same odds (to the
    rounding of sums added up in another order)."""
    forward = explore_exhaustive(dara, odds=odds)
    monkeypatch.setattr(explore, "_forward_order", lambda scenario: None)
    deep = explore_exhaustive(dara, odds=odds)
    assert forward.complete and deep.complete
    assert (forward.runs, forward.states, forward.battle_states, forward.choices_taken, forward.dead_ends) == (
        deep.runs, deep.states, deep.battle_states, deep.choices_taken, deep.dead_ends)
    for ending, value in deep.endings.items():
        assert forward.endings[ending] == pytest.approx(value, rel=1e-12, abs=1e-15)


# -- the cyclic garbage collector, paused for a walk -----------------------------------------------
@pytest.mark.parametrize("enabled", [True, False], ids=["collector on", "collector off"])
def test_a_walk_pauses_the_cyclic_collector_and_leaves_it_as_it_found_it(dara, enabled: bool) -> None:
    import gc

    seen: list[bool] = []
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        report = explore_exhaustive(dara, odds=True, jobs=1, progress=lambda n: seen.append(gc.isenabled()))
        assert report.complete and seen and not any(seen)
        assert gc.isenabled() is enabled

        def stop(n: int) -> None:
            raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):  # a walk stopped half-way leaves it as it was too
            explore_exhaustive(dara, odds=True, jobs=1, progress=stop)
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_a_worker_fights_with_the_collector_paused(dara, monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    from game.engine.abstraction import Abstraction
    from game.engine.campaign import Campaign

    monkeypatch.setattr(explore, "_FIGHTER", None)
    was = gc.isenabled()
    gc.enable()
    try:
        fighter = explore.Fighter(Campaign(dara), Abstraction(dara, exact=False, odds=True))
        explore._worker_start(fighter)
        assert explore._FIGHTER is fighter and not gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()
