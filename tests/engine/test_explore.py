"""The exhaustive explorer's state merging is exact: merging changes the work, never the odds."""

from __future__ import annotations

from pathlib import Path

import pytest

from game import DEFAULT_SCENARIO
from game.engine import abstraction
from game.engine.abstraction import Abstraction
from game.engine.campaign import Campaign
from game.engine.dice import enumerate_chance
from game.engine.explore import explore_exhaustive, explore_random
from game.scenario.compiled import load

from conftest import LOOP_BACK, MINI, mini_variant


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


# -- scene effects and the coverage walk ------------------------------------------------------

MUSTER = """\
scenario: {id: muster, title: The Muster, version: "1", start: road}
qualities:
  - {id: mood, label: Mood, min: 0, max: 6, start: 3}
  - {id: ready, label: Ready, min: 0, max: 2, start: 0, shown: false}
places:
  - {id: here, name: here, x: 1, y: 1}
scenes:
  - id: road
    title: The road
    date: day one
    place: here
    text: The road.
    choices:
      - id: cheer
        label: Cheer them
        chance:
          - {weight: 1 + mood, effects: [mood += 1], next: march}
          - {weight: 2, effects: [mood -= 2], next: march}
      - id: rest
        label: Rest
        effects: [mood -= 1]
        next: march
  - id: march
    title: The march
    date: day two
    place: here
    text: The march.
    choices:
      - id: push
        label: Push on
        effects: [mood -= 1]
        next: field
      - id: sing
        label: Sing
        chance:
          - {weight: 3 * (mood >= 3) + 1, effects: [mood += 2], next: field}
          - {weight: 1, next: field}
  - id: field
    title: The field
    date: day three
    place: here
    text: The field.
    effects:
      - ready = (mood >= 2) + (mood >= 5)
    choices:
      - id: attack
        label: Attack
        chance:
          - {weight: 1 + ready, next: won}
          - {weight: 1, next: lost}
      - id: wait
        label: Wait
        if: ready >= 1
        next: lost
endings:
  - {id: won, title: Won, kind: victory, text: Won.}
  - {id: lost, title: Lost, kind: defeat, text: Lost.}
"""


@pytest.fixture
def muster(tmp_path: Path):
    folder = tmp_path / "muster"
    folder.mkdir()
    (folder / "scenario.yaml").write_text(MUSTER, encoding="utf-8")
    return load(folder)


def test_scene_effects_run_on_arrival_by_every_road(muster) -> None:
    from game.engine.campaign import Campaign
    from game.engine.dice import SeededDice

    campaign = Campaign(muster)
    ready, mood = muster.namespace.slots["ready"].index, muster.namespace.slots["mood"].index
    for first in ("rest", "cheer"):
        state = campaign.start()
        state = campaign.step(state, first, SeededDice(1, 0)).state
        state = campaign.step(state, "push", SeededDice(1, 1)).state
        assert muster.node_id(state.node) == "field"
        expected = (state.values[mood] >= 2) + (state.values[mood] >= 5)
        assert state.values[ready] == expected
    # and the start scene's state is the initial one (the road has no effects)
    assert campaign.start().values == muster.initial


def test_scene_effects_keep_merging_exact(muster) -> None:
    merged, plain = explore_exhaustive(muster), explore_exhaustive(muster, merge=False)
    assert merged.complete and plain.complete
    for ending, p in plain.endings.items():
        assert merged.endings[ending] == pytest.approx(p, abs=1e-12)
    assert merged.runs == plain.runs
    # once mustered, mood is never read again: at the field only `ready` tells states apart
    ab = Abstraction(muster)
    mood = muster.namespace.slots["mood"].index
    assert ab.cuts[muster.index["field"]][mood] == ()
    # while on the march, mood matters through the muster's thresholds, pulled back through `push`
    assert {3, 6} <= set(ab.cuts[muster.index["march"]][mood])


