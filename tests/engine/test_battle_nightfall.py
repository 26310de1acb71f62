"""What the explorer leaves out of a battle's work, and that it changes nothing: nightfall finished
once for last states alike in what it reads (`BattleRules.finish_reads`), the day's last step fought
once for states alike in what the crisis reads of the men (`BattleRules.last_step_key`), the part
of a step before its first roll (the archery, the enemy's shift up to the assault) worked out once
for every chance path of the step, and the rest of a step rolled once for steps that come to the
same blow."""

from __future__ import annotations

import dataclasses
import random
from collections import Counter, defaultdict

import pytest

from game import DEFAULT_SCENARIO
from game.engine import explore
from game.engine.abstraction import Abstraction, banded
from game.engine.battle import Roll
from game.engine.campaign import Campaign
from game.engine.dice import enumerate_chance
from game.scenario.compiled import load
from game.session.saves import read_save, replay

from conftest import MINI, from_source, mini_variant

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
        eve, odds: bool, where: str) -> None:
    cs, campaign, state = eve if where == "callinicum" else _beginning(DARA)
    rules = campaign.battle_rules(state)
    fighter = explore.Fighter(campaign, Abstraction(cs, exact=False, odds=odds))
    reads = rules.finish_reads(fighter._read_after(rules))
    told: set[tuple] = set()  # what nightfall read of the last states: each finished once
    fighter._read_at_night[rules] = lambda bs: told.add(reads(bs)) or reads(bs)
    shared = fighter.fight([(state, 10**9)]).fought[0]
    # the walk as it was: every last state finished on its own (only equal ones are merged)
    alone_fighter = explore.Fighter(campaign, Abstraction(cs, exact=False, odds=odds))
    whole: set[tuple] = set()
    alone_fighter._read_at_night[rules] = lambda bs: whole.add(tuple(bs)) or tuple(bs)
    alone = alone_fighter.fight([(state, 10**9)]).fought[0]
    assert len(whole) > len(told)
    assert sorted((k[3], k[2], k[0], k[1]) for k in shared.leaves) == sorted(
        (k[3], k[2], k[0], k[1]) for k in alone.leaves)
    assert (shared.states, shared.dead, shared.taken) == (alone.states, alone.dead, alone.taken)


@pytest.mark.parametrize("where", ["callinicum", "dara"])
def test_a_step_worked_out_once_up_to_its_first_roll_gives_every_chance_path_of_the_told_step(
        eve, where: str) -> None:
    """The explorer's steps (no log: worked out to the first roll once, `to_roll`, and only the rest,
    `from_roll`, for every chance path) against the same steps written to a log, and the same steps
    whole without a log. (That the steps play as they did before is held by the golden battles:
    tests/engine/test_battle_calibration.py and the logged battles of test_battle.py.)"""
    _, campaign, state = eve if where == "callinicum" else _beginning(DARA)
    rules = campaign.battle_rules(state)
    frontier, checked, kinds = [(state.battle, state.values)], 0, Counter()
    while frontier and checked < 400:
        bs, values = frontier.pop()  # deepest first: to the crisis
        for option in rules.available(bs, values):
            roll = rules.to_roll(bs, values, option)
            if isinstance(roll, Roll):
                quiet = enumerate_chance(lambda dice: rules.from_roll(roll, dice))  # noqa: B023
                kinds[roll.kind] += 1
            else:
                quiet = [(1.0, roll)]
            told = enumerate_chance(lambda dice: rules.advance(bs, values, option, dice, False, []))  # noqa: B023
            whole = enumerate_chance(lambda dice: rules.advance(bs, values, option, dice, check=False))  # noqa: B023
            assert quiet == told == whole
            checked += 1
            frontier += [(nbs, nv) for _, (nbs, nv) in quiet if not rules.over(nbs)][:3]
    assert checked >= 50 and kinds["assault"] >= 10 and kinds["crisis"] >= 10


