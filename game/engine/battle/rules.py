"""The rules of one battle: its decisions, its steps, and what it writes back at nightfall.

The fighting itself is in `fight.py` (archery, the enemy's shifts, the assault, panic, hidden
forces) and `crisis.py` (the last order of the day); the view in `view.py`. Every number comes
from the battle's `tables` and every sentence from its `log` (game/scenario/battle_models.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from operator import itemgetter
from typing import Any

from game.engine.battle import crisis, fight
from game.engine.battle.log import Words, cap
from game.engine.battle.state import (
    ABSENT,
    BOAT,
    CAPTURED,
    DEFEAT,
    ENCIRCLED,
    FELL,
    FLED,
    HELD,
    HIDDEN,
    IN_LINE,
    KILLED,
    PENDING,
    RESERVE,
    ROUTED,
    STANDING,
    STOOD,
    VICTORY,
    WITHDREW,
    WITH_ARMY,
    WITH_HIDDEN,
    BattleResult,
    BattleState,
    Roll,
    band,
    renew,
)
from game.engine.battle.view import BattleView, battle_view
from game.engine.dice import Dice
from game.engine.errors import EngineError
from game.engine.state import apply_effects
from game.engine.views import Option
from game.scenario.compiled import CBattle, COrder, CompiledScenario

# the battle's results (scenario `results`) that `finish` writes, in the order it writes them
RESULT_FLAGS = ("fought", "victory", "held", "defeat", "routed", "withdrew", "flank_broke", "shift_seen", "stood",
                "boat", "commander_killed", "commander_captured")
RESULT_QUANTITIES = ("roman_losses", "enemy_losses")
# the day's record flags that `write_record` writes, in the order it writes them
RECORD_FLAGS = ("fought", "victory", "held", "defeat", "routed", "withdrew", "struck_left", "struck_right",
                "flank_broke", "shift_seen", "commander_with_army", "commander_stood", "commander_boat", "commander_killed",
                "commander_captured", "enemy_commander_fell", "hidden_arrived")
_FIELDS = BattleState._fields
OUTCOME_KEYS = {VICTORY: "outcome_victory", HELD: "outcome_held", DEFEAT: "outcome_defeat", ROUTED: "outcome_routed",
                WITHDREW: "outcome_withdrew"}


def _fields_but(left_out: set[str]) -> Callable[[BattleState], tuple]:
    """A battle state's fields but those `left_out`, as a plain tuple in their order."""
    return itemgetter(*[i for i, f in enumerate(_FIELDS) if f not in left_out])


