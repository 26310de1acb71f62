"""The shipped battles keep their calibration: under 40 plans from six eves (three Callinicum
playthroughs, three Dara walks), every end of the battle keeps its exact probability, read by the
names of what the battle writes back (tests/engine/battle_calibration.py records the golden file).
A change that is meant to move the odds records the golden file again and says why in docs/BATTLE.md."""

import json

import pytest

from battle_calibration import GOLDEN, PLANS, distribution, eves

GOLD = json.loads(GOLDEN.read_text(encoding="utf-8"))


@pytest.mark.parametrize("label, cs, eve", list(eves()), ids=lambda x: x if isinstance(x, str) else "")
def test_every_plan_keeps_its_exact_odds(label, cs, eve):
    names = GOLD[label]["names"]
    assert all(n in cs.namespace.slots for n in names)
    for plan in range(PLANS):
        assert distribution(cs, eve, plan, names) == GOLD[label]["plans"][plan], f"{label}, plan {plan}"


def test_the_plans_differ():
    """The golden file is not one outcome repeated: the plans lead to different distributions."""
    for label, data in GOLD.items():
        assert len({json.dumps(p, sort_keys=True) for p in data["plans"]}) >= PLANS // 2, label
        assert all(abs(sum(p.values()) - 1) < 1e-6 for p in data["plans"]), label
