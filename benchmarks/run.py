"""The benchmark command: every speed and memory figure of the game, each against its target.

    .venv/bin/python benchmarks/run.py [--quick] [--choicescript DIR]

The figures of issue #17, in one run:
- automated play: random choices per second on one core (the Callinicum campaign), and
  ChoiceScript's randomtest on its own example game, side by side, where it is installed;
- exhaustive exploration of the whole campaign (`explore --exhaustive`): time (the median of three
  runs) and peak memory;
- exact odds from the start (`explore --odds`), from the eve of the battle, and of Dara;
- scenario load and validation;
- the interface: start-up to the title in a real terminal against a bare Textual app
  (startup_tmux.py), choice key to updated screen (tui_bench.py), the game's peak memory over a
  whole campaign in a real terminal (play_tmux.py).
The explorer is run through the command line (`callinicum explore ... --json`), each walk in
processes of its own: its time from a run left alone (for `--exhaustive`, the median of three),
its peak memory from one more run, that of its processes taken together (proportional: the pages
they share counted once), sampled from /proc. Every figure is printed with the load average when
it was measured: on a machine shared with other work, times stretch. Tests never assert these
numbers; BENCHMARKS.md records the latest run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
CALLINICUM = ROOT / ".venv" / "bin" / "callinicum"
CHOICESCRIPT = (
    "ChoiceScript is not in the npm registry (npm view choicescript: not found); it is a git "
    "repository: git clone https://github.com/dfabulich/choicescript, then pass its folder with "
    "--choicescript DIR (or set CHOICESCRIPT_DIR). Its randomtest.js plays its example game."
)


# -- measuring ---------------------------------------------------------------------------------
def load_average() -> float:
    return os.getloadavg()[0]


def _tree_memory_kb(pid: int) -> tuple[int, int]:
    """The memory of a process and all its descendants, in kB (0 once it has ended): proportional
    (PSS: a page shared by several of them, as a forked worker shares its parent's, is counted
    once, split among them) and resident (RSS: such a page counted in each)."""
    pss = rss = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss += int(line.split()[1])
            rollup = Path(f"/proc/{p}/smaps_rollup")
            for line in rollup.read_text().splitlines() if rollup.exists() else []:
                if line.startswith("Pss:"):
                    pss += int(line.split()[1])
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return pss or rss, rss


def run_measured(command: list[str], timeout: float = 900) -> tuple[subprocess.CompletedProcess, float, float]:
    """Run a command; its result, wall seconds, and the peak memory (MB) of the command and its
    descendants together, proportional (see `_tree_memory_kb`), sampled every 20 ms."""
    peak = [0]
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_memory_kb(proc.pid)[0])
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate(timeout=timeout)
    sampler.join()
    done = subprocess.CompletedProcess(command, proc.returncode, out, err)
    return done, time.perf_counter() - start, peak[0] / 1024


def explore(*args: str, timeout: float = 900, memory: bool = True, repeat: int = 1) -> dict:
    """`callinicum explore ... --json`: its report (its time as the command measures it; with
    `repeat`, the run of median time among that many, each time given in `times`), the load, and
    with `memory` its peak memory, from one more run of the same command. The memory is sampled
    from /proc, which on this 2-core machine takes processor time from the walk (reading
    `smaps_rollup` of every process each 20 ms made `--exhaustive` about a tenth slower), so the
    times are those of runs left alone."""
    program = [str(CALLINICUM)] if CALLINICUM.exists() else [sys.executable, "-m", "game"]
    command = [*program, "explore", *args, "--json"]
    load = load_average()
    reports = []
    for _ in range(repeat):
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
        if not done.stdout.strip().startswith("{"):  # an incomplete walk may exit non-zero, with its report
            return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1], "load": load}
        reports.append(json.loads(done.stdout))
    times = [r["elapsed_seconds"] for r in reports]
    report = sorted(reports, key=lambda r: r["elapsed_seconds"])[len(reports) // 2]
    report.update(load=load, times=times)
    if memory:
        done, _, report["peak_mb"] = run_measured(command, timeout)
        if not done.stdout.strip().startswith("{"):
            return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1], "load": load}
    return report


def child(code: str) -> dict:
    """Run a measurement in a fresh interpreter; it prints one JSON object."""
    load = load_average()
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["failed"])[-1], "load": load}
    return {**json.loads(out.stdout.strip().splitlines()[-1]), "load": load}


# -- the figures -------------------------------------------------------------------------------
def bench_load(runs: int) -> dict:
    """Reading, validating and compiling the campaign's files; and loading the copy kept of it
    (`game.scenario.frozen`), as every start of the game after the first does."""
    return child(f"""
import json, os, tempfile, time, statistics
os.environ["CALLINICUM_CACHE"] = tempfile.mkdtemp()
import game.scenario
from game import DEFAULT_SCENARIO
from game.scenario.compiled import load
times, kept = [], []
for _ in range({runs}):
    t = time.perf_counter(); load(DEFAULT_SCENARIO); times.append(time.perf_counter() - t)