def test_steps_that_come_to_the_same_blow_are_rolled_once(eve) -> None:
    """Orders and states whose blows are alike (the blow resets what the orders against it set)
    come to equal rolls: the fighter rolls such an assault once for them all, and finds what it
    finds rolling each afresh."""
    _, campaign, state = eve
    cs = campaign.scenario

    fighter_module = from_source("game.engine.fighter")  # its rolls counted where it makes them

    def fought(memo: bool) -> tuple[int, object]:
        rolls = []

        def counted(fn):  # noqa: ANN001, ANN202
            rolls.append(1)
            return enumerate_chance(fn)

        fighter = fighter_module.Fighter(campaign, Abstraction(cs, exact=False, odds=True))
        if not memo:
            fighter._rolled = _Forgetful()
        with pytest.MonkeyPatch.context() as m:
            m.setattr(fighter_module, "enumerate_chance", counted)
            batch = fighter.fight([(state, 10**9)])
        return len(rolls), batch

    rolled, ours = fought(memo=True)
    afresh, theirs = fought(memo=False)
    assert rolled < afresh
    assert ours.steps == theirs.steps
    a, b = ours.fought[0], theirs.fought[0]
    assert (a.states, a.dead, a.taken, a.complete) == (b.states, b.dead, b.taken, b.complete)
    by_leaf = lambda leaves: sorted(leaves, key=lambda k: (k[3], k[2], k[1]))  # noqa: E731
    assert [(k[3], k[2], k[1]) for k in by_leaf(a.leaves)] == [(k[3], k[2], k[1]) for k in by_leaf(b.leaves)]
    assert [k[0] for k in by_leaf(a.leaves)] == pytest.approx([k[0] for k in by_leaf(b.leaves)], abs=1e-12)


def _fought(fought) -> tuple:  # noqa: ANN001 - a Fought
    return fought.leaves, fought.states, fought.dead, fought.dead_p, fought.taken, fought.complete


def test_a_fighter_fights_a_batch_alike_after_another_even_one_that_stopped_half_way(eve) -> None:
    """What a fighter keeps for a batch (its memos, the slots its rolled blows lead to) is the
    batch's own: the same beginning fought again by the same fighter, after a whole batch or
    after one stopped half-way (an interrupt), finds what a fresh fighter finds."""
    cs, campaign, state = eve
    fresh = explore.Fighter(campaign, Abstraction(cs, exact=False, odds=True)).fight([(state, 10**9)])
    reused = explore.Fighter(campaign, Abstraction(cs, exact=False, odds=True))
    reused.fight([(state, 10**9)])
    assert _fought(reused.fight([(state, 10**9)]).fought[0]) == _fought(fresh.fought[0])

    fighter_module = from_source("game.engine.fighter")  # its orders stopped half-way

    class Stopping(fighter_module.Fighter):
        stop_at = 400

        def _orders(self, *args):  # noqa: ANN002, ANN202
            self.stop_at -= 1
            if not self.stop_at:
                raise KeyboardInterrupt
            return super()._orders(*args)

    stopping = Stopping(campaign, Abstraction(cs, exact=False, odds=True))
    with pytest.raises(KeyboardInterrupt):
        stopping.fight([(state, 10**9)])
    assert _fought(stopping.fight([(state, 10**9)]).fought[0]) == _fought(fresh.fought[0])


class _Forgetful(dict):
    """A memo that keeps nothing."""

    def __setitem__(self, key, value) -> None:  # noqa: ANN001
        pass


def test_a_roll_met_again_with_other_values_is_rolled_with_its_own(eve) -> None:
    """Beginnings alike but for al-Harith's resolve (the loyalty of his men, which the enemy's aim
    and every assault and panic roll read), fought together, come to blows alike in all but that
    value: each is rolled with its own, and each finds what it finds fought alone."""
    cs, campaign, state = eve
    slot = cs.namespace.slots["harith_resolve"].index
    begun = [state._replace(values=(*state.values[:slot], q, *state.values[slot + 1:])) for q in (1, 2, 5, 8)]
    fighter = explore.Fighter(campaign, Abstraction(cs, exact=False, odds=True))
    together = fighter.fight([(s, 10**9) for s in begun])
    rules = campaign.battle_rules(state)
    for s, ours in zip(begun, together.fought):
        alone = explore.Fighter(campaign, Abstraction(cs, exact=False, odds=True)).fight([(s, 10**9)]).fought[0]
        assert (ours.states, ours.dead, ours.taken) == (alone.states, alone.dead, alone.taken)
        ours_leaves, alone_leaves = _leaves(fighter, rules, ours), _leaves(fighter, rules, alone)
        assert ours_leaves.keys() == alone_leaves.keys()
        for key, (p, n) in ours_leaves.items():
            assert n == alone_leaves[key][1] and p == pytest.approx(alone_leaves[key][0], abs=1e-12)


