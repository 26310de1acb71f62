"""The game's memory as a player's terminal sees it: `callinicum` under tmux (100x30) plays a whole
campaign with the keyboard, then opens the Chronicle and the branch tree; the figure is the
process's peak resident set (VmHWM). Target: under 60 MB.

The game is started twice, each time with an empty folder of saves: first with an empty cache, as
on the first start after installing it or after any change to the scenario's files (the game reads,
validates and checks them, and keeps a copy: `game.scenario.frozen`), then again, as on every later
start, when it plays from that copy. The figure against the target is the later start's.

    .venv/bin/python benchmarks/play_tmux.py [--json]

The campaign follows 531 where it can (the historical choice when it is open, else the first open
one), so that it fights the battle: the keys are worked out beforehand by playing the same seed
without the interface, and the autosave, read after each key, shows that the game took it.
Python's bytecode caches are kept in a temporary folder, as in startup_tmux.py. Skips when tmux is
not installed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SOCKET = f"callinicum-play-{os.getpid()}"


def tmux(*args: str) -> str:
    return subprocess.run(
        ["tmux", "-L", SOCKET, *args], check=False, capture_output=True, text=True, timeout=30
    ).stdout


def wait_for(predicate, timeout: float = 20.0, every: float = 0.05):  # noqa: ANN001, ANN201
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    return predicate()


def memory_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def progress(autosave: Path) -> tuple[int, str | None]:
    try:
        data = json.loads(autosave.read_text())
    except (OSError, ValueError):
        return 0, None
    return len(data["decisions"]), data.get("ending")


def plan(seed: int) -> list[str]:
    """The digit keys of a campaign that follows 531 where it can, played without the interface."""
    from game import DEFAULT_SCENARIO
    from game.scenario.compiled import load
    from game.session.playthrough import Playthrough

    p = Playthrough.new(load(DEFAULT_SCENARIO), seed)
    keys: list[str] = []
    while not p.ending and len(keys) < 200:
        options = p.options()
        number = next((n for n, o in enumerate(options, 1) if o.available and o.historical), None) or next(
            n for n, o in enumerate(options, 1) if o.available
        )
        keys.append(str(number))
        p.choose(options[number - 1].id)
    return keys


def play(saves: Path, keys: list[str]) -> tuple[int, str | None]:
    """Press the keys, each once the last has taken its decision; the decisions and the ending."""
    autosave = saves / "callinicum" / "autosave.json"
    tmux("send-keys", "-t", "game", "Enter")
    if not wait_for(lambda: "What will you do?" in tmux("capture-pane", "-p", "-t", "game"), 30):
        raise SystemExit("the campaign did not begin:\n" + tmux("capture-pane", "-p", "-t", "game"))
    for done, key in enumerate(keys):
        tmux("send-keys", "-t", "game", key)
        if not wait_for(lambda done=done: progress(autosave)[0] > done, timeout=10.0):
            raise SystemExit(f"key {key} took no decision:\n" + tmux("capture-pane", "-p", "-t", "game"))
    return progress(autosave)


def measure(seed: int = 3) -> dict:
    """A later start's figures, with the first start's beside them (`first_peak_mb`)."""
    keys = plan(seed)
    with tempfile.TemporaryDirectory() as kept:
        first = _measure(seed, keys, Path(kept))
        later = _measure(seed, keys, Path(kept))
    later["first_peak_mb"] = first["peak_mb"]
    return later


def _measure(seed: int, keys: list[str], kept: Path) -> dict:
    exe = ROOT / ".venv" / "bin" / "callinicum"
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["CALLINICUM_CACHE"] = str(kept)
    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as folder:
        saves = Path(folder)
        subprocess.run(
            ["tmux", "-L", SOCKET, "new-session", "-d", "-s", "game", "-x", "100", "-y", "30",
             "-e", "COLORTERM=truecolor", "-e", f"PYTHONPYCACHEPREFIX={cache}", "-e", f"CALLINICUM_CACHE={kept}",
             "-c", str(ROOT),
             f"{exe} --seed {seed} --saves {saves}"],
            check=True, env=env, timeout=30,
        )
        try:
            if not wait_for(lambda: "New campaign" in tmux("capture-pane", "-p", "-t", "game"), 30):
                raise SystemExit("no title:\n" + tmux("capture-pane", "-p", "-t", "game"))
            pid = int(tmux("display-message", "-p", "-t", "game", "#{pane_pid}").strip())
            decisions, ending = play(saves, keys)
            for key, text in (("c", "The Chronicle"), ("Escape", ""), ("b", "branch")):
                tmux("send-keys", "-t", "game", key)
                if text:
                    wait_for(lambda text=text: text in tmux("capture-pane", "-p", "-t", "game"), 10)
                time.sleep(0.3)
            peak, now = memory_kb(pid, "VmHWM"), memory_kb(pid, "VmRSS")
            tmux("send-keys", "-t", "game", "C-q")
        finally:
            tmux("kill-server")
    return {"decisions": decisions, "ending": ending, "peak_mb": peak / 1024, "rss_mb": now / 1024,
            "load": os.getloadavg()[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        print("tmux is not installed: the game's memory in a real terminal not measured")
        return
    result = measure()
    if args.json:
        print(json.dumps(result))
        return
    print(f"a whole campaign in tmux ({result['decisions']} decisions, ending '{result['ending']}'), "
          "then the Chronicle and the branch tree:")
    print(f"  peak resident {result['peak_mb']:.1f} MB (target < 60 MB), at the end {result['rss_mb']:.1f} MB; "
          f"on the first start (the scenario validated and kept) {result['first_peak_mb']:.1f} MB")


if __name__ == "__main__":
    main()
