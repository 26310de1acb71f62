"""Start-up as a player sees it: from launching the command in a real terminal (tmux, 100x30,
truecolor) until the title's text is on the screen, for the game and for a bare Textual app,
launched alternately in the same run so that the machine's load falls on both alike.

    .venv/bin/python benchmarks/startup_tmux.py [--runs N] [--json]

The bare app is the smallest Textual program that shows a line of text. The game is
`callinicum` with a fresh saves folder; its title is on the screen when the menu's first line
("New campaign") is. Each launch gets a fresh tmux session on a private tmux server; the screen
is polled with `tmux capture-pane` every few milliseconds (the polling costs both sides alike).
Both run as a player's would: with Python's bytecode caches (kept in a temporary folder, so the
checkout is left alone), even where PYTHONDONTWRITEBYTECODE is set; `--no-bytecode-cache`
measures them compiling every module of their own from source instead.
Prints the medians and their ratio (target <= 1.3, aim 1.15). Skips when tmux is not installed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
SOCKET = f"callinicum-bench-{os.getpid()}"
ENVIRONMENT: list[str] = []  # -e NAME=VALUE for every session (measure() sets the bytecode cache)

BARE = """
from textual.app import App
from textual.widgets import Static

class Bare(App):
    def compose(self):
        yield Static("A bare Textual app")

Bare().run()
"""


def tmux(*args: str) -> str:
    return subprocess.run(
        ["tmux", "-L", SOCKET, *args], check=False, capture_output=True, text=True, timeout=30
    ).stdout


def cpu_ms(pid: int) -> float:
    """The processor time a process has used so far (user and system), in milliseconds; the
    kernel counts it in ticks of 10 ms, so only a median of several means much."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return float("nan")
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def time_to_text(command: list[str], text: str, timeout: float = 30.0) -> tuple[float, float]:
    """Milliseconds from launching `command` in a new tmux window until `text` is on its screen,
    and the processor time the command had used by then."""
    session = "run"
    tmux("kill-session", "-t", session)
    launched = time.perf_counter()
    subprocess.run(
        ["tmux", "-L", SOCKET, "new-session", "-d", "-s", session, "-x", "100", "-y", "30",
         "-e", "COLORTERM=truecolor", "-e", "TERM=xterm-256color", *ENVIRONMENT, "-c", str(ROOT),
         *command],
        check=True,
        timeout=30,
    )
    try:
        while time.perf_counter() - launched < timeout:
            if text in tmux("capture-pane", "-p", "-t", session):
                wall = (time.perf_counter() - launched) * 1000
                pid = tmux("display-message", "-p", "-t", session, "#{pane_pid}").strip()
                return wall, cpu_ms(int(pid)) if pid.isdigit() else float("nan")
            time.sleep(0.004)
        raise SystemExit(f"'{text}' never appeared; the screen:\n{tmux('capture-pane', '-p', '-t', session)}")
    finally:
        tmux("kill-session", "-t", session)


def commands(saves: str) -> dict[str, tuple[list[str], str]]:
    exe = ROOT / ".venv" / "bin" / "callinicum"
    game = [str(exe)] if exe.exists() else [str(PYTHON), "-m", "game"]
    python = str(PYTHON) if PYTHON.exists() else sys.executable
    return {
        "bare": ([python, "-c", BARE], "A bare Textual app"),
        "game": ([*game, "--saves", saves], "New campaign"),
    }


def start_server(bytecode_cache: str | None) -> None:
    """A private tmux server that stays up between runs. Its sessions inherit its environment,
    so PYTHONDONTWRITEBYTECODE is left out of it when the caches are used."""
    env = dict(os.environ)
    ENVIRONMENT.clear()
    if bytecode_cache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        ENVIRONMENT.extend(["-e", f"PYTHONPYCACHEPREFIX={bytecode_cache}"])
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        ENVIRONMENT.extend(["-e", "PYTHONDONTWRITEBYTECODE=1"])
    subprocess.run(["tmux", "-L", SOCKET, "new-session", "-d", "-s", "keep", "sleep 100000"],
                   check=True, env=env, timeout=30)


def measure(runs: int, bytecode_cache: bool = True) -> dict:
    """Medians of `runs` alternating launches of each side, with the load before and after."""
    times: dict[str, list[float]] = {"bare": [], "game": []}
    cpu: dict[str, list[float]] = {"bare": [], "game": []}
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as saves:
        start_server(cache if bytecode_cache else None)
        try:
            cases = commands(saves)
            for name in cases:  # warm the disk cache and the bytecode
                time_to_text(*cases[name])
            for i in range(runs):
                order = ("bare", "game") if i % 2 == 0 else ("game", "bare")
                for name in order:
                    wall, used = time_to_text(*cases[name])
                    times[name].append(wall)
                    cpu[name].append(used)
        finally:
            tmux("kill-server")
    bare, game = statistics.median(times["bare"]), statistics.median(times["game"])
    return {
        "runs": runs,
        "bare_ms": bare,
        "game_ms": game,
        "ratio": game / bare,
        "bare_all": sorted(times["bare"]),
        "game_all": sorted(times["game"]),
        "bare_cpu_ms": statistics.median(cpu["bare"]),
        "game_cpu_ms": statistics.median(cpu["game"]),
        "load": [load_before, os.getloadavg()[0]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="launches of each side (default 9)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--no-bytecode-cache", action="store_true",
                        help="compile every module from source at each launch (as PYTHONDONTWRITEBYTECODE does)")
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        print("tmux is not installed: start-up in a real terminal not measured")
        return
    result = measure(args.runs, bytecode_cache=not args.no_bytecode_cache)
    if args.json:
        print(json.dumps(result))
        return
    print(f"start-up to the title in tmux (100x30, medians of {args.runs}, alternating):")
    print(f"  bare Textual app  {result['bare_ms']:6.0f} ms   (all: {', '.join(f'{t:.0f}' for t in result['bare_all'])})")
    print(f"  Callinicum 531    {result['game_ms']:6.0f} ms   (all: {', '.join(f'{t:.0f}' for t in result['game_all'])})")
    print(f"  ratio             {result['ratio']:6.2f}   (target <= 1.3, aim 1.15)")
    print(f"  processor time used by then (medians, 10 ms ticks): bare {result['bare_cpu_ms']:.0f} ms, "
          f"the game {result['game_cpu_ms']:.0f} ms")
    print(f"  load average {result['load'][0]:.2f} before, {result['load'][1]:.2f} after, on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
