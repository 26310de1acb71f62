"""What the battle format can say beyond Callinicum: terrain at every position, a hidden force, a
second shift with its own plan, a counter-charge that breaks the attacker, a charge at the enemy
commander, and the battle log in a battle's own words. Each on a variant of the mini scenario."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from game.engine.battle import ABSENT, HIDDEN, IN_LINE, RESERVE, fight
from game.engine.campaign import Campaign, State
from game.engine.dice import enumerate_chance
from game.scenario.compiled import load

from conftest import battle_at as at_battle
from conftest import mini_variant
from conftest import play_orders as play

RIDERS = ("scenario.yaml", "  - id: spare\n", """  - id: riders
    name: the riders in the hills
    kind: cavalry
    men: 10
  - id: spare
""")
HIDDEN_RIDERS = ("battle.yaml", "    setup:\n", """    hidden:
      - unit: riders
        at: 3
        arrives: blow
        if: supply >= 1
        surprise: 2
        strike: 50
        text: Horsemen come over the crest.
    setup:
""")
TERRAIN = ("battle.yaml", "    terrain_left: river\n    terrain_right: rise\n", "    terrain: [river, wall, rise]\n")
SECOND_BLOW = ("battle.yaml", "      - id: end\n        kind: crisis\n", """      - id: second_blow
        kind: shift
        title: The second blow
        time: Afternoon
        text: They come again.
        plan:
          mass_against: left
          shift_share: 50
          pin_with_archery: false
        orders:
          - id: stay_again
            label: Stay
            action: hold
      - id: end
        kind: crisis
""")
STRIKE = ("battle.yaml", "          - id: wait\n            label: Wait for night\n", """          - id: strike
            label: Ride for their standard
            action: strike_at_commander
          - id: wait
            label: Wait for night
""")


# a line four wide (the lancers between the horse and the allies, and an enemy unit facing them)
WIDE = (
    ("scenario.yaml", "  - id: spare\n",
     "  - id: lancers\n    name: the lancers\n    kind: cavalry\n    men: 20\n  - id: spare\n"),
    ("scenario.yaml", "  - id: enemy_right\n",
     "  - id: enemy_far\n    name: enemy far\n    side: enemy\n    kind: cavalry\n    men: 20\n  - id: enemy_right\n"),
    ("battle.yaml", "    line: [foot, horse, allies]\n    enemy_line: [enemy_left, enemy_centre, enemy_right]\n",
     "    line: [foot, horse, lancers, allies]\n    enemy_line: [enemy_left, enemy_centre, enemy_far, enemy_right]\n"),
    ("battle.yaml", "            line: [foot, allies, horse]\n", "            line: [foot, allies, lancers, horse]\n"),
)


def campaign_of(tmp_path: Path, *edits: tuple[str, str, str]) -> Campaign:
    return Campaign(load(mini_variant(tmp_path, *edits)))


def ends(campaign: Campaign, state: State, plan: list[str]) -> list[tuple[float, State]]:
    """Every chance path to the battle's end, giving at each question the first open order of `plan`."""
    done, frontier = [], [(1.0, state)]
    while frontier:
        p, s = frontier.pop()
        if s.battle is None:
            done.append((p, s))
            continue
        open_ = campaign.available(s)
        order = next((o for o in plan if o in open_), open_[0])
        frontier += [(p * q, s2) for q, s2 in enumerate_chance(lambda d, s=s, o=order: campaign.step(s, o, d).state)]
    return done


def value(campaign: Campaign, state: State, name: str) -> int:
    return state.values[campaign.scenario.namespace.slots[name].index]


ARRIVAL = ("The riders in the hills come down from cover on enemy right: ",
           " men fall in the first shock, and the whole enemy line wavers.")


def arrivals(log: list[str]) -> list[str]:
    return [line for line in log if line.startswith(ARRIVAL[0]) and line.endswith(ARRIVAL[1])]


