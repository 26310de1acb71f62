"""The game as a user installs it: a wheel built from this tree, installed into a fresh virtual
environment, run from a folder that is not the checkout.

The wheel is built from a copy of the sources (so a stale build/ in the checkout cannot leak into it);
its dependencies come from the package index.
"""

from __future__ import annotations

import importlib.machinery
import json
import os
import shutil
import subprocess
import sys
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", "saves", "*.so", "*.pyd")


class Installed:
    def __init__(self, wheel: Path, venv_dir: Path, elsewhere: Path, home: Path):
        self.wheel = wheel
        self.bin = venv_dir / "bin"
        self.elsewhere = elsewhere
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("PYTHON", "CALLINICUM", "VIRTUAL_ENV", "XDG_"))}
        self.env.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"), NO_COLOR="1", TERM="dumb",
                        PATH=f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}")

    def run(self, *args: str, stdin: str | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run([str(self.bin / "callinicum"), *args], cwd=self.elsewhere, env=self.env,
                              input=stdin, capture_output=True, text=True, timeout=timeout)

    def python(self, code: str) -> str:
        proc = subprocess.run([str(self.bin / "python"), "-c", code], cwd=self.elsewhere, env=self.env,
                              capture_output=True, text=True, timeout=120, check=True)
        return proc.stdout.strip()


PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]


def _wheel(base: Path, env: dict[str, str] | None = None, beside: tuple[str, ...] = ()) -> Path:
    """A wheel built from a copy of the sources, in `base`, with the files `beside` (paths in the
    copy) made in it first."""
    source = base / "source"
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    for name in ("game", "content"):
        shutil.copytree(ROOT / name, source / name, ignore=IGNORE)
    for name in beside:
        (source / name).write_bytes(b"compiled by an editable install")
    wheels = base / "wheels"
    subprocess.run([*PIP, "wheel", str(source), "--no-deps", "-q", "-w", str(wheels)],
                   check=True, capture_output=True, timeout=600, env=env)
    (wheel,) = wheels.glob("*.whl")
    return wheel


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    base = tmp_path_factory.mktemp("packaging")
    wheel = _wheel(base)
    venv_dir = base / "venv"
    venv.EnvBuilder(with_pip=False).create(venv_dir)  # this interpreter's pip installs into it
    subprocess.run([*PIP, "--python", str(venv_dir / "bin" / "python"), "install", "-q", str(wheel)],
                   check=True, capture_output=True, timeout=900)
    elsewhere = base / "elsewhere"
    elsewhere.mkdir()
    return Installed(wheel, venv_dir, elsewhere, base / "home")


def test_the_wheel_holds_every_package_and_every_shipped_file(installed):
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    packages = {p.parent.relative_to(ROOT).as_posix() for p in (ROOT / "game").rglob("__init__.py")}
    missing = sorted(p for p in packages if f"{p}/__init__.py" not in names)
    assert not missing, f"subpackages missing from the wheel (list them in pyproject.toml): {missing}"
    shipped = {f"game/content/{p.relative_to(ROOT / 'content').as_posix()}"
               for p in (ROOT / "content").rglob("*") if p.is_file() and p.suffix in (".yaml", ".json")}
    assert shipped and shipped <= names, sorted(shipped - names)
    assert "game/tui/callinicum.tcss" in names
    assert not any(n.startswith(("content/", "tests/")) for n in names), "only the game package is installed"


