"""Determinism: the same seed and decisions always give the same playthrough; the explorer's odds are exact."""

from __future__ import annotations

import json
import random
from collections import Counter
from fractions import Fraction

import pytest

from game.engine.campaign import Campaign, EngineError
from game.engine.dice import SeededDice, enumerate_chance
from game.engine.explore import explore_exhaustive, explore_random
from game.scenario.compiled import load
from game.session.playthrough import Playthrough
from game.session.transcript import transcript

from conftest import MINI


@pytest.fixture(scope="module")
def cs():
    return load(MINI)


def play_randomly(cs, seed: int, policy_seed: int) -> Playthrough:
    """A whole playthrough whose decisions are picked by a separate, seeded policy."""
    rng = random.Random(policy_seed)
    p = Playthrough.new(cs, seed)
    while not p.ending:
        options = [o.id for o in p.options() if o.available]
        p.choose(rng.choice(options))
        assert len(p.decisions) < 100
    return p


# -- playthroughs ----------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 7, 531, 2**31, 2**63 - 1])
def test_same_seed_and_decisions_give_the_same_playthrough(cs, seed):
    recompiled = load(cs.folder)
    for policy in range(8):
        first = play_randomly(cs, seed, policy)
        again = Playthrough.new(cs, seed, list(first.decisions))
        assert again.states == first.states
        assert again.record == first.record
        assert again.ending == first.ending
        assert transcript(again) == transcript(first)
        # a fresh compile of the scenario gives the same too
        other = Playthrough.new(recompiled, seed, list(first.decisions))
        assert other.states == first.states
        assert transcript(other) == transcript(first)


def test_playthrough_is_a_function_of_seed_and_decisions(cs):
    decisions = ["rush", "gamble", "horse_right", "keep_some", "watch", "press", "reserve_in", "stand"]
    seen = {}
    for seed in range(60):
        p = Playthrough.new(cs, seed)
        for d in decisions:
            if p.ending or d not in [o.id for o in p.options() if o.available]:
                break
            p.choose(d)
        seen.setdefault(seed, (tuple(p.states), p.ending))
        assert (tuple(Playthrough.new(cs, seed, list(p.decisions)).states), p.ending) == seen[seed]
    # chance really depends on the seed: not every seed ends the same way
    assert len({ending for _, ending in seen.values()}) > 1


def test_undo_and_redo_give_the_same_state(cs):
    p = play_randomly(cs, 99, 3)
    states = list(p.states)
    decisions = list(p.decisions)
    while p.undo():
        pass
    assert p.decisions == [] and p.states == states[:1]
    assert p.undo() is False
    for d in decisions:
        p.choose(d)
    assert p.states == states


def test_truncated_playthrough_is_a_prefix(cs):
    p = play_randomly(cs, 5, 5)
    for n in range(len(p.decisions) + 1):
        assert p.truncated(n).states == p.states[: n + 1]


def test_step_does_not_change_its_input(cs):
    campaign = Campaign(cs)
    state = campaign.start()
    before = (state.node, state.values, state.battle)
    a = campaign.step(state, "scout", SeededDice(3, 0))
    b = campaign.step(state, "scout", SeededDice(3, 0))
    assert (state.node, state.values, state.battle) == before
    assert a.state == b.state and a.text == b.text


def test_closed_or_unknown_decisions_change_nothing(cs):
    p = Playthrough.new(cs, 1)
    with pytest.raises(EngineError):
        p.choose("feast")  # supply 3 < 5
    with pytest.raises(EngineError):
        p.choose("no_such_choice")
    assert p.decisions == [] and len(p.states) == 1
    q = play_randomly(cs, 1, 1)
    with pytest.raises(EngineError, match="over"):
        q.choose(q.decisions[-1])


# -- the explorer ----------------------------------------------------------------------------------

STABLE_KEYS = ("scenario", "mode", "runs", "seed", "endings", "unreached_endings", "scenes_visited",
               "scenes_total", "unvisited_scenes", "choices_taken", "choices_total", "complete", "dead_ends",
               "decisions_per_playthrough")


def test_explore_random_twice_is_identical(cs):
    a = explore_random(cs, 300, 7).as_json()
    b = explore_random(cs, 300, 7).as_json()
    assert {k: a[k] for k in STABLE_KEYS} == {k: b[k] for k in STABLE_KEYS}
    assert sum(a["endings"].values()) == 300
    c = explore_random(cs, 300, 8).as_json()
    assert c["endings"] != a["endings"]


def test_explore_cli_twice_is_identical(mini_dir, run_cli):
    outs = []
    for _ in range(2):
        result = run_cli("explore", "--scenario", mini_dir, "--runs", "300", "--seed", "7", "--json")
        assert result.code == 0, result.err
        outs.append(json.loads(result.out))
    a, b = outs
    for key in ("endings", "unreached_endings", "scenes_visited", "scenes_total", "choices_taken", "choices_total"):
        assert a[key] == b[key], key
    assert a["runs"] == 300 and sum(a["endings"].values()) == 300


def test_explore_is_identical_across_processes(mini_dir, run_game):
    """Nothing may depend on hash randomisation: two interpreters agree."""
    outs = []
    for hash_seed in ("1", "2"):
        result = run_game("explore", "--scenario", mini_dir, "--runs", "300", "--seed", "7", "--json",
                          env={"PYTHONHASHSEED": hash_seed})
        assert result.code == 0, result.err
        outs.append(json.loads(result.out))
    in_process = explore_random(load(mini_dir), 300, 7).as_json()
    for key in ("endings", "scenes_visited", "choices_taken", "unvisited_scenes"):
        assert outs[0][key] == outs[1][key] == in_process[key], key


