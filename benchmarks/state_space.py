"""What keeps a scenario's states apart? Samples random playthroughs, merges each state as the
exact-odds walk merges it (`Abstraction.key`), and counts the distinct merged states at each scene
and which values tell them apart there.

    python benchmarks/state_space.py [--scenario DIR] [--runs N] [--counting] [--top K]

Scenes whose counts grow with N are where `explore --odds` spends its time. For each such scene the
values that differ between its states are listed with how many distinct cells they take there
(`*` when the exact value matters: a weight or arithmetic reads it; otherwise the number of bands
between its cut points). Then, for the values that split the most states, where their cuts come
from: every comparison with a constant anywhere in the scenario, and every shift (`+=`, `-=`) on
the way, which moves each later threshold back by its amount (a value compared at 3 after a
`+= 1` is cut at 2 before it, and at 3 on the other road). Reading a value in a few fixed bands
(a muster: `ready = (mood >= 2) + (mood >= 5)`, then reading `ready`) instead of shifting it and
comparing it again later keeps states together. `--counting` merges as `explore --exhaustive` does.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from game import DEFAULT_SCENARIO  # noqa: E402
from game.engine.abstraction import Abstraction  # noqa: E402
from game.engine.campaign import Campaign  # noqa: E402
from game.engine.dice import SeededDice  # noqa: E402
from game.scenario.compiled import CScene, load  # noqa: E402


def sample(cs, ab: Abstraction, runs: int) -> tuple[dict, dict, dict]:  # noqa: ANN001
    """Per scene: the merged states met, the visits, and per slot the distinct cells met."""
    campaign = Campaign(cs)
    keys: dict[int, set] = defaultdict(set)
    visits: dict[int, int] = defaultdict(int)
    cells: dict[int, dict[int, set]] = defaultdict(lambda: defaultdict(set))
    for run in range(runs):
        rng = random.Random(run)
        state = campaign.start()
        for k in range(500):
            if cs.is_ending(state.node):
                break
            if state.battle is None:
                keys[state.node].add(ab.key(state))
                visits[state.node] += 1
                for j, c in enumerate(ab.cuts[state.node]):
                    if c is None or c:
                        cells[state.node][j].add(ab.cells(state.node, state.values, (j,))[0])
            options = campaign.available(state)
            state = campaign.step(state, options[rng.randrange(len(options))], SeededDice(run, k),
                                  check=False, log=False).state
    return keys, visits, cells


def where_cut(cs, slot: int) -> tuple[list[str], list[str]]:  # noqa: ANN001
    """Where a value is compared with constants (scene: cut points), and where it is shifted."""
    compared: dict[str, set[int]] = defaultdict(set)
    shifted: list[str] = []
    for node in cs.nodes:
        if not isinstance(node, CScene):
            continue
        sid = node.model.id
        exprs = [c for c, _ in node.variants] + [c for c, _ in node.counsel]
        effects = list(node.effects)
        for ch in node.choices:
            exprs += [ch.cond] + [o.weight for o in ch.outcomes]
            exprs += [cond for t in ([ch.target] if ch.target else []) + [o.target for o in ch.outcomes]
                      for cond, _ in t.routes]
            effects += list(ch.effects) + [e for o in ch.outcomes for e in o.effects]
        for e in exprs:
            cuts = e.analysis.cuts.get(slot, frozenset()) if e is not None else frozenset()
            if cuts:
                compared[sid] |= set(cuts)
        shifted += [f"{sid}: {e.source.strip()}" for e in effects if e.slot.index == slot and e.op != "="]
    return [f"{sid} at {', '.join(map(str, sorted(c)))}" for sid, c in compared.items()], shifted


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", type=Path, default=DEFAULT_SCENARIO)
    ap.add_argument("--runs", type=int, default=5000)
    ap.add_argument("--counting", action="store_true", help="merge as the path-counting walk does")
    ap.add_argument("--top", type=int, default=12, help="scenes and values to show")
    args = ap.parse_args()
    cs = load(args.scenario)
    ab = Abstraction(cs, odds=not args.counting)
    keys, visits, cells = sample(cs, ab, args.runs)
    print(f"{'scene':<30} {'visits':>7} {'distinct':>8}  values that differ there (cells met; * exact)")
    weight: dict[int, float] = defaultdict(float)  # per slot: how much it splits states, over scenes
    for node in sorted(keys, key=lambda n: -len(keys[n]))[:args.top]:
        varied = sorted(((len(v), j) for j, v in cells[node].items() if len(v) > 1), reverse=True)
        for n, j in varied:
            weight[j] += math.log(n) * len(keys[node])
        shown = ", ".join(f"{cs.names[j]} {n}{'*' if ab.cuts[node][j] is None else ''}" for n, j in varied)
        print(f"{cs.node_id(node):<30} {visits[node]:>7} {len(keys[node]):>8}  {shown}")
    print("\nwhere the values that split the most states are cut:")
    for j in sorted(weight, key=lambda j: -weight[j])[:args.top]:
        compared, shifted = where_cut(cs, j)
        print(f"- {cs.names[j]}: compared in {len(compared)} scenes ({'; '.join(compared) or 'none'})")
        if shifted:
            print(f"  shifted in {len(shifted)}: {'; '.join(shifted)}")


if __name__ == "__main__":
    main()
