"""The exhaustive explorer's state merging is exact: merging changes the work, never the odds."""

from __future__ import annotations

from pathlib import Path

import pytest

from game.engine.abstraction import Abstraction
from game.engine.explore import explore_exhaustive, explore_random
from game.scenario.compiled import load

MINI = Path(__file__).parent / "scenarios" / "mini"


def test_merging_gives_the_same_odds_as_no_merging() -> None:
    cs = load(MINI)
    merged = explore_exhaustive(cs)
    plain = explore_exhaustive(cs, merge=False)
    assert merged.complete and plain.complete
    for ending, p in plain.endings.items():
        assert merged.endings[ending] == pytest.approx(p, abs=1e-12)
    assert merged.states <= plain.states
    assert merged.runs == plain.runs  # the same number of distinct playthroughs is represented


def test_values_only_compared_with_constants_are_banded() -> None:
    cs = load(MINI)
    ab = Abstraction(cs)
    march = cs.index["march"]
    supply = cs.namespace.slots["supply"].index
    courage = cs.namespace.slots["courage"].index
    # at the march, courage feeds a weight (`courage + 1`): kept exactly
    assert ab.cuts[march][courage] is None
    # supply is read later only by the battle's threshold `supply <= 1`
    assert ab.cuts[march][supply] == (2,)
    # so supply 3 and 4 are the same state there, 1 and 3 are not
    base = list(cs.initial)
    state = lambda v: (march, tuple(base[:supply] + [v] + base[supply + 1:]), None)  # noqa: E731
    assert ab.key(state(3)) == ab.key(state(4))
    assert ab.key(state(1)) != ab.key(state(3))


def test_exhaustive_agrees_with_random_play() -> None:
    cs = load(MINI)
    exact = explore_exhaustive(cs).endings
    sampled = explore_random(cs, 4000, 3).endings
    for ending, p in exact.items():
        assert sampled[ending] / 4000 == pytest.approx(p, abs=0.03)


def test_a_battle_under_way_keys_only_what_it_still_reads() -> None:
    cs = load(MINI)
    ab = Abstraction(cs)
    battle = cs.index["battle"]

    def values(**changes: int) -> tuple[int, ...]:
        v = list(cs.initial)
        for name, value in changes.items():
            v[cs.namespace.slots[name.replace("__", ".")].index] = value
        return tuple(v)

    # supply only decides a setup of the morning, and the units are read as the battle begins:
    # both are in the battle's own state from then on
    assert ab.battle_key(battle, values(supply=0)) == ab.battle_key(battle, values(supply=4))
    assert ab.battle_key(battle, values(unit__foot__men=5)) == ab.battle_key(battle, values(unit__foot__men=20))
    # courage is the discipline of a withdrawal and decides a setup of the arrows phase
    assert ab.battle_key(battle, values(courage=3)) != ab.battle_key(battle, values(courage=4))
    assert ab.battle_key(battle, values(courage=4)) != ab.battle_key(battle, values(courage=5))
