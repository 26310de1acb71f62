"""Exact odds of the battle of Callinicum for named commands, from the historical campaign's eve.

    .venv/bin/python benchmarks/battle_odds.py

Replays the recorded historical playthrough to the moment the battle begins (the army as the real
Belisarius brought it to the field: fasting, eager, the rear still on the road), then, for each
plan below, enumerates every chance outcome of the battle exactly and prints the probabilities of
the day's results. This is how the battle model was calibrated (see docs/BATTLE.md).
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from game import DEFAULT_SCENARIO  # noqa: E402
from game.engine.campaign import Campaign, State  # noqa: E402
from game.engine.dice import enumerate_chance  # noqa: E402
from game.scenario.compiled import load  # noqa: E402
from game.session.saves import read_save, replay  # noqa: E402

PLANS = {
    "as in 531 (al-Harith on the rise, no reserve, on the low ground, stand by the river)": [
        "harith_on_the_rise", "no_reserve", "with_the_cavalry", "shoot_and_hold", "keep_shooting",
        "stand_fast", "dismount_and_stand|hold_until_night",
    ],
    "as in 531, but taking the boat (Malalas)": [
        "harith_on_the_rise", "no_reserve", "with_the_cavalry", "shoot_and_hold", "keep_shooting",
        "stand_fast", "take_the_boat|hold_until_night",
    ],
    "watchful (riders on the crest, half the Huns in reserve, reserve to the right)": [
        "harith_on_the_rise", "reserve_from_huns", "riders_on_the_crest", "shoot_and_hold", "keep_shooting",
        "commit_the_reserve", "dismount_and_stand|hold_until_night",
    ],
    "on the rise with a strong reserve (or a third of the bucellarii), counter-charge if the flank holds": [
        "harith_on_the_rise", "strong_reserve|reserve_from_bucellarii", "on_the_rise", "shoot_and_hold", "keep_shooting",
        "commit_the_reserve", "dismount_and_stand|charge_them",
    ],
    "skilled (Ascan on the rise, a strong reserve, on the rise; meet the blow, then charge)": [
        "ascan_on_the_rise", "strong_reserve|reserve_from_bucellarii", "on_the_rise", "shoot_and_hold",
        "keep_shooting", "commit_the_reserve", "charge_them",
    ],
    "reckless (Procopius' line, press the archery, charge at the crisis)": [
        "all_foot_on_the_river", "no_reserve", "with_the_cavalry", "close_the_range", "press_them",
        "stand_fast", "charge_them",
    ],
}
RESULTS = ("battle_victory", "battle_held", "battle_defeat", "army_routed")


def battle_eve(cs) -> State:
    p, _ = replay(cs, read_save(DEFAULT_SCENARIO / "playthroughs" / "historical.json"))
    for state in p.states:
        if state.battle is not None:
            return state
    raise SystemExit("the historical playthrough never reaches the battle")


def odds(cs, state: State, plan: list[str]) -> dict[str, float]:
    campaign = Campaign(cs)
    ns = cs.namespace.slots
    out: dict[str, float] = defaultdict(float)
    frontier = [(1.0, state)]
    for wanted in plan:
        nxt = []
        for p, s in frontier:
            if s.battle is None:
                nxt.append((p, s))
                continue
            open_ = campaign.available(s)
            order = next((w for w in wanted.split("|") if w in open_), None)
            if order is None:  # this question was skipped (an unseen shift resolves by itself)
                nxt.append((p, s))
                continue
            for q, s2 in enumerate_chance(lambda d, s=s, o=order: campaign.step(s, o, d).state):
                nxt.append((p * q, s2))
        frontier = nxt
    for p, s in frontier:
        if s.battle is not None:
            # a question the plan did not answer: finish with the plan's last order
            continue
        for r in RESULTS:
            if s.values[ns[r].index]:
                out[r] += p
        for flag in ("right_broke", "ghassanids_fled", "lycaonians_broke", "ascan_fell", "shift_seen",
                     "belisarius_killed", "belisarius_captured"):
            if s.values[ns[flag].index]:
                out[flag] += p
    return out


def main() -> None:
    cs = load(DEFAULT_SCENARIO)
    eve = battle_eve(cs)
    for name, plan in PLANS.items():
        o = odds(cs, eve, plan)
        print(name)
        print("  " + "  ".join(f"{r.replace('battle_', '').replace('army_', '')} {o[r]:6.1%}" for r in RESULTS))
        print("  " + "  ".join(f"{k} {o[k]:5.1%}" for k in ("shift_seen", "right_broke", "lycaonians_broke",
                                                            "ascan_fell", "belisarius_killed", "belisarius_captured")))


if __name__ == "__main__":
    main()