def test_a_hidden_force_waits_out_of_sight_and_comes_down_as_its_phase_begins(tmp_path: Path) -> None:
    campaign = campaign_of(tmp_path, RIDERS, HIDDEN_RIDERS)
    rules = campaign.battles["fight"]
    riders = campaign.scenario.battles["fight"].roman.index("riders")
    state, log = play(campaign, at_battle(campaign, supply=2), ["allies_right", "none", "watch"])
    assert state.battle.status[riders] == HIDDEN and not arrivals(log)
    assert "out of sight" not in [p.status for p in rules.view(state.battle, state.values).positions]
    state, log = play(campaign, state, ["hold"])  # the archery; then the blow begins, and they come down
    assert rules.current_phase(state.battle) == 1  # before the player is asked for the blow's order
    assert log.index("Horsemen come over the crest.") == log.index(arrivals(log)[0]) - 1
    assert state.battle.arrived == 1 and state.battle.status[riders] == RESERVE
    done = ends(campaign, state, ["stay", "wait", "stand", "back"])
    assert all(value(campaign, s, "battle.fight.hidden_arrived") == 1 for _, s in done)


def test_a_hidden_force_that_is_not_there_never_fights(tmp_path: Path) -> None:
    campaign = campaign_of(tmp_path, RIDERS, HIDDEN_RIDERS)
    riders = campaign.scenario.battles["fight"].roman.index("riders")
    state, _ = play(campaign, at_battle(campaign, supply=0), ["allies_right", "keep_some", "watch"])
    assert state.battle.status[riders] == ABSENT
    done = ends(campaign, state, ["hold", "stay", "charge", "stand", "back"])
    assert done
    for _, s in done:  # not in any charge: it loses no man and is not counted as standing
        assert value(campaign, s, "battle.fight.hidden_arrived") == 0
        assert value(campaign, s, "battle.fight.riders.lost") == 0
        assert value(campaign, s, "unit.riders.men") == 10


def test_a_hidden_force_comes_at_the_phase_of_its_first_entry_that_holds(tmp_path: Path) -> None:
    two = ("battle.yaml", "    setup:\n", """    hidden:
      - unit: riders
        at: 3
        arrives: blow
        if: supply >= 3
        text: They come early.
      - unit: riders
        at: 3
        arrives: end
        if: supply >= 1
        text: They come late.
    setup:
""")
    campaign = campaign_of(tmp_path, RIDERS, two)
    rules = campaign.battles["fight"]
    for supply, phase, said in ((3, 1, "They come early."), (2, 2, "They come late.")):
        state, log = play(campaign, at_battle(campaign, supply=supply), ["allies_right", "none", "watch", "hold"])
        if phase == 2:
            assert not arrivals(log)
            state, log = play(campaign, state, ["stay"])
        assert rules.current_phase(state.battle) == phase
        assert said in log and len(arrivals(log)) == 1
        other = "They come late." if phase == 1 else "They come early."
        done_log = play(campaign, state, [o for o in ("stay", "wait") if o in campaign.available(state)][:1])[1]
        assert other not in log + done_log


def test_the_surprise_shakes_the_whole_enemy_line_and_the_strike_cuts_down_its_share(tmp_path: Path) -> None:
    campaign = campaign_of(tmp_path, RIDERS, HIDDEN_RIDERS)
    state, _ = play(campaign, at_battle(campaign, supply=2), ["allies_right", "none", "watch"])
    bs = state.battle
    h = campaign.scenario.battles["fight"].hidden[0]
    after = fight.arrive(campaign.battles["fight"], bs, h, log := [])
    assert after.emorale == tuple(max(0, m - 2) for m in bs.emorale)  # `surprise: 2`
    killed = bs.emen[2] * 50 // 100  # `strike: 50` of the men at position 3
    assert after.emen[2] == bs.emen[2] - killed and after.elost == bs.elost + killed
    assert f"{ARRIVAL[0]}{killed * 100:,}{ARRIVAL[1]}" in log