def _compiler_at_hand() -> bool:
    """A C compiler and this Python's headers: what the build needs to compile the battle rules."""
    import sysconfig

    compiler = (os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc").split()[0]
    return shutil.which(compiler) is not None and (Path(sysconfig.get_paths()["include"]) / "Python.h").is_file()


def test_the_wheel_holds_the_compiled_battle_rules_where_a_compiler_is_at_hand(installed):
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    extensions = sorted(n for n in names if n.endswith((".so", ".pyd")))
    how = installed.python("from game.engine import native; print(native.describe())")
    if _compiler_at_hand():
        assert {"game/engine/dice", "game/engine/battle/rules"} <= {n.split(".")[0] for n in extensions}
        assert how == "battle rules compiled"
    else:
        assert extensions == [] and how == "battle rules from their sources (not compiled at install)"
    # the sources go with them: the game reads them where the compiled modules cannot be used
    assert {"game/engine/dice.py", "game/engine/battle/rules.py", "game/engine/native.py"} <= names


def test_with_no_compiler_the_wheel_holds_the_sources_alone_and_plays(tmp_path):
    """A machine with no C compiler (CC that fails): the build goes on without the compiled modules,
    and the game runs its battle rules from their sources. (And a wheel built from a checkout leaves
    what an editable install compiled beside its sources alone, and out of the wheel.)"""
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    editable = (f"game/engine/_native_0123456789abcdef__mypyc{suffix}", f"game/engine/dice{suffix}")
    wheel = _wheel(tmp_path, env=dict(os.environ, CC="false"), beside=editable)
    assert all((tmp_path / "source" / name).read_bytes() == b"compiled by an editable install" for name in editable)
    names = zipfile.ZipFile(wheel).namelist()
    assert not [n for n in names if n.endswith((".so", ".pyd"))] and "game/engine/battle/rules.py" in names
    unpacked = tmp_path / "unpacked"
    zipfile.ZipFile(wheel).extractall(unpacked)
    code = ("from game.engine import native; print(native.describe()); "
            "from game.cli import main; main(['explore', '--scenario', 'dara', '--exhaustive', '--json'])")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env={k: v for k, v in dict(os.environ, PYTHONPATH=str(unpacked)).items() if k != "CALLINICUM_PURE"})
    assert proc.returncode == 0, proc.stderr
    how, report = proc.stdout.split("\n", 1)
    assert how == "battle rules from their sources (not compiled at install)"
    assert json.loads(report)["complete"] is True


def test_the_installed_game_reads_its_scenarios_from_the_package(installed):
    where = Path(installed.python("import game; print(game.DEFAULT_SCENARIO)"))
    assert where.is_dir() and ROOT not in where.parents
    assert where.parts[-3:] == ("game", "content", "callinicum")
    assert "site-packages" in where.parts


def test_version_is_the_installed_version(installed):
    result = installed.run("--version")
    assert (result.returncode, result.stdout, result.stderr) == (0, f"callinicum {PROJECT['version']}\n", "")


def test_check_from_another_folder(installed):
    result = installed.run("check")
    assert result.returncode == 0, result.stderr
    last = result.stdout.splitlines()[-1]
    assert last.startswith("ok: ") and "Callinicum 531" in last and "site-packages" in last
    dara = installed.python("import game; print(game.DEFAULT_SCENARIO.parent / 'dara')")
    assert installed.run("check", dara).returncode == 0


def test_a_missing_scenario_folder_names_the_folder_without_a_line(installed):
    result = installed.run("check", "nowhere")
    assert (result.returncode, result.stdout) == (1, "nowhere: no such scenario folder\n")


def test_explore_json_from_another_folder(installed):
    result = installed.run("explore", "--runs", "200", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["scenario"] == "callinicum" and report["runs"] == 200
    assert sum(report["endings"].values()) == 200


def test_a_shipped_playthrough_replays_to_its_ending(installed):
    playthrough = installed.python(
        "import game; print(game.DEFAULT_SCENARIO / 'playthroughs' / 'historical.json')")
    result = installed.run("replay", playthrough)
    assert result.returncode == 0, result.stderr
    last = result.stdout.splitlines()[-1]
    assert last.startswith("ending: ") and len(last) > len("ending: ")


def test_a_campaign_in_plain_text_from_another_folder(installed):
    result = installed.run("play", "--plain", "--seed", "3", stdin="1\n" * 400)
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "Traceback" not in result.stdout + result.stderr
    last = result.stdout.splitlines()[-1]
    assert last.startswith("ending: ") and len(last) > len("ending: ")
    # an installed game keeps its saves in the user's data folder, not beside the package
    saves = Path(installed.env["XDG_DATA_HOME"]) / "callinicum531" / "saves" / "callinicum"
    assert json.loads((saves / "autosave.json").read_text(encoding="utf-8"))["seed"] == 3
