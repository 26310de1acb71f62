"""Choice key to updated screen, in the Textual interface. A script that prints figures; nothing
here asserts a time.

    .venv/bin/python benchmarks/tui_bench.py [--campaigns N] [--repeat R] [--scenario DIR]

From a digit key posted to the app to the first frame composited after the game handled it (the
decision taken and the screen redrawn; the autosave is written just after that frame), over whole
campaigns played with the keyboard at 120x40; p50 and p95 (target p95 < 16 ms, a frame at 60 Hz).
The first campaign follows 531 (and so fights the battle); the others vary. The switches between
the campaign, battle and ending screens count like any other key.

Both the wall clock and the processor time of the process are given: on a machine shared with
other work, the wall clock also counts the time other processes held the processor. With
`--repeat R` every campaign is played R times and each choice keeps its fastest time, which is
what the key costs when nothing else is running.

Start-up in a real terminal is benchmarks/startup_tmux.py; the game's memory over a campaign,
benchmarks/play_tmux.py. `benchmarks/run.py` prints them all.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CAMPAIGN = ROOT / "content" / "callinicum"


def _pick(options: list, seed: int, first_seed: int) -> int:
    """The number a player presses: the first campaign follows 531 where it can."""
    open_ = [i for i, o in enumerate(options, 1) if o.available]
    historical = [i for i, o in enumerate(options, 1) if o.available and o.historical]
    return historical[0] if seed == first_seed and historical else open_[seed % len(open_)]


async def _campaign(scenario: object, seed: int, first_seed: int, frames: list) -> list[tuple[float, float]]:
    """(wall, processor) seconds from each key to the first frame after the game handled it."""
    from game.session.store import Store
    from game.tui.app import CallinicumApp

    out: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory() as saves:
        app = CallinicumApp(scenario, Store.open(Path(saves), scenario), seed=seed)  # type: ignore[arg-type]
        handled = [0.0]
        choose = app.choose_number

        def timed_choose(number: int) -> None:
            choose(number)
            handled[0] = time.perf_counter()

        app.choose_number = timed_choose  # type: ignore[method-assign]
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("enter")
            await pilot.pause()
            for _ in range(200):
                p = app.session.current
                if p.ending:
                    break
                n = _pick(p.options(), seed, first_seed)
                frames.clear()
                t0, c0 = time.perf_counter(), time.process_time()
                await pilot.press(str(n))
                await pilot.pause()
                after = [f for f in frames if f[0] >= handled[0]]
                if after:
                    out.append((after[0][0] - t0, after[0][1] - c0))
    return out


def measure(campaigns: int = 3, repeat: int = 1, scenario_dir: Path = CAMPAIGN) -> dict:
    """Percentiles of the choice latency over `campaigns` campaigns, each played `repeat` times
    (each choice keeping its fastest time), with the machine's load."""
    sys.path.insert(0, str(ROOT))
    from textual.screen import Screen

    from game.scenario.compiled import load

    frames: list[tuple[float, float]] = []
    composite = Screen._compositor_refresh

    def timed_refresh(self: Screen) -> None:
        composite(self)
        frames.append((time.perf_counter(), time.process_time()))

    Screen._compositor_refresh = timed_refresh  # type: ignore[method-assign]
    load_before = os.getloadavg()[0]
    try:
        cs = load(scenario_dir)
        wall: list[float] = []
        cpu: list[float] = []
        for seed in range(1, 1 + campaigns):
            runs = [asyncio.run(_campaign(cs, seed, 1, frames)) for _ in range(max(1, repeat))]
            for samples in zip(*runs):
                wall.append(min(s[0] for s in samples))
                cpu.append(min(s[1] for s in samples))
    finally:
        Screen._compositor_refresh = composite  # type: ignore[method-assign]
    ms = lambda values, q: percentile(values, q) * 1000  # noqa: E731
    return {
        "choices": len(wall), "campaigns": campaigns, "repeat": repeat,
        "wall_p50_ms": ms(wall, 0.5), "wall_p95_ms": ms(wall, 0.95), "wall_max_ms": max(wall) * 1000,
        "cpu_p50_ms": ms(cpu, 0.5), "cpu_p95_ms": ms(cpu, 0.95), "cpu_max_ms": max(cpu) * 1000,
        "load": [load_before, os.getloadavg()[0]],
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--campaigns", type=int, default=3, help="campaigns played (default 3)")
    parser.add_argument("--repeat", type=int, default=1, help="times each campaign is played (default 1)")
    parser.add_argument("--scenario", type=Path, default=CAMPAIGN)
    args = parser.parse_args()
    r = measure(args.campaigns, args.repeat, args.scenario)
    print(f"choice key to updated screen ({r['choices']} choices in {r['campaigns']} campaigns, 120x40"
          + (f", fastest of {r['repeat']}" if r["repeat"] > 1 else "") + "):")
    print(f"  wall p50 {r['wall_p50_ms']:6.1f} ms   p95 {r['wall_p95_ms']:6.1f} ms   max {r['wall_max_ms']:6.1f} ms"
          "   (target p95 < 16 ms)")
    print(f"  CPU  p50 {r['cpu_p50_ms']:6.1f} ms   p95 {r['cpu_p95_ms']:6.1f} ms   max {r['cpu_max_ms']:6.1f} ms"
          "   (the work done for the key, whatever else the machine is doing)")
    print(f"  load average {r['load'][0]:.2f} before, {r['load'][1]:.2f} after, on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