def test_the_counting_walk_covers_what_the_weighing_walk_covers(muster) -> None:
    for cs in (muster, load(MINI)):
        odds = explore_exhaustive(cs)
        paths = explore_exhaustive(cs, odds=False)
        assert paths.complete and odds.complete and paths.odds is False and odds.odds is True
        assert paths.runs == odds.runs
        assert sum(paths.endings.values()) <= paths.runs
        assert {e for e, v in paths.endings.items() if v} == {e for e, v in odds.endings.items() if v}
        assert (paths.scenes_visited, paths.choices_taken, paths.dead_ends) == (
            odds.scenes_visited, odds.choices_taken, odds.dead_ends)
        assert paths.states <= odds.states


def test_counting_forgets_values_read_only_by_weights_that_cannot_vanish(muster) -> None:
    mood = muster.namespace.slots["mood"].index
    road = muster.index["road"]
    weighing, counting = Abstraction(muster), Abstraction(muster, odds=False)
    # the weight `1 + mood` keeps mood exact when odds matter ...
    assert weighing.cuts[road][mood] is None
    # ... but it is never zero, so when only reachability matters mood counts only through the
    # muster's thresholds and the shifts before them
    assert counting.cuts[road][mood] is not None


@pytest.mark.parametrize("source, vanishes", [
    ("1 + mood", False),          # mood >= 0: at least 1
    ("2", False),
    ("3 * (mood >= 3) + 1", False),
    ("mood", True),               # zero when mood is 0
    ("1 - mood", True),
    ("4 * (mood >= 3)", True),
    ("max(1, mood - 3)", False),
    ("min(1, mood)", True),
    ("2 - (mood >= 1) - (ready >= 1)", True),
])
def test_which_weights_may_vanish(muster, source: str, vanishes: bool) -> None:
    from game.scenario.expressions import compile_number

    expr = compile_number(source, muster.namespace)
    assert expr.analysis.may_be_zero_or_less() is vanishes


def test_the_counting_walk_merges_exactly_on_a_scenario_with_a_battle() -> None:
    """Dara, with its battle: merged, the counting walk visits about 1,700 states; unmerged, about
    665,000; the paths to every ending are the same number (about 15 s)."""
    cs = load(MINI.parent.parent.parent / "content" / "dara")
    merged = explore_exhaustive(cs, odds=False)
    plain = explore_exhaustive(cs, odds=False, merge=False)
    assert merged.complete and plain.complete
    assert merged.endings == plain.endings
    assert merged.runs == plain.runs
    assert merged.states * 100 < plain.states


# -- both walks against brute force ------------------------------------------------------------

def _brute_force(cs):
    """Every path, one by one, through the game's own `Campaign.step`: the reference the walks
    must agree with (probabilities, path counts per ending, the choices that can be taken)."""
    from game.engine.campaign import Campaign
    from game.engine.dice import enumerate_chance
    from game.engine.explore import choice_key

    campaign = Campaign(cs)
    odds: dict[str, float] = {}
    paths: dict[str, int] = {}
    taken: set[str] = set()

    def walk(state, p: float) -> None:
        ending = campaign.ending(state)
        if ending is not None:
            odds[ending] = odds.get(ending, 0.0) + p
            paths[ending] = paths.get(ending, 0) + 1
            return
        options = campaign.available(state)
        for option in options:
            taken.add(choice_key(cs, state, option))
            for q, nxt in enumerate_chance(lambda dice: campaign.step(state, option, dice).state):
                walk(nxt, p * q / len(options))

    walk(campaign.start(), 1.0)
    return odds, paths, taken


RECKONING = """\
scenes:
  - id: reckoning
    title: The reckoning
    date: Day four
    place: ford
    text: The dead are counted.
    effects:
      - losses += 50
    choices:
      - id: go_home
        label: Go home
        next: loss_ending
      - id: rage
        label: Rage at the count
        if: losses >= 90
        next: storm_ending
"""


@pytest.fixture
def mini_with_reckoning(tmp_path: Path):
    """The mini scenario, with a scene after a lost battle whose effects change a value the battle
    writes: the explorer must run those effects once, as the game does."""
    import shutil

    folder = tmp_path / "mini"
    shutil.copytree(MINI, folder)
    battle = folder / "battle.yaml"
    battle.write_text(battle.read_text(encoding="utf-8").replace("      - to: loss_ending", "      - to: reckoning"),
                      encoding="utf-8")
    (folder / "reckoning.yaml").write_text(RECKONING, encoding="utf-8")
    return load(folder)


