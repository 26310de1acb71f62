"""What the explorer leaves out of a battle's work, and that it changes nothing: nightfall finished
once for last states alike in what it reads (`BattleRules.finish_reads`), and the part of a step
before its first roll (the archery, the enemy's shift up to the assault) worked out once for every
chance path of the step."""

from __future__ import annotations

import pytest

from game import DEFAULT_SCENARIO
from game.engine import explore
from game.engine.abstraction import Abstraction
from game.engine.campaign import Campaign
from game.engine.dice import enumerate_chance
from game.scenario.compiled import load
from game.session.saves import read_save, replay

DARA = DEFAULT_SCENARIO.parent / "dara"


def _beginning(folder, save: str | None = None):  # noqa: ANN001, ANN202
    """A scenario's campaign and a state where its first battle begins (from a saved playthrough,
    or the first battle met by taking every scene's first open decision)."""
    cs = load(folder)
    campaign = Campaign(cs)
    if save is not None:
        p, stopped = replay(cs, read_save(folder / "playthroughs" / save))
        assert stopped is None
        return cs, campaign, next(s for s in p.states if s.battle is not None)
    state = campaign.start()
    while state.battle is None:
        state = campaign.step(state, campaign.available(state)[0], explore_dice()).state
    return cs, campaign, state


def explore_dice():  # noqa: ANN201
    from game.engine.dice import SeededDice

    return SeededDice(7, 0)


@pytest.fixture(scope="module")
def eve():  # noqa: ANN201
    return _beginning(DEFAULT_SCENARIO, "historical.json")


def _last_states(campaign: Campaign, state):  # noqa: ANN001, ANN202
    """Every last state of the day (with its values) that a battle begun in `state` can reach."""
    rules = campaign.battle_rules(state)
    frontier, last = [(state.battle, state.values)], []
    seen = set()
    while frontier:
        bs, values = frontier.pop()
        for option in rules.available(bs, values):
            for _, (nbs, nvalues) in enumerate_chance(
                    lambda dice: rules.advance(bs, values, option, dice, check=False)):  # noqa: B023
                if (nbs, nvalues) in seen:
                    continue
                seen.add((nbs, nvalues))
                (last if rules.over(nbs) else frontier).append((nbs, nvalues))
    return rules, last


def _slots(cs, names: list[str]) -> set[int]:  # noqa: ANN001
    return {cs.namespace.slots[n].index for n in names}


@pytest.mark.parametrize("names", [
    ["battle_victory", "battle_held", "army_routed", "took_boat", "battle.callinicum.infantry.stood",
     "battle.callinicum.ghassanids.broke"],
    ["persian_losses", "battle.callinicum.enemy_losses"],
    ["unit.huns.morale", "unit.infantry.fatigue"],
    ["unit.infantry.men", "battle.callinicum.roman_losses", "battle.callinicum.huns.lost"],
], ids=["flags", "enemy losses", "morale and fatigue", "men and losses"])
def test_last_states_alike_in_what_nightfall_reads_write_the_same_values(eve, names: list[str]) -> None:
    cs, campaign, state = eve
    rules, last = _last_states(campaign, state)
    slots = sorted(_slots(cs, names))
    reads = rules.finish_reads(slots)
    groups: dict = {}
    for bs, values in last:
        out = rules.finish(bs, values)
        groups.setdefault((reads(bs), values), set()).add(tuple(out[j] for j in slots))
    assert all(len(written) == 1 for written in groups.values())
    # not vacuous: the battle ends in many different last states, and some are told apart only
    # by what nightfall does not read for these slots
    assert len(last) > 100
    if names[0] == "battle_victory":
        assert len(groups) < len(last) // 10


def test_nightfall_reads_the_men_only_where_they_are_written(eve) -> None:
    cs, campaign, state = eve
    rules, last = _last_states(campaign, state)
    bs = next(b for b, _ in last if sum(b.men) > 10)
    fewer = bs._replace(men=tuple(m // 2 for m in bs.men))
    flags = rules.finish_reads(_slots(cs, ["battle_victory", "battle.callinicum.infantry.stood"]))
    losses = rules.finish_reads(_slots(cs, ["battle.callinicum.roman_losses"]))
    assert flags(bs) == flags(fewer)
    assert losses(bs) != losses(fewer)
    # a unit that never took the field did not stand at nightfall: that much of its men is read
    absent = bs._replace(start=tuple(0 if u == 0 else m for u, m in enumerate(bs.start)))
    assert flags(bs) != flags(absent)


@pytest.mark.parametrize("odds", [True, False], ids=["odds", "paths"])
@pytest.mark.parametrize("where", ["callinicum", "dara"])
def test_the_fighter_finishing_alike_last_states_once_finds_what_finishing_each_finds(
        eve, odds: bool, where: str, monkeypatch: pytest.MonkeyPatch) -> None:
    cs, campaign, state = eve if where == "callinicum" else _beginning(DARA)
    fighter = explore.Fighter(campaign, Abstraction(cs, exact=False, odds=odds))
    shared = fighter.fight([(state, 10**9)]).fought[0]
    finished: list[int] = []

    def every_time(self, rules, bs, values):  # noqa: ANN001, ANN202 - the walk as it was
        finished.append(1)
        out = rules.finish(bs, values)
        to = rules.battle.after.resolve(out)
        return to, explore.banded(out, self._live(rules, to))

    monkeypatch.setattr(explore.Fighter, "_night", every_time)
    alone = explore.Fighter(campaign, Abstraction(cs, exact=False, odds=odds)).fight([(state, 10**9)]).fought[0]
    assert len(finished) > len(shared.leaves)
    assert sorted((k[3], k[2], k[0], k[1]) for k in shared.leaves) == sorted(
        (k[3], k[2], k[0], k[1]) for k in alone.leaves)
    assert (shared.states, shared.dead, shared.taken) == (alone.states, alone.dead, alone.taken)


@pytest.mark.parametrize("where", ["callinicum", "dara"])
def test_a_step_worked_out_once_before_its_first_roll_gives_every_chance_path_as_before(eve, where: str) -> None:
    """The explorer's steps (no log: the archery and the blow before the assault worked out once
    for every chance path) against the same steps written to a log (worked out afresh each path)."""
    _, campaign, state = eve if where == "callinicum" else _beginning(DARA)
    rules = campaign.battle_rules(state)
    frontier, checked, rolled = [(state.battle, state.values)], 0, 0
    while frontier and checked < 400:
        bs, values = frontier.pop(0)
        for option in rules.available(bs, values):
            quiet = enumerate_chance(lambda dice: rules.advance(bs, values, option, dice, check=False))  # noqa: B023
            told = enumerate_chance(lambda dice: rules.advance(bs, values, option, dice, False, []))  # noqa: B023
            assert quiet == told
            checked += 1
            rolled += len(quiet) > 1
            frontier += [(nbs, nv) for _, (nbs, nv) in quiet if not rules.over(nbs)][:3]
    assert checked >= 50 and rolled >= 10
    assert rules._last.get("blow") is not None or where == "dara"
