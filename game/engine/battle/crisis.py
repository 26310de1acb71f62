"""The crisis: the last order of the day, resolved at nightfall into victory, a held field, defeat
or rout. A last stand (on foot with the infantry, or after the commander has taken the boat), a
counter-charge, a charge at the enemy commander, a withdrawal, or holding the line until dark."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from game.engine.battle.log import explain
from game.engine.battle.state import (
    BOAT,
    CAPTURED,
    DEFEAT,
    ENCIRCLED,
    FELL,
    FLED,
    HELD,
    IN_LINE,
    KILLED,
    RESERVE,
    ROUTED,
    STANDING,
    STOOD,
    VICTORY,
    WITHDREW,
    WITH_ARMY,
    BattleState,
    band,
    renew,
)
from game.engine.dice import Dice

if TYPE_CHECKING:
    from game.engine.battle.rules import BattleRules

Values = tuple[int, ...]


@dataclass
class Day:
    """What the crisis changes, gathered as it is resolved and closed into the battle state once."""

    bs: BattleState
    men: list[int]
    morale: list[int]
    status: list[int]
    commander: int
    lost: int = 0
    text: list[str] | None = field(default=None, repr=False)

    @classmethod
    def of(cls, bs: BattleState, text: list[str] | None) -> Day:
        return cls(bs, list(bs.men), list(bs.morale), list(bs.status), bs.commander, 0, text)

    def rout(self) -> None:
        """The army is routed: every unit still on the field (in the line, in a last stand or in
        reserve) breaks and runs, in the order of the line, after those that broke before."""
        order = list(self.bs.order)
        line = self.bs.line
        for u in (*line, *(u for u in range(len(self.status)) if u not in line)):
            if self.status[u] in (IN_LINE, STANDING, RESERVE):
                self.status[u] = FLED
                self.morale[u] = 0
                if u not in order:
                    order.append(u)
        self.bs = renew(self.bs, order=tuple(order))

    def close(self, outcome: int, elost: int = 0) -> BattleState:
        bs = self.bs
        return renew(bs, men=tuple(self.men), morale=tuple(self.morale), status=tuple(self.status),
                     commander=self.commander, outcome=outcome, lost=bs.lost + self.lost,
                     elost=bs.elost + elost)


def crisis(r: BattleRules, bs: BattleState, values: Values, action: str, dice: Dice,
           text: list[str] | None, rider: int | None = None) -> BattleState:
    day = Day.of(bs, text)
    if action in ("dismount_stand", "take_boat") or (action == "hold" and bs.broke):
        return _last_stand(r, day, values, action, dice)
    if action == "counter_charge":
        return _charge(r, day, dice)
    if action == "strike_at_commander":
        return _strike(r, day, dice, rider)
    if action == "withdraw":
        return _withdraw(r, day, values, dice)
    r.words.say(text, "hold")  # hold an unbroken line until night
    return day.close(HELD)


def reads_of_men(r: BattleRules, bs: BattleState, values: Values) -> tuple:
    """What the crisis reads of the men of both sides in `bs`, for every order it may be given
    (`BattleRules.last_step_key`): which units have men, and had men at the start; the size of the
    block of a last stand (`_stand_score`) on foot with the whole line, after the boat with the
    loyal allies, and with no one gathered; the odds of a counter-charge (`_charge`); the unit a
    strike at the enemy commander takes when the order names none, and the enemy unit it aims at
    (`_strike`). The men of the units the crisis surrounds and cuts down (`fall_encircled`) are
    not read before they fall."""
    men, status = bs.men, bs.status
    sizes = tuple(_block_size(r, _stand_block(r, bs.line, status, men, values, action)[2])
                  for action in ("dismount_stand", "take_boat", "hold"))
    riders = can_ride(r, status, men, (ENCIRCLED,))
    enemy = bs.emen[bs.target] if bs.target >= 0 else max(bs.emen)
    odds = _charge_odds(r.tables.charge_ratios, sum([men[u] for u in riders]), enemy)
    strikers = [u for u in riders if status[u] != ENCIRCLED]
    rider = max(strikers, key=lambda v: (men[v], -v)) if strikers else -1
    aim = bs.target if bs.target >= 0 else max(range(r.n), key=lambda j: (bs.emen[j], -j))
    return tuple([m > 0 for m in men]), tuple([m > 0 for m in (bs.start or men)]), sizes, odds, rider, aim


def _stand_block(r: BattleRules, line: Sequence[int], status: Sequence[int], men: Sequence[int], values: Values,
                 action: str) -> tuple[int | None, list[int], int]:
    """A last stand's anchor (the unit by the river), the units that join it, and its men."""
    anchor = line[r.river] if r.river is not None else None
    joined = _joining(r, status, men, values, action, anchor)
    block = (men[anchor] if anchor is not None and status[anchor] == IN_LINE else 0) + sum(men[u] for u in joined)
    return anchor, joined, block


