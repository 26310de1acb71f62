"""The Satala scenario: it checks clean, explores completely, every ending can be reached, no ending
comes sooner than eight decisions, and the historical road reaches the historical ending."""

from __future__ import annotations

import pytest

from game.engine.explore import explore_exhaustive, explore_random
from game.scenario.checker import check_scenario
from game.scenario.compiled import CScene, load
from game.session.saves import read_save, replay

from conftest import ROOT

SATALA = ROOT / "content" / "satala"
HISTORICAL = SATALA / "playthroughs" / "historical.json"


@pytest.fixture(scope="module")
def cs():
    return load(SATALA)


def test_satala_checks_without_a_single_finding(cs, run_cli) -> None:
    assert [str(p) for p in check_scenario(cs)] == []
    result = run_cli("check", "--strict", SATALA)
    assert result.code == 0, result.out
    assert result.out_lines[-1].startswith("ok: ")


def test_satala_explores_completely_and_reaches_every_ending(cs) -> None:
    report = explore_exhaustive(cs, odds=False)
    assert report.complete
    assert report.dead_ends == 0
    assert report.unreached_endings == []
    assert report.unvisited_scenes == []
    assert report.choices_taken == report.choices_total
    assert len(report.endings) >= 3 and all(report.endings.values())


def test_no_ending_comes_before_the_eighth_decision(cs) -> None:
    report = explore_random(cs, runs=3000, seed=1)
    assert report.decisions_per_ending is not None
    assert set(report.decisions_per_ending) == set(report.endings)
    for ending, (fewest, _mean, _most) in report.decisions_per_ending.items():
        assert fewest >= 8, ending


def test_at_least_eight_scenes_and_the_historical_choices_cite_sources(cs) -> None:
    scenes = [n for n in cs.nodes if isinstance(n, CScene)]
    assert len(scenes) >= 8
    historical = [(n.model.id, c) for n in scenes for c in n.choices if c.model.historical]
    assert len(historical) >= 8
    for scene, choice in historical:
        assert choice.model.sources, f"{scene}:{choice.id} has no sources"
    for node in scenes:
        assert node.model.history is not None and node.model.history.sources, node.model.id


def test_the_historical_playthrough_reaches_the_historical_ending(cs) -> None:
    playthrough, stopped = replay(cs, read_save(HISTORICAL))
    assert stopped is None
    assert playthrough.ending == "satala_and_after"
    values, slots = playthrough.state.values, playthrough.scenario.namespace.slots
    for flag in ("camp_raided", "well_hidden", "sally_on_sight", "deserters_received",
                 "pharangium_taken", "bolum_taken", "florentius_fell", "standard_down",
                 "battle.satala.victory", "battle.satala.hidden_arrived",
                 "battle.satala.enemy_commander_fell"):
        assert values[slots[flag].index], flag
    assert values[slots["hill_force"].index] == 1  # a thousand men in the hills
    assert not values[slots["battle.the_plain.fought"].index]


def test_every_file_points_its_editor_at_the_schema() -> None:
    schema = (ROOT / "content" / "schema.json").resolve()
    for path in sorted(SATALA.rglob("*.yaml")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        assert (path.parent / first.split("=", 1)[1]).resolve() == schema, path