def test_terrain_at_every_position_counts_in_the_defence(tmp_path: Path) -> None:
    walled = campaign_of(tmp_path / "walled", TERRAIN)
    plain = campaign_of(tmp_path / "plain")
    rules = walled.battles["fight"]
    state = at_battle(walled)
    assert rules.ground == ("river", "wall", "rise")
    assert plain.battles["fight"].ground == ("river", "open", "rise")
    terms = {why: n for n, why in fight.defence(rules, state.battle, 1, state.values)}
    assert terms["the wall"] == 3
    # a wall makes the unit there look half as strong again to the enemy, as a river does
    open_state = at_battle(plain)
    assert open_state.battle == state.battle
    assert 2 * fight.strength(rules, state.battle, 1) == 3 * fight.strength(plain.battles["fight"], open_state.battle, 1)


def test_terrain_given_twice_must_agree(tmp_path: Path) -> None:
    folder = mini_variant(tmp_path, ("battle.yaml", "    terrain_right: rise\n",
                                     "    terrain_right: rise\n    terrain: [river, open, open]\n"))
    with pytest.raises(Exception, match="'terrain_right' says rise but 'terrain' says open"):
        load(folder)


def test_a_second_shift_strikes_where_its_own_plan_says(tmp_path: Path) -> None:
    campaign = campaign_of(tmp_path, SECOND_BLOW)
    rules = campaign.battles["fight"]
    foot = campaign.scenario.battles["fight"].roman.index("foot")
    seen_left = 0
    for seed in range(1, 25):
        state, log = play(campaign, at_battle(campaign, supply=2), ["allies_right", "none", "watch", "hold", "stay"],
                          seed)
        assert rules.current_phase(state.battle) == 2, "the second blow asks for an order (nothing hides it)"
        standing = state.battle.status[foot] == IN_LINE
        anyone = IN_LINE in state.battle.status
        state, more = play(campaign, state, ["stay_again"], seed)
        second = more[more.index("[Afternoon] The second blow"):]
        # a blow for each shift, while anyone is left in the line to strike
        assert sum(1 for line in log + more if line.startswith("The blow falls on")) == (2 if anyone else 1)
        if standing:  # the plan masses against the left end while it stands
            seen_left += 1
            assert any("against your left" in line for line in second)
            assert state.battle.struck & 1
    assert seen_left > 0


def test_an_unseen_blow_after_a_seen_one_falls_in_the_same_step(tmp_path: Path) -> None:
    """A second shift that nobody sees (massed against the rise, seen only from the rise) asks for
    no order: on the chance paths where it falls unseen, it falls as soon as the first blow has
    been met, in the same step, and the next question is the crisis."""
    unseen = ("battle.yaml", "          mass_against: left\n          shift_share: 50\n",
              "          mass_against: right\n          shift_share: 50\n          hidden_unless: [commander_on_rise]\n")
    campaign = campaign_of(tmp_path, SECOND_BLOW, unseen)
    rules = campaign.battles["fight"]
    state, _ = play(campaign, at_battle(campaign, supply=2), ["allies_right", "none", "watch", "hold"])
    assert rules.current_phase(state.battle) == 1 and "stay" in campaign.available(state)  # the first, seen
    asked = Counter(rules.current_phase(after.battle)
                    for _, after in enumerate_chance(lambda d: campaign.step(state, "stay", d).state))
    assert set(asked) == {2, 3} and asked[3]  # some paths straight on to the crisis: the second blow unseen
    told = 0
    for seed in range(1, 12):
        after, log = play(campaign, state, ["stay"], seed)
        if rules.current_phase(after.battle) == 3:
            second = log[log.index("[Afternoon] The second blow"):]
            assert not any("You see it happen" in line for line in second)
            told += 1
    assert told