game.scenario.load(DEFAULT_SCENARIO)
for _ in range({runs}):
    t = time.perf_counter(); game.scenario.load(DEFAULT_SCENARIO); kept.append(time.perf_counter() - t)
print(json.dumps({{"median_ms": statistics.median(times) * 1000, "min_ms": min(times) * 1000,
                  "kept_median_ms": statistics.median(kept) * 1000}}))
""")


def eve_of_battle_save(folder: Path) -> Path:
    """A save standing at the eve of the battle on the historical road (for `explore --from`)."""
    from game import DEFAULT_SCENARIO
    from game.scenario.compiled import load
    from game.session.saves import from_playthrough, read_save, replay, replay_decisions, write_save

    cs = load(DEFAULT_SCENARIO)
    p, _ = replay(cs, read_save(DEFAULT_SCENARIO / "playthroughs" / "historical.json"))
    eve = next(i for i, s in enumerate(p.states) if s.battle is not None)
    at_eve, _ = replay_decisions(cs, p.seed, list(p.decisions[:eve]))
    path = folder / "eve.json"
    write_save(path, from_playthrough(at_eve, "the eve of the battle"))
    return path


def bench_choicescript(folder: str | None, runs: int) -> dict:
    """ChoiceScript's randomtest on its example game: playthroughs and choices per second."""
    if folder is None or not (Path(folder) / "randomtest.js").is_file():
        return {"skipped": CHOICESCRIPT}
    if shutil.which("node") is None:
        return {"skipped": "node is not installed"}
    load = load_average()
    out = subprocess.run(
        ["node", "randomtest.js", f"num={runs}", "seed=0", "showCoverage=false", "showChoices=true"],
        cwd=folder, capture_output=True, text=True, check=False, timeout=600,
    )
    seconds = re.search(r"Time: ([\d.]+)s", out.stdout)
    if out.returncode != 0 or seconds is None or "RANDOMTEST PASSED" not in out.stdout:
        return {"error": (out.stdout.strip().splitlines() or ["failed"])[-1], "load": load}
    elapsed = float(seconds.group(1)) or 1e-9
    choices = out.stdout.count("*choice ")
    return {"playthroughs_per_second": runs / elapsed, "choices_per_second": choices / elapsed,
            "decisions_per_playthrough": choices / runs, "load": load}


# -- printing ----------------------------------------------------------------------------------
def row(label: str, value: str, target: str, met: bool | None, load: float | None) -> None:
    verdict = "" if met is None else ("yes" if met else "NO")
    where = "" if load is None else f"load {load:.1f}"
    print(f"  {label:<44} {value:>26}  {target:<24} {verdict:<4} {where}")


def section(title: str, result: dict) -> bool:
    """The heading; False (after saying why) if the measurement failed or was skipped."""
    print(title)
    if "error" in result:
        print(f"  error: {result['error']}")
        return False
    if "skipped" in result:
        print(f"  skipped: {result['skipped']}")
        return False
    return True


def show_random(r: dict, cs: dict) -> None:
    if section("automated play, random choices, one core (the Callinicum campaign):", r):
        lead = cs.get("choices_per_second")
        row("choices per second", f"{r['choices_per_second']:,.0f}", ">= 30,000" + (" and ChoiceScript's" if lead else ""),
            r["choices_per_second"] >= max(30_000, lead or 0), r["load"])
        row("playthroughs per second", f"{r['playthroughs_per_second']:,.0f}", "-", None, None)
        row("decisions per playthrough", f"{r['decisions_per_playthrough']:.1f}", "-", None, None)
    if section("ChoiceScript's randomtest, its example game, same machine:", cs):
        row("choices per second", f"{cs['choices_per_second']:,.0f}", "-", None, cs["load"])
        row("playthroughs per second", f"{cs['playthroughs_per_second']:,.0f}", "-", None, None)
        row("decisions per playthrough", f"{cs['decisions_per_playthrough']:.1f}", "-", None, None)


def show_exploration(title: str, r: dict, seconds: float | None, memory: float | None) -> None:
    if not section(title, r):
        return
    row("complete", f"{r['complete']} ({r.get('covered', 1.0):.1%} covered)" if "covered" in r else str(r["complete"]),
        "True", bool(r["complete"]), r["load"])
    several = len(r["times"]) > 1
    row("time" + (f", median of {len(r['times'])} runs" if several else ""), f"{r['elapsed_seconds']:.2f} s",
        "-" if seconds is None else f"<= {seconds:g} s", None if seconds is None else r["elapsed_seconds"] <= seconds,
        None)
    if several:
        row("each run", ", ".join(f"{t:.2f}" for t in r["times"]) + " s", "-", None, None)
    row("states", f"{r.get('states', 0):,}", "-", None, None)
    row("peak memory, its processes together (PSS)", f"{r['peak_mb']:.0f} MB", "-" if memory is None else f"< {memory:g} MB",
        None if memory is None else r["peak_mb"] < memory, None)
    if r.get("jobs"):
        row("processes", str(r["jobs"]), "-", None, None)
    if "estimate" in r:  # printed beside an incomplete --odds walk
        row("estimate beside it (random play)", f"{r['estimate']['runs']:,} playthroughs, "
            f"margin ±{100 * r['estimate']['margin']:.1f} points", "-", None, None)