class BattleRules:
    """The battle model for one battle of a compiled scenario."""

    def __init__(self, battle: CBattle, scenario: CompiledScenario):
        self.battle = battle
        self.model = battle.model
        self.tables = battle.model.tables
        self.n = len(battle.default_line)
        self.ndeploy = len(battle.deployment)
        self.units = [battle.unit_models[u] for u in battle.roman]
        self.enemies = [battle.unit_models[u] for u in battle.enemy]
        self.kinds = [self.tables.kinds[u.kind] for u in self.units]
        self.mounted = tuple(u for u, kind in enumerate(self.kinds) if kind.mounted)  # the player's horse
        # what a unit's defence owes to its training, its kind and the ground, at each position of the line
        self.steadiness = [[self.tables.experience[unit.experience] + self.tables.terrain[g] + kind.shield_wall
                            for g in battle.ground] for unit, kind in zip(self.units, self.kinds)]
        self.loyalty_of = [battle.loyalty_slots.get(unit.id) for unit in self.units]  # each unit's loyalty's slot
        # the allied units (they have a loyalty), each with the campaign value it is read from
        self.allies = tuple((u, battle.loyalty_slots.get(unit.id)) for u, unit in enumerate(self.units)
                            if unit.loyalty is not None)
        self.phases = self.model.phases
        self.ground = battle.ground
        leader, foe = scenario.character(self.model.commander), scenario.character(self.model.enemy_commander)
        commander = leader.name if leader is not None else "the commander"
        enemy = foe.name if foe is not None else "the enemy"
        self.commander_name = commander
        self.words = Words(battle.log, commander, enemy)
        self.river = next((i for i, g in enumerate(self.ground) if g == "river"), None)
        slot = scenario.namespace.slots.get(self.model.discipline or "")
        self.discipline_slot = slot.index if slot is not None else None
        self.layout = scenario.layout  # the range of every campaign value, for what the battle writes back
        self.commander_unit = next(
            (i for i, u in enumerate(self.units) if u.commander == self.model.commander), None
        )
        self._slots(battle)
        self._orders = [{order.model.id: order for order in row} for row in battle.orders]  # ids are unique
        self._phase_setups = [tuple(st for st in battle.setup if st.phase == p) for p in range(len(self.phases))]
        self._end = self.ndeploy + len(self.phases)  # the step at nightfall
        self._dead = [self._dead_at(t) for t in range(self._end + 1)]
        self._kept = [_fields_but(dead) for dead in self._dead]  # what `remembered` keeps at each step
        self.changes = tuple(sorted(battle.writes))  # every campaign value the battle can change

    def _slots(self, battle: CBattle) -> None:
        """Where `finish` writes the day's result, worked out once: (result index, slot) pairs."""
        r = battle.results
        self._flag_slots = tuple((k, r[key].index) for k, key in enumerate(RESULT_FLAGS) if key in r)
        self._quantity_slots = tuple(
            (k, r[key].index, r[key].lo, r[key].hi) for k, key in enumerate(RESULT_QUANTITIES) if key in r
        )
        self._broke_slots = tuple((u, slot.index) for u, slot in battle.unit_broke.items())
        self._fell_slots = tuple((u, slot.index) for u, slot in battle.commander_fell.items())
        self._unit_slots = tuple(
            (u, m, self.layout[m].lo, self.layout[m].hi, mo, fa)
            for u, (m, mo, fa) in enumerate(battle.unit_slots[uid] for uid in battle.roman)
        )
        # the record's slots (game/scenario/record.py): per unit (broke, fled, fell, stood, lost),
        # and the day's, in the order of RECORD_FLAGS
        self._record_units = tuple(
            (f["broke"], f["fled"], f["fell"], f["stood"], f["lost"]) for f in battle.unit_record)
        rec = battle.record
        self._record_flags = tuple(rec[name] for name in RECORD_FLAGS)
        self._record_counts = (rec["broken"], rec["roman_losses"], rec["enemy_losses"])

    def _dead_at(self, t: int) -> set[str]:
        """The fields of the battle state that nothing from step t on reads (see `remembered`)."""
        p = t - self.ndeploy
        rest = range(max(p, 0), len(self.phases))
        if p < 0 or any(self.phases[q].kind == "shift" for q in rest):
            return set()
        actions = {order.model.action for q in rest for order in self.battle.orders[q]}
        dead = ["station", "support", "extra", "refused"]
        dead += [f for f, order in (("watch", "watch_rise"), ("reserve", "send_reserve")) if order not in actions]
        return set(dead)

    # -- beginning ---------------------------------------------------------------------------
    def begin(self, values: tuple[int, ...]) -> BattleState:
        b = self.battle
        nr = len(b.roman)
        men, morale, fatigue = [], [], []
        for uid in b.roman + b.enemy:
            m, mo, fa = b.unit_slots[uid]
            men.append(values[m])
            morale.append(values[mo])
            fatigue.append(values[fa])
        for s in b.setup:
            if s.phase is None and s.cond.fn(values):
                for i in s.units:
                    men[i] = max(0, men[i] + s.men)
                    morale[i] = band(morale[i] + s.morale, 0, 4)
                    fatigue[i] = band(fatigue[i] + s.fatigue, 0, 2)
        line = b.default_line
        status, waiting = self._statuses(line, -1, tuple(men[:nr]), values, self.ndeploy == 0)
        station = self._with_hidden(status, self._default_station(line))
        return BattleState(
            step=0, line=line, reserve=-1, station=station, watch=0,
            men=tuple(men[:nr]), morale=tuple(morale[:nr]), fatigue=tuple(fatigue[:nr]), status=status,
            emen=tuple(men[nr:]), emorale=tuple(morale[nr:]),
            target=-1, seen=0, support=-1, extra=0, refused=0, broke=0, outcome=PENDING,
            commander=WITH_ARMY, lost=0, elost=0, stood=0, order=(), start=tuple(men[:nr]), waiting=waiting,
        )

    def _statuses(self, line: tuple[int, ...], reserve: int, men: tuple[int, ...], values: tuple[int, ...],
                  deployed: bool) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Each unit in the line or not, and, once the army is deployed, the hidden forces waiting
        out of sight: for each unit named in `hidden` and placed neither in the line nor as the
        reserve, the first entry whose `if` holds now (on the values after deployment). A unit
        with no such entry is not on the field at all."""
        status = [RESERVE] * len(self.units)
        for u in line:
            status[u] = IN_LINE
        waiting: list[int] = []
        if deployed:
            hidden = self.battle.hidden
            for u in dict.fromkeys(h.unit for h in hidden):
                if status[u] != RESERVE or u == reserve:
                    continue  # placed in the line or kept as the reserve: not hidden
                k = next((k for k, h in enumerate(hidden) if h.unit == u and men[u] > 0
                          and (h.cond is None or h.cond.fn(values))), None)
                status[u] = ABSENT if k is None else HIDDEN
                if k is not None:
                    waiting.append(k)
        return tuple(status), tuple(sorted(waiting))

    def _with_hidden(self, status: tuple[int, ...], station: int) -> int:
        """The commander's station: with his own hidden force while it waits, else as it is."""
        hidden = self.commander_unit is not None and status[self.commander_unit] == HIDDEN
        return WITH_HIDDEN if hidden else station

    def _default_station(self, line: tuple[int, ...]) -> int:
        if self.commander_unit is not None and self.commander_unit in line:
            return line.index(self.commander_unit)
        return self.n // 2

    def remembered(self, bs: BattleState) -> tuple:
        """For the explorer: the fields of `bs` that some later part of the battle reads (a plain
        tuple of them, in order): states alike in these play out alike, to the last value the
        battle writes back.

        Only the shift reads the commander's station, the support, the extra men and the refused
        flank; besides the shift, only the order to watch the rise reads `watch`, and only the
        order to send the reserve reads `reserve` (deployment reads everything). What merely
        carries a field along unchanged does not count as reading it.
        """
        return self._kept[bs.step](bs)

    # -- decisions ---------------------------------------------------------------------------
    def current_phase(self, bs: BattleState) -> int | None:
        p = bs.step - self.ndeploy
        return p if 0 <= p < len(self.phases) else None

    def decisions(self, bs: BattleState, values: tuple[int, ...]) -> list[tuple[Any, str | None]]:
        """The current question's options or orders (their data), each with why it is closed (or None)."""
        if bs.step < self.ndeploy:
            return [(opt.model, self._closed_option(opt, bs, values)) for opt in self.battle.deployment[bs.step]]
        p = self.current_phase(bs)
        if p is None:
            return []
        return [(order.model, self._closed(order, bs, values)) for order in self.battle.orders[p]]

    def available(self, bs: BattleState, values: tuple[int, ...]) -> list[str]:
        return [m.id for m, reason in self.decisions(bs, values) if reason is None]

    def options(self, bs: BattleState, values: tuple[int, ...]) -> list[Option]:
        if bs.step < self.ndeploy:
            group = self.model.deployment[bs.step].title
        else:
            p = self.current_phase(bs)
            group = self.phases[p].title if p is not None else ""
        return [
            Option(m.id, m.label, reason is None, reason, m.historical, tuple(m.sources), group)
            for m, reason in self.decisions(bs, values)
        ]

    def _closed_option(self, opt: Any, bs: BattleState, values: tuple[int, ...]) -> str | None:
        """Why a deployment option cannot be chosen now, or None when it can."""
        if opt.cond is not None and not opt.cond.fn(values):
            return opt.model.unavailable or "The conditions for this are not met."
        if opt.reserve is not None and opt.reserve >= 0:
            line = opt.line if opt.line is not None else bs.line
            if opt.reserve in line:
                return "That unit holds a place in the line you have chosen."
            if bs.men[opt.reserve] <= 0 and not opt.detach:
                return "That unit is not with the army."
        return None

    def _closed(self, order: COrder, bs: BattleState, values: tuple[int, ...]) -> str | None:
        """Why an order cannot be given now, or None when it can."""
        if order.cond is not None and not order.cond.fn(values):
            return order.model.unavailable or "The conditions for this are not met."
        action = order.model.action
        if action == "send_reserve" and (bs.reserve < 0 or bs.status[bs.reserve] != RESERVE):
            return "No reserve was kept back."
        if action == "watch_rise" and bs.watch:
            return "Riders already watch the rise."
        if action in ("dismount_stand", "take_boat"):
            return self._closed_stand(action, bs)
        if action in ("counter_charge", "strike_at_commander") or order.unit is not None:
            riders = crisis.can_ride(self, bs.status, bs.men)
            if action in ("counter_charge", "strike_at_commander") and not riders:
                return "No cavalry is left to charge."
            if order.unit is not None and order.unit not in riders:
                return f"{cap(self.units[order.unit].name)} cannot ride now."
        return None

    def _closed_stand(self, action: str, bs: BattleState) -> str | None:
        if not bs.broke:
            return "The line still holds; this is not yet the hour for it."
        if action == "take_boat":
            return None if self.river is not None else "There is no river at your back."
        anchor = bs.line[self.river] if self.river is not None else None
        if anchor is not None and (bs.status[anchor] != IN_LINE or bs.men[anchor] <= 0):
            return f"{cap(self.units[anchor].name)} have broken: there is no line left by the river to join."
        if not any(s == IN_LINE and m > 0 for s, m in zip(bs.status, bs.men)):
            return "No unit is left in the line to stand with."
        return None

    # -- steps -------------------------------------------------------------------------------
    def step(self, bs: BattleState, values: tuple[int, ...], option_id: str, dice: Dice,
             check: bool = True, log: bool = True) -> BattleResult:
        """The next battle state (or, at nightfall, the campaign's values) for an order. With
        `log=False` nothing of the log is written (its text is empty), for the explorer."""
        text: list[str] | None = [] if log else None
        bs, values = self.advance(bs, values, option_id, dice, check, text)
        log_text = text if text is not None else []
        if self.over(bs):
            return BattleResult(None, self.finish(bs, values, text), log_text)
        return BattleResult(bs, values, log_text)

    def over(self, bs: BattleState) -> bool:
        """Has night fallen on this battle state (every phase fought)?"""
        return bs.step >= self._end

    def advance(self, bs: BattleState, values: tuple[int, ...], option_id: str, dice: Dice,
                check: bool = True, text: list[str] | None = None) -> tuple[BattleState, tuple[int, ...]]:
        """`step` short of nightfall: the next battle state and values for an order (the day's last
        state when night has fallen: `over`; `finish` then writes it into the campaign's values)."""
        if check:
            self._check(bs, values, option_id)
        found = self.to_roll(bs, values, option_id, text)
        return self.from_roll(found, dice, text) if isinstance(found, Roll) else found

    def to_roll(self, bs: BattleState, values: tuple[int, ...], option_id: str,
                text: list[str] | None = None) -> tuple[BattleState, tuple[int, ...]] | Roll:
        """An order's step worked out up to its first roll of the dice (`Roll`: all the rest of the
        step depends on), or the whole step where nothing in it is left to chance. The explorer
        works this out once for each order, and only the rest (`from_roll`) once for every chance
        path; steps that come to the same roll have the same chances from there on."""
        if bs.step == 0 and text is not None:
            for what, source in self.brought(values):
                self.words.say(text, "from_campaign", what=what, source=source)
        if bs.step < self.ndeploy:
            bs, values = self._deploy(bs, values, option_id, text)
            bs = self._arrivals(bs, text)
        else:
            p = bs.step - self.ndeploy
            order = self._orders[p][option_id]
            values = apply_effects(values, order.effects)
            if text is not None and order.model.text:
                text.append(order.model.text.rstrip())
            found = self._phase(bs, values, p, order.model.action, text, order.unit)
            if isinstance(found, Roll):
                return found
            bs = found
        return self._unseen(bs, values, text)

    def from_roll(self, roll: Roll, dice: Dice, text: list[str] | None = None) -> tuple[BattleState, tuple[int, ...]]:
        """The rest of a step from its first roll (`to_roll`): the assault of a blow and the panic
        after it, or the crisis; the modifiers of the phase's end, and any unseen shift after it."""
        while True:
            bs, values = roll.bs, roll.values
            if roll.kind == "assault":
                after = fight.assault(self, bs, values, dice, text)
                if roll.lent:  # the flank broke in this blow if its unit fled, the line broken before or not
                    broke = len(after.order) > len(bs.order)
                    after = fight.return_lent(after, roll.lent, roll.extra, broke=broke)
            else:
                after = crisis.crisis(self, bs, values, roll.action, dice, text, roll.rider)
            found = self._unseen(self._phase_end(after, values, roll.p, text), values, text)
            if not isinstance(found, Roll):
                return found
            roll = found

    def _unseen(self, bs: BattleState, values: tuple[int, ...],
                text: list[str] | None) -> tuple[BattleState, tuple[int, ...]] | Roll:
        """Phases with no decision to make (an unseen shift) resolve at once: up to the roll of
        the first such blow, or to the next order."""
        while self.ndeploy <= bs.step < self._end:
            p = bs.step - self.ndeploy
            if self.phases[p].kind != "shift" or fight.sees_shift(self, bs, values, p):
                break
            found = self._phase(bs, values, p, "hold", text)
            if isinstance(found, Roll):
                return found
            bs = found
        return bs, values

    def _check(self, bs: BattleState, values: tuple[int, ...], option_id: str) -> None:
        reasons = {m.id: reason for m, reason in self.decisions(bs, values)}
        if option_id not in reasons:
            raise EngineError(f"there is no order '{option_id}' at this point of the battle")
        if reasons[option_id] is not None:
            raise EngineError(f"'{option_id}' cannot be given now: {reasons[option_id]}")

    def _deploy(self, bs: BattleState, values: tuple[int, ...], option_id: str,
                text: list[str] | None) -> tuple[BattleState, tuple[int, ...]]:
        opt = next(o for o in self.battle.deployment[bs.step] if o.model.id == option_id)
        values = apply_effects(values, opt.effects)
        line, reserve, station, watch = bs.line, bs.reserve, bs.station, bs.watch
        if opt.line is not None:
            old_station_unit = line[station] if station >= 0 else None
            line = opt.line
            if old_station_unit is not None and old_station_unit in line:
                station = line.index(old_station_unit)
        if opt.reserve is not None:
            reserve = opt.reserve
        if opt.station is not None:
            station = opt.station
        if opt.model.watch is not None:
            watch = int(opt.model.watch)
        if reserve >= 0 and reserve in line:
            reserve = -1
        men = list(bs.men)
        for u, pct in opt.detach:
            if reserve >= 0 and u != reserve:
                moved = men[u] * pct // 100
                men[u] -= moved
                men[reserve] += moved
        status, waiting = self._statuses(line, reserve, tuple(men), values, bs.step + 1 == self.ndeploy)
        station = self._with_hidden(status, station)
        if text is not None and opt.model.text:
            text.append(opt.model.text.rstrip())
        return renew(bs, step=bs.step + 1, line=line, reserve=reserve, station=station, watch=watch,
                     men=tuple(men), status=status, start=tuple(men), waiting=waiting), values

    def _phase(self, bs: BattleState, values: tuple[int, ...], p: int, action: str, text: list[str] | None,
               rider: int | None = None) -> BattleState | Roll:
        """Phase p up to its first roll: an archery phase whole (with the modifiers of its end and
        the forces that arrive after it), a shift up to its assault (the blow), a crisis not at all."""
        phase = self.phases[p]
        bs = self._arrivals(bs, text)  # a battle with no deployment: those that come at the first phase
        self.words.say(text, "phase", time=phase.time, title=phase.title)
        if phase.kind == "archery":
            bs = fight.archery(self, bs, action, text)
        elif phase.kind == "shift":
            blow = fight.blow(self, bs, values, p, action, text)
            if blow is not None:
                before, lent, extra = blow  # the assault reads nothing of the order but what the blow holds
                return Roll("assault", p, before, values, "", None, lent, extra)
        else:
            return Roll("crisis", p, bs, values, action, rider)
        return self._phase_end(bs, values, p, text)

    def _phase_end(self, bs: BattleState, values: tuple[int, ...], p: int, text: list[str] | None) -> BattleState:
        """The end of phase p: its modifiers (`_phase_setups_apply`), then the hidden forces due as
        the next phase begins."""
        return self._arrivals(self._phase_setups_apply(bs, values, p, text), text)

    def _arrivals(self, bs: BattleState, text: list[str] | None) -> BattleState:
        """The hidden forces whose phase has come down on the enemy as it begins, before the
        player is asked for the phase's order."""
        if not bs.waiting:
            return bs
        p = self.current_phase(bs)
        if p is None:
            return bs
        for k in bs.waiting:
            if self.battle.hidden[k].phase == p:
                bs = fight.arrive(self, bs, self.battle.hidden[k], text)
                bs = renew(bs, waiting=tuple(j for j in bs.waiting if j != k))
        return bs

    def _phase_setups_apply(self, bs: BattleState, values: tuple[int, ...], p: int,
                            text: list[str] | None) -> BattleState:
        """Modifiers that take hold as the day goes on (the fast, the heat), at the end of phase p."""
        setups = [s for s in self._phase_setups[p] if s.cond.fn(values)]
        if not setups:
            return renew(bs, step=bs.step + 1)
        men, morale, fatigue = list(bs.men), list(bs.morale), list(bs.fatigue)
        nr = len(self.units)
        for s in setups:
            for i in s.units:
                if i < nr:
                    men[i] = max(0, men[i] + s.men)
                    morale[i] = band(morale[i] + s.morale, 0, 4)
                    fatigue[i] = band(fatigue[i] + s.fatigue, 0, 2)
            if text is not None and s.text:
                text.append(s.text)
        return renew(bs, step=bs.step + 1, men=tuple(men), morale=tuple(morale), fatigue=tuple(fatigue))

    # -- nightfall ---------------------------------------------------------------------------
    def finish(self, bs: BattleState, values: tuple[int, ...],
               text: list[str] | None = None) -> tuple[int, ...]:
        """Nightfall: write the day's record, its results and the units back into the campaign's values."""
        outcome = bs.outcome or (DEFEAT if bs.broke else HELD)
        out = list(values)
        # in the order of RESULT_FLAGS and RESULT_QUANTITIES
        flags = (True, outcome == VICTORY, outcome == HELD, outcome == DEFEAT, outcome == ROUTED, outcome == WITHDREW,
                 bs.broke, bs.seen, bs.stood, bs.commander == BOAT, bs.commander == KILLED, bs.commander == CAPTURED)
        for k, j in self._flag_slots:
            out[j] = 1 if flags[k] else 0
        losses = self.write_record(bs, out, outcome)
        quantities = (losses, bs.elost)
        for k, j, lo, hi in self._quantity_slots:
            out[j] = band(quantities[k], lo, hi)
        status = bs.status
        for u, j in self._broke_slots:
            out[j] = 1 if status[u] == FLED else 0
        for u, j in self._fell_slots:
            out[j] = 1 if status[u] == FELL else 0
        for u, m, lo, hi, mo, fa in self._unit_slots:
            # a unit cut down is gone; the survivors of one that fled are still with the army, broken
            out[m] = 0 if status[u] == FELL else band(bs.men[u], lo, hi)  # setups and detachments may exceed it
            out[mo] = bs.morale[u]
            out[fa] = bs.fatigue[u]
        if text is not None:
            self.words.say(text, "nightfall", outcome=self.words.line(OUTCOME_KEYS[outcome]), losses=losses,
                           elost=bs.elost)
        return tuple(out)

    def finish_reads(self, slots: Iterable[int]) -> Callable[[BattleState], tuple]:
        """What `finish` reads of the day's last battle state to write any of `slots`, as a function
        of the state: two last states it gives the same tuple for write the same values there. The
        day's outcome, the commander's fate, the units' status and the order they broke in are
        always read; which units were on the field (they stood, or not, at nightfall); the men only
        for losses and strengths; the enemy's losses, morale and fatigue only where written."""
        slots = set(slots)
        fields = ["outcome", "broke", "seen", "stood", "commander", "status", "order", "struck", "efell", "arrived"]
        men, enemy = self._night_reads_men(slots)
        if men:
            fields += ["men", "start"]
        if enemy:
            fields.append("elost")
        if slots & {mo for *_, mo, _ in self._unit_slots}:
            fields.append("morale")
        if slots & {fa for *_, fa in self._unit_slots}:
            fields.append("fatigue")
        index = tuple(_FIELDS.index(f) for f in fields)
        if "men" in fields or not slots & {f[3] for f in self._record_units}:
            return lambda bs: tuple([bs[i] for i in index])
        # a unit stood at nightfall only if it was on the field: its men at the start, not how many
        return lambda bs: (*[bs[i] for i in index], *[m > 0 for m in (bs.start or bs.men)])

    def _night_reads_men(self, slots: set[int]) -> tuple[bool, bool]:
        """Does nightfall read the men (for strengths and losses) to write any of `slots`, and the
        enemy's losses?"""
        enemy = {j for k, j, _, _ in self._quantity_slots if k == 1} | {self._record_counts[2]}
        men = {j for k, j, _, _ in self._quantity_slots if k == 0} | {self._record_counts[1]}
        men |= {m for _, m, *_ in self._unit_slots} | {f[4] for f in self._record_units}  # strengths, losses
        return bool(slots & men), bool(slots & enemy)

    def last_step_key(self, slots: Iterable[int]) -> Callable[[BattleState, tuple[int, ...]], tuple] | None:
        """For the explorer: what tells apart the states of the day's last step, a crisis, when what
        comes after the battle reads only `slots`. None when nightfall reads the men there, or when
        the day does not end in a crisis: `remembered` then tells them apart.

        The crisis reads the men of both sides only through a few things worked out from them:
        which units have men left (and had any at the start, which nightfall reads), the size of
        the block of a last stand however it is formed (every unit in the line, the loyal allies
        alone, or no one gathered), the odds of a counter-charge against the enemy there, the
        rider of a strike at the enemy commander and the enemy unit it aims at. Two states of the
        last step alike in those and in everything else the rest of the day reads play out alike:
        the same orders, the same chances, the same values written at nightfall where they are
        read. So the explorer fights out the last step once for them all."""
        if self.phases[-1].kind != "crisis":
            return None
        men, enemy = self._night_reads_men(set(slots))
        if men:
            return None
        forgotten = self._dead[self.last_step] | {"men", "start", "lost"}
        if not enemy:
            forgotten |= {"emen", "elost"}
        kept = _fields_but(forgotten)

        # what the crisis reads of the men, by all it is worked out from: the men, where they
        # stand, the enemy's, and the allies' loyalty (many of the last states share them)
        loyalties = tuple(slot for _, slot in self.allies if slot is not None)
        reads: dict[tuple, tuple] = {}

        def key(bs: BattleState, values: tuple[int, ...]) -> tuple:
            # (the forces due at the crisis have come down as the step before it ended: `_arrivals`
            # changes nothing then, only where the day begins with its crisis)
            now = self._arrivals(bs, None)
            seen = (now.line, now.men, now.status, now.start, now.target, now.emen,
                    tuple([values[j] for j in loyalties]))
            found = reads.get(seen)
            if found is None:
                if len(reads) >= 20_000:  # a bound on what a long walk keeps
                    reads.clear()
                found = reads[seen] = crisis.reads_of_men(self, now, values)
            return kept(bs), found

        return key

    @property
    def last_step(self) -> int:
        """The step of the day's last order (the crisis, where the day ends in one)."""
        return self._end - 1

    def write_record(self, bs: BattleState, out: list[int], outcome: int = PENDING) -> int:
        """Write the battle record (game/scenario/record.py) into `out`: at nightfall the day's, and
        while it is fought the record so far (for the phases' text variants). Returns the losses."""
        losses = 0
        status, men, start, order = bs.status, bs.men, bs.start or bs.men, bs.order
        for u, (broke, fled, fell, stood, lost_at) in enumerate(self._record_units):
            st = status[u]
            lost = start[u] - (0 if st == FELL else men[u])
            if lost < 0:
                lost = 0
            losses += lost
            out[broke] = order.index(u) + 1 if u in order else 0
            out[fled] = int(st == FLED)
            out[fell] = int(st == FELL)
            out[stood] = int(st in (IN_LINE, STANDING, ENCIRCLED) and start[u] > 0)
            out[lost_at] = min(lost, 999)
        done = outcome != PENDING
        struck, commander = bs.struck, bs.commander
        flags = (done, outcome == VICTORY, outcome == HELD, outcome == DEFEAT, outcome == ROUTED, outcome == WITHDREW,
                 struck & 1, struck >> (self.n - 1) & 1, bs.broke, bs.seen,
                 done and commander == WITH_ARMY, commander == STOOD, commander == BOAT, commander == KILLED,
                 commander == CAPTURED, bs.efell, bs.arrived)
        for j, on in zip(self._record_flags, flags):
            out[j] = 1 if on else 0
        broken, roman, enemy = self._record_counts
        out[broken] = len(order)
        out[roman] = min(losses, 999)
        out[enemy] = min(bs.elost, 999)
        return losses

    # -- the view ----------------------------------------------------------------------------
    def brought(self, values: tuple[int, ...]) -> list[tuple[str, str]]:
        """What the campaign brought to the field, each with the decision it came from. Shown, never
        read by the rules: the rules read the same values through setups and conditions."""
        return [(what, source) for cond, what, source in self.battle.brought if cond.fn(values)]

    def flank_strength(self, bs: BattleState, pos: int, values: tuple[int, ...] | None = None) -> int:
        """How strong a position looks to the enemy commander: what he judges 'weakest' by."""
        return fight.strength(self, bs, pos, values)

    def view(self, bs: BattleState, values: tuple[int, ...]) -> BattleView:
        return battle_view(self, bs, values)