def test_every_man_of_a_blow_is_with_his_unit_or_counted_lost(tmp_path: Path) -> None:
    """Through every blow, on every chance path and for every order against it (horsemen lent to
    the flank among them, whether it holds or breaks, on a line whole or broken by the blow
    before): each man is still with his unit or counted in the day's losses, never both and never
    neither. The line is four wide, so that horsemen can still be lent after a break."""
    thin = ("battle.yaml", "          - id: stay_again\n", """          - id: thin_again
            label: Thin the line
            action: reinforce_flank
          - id: stay_again
""")
    lend = ("battle.yaml", "          - id: stay\n", """          - id: thin
            label: Thin the line
            action: reinforce_flank
          - id: stay
""")
    campaign = campaign_of(tmp_path, SECOND_BLOW, thin, lend, *WIDE)
    rules = campaign.battles["fight"]
    seen, checked, lent_to_a_break, lent_again = set(), 0, 0, 0
    frontier = [at_battle(campaign, supply=s) for s in (0, 2)]
    while frontier:
        state = frontier.pop()
        if state.battle is None or (state.battle, state.values) in seen:
            continue
        seen.add((state.battle, state.values))
        blow = rules.current_phase(state.battle) in (1, 2)
        for order in campaign.available(state):
            for _, after in enumerate_chance(lambda d, s=state, o=order: campaign.step(s, o, d).state):
                if blow and after.battle is not None:
                    before, now = state.battle, after.battle
                    assert sum(now.men) + now.lost - before.lost == sum(before.men), (order, before, now)
                    checked += 1
                    # the flank broke in this blow, with horsemen lent to it: half of them are lost with it,
                    # whether or not the line had broken in the blow before
                    broke_now = len(now.order) > len(before.order)
                    lent_to_a_break += order == "thin" and broke_now
                    lent_again += order == "thin_again" and bool(before.broke) and broke_now
                frontier.append(after)
    assert checked > 100 and lent_to_a_break and lent_again


def test_a_counter_charge_after_a_break_wins_only_when_the_tables_allow(tmp_path: Path) -> None:
    def odds(*edits: tuple[str, str, str]) -> tuple[float, float]:
        campaign = campaign_of(tmp_path / str(len(edits)), *edits)
        done = ends(campaign, at_battle(campaign, supply=0, courage=0),
                    ["allies_right", "keep_some", "blind", "hold", "stay", "charge"])
        broke = [(p, s) for p, s in done if value(campaign, s, "battle.fight.flank_broke")]
        assert broke
        return (sum(p for p, s in broke if value(campaign, s, "battle.fight.victory")),
                sum(p for p, s in broke if value(campaign, s, "battle.fight.held")))

    win, held = odds()
    assert win == 0 and held > 0
    always = ("battle.yaml", "    results:\n", "    tables:\n      charge_breaks: [100, 100, 100, 100, 100, 100, 100]\n"
              "    results:\n")
    win2, held2 = odds(always)
    assert held2 == 0 and win2 == pytest.approx(held)


def test_a_charge_at_the_enemy_commander_wins_or_is_cut_down(tmp_path: Path) -> None:
    campaign = campaign_of(tmp_path, STRIKE)
    rules = campaign.battles["fight"]
    roman = campaign.scenario.battles["fight"].roman
    # every way the day can reach the crisis, then the charge at the commander where it can be made
    eves, frontier = [], [(1.0, at_battle(campaign, supply=2))]
    plan = ["allies_right", "none", "watch", "hold", "stay"]
    while frontier:
        p, s = frontier.pop()
        if s.battle is not None and rules.current_phase(s.battle) == 2:
            eves.append((p, s))
            continue
        order = next(o for o in plan if o in campaign.available(s))
        frontier += [(p * q, s2) for q, s2 in enumerate_chance(lambda d, s=s, o=order: campaign.step(s, o, d).state)]
    struck = [(p, s) for p, s in eves if "strike" in campaign.available(s)]
    assert struck
    won = lost = 0.0
    for p, eve in struck:
        for q, s in enumerate_chance(lambda d, s=eve: campaign.step(s, "strike", d).state):
            if value(campaign, s, "battle.fight.enemy_commander_fell"):
                won += p * q
                assert value(campaign, s, "battle.fight.victory")  # his army gives way, even after a break
            else:  # the riders who tried are cut down, and the day is not won
                lost += p * q
                assert not value(campaign, s, "battle.fight.victory")
                assert any(value(campaign, s, f"battle.fight.{u}.fell") for u in roman)
    assert won > 0 and lost > 0
    _, log = play(campaign, struck[0][1], ["strike"])
    assert any(" ride straight for The Rival and his standard (" in line and "% that they reach him." in line
               for line in log)


