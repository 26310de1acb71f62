"""Exact odds of named plans at Dara, from two campaign states at the battle's start.

    .venv/bin/python benchmarks/dara_odds.py

The campaign is walked to the battle by seeded random play (walks 1 and 2: different trenches and
spirits); then every chance outcome of each plan is enumerated exactly. A plan is a list of order
ids: at each question the first of them that is open is given (else the first open order).
docs/BATTLE.md records these figures.
"""

from __future__ import annotations

import random
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from game.engine.campaign import Campaign, State  # noqa: E402
from game.engine.dice import SeededDice, enumerate_chance  # noqa: E402
from game.scenario.compiled import load  # noqa: E402

PLANS = {
    "as in 530 (Huns at the angles, the centre thinned, the Huns loosed)":
        ["huns_at_the_angles", "guard_behind_the_centre", "shoot_from_the_trench", "thin_the_centre",
         "loose_the_huns", "hold_until_night"],
    "Simmas in reserve, the reserve to the blow, then the charge":
        ["huns_at_the_angles", "simmas_in_reserve", "shoot_from_the_trench", "send_the_reserve",
         "loose_the_huns", "hold_until_night"],
    "Huns on the wings, cross and press, trust the trench, stand":
        ["huns_on_the_wings", "lead_the_right", "cross_and_press", "trust_the_trench",
         "stand_with_the_foot", "hold_until_night"],
}
RESULTS = ("victory", "held", "defeat", "routed", "flank_broke")


def battle_start(campaign: Campaign, seed: int) -> State:
    state, rng = campaign.start(), random.Random(seed)
    for step in range(500):
        if state.battle is not None:
            return state
        state = campaign.step(state, rng.choice(campaign.available(state)), SeededDice(seed, step)).state
    raise SystemExit("the walk never reached the battle")


def odds(campaign: Campaign, start: State, plan: list[str]) -> dict[str, float]:
    slots = campaign.scenario.namespace.slots
    out: dict[str, float] = defaultdict(float)
    frontier = [(1.0, start)]
    while frontier:
        p, state = frontier.pop()
        if state.battle is None:
            for r in RESULTS:
                out[r] += p * state.values[slots[f"battle.dara.{r}"].index]
            continue
        open_ = campaign.available(state)
        order = next((o for o in plan if o in open_), open_[0])
        frontier += [(p * q, s) for q, s in enumerate_chance(lambda d, s=state, o=order: campaign.step(s, o, d).state)]
    return out


def main() -> None:
    campaign = Campaign(load(ROOT / "content" / "dara"))
    print("| from | plan | " + " | ".join(RESULTS) + " |")
    for seed in (1, 2):
        start = battle_start(campaign, seed)
        for name, plan in PLANS.items():
            o = odds(campaign, start, plan)
            print(f"| walk {seed} | {name} | " + " | ".join(f"{o[r]:.1%}" for r in RESULTS) + " |")


if __name__ == "__main__":
    main()
