"""Exact outcome distributions of the shipped battles under many plans: the calibration that a
change of the battle code must keep.

A plan is a deterministic policy: at each battle decision it picks one of the open orders by a
hash of (plan number, step, the open orders), so one plan meets every chance branch with a fixed
rule. For each plan, every chance path of the battle is enumerated and the probability of each
end is summed by what the battle wrote back under the names in `NAMES` (the record, the results,
the units' men, morale and fatigue).

    .venv/bin/python tests/engine/battle_calibration.py --write   # record the golden file
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from game.engine.campaign import Campaign, State  # noqa: E402
from game.engine.dice import SeededDice, enumerate_chance  # noqa: E402
from game.scenario.compiled import load  # noqa: E402
from game.session.saves import read_save, replay  # noqa: E402

GOLDEN = Path(__file__).with_name("battle_golden.json")
PLANS = 40


def _eve_from_playthrough(cs, name: str) -> State:
    p, _ = replay(cs, read_save(ROOT / "content" / "callinicum" / "playthroughs" / name))
    return next(s for s in p.states if s.battle is not None)


def _eve_by_walk(cs, seed: int) -> State:
    campaign = Campaign(cs)
    state, rng = campaign.start(), random.Random(seed)
    for step in range(500):
        if state.battle is not None:
            return state
        state = campaign.step(state, rng.choice(campaign.available(state)), SeededDice(seed, step)).state
    raise AssertionError("no battle reached")


def eves():
    """(label, compiled scenario, the state as the battle begins)."""
    cal = load(ROOT / "content" / "callinicum")
    for name in ("historical.json", "skilled.json", "watchful.json"):
        yield f"callinicum/{name}", cal, _eve_from_playthrough(cal, name)
    dara = load(ROOT / "content" / "dara")
    for seed in (1, 2, 3):
        yield f"dara/walk{seed}", dara, _eve_by_walk(dara, seed)


def _names(cs) -> list[str]:
    return sorted(n for n in cs.namespace.slots if n.startswith(("battle.", "unit.")) or n in _results(cs))


def _results(cs) -> set[str]:
    """The values the battles' `results` name: the day's flags and counts, and per unit the flag
    of its breaking and of its commander's fall."""
    out: set[str] = set()
    for b in cs.scenario.battles:
        for slot in b.results.model_dump(exclude_none=True).values():
            out |= {slot} if isinstance(slot, str) else set(slot.values()) if isinstance(slot, dict) else set()
    return out


def distribution(cs, eve: State, plan: int, names: list[str]) -> dict[str, float]:
    campaign = Campaign(cs)
    slots = [cs.namespace.slots[n].index for n in names if n in cs.namespace.slots]
    out: dict[str, float] = defaultdict(float)
    frontier = [(1.0, eve, 0)]
    while frontier:
        p, s, step = frontier.pop()
        if s.battle is None:
            key = hashlib.sha1(repr([s.values[i] for i in slots]).encode()).hexdigest()[:12]
            out[key] += p
            continue
        open_ = sorted(campaign.available(s))
        h = hashlib.sha1(f"{plan}/{step}/{open_}".encode()).digest()
        order = open_[h[0] % len(open_)]
        for q, s2 in enumerate_chance(lambda d, s=s, o=order: campaign.step(s, o, d, log=False).state):
            frontier.append((p * q, s2, step + 1))
    return {k: round(v, 9) for k, v in sorted(out.items()) if round(v, 9)}


def calibration(names_by_label: dict[str, list[str]] | None = None) -> dict:
    data = {}
    for label, cs, eve in eves():
        names = names_by_label[label] if names_by_label else _names(cs)
        data[label] = {"names": names,
                       "plans": [distribution(cs, eve, plan, names) for plan in range(PLANS)]}
    return data


if __name__ == "__main__":
    if "--write" in sys.argv:
        GOLDEN.write_text(json.dumps(calibration(), indent=0, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {GOLDEN}")
