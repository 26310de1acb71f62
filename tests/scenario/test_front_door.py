"""`game.scenario.load()`, the one way in for the command line, the session and the interface:
it finds a scenario by folder or shipped name, compiles it, and lets no checker error through."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import MINI

import game.scenario
from game.config import CONTENT, DEFAULT_SCENARIO
from game.scenario.compiled import compile_folder
from game.scenario.errors import ScenarioLoadError

UNREACHED = "  - id: forgotten_ending\n    title: Forgotten\n    kind: peace\n    text: Nobody came this way.\n"


def test_load_refuses_a_scenario_with_a_checker_error_and_names_its_file_and_line(scenario_copy):
    scenario_copy.write("scenes.yaml", scenario_copy.read("scenes.yaml") + UNREACHED)
    line = scenario_copy.line_of("scenes.yaml", "id: forgotten_ending")
    with pytest.raises(ScenarioLoadError) as info:
        game.scenario.load("scen")
    assert [str(p) for p in info.value.problems] == [
        f"scen/scenes.yaml:{line}: endings[forgotten_ending]: this ending cannot be reached: no choice "
        "leads to it (add a 'next' that points here)"]
    # the compiler alone takes it (the checker's tests look at such scenarios); check() reports it
    assert compile_folder("scen").id == "mini"
    scenario, findings = game.scenario.check("scen")
    assert scenario.id == "mini" and [f for f in findings if f.severity == "error"] == info.value.problems


def test_warnings_never_stop_a_scenario():
    scenario, findings = game.scenario.check(MINI)
    assert findings and all(f.severity == "warning" for f in findings)
    assert game.scenario.load(MINI).id == "mini"


def test_the_command_line_keeps_the_gate(scenario_copy, run_cli):
    scenario_copy.write("scenes.yaml", scenario_copy.read("scenes.yaml") + UNREACHED)
    for argv in (["--plain", "--scenario", "scen"], ["explore", "--scenario", "scen", "--runs", "1"],
                 ["graph", "--scenario", "scen"]):
        result = run_cli(*argv)
        assert result.code == 1 and result.out == "", argv
        assert result.err_lines[0].startswith("scen/scenes.yaml:") and "forgotten_ending" in result.err, argv


def test_a_shipped_scenario_is_found_by_its_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert game.scenario.load("dara").id == "dara"
    assert game.scenario.locate("dara") == (CONTENT / "dara", ())
    assert game.scenario.locate() == (DEFAULT_SCENARIO, ())
    # a folder of that name where the player stands comes first
    shutil.copytree(MINI, tmp_path / "dara")
    assert game.scenario.load("dara").id == "mini"


@pytest.mark.parametrize("name", ["..", "schema", "Dara", "dara/../callinicum", ""])
def test_only_a_shipped_scenario_id_is_a_name(name):
    assert game.scenario.shipped(name) is None


def test_a_missing_folder_is_refused_before_anything_is_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ScenarioLoadError) as info:
        game.scenario.locate("nowhere", [MINI, Path("no_mod")])
    assert [str(p) for p in info.value.problems] == ["no_mod: no such scenario folder",
                                                     "nowhere: no such scenario folder"]


def test_the_preview_reads_the_title_without_validating(scenario_copy, tmp_path):
    scenario_copy.write("scenes.yaml", "scenes: [this is not a scene]\n")
    with pytest.raises(ScenarioLoadError):
        game.scenario.load("scen")
    preview = game.scenario.preview("scen")
    assert (preview.id, preview.title, preview.subtitle) == ("mini", "The Ford", None)
    mod = tmp_path / "mod"
    mod.mkdir()
    (mod / "scenario.yaml").write_text("scenario:\n  id: mini\n  title: The Other Ford\n  intro: Rain.\n")
    assert (game.scenario.preview("scen", [mod]).title, game.scenario.preview("scen", [mod]).intro) == (
        "The Other Ford", "Rain.")
    assert game.scenario.preview("nowhere").title == "nowhere"
    assert game.scenario.preview("dara").title == "Dara 530"