def show_interface(startup: dict, latency: dict, memory: dict) -> None:
    if section("start-up to the title in a real terminal (tmux 100x30, alternating with a bare Textual app):", startup):
        row(f"ratio of the medians of {startup['runs']}", f"{startup['ratio']:.2f}", "<= 1.3 (aim 1.15)",
            startup["ratio"] <= 1.3, startup["load"][0])
        row("the game / a bare Textual app", f"{startup['game_ms']:.0f} / {startup['bare_ms']:.0f} ms", "-", None, None)
        row("processor time used by then", f"{startup['game_cpu_ms']:.0f} / {startup['bare_cpu_ms']:.0f} ms", "-", None, None)
    if section(f"choice key to updated screen ({latency.get('choices', 0)} choices, 120x40):", latency):
        row("p95, wall clock", f"{latency['wall_p95_ms']:.1f} ms", "< 16 ms", latency["wall_p95_ms"] < 16, latency["load"][0])
        row("p50, wall clock", f"{latency['wall_p50_ms']:.1f} ms", "-", None, None)
        row("p95 / p50, processor time", f"{latency['cpu_p95_ms']:.1f} / {latency['cpu_p50_ms']:.1f} ms", "-", None, None)
    if section("the game's memory, a whole campaign in a real terminal, then the Chronicle and the tree:", memory):
        row(f"peak resident ({memory['decisions']} decisions)", f"{memory['peak_mb']:.1f} MB", "< 60 MB",
            memory["peak_mb"] < 60, memory["load"])
        row("on the first start (the scenario validated and kept)", f"{memory['first_peak_mb']:.1f} MB", "-", None, None)


# -- the run -----------------------------------------------------------------------------------
def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor() or "unknown CPU")
    return (f"{platform.machine()}, {model}, {os.cpu_count()} CPUs, {platform.python_implementation()} "
            f"{platform.python_version()}, {platform.system()} {platform.release()}")


def explorer_figures(quick: bool, max_states: int | None, choicescript: str | None) -> None:
    runs = 1000 if quick else 10_000
    budget = ["--max-states", str(max_states)] if max_states else []  # else the explorer's own
    show_random(explore("--runs", str(runs), "--seed", "7", "--jobs", "1", memory=False),
                bench_choicescript(choicescript, runs))
    if quick:
        print("exhaustive exploration of the whole campaign and exact odds from the start: not in --quick")
    else:
        show_exploration("exhaustive exploration of the whole campaign (--exhaustive):",
                         explore("--exhaustive", *budget, repeat=3), 5, 200)
        show_exploration("exact odds from the start (--odds):", explore("--odds", *budget), 30, None)
    with tempfile.TemporaryDirectory() as folder:
        eve = eve_of_battle_save(Path(folder))
        show_exploration("exact odds from the eve of the battle (--odds --from, the historical road):",
                         explore("--odds", "--from", str(eve)), 10, None)
    show_exploration("exact odds of the Dara scenario (--odds):", explore("--odds", "--scenario", "dara"), 10, None)
    r = bench_load(3 if quick else 15)
    if section("scenario load and validation (the Callinicum campaign):", r):
        row("median of loads", f"{r['median_ms']:.0f} ms", "< 150 ms", r["median_ms"] < 150, r["load"])
        row("from the copy kept of it (every later start)", f"{r['kept_median_ms']:.0f} ms", "-", None, None)


def interface_figures(quick: bool) -> None:
    import play_tmux
    import startup_tmux
    import tui_bench

    tmux = shutil.which("tmux") is not None
    no_tmux = {"skipped": "tmux is not installed"}
    startup = startup_tmux.measure(5 if quick else 15) if tmux else no_tmux
    latency = tui_bench.measure(1 if quick else 3, 1 if quick else 2)
    memory = play_tmux.measure() if tmux else no_tmux
    show_interface(startup, latency, memory)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer runs, and no whole-campaign exploration")
    ap.add_argument("--max-states", type=int, default=None,
                    help="the budget of the whole-campaign explorations (default: the explorer's own)")
    ap.add_argument("--choicescript", metavar="DIR", default=os.environ.get("CHOICESCRIPT_DIR"),
                    help="a checkout of ChoiceScript, to run its randomtest side by side")
    args = ap.parse_args()
    print(f"machine: {machine()}")
    how = subprocess.run([sys.executable, "-c", "from game.engine import native; print(native.describe())"],
                         capture_output=True, text=True, cwd=ROOT)
    print(f"engine: {how.stdout.strip() or how.stderr.strip()} (game/engine/native.py)")
    print(f"load average at the start: {', '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min)")
    print(f"  {'measure':<44} {'figure':>26}  {'target':<24} met")
    explorer_figures(args.quick, args.max_states, args.choicescript)
    interface_figures(args.quick)
    print(f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
