"""The battle rules compiled (game/engine/native.py, setup.py): used only when built from the
sources beside them, read from those sources otherwise, and the same game either way: the same
exhaustive walks, odds and random playthroughs as the rules read from their sources."""

from __future__ import annotations

import importlib.machinery
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from game import config
from game.engine import native

GAME = native.GAME
needs_build = pytest.mark.skipif(native.libraries(GAME) == [], reason="the battle rules were not compiled at install here")


def _loaders(env: dict[str, str], cwd: Path) -> dict:
    """In a fresh interpreter: how each compiled module was loaded, and why not compiled."""
    code = ("import json, sys, importlib; from game.engine import native; "
            "mods = [importlib.import_module(n) for n in native.COMPILED]; "
            "print(json.dumps({'why': native.settle(), "
            "'loaders': sorted({type(m.__spec__.loader).__name__ for m in mods})}))")
    proc = subprocess.run([sys.executable, "-c", code], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _env(**changes: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != config.ENV_PURE}
    for k, v in changes.items():
        if v is not None:
            env[k] = v
    return env


def test_this_process_runs_the_compiled_modules_exactly_when_they_match_their_sources() -> None:
    import game.engine.battle.rules as rules
    import game.engine.dice as dice

    loaders = {type(m.__spec__.loader) for m in (rules, dice)}
    if native.settle() is None:
        assert loaders == {importlib.machinery.ExtensionFileLoader}
        assert native.describe() == "battle rules compiled"
    else:
        assert loaders == {importlib.machinery.SourceFileLoader}
        assert native.describe().startswith("battle rules from their sources (")


def test_a_fresh_process_uses_the_build_and_pure_reads_the_sources(tmp_path: Path) -> None:
    found = _loaders(_env(), tmp_path)
    if native.libraries(GAME) and native.why_pure() in (None, f"{config.ENV_PURE} is set"):
        assert found == {"why": None, "loaders": ["ExtensionFileLoader"]}
    else:
        assert found["loaders"] == ["SourceFileLoader"] and found["why"]
    for pure in ("1", "yes"):
        assert _loaders(_env(CALLINICUM_PURE=pure), tmp_path) == {
            "why": "CALLINICUM_PURE is set", "loaders": ["SourceFileLoader"]}
    assert _loaders(_env(CALLINICUM_PURE="0"), tmp_path) == found


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """The game package, its compiled modules with it, in a folder of its own."""
    shutil.copytree(GAME, tmp_path / "game", ignore=shutil.ignore_patterns("__pycache__", "content"))
    return tmp_path


@needs_build
def test_the_copy_runs_compiled_as_built(copy: Path) -> None:
    assert _loaders(_env(PYTHONPATH=str(copy)), copy) == {"why": None, "loaders": ["ExtensionFileLoader"]}


@needs_build
@pytest.mark.parametrize("module", [*native.COMPILED, "game.engine.explore", "game.scenario.compiled"])
def test_a_source_edited_since_the_build_is_read_with_all_the_others(copy: Path, module: str) -> None:
    """A compiled module's source, or one they were compiled against (mypyc builds into them what
    they read of its classes)."""
    source = native.source_of(module, copy / "game")
    source.write_text(source.read_text(encoding="utf-8") + "\n# edited after the build\n", encoding="utf-8")
    found = _loaders(_env(PYTHONPATH=str(copy)), copy)
    assert found["loaders"] == ["SourceFileLoader"]
    assert found["why"].startswith("the game's sources changed since they were compiled")


@needs_build
def test_a_build_for_another_python_is_not_taken_for_this_one(copy: Path) -> None:
    other = ".cpython-399-x86_64-linux-gnu.so" if native.SUFFIX != ".cpython-399-x86_64-linux-gnu.so" else ".abi3.so"
    for library in native.libraries(copy / "game"):
        library.rename(library.with_name(library.name.replace(native.SUFFIX, other)))
    assert _loaders(_env(PYTHONPATH=str(copy)), copy) == {"why": "not compiled at install",
                                                         "loaders": ["SourceFileLoader"]}


@needs_build
@pytest.mark.parametrize("compiled", [True, False], ids=["with the build", "without it"])
def test_a_module_compiled_by_an_earlier_build_but_not_this_one_is_read_from_its_source(
        copy: Path, compiled: bool) -> None:
    """A module once compiled and since taken off the list (its extension left beside it), or a
    checkout of other code: the extension is never loaded (this one is not even one)."""
    (copy / "game" / "engine" / f"walker{native.SUFFIX}").write_bytes(b"not an extension module")
    env = _env(PYTHONPATH=str(copy)) if compiled else _env(PYTHONPATH=str(copy), CALLINICUM_PURE="1")
    code = "import game.engine.walker as w; print(type(w.__spec__.loader).__name__, w.__file__)"
    proc = subprocess.run([sys.executable, "-c", code], env=env, cwd=copy, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["SourceFileLoader", str(copy / "game" / "engine" / "walker.py")]


@needs_build
def test_a_build_that_stopped_half_way_is_not_used(copy: Path) -> None:
    (extension,) = [p for p in (copy / "game" / "engine" / "battle").iterdir()
                    if p.name.startswith("fight.") and p.suffix != ".py"]
    extension.unlink()
    assert _loaders(_env(PYTHONPATH=str(copy)), copy) == {"why": "compiled only in part", "loaders": ["SourceFileLoader"]}
    for library in native.libraries(copy / "game"):
        library.unlink()
    assert _loaders(_env(PYTHONPATH=str(copy)), copy) == {"why": "not compiled at install",
                                                         "loaders": ["SourceFileLoader"]}


# the same walks and plays, printed to the last bit of every float
WALKS = """
import json
from game import DEFAULT_SCENARIO
from game import config
from game.engine import native
from game.engine.explore import explore_exhaustive, explore_random
from game.scenario.compiled import load
from game.session.saves import read_save, replay

def figures(r):
    return [r.endings, r.states, r.battle_states, r.complete, r.scenes_visited, r.choices_taken, r.dead_ends]

dara = load(DEFAULT_SCENARIO.parent / "dara")
cs = load(DEFAULT_SCENARIO)
p, _ = replay(cs, read_save(DEFAULT_SCENARIO / "playthroughs" / "historical.json"))
eve = p.states[next(i for i, s in enumerate(p.states) if s.battle is not None) - 1]
print(json.dumps({
    "how": native.describe(),
    "dara odds": figures(explore_exhaustive(dara, odds=True)),
    "dara paths": figures(explore_exhaustive(dara, odds=False)),
    "eve odds": figures(explore_exhaustive(cs, origin=eve, odds=True)),
    "random": figures(explore_random(cs, runs=300, seed=7)),
}))
"""


def _walks(**env: str | None) -> dict:
    proc = subprocess.run([sys.executable, "-c", WALKS], env=_env(**env), capture_output=True, text=True,
                          timeout=900)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@needs_build
def test_compiled_and_pure_rules_walk_and_play_alike() -> None:
    """Exhaustive walks of Dara (odds and paths), the odds from the eve of battle at Callinicum, and
    300 random campaigns: the same states, paths and odds, to the last bit."""
    compiled, pure = _walks(), _walks(CALLINICUM_PURE="1")
    assert compiled.pop("how") == "battle rules compiled"
    assert pure.pop("how") == "battle rules from their sources (CALLINICUM_PURE is set)"
    assert compiled["eve odds"][3] and compiled["dara odds"][3], "complete walks"
    assert compiled == pure
