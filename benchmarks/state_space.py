"""How large is a scenario's state space? Samples random playthroughs and counts the distinct
merged states (as the exhaustive explorer merges them) at each scene.

    python benchmarks/state_space.py [--scenario DIR] [--runs N]

Scenes whose counts grow with N are where exhaustive exploration spends its time; the 'exact'
column lists the values that still matter exactly there (used in a weight, or in arithmetic),
which are the first candidates for threshold forms such as `1 + (supply >= 5)`.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from game import DEFAULT_SCENARIO  # noqa: E402
from game.engine.abstraction import Abstraction  # noqa: E402
from game.engine.campaign import Campaign  # noqa: E402
from game.engine.dice import SeededDice  # noqa: E402
from game.scenario.compiled import load  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", type=Path, default=DEFAULT_SCENARIO)
    ap.add_argument("--runs", type=int, default=5000)
    args = ap.parse_args()
    cs = load(args.scenario)
    campaign = Campaign(cs)
    ab = Abstraction(cs)
    keys: dict[int, set] = defaultdict(set)
    visits: dict[int, int] = defaultdict(int)
    for run in range(args.runs):
        rng = random.Random(run)
        state = campaign.start()
        for k in range(500):
            if state.battle is None or state.battle.step == 0:
                keys[state.node].add(ab.key(state))
                visits[state.node] += 1
            if cs.is_ending(state.node):
                break
            options = campaign.available(state)
            state = campaign.step(state, options[rng.randrange(len(options))], SeededDice(run, k)).state
    print(f"{'scene':<32} {'visits':>7} {'distinct':>8}  exact values")
    order = sorted(keys, key=lambda n: -len(keys[n]))
    for node in order:
        if cs.is_ending(node):
            continue
        exact = [n for n in ab.exact_slots(node) if not n.startswith("unit.") or cs.scenario]
        print(f"{cs.node_id(node):<32} {visits[node]:>7} {len(keys[node]):>8}  {', '.join(exact)}")


if __name__ == "__main__":
    main()