def test_a_battle_speaks_in_its_own_words_and_keeps_the_defaults_elsewhere(tmp_path: Path) -> None:
    campaign = campaign_of(tmp_path, ("battle.yaml", "    results:\n",
                                      "    log:\n      archery: \"The volleys cost us {lost} men; {Enemy_commander} "
                                      "loses {elost}.\"\n    results:\n"))
    _, log = play(campaign, at_battle(campaign, supply=2), ["allies_right", "none", "blind", "hold"])
    assert any(line.startswith("The volleys cost us ") and "; The Rival loses " in line for line in log)
    assert "[Morning] Arrows" in log  # a line the battle did not give keeps its default


@pytest.mark.parametrize("template, message", [
    ("{lost.__class__}", "log line 'archery' cannot show {lost.__class__}"),
    ("{lost!r}", "cannot show {lost!r}"),
    ("{lost:>10}", "cannot show {lost:>10}"),
    ("{unit}", "log line 'archery' cannot show {unit}: it may show {lost}, {elost}, {commander}"),
    ("{lost", "write a brace as {{ or }}"),
])
def test_a_log_template_shows_only_its_own_fields(tmp_path: Path, template: str, message: str) -> None:
    folder = mini_variant(tmp_path, ("battle.yaml", "    results:\n", f"    log:\n      archery: '{template}'\n"
                                                                      "    results:\n"))
    with pytest.raises(Exception) as err:
        load(folder)
    text = str(err.value)
    assert message in text
    assert "battle.yaml" in text


def test_an_unknown_log_line_is_named(tmp_path: Path) -> None:
    folder = mini_variant(tmp_path, ("battle.yaml", "    results:\n", "    log:\n      archery_volley: Arrows.\n"
                                                                     "    results:\n"))
    with pytest.raises(Exception, match="there is no log line 'archery_volley'"):
        load(folder)


def test_each_blow_is_met_afresh(tmp_path: Path) -> None:
    """A reserve sent and a flank refused against the first blow do not count against the second."""
    campaign = campaign_of(tmp_path, SECOND_BLOW)
    rules = campaign.battles["fight"]
    met = 0
    for seed in range(1, 15):
        state, log = play(campaign, at_battle(campaign, supply=2),
                          ["allies_right", "keep_some", "watch", "hold", "reserve_in"], seed)
        assert rules.current_phase(state.battle) == 2
        assert state.battle.support >= 0  # the reserve went to the first blow
        assert any("the reserve there in time" in line for line in log)
        state, more = play(campaign, state, ["stay_again"], seed)
        second = [line for line in more if line.startswith("The blow falls on")]
        if second:
            met += 1
            assert "the reserve there in time" not in second[0] and "refused flank" not in second[0]
            assert len(state.battle.order) == len(set(state.battle.order))  # no unit breaks twice
    assert met > 5


