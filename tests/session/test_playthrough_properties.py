"""Property-based tests (Hypothesis) of playthroughs, on the mini scenario and on the Callinicum
campaign: random playthroughs never crash and keep every invariant of `check_playthrough` (in
tests/conftest.py) after every decision; a replay of the decisions with the same seed gives exactly
the same states; undo then the same decision again gives the same state and record; a refused
decision changes nothing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from game.engine.campaign import EngineError

from conftest import FAST, SEEDS, WALKS, check_replays, check_view, random_walk, scenario_named


@pytest.mark.parametrize("name", ["mini", "callinicum"])
@FAST
@given(data=st.data())
def test_random_playthroughs_keep_every_invariant(name, data):
    cs = scenario_named(name)
    seed = data.draw(SEEDS, label="seed")
    p = random_walk(cs, seed, data.draw(WALKS, label="walk"))
    check_replays(p)

    # undo then the same decision again: the same state, the same record
    if p.decisions:
        n = data.draw(st.integers(0, len(p.decisions) - 1), label="undo to")
        states, record, decisions = list(p.states), list(p.record), list(p.decisions)
        for _ in range(len(decisions) - n):
            assert p.undo()
        assert p.states == states[: n + 1] and p.decisions == decisions[:n]
        check_view(p.campaign, p.state, p.seed, n)
        for option_id in decisions[n:]:
            p.choose(option_id)
        assert p.states == states and p.record == record

        # a branch from step n is the prefix of the playthrough
        branch = p.truncated(n)
        assert branch.states == states[: n + 1] and branch.decisions == decisions[:n]
        assert p.states == states  # the original is untouched
    # nothing more to undo at the start
    while p.undo():
        pass
    assert not p.undo() and len(p.states) == 1


@pytest.mark.parametrize("name", ["mini", "callinicum"])
@FAST
@given(seed=SEEDS, walk=WALKS, bad=st.integers(0, 2**16))
def test_a_refused_decision_changes_nothing(name, seed, walk, bad):
    cs = scenario_named(name)
    p = random_walk(cs, seed, walk)
    closed = [o.id for o in p.options() if not o.available]
    candidates = [*closed, "no_such_decision", "", " ", "../x", "\x00"]
    option_id = candidates[bad % len(candidates)]
    states, decisions, record = list(p.states), list(p.decisions), list(p.record)
    with pytest.raises(EngineError):
        p.choose(option_id)
    assert (p.states, p.decisions, p.record) == (states, decisions, record)
    if p.ending:
        for o in p.scenario.nodes[0].choices:  # the campaign is over: nothing can be chosen
            with pytest.raises(EngineError):
                p.choose(o.id)