@pytest.mark.parametrize("which", ["mini", "reckoning", "muster"])
def test_both_walks_agree_with_brute_force(which, mini_with_reckoning, muster) -> None:
    cs = {"mini": load(MINI), "reckoning": mini_with_reckoning, "muster": muster}[which]
    odds, paths, taken = _brute_force(cs)
    weighed = explore_exhaustive(cs)
    counted = explore_exhaustive(cs, odds=False)
    assert weighed.complete and counted.complete
    for ending in weighed.endings:
        assert weighed.endings[ending] == pytest.approx(odds.get(ending, 0.0), abs=1e-12)
        assert counted.endings[ending] == paths.get(ending, 0)
    assert weighed.runs == counted.runs == sum(paths.values())
    assert weighed.choices_taken == counted.choices_taken == len(taken)
    if which == "reckoning":
        assert "reckoning:rage" not in taken  # a battle's losses never reach 40 here
        assert "reckoning:go_home" in taken


def test_decisions_per_ending_counts_what_each_run_took() -> None:
    from game.session.saves import replay_decisions

    cs = load(MINI)
    kept: list[tuple[int, list[str]]] = []
    report = explore_random(cs, 300, 5, keep=kept)
    by_ending: dict[str, list[int]] = {}
    for seed, decisions in kept:
        p, stopped = replay_decisions(cs, seed, decisions)
        assert stopped is None and p.ending
        by_ending.setdefault(p.ending, []).append(len(decisions))
    assert report.decisions_per_ending == {
        e: (min(n), sum(n) / len(n), max(n)) for e, n in sorted(by_ending.items(), key=lambda kv: cs.index[kv[0]])
    }
    shown = report.as_json()["decisions_per_ending"]
    assert set(shown) == {e for e, n in report.endings.items() if n}
    assert all(v["min"] <= v["mean"] <= v["max"] for v in shown.values())


FORK = """  - id: fork
    title: A fork in the road
    date: Day one
    place: camp
    text: Two roads.
    choices:
      - id: left
        label: Take the left road
        next: camp
      - id: right
        label: Take the right road
        next: camp
"""


def test_impact_is_zero_where_the_options_lead_alike_and_large_where_they_do_not(scenario_copy) -> None:
    from game.engine.explore import explore_impact

    scenario_copy.replace("scenes.yaml", "scenes:\n", "scenes:\n" + FORK)
    scenario_copy.replace("scenario.yaml", "start: camp", "start: fork")
    impact = explore_impact(load("scen"), samples=3, runs=120, seed=2)
    points = dict(impact.points)
    assert points["fork"] == 0.0  # the same road whichever is taken: the same odds, exactly
    assert points["march"] > 30  # gamble on the weather or go home: the endings differ widely
    assert all(0 <= p <= 100 for p in points.values())
    assert set(points) >= {"fork", "camp", "march"}
    values = sorted(points.values())
    middle = len(values) // 2
    assert impact.median == (values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2)
    assert explore_impact(load("scen"), samples=3, runs=120, seed=2).points == impact.points  # seeded


# -- a battle that leads straight into another battle ---------------------------------------------