def test_exhaustive_probabilities_sum_to_one(cs):
    report = explore_exhaustive(cs)
    assert report.complete
    assert report.mode == "exhaustive"
    assert set(report.endings) == {"storm_ending", "wise_ending", "win_ending", "loss_ending"}
    assert sum(report.endings.values()) == pytest.approx(1.0, abs=1e-12)
    assert all(0 < v < 1 for v in report.endings.values())
    assert report.unreached_endings == []
    assert report.scenes_visited == report.scenes_total == 3
    assert report.dead_ends == 0
    # worked by hand: scout (1/2) then go home (1/2) is the wise ending; going home unscouted, or
    # the storm of the gamble (weights courage+1 : 1, courage 2 after scouting, 4 after rushing)
    assert report.endings["wise_ending"] == pytest.approx(0.25, abs=1e-12)
    storm = Fraction(1, 4) + Fraction(1, 4) * Fraction(1, 4) + Fraction(1, 4) * Fraction(1, 6)
    assert report.endings["storm_ending"] == pytest.approx(float(storm), abs=1e-12)


def test_exhaustive_is_deterministic(cs):
    a, b = explore_exhaustive(cs), explore_exhaustive(cs)
    assert a.endings == b.endings
    assert (a.runs, a.states, a.choices_taken) == (b.runs, b.states, b.choices_taken)


def test_exhaustive_agrees_with_a_large_random_run(cs):
    exact = explore_exhaustive(cs).endings
    runs = 6000
    counts = explore_random(cs, runs, 12345).endings
    for ending, p in exact.items():
        # 6,000 runs: one standard deviation is at most 0.0065
        assert counts[ending] / runs == pytest.approx(p, abs=0.03), ending


# -- the dice --------------------------------------------------------------------------------------


def test_seeded_dice_repeat():
    for seed in (0, 1, 2**63 - 1):
        for step in range(5):
            a, b = SeededDice(seed, step), SeededDice(seed, step)
            assert [a.pick([1, 2, 3]) for _ in range(20)] == [b.pick([1, 2, 3]) for _ in range(20)]


def test_seeded_dice_follow_the_weights():
    counts = Counter(SeededDice(seed, 0).pick([1, 0, 3, -5]) for seed in range(8000))
    assert set(counts) <= {0, 2}  # zero and negative weights never come up
    assert counts[2] / 8000 == pytest.approx(0.75, abs=0.03)


def test_seeded_dice_with_no_positive_weight_pick_the_first():
    assert SeededDice(1, 1).pick([0, 0, -1]) == 0


def test_enumerate_single_pick():
    results = enumerate_chance(lambda dice: dice.pick([1, 3]))
    assert sorted((r, p) for p, r in results) == [(0, 0.25), (1, 0.75)]


def test_enumerate_skips_impossible_outcomes():
    results = enumerate_chance(lambda dice: dice.pick([0, 2, -1, 2]))
    assert sorted((r, p) for p, r in results) == [(1, 0.5), (3, 0.5)]
    assert enumerate_chance(lambda dice: dice.pick([0, 0])) == [(1.0, 0)]
    assert enumerate_chance(lambda dice: "no dice") == [(1.0, "no dice")]


def test_enumerate_nested_and_dependent_picks():
    def fn(dice):
        first = dice.pick([1, 1, 2])
        if first == 0:
            return (first, dice.pick([1, 4]), dice.pick([3, 0, 1]))
        if first == 1:
            return (first,)
        return (first, dice.pick([2, 3, 5]))

    results = enumerate_chance(fn)
    assert sum(p for p, _ in results) == pytest.approx(1.0, abs=1e-12)
    assert len(results) == len({r for _, r in results}) == 1 * 2 * 2 + 1 + 3
    by_result = {r: p for p, r in results}
    assert by_result[(0, 1, 2)] == pytest.approx(0.25 * 0.8 * 0.25)
    assert by_result[(1,)] == pytest.approx(0.25)
    assert by_result[(2, 2)] == pytest.approx(0.5 * 0.5)


@pytest.mark.parametrize("seed", range(20))
def test_enumerate_random_trees_sum_to_one(seed):
    rng = random.Random(seed)
    tree_seed = rng.randrange(10**9)

    def fn(dice):
        local = random.Random(tree_seed)
        path = []
        for _ in range(local.randint(1, 4)):
            weights = [local.randint(-2, 6) for _ in range(local.randint(1, 4))]
            path.append(dice.pick(weights))
            local.seed(tree_seed + sum(path) * 31 + len(path))
        return tuple(path)

    results = enumerate_chance(fn)
    assert sum(p for p, _ in results) == pytest.approx(1.0, abs=1e-12)
    assert all(p >= 0 for p, _ in results)


def test_enumerate_a_campaign_step(cs):
    campaign = Campaign(cs)
    state = Playthrough.new(cs, 0, ["scout"]).state
    outcomes = enumerate_chance(lambda dice: campaign.step(state, "gamble", dice).state)
    assert sum(p for p, _ in outcomes) == pytest.approx(1.0)
    assert sorted(round(p, 12) for p, _ in outcomes) == [0.25, 0.75]  # courage 2: weights 3 and 1