def _leaves(fighter, rules, fought) -> dict:  # noqa: ANN001
    """A battle's leaves as the walk tells them apart (the next node, and what is read there of
    the values the battle changed): their chances and paths."""
    out: dict = {}
    for p, n, values, node in fought.leaves:
        key = (node, banded(values, fighter._live(rules, node)))
        q, m = out.get(key, (0.0, 0))
        out[key] = (q + p, m + n)
    return out


def test_outcomes_merged_before_they_are_given_out_carry_every_chance_path(eve) -> None:
    """An order's outcomes that the rest of the battle cannot tell apart are given to each
    beginning as one (`Fighter._step`): with their chances added, and with as many paths as
    the chance paths they stand for, times each beginning's own."""
    cs, campaign, state = eve
    fighter = explore.Fighter(campaign, Abstraction(cs, exact=False, odds=True))
    rules = campaign.battle_rules(state)
    option = rules.available(state.battle, state.values)[0]
    nbs, nvalues = rules.advance(state.battle, state.values, option, explore_dice(), check=False)
    key = fighter.key(rules, state.node, nbs, nvalues)
    fighter._pending = pending = {}
    leaves = [{}, {}]
    # three chance outcomes alike (one a copy of the state), their chances adding up to a quarter
    merged = fighter._alike(rules, state.node, [(0.125, (nbs, nvalues)), (0.0625, (nbs, nvalues)),
                                                (0.0625, (tuple.__new__(type(nbs), nbs), nvalues))])
    assert len(merged) == 1 and merged[0][:2] == [0.25, 3]
    fighter._outcomes(merged, 0.5, rules, {0: [1.0, 2], 1: [0.5, 5]}, leaves)
    fighter._outcomes(merged, 0.5, rules, {0: [1.0, 1]}, leaves)
    assert list(pending) == [nbs.step] and list(pending[nbs.step]) == [key] and leaves == [{}, {}]
    masses, *_ = pending[nbs.step][key]
    assert masses[0] == [pytest.approx(0.25), 2 * 3 + 1 * 3] and masses[1] == [pytest.approx(0.0625), 15]



def _last_step_states(campaign: Campaign, state):  # noqa: ANN001, ANN202
    """Every state of the day's last step (with its values) that a battle begun in `state` can reach."""
    rules = campaign.battle_rules(state)
    frontier, found, seen = [(state.battle, state.values)], [], set()
    while frontier:
        bs, values = frontier.pop()
        for option in rules.available(bs, values):
            for _, (nbs, nvalues) in enumerate_chance(
                    lambda dice: rules.advance(bs, values, option, dice, check=False)):  # noqa: B023
                if rules.over(nbs) or (nbs, nvalues) in seen:
                    continue
                seen.add((nbs, nvalues))
                (found if nbs.step == rules.last_step else frontier).append((nbs, nvalues))
    return rules, found


def _plays(rules, night, bs, values) -> dict:  # noqa: ANN001
    """Every order open in a state of the crisis, with its chances of each last state as nightfall
    reads it (`night`: `BattleRules.finish_reads`) and the values after it."""
    orders = {}
    for option in rules.available(bs, values):
        chances: dict = defaultdict(float)
        for q, (nbs, nvalues) in enumerate_chance(
                lambda dice: rules.advance(bs, values, option, dice, check=False)):  # noqa: B023
            assert rules.over(nbs)
            chances[night(nbs), nvalues] += q
        orders[option] = dict(chances)
    return orders


