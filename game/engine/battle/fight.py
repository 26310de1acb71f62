"""The fighting before the crisis: archery, the enemy's shifts and the assault that follows each,
panic rolling the line up from a broken unit, and hidden forces coming down on the enemy.

Every chance event is one `dice.pick`, with a handful of outcomes and weights from small integer
scores read from the battle's tables; every roll is explained in the log with its odds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from game.engine.battle.log import explain
from game.engine.battle.state import (
    ENCIRCLED,
    FATIGUE_NAMES,
    FLED,
    HIDDEN,
    IN_LINE,
    MORALE_NAMES,
    RESERVE,
    WITH_ARMY,
    BattleState,
    band,
    renew,
)
from game.engine.dice import Dice
from game.scenario.compiled import CHidden

if TYPE_CHECKING:
    from game.engine.battle.rules import BattleRules
    from game.scenario.battle_models import EnemyPlan

Values = tuple[int, ...]


def side_of(r: BattleRules, pos: int) -> str:
    return "left" if pos == 0 else "right" if pos == r.n - 1 else "centre"


# -- archery -------------------------------------------------------------------------------------
def archery(r: BattleRules, bs: BattleState, action: str, text: list[str] | None) -> BattleState:
    men, emen, fatigue = list(bs.men), list(bs.emen), list(bs.fatigue)
    watch = bs.watch
    press = 1 if action == "advance" else 0
    lost = elost = 0
    for pos, u in enumerate(bs.line):
        if bs.status[u] != IN_LINE or men[u] <= 0 or emen[pos] <= 0:
            continue
        kind = r.kinds[u]
        volume = (emen[pos] + 19) // 20
        rl = min(men[u], max(0, volume - kind.armour) + press)
        el = min(emen[pos], (kind.pierce if men[u] >= 10 else 1) + press)
        men[u] -= rl
        emen[pos] -= el
        lost += rl
        elost += el
        if press:
            fatigue[u] = band(fatigue[u] + 1, 0, 2)
    if action == "watch_rise":
        watch = 1
        r.words.say(text, "watch_rise")
    r.words.say(text, "archery", lost=lost, elost=elost)
    return renew(bs, men=tuple(men), emen=tuple(emen), fatigue=tuple(fatigue),
                 watch=watch, lost=bs.lost + lost, elost=bs.elost + elost)


# -- hidden forces -------------------------------------------------------------------------------
def arrive(r: BattleRules, bs: BattleState, h: CHidden, text: list[str] | None) -> BattleState:
    """A hidden force comes down on the enemy at its position: it cuts down part of the men there
    and shakes the whole enemy line; then it is free to ride with the rest of the cavalry."""
    if bs.status[h.unit] != HIDDEN:
        return bs
    emen, emorale, status = list(bs.emen), list(bs.emorale), list(bs.status)
    killed = emen[h.at] * h.strike // 100
    emen[h.at] -= killed
    for j in range(r.n):
        emorale[j] = band(emorale[j] - h.surprise, 0, 4)
    status[h.unit] = RESERVE
    if text is not None:
        if h.text:
            text.append(h.text.rstrip())
        r.words.say(text, "hidden_arrives", unit=r.units[h.unit].name, enemy_unit=r.enemies[h.at].name,
                    killed=killed)
    return renew(bs, emen=tuple(emen), emorale=tuple(emorale), status=tuple(status), arrived=1,
                 elost=bs.elost + killed)


# -- the enemy's shift ---------------------------------------------------------------------------
def strength(r: BattleRules, bs: BattleState, pos: int, values: Values | None = None) -> int:
    """How strong a position looks to the enemy commander: what he judges 'weakest' by."""
    u = bs.line[pos]
    unit = r.units[u]
    t = r.tables
    loyalty = 3
    if values is not None and unit.id in r.battle.loyalty_slots:
        loyalty = 2 if values[r.battle.loyalty_slots[unit.id]] < t.loyalty_cuts[1] else 3
    ground = 3 if t.terrain[r.ground[pos]] >= 2 else 2
    return (bs.men[u] * (bs.morale[u] + 1) * t.experience_weight[unit.experience] * r.kinds[u].weight
            * loyalty * ground)


def plan_of(r: BattleRules, p: int) -> EnemyPlan:
    return r.battle.plans[p] if r.battle.plans else r.model.plan


def target(r: BattleRules, bs: BattleState, values: Values | None, plan: EnemyPlan) -> int:
    """Where the enemy masses: an end (or the unit still standing nearest it), the weaker end still
    standing, or the weakest unit in the line; -1 when no unit is left in the line to strike."""
    standing = [pos for pos, u in enumerate(bs.line) if bs.status[u] == IN_LINE]
    if not standing:
        return -1
    if plan.mass_against == "left":  # the left end, or the first unit still standing from it
        return standing[0]
    if plan.mass_against == "right":
        return standing[-1]
    if isinstance(plan.mass_against, int):  # a position (1 = left), or the unit standing nearest it
        at = plan.mass_against - 1
        return min(standing, key=lambda pos: (abs(pos - at), pos))
    ends = [pos for pos in (0, r.n - 1) if pos in standing]
    if plan.mass_against == "weakest_flank" and len(ends) == 2:
        left, right = strength(r, bs, 0, values), strength(r, bs, r.n - 1, values)
        return 0 if left < right else r.n - 1
    candidates = ends if plan.mass_against == "weakest_flank" and ends else standing
    return min(candidates, key=lambda pos: (strength(r, bs, pos, values), pos))


def sees_shift(r: BattleRules, bs: BattleState, values: Values, p: int) -> bool:
    """Will the enemy's shift in phase p be seen? The same judgement of the weakest position as
    `blow` makes (loyalty counts), or the player would be asked for orders against a blow that
    then falls unseen."""
    plan = plan_of(r, p)
    t = target(r, bs, values, plan)
    if t < 0 or r.ground[t] != "rise":
        return True
    if "watch_rise" in plan.hidden_unless and bs.watch:
        return True
    if "commander_on_rise" in plan.hidden_unless and bs.station == -1:
        return True
    return any(s.reveal and s.cond.fn(values) for s in r.battle.setup)


def blow(r: BattleRules, bs: BattleState, values: Values, p: int, action: str,
         text: list[str] | None) -> tuple[BattleState, tuple[tuple[int, int], ...], int] | None:
    """The enemy's shift up to the assault (no chance in it): where he masses, whether it is seen,
    the player's order against it, the archery that pins the rest of the line. None when no unit
    is left in the line to strike."""
    plan = plan_of(r, p)
    aim = target(r, bs, values, plan)
    if aim < 0:
        return None
    # each blow is met afresh: no reserve sent, no flank refused, nothing thrown back yet
    bs = renew(bs, support=-1, refused=0, repulsed=0)
    seen = sees_shift(r, bs, values, p)
    emen = list(bs.emen)
    moved = 0
    for j in range(r.n):
        if j != aim:
            take = emen[j] * plan.shift_share // 100
            emen[j] -= take
            moved += take
    emen[aim] += moved
    side = side_of(r, aim)
    if seen:
        his = {"left": "right", "right": "left"}.get(side, side)
        r.words.say(text, "shift_seen", moved=moved, side=side, his_side=his)
    else:
        r.words.say(text, "shift_hidden", moved=moved, side=side, terrain=r.ground[aim])
    bs = renew(bs, emen=tuple(emen), target=aim, seen=int(seen), struck=bs.struck | 1 << aim)
    bs, lent, extra = _meet(r, bs, aim, side, action if seen else "hold", text)
    lost = elost = 0
    if plan.pin_with_archery:
        # the rest of the enemy line keeps shooting, so that no unit can move
        men, emen = list(bs.men), list(bs.emen)
        for pos, u in enumerate(bs.line):
            if pos != aim and bs.status[u] == IN_LINE and men[u] > 0 and emen[pos] > 0:
                men[u] -= 1
                emen[pos] -= 1
                lost += 1
                elost += 1
        bs = renew(bs, men=tuple(men), emen=tuple(emen))
        r.words.say(text, "pinned")
    return renew(bs, lost=bs.lost + lost, elost=bs.elost + elost), tuple(lent), extra


def _meet(r: BattleRules, bs: BattleState, aim: int, side: str, action: str,
          text: list[str] | None) -> tuple[BattleState, list[tuple[int, int]], int]:
    """The player's order against a blow that was seen: the reserve, horsemen lent from the rest
    of the line, a refused flank, or the whole line stepping back."""
    men, status, emorale = list(bs.men), list(bs.status), list(bs.emorale)
    support, extra, refused = bs.support, bs.extra, bs.refused
    lent: list[tuple[int, int]] = []  # (unit, men) thinned out to reinforce the flank
    if action == "send_reserve" and bs.reserve >= 0:
        support = bs.reserve
        status[support] = IN_LINE
        r.words.say(text, "reserve_sent", unit=r.units[support].name, side=side)
    elif action == "reinforce_flank":
        for pos, u in enumerate(bs.line):
            if pos != aim and bs.status[u] == IN_LINE and r.kinds[u].mounted:
                take = men[u] // 4
                men[u] -= take
                extra += take
                lent.append((u, take))
        r.words.say(text, "reinforce", extra=extra, side=side)
    elif action == "refuse_flank":
        refused = 1
        r.words.say(text, "refuse", side=side)
    elif action == "pull_back":
        refused = 1
        for j in range(r.n):
            emorale[j] = band(emorale[j] + 1, 0, 4)
        r.words.say(text, "pull_back", towards=" towards the river" if r.river is not None else "")
    bs = renew(bs, men=tuple(men), status=tuple(status), support=support, extra=extra, refused=refused,
               emorale=tuple(emorale))
    return bs, lent, extra


def return_lent(bs: BattleState, lent: Sequence[tuple[int, int]], extra: int, broke: bool) -> BattleState:
    """The squadrons thinned out to reinforce a flank ride back to their own units once the blow
    has been met; if the flank broke, half of them were lost with it (counted by `assault`)."""
    survivors = extra - extra // 2 if broke else extra
    men = list(bs.men)
    back = 0
    for u, take in lent:
        give = take * survivors // extra
        men[u] += give
        back += give
    return renew(bs, men=tuple(men), extra=0, lost=bs.lost + survivors - back)


# -- the assault ---------------------------------------------------------------------------------
def defence(r: BattleRules, bs: BattleState, pos: int, values: Values) -> list[tuple[int, str]]:
    """The defending unit's modifiers at a position, as (points, why) pairs: its score is their
    sum, and the log shows those that are not zero (`explain`)."""
    u = bs.line[pos]
    unit = r.units[u]
    t = r.tables
    morale, fatigue = bs.morale[u], bs.fatigue[u]
    ground = r.ground[pos]
    on_hand = bs.station == pos or (bs.station == -1 and ground == "rise")
    terms = [
        (morale - 3, MORALE_NAMES[morale]),
        (-fatigue, FATIGUE_NAMES[fatigue]),
        (t.experience[unit.experience], unit.experience),
        (t.terrain[ground], "the " + ground),
        (r.kinds[u].shield_wall, "shield wall"),
        (bs.refused, "refused flank"),
        (1 if on_hand and bs.commander == WITH_ARMY else 0, r.commander_name),
    ]
    slot = r.battle.loyalty_slots.get(unit.id)
    if slot is not None:
        q, cuts = values[slot], t.loyalty_cuts
        terms.append((-2 if q < cuts[0] else -1 if q < cuts[1] else 1 if q >= cuts[2] else 0, "loyalty"))
    return terms


def defence_score(r: BattleRules, bs: BattleState, pos: int, values: Values) -> int:
    """The sum of `defence`'s terms, worked out without naming them: what every roll reads (the
    log names the terms)."""
    u = bs.line[pos]
    score = bs.morale[u] - 3 - bs.fatigue[u] + r.steadiness[u][pos] + bs.refused
    station = bs.station
    if bs.commander == WITH_ARMY and (station == pos or (station == -1 and r.ground[pos] == "rise")):
        score += 1
    slot = r.loyalty_of[u]
    if slot is not None:
        q, cuts = values[slot], r.tables.loyalty_cuts
        score += -2 if q < cuts[0] else -1 if q < cuts[1] else 1 if q >= cuts[2] else 0
    return score


def _attack_odds(ratios: list[int], attack: int, defend: int) -> int:
    """+3 .. -2 to the attack, by attackers per 100 defenders against the tables' ratios."""
    for odds, at in zip((3, 2, 1, 0, -1), ratios):
        if attack * 100 >= at * defend:
            return odds
    return -2