def test_the_panic_rolls_both_ways_from_a_blow_inside_the_line(tmp_path: Path) -> None:
    centre = ("battle.yaml", "    setup:\n", "    plan:\n      mass_against: 2\n      shift_share: 60\n    setup:\n")
    campaign = campaign_of(tmp_path, centre)
    tested: set[str] = set()
    for seed in range(1, 40):
        _, log = play(campaign, at_battle(campaign, supply=0, courage=0),
                      ["allies_right", "none", "watch", "press", "stay"], seed)
        if any(line.startswith("The horse break and scatter.") for line in log):
            tested |= {line.split(" are taken in flank")[0] for line in log if " are taken in flank" in line}
    assert tested == {"The foot", "The allies"}  # the neighbours on both sides of the centre


def test_a_strike_can_name_who_rides(tmp_path: Path) -> None:
    named = ("battle.yaml", "            label: Ride for their standard\n            action: strike_at_commander\n",
             "            label: Ride for their standard\n            action: strike_at_commander\n"
             "            unit: allies\n")
    campaign = campaign_of(tmp_path, STRIKE, named)
    state, _ = play(campaign, at_battle(campaign, supply=2), ["allies_right", "none", "watch", "hold", "stay"])
    allies = campaign.scenario.battles["fight"].roman.index("allies")
    rules = campaign.battles["fight"]
    assert state.battle.status[allies] == IN_LINE and state.battle.men[allies] > 0
    _, log = play(campaign, state, ["strike"])
    assert any(line.startswith("The allies ride straight for The Rival") for line in log)
    gone = state.battle._replace(status=tuple(3 if u == allies else s for u, s in enumerate(state.battle.status)))
    reasons = dict((m.id, why) for m, why in rules.decisions(gone, state.values))
    assert reasons["strike"] == "The allies cannot ride now."


@pytest.mark.parametrize("edit, message", [
    (("battle.yaml", "    results:\n", "    tables:\n      charge: [5, 10, 20, 35, 50, 65, 180]\n    results:\n"),
     "'charge' holds percents"),
    (("battle.yaml", "        title: Arrows\n", "        title: Arrows\n        plan:\n          mass_against: left\n"),
     "only a 'shift' phase has a plan of its own"),
    (("battle.yaml", "    setup:\n", "    plan:\n      mass_against: 7\n    setup:\n"),
     "position 7 is not a line position (1..3)"),
    (("battle.yaml", "            label: Wait for night\n            action: hold\n",
      "            label: Wait for night\n            action: hold\n            unit: horse\n"),
     "only a 'strike_at_commander' order names the unit that rides"),
])
def test_battle_data_that_cannot_work_is_refused(tmp_path: Path, edit, message) -> None:
    with pytest.raises(Exception, match=re.escape(message)):
        load(mini_variant(tmp_path, edit))


def test_a_commander_waits_with_his_own_hidden_force(tmp_path: Path) -> None:
    led = ("scenario.yaml", "    name: the riders in the hills\n    kind: cavalry\n",
           "    name: the riders in the hills\n    kind: cavalry\n    commander: captain\n")
    horse = ("scenario.yaml", "    kind: cavalry\n    commander: captain\n", "    kind: cavalry\n")
    campaign = campaign_of(tmp_path, horse, RIDERS, led, HIDDEN_RIDERS)
    rules = campaign.battles["fight"]
    state, _ = play(campaign, at_battle(campaign, supply=2), ["allies_right", "none", "watch"])
    assert state.battle.station == -2
    view = rules.view(state.battle, state.values)
    assert view.station == "with the riders in the hills"
    assert not any(p.commander_here for p in view.positions)
    for pos in range(rules.n):  # he adds nothing to any position's defence while he is away
        assert "The Captain" not in {why for n, why in fight.defence(rules, state.battle, pos, state.values) if n}
    hidden_away = campaign_of(tmp_path / "away", horse, RIDERS, led, HIDDEN_RIDERS)
    state, _ = play(hidden_away, at_battle(hidden_away, supply=0), ["allies_right", "none", "watch"])
    assert state.battle.station != -2  # his force is not there: he stands in the line