@pytest.mark.parametrize("odds", [True, False], ids=["odds", "paths"])
def test_last_step_states_alike_in_what_the_crisis_reads_of_the_men_play_out_alike(eve, odds: bool) -> None:
    """States of the crisis that `last_step_key` puts together (they differ in the men of both
    sides) have the same orders open, and each order the same chances of leading to last states
    that nightfall cannot tell apart where the story after the battle reads."""
    cs, campaign, state = eve
    fighter = explore.Fighter(campaign, Abstraction(cs, exact=False, odds=odds))
    rules, found = _last_step_states(campaign, state)
    read = fighter._read_after(rules)
    key, night = rules.last_step_key(read), rules.finish_reads(read)
    assert key is not None
    groups: dict = defaultdict(list)
    for bs, values in found:
        groups[key(bs, values), values].append(bs)

    together = [(values, states) for (_, values), states in groups.items() if len(states) > 1]
    # not vacuous: many states of the crisis differ only in their men
    assert len(together) > 100 and len(groups) * 3 < len(found)
    for values, states in together:
        first = _plays(rules, night, states[0], values)
        assert all(_plays(rules, night, bs, values) == first for bs in states[1:])


def _men_changed(rules, bs):  # noqa: ANN001, ANN202
    """`bs` with only its men changed, in ways the crisis may or may not notice: a unit with none
    left, a unit that never took the field, every unit (or the enemy, or one unit alone) three
    times stronger or a third as strong, two bodies of horse trading their numbers, the enemy
    massed elsewhere."""
    n = len(bs.men)
    for u in range(n):
        if bs.men[u] > 0:
            yield bs._replace(men=tuple(0 if v == u else m for v, m in enumerate(bs.men)))
        if bs.start and bs.start[u] > 0:
            yield bs._replace(start=tuple(0 if v == u else m for v, m in enumerate(bs.start)))
    for times in (3, 1 / 3):
        yield bs._replace(men=tuple(int(m * times) for m in bs.men))
        yield bs._replace(emen=tuple(int(m * times) for m in bs.emen))
        for u in range(n):  # one unit alone: the one by the river, say, and not the rest
            yield bs._replace(men=tuple(int(m * times) if v == u else m for v, m in enumerate(bs.men)))
    horse = [u for u in range(n) if rules.kinds[u].mounted]
    for a, b in ((a, b) for a in horse for b in horse if a < b):
        men = list(bs.men)
        men[a], men[b] = men[b], men[a]
        yield bs._replace(men=tuple(men))
    for a in range(1, len(bs.emen)):
        emen = list(bs.emen)
        emen[0], emen[a] = emen[a], emen[0]
        yield bs._replace(emen=tuple(emen))


