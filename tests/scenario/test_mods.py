"""Mods: a folder laid over a scenario replaces its files with the same relative path and adds the rest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from game.engine.campaign import Campaign
from game.engine.dice import SeededDice
from game.scenario.checker import check_scenario
from game.scenario.compiled import load
from game.scenario.errors import ScenarioLoadError
from game.scenario.files import scenario_files

from conftest import MINI, ROOT


DETOUR = """scenes:
  - id: detour
    title: The detour
    date: Day two
    place: ford
    text: You take the long way round, by the shepherds' path.
    history:
      text: Added by the mod.
    choices:
      - id: on_to_the_ford
        label: On to the ford
        next: march
"""


@pytest.fixture
def mod(tmp_path: Path) -> Path:
    """A mod that replaces mini's scenes.yaml (a changed scene, a new choice) and adds a scene."""
    folder = tmp_path / "my_mod"
    folder.mkdir()
    scenes = (MINI / "scenes.yaml").read_text(encoding="utf-8")
    old_text = "      The enemy is at the ford. [Brackets] stay as written.\n"
    assert scenes.count(old_text) == 1
    scenes = scenes.replace(old_text, "      The enemy is at the ford, and the mod has moved the camp.\n")
    old_choice = "      - id: rush\n"
    assert scenes.count(old_choice) == 1
    scenes = scenes.replace(old_choice, "      - id: detour\n        label: Go round by the hills\n"
                                        "        next: detour\n" + old_choice)
    (folder / "scenes.yaml").write_text(scenes, encoding="utf-8")
    (folder / "extra").mkdir()
    (folder / "extra" / "detour.yaml").write_text(DETOUR, encoding="utf-8")
    return folder


def test_the_mod_replaces_one_file_and_adds_another(mod):
    files = dict(scenario_files(MINI, (mod,)))
    assert files["scenes.yaml"] == mod / "scenes.yaml"
    assert files["extra/detour.yaml"] == mod / "extra" / "detour.yaml"
    assert files["scenario.yaml"] == MINI / "scenario.yaml"
    assert files["battle.yaml"] == MINI / "battle.yaml"


def test_load_with_a_mod(mod):
    plain = load(MINI)
    cs = load(MINI, (mod,))
    scenes = {s.id: s for s in cs.scenario.scenes}
    assert set(scenes) == {s.id for s in plain.scenario.scenes} | {"detour"}
    assert "the mod has moved the camp" in scenes["camp"].text
    assert "[Brackets]" not in scenes["camp"].text
    assert [c.id for c in scenes["camp"].choices] == ["scout", "detour", "rush", "feast"]
    # everything the mod does not touch comes from the scenario
    assert [b.id for b in cs.scenario.battles] == ["fight"]
    assert {e.id for e in cs.scenario.endings} == {e.id for e in plain.scenario.endings}
    assert cs.scenario.content_hash != plain.scenario.content_hash
    # the scenario's own folder is not changed by loading a mod over it
    assert "[Brackets]" in {s.id: s for s in load(MINI).scenario.scenes}["camp"].text
    assert [p for p in check_scenario(cs) if p.severity == "error"] == []


def test_the_added_scene_is_played(mod):
    cs = load(MINI, (mod,))
    campaign = Campaign(cs)
    state = campaign.start()
    assert "detour" in campaign.available(state)
    state = campaign.step(state, "detour", SeededDice(1, 0)).state
    assert cs.node_id(state.node) == "detour"
    state = campaign.step(state, "on_to_the_ford", SeededDice(1, 1)).state
    assert cs.node_id(state.node) == "march"


def test_check_with_mod_on_the_command_line(mod, run_cli, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = run_cli("check", "tests/scenarios/mini", "--mod", mod)
    assert result.code == 0, result.out
    assert result.out_lines[-1].startswith("ok: tests/scenarios/mini: The Ford v1: 4 scenes, 4 endings, 1 battle(s)")
    plain = run_cli("check", "tests/scenarios/mini")
    assert plain.out_lines[-1].startswith("ok: tests/scenarios/mini: The Ford v1: 3 scenes, 4 endings")


def test_explore_and_graph_take_the_mod(mod, run_cli):
    result = run_cli("explore", "--scenario", MINI, "--mod", mod, "--exhaustive", "--json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["complete"] and report["scenes_total"] == 4 and not report["unvisited_scenes"]
    result = run_cli("graph", "--scenario", MINI, "--mod", mod)
    assert result.code == 0 and "s_detour" in result.out


def test_problems_in_a_mod_point_into_the_mod(mod, tmp_path, monkeypatch, run_cli):
    monkeypatch.chdir(tmp_path)
    detour = mod / "extra" / "detour.yaml"
    detour.write_text(DETOUR.replace("next: march", "next: marhc"), encoding="utf-8")
    with pytest.raises(ScenarioLoadError) as err:
        load(MINI, (mod,))
    (problem,) = err.value.problems
    assert problem.file == "my_mod/extra/detour.yaml"
    assert problem.line == DETOUR.splitlines().index("        next: march") + 1
    assert "no scene or ending with id 'marhc' (did you mean 'march'?)" in problem.message
    result = run_cli("check", MINI, "--mod", "my_mod")
    assert result.code == 1
    assert result.out_lines[0].startswith("my_mod/extra/detour.yaml:")


def test_a_mod_cannot_define_an_id_twice(mod):
    (mod / "extra" / "again.yaml").write_text(DETOUR, encoding="utf-8")
    with pytest.raises(ScenarioLoadError, match="duplicate id 'detour'"):
        load(MINI, (mod,))


def test_mods_apply_in_order(mod, tmp_path):
    second = tmp_path / "second"
    (second / "extra").mkdir(parents=True)
    (second / "extra" / "detour.yaml").write_text(DETOUR.replace("the shepherds' path", "the goat track"),
                                                  encoding="utf-8")
    cs = load(MINI, (mod, second))
    assert "the goat track" in {s.id: s for s in cs.scenario.scenes}["detour"].text


def test_a_missing_mod_folder_is_one_clear_problem(tmp_path):
    with pytest.raises(ScenarioLoadError) as err:
        load(MINI, (tmp_path / "nowhere",))
    assert [p.message for p in err.value.problems] == ["no such scenario folder"]