def _two_battles(tmp_path: Path) -> Path:
    """The mini scenario with a second battle fought right after the first, whose result a later
    scene reads, and whose setup reads a flag the first battle never reads."""
    root = mini_variant(tmp_path)
    battle = (root / "battle.yaml").read_text(encoding="utf-8")
    second = (
        battle.replace("battles:\n", "")
        .replace("  - id: fight\n", "  - id: fight2\n")
        .replace("      victory: won\n", "      victory: won2\n")
        .replace("      held: held\n", "      held: held2\n")
        .replace("      - if: supply <= 1\n        units: roman\n        morale: -1\n",
                 "      - if: scouted\n        units: roman\n        morale: 2\n")
        .replace("      - if: won or held\n        to: win_ending\n      - to: loss_ending\n",
                 "      - to: debrief\n")
        # fewer ways to fight the second (the reference walk below merges nothing): no watch kept
        .replace("          - id: watch\n            label: Watch the rise\n            watch: true\n", "")
    )
    first = battle.replace("      - if: won or held\n        to: win_ending\n      - to: loss_ending\n",
                           "      - to: battle2\n")
    (root / "battle.yaml").write_text(first + second, encoding="utf-8")
    scenario = (root / "scenario.yaml").read_text(encoding="utf-8")
    (root / "scenario.yaml").write_text(
        scenario.replace("  - id: stood\n", "  - id: stood\n  - id: won2\n  - id: held2\n"), encoding="utf-8")
    scenes = (root / "scenes.yaml").read_text(encoding="utf-8")
    (root / "scenes.yaml").write_text(scenes.replace("endings:\n", """  - id: battle2
    title: The second battle
    date: Day four
    place: ford
    battle: fight2
    text: Again.
  - id: debrief
    title: The reckoning
    date: Day five
    place: ford
    text: So.
    choices:
      - id: report
        label: Report
        next:
          - if: won2 or held2
            to: win_ending
          - to: loss_ending

endings:
"""), encoding="utf-8")
    return root


def _exact_by_brute_force(cs) -> dict[str, float]:
    """Ending probabilities under uniform random play, with no merging of states at all."""
    campaign = Campaign(cs)
    memo: dict = {}

    def dist(state) -> dict[str, float]:
        found = memo.get(state)
        if found is not None:
            return found
        if cs.is_ending(state.node):
            out = {cs.node_id(state.node): 1.0}
        else:
            options = campaign.available(state)
            out = {}
            for option in options:
                for p, nxt in enumerate_chance(lambda dice, o=option: campaign.step(state, o, dice, False, log=False).state):
                    for ending, q in dist(nxt).items():
                        out[ending] = out.get(ending, 0.0) + p * q / len(options)
        memo[state] = out
        return out

    return dist(campaign.start())


def test_exhaustive_odds_are_exact_when_one_battle_follows_another(tmp_path):
    cs = load(_two_battles(tmp_path))
    truth = _exact_by_brute_force(cs)
    assert truth["win_ending"] > 0.01  # the second battle can be won, and the debrief reads it
    report = explore_exhaustive(cs)
    assert report.complete
    for ending, value in report.endings.items():
        assert value == pytest.approx(truth.get(ending, 0.0), abs=1e-9), ending


def _stable_cuts(cs, odds: bool) -> list:  # noqa: ANN001 - a CompiledScenario
    """The cuts found by taking every scene again, in the scenario's order, until none changes."""
    live = abstraction._Liveness(cs, odds)
    changed = True
    while changed:
        changed = False
        for i, node in enumerate(cs.nodes):
            if isinstance(node, abstraction.CScene) and (row := live._scene(i, node)) != live.cuts[i]:
                live.cuts[i], changed = row, True
    return live.cuts


@pytest.mark.parametrize("which", ["callinicum", "dara", "satala", "mini", "mini that loops"])
@pytest.mark.parametrize("odds", [True, False], ids=["odds", "paths"])
def test_the_cuts_are_those_every_scene_taken_again_until_none_changes_gives(
        which: str, odds: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The backward fixed point takes each scene after the scenes it leads to: once each where the
    story never loops back, again where it does, and it finds the same cuts either way."""
    if which == "mini that loops":
        cs = load(mini_variant(tmp_path, LOOP_BACK))
    else:
        cs = load(MINI if which == "mini" else DEFAULT_SCENARIO.parent / which)
    taken: list[int] = []
    scene = abstraction._Liveness._scene
    monkeypatch.setattr(abstraction._Liveness, "_scene", lambda self, i, node: taken.append(i) or scene(self, i, node))
    cuts = abstraction._Liveness(cs, odds).solve()
    scenes = [i for i, node in enumerate(cs.nodes) if isinstance(node, abstraction.CScene)]
    if which == "mini that loops":
        assert len(taken) > len(scenes)
    else:
        assert sorted(taken) == scenes
    monkeypatch.undo()
    assert cuts == _stable_cuts(cs, odds)
    assert any(c for row in cuts for c in row)