def assault(r: BattleRules, bs: BattleState, values: Values, dice: Dice,
            text: list[str] | None) -> BattleState:
    t = bs.target
    u = bs.line[t]
    attack = bs.emen[t]
    defend = bs.men[u] + bs.extra + (bs.men[bs.support] if bs.support >= 0 else 0)
    odds = _attack_odds(r.tables.assault_ratios, attack, max(1, defend))
    met = r.tables.met_in_time if bs.seen and bs.support >= 0 else 0
    net = band(defence_score(r, bs, t, values) + 3 - bs.emorale[t] + met - odds, -4, 4)
    weights = r.tables.assault[net + 4]
    if text is not None:
        terms = defence(r, bs, t, values)
        terms.append((3 - bs.emorale[t], "enemy resolve"))
        if met:
            terms.append((met, "the reserve there in time"))
        total = sum(weights) or 1
        r.words.say(text, "blow", unit=r.units[u].name, attack=attack, defend=defend,
                    ratio=f"{attack / max(1, defend):.1f}", odds=odds, terms=explain(terms) or "no modifiers",
                    net=net, repulse=100 * weights[0] // total, hold=100 * weights[1] // total,
                    broken=100 * weights[2] // total)
    roll = dice.pick(weights)
    if roll == 0:
        return _repulsed(r, bs, t, u, text)
    if roll == 1:
        return _held(r, bs, t, u, text)
    return _broken(r, bs, u, values, dice, text)


def _repulsed(r: BattleRules, bs: BattleState, t: int, u: int, text: list[str] | None) -> BattleState:
    men, emen, emorale = list(bs.men), list(bs.emen), list(bs.emorale)
    e = emen[t] // 5
    emen[t] -= e
    emorale[t] = band(emorale[t] - 1, 0, 4)
    lost = men[u] // 20
    men[u] -= lost
    r.words.say(text, "repulsed", unit=r.units[u].name)
    return renew(bs, men=tuple(men), emen=tuple(emen), emorale=tuple(emorale), repulsed=1,
                 lost=bs.lost + lost, elost=bs.elost + e)


def _held(r: BattleRules, bs: BattleState, t: int, u: int, text: list[str] | None) -> BattleState:
    men, morale, emen = list(bs.men), list(bs.morale), list(bs.emen)
    e = emen[t] // 10
    lost = men[u] // 10
    emen[t] -= e
    men[u] -= lost
    morale[u] = band(morale[u] - 1, 1, 4)
    r.words.say(text, "flank_holds", unit=r.units[u].name)
    return renew(bs, men=tuple(men), morale=tuple(morale), emen=tuple(emen),
                 lost=bs.lost + lost, elost=bs.elost + e)


def _broken(r: BattleRules, bs: BattleState, u: int, values: Values, dice: Dice,
            text: list[str] | None) -> BattleState:
    """The flank breaks: its unit (and the reserve sent to it) flee, and panic rolls the line up
    from there: each neighbour in turn tests its nerve, away from the end that broke (both ways
    from a unit inside the line), until one holds."""
    men, morale, status = list(bs.men), list(bs.morale), list(bs.status)
    lost = _flee(u, men, morale, status)
    order = bs.order + (u,)
    if bs.support >= 0 and status[bs.support] == IN_LINE and bs.support not in order:
        lost += _flee(bs.support, men, morale, status)
        order += (bs.support,)
    lost += bs.extra // 2  # the men lent to the flank share its fate; the rest go back at dusk
    r.words.say(text, "flank_breaks", unit=r.units[u].name)
    t = bs.target
    for step in ((-1,) if t == r.n - 1 else (1,) if t == 0 else (1, -1)):
        more, order = _roll(r, bs, values, dice, text, t + step, step, (men, morale, status), order)
        lost += more
    return renew(bs, men=tuple(men), morale=tuple(morale), status=tuple(status), broke=1, order=order,
                 lost=bs.lost + lost)


def _flee(u: int, men: list[int], morale: list[int], status: list[int]) -> int:
    """A unit breaks and runs: a quarter of its men are lost (returned), the rest flee, broken."""
    part = men[u] // 4
    men[u] -= part
    morale[u] = 0
    status[u] = FLED
    return part


def _roll(r: BattleRules, bs: BattleState, values: Values, dice: Dice, text: list[str] | None, pos: int,
          step: int, units: tuple[list[int], list[int], list[int]], order: tuple[int, ...]) -> tuple[int, tuple[int, ...]]:
    """Panic rolls one way along the line from `pos`, on the units' men, morale and status as the
    break left them (`units`, changed in place): the men lost and the order units broke in. Each
    unit's nerve is its own as the day stood before the break (`bs`): nothing before its own test
    touched it."""
    men, morale, status = units
    lost = 0
    while 0 <= pos < r.n:
        u = bs.line[pos]
        if status[u] != IN_LINE or men[u] <= 0:
            pos += step
            continue
        chance = r.tables.panic[band(defence_score(r, bs, pos, values) - 1, -3, 4) + 3]  # flanked: -1
        if text is not None:
            terms = defence(r, bs, pos, values)
            terms.append((-1, "flanked"))
            r.words.say(text, "flanked", unit=r.units[u].name, terms=explain(terms), chance=chance)
        if dice.pick([100 - chance, chance]) == 1:
            lost += _flee(u, men, morale, status)
            order += (u,)
            r.words.say(text, "panic_breaks", unit=r.units[u].name)
            pos += step
            continue
        morale[u] = band(morale[u] - 1, 1, 4)
        if not r.kinds[u].shield_wall or pos not in (0, r.n - 1):
            status[u] = ENCIRCLED
            r.words.say(text, "encircled", unit=r.units[u].name)
        else:
            r.words.say(text, "hold_firm", unit=r.units[u].name)
        break
    return lost, order