@pytest.mark.parametrize("where", ["callinicum", "dara", "satala", "satala, a strike naming no rider"])
def test_the_crisis_plays_out_alike_for_men_the_last_step_key_does_not_tell_apart(
        eve, where: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """For states of the crisis and the same states with other men: where `last_step_key` gives
    both the same key, every order open in one is open in the other, with the same chances of the
    same last states as nightfall reads them; and some of the other men do change how it ends."""
    cs, campaign, state = eve if where == "callinicum" else _beginning(DEFAULT_SCENARIO.parent / where[:6])
    rules, found = _last_step_states(campaign, state)
    if "no rider" in where:  # the strike at the enemy commander goes with the strongest horse left
        for p, row in enumerate(rules.battle.orders):
            named = [o for o in row if o.model.action == "strike_at_commander" and o.unit is not None]
            for order in named:
                unnamed = dataclasses.replace(order, unit=None)
                monkeypatch.setitem(rules._orders[p], order.model.id, unnamed)
                monkeypatch.setattr(rules.battle, "orders", tuple(
                    tuple(unnamed if o is order else o for o in r) if q == p else r
                    for q, r in enumerate(rules.battle.orders)))
    read = explore.Fighter(campaign, Abstraction(cs, exact=False, odds=False))._read_after(rules)
    key, night = rules.last_step_key(read), rules.finish_reads(read)
    assert key is not None

    alike = noticed = 0
    sample = random.Random(5).sample(found, min(120, len(found)))
    # and as if no blow had fallen yet: a strike then aims at the enemy's largest body
    for bs, values in sample + [(bs._replace(target=-1), values) for bs, values in sample[:40]]:
        played = _plays(rules, night, bs, values)
        for other in _men_changed(rules, bs):
            if key(other, values) == key(bs, values):
                alike += 1
                assert _plays(rules, night, other, values) == played
            else:
                noticed += _plays(rules, night, other, values) != played
    assert alike > 500 and noticed > 100


@pytest.mark.parametrize("where", ["callinicum", "satala"])
def test_what_the_crisis_reads_of_the_men_is_worked_out_again_for_any_state_that_differs_in_it(
        eve, where: str) -> None:
    """`last_step_key` keeps what the crisis reads of the men of the states it has met: a state met
    later that differs in anything that reading looks at (the men, where the units stand, their men
    at the start, the line, the enemy's men and where his blow fell, the allies' loyalty) gets what
    `crisis.reads_of_men` gives it, not what was kept for another."""
    from game.engine.battle import crisis

    cs, campaign, state = eve if where == "callinicum" else _beginning(DEFAULT_SCENARIO.parent / where)
    rules, found = _last_step_states(campaign, state)
    read = explore.Fighter(campaign, Abstraction(cs, exact=False, odds=False))._read_after(rules)
    key = rules.last_step_key(read)
    loyalty = [slot for _, slot in rules.allies if slot is not None]

    def others(bs, values):  # noqa: ANN001, ANN202
        for other in _men_changed(rules, bs):
            yield other, values
        for t in range(-1, rules.n):
            yield bs._replace(target=t), values
        yield bs._replace(line=tuple(reversed(bs.line))), values
        yield bs._replace(line=bs.line[1:] + bs.line[:1]), values
        for u in range(len(bs.status)):
            for st in {0, 1, 3} - {bs.status[u]}:
                yield bs._replace(status=tuple(st if v == u else x for v, x in enumerate(bs.status))), values
        for q in (0, 4, 10):
            yield bs, tuple(q if j in loyalty else v for j, v in enumerate(values))

    checked = differ = 0
    for bs, values in random.Random(11).sample(found, min(60, len(found))):
        first = key(bs, values)[1]
        for other, vals in others(bs, values):
            fresh = crisis.reads_of_men(rules, rules._arrivals(other, None), vals)
            assert key(other, vals)[1] == fresh
            checked += 1
            differ += fresh != first
    assert checked > 1000 and differ > 300


def test_the_last_step_reads_the_men_where_nightfall_does(eve) -> None:
    """Where the story after the battle reads the losses or the units' men, the explorer tells the
    states of the crisis apart by their men, as before."""
    cs, campaign, _ = eve
    rules = campaign.battle_rules(eve[2])
    assert rules.last_step_key(_slots(cs, ["battle.callinicum.roman_losses"])) is None
    assert rules.last_step_key(_slots(cs, ["unit.infantry.men"])) is None
    assert rules.last_step_key(_slots(cs, ["battle_victory", "persian_losses"])) is not None


@pytest.mark.parametrize("odds", [True, False], ids=["odds", "paths"])
def test_the_fighter_fighting_the_crisis_once_for_states_alike_finds_what_fighting_each_finds(
        eve, odds: bool) -> None:
    cs, campaign, state = eve
    rules = campaign.battle_rules(state)

    def fight(each: bool = False):  # noqa: ANN202
        fighter = explore.Fighter(campaign, Abstraction(cs, exact=False, odds=odds))
        if each:  # the last step's states told apart as any step's (`remembered`), men and all
            fighter._last_key[rules] = None
        fought = fighter.fight([(state, 10**9)]).fought[0]
        leaves = {(node, banded(w, fighter._live(rules, node))): (p, n) for p, n, w, node in fought.leaves}
        return fought, {k: p for k, (p, _) in leaves.items()}, {k: n for k, (_, n) in leaves.items()}

    merged, p_merged, n_merged = fight()
    each, p_each, n_each = fight(each=True)
    assert n_merged == n_each
    assert p_merged == pytest.approx(p_each, abs=1e-12)
    assert (merged.dead, merged.taken) == (each.dead, each.taken)
    assert merged.states < each.states


# -- beginnings that differ only in which orders they open --------------------------------------
BOAT = "          - id: boat\n            label: Take a boat\n"
PRESS = "          - id: press\n            label: Press\n"


@pytest.mark.parametrize("edits, late", [
    ([("battle.yaml", BOAT, BOAT + "            if: scouted\n")], True),
    ([("battle.yaml", BOAT, BOAT + "            if: scouted\n"),
      ("battle.yaml", PRESS, PRESS + "            if: not scouted\n")], True),
    # a setup of the morning is in the battle's state from the first step: beginnings it parts differ there
    ([("battle.yaml", BOAT, BOAT + "            if: scouted\n"),
      ("battle.yaml", "      - if: supply <= 1\n", "      - if: supply <= 1 and not scouted\n")], True),
    # read by something else in the battle (a setup of a phase, where it leads, an order's effect),
    # or written by it
    ([("battle.yaml", BOAT, BOAT + "            if: scouted\n"),
      ("battle.yaml", "      - if: courage >= 4\n", "      - if: courage >= 4 or scouted\n")], False),
    ([("battle.yaml", BOAT, BOAT + "            if: scouted\n"),
      ("battle.yaml", "      - if: won or held\n", "      - if: (won or held) and scouted\n")], False),
    ([("battle.yaml", BOAT, BOAT + "            if: scouted\n"),
      ("battle.yaml", PRESS, PRESS + "            effects: [supply += 1 * scouted]\n")], False),
    ([("battle.yaml", BOAT, BOAT + "            if: scouted\n            effects: [scouted = false]\n")], False),
    ([], False),
], ids=["a crisis order", "two orders", "and a morning setup", "a later setup", "where the battle leads",
        "an effect", "written", "none"])
def test_what_only_the_orders_conditions_read_opens_orders_and_nothing_else(tmp_path, edits, late: bool) -> None:
    cs = load(mini_variant(tmp_path, *edits))
    node = next(i for i, n in enumerate(cs.nodes) if getattr(n, "battle", None) is not None)
    scouted = cs.namespace.slots["scouted"].index
    ab = Abstraction(cs)
    assert ab.late(node) == ((scouted,) if late else ())
    assert Abstraction(cs, exact=True).late(node) == ()
    # what tells beginnings apart reads it; what tells a battle's states apart does not
    values = list(cs.initial)
    with_it = tuple(values[:scouted] + [1] + values[scouted + 1:])
    if late:
        assert ab.battle_key(node, cs.initial) != ab.battle_key(node, with_it)
        assert ab.battle_key(node, cs.initial, whole=False) == ab.battle_key(node, with_it, whole=False)
    else:
        assert all(ab.battle_key(node, v, whole=False) == ab.battle_key(node, v) for v in (cs.initial, with_it))


def test_in_callinicum_the_boats_are_read_only_by_the_crisis_orders(eve) -> None:
    cs, _, state = eve
    assert Abstraction(cs).late(state.node) == (cs.namespace.slots["boats_on_the_river"].index,)
    dara, _, begun = _beginning(DARA)
    assert Abstraction(dara).late(begun.node) == ()


def _with(state, cs, **values):  # noqa: ANN001, ANN202
    v = list(state.values)
    for name, value in values.items():
        v[cs.namespace.slots[name].index] = value
    return state._replace(values=tuple(v))


@pytest.mark.parametrize("odds", [True, False], ids=["odds", "paths"])
def test_beginnings_that_differ_in_the_boats_alone_fought_together_find_what_each_finds_alone(
        eve, odds: bool) -> None:
    """Fought as one, each given the orders its own boats open: each beginning's leaves (as the
    story takes them up), paths, chances, dead ends, orders given and states are those it has
    fought alone."""
    cs, campaign, state = eve
    rules = campaign.battle_rules(state)
    ab = Abstraction(cs, exact=False, odds=odds)
    beginnings = [_with(state, cs, boats_on_the_river=b, fasting=f) for f in (0, 1) for b in (0, 1)]

    def found(s, fought):  # noqa: ANN001, ANN202
        leaves = {}
        for p, n, w, node in fought.leaves:
            v = list(s.values)
            for j in rules.changes:
                v[j] = w[j]
            leaves[ab.key(type(s)(node, tuple(v), None))] = (round(p, 12), n)
        return leaves, fought.dead, round(fought.dead_p, 12), fought.taken, fought.states, fought.complete

    fighter = explore.Fighter(campaign, ab)
    alone = [fighter.fight([(s, 10**9)]) for s in beginnings]
    together = fighter.fight([(s, 10**9) for s in beginnings])
    assert [found(s, f) for s, f in zip(beginnings, together.fought)] == [
        found(s, a.fought[0]) for s, a in zip(beginnings, alone)]
    # only with boats at the bank is the boat taken
    took = [any(order == "take_the_boat" for _, order in f.taken) for f in together.fought]
    assert took == [False, True, False, True]
    # and what both could do was fought once
    assert together.steps < sum(a.steps for a in alone) * 0.6


@pytest.mark.parametrize("kin", [16, 1], ids=["kin whole", "kin cut"])
def test_beginnings_fought_as_one_at_first_are_never_put_in_different_batches(
        eve, kin: int, monkeypatch: pytest.MonkeyPatch) -> None:
    cs, campaign, state = eve
    monkeypatch.setattr(explore, "BATCH", 1)
    monkeypatch.setattr(explore, "KIN", kin)
    fighter = explore.Fighter(campaign, Abstraction(cs, exact=False, odds=True))
    battles = explore._Battles(fighter, jobs=1, odds=True)
    beginnings = [_with(state, cs, boats_on_the_river=b, fasting=f) for f in (1, 0) for b in (1, 0)]
    for i, s in enumerate(beginnings):
        battles.hand_out(("campaign", i), s)
    battles._batch_waiting(10**9)
    parts = {id(f[1]): [s for s in f[1][0]] for f in battles.fights.values()}
    assert len(battles.fights) == 4 and len(parts) == 2
    boats = cs.namespace.slots["boats_on_the_river"].index
    fasting = cs.namespace.slots["fasting"].index
    for part in parts.values():
        assert sorted(s.values[boats] for s in part) == [0, 1]
        assert len({s.values[fasting] for s in part}) == 1


@pytest.mark.parametrize("where", ["callinicum", "dara"])
def test_when_a_stand_or_a_withdrawal_ends_in_rout_no_unit_is_left_standing(eve, where: str) -> None:
    """A last stand overrun (on foot, after the boat, with no order and the line broken) or a
    withdrawal turned to flight leaves no unit in the line, in a stand or in reserve: the record
    the story reads then says none of them stood."""
    from game.engine.battle.state import FLED, IN_LINE, RESERVE, ROUTED, STANDING

    cs, campaign, state = eve if where == "callinicum" else _beginning(DARA)
    rules, found = _last_step_states(campaign, state)
    routed = standing_before = 0
    for bs, values in random.Random(3).sample(found, min(150, len(found))):
        actions = {o.model.id: o.model.action for o in rules.battle.orders[bs.step - rules.ndeploy]}
        for option in rules.available(bs, values):
            if actions[option] not in ("dismount_stand", "take_boat", "hold", "withdraw"):
                continue  # a charge that fails scatters the horse that rode, not the foot
            for _, (nbs, _) in enumerate_chance(
                    lambda dice: rules.advance(bs, values, option, dice, check=False)):  # noqa: B023
                if nbs.outcome != ROUTED:
                    continue
                routed += 1
                standing_before += any(s == IN_LINE for s in bs.status)
                assert not any(s in (IN_LINE, STANDING, RESERVE) for s in nbs.status), option
                assert all(u in nbs.order for u, s in enumerate(nbs.status) if s == FLED)
    assert routed > 50 and standing_before > 20


def test_beginnings_alike_but_for_their_men_are_fought_in_one_batch(eve, monkeypatch: pytest.MonkeyPatch) -> None:
    """Peter's foot stronger by the garrisons, as it was, or weaker by the rear left on the road:
    beginnings that differ only in the men of a unit come to many of the same states by the
    crisis, whose key reads the men only through a few figures. They are put in one batch
    (`Fighter.kin`), even where batches are smaller, and fought there each finds what it finds
    alone, in fewer steps than apart."""
    cs, campaign, state = eve
    rules = campaign.battle_rules(state)
    assert state.battle == rules.begin(state.values)
    beginnings = []
    for fasting in (1, 0):
        for men, rear in ((30, 0), (38, 0), (30, 1)):
            s = _with(state, cs, fasting=fasting, rear_behind=rear, **{"unit.infantry.men": men})
            beginnings.append(s._replace(battle=rules.begin(s.values)))
    foot = rules.battle.model.line.index("infantry")
    assert [s.battle.men[foot] for s in beginnings] == [30, 38, 22] * 2
    monkeypatch.setattr(explore, "BATCH", 1)
    fighter = explore.Fighter(campaign, Abstraction(cs, exact=False, odds=True))
    battles = explore._Battles(fighter, jobs=1, odds=True)
    for i, s in enumerate(beginnings):
        battles.hand_out(("campaign", i), s)
    battles._batch_waiting(10**9)
    parts = {id(f[1]): f[1][0] for f in battles.fights.values()}
    fasting = cs.namespace.slots["fasting"].index
    assert sorted(sorted((s.values[fasting], s.battle.men[foot]) for s in part) for part in parts.values()) == [
        [(0, 22), (0, 30), (0, 38)], [(1, 22), (1, 30), (1, 38)]]
    kin = beginnings[:3]
    together = fighter.fight([(s, 10**9) for s in kin])
    apart = [fighter.fight([(s, 10**9)]) for s in kin]

    def found(s, fought):  # noqa: ANN001, ANN202 - a beginning and what it found: its leaves as the story takes them up
        leaves = {}
        for p, n, w, node in fought.leaves:
            v = list(s.values)
            for j in rules.changes:
                v[j] = w[j]
            leaves[fighter.ab.key(type(s)(node, tuple(v), None))] = (round(p, 12), n)
        return leaves, fought.dead, fought.taken, fought.states, fought.complete

    assert [found(s, t) for s, t in zip(kin, together.fought)] == [found(s, a.fought[0]) for s, a in zip(kin, apart)]
    assert together.steps < 0.9 * sum(a.steps for a in apart)


def test_in_a_day_that_begins_with_its_crisis_beginnings_alike_are_kin(tmp_path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """With no deployment and the crisis its only phase, a beginning is keyed by what the crisis
    reads of the men (`BattleRules.last_step_key`), not by the men themselves: beginnings with
    one key are of one kin, and are never put in different batches."""
    text = (MINI / "battle.yaml").read_text()
    cut = text[text.index("    deployment:\n"):text.index("      - id: end\n")]
    cs = load(mini_variant(tmp_path, ("battle.yaml", cut, "    phases:\n"),
                           ("battle.yaml", "        phase: arrows\n", ""),
                           ("battle.yaml", "            action: take_boat\n",
                            "            action: take_boat\n            if: scouted\n")))
    campaign = Campaign(cs)
    start = campaign.start()
    node = next(i for i, n in enumerate(cs.nodes) if getattr(n, "battle", None) is not None)
    rules = campaign.battle_rules(start._replace(node=node))
    assert rules.ndeploy == 0 and rules.last_step == 0

    def begin(scouted: int, enemy: int):  # noqa: ANN202 - a campaign State at the battle's beginning
        s = _with(start._replace(node=node), cs, scouted=scouted, **{"unit.enemy_right.men": enemy})
        return s._replace(battle=rules.begin(s.values))

    fighter = explore.Fighter(campaign, Abstraction(cs, exact=False, odds=True))
    beginnings = [begin(scouted, enemy) for scouted in (0, 1) for enemy in range(10, 40)]
    kin: dict = {}
    for s in beginnings:
        k, key = fighter.kin(s)
        assert kin.setdefault(key, k) == k
    assert len(kin) < len(beginnings) / 2  # many beginnings share a key
    monkeypatch.setattr(explore, "BATCH", 1)
    battles = explore._Battles(fighter, jobs=1, odds=True)
    for i, s in enumerate(beginnings):
        battles.hand_out(("campaign", i), s)
    battles._batch_waiting(10**9)
    batch_of: dict = {}
    for f in battles.fights.values():
        assert batch_of.setdefault(fighter.kin(f[0])[1], id(f[1])) == id(f[1])
