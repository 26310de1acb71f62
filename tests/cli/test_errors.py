"""One base under every error the game reports in words (game/errors.py), and the command line
that catches it: a refused save, decision or scenario is one line (or one line a problem), never a
traceback and never an "internal error"."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

from game import cli
from game.errors import CallinicumError
from game.scenario.errors import Problem, ScenarioLoadError
from game.session.saves import SaveError

LAYERS = ("game.scenario", "game.engine", "game.session")
TOP = ("game.cli", "game.plain", "game.config", "game.errors")


def _modules():
    names = list(TOP)
    for layer in LAYERS:
        package = importlib.import_module(layer)
        names += [info.name for info in pkgutil.walk_packages(package.__path__, layer + ".")]
    return [importlib.import_module(name) for name in names]


def _error_classes() -> set[type]:
    return {cls for module in _modules() for _, cls in inspect.getmembers(module, inspect.isclass)
            if issubclass(cls, BaseException) and cls.__module__ == module.__name__}


def test_every_error_of_the_game_derives_from_the_one_base():
    found = _error_classes()
    assert {"ScenarioLoadError", "YamlProblem", "ExpressionError", "EngineError", "SaveError",
            "CliError"} <= {cls.__name__ for cls in found}
    outside = [f"{cls.__module__}.{cls.__name__}" for cls in found if not issubclass(cls, CallinicumError)]
    assert sorted(outside) == []


def _failing(monkeypatch, error: BaseException) -> None:
    """`callinicum schema` made to fail with `error`."""

    def run(args):  # noqa: ANN001, ANN202
        raise error

    monkeypatch.setitem(cli.COMMANDS, "schema", cli.Command(run, "fails", cli._no_options))


@pytest.mark.parametrize("error", [
    SaveError("autosave.json: damaged save (not valid JSON)"),
    CallinicumError("autosave.json: damaged save (not valid JSON)"),
])
def test_the_base_is_one_line_and_status_1(error, monkeypatch, run_cli):
    _failing(monkeypatch, error)
    result = run_cli("schema")
    assert (result.code, result.err) == (1, "callinicum: autosave.json: damaged save (not valid JSON)\n")


def test_a_refused_decision_is_not_an_internal_error(monkeypatch, run_cli):
    engine_error = next(cls for cls in _error_classes() if cls.__name__ == "EngineError")
    _failing(monkeypatch, engine_error("'charge' is not available: the horses are spent"))
    result = run_cli("schema")
    assert (result.code, result.err) == (1, "callinicum: 'charge' is not available: the horses are spent\n")


def test_a_scenario_error_is_every_problem_on_its_own_line(monkeypatch, run_cli):
    _failing(monkeypatch, ScenarioLoadError([Problem("scen/b.yaml", 3, "scenes[x]", "two"),
                                             Problem("scen/a.yaml", 7, "", "one")]))
    result = run_cli("schema")
    assert (result.code, result.out) == (1, "")
    assert result.err_lines == ["scen/a.yaml:7: one", "scen/b.yaml:3: scenes[x]: two"]


def test_a_message_from_a_file_cannot_reach_the_terminal_raw(monkeypatch, run_cli):
    _failing(monkeypatch, SaveError("evil\x1b[2Jname.json: damaged save"))
    assert run_cli("schema").err == "callinicum: evil\\x1b[2Jname.json: damaged save\n"


def test_anything_else_is_still_an_internal_error(monkeypatch, run_cli):
    _failing(monkeypatch, ValueError("a bug"))
    result = run_cli("schema")
    assert result.code == 70
    assert result.err_lines == ["callinicum: internal error: ValueError: a bug (please report this)"]