def _block_size(r: BattleRules, block: int) -> int:
    low, high = r.tables.stand_block
    return 1 if block >= high else -1 if block < low else 0


def fall_encircled(r: BattleRules, day: Day) -> None:
    """Units still surrounded fall, unless a charge relieves them."""
    men, status = day.men, day.status
    for u in range(len(r.units)):
        if status[u] != ENCIRCLED:
            continue
        fallen = min(men[u], max(1, men[u] * 3 // 10))
        men[u] -= fallen
        day.lost += fallen
        status[u] = FELL
        if u in r.battle.commander_fell:
            r.words.say(day.text, "fall_with_commander", unit=r.units[u].name, fallen=fallen)
        else:
            r.words.say(day.text, "cut_to_pieces", unit=r.units[u].name, fallen=fallen,
                        away=" towards the river" if r.river is not None else " to the rear")


def _joining(r: BattleRules, status: Sequence[int], men: Sequence[int], values: Values, action: str,
             anchor: int | None) -> list[int]:
    """Who joins the last stand: every unit still in line when the commander dismounts; only the
    loyal allies when he has taken the boat; nobody gathers them when he gives no order."""
    if action == "hold":
        return []
    if action == "dismount_stand":
        return [u for u in range(len(r.units)) if status[u] == IN_LINE and u != anchor and men[u] > 0]
    loyal = r.tables.loyalty_cuts[1]  # after the boat, the allies whose loyalty holds
    return [u for u, slot in r.allies if status[u] == IN_LINE and u != anchor and men[u] > 0
            and (values[slot] if slot is not None else 5) >= loyal]


def _last_stand(r: BattleRules, day: Day, values: Values, action: str, dice: Dice) -> BattleState:
    fall_encircled(r, day)
    men, status, bs = day.men, day.status, day.bs
    anchor, joined, block = _stand_block(r, bs.line, status, men, values, action)
    for u in joined:
        status[u] = STANDING
    if anchor is not None and status[anchor] == IN_LINE:
        status[anchor] = STANDING
    score, parts = _stand_score(r, day, action, anchor, bool(joined), block)
    chance = r.tables.stand[band(score, 0, 6)]
    if action == "take_boat":
        r.words.say(day.text, "boat", crossing=f" to {r.model.refuge}" if r.model.refuge else " over the river")
    r.words.say(day.text, "stand_odds", by_river=" by the river" if anchor is not None else "",
                terms=", ".join(parts), chance=chance)
    if dice.pick([chance, 100 - chance]) == 0:
        outcome = DEFEAT
        for u in joined:  # those who joined the stand come out of it shaken
            day.morale[u] = band(day.morale[u] - 1, 0, 4)
        r.words.say(day.text, "stand_holds")
    else:
        outcome = ROUTED
        # the stand is overrun: half of it falls, and it and every unit still on the field are
        # driven off, broken (none of them stood at nightfall, and the record says so)
        for u in joined + ([anchor] if anchor is not None and status[anchor] == STANDING else []):
            part = men[u] // 2
            men[u] -= part
            day.lost += part
        day.rout()
        r.words.say(day.text, "stand_breaks_river" if anchor is not None else "stand_breaks")
        if day.commander == STOOD:
            day.commander = (KILLED, CAPTURED, STOOD)[dice.pick(r.tables.fate)]
            key = {KILLED: "fate_killed", CAPTURED: "fate_captured", STOOD: "fate_escaped"}[day.commander]
            r.words.say(day.text, key)
    return day.close(outcome)


def _stand_score(r: BattleRules, day: Day, action: str, anchor: int | None, joined: bool,
                 block: int) -> tuple[int, list[str]]:
    """The last stand's score and its parts for the log (the labels are the battle's own words)."""
    w = r.words
    text = day.text is not None
    score = 2 if anchor is not None else 0
    parts = [f"{w.line('term_river')} +2"] if anchor is not None and text else []
    score += 2
    if text:
        parts.append(f"{w.line('term_shields')} +2")
    if anchor is not None:
        m = day.morale[anchor] - 3 - day.bs.fatigue[anchor]
        score += m
        if text:
            parts.append(f"{w.line('term_foot_state')} {m:+d}")
    if action == "dismount_stand":
        score += 1
        if text:
            parts.append(f"{w.line('term_on_foot')} +1")
        day.commander = STOOD
        day.bs = renew(day.bs, stood=1)
    elif action == "take_boat":
        score -= 1
        day.commander = BOAT
        if text:
            parts.append(f"{w.line('term_standard_gone')} -1")
        if joined:
            score += 1
            if text:
                parts.append(f"{w.line('term_allies_join')} +1")
    else:
        score -= 1
        if text:
            parts.append(w.line("term_no_one_gathers"))
    size = _block_size(r, block)
    score += size
    if size and text:
        parts.append(f"{w.line('term_block', men=block)} {size:+d}")
    return score, parts


def can_ride(r: BattleRules, status: Sequence[int], men: Sequence[int], also: tuple[int, ...] = ()) -> list[int]:
    """The player's horse that can ride: in the line or in reserve (or `also` so), with men left."""
    able = (IN_LINE, RESERVE) + also
    return [u for u in r.mounted if status[u] in able and men[u] > 0]


def _relieve(status: list[int]) -> None:
    """A charge that succeeds frees the units the panic left surrounded."""
    for u, st in enumerate(status):
        if st == ENCIRCLED:
            status[u] = IN_LINE


def _charge_odds(ratios: list[int], force: int, enemy: int) -> int:
    for odds, at in zip((2, 1, 0, -1), ratios):
        if force * 100 >= at * enemy:
            return odds
    return -2


def _charge(r: BattleRules, day: Day, dice: Dice) -> BattleState:
    bs, men, status = day.bs, day.men, day.status
    riders = can_ride(r, status, men, (ENCIRCLED,))
    force = sum(men[u] for u in riders)
    aim = bs.target if bs.target >= 0 else 0
    enemy = bs.emen[bs.target] if bs.target >= 0 else max(bs.emen)
    odds = _charge_odds(r.tables.charge_ratios, force, enemy)
    terms = [
        (-max((bs.fatigue[u] for u in riders), default=0), "tired horses"),
        (3 - bs.emorale[aim], "enemy resolve"),
        (-1, "the line already broken") if bs.broke else (2, "the line unbroken"),
        (r.tables.after_repulse if bs.repulsed else 0, "his blow thrown back"),
    ]
    score = band(odds + sum(n for n, _ in terms), 0, 6)
    chance = r.tables.charge[score]
    if day.text is not None:
        r.words.say(day.text, "charge_odds", force=force, enemy=enemy, odds=odds, terms=explain(terms),
                    chance=chance)
    if dice.pick([chance, 100 - chance]) == 0:
        _relieve(status)
        outcome = VICTORY if not bs.broke else HELD
        breaks = r.tables.charge_breaks[score] if bs.broke else 0
        if breaks and dice.pick([breaks, 100 - breaks]) == 0:
            outcome = VICTORY
            r.words.say(day.text, "charge_breaks_attacker")
        else:
            r.words.say(day.text, "charge_victory" if outcome == VICTORY else "charge_held")
        return day.close(outcome, bs.emen[aim] // 3)
    fall_encircled(r, day)
    order = bs.order
    for u in riders:
        part = men[u] // 3
        men[u] -= part
        day.lost += part
        if status[u] != FELL:
            status[u] = FLED
            if u not in order:
                order += (u,)
    day.bs = renew(bs, order=order)
    r.words.say(day.text, "charge_fails")
    if bs.broke:
        day.commander = (KILLED, CAPTURED, WITH_ARMY)[dice.pick(r.tables.fate)]
        if day.commander != WITH_ARMY:
            r.words.say(day.text, "charge_killed" if day.commander == KILLED else "charge_captured")
    return day.close(ROUTED if bs.broke else DEFEAT)


def _strike(r: BattleRules, day: Day, dice: Dice, rider: int | None) -> BattleState:
    """A charge straight at the enemy commander and his standard, by the order's unit or the
    strongest body of horse left: if it reaches him, his army loses its head and gives way; if
    not, the riders are lost."""
    bs, men, status = day.bs, day.men, day.status
    u = rider if rider is not None else max(can_ride(r, status, men), key=lambda v: (men[v], -v))
    aim = bs.target if bs.target >= 0 else max(range(r.n), key=lambda j: (bs.emen[j], -j))
    terms = [
        (bs.morale[u] - 3, "morale"),
        (-bs.fatigue[u], "tired horses"),
        (r.tables.experience[r.units[u].experience], r.units[u].experience),
        (3 - bs.emorale[aim], "enemy resolve"),
        (-1, "the line already broken") if bs.broke else (1, "the line unbroken"),
    ]
    chance = r.tables.strike[band(3 + sum(n for n, _ in terms), 0, 6)]
    if day.text is not None:
        r.words.say(day.text, "strike_odds", unit=r.units[u].name, terms=explain(terms) or "no modifiers",
                    chance=chance)
    if dice.pick([chance, 100 - chance]) == 0:
        _relieve(status)
        part = men[u] // 5
        men[u] -= part
        day.lost += part
        day.bs = renew(bs, efell=1)
        r.words.say(day.text, "strike_succeeds", unit=r.units[u].name)
        return day.close(VICTORY, bs.emen[aim] // 3)
    fall_encircled(r, day)
    part = men[u] // 3
    men[u] -= part
    day.lost += part
    status[u] = FELL
    r.words.say(day.text, "strike_fails", unit=r.units[u].name)
    return day.close(DEFEAT if bs.broke else HELD)


def _withdraw(r: BattleRules, day: Day, values: Values, dice: Dice) -> BattleState:
    fall_encircled(r, day)
    # with no unit left in the line or in reserve, nothing falls back in order: the flight goes on
    kept = False
    if any(s in (IN_LINE, RESERVE) and m > 0 for s, m in zip(day.status, day.men)):
        t = r.tables
        d = values[r.discipline_slot] if r.discipline_slot is not None else 5
        level = sum(1 for c in t.discipline_cuts if d >= c)
        chance = band(t.withdraw_order[level] - (t.withdraw_broken if day.bs.broke else 0), 5, 95)
        r.words.say(day.text, "withdraw_odds", to_retreat=f" towards {r.model.retreat}" if r.model.retreat else "",
                    chance=chance)
        kept = dice.pick([chance, 100 - chance]) == 0
    for u in range(len(r.units)):
        if day.status[u] != FELL:
            part = day.men[u] // 10 if kept else day.men[u] // 3
            day.men[u] -= part
            day.lost += part
    if kept:  # the field is left to the enemy, whether or not a flank broke before
        r.words.say(day.text, "withdraw_kept")
        return day.close(WITHDREW)
    day.rout()
    r.words.say(day.text, "withdraw_rout")
    return day.close(ROUTED)
