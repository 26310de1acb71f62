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


def bench_exhaustive() -> dict:
    return _child(f"""
import json
from game import DEFAULT_SCENARIO
from game.scenario.compiled import load
from game.engine.explore import explore_exhaustive
cs = load(DEFAULT_SCENARIO)
r = explore_exhaustive(cs)
{PEAK}
print(json.dumps({{"seconds": r.elapsed_seconds, "states": r.states, "complete": r.complete,
                  "playthroughs": r.runs, "peak_mb": peak}}))
""")


def bench_tui() -> dict:
    script = ROOT / "benchmarks" / "tui_bench.py"
    if not script.exists():
        return {"error": "benchmarks/tui_bench.py is missing"}
    out = subprocess.run([sys.executable, str(script), "--json"], cwd=ROOT, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer runs (for a smoke check)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    results = {
        "machine": f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
                   f"{platform.system()} {platform.release()}",
        "load": bench_load(3 if args.quick else 15),
        "random": bench_random(1000 if args.quick else 10000),
        "exhaustive": bench_exhaustive(),
        "tui": bench_tui(),
    }
    if args.json:
        print(json.dumps(results, indent=2))
        return
    r, e, ld, t = results["random"], results["exhaustive"], results["load"], results["tui"]
    print(f"machine: {results['machine']}")

    def line(label: str, value: str, target: str) -> None:
        print(f"  {label:<44} {value:>22}   target {target}")

    print("automated play (random choices, one core):")
    if "error" in r:
        print(f"  error: {r['error']}")
    else:
        line("playthroughs per second", f"{r['playthroughs_per_second']:,.0f}", "-")
        line("choices per second", f"{r['choices_per_second']:,.0f}", ">= 30,000")
        line("decisions per playthrough", f"{r['decisions_per_playthrough']:.1f}", "-")
    print("exhaustive exploration of the whole campaign:")
    if "error" in e:
        print(f"  error: {e['error']}")
    else:
        line("time", f"{e['seconds']:.2f} s", "< 10 s")
        line("states visited", f"{e['states']:,}", "-")
        line("complete", str(e["complete"]), "True")
    print("scenario load and validation:")
    if "error" in ld:
        print(f"  error: {ld['error']}")
    else:
        line("median of loads", f"{ld['median_ms']:.0f} ms", "< 150 ms")
    print("interface:")
    if "error" in t:
        print(f"  error: {t['error']}")
    else:
        for key, label, target in (
            ("startup_ratio", "start-up to first frame vs bare Textual app", "<= 1.3"),
            ("latency_p50_ms", "choice-to-screen latency p50 (ms)", "-"),
            ("latency_p95_ms", "choice-to-screen latency p95 (ms)", "< 50"),
        ):
            if key in t:
                line(label, f"{t[key]:.2f}", target)
    print("peak memory:")
    if "peak_mb" in t:
        line("the game (headless app, a campaign played)", f"{t['peak_mb']:.0f} MB", "< 100 MB")
    if "peak_mb" in e:
        line("the explorer (exhaustive)", f"{e['peak_mb']:.0f} MB", "< 100 MB")
    if "peak_mb" in r:
        line("the explorer (random)", f"{r['peak_mb']:.0f} MB", "< 100 MB")


if __name__ == "__main__":
    main()
