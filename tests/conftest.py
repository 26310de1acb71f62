"""Shared fixtures and helpers for every folder of tests: where the test scenarios are, broken
copies of the mini scenario, and ways to run the command line.

The folders below (scenario, engine, session, cli, tui) mirror `game/`. They keep no conftest.py of
their own outside packages: a test module imports these helpers with `from conftest import ...`.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
MINI = TESTS / "scenarios" / "mini"
FROZEN = TESTS / "tui" / "scenario"  # a frozen copy of the campaign, for snapshots and odds


@pytest.fixture
def mini_dir() -> Path:
    """The small good scenario (never modify it: tests copy it first)."""
    return MINI


class ScenarioCopy:
    """A copy of the mini scenario in a temporary folder, to be broken one mistake at a time.

    The working directory is the copy's parent, so messages name files as `scen/<file>`.
    """

    def __init__(self, root: Path, name: str = "scen"):
        self.root = root
        self.path = root / name
        self.name = name
        shutil.copytree(MINI, self.path)

    def file(self, name: str) -> Path:
        return self.path / name

    def shown(self, name: str) -> str:
        """The file name as messages show it."""
        return f"{self.name}/{name}"

    def read(self, name: str) -> str:
        return self.file(name).read_text(encoding="utf-8")

    def write(self, name: str, content: str | bytes) -> Path:
        """Replace (or add) a whole file."""
        target = self.file(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
        return target

    def replace(self, name: str, old: str, new: str) -> ScenarioCopy:
        """Replace one snippet, which must occur exactly once in the file."""
        text = self.read(name)
        count = text.count(old)
        assert count == 1, f"snippet {old!r} occurs {count} times in {name}"
        self.write(name, text.replace(old, new))
        return self

    def remove(self, name: str) -> None:
        self.file(name).unlink()

    def line_of(self, name: str, fragment: str) -> int:
        """The 1-based line of the only line in the file that contains `fragment`."""
        hits = [i for i, line in enumerate(self.read(name).splitlines(), 1) if fragment in line]
        assert len(hits) == 1, f"{fragment!r} is on lines {hits} of {name}"
        return hits[0]


def mini_variant(tmp_path: Path, *edits: tuple[str, str, str]) -> Path:
    """A copy of the mini scenario at `tmp_path/scen` with (file, old, new) replacements, each of a
    unique snippet."""
    copy = ScenarioCopy(tmp_path)
    for name, old, new in edits:
        copy.replace(name, old, new)
    return copy.path


@pytest.fixture
def scenario_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ScenarioCopy:
    """A fresh copy of the mini scenario at `scen/` (the working directory is its parent)."""
    monkeypatch.chdir(tmp_path)
    return ScenarioCopy(tmp_path)


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def out_lines(self) -> list[str]:
        return self.out.splitlines()

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()


def _run_in_process(args: list[str]) -> Result:
    from game.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse exits on usage errors, --help and --version
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return Result(code, out.getvalue(), err.getvalue())


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch):
    """Run `game.cli.main([...])` in this process; returns Result(code, out, err)."""
    monkeypatch.delenv("CALLINICUM_DEBUG", raising=False)

    def run(*args: object) -> Result:
        return _run_in_process([str(a) for a in args])

    return run


@pytest.fixture
def run_game():
    """Run `python -m game ...` in a subprocess; returns Result(code, out, err)."""

    def run(*args: object, cwd: Path | None = None, timeout: float = 60,
            env: dict[str, str] | None = None) -> Result:
        extra = env or {}
        env = dict(os.environ)
        env.update(extra)
        env.pop("CALLINICUM_DEBUG", None)
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        env["PYTHONIOENCODING"] = "utf-8"
        proc = subprocess.run(
            [sys.executable, "-m", "game", *[str(a) for a in args]],
            cwd=cwd or ROOT, env=env, capture_output=True, text=True, timeout=timeout,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    return run
