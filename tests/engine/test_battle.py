"""The battle model's rules, on the small test scenario's battle at the ford."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from game import DEFAULT_SCENARIO
from game.engine.battle import ENCIRCLED, FLED, IN_LINE, RESERVE, BattleRules, fight
from game.engine.battle.state import renew
from game.engine.campaign import Campaign, EngineError, State
from game.engine.dice import SeededDice, enumerate_chance
from game.scenario.compiled import load
from game.session.playthrough import Playthrough

from conftest import MINI, from_source, mini_variant
from conftest import battle_at as at_battle
from conftest import play_orders as play


@pytest.fixture(scope="module")
def campaign() -> Campaign:
    return Campaign(load(MINI))


def outcomes(campaign: Campaign, state: State, orders: list[str]) -> list[tuple[float, State]]:
    """Every chance path of a fixed sequence of orders, with its probability."""
    results: list[tuple[float, State]] = [(1.0, state)]
    for order in orders:
        nxt = []
        for p, s in results:
            if s.battle is None or order not in campaign.available(s):
                nxt.append((p, s))
                continue
            for q, s2 in enumerate_chance(lambda d, s=s: campaign.step(s, order, d).state):
                nxt.append((p * q, s2))
        results = nxt
    return results


DEPLOY_BLIND = ["allies_right", "none", "blind"]
DEPLOY_WATCH = ["allies_right", "keep_some", "watch"]


def test_deployment_sets_line_reserve_and_watch(campaign: Campaign) -> None:
    s = at_battle(campaign)
    s, _ = play(campaign, s, ["horse_right", "keep_some", "watch"])
    b = s.battle
    rules: BattleRules = campaign.battle_rules(s)
    names = [rules.units[u].id for u in b.line]
    assert names == ["foot", "allies", "horse"]
    assert rules.units[b.reserve].id == "spare"
    # half the horse formed the reserve
    horse = rules.units.index(next(u for u in rules.units if u.id == "horse"))
    assert b.men[horse] == 10 and b.men[b.reserve] == 10
    assert b.watch == 1


def test_hidden_shift_gives_no_order_unless_watched(campaign: Campaign) -> None:
    blind, _ = play(campaign, at_battle(campaign), DEPLOY_BLIND + ["hold"])
    # unseen: the shift resolved by itself, the next question is the crisis
    assert campaign.battle_rules(blind).phases[blind.battle.step - 3].kind == "crisis"
    assert blind.battle.seen == 0
    watched, _ = play(campaign, at_battle(campaign), DEPLOY_WATCH + ["hold"])
    assert campaign.battle_rules(watched).phases[watched.battle.step - 3].kind == "shift"
    assert "reserve_in" in campaign.available(watched)


def test_enemy_masses_against_the_weakest_flank(campaign: Campaign) -> None:
    s, log = play(campaign, at_battle(campaign), DEPLOY_BLIND + ["hold"])
    assert s.battle.target == 2  # the allies on the rise, not the foot by the river
    assert any("against your right" in line for line in log)
    view = campaign.view(s).battle
    assert view is not None


def test_view_hides_the_massed_enemy_beyond_the_rise(campaign: Campaign) -> None:
    for seed in range(30):
        s, _ = play(campaign, at_battle(campaign), DEPLOY_BLIND + ["hold"], seed=seed)
        if not s.battle.broke:
            assert campaign.view(s).battle.positions[2].enemy_men is None
            return
    pytest.fail("no seed kept the flank intact")


def test_panic_spreads_to_neighbours_when_the_flank_breaks(campaign: Campaign) -> None:
    results = outcomes(campaign, at_battle(campaign), DEPLOY_BLIND + ["hold"])
    broke = [(p, s) for p, s in results if s.battle.broke]
    assert broke, "the flank never broke"
    rules = campaign.battle_rules(broke[0][1])
    centre = [s.battle.status[s.battle.line[1]] for _, s in broke]
    # the neighbour of a broken flank either ran or was left surrounded: never untouched
    assert set(centre) <= {FLED, ENCIRCLED}
    assert FLED in centre and ENCIRCLED in centre
    assert sum(p for p, _ in results) == pytest.approx(1.0)
    del rules


def test_watching_and_a_reserve_hold_the_flank_more_often(campaign: Campaign) -> None:
    def p_break(orders: list[str]) -> float:
        return sum(p for p, s in outcomes(campaign, at_battle(campaign), orders) if s.battle.broke)

    blind = p_break(DEPLOY_BLIND + ["hold"])
    watchful = p_break(DEPLOY_WATCH + ["hold", "reserve_in"])
    assert watchful < blind


def test_the_river_anchors_a_last_stand(campaign: Campaign) -> None:
    cs = campaign.scenario

    def flag(state: State, name: str) -> int:
        return state.values[cs.namespace.slots[name].index]

    results = outcomes(campaign, at_battle(campaign), DEPLOY_BLIND + ["hold", "stand"])
    stood = [(p, s) for p, s in results if s.battle is None and flag(s, "stood")]
    assert stood
    held_till_night = sum(p for p, s in stood if flag(s, "lost"))
    routed = sum(p for p, s in stood if flag(s, "routed"))
    # backs to the river, shields locked: the stand usually lasts until night
    assert held_till_night > 2 * routed


@pytest.mark.parametrize("order", ["stand", "boat", "wait"])
def test_a_last_stand_overrun_is_recorded_as_broken_and_one_that_holds_as_standing(campaign: Campaign,
                                                                                  order: str) -> None:
    """The battle record (what the story after the battle reads) says the foot by the river stood
    at nightfall only where its last stand held: overrun, it fled, broken, and so did every unit
    still on the field, whether it had joined the stand or not."""
    cs = campaign.scenario

    def flag(state: State, name: str) -> int:
        return state.values[cs.namespace.slots[name].index]

    results = outcomes(campaign, at_battle(campaign), DEPLOY_BLIND + ["hold", order])
    ends = [s for _, s in results if s.battle is None and (flag(s, "stood") or order != "stand")]
    overrun = [s for s in ends if flag(s, "routed")]
    held = [s for s in ends if flag(s, "lost")]
    assert overrun and held
    units = [u.id for u in cs.scenario.units if f"battle.fight.{u.id}.stood" in cs.namespace.slots]
    for s in overrun:  # nobody is left standing: what did not fall ran
        for u in units:
            assert flag(s, f"battle.fight.{u}.stood") == 0
            assert flag(s, f"battle.fight.{u}.fled") + flag(s, f"battle.fight.{u}.fell") == 1 or \
                flag(s, f"unit.{u}.men") == 0
        assert flag(s, "battle.fight.foot.fled") == 1
        assert flag(s, "battle.fight.foot.broke") >= 1 and flag(s, "unit.foot.morale") == 0
    for s in held if order == "stand" else ():  # (after the boat, the foot may have run before)
        assert (flag(s, "battle.fight.foot.stood"), flag(s, "battle.fight.foot.fled")) == (1, 0)


def test_a_withdrawal_that_turns_into_a_flight_leaves_no_unit_standing(campaign: Campaign) -> None:
    cs = campaign.scenario

    def flag(state: State, name: str) -> int:
        return state.values[cs.namespace.slots[name].index]

    units = [u.id for u in cs.scenario.units if f"battle.fight.{u.id}.stood" in cs.namespace.slots]
    ends = [s for _, s in outcomes(campaign, at_battle(campaign), DEPLOY_BLIND + ["hold", "back"])
            if s.battle is None]
    routed = [s for s in ends if flag(s, "routed")]
    kept = [s for s in ends if not flag(s, "routed")]
    assert routed and kept
    for s in routed:
        assert not any(flag(s, f"battle.fight.{u}.stood") for u in units)
    assert any(flag(s, f"battle.fight.{u}.stood") for s in kept for u in units)


def test_a_withdrawal_that_keeps_its_order_leaves_the_field_and_says_so(campaign: Campaign) -> None:
    """A withdrawal in order gives up the field: the record says `withdrew`, never `held` (the
    story after it must not tell of a field still held) nor `defeat`, whether or not a flank broke
    before it; one that breaks is a rout."""
    cs = campaign.scenario

    def flag(state: State, name: str) -> int:
        return state.values[cs.namespace.slots[name].index]

    paths = outcomes(campaign, at_battle(campaign), DEPLOY_BLIND + ["hold", "back"])
    ends = [(p, s) for p, s in paths if s.battle is None]
    outcome = {name: sum(p for p, s in ends if flag(s, f"battle.fight.{name}"))
               for name in ("victory", "held", "defeat", "routed", "withdrew")}
    assert outcome["withdrew"] > 0 and outcome["routed"] > 0
    assert outcome["held"] == outcome["defeat"] == outcome["victory"] == 0
    assert abs(sum(outcome.values()) - 1) < 1e-9
    assert all(s.battle is None for _, s in paths)
    broke_then_withdrew = [s for _, s in ends if flag(s, "battle.fight.withdrew") and flag(s, "battle.fight.flank_broke")]
    assert broke_then_withdrew, "a flank that broke before the withdrawal is still told"


def test_a_withdrawal_with_nothing_left_in_its_ranks_is_a_flight(campaign: Campaign) -> None:
    """Once every unit has broken or is cut off, nothing falls back in order: a withdrawal is a
    rout, without a roll for its order; a reserve still in hand can still cover one."""
    s, _ = play(campaign, at_battle(campaign), DEPLOY_BLIND + ["hold"], seed=1)
    assert s.battle is not None and "back" in campaign.available(s)
    cs = campaign.scenario
    gone = tuple(FLED if st == IN_LINE else ENCIRCLED if st == RESERVE else st for st in s.battle.status)
    broken = s._replace(battle=renew(s.battle, status=gone))
    assert "back" in campaign.available(broken)  # the order is never closed: a crisis always has one
    ends = enumerate_chance(lambda d: campaign.step(broken, "back", d))
    assert len(ends) == 1, "no roll for an order nobody is left to keep"
    (p, result), = ends
    values = result.state.values
    assert p == 1.0 and values[cs.namespace.slots["battle.fight.routed"].index] == 1
    assert values[cs.namespace.slots["battle.fight.withdrew"].index] == 0
    assert not any("keeps its order" in line for line in result.text)
    reserve = s.battle.reserve
    if reserve >= 0:  # the reserve alone still in hand: it may cover the withdrawal
        kept = tuple(RESERVE if u == reserve else st for u, st in enumerate(gone))
        covered = s._replace(battle=renew(s.battle, status=kept))
        flags = [r.state.values[cs.namespace.slots["battle.fight.withdrew"].index]
                 for _, r in enumerate_chance(lambda d: campaign.step(covered, "back", d))]
        assert sorted(set(flags)) == [0, 1]


def test_stand_and_boat_only_once_the_line_is_broken(campaign: Campaign) -> None:
    for seed in range(40):
        s, _ = play(campaign, at_battle(campaign), DEPLOY_BLIND + ["hold"], seed=seed)
        options = {o.id: o for o in campaign.options(s)}
        rules = campaign.battle_rules(s)
        anchor = s.battle.line[rules.river]
        if s.battle.broke and s.battle.status[anchor] == IN_LINE:
            assert options["stand"].available and options["boat"].available
        elif s.battle.broke:
            # the unit by the river has broken too: there is no line left to stand with
            assert not options["stand"].available and options["boat"].available
            assert "no line left" in options["stand"].reason
            with pytest.raises(EngineError):
                campaign.step(s, "stand", SeededDice(seed, 9))
        else:
            assert not options["stand"].available
            assert "still holds" in options["stand"].reason
            with pytest.raises(EngineError):
                campaign.step(s, "stand", SeededDice(seed, 9))


@pytest.mark.parametrize("read", ["as imported", "from its source"])
def test_renew_changes_exactly_the_fields_it_is_given(campaign: Campaign, read: str) -> None:
    """`renew` names every field of a battle state, in order, and gives a new state that differs
    from the old in the fields it was given alone, as namedtuple's own `_replace` does: compiled
    (as the game imports it, where it was built) and from its source alike."""
    import inspect

    from game.engine.battle.state import BattleState

    source = from_source("game.engine.battle.state")
    assert list(inspect.signature(source.renew).parameters) == ["bs", *BattleState._fields]
    new, made = (renew, BattleState) if read == "as imported" else (source.renew, source.BattleState)
    # no field alike another (each of its own type: the compiled rules check them)
    bs = made(*[(100 + i,) if "tuple" in str(kind) else 100 + i
                for i, kind in enumerate(BattleState.__annotations__.values())])
    assert new(bs) == bs and type(new(bs)) is made
    for i, name in enumerate(BattleState._fields):
        other = (i,) if isinstance(bs[i], tuple) else i
        changed = new(bs, **{name: other})
        assert type(changed) is made and changed == bs._replace(**{name: other}) != bs
    several = {"men": (1, 2), "outcome": 3, "waiting": (0,)}
    assert new(bs, **several) == bs._replace(**several)
    with pytest.raises(TypeError):
        new(bs, nonsense=1)


def test_same_seed_same_battle(campaign: Campaign) -> None:
    orders = DEPLOY_WATCH + ["press", "reserve_in"]
    a, log_a = play(campaign, at_battle(campaign), orders, seed=11)
    b, log_b = play(campaign, at_battle(campaign), orders, seed=11)
    assert a == b and log_a == log_b
    crisis = [o for o in campaign.available(a)][0]
    a2, la = play(campaign, a, [crisis], seed=5)
    b2, lb = play(campaign, b, [crisis], seed=5)
    assert a2 == b2 and la == lb


def test_different_seeds_give_different_battles(campaign: Campaign) -> None:
    seen = Counter()
    for seed in range(60):
        s, _ = play(campaign, at_battle(campaign), DEPLOY_BLIND + ["hold"], seed=seed)
        seen[s.battle.broke] += 1
    assert seen[0] and seen[1]


def test_battle_result_flows_back_to_the_campaign(campaign: Campaign) -> None:
    cs = campaign.scenario
    for seed in range(40):
        s, _ = play(campaign, at_battle(campaign), DEPLOY_BLIND + ["hold"], seed=seed)
        crisis = "stand" if "stand" in campaign.available(s) else "wait"
        s, log = play(campaign, s, [crisis], seed=seed)
        assert s.battle is None
        ending = campaign.ending(s)
        assert ending in ("win_ending", "loss_ending")
        v = s.values
        flags = [v[cs.namespace.slots[f].index] for f in ("won", "held", "lost", "routed")]
        assert sum(flags) == 1
        assert any(line.startswith("Nightfall.") for line in log)
        assert v[cs.namespace.slots["losses"].index] > 0
        # the units' men came back from the battle smaller than they went in
        assert v[cs.namespace.slots["unit.foot.men"].index] <= 20


def test_archery_costs_the_enemy_more(campaign: Campaign) -> None:
    s, _ = play(campaign, at_battle(campaign), DEPLOY_BLIND)
    rules = campaign.battle_rules(s)
    after = fight.archery(rules, s.battle, "hold", log := [])
    assert any("The archery costs your army" in line for line in log)  # the mini scenario keeps the default words
    assert 0 < after.lost < after.elost
    assert all(st == IN_LINE for st in after.status[:3])


@pytest.mark.parametrize("folder", [MINI, DEFAULT_SCENARIO, DEFAULT_SCENARIO.parent / "dara"],
                         ids=["mini", "callinicum", "dara"])
def test_what_a_battle_forgets_never_changes_how_it_goes_on(folder: Path) -> None:
    """`BattleRules.remembered` leaves out only what the rest of the battle never reads: whatever
    those fields hold, the same decisions are open and every chance outcome is the same, down to
    what is remembered in turn (so the explorer may merge such states)."""
    campaign = Campaign(load(folder))
    rng = random.Random(5)
    checked = 0
    for state, options, rules in _played(campaign, 200, rng):
        dead = rules._dead[state.battle.step] if rules is not None else ()
        if dead:
            other = state._replace(battle=state.battle._replace(**{f: rng.randrange(-1, 9) for f in dead}))
            assert campaign.available(other) == options
            for option in options:
                assert _outcomes(campaign, other, option) == _outcomes(campaign, state, option)
            checked += 1
    assert checked


@pytest.mark.parametrize("folder", [MINI, DEFAULT_SCENARIO, DEFAULT_SCENARIO.parent / "dara"],
                         ids=["mini", "callinicum", "dara"])
def test_every_roll_reads_the_defence_the_log_explains(folder: Path) -> None:
    """The rolls read a unit's defence as one number (`fight.defence_score`); the log names its
    terms (`fight.defence`). They are the same sum for every unit of every battle state met, under
    every loyalty the campaign can bring (each of an ally's loyalty values tried)."""
    campaign = Campaign(load(folder))
    checked = Counter()
    for state, _, rules in _played(campaign, 60, random.Random(11)):
        if rules is None:
            continue
        for slot in [None, *(j for j in rules.loyalty_of if j is not None)]:
            for q in range(11) if slot is not None else [None]:
                values = state.values if slot is None else (*state.values[:slot], q, *state.values[slot + 1:])
                for pos in range(rules.n):
                    terms = fight.defence(rules, state.battle, pos, values)
                    assert fight.defence_score(rules, state.battle, pos, values) == sum(n for n, _ in terms)
                    checked[slot is not None, terms[-1][1] == "loyalty"] += 1
    assert checked[False, False] and (checked[True, True] or folder != DEFAULT_SCENARIO)  # Callinicum has allies


def _played(campaign: Campaign, runs: int, rng: random.Random) -> Iterator[tuple[State, list[str], BattleRules | None]]:
    """Every state of `runs` random playthroughs, with its open decisions and its battle's rules."""
    for run in range(runs):
        state = campaign.start()
        for k in range(200):
            options = campaign.available(state)
            if not options:
                break
            yield state, options, campaign.battle_rules(state)
            state = campaign.step(state, options[rng.randrange(len(options))], SeededDice(run, k), False).state


def _outcomes(campaign: Campaign, state: State, option: str) -> list[tuple[float, State]]:
    out = []
    for p, s in enumerate_chance(lambda dice: campaign.step(state, option, dice, False).state):
        rules = campaign.battle_rules(s)
        out.append((p, s._replace(battle=rules.remembered(s.battle)) if rules is not None else s))
    return out


# Two seeded battles at the ford and every word the game tells the player of them, recorded before
# the explorer learned to skip the log (`log=False`): skipping it must change nothing else, and the
# game must go on telling all of it.
LOGGED_BATTLES = {
    "last_stand": (DEPLOY_BLIND + ["hold", "stand"], 6, [
        "[Morning] Arrows",
        "The archery costs your army 200 men and the enemy 400.",
        "[Noon] The blow",
        "Dust hangs over the rise on your right, and nobody on the low ground can see past it. Behind that "
        "screen The Rival is massing 1,000 horsemen against your right.",
        "Along the rest of the line the archery never slackens, pinning every unit where it stands.",
        "The blow falls on the allies: 3,900 against 1,800 (2.2 to 1, +2 to the attack); defence the rise +1, "
        "loyalty -2; net -3. Odds: thrown back 0%, held 20%, broken 80%.",
        "The allies break and scatter. The enemy is round the flank and behind the line.",
        "The horse are taken in flank (veteran +1, The Captain +1, flanked -1): 35% that they break.",
        "The horse stand their ground, surrounded on two sides, and the rout stops at them for now.",
        "[Evening] The end",
        "The horse fight on where they stand until they are cut to pieces: 500 men fall, and the few who cut "
        "their way out towards the river are scattered: the unit is no more.",
        "The last stand by the river (the river at your back +2, horses shy at a wall of shields +2, the "
        "infantry's state +0, The Captain fighting on foot +1, 1,900 men in the block -1): 75% that it holds "
        "until dark.",
        "The shield wall gives way. The last of the army is driven into the river.",
        "The Captain is killed on the bank.",
        "Nightfall. The army is destroyed. Your losses: about 3,600 men, dead or scattered; the enemy's: "
        "about 600.",
    ]),
    "counter_charge": (["horse_right", "keep_some", "watch", "press", "bend", "charge"], 6, [
        "[Morning] Arrows",
        "The archery costs your army 500 men and the enemy 700.",
        "[Noon] The blow",
        "The Rival thins his rear ranks and sends 1,000 horsemen along behind his line to his left, against "
        "your right. You see it happen.",
        "The right bends back, so that the blow meets a face and not a flank.",
        "Along the rest of the line the archery never slackens, pinning every unit where it stands.",
        "The blow falls on the horse: 3,700 against 800 (4.6 to 1, +3 to the attack); defence tired -1, "
        "veteran +1, the rise +1, refused flank +1, The Captain +1; net +0. Odds: thrown back 15%, held 40%, "
        "broken 45%.",
        "The horse break and scatter. The enemy is round the flank and behind the line.",
        "The allies are taken in flank (tired -1, refused flank +1, loyalty -2, flanked -1): 85% that they "
        "break.",
        "The allies stand their ground, surrounded on two sides, and the rout stops at them for now.",
        "[Evening] The end",
        "The counter-charge (2,700 riders against 3,700 (-1), tired horses -1, the line already broken -1): "
        "5% that it succeeds.",
        "The allies fight on where they stand until they are cut to pieces: 500 men fall, and the few who cut "
        "their way out towards the river are scattered: the unit is no more.",
        "The charge founders against fresh horsemen. Your cavalry is scattered.",
        "Nightfall. The army is destroyed. Your losses: about 2,900 men, dead or scattered; the enemy's: "
        "about 900.",
    ]),
}


@pytest.mark.parametrize("name", LOGGED_BATTLES)
def test_the_game_tells_a_seeded_battle_word_for_word_and_the_explorer_skips_only_the_log(
    campaign: Campaign, name: str
) -> None:
    orders, seed, expected = LOGGED_BATTLES[name]
    state = at_battle(campaign)
    log: list[str] = []
    for i, order in enumerate(orders):
        told = campaign.step(state, order, SeededDice(seed, i))
        quiet = campaign.step(state, order, SeededDice(seed, i), check=False, log=False)  # the explorer's step
        assert quiet.state == told.state
        assert quiet.text == []
        log += told.text
        state = told.state
    assert state.battle is None
    assert log == expected


@pytest.mark.parametrize("folder", [MINI, DEFAULT_SCENARIO, DEFAULT_SCENARIO.parent / "dara"],
                         ids=["mini", "callinicum", "dara"])
def test_skipping_the_log_changes_no_state_and_no_odds(folder: Path) -> None:
    """Random playthroughs: at every decision the explorer's step (`log=False`) gives the game's
    states with the same probabilities, over every chance outcome; and every battle the game
    finishes, it tells to nightfall."""
    campaign = Campaign(load(folder))
    rng = random.Random(7)
    battles = 0
    for run in range(60):
        state = campaign.start()
        for k in range(200):
            options = campaign.available(state)
            if not options:
                break
            option = options[rng.randrange(len(options))]
            assert (enumerate_chance(lambda dice: campaign.step(state, option, dice, check=False, log=False).state)
                    == enumerate_chance(lambda dice: campaign.step(state, option, dice).state))
            told = campaign.step(state, option, SeededDice(run, k))
            assert campaign.step(state, option, SeededDice(run, k), check=False, log=False).state == told.state
            if state.battle is not None and told.state.battle is None:
                battles += 1
                assert told.text[-1].startswith("Nightfall.")
            state = told.state
    assert battles


# -- the battle record -------------------------------------------------------------------------

def record_of(campaign: Campaign, state: State) -> dict[str, int]:
    cs = campaign.scenario
    return {name[len("battle.fight."):]: state.values[slot.index]
            for name, slot in cs.namespace.slots.items() if name.startswith("battle.fight.")}


def random_battles(campaign: Campaign, n: int) -> list[tuple[State, State, State]]:
    """(entry, last battle state, nightfall) for n seeded battles fought with random orders."""
    out = []
    for seed in range(n):
        rng = random.Random(seed)
        state = entry = at_battle(campaign)
        last = state
        k = 0
        while state.battle is not None:
            last = state
            state = campaign.step(state, rng.choice(campaign.available(state)), SeededDice(seed, k)).state
            k += 1
        out.append((entry, last, state))
    return out


def test_the_record_tells_one_outcome_one_fate_and_the_losses_the_army_suffered(campaign: Campaign) -> None:
    cs = campaign.scenario
    roman = cs.battles["fight"].roman  # the line and the reserve
    men = {u: cs.namespace.slots[f"unit.{u}.men"].index for u in roman}
    seen_outcomes, seen_flanks = set(), set()
    for entry, last, night in random_battles(campaign, 300):
        r = record_of(campaign, night)
        assert r["fought"] == 1
        outcome = [o for o in ("victory", "held", "defeat", "routed", "withdrew") if r[o]]
        fate = [f for f in ("with_army", "stood", "boat", "killed", "captured") if r[f"commander_{f}"]]
        assert len(outcome) == 1 and len(fate) == 1
        seen_outcomes.add(outcome[0])
        # the blow fell on one end
        assert r["struck_left"] + r["struck_right"] == 1
        seen_flanks.add("left" if r["struck_left"] else "right")
        if r["flank_broke"]:
            assert r["broken"] >= 1
        # the order of breaking numbers the units that broke 1, 2, 3 ...
        orders = sorted(r[f"{u}.broke"] for u in men if r[f"{u}.broke"])
        assert orders == list(range(1, r["broken"] + 1))
        for u, j in men.items():
            assert r[f"{u}.fled"] + r[f"{u}.fell"] + r[f"{u}.stood"] <= 1
            if r[f"{u}.fell"]:
                assert night.values[j] == 0, "a unit cut down is gone from the army"
        # the total is the sum of the units' losses, and exactly the men missing from the army
        assert r["roman_losses"] == sum(r[f"{u}.lost"] for u in men)
        assert sum(entry.values[j] for j in men.values()) - sum(night.values[j] for j in men.values()) == r["roman_losses"]
    assert seen_outcomes == {"victory", "held", "defeat", "routed", "withdrew"}
    assert seen_flanks == {"right"}  # at the ford the weakest end is always the allies' on the rise


def test_fatigue_and_morale_carry_out_of_the_battle(campaign: Campaign) -> None:
    cs = campaign.scenario
    tired = 0
    for _, last, night in random_battles(campaign, 80):
        rules = campaign.battle_rules(last)
        for u, unit in enumerate(rules.units):
            slots = cs.namespace.slots
            assert night.values[slots[f"unit.{unit.id}.fatigue"].index] == last.battle.fatigue[u] or \
                last.battle.step < rules.ndeploy + len(rules.phases) - 1
        tired += any(night.values[cs.namespace.slots[f"unit.{u}.fatigue"].index] > 0 for u in ("foot", "horse", "allies"))
    assert tired, "no battle left anyone tired: fatigue is not carried out of the battle"


def test_the_stand_is_closed_with_its_reason_once_the_foot_by_the_river_has_fled(campaign: Campaign) -> None:
    found = 0
    for seed in range(300):
        s, _ = play(campaign, at_battle(campaign), ["horse_right", "none", "blind", "hold"], seed=seed)
        if s.battle is None:
            continue
        rules = campaign.battle_rules(s)
        anchor = s.battle.line[rules.river]
        if s.battle.status[anchor] == FLED:
            found += 1
            stand = next(o for o in campaign.options(s) if o.id == "stand")
            assert not stand.available and "no line left by the river" in stand.reason
            # and the crisis text says so, from the record so far
            assert "Even the foot by the river has run." in campaign.view(s).battle.prompt
    if not found:  # make one: the same state with the foot broken
        s, _ = play(campaign, at_battle(campaign), DEPLOY_BLIND + ["hold"], seed=6)
        rules = campaign.battle_rules(s)
        anchor = s.battle.line[rules.river]
        status = list(s.battle.status)
        status[anchor] = FLED
        broken = s._replace(battle=s.battle._replace(status=tuple(status), broke=1, order=s.battle.order + (anchor,)))
        stand = next(o for o in campaign.options(broken) if o.id == "stand")
        assert not stand.available and "no line left by the river" in stand.reason
        assert "Even the foot by the river has run." in campaign.view(broken).battle.prompt


def test_phase_variants_read_the_record_so_far(campaign: Campaign) -> None:
    right = 0
    for seed in range(60):
        s, _ = play(campaign, at_battle(campaign), DEPLOY_BLIND + ["hold"], seed=seed)
        if s.battle is None:
            continue
        says = "The right has gone." in campaign.view(s).battle.prompt
        assert says == (s.battle.target == rules_n(campaign, s) - 1 and bool(s.battle.broke))
        right += says
    assert right


def rules_n(campaign: Campaign, s: State) -> int:
    return campaign.battle_rules(s).n


# -- the shipped campaign: orders are asked for only against a blow that will be seen -------------


# A playthrough of the shipped campaign (seed 2337) in which the two flanks look alike to the enemy
# commander until al-Harith's doubtful loyalty is counted: the blow falls on the right, behind the
# rise, and nobody watches it. Before the fix the game still stopped at "Azarethes' blow" and
# offered "commit the reserve", printed that the reserve rode off, and then ignored the order.
UNSEEN_BLOW = [
    "stay_in_mesopotamia", "march_late", "fill_the_wagons", "harith_watched", "block_chalcis",
    "hold_concentrated", "cover_his_return", "praise_sunicas", "send_to_hierapolis", "force_the_pace",
    "scout_the_desert_road", "keep_the_army_together", "keep_the_fast", "delay_a_day",
    "close_in_at_night", "harith_on_the_rise", "reserve_from_bucellarii", "with_the_infantry",
    "shoot_and_hold", "keep_shooting",
]


@cache
def _campaign():
    return load(DEFAULT_SCENARIO)


def _shift_phase_pending(p: Playthrough) -> bool:
    state = p.state
    if state.battle is None:
        return False
    rules = p.campaign.battle_rules(state)
    phase = rules.current_phase(state.battle)
    return phase is not None and rules.phases[phase].kind == "shift"


def test_an_unseen_blow_asks_for_no_order():
    p = Playthrough.new(_campaign(), 2337, UNSEEN_BLOW)
    assert p.decisions == UNSEEN_BLOW
    assert not _shift_phase_pending(p)  # the blow has fallen unseen, as the engine resolves it
    text = "\n".join(p.record[-1].text)
    assert "nobody on the low ground can see past it" in text


# -- what a battle writes back stays within each value's range ------------------------------------


def test_men_written_back_after_a_battle_stay_within_the_unit_range(tmp_path):
    """A setup (or a detachment) can swell a unit past 999 hundreds during the battle; the campaign
    value it writes back must still be clamped, as every effect is."""
    folder = mini_variant(
        tmp_path,
        ("scenario.yaml", "    kind: infantry\n    men: 20\n", "    kind: infantry\n    men: 990\n"),
        ("battle.yaml", "      - if: supply <= 1\n        units: roman\n        morale: -1\n",
         "      - if: true\n        units: [foot]\n        men: 100\n"),
    )
    cs = load(folder)
    slot = cs.namespace.slots["unit.foot.men"]
    p = Playthrough.new(cs, 1, ["scout", "gamble"])
    assert p.state.battle is not None and p.state.battle.men[0] == 1090
    while p.state.battle is not None:
        p.choose(next(o.id for o in p.options() if o.available))
    assert p.state.values[slot.index] <= slot.hi
