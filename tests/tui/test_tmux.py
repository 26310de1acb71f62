"""A real terminal: `callinicum` under tmux at 100x30, played to an ending with keys.

Progress is read from the autosave (one decision more after each key that took a choice), the
screen from `tmux capture-pane`. Skipped when tmux is not installed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from game.scenario.compiled import load
from game.scenario.errors import ScenarioLoadError

from .conftest import CAMPAIGN, MINI, ROOT

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def tmux(*args: str) -> str:
    return subprocess.run(
        ["tmux", *args], check=False, capture_output=True, text=True, timeout=20
    ).stdout


def wait_for(predicate, timeout: float = 20.0, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    return predicate()


def _mapped_files(session: str) -> str:
    """The files mapped into the game's process (the child of the tmux pane's shell)."""
    shell = int(tmux("list-panes", "-t", session, "-F", "#{pane_pid}").split()[0])
    children = [int(c) for task in Path(f"/proc/{shell}/task").iterdir()
                for c in (task / "children").read_text().split()]
    games = [pid for pid in children if "game" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
             or "callinicum" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")]
    assert len(games) == 1, children
    return Path(f"/proc/{games[0]}/maps").read_text()


def game_command(saves: Path) -> tuple[str, str]:
    exe = ROOT / ".venv" / "bin" / "callinicum"
    program = str(exe) if exe.exists() else f"{sys.executable} -m game"
    try:
        load(CAMPAIGN)
        scenario, scenario_id = "", "callinicum"
    except ScenarioLoadError:  # the campaign is being written; the mini scenario stands in
        scenario, scenario_id = f" --scenario {MINI}", "mini"
    return f"{program} --seed 3 --saves {saves}{scenario}", scenario_id


def test_play_to_an_ending_under_tmux(tmp_path):
    command, scenario_id = game_command(tmp_path)
    session = f"callinicum-test-{os.getpid()}"
    autosave = tmp_path / scenario_id / "autosave.json"

    def screen() -> str:
        return tmux("capture-pane", "-p", "-t", session)

    def progress() -> tuple[int, str | None]:
        try:
            data = json.loads(autosave.read_text())
        except (OSError, ValueError):
            return 0, None
        return len(data["decisions"]), data.get("ending")

    tmux("kill-session", "-t", session)
    subprocess.run(
        [
            "tmux",
            "new-session",
            "-d",
            "-s",
            session,
            "-x",
            "100",
            "-y",
            "30",
            "-e",
            "COLORTERM=truecolor",
            "-e",
            "TERM=xterm-256color",
            "-c",
            str(ROOT),
            f"{command}; echo GAME-EXITED $?; sleep 60",
        ],
        check=True,
        timeout=20,
    )
    try:
        assert wait_for(lambda: "New campaign" in screen(), timeout=30), screen()
        tmux("send-keys", "-t", session, "Enter")
        assert wait_for(lambda: "What will you do?" in screen(), timeout=15), screen()
        screens: list[str] = []
        for _ in range(150):
            done, ending = progress()
            if ending:
                break
            for digit in "123456789":
                tmux("send-keys", "-t", session, digit)
                if wait_for(lambda done=done: progress()[0] > done, timeout=2.0, every=0.05):
                    break
            else:
                pytest.fail(f"no digit key took a decision:\n{screen()}")
            screens.append(screen())
        done, ending = progress()
        assert ending, f"no ending after {done} decisions:\n{screen()}"
        final = wait_for(lambda: (s := screen()) and "chronicle" in s and s, timeout=10)
        assert final, screen()
        assert "The end of the campaign" in final
        tmux("send-keys", "-t", session, "c")
        assert wait_for(lambda: "The Chronicle" in screen(), timeout=10), screen()
        # a whole campaign played, and no TLS loaded (asyncio's is optional; the game needs none)
        mapped = _mapped_files(session)
        assert "libpython" in mapped or "python3" in mapped
        assert "_ssl." not in mapped and "libssl" not in mapped
        tmux("send-keys", "-t", session, "C-q")
        exited = wait_for(lambda: "GAME-EXITED" in (s := screen()) and s, timeout=15)
        assert exited and "GAME-EXITED 0" in exited, exited
        for text in [*screens, final, exited]:
            assert "Traceback" not in text
    finally:
        tmux("kill-session", "-t", session)
