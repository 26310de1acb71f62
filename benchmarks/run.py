"""The benchmark command: every speed and memory figure of the game in one run.

    .venv/bin/python benchmarks/run.py [--quick]

Prints:
- automated play: random playthroughs and choices per second on one core (Callinicum campaign);
- exhaustive exploration of the whole campaign: time and states visited;
- scenario load and validation time (median of several loads);
- start-up to first interactive frame as a ratio against a bare Textual app, and choice-to-screen
  latency p50/p95 (from benchmarks/tui_bench.py);
- peak memory of the game (headless app) and of the explorer.
Each measurement that needs a clean process runs in a subprocess, so figures do not leak into
each other. Tests never assert these numbers; BENCHMARKS.md records the latest run.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _child(code: str) -> dict:
    """Run a measurement in a fresh interpreter; it prints one JSON object."""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


PEAK = "import resource, json; peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024"


def bench_load(runs: int) -> dict:
    return _child(f"""
import json, time, statistics
from game import DEFAULT_SCENARIO
from game.scenario.compiled import load
times = []
for _ in range({runs}):
    t = time.perf_counter(); load(DEFAULT_SCENARIO); times.append(time.perf_counter() - t)
print(json.dumps({{"median_ms": statistics.median(times) * 1000, "min_ms": min(times) * 1000}}))
""")


def bench_random(runs: int) -> dict:
    return _child(f"""
import json
from game import DEFAULT_SCENARIO
from game.scenario.compiled import load
from game.engine.explore import explore_random
cs = load(DEFAULT_SCENARIO)
explore_random(cs, 200, 1)  # warm up
r = explore_random(cs, {runs}, 7)
{PEAK}
print(json.dumps({{"runs": r.runs, "playthroughs_per_second": r.playthroughs_per_second,
                  "choices_per_second": r.choices_per_second, "decisions_per_playthrough": r.decisions_per_playthrough,
                  "peak_mb": peak}}))
""")


def bench_exhaustive(max_states: int) -> dict:
    return _child(f"""
import json
from game import DEFAULT_SCENARIO
from game.scenario.compiled import load
from game.engine.explore import explore_exhaustive
cs = load(DEFAULT_SCENARIO)
r = explore_exhaustive(cs, max_states={max_states}, odds=False)
{PEAK}
print(json.dumps({{"seconds": r.elapsed_seconds, "states": r.states, "complete": r.complete,
                  "playthroughs": r.runs, "peak_mb": peak}}))
""")


def bench_exhaustive_from_battle() -> dict:
    return _child(f"""
import json
from game import DEFAULT_SCENARIO
from game.scenario.compiled import load
from game.engine.explore import explore_exhaustive
from game.session.saves import read_save, replay
cs = load(DEFAULT_SCENARIO)
p, _ = replay(cs, read_save(DEFAULT_SCENARIO / "playthroughs" / "historical.json"))
eve = next(s for s in p.states if s.battle is not None)
r = explore_exhaustive(cs, origin=eve)
{PEAK}
print(json.dumps({{"seconds": r.elapsed_seconds, "states": r.states, "complete": r.complete,
                  "playthroughs": r.runs, "peak_mb": peak}}))
""")


def bench_exhaustive_dara() -> dict:
    return _child(f"""
import json
from game import DEFAULT_SCENARIO
from game.scenario.compiled import load
from game.engine.explore import explore_exhaustive
cs = load(DEFAULT_SCENARIO.parent / "dara")
r = explore_exhaustive(cs)
{PEAK}
print(json.dumps({{"seconds": r.elapsed_seconds, "states": r.states, "complete": r.complete,
                  "playthroughs": r.runs, "peak_mb": peak}}))
""")


def bench_tui(quick: bool) -> str:
    script = ROOT / "benchmarks" / "tui_bench.py"
    extra = ["--runs", "3", "--campaigns", "1"] if quick else []
    out = subprocess.run([sys.executable, str(script), *extra], cwd=ROOT, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        return "  error: " + (out.stderr.strip().splitlines() or ["failed"])[-1]
    return "\n".join("  " + line for line in out.stdout.rstrip().splitlines())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer runs (for a smoke check)")
    ap.add_argument("--max-states", type=int, default=2_000_000,
                    help="the budget of the whole-campaign exhaustive run")
    args = ap.parse_args()
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
          f"{platform.system()} {platform.release()}")

    def line(label: str, value: str, target: str) -> None:
        print(f"  {label:<52} {value:>16}   target {target}")

    def show(title: str, result: dict, rows: list[tuple[str, str, str]]) -> None:
        print(title)
        if "error" in result:
            print(f"  error: {result['error']}")
            return
        for label, fmt, target in rows:
            line(label, fmt.format(**result), target)

    show("automated play (random choices, one core, the Callinicum campaign):", bench_random(1000 if args.quick else 10000), [
        ("playthroughs per second", "{playthroughs_per_second:,.0f}", "-"),
        ("choices per second", "{choices_per_second:,.0f}", ">= 30,000"),
        ("decisions per playthrough", "{decisions_per_playthrough:.1f}", "-"),
        ("peak memory", "{peak_mb:.0f} MB", "< 100 MB"),
    ])
    rows = [("time", "{seconds:.2f} s", "< 10 s"), ("states visited", "{states:,}", "-"),
            ("complete", "{complete}", "True"), ("peak memory", "{peak_mb:.0f} MB", "< 100 MB")]
    show(f"exhaustive exploration of the whole campaign, counting paths (--exhaustive; budget {args.max_states:,}):",
         bench_exhaustive(args.max_states), rows)
    show("exact odds (--odds) from the eve of the battle (the historical campaign):",
         bench_exhaustive_from_battle(), rows)
    show("exact odds (--odds) of the Dara scenario:", bench_exhaustive_dara(), rows)
    show("scenario load and validation (the Callinicum campaign):", bench_load(3 if args.quick else 15), [
        ("median of loads", "{median_ms:.0f} ms", "< 150 ms"),
        ("fastest load", "{min_ms:.0f} ms", "-"),
    ])
    print("interface (benchmarks/tui_bench.py):")
    print(bench_tui(args.quick))


if __name__ == "__main__":
    main()
