"""The tactical battle model: explainable, seeded, and exactly explorable.

One line of positions from the Roman left to the right, terrain at each end. Deployment decisions
set the line, a reserve, where the commander stands and whether anyone watches the rise. Then the
phases, each with the player's order:

- archery: both lines lose men (the enemy shoots more, Roman bows pierce better);
- shift: the enemy commander thins his other units to mass against the weakest flank. Unless the
  shift is seen (riders on the rise, the commander there, good intelligence, or open ground), the
  player gives no order: the blow falls unseen. Then the assault at that flank (repulsed, holds or
  breaks) and, after a break, panic tests that roll the line up from that end;
- crisis: the last order of the day (stand by the river, the boat, a counter-charge, withdraw or
  hold), resolved at nightfall into victory, a held field, defeat or rout.

Every chance event is one `dice.pick`, with a handful of outcomes and weights from small integer
scores, and every roll is explained in the log with its odds. All numbers are in the scenario's
battle data (`tables`), so a modder can set up another battle on the same rules.

The log is written into a list passed down the resolvers as `text`; the explorer, which never reads
it, passes None, and every line is only formatted `if text is not None` (formatting it would cost
the explorer a good part of its time).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from game.engine.dice import Dice
from game.scenario.compiled import CBattle, COrder, CompiledScenario
from game.scenario.expressions import Effect

# status of a Roman unit
IN_LINE, RESERVE, FLED, ENCIRCLED, FELL, STANDING = range(6)
STATUS_NAMES = ("in line", "in reserve", "fled", "surrounded", "fallen", "in the last stand")
MORALE_NAMES = ("broken", "wavering", "shaken", "steady", "eager")
FATIGUE_NAMES = ("fresh", "tired", "spent")
# outcome of the day
PENDING, VICTORY, HELD, DEFEAT, ROUTED = range(5)
OUTCOME_NAMES = ("", "victory", "held", "defeat", "routed")
# the commander's fate
WITH_ARMY, STOOD, BOAT, KILLED, CAPTURED = range(5)
# the battle's results (scenario `results`) that `_finish` writes, in the order it writes them
RESULT_FLAGS = ("fought", "victory", "held", "defeat", "routed", "flank_broke", "shift_seen", "stood", "boat",
                "commander_killed", "commander_captured")
RESULT_QUANTITIES = ("roman_losses", "enemy_losses")

EXPERIENCE = {"green": -1, "regular": 0, "veteran": 1}
EXPERIENCE_FACTOR = {"green": 2, "regular": 3, "veteran": 4}
KIND_FACTOR = {"infantry": 3, "cavalry": 3, "horse_archers": 2, "arab_cavalry": 2}
ARMOUR = {"infantry": 1, "cavalry": 1, "horse_archers": 1, "arab_cavalry": 0}
PIERCE = {"infantry": 1, "cavalry": 2, "horse_archers": 2, "arab_cavalry": 1}
MOUNTED = ("cavalry", "horse_archers", "arab_cavalry")
TERRAIN_DEFENCE = {"river": 2, "rise": 1}  # a flank's ground, to its defender's score
# The battle reads campaign values only through these thresholds (and the data's own conditions),
# which lets the explorer merge every campaign state between the same thresholds.
LOYALTY_CUTS = (3, 5, 8)  # <=2 wavering allies, <=4 doubtful, 5-7 steady, >=8 devoted
DISCIPLINE_CUTS = (3, 5, 7)
WITHDRAW_ORDER = (30, 50, 65, 80)  # percent chance a withdrawal keeps order, by discipline band


class BattleState(NamedTuple):
    step: int
    line: tuple[int, ...]
    reserve: int
    station: int  # a line position, or -1 for the rise
    watch: int
    men: tuple[int, ...]
    morale: tuple[int, ...]
    fatigue: tuple[int, ...]
    status: tuple[int, ...]
    emen: tuple[int, ...]
    emorale: tuple[int, ...]
    target: int
    seen: int
    support: int
    extra: int
    refused: int
    broke: int
    outcome: int
    commander: int
    lost: int
    elost: int
    stood: int  # 1 when the commander dismounted to stand with the infantry
    order: tuple[int, ...] = ()  # the units that broke and fled, in the order they broke
    start: tuple[int, ...] = ()  # each unit's men once deployed: its losses are counted from here
    repulsed: int = 0  # 1 when the enemy's blow was thrown back: his massed horse is reeling


_FIELD_INDEX = {name: i for i, name in enumerate(BattleState._fields)}


def _replace(self: BattleState, **changes: Any) -> BattleState:
    """`BattleState._replace`, several times faster than namedtuple's own (which looks up every
    field's name among the changes): the rules make a new battle state at every turn of a fight,
    and the explorer makes hundreds of thousands."""
    items = list(self)
    for name, value in changes.items():
        items[_FIELD_INDEX[name]] = value
    return tuple.__new__(BattleState, items)


BattleState._replace = _replace  # type: ignore[method-assign]


@dataclass(frozen=True)
class BattleResult:
    battle: BattleState | None  # None when the battle is over
    values: tuple[int, ...]
    text: list[str]


@dataclass(frozen=True)
class PositionView:
    position: int
    unit_id: str
    name: str
    kind: str
    men: int
    morale: str
    fatigue: str
    status: str
    enemy_name: str
    enemy_men: int | None  # None: hidden from view
    commander_here: bool
    support: str | None


@dataclass(frozen=True)
class BattleView:
    title: str
    stage: str  # "deployment" or the phase's title
    time: str
    prompt: str
    terrain_left: str
    terrain_right: str
    positions: tuple[PositionView, ...]
    reserve: str | None
    station: str
    watch: bool
    shift_seen: bool
    outcome: str
    brought: tuple[tuple[str, str], ...] = ()  # what the campaign brought to the field: (what, where from)


def _cap(name: str) -> str:
    """A name at the start of a sentence."""
    return name[:1].upper() + name[1:]


def _band(value: int, lo: int, hi: int) -> int:
    return lo if value < lo else hi if value > hi else value


def _explain(terms: list[tuple[int, str]]) -> str:
    """The modifiers of a score for the log: 'shaken -1, the river +2'."""
    return ", ".join(f"{why} {n:+d}" for n, why in terms if n)


class BattleRules:
    """The battle model for one battle of a compiled scenario."""

    def __init__(self, battle: CBattle, scenario: CompiledScenario):
        self.battle = battle
        self.model = battle.model
        self.n = len(battle.default_line)
        self.ndeploy = len(battle.deployment)
        self.units = [battle.unit_models[u] for u in battle.roman]
        self.enemies = [battle.unit_models[u] for u in battle.enemy]
        self.phases = self.model.phases
        self.tables = self.model.tables
        characters = {c.id: c for c in scenario.scenario.characters}
        self.commander_name = characters[self.model.commander].name if self.model.commander in characters else "the commander"
        self.enemy_commander_name = (
            characters[self.model.enemy_commander].name if self.model.enemy_commander in characters else "the enemy"
        )
        self.river = (0 if self.model.terrain_left == "river"
                      else self.n - 1 if self.model.terrain_right == "river" else None)
        self._towards_river = " towards the river" if self.river is not None else ""
        slot = scenario.namespace.slots.get(self.model.discipline or "")
        self.discipline_slot = slot.index if slot is not None else None
        self.layout = scenario.layout  # the range of every campaign value, for what the battle writes back
        self.commander_unit = next(
            (i for i, u in enumerate(self.units) if u.commander == self.model.commander), None
        )
        # where `_finish` writes the day's result, worked out once: (result index, slot) pairs
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
        self._orders = [{order.model.id: order for order in row} for row in battle.orders]  # ids are unique
        self._phase_setups = [tuple(st for st in battle.setup if st.phase == p) for p in range(len(self.phases))]
        # per step: the fields of the battle state that nothing from that step on reads (see `forget`)
        self._dead: list[dict[str, int]] = []
        for t in range(self.ndeploy + len(self.phases) + 1):
            p = t - self.ndeploy
            rest = range(max(p, 0), len(self.phases))
            if p < 0 or any(self.phases[q].kind == "shift" for q in rest):
                self._dead.append({})
                continue
            actions = {order.model.action for q in rest for order in battle.orders[q]}
            dead = ["station", "support", "extra", "refused"]
            dead += [f for f, order in (("watch", "watch_rise"), ("reserve", "send_reserve")) if order not in actions]
            self._dead.append(dict.fromkeys(dead, 0))
        effects = [opt.effects for group in battle.deployment for opt in group]
        effects += [order.effects for row in battle.orders for order in row]
        # every campaign value a battle can change; the others (the enemy's units among them) leave
        # it as they came in
        self.changes = tuple(sorted(
            {j for _, j in self._flag_slots} | {j for _, j, _, _ in self._quantity_slots}
            | {j for _, j in self._broke_slots} | {j for _, j in self._fell_slots}
            | {j for _, m, _, _, mo, fa in self._unit_slots for j in (m, mo, fa)}
            | set(battle.record.values()) | {j for fields in battle.unit_record for j in fields.values()}
            | {e.slot.index for group in effects for e in group}
        ))

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
                    morale[i] = _band(morale[i] + s.morale, 0, 4)
                    fatigue[i] = _band(fatigue[i] + s.fatigue, 0, 2)
        line = b.default_line
        station = self._default_station(line)
        status = [RESERVE] * nr
        for u in line:
            status[u] = IN_LINE
        return BattleState(
            step=0, line=line, reserve=-1, station=station, watch=0,
            men=tuple(men[:nr]), morale=tuple(morale[:nr]), fatigue=tuple(fatigue[:nr]), status=tuple(status),
            emen=tuple(men[nr:]), emorale=tuple(morale[nr:]),
            target=-1, seen=0, support=-1, extra=0, refused=0, broke=0, outcome=PENDING,
            commander=WITH_ARMY, lost=0, elost=0, stood=0, order=(), start=tuple(men[:nr]),
        )

    def _default_station(self, line: tuple[int, ...]) -> int:
        if self.commander_unit is not None and self.commander_unit in line:
            return line.index(self.commander_unit)
        return self.n // 2

    def forget(self, bs: BattleState) -> BattleState:
        """`bs` with the fields that no later part of the battle reads set to 0, for the explorer:
        states that differ only there play out alike, to the last value the battle writes back.

        Only the shift reads the commander's station, the support, the extra men and the refused
        flank; besides the shift, only the order to watch the rise reads `watch`, and only the
        order to send the reserve reads `reserve` (deployment reads everything). What merely
        carries a field along unchanged does not count as reading it.
        """
        dead = self._dead[bs.step]
        return bs._replace(**dead) if dead else bs

    # -- decisions ---------------------------------------------------------------------------
    def current_phase(self, bs: BattleState) -> int | None:
        p = bs.step - self.ndeploy
        return p if 0 <= p < len(self.phases) else None

    def decisions(self, bs: BattleState, values: tuple[int, ...]) -> list[tuple[Any, str | None]]:
        """The current question's options or orders (their data), each with why it is closed (or None)."""
        out: list[tuple[Any, str | None]] = []
        if bs.step < self.ndeploy:
            for opt in self.battle.deployment[bs.step]:
                ok = opt.cond is None or bool(opt.cond.fn(values))
                reason = None if ok else (opt.model.unavailable or "The conditions for this are not met.")
                if ok and opt.reserve is not None and opt.reserve >= 0:
                    line = opt.line if opt.line is not None else bs.line
                    if opt.reserve in line:
                        reason = "That unit holds a place in the line you have chosen."
                    elif bs.men[opt.reserve] <= 0 and not opt.detach:
                        reason = "That unit is not with the army."
                out.append((opt.model, reason))
            return out
        p = self.current_phase(bs)
        if p is None:
            return out
        kind = self.phases[p].kind
        for order in self.battle.orders[p]:
            out.append((order.model, self._closed(order, bs, values, kind)))
        return out

    def available(self, bs: BattleState, values: tuple[int, ...]) -> list[str]:
        return [m.id for m, reason in self.decisions(bs, values) if reason is None]

    def options(self, bs: BattleState, values: tuple[int, ...]) -> list:
        from game.engine.campaign import Option

        if bs.step < self.ndeploy:
            group = self.model.deployment[bs.step].title
        else:
            p = self.current_phase(bs)
            group = self.phases[p].title if p is not None else ""
        return [
            Option(m.id, m.label, reason is None, reason, m.historical, tuple(m.sources), group)
            for m, reason in self.decisions(bs, values)
        ]

    def _closed(self, order: COrder, bs: BattleState, values: tuple[int, ...], kind: str) -> str | None:
        """Why an order cannot be given now, or None when it can."""
        if order.cond is not None and not order.cond.fn(values):
            return order.model.unavailable or "The conditions for this are not met."
        action = order.model.action
        if action == "send_reserve":
            if bs.reserve < 0 or bs.status[bs.reserve] != RESERVE:
                return "No reserve was kept back."
        elif action == "watch_rise":
            if bs.watch:
                return "Riders already watch the rise."
        elif action in ("dismount_stand", "take_boat"):
            if not bs.broke:
                return "The line still holds; this is not yet the hour for it."
            if action == "take_boat" and "river" not in (self.model.terrain_left, self.model.terrain_right):
                return "There is no river at your back."
            if action == "dismount_stand":
                anchor = bs.line[self.river] if self.river is not None else None
                if anchor is not None and (bs.status[anchor] != IN_LINE or bs.men[anchor] <= 0):
                    return f"{_cap(self.units[anchor].name)} have broken: there is no line left by the river to join."
                if not any(s == IN_LINE and m > 0 for s, m in zip(bs.status, bs.men)):
                    return "No unit is left in the line to stand with."
        elif action == "counter_charge":
            if not any(self.units[u].kind in MOUNTED and bs.status[u] in (IN_LINE, RESERVE) and bs.men[u] > 0
                       for u in range(len(self.units))):
                return "No cavalry is left to charge."
        elif action == "hold" and kind == "crisis" and bs.broke:
            return None
        return None

    # -- steps -------------------------------------------------------------------------------
    def step(self, bs: BattleState, values: tuple[int, ...], option_id: str, dice: Dice,
             check: bool = True, log: bool = True) -> BattleResult:
        """The next battle state (or, at nightfall, the campaign's values) for an order. With
        `log=False` nothing of the log is written (its text is empty), for the explorer."""
        from game.engine.campaign import EngineError

        if check:
            reasons = {m.id: reason for m, reason in self.decisions(bs, values)}
            if option_id not in reasons:
                raise EngineError(f"there is no order '{option_id}' at this point of the battle")
            if reasons[option_id] is not None:
                raise EngineError(f"'{option_id}' cannot be given now: {reasons[option_id]}")
        text: list[str] | None = [] if log else None
        if bs.step == 0 and text is not None:
            text += [f"From the campaign: {what} ({source})" for what, source in self.brought(values)]
        if bs.step < self.ndeploy:
            bs, values = self._deploy(bs, values, option_id, text)
        else:
            p = self.current_phase(bs)
            assert p is not None
            order = self._orders[p][option_id]
            values = _apply(values, order.effects)
            if text is not None and order.model.text:
                text.append(order.model.text.rstrip())
            bs = self._resolve(bs, values, p, order.model.action, dice, text)
        # phases with no decision to make (an unseen shift) resolve at once
        while True:
            p = self.current_phase(bs)
            if p is None or self.phases[p].kind != "shift" or self._sees_shift(bs, values, p):
                break
            bs = self._resolve(bs, values, p, "hold", dice, text)
        log_text = text if text is not None else []
        if bs.step >= self.ndeploy + len(self.phases):
            return BattleResult(None, self._finish(bs, values, text), log_text)
        return BattleResult(bs, values, log_text)

    def _deploy(self, bs: BattleState, values: tuple[int, ...], option_id: str,
                text: list[str] | None) -> tuple[BattleState, tuple[int, ...]]:
        opt = next(o for o in self.battle.deployment[bs.step] if o.model.id == option_id)
        values = _apply(values, opt.effects)
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
        status = [RESERVE] * len(self.units)
        for u in line:
            status[u] = IN_LINE
        if text is not None and opt.model.text:
            text.append(opt.model.text.rstrip())
        return bs._replace(step=bs.step + 1, line=line, reserve=reserve, station=station, watch=watch,
                           men=tuple(men), status=tuple(status), start=tuple(men)), values

    def _sees_shift(self, bs: BattleState, values: tuple[int, ...], p: int) -> bool:
        """Will the enemy's shift in phase p be seen?"""
        # the same judgement of the weakest flank as `_shift` makes (loyalty counts), or the
        # player would be asked for orders against a blow that then falls unseen
        target = self._target(bs, values)
        terrain = self.model.terrain_left if target == 0 else self.model.terrain_right
        if terrain != "rise":
            return True
        hidden = self.model.plan.hidden_unless
        if "watch_rise" in hidden and bs.watch:
            return True
        if "commander_on_rise" in hidden and bs.station == -1:
            return True
        return any(s.reveal and s.cond.fn(values) for s in self.battle.setup)

    def _resolve(self, bs: BattleState, values: tuple[int, ...], p: int, action: str, dice: Dice,
                 text: list[str] | None) -> BattleState:
        phase = self.phases[p]
        if text is not None:
            text.append(f"[{phase.time}] {phase.title}")
        if phase.kind == "archery":
            bs = self._archery(bs, action, text)
        elif phase.kind == "shift":
            bs = self._shift(bs, values, p, action, dice, text)
        else:
            bs = self._crisis(bs, values, action, dice, text)
        # modifiers that take hold as the day goes on (the fast, the heat)
        setups = [s for s in self._phase_setups[p] if s.cond.fn(values)]
        if not setups:
            return bs._replace(step=bs.step + 1)
        men, morale, fatigue = list(bs.men), list(bs.morale), list(bs.fatigue)
        nr = len(self.units)
        for s in setups:
            for i in s.units:
                if i < nr:
                    men[i] = max(0, men[i] + s.men)
                    morale[i] = _band(morale[i] + s.morale, 0, 4)
                    fatigue[i] = _band(fatigue[i] + s.fatigue, 0, 2)
            if text is not None and s.text:
                text.append(s.text)
        return bs._replace(step=bs.step + 1, men=tuple(men), morale=tuple(morale), fatigue=tuple(fatigue))

    # -- archery -----------------------------------------------------------------------------
    def _archery(self, bs: BattleState, action: str, text: list[str] | None) -> BattleState:
        men, emen, fatigue = list(bs.men), list(bs.emen), list(bs.fatigue)
        watch = bs.watch
        press = 1 if action == "advance" else 0
        lost = elost = 0
        for pos, u in enumerate(bs.line):
            if bs.status[u] != IN_LINE or men[u] <= 0 or emen[pos] <= 0:
                continue
            kind = self.units[u].kind
            volume = (emen[pos] + 19) // 20
            rl = min(men[u], max(0, volume - ARMOUR[kind]) + press)
            el = min(emen[pos], (PIERCE[kind] if men[u] >= 10 else 1) + press)
            men[u] -= rl
            emen[pos] -= el
            lost += rl
            elost += el
            if press:
                fatigue[u] = _band(fatigue[u] + 1, 0, 2)
        if action == "watch_rise":
            watch = 1
            if text is not None:
                text.append("Riders climb the rise to watch the ground beyond it.")
        if text is not None:
            text.append(
                f"The archery costs the Romans {lost * 100:,} men and the enemy {elost * 100:,}: "
                "their arrows fly thicker, but the Roman bows drive harder."
            )
        return bs._replace(men=tuple(men), emen=tuple(emen), fatigue=tuple(fatigue),
                           watch=watch, lost=bs.lost + lost, elost=bs.elost + elost)

    # -- the shift and the assault -----------------------------------------------------------
    def flank_strength(self, bs: BattleState, pos: int, values: tuple[int, ...] | None = None) -> int:
        """How strong a flank looks to the enemy commander: what he judges 'weakest' by."""
        u = bs.line[pos]
        unit = self.units[u]
        terrain = self.model.terrain_left if pos == 0 else self.model.terrain_right
        loyalty = 3
        if values is not None and unit.id in self.battle.loyalty_slots:
            loyalty = 2 if values[self.battle.loyalty_slots[unit.id]] < LOYALTY_CUTS[1] else 3
        return (bs.men[u] * (bs.morale[u] + 1) * EXPERIENCE_FACTOR[unit.experience] * KIND_FACTOR[unit.kind]
                * loyalty * (3 if terrain == "river" else 2))

    def _target(self, bs: BattleState, values: tuple[int, ...] | None = None) -> int:
        if bs.target >= 0:
            return bs.target
        plan = self.model.plan.mass_against
        if plan == "left":
            return 0
        if plan == "right":
            return self.n - 1
        left, right = self.flank_strength(bs, 0, values), self.flank_strength(bs, self.n - 1, values)
        return 0 if left < right else self.n - 1

    def _shift(self, bs: BattleState, values: tuple[int, ...], p: int, action: str, dice: Dice,
               text: list[str] | None) -> BattleState:
        target = self._target(bs, values)
        seen = self._sees_shift(bs._replace(target=target), values, p)
        share = self.model.plan.shift_share
        emen = list(bs.emen)
        moved = 0
        for j in range(self.n):
            if j != target:
                take = emen[j] * share // 100
                emen[j] -= take
                moved += take
        emen[target] += moved
        side = "left" if target == 0 else "right"
        if text is not None:
            text.append(
                f"{_cap(self.enemy_commander_name)} thins his rear ranks and sends {moved * 100:,} horsemen "
                f"along behind his line to his {('right' if side == 'left' else 'left')}, against your {side}. "
                "You see it happen." if seen else
                f"Dust hangs over the rise on your {side}, and nobody on the low ground can see past it. "
                f"Behind that screen {self.enemy_commander_name} is massing {moved * 100:,} horsemen against your {side}."
            )
        bs = bs._replace(emen=tuple(emen), target=target, seen=int(seen))
        men, status = list(bs.men), list(bs.status)
        support, extra, refused = bs.support, bs.extra, bs.refused
        emorale = list(bs.emorale)
        lent: list[tuple[int, int]] = []  # (unit, men) thinned out to reinforce the flank
        if seen:
            if action == "send_reserve" and bs.reserve >= 0:
                support = bs.reserve
                status[support] = IN_LINE
                if text is not None:
                    text.append(f"{_cap(self.units[support].name)} ride from the reserve to the {side}.")
            elif action == "reinforce_flank":
                for pos, u in enumerate(bs.line):
                    if pos != target and bs.status[u] == IN_LINE and self.units[u].kind in MOUNTED:
                        take = men[u] // 4
                        men[u] -= take
                        extra += take
                        lent.append((u, take))
                if text is not None:
                    text.append(f"Squadrons are thinned out of the centre: {extra * 100:,} horsemen go to the {side}.")
            elif action == "refuse_flank":
                refused = 1
                if text is not None:
                    text.append(f"The {side} bends back, so that the blow meets a face and not a flank.")
            elif action == "pull_back":
                refused = 1
                for j in range(self.n):
                    emorale[j] = _band(emorale[j] + 1, 0, 4)
                if text is not None:
                    text.append(f"The whole line steps back{self._towards_river}. The enemy cheers it as a retreat.")
        lost = elost = 0
        if self.model.plan.pin_with_archery:
            # the rest of the enemy line keeps shooting, so that no Roman unit can move
            emen = list(bs.emen)
            for pos, u in enumerate(bs.line):
                if pos != target and status[u] == IN_LINE and men[u] > 0 and emen[pos] > 0:
                    men[u] -= 1
                    emen[pos] -= 1
                    lost += 1
                    elost += 1
            bs = bs._replace(emen=tuple(emen))
            if text is not None:
                text.append("Along the rest of the line the archery never slackens, pinning every unit where it stands.")
        bs = bs._replace(men=tuple(men), status=tuple(status), support=support, extra=extra, refused=refused,
                         emorale=tuple(emorale), lost=bs.lost + lost, elost=bs.elost + elost)
        after = self._assault(bs, values, dice, text)
        return self._return_lent(after, lent, extra, broke=after.broke and not bs.broke) if lent else after

    @staticmethod
    def _return_lent(bs: BattleState, lent: list[tuple[int, int]], extra: int, broke: bool) -> BattleState:
        """The squadrons thinned out to reinforce a flank ride back to their own units once the blow
        has been met; if the flank broke, half of them were lost with it (counted by `_assault`)."""
        survivors = extra - extra // 2 if broke else extra
        men = list(bs.men)
        back = 0
        for u, take in lent:
            give = take * survivors // extra
            men[u] += give
            back += give
        return bs._replace(men=tuple(men), extra=0, lost=bs.lost + survivors - back)

    def _defence(self, bs: BattleState, pos: int, values: tuple[int, ...]) -> list[tuple[int, str]]:
        """The defending unit's modifiers at a position, as (points, why) pairs: its score is their
        sum, and the log shows those that are not zero (`_explain`)."""
        u = bs.line[pos]
        unit = self.units[u]
        morale, fatigue = bs.morale[u], bs.fatigue[u]
        terrain = self.model.terrain_left if pos == 0 else self.model.terrain_right if pos == self.n - 1 else "open"
        on_hand = bs.station == pos or (bs.station == -1 and terrain == "rise")
        terms = [
            (morale - 3, MORALE_NAMES[morale]),
            (-fatigue, FATIGUE_NAMES[fatigue]),
            (EXPERIENCE[unit.experience], unit.experience),
            (TERRAIN_DEFENCE.get(terrain, 0), "the " + terrain),
            (1 if unit.kind == "infantry" else 0, "shield wall"),
            (bs.refused, "refused flank"),
            (1 if on_hand and bs.commander == WITH_ARMY else 0, self.commander_name),
        ]
        slot = self.battle.loyalty_slots.get(unit.id)
        if slot is not None:
            q = values[slot]
            terms.append((-2 if q < LOYALTY_CUTS[0] else -1 if q < LOYALTY_CUTS[1] else 1 if q >= LOYALTY_CUTS[2] else 0,
                          "loyalty"))
        return terms

    def _assault(self, bs: BattleState, values: tuple[int, ...], dice: Dice,
                 text: list[str] | None) -> BattleState:
        t = bs.target
        u = bs.line[t]
        unit = self.units[u]
        attack = bs.emen[t]
        defend = bs.men[u] + bs.extra + (bs.men[bs.support] if bs.support >= 0 else 0)
        ratio = attack / max(1, defend)
        odds = 3 if ratio >= 2.5 else 2 if ratio >= 1.75 else 1 if ratio >= 1.25 else 0 if ratio >= 0.8 else -1 if ratio >= 0.55 else -2
        terms = self._defence(bs, t, values)
        terms.append((3 - bs.emorale[t], "enemy resolve"))
        if bs.seen and bs.support >= 0:
            terms.append((self.tables.met_in_time, "the reserve there in time"))
        net = _band(sum(n for n, _ in terms) - odds, -4, 4)
        weights = self.tables.assault[net + 4]
        if text is not None:
            total = sum(weights) or 1
            text.append(
                f"The blow falls on {unit.name}: {attack * 100:,} against {defend * 100:,} "
                f"({ratio:.1f} to 1, {odds:+d} to the attack); defence {_explain(terms) or 'no modifiers'}; "
                f"net {net:+d}. Odds: thrown back {100 * weights[0] // total}%, held "
                f"{100 * weights[1] // total}%, broken {100 * weights[2] // total}%."
            )
        roll = dice.pick(weights)
        men, morale, status = list(bs.men), list(bs.morale), list(bs.status)
        emen, emorale = list(bs.emen), list(bs.emorale)
        lost = elost = 0
        if roll == 0:
            e = emen[t] // 5
            emen[t] -= e
            emorale[t] = _band(emorale[t] - 1, 0, 4)
            r = men[u] // 20
            men[u] -= r
            lost, elost = r, e
            if text is not None:
                text.append(f"Thrown back! The attack breaks on {unit.name}, and the enemy horse reels away.")
            bs = bs._replace(men=tuple(men), emen=tuple(emen), emorale=tuple(emorale), repulsed=1)
        elif roll == 1:
            e = emen[t] // 10
            r = men[u] // 10
            emen[t] -= e
            men[u] -= r
            morale[u] = _band(morale[u] - 1, 1, 4)
            lost, elost = r, e
            if text is not None:
                text.append(f"{_cap(unit.name)} hold, shaken and bleeding, and the fight on the flank grinds on.")
            bs = bs._replace(men=tuple(men), morale=tuple(morale), emen=tuple(emen))
        else:
            r = men[u] // 4
            men[u] -= r
            morale[u] = 0
            status[u] = FLED
            order = bs.order + (u,)
            lost = r
            if bs.support >= 0:
                s = bs.support
                rs = men[s] // 4
                men[s] -= rs
                lost += rs
                morale[s] = 0
                status[s] = FLED
                order += (s,)
            lost += bs.extra // 2  # the men lent to the flank share its fate; the rest go back at dusk
            if text is not None:
                text.append(f"{_cap(unit.name)} break and scatter. The enemy is round the flank and behind the line.")
            bs = bs._replace(men=tuple(men), morale=tuple(morale), status=tuple(status), broke=1, order=order)
            bs = self._panic(bs, values, dice, text)
        return bs._replace(lost=bs.lost + lost, elost=bs.elost + elost)

    def _panic(self, bs: BattleState, values: tuple[int, ...], dice: Dice,
               text: list[str] | None) -> BattleState:
        """Roll the line up from the broken flank: each neighbour in turn tests its nerve."""
        step = -1 if bs.target == self.n - 1 else 1
        pos = bs.target + step
        men, morale, status = list(bs.men), list(bs.morale), list(bs.status)
        order = bs.order
        lost = 0
        while 0 <= pos < self.n:
            u = bs.line[pos]
            unit = self.units[u]
            if status[u] != IN_LINE or men[u] <= 0:
                pos += step
                continue
            terms = self._defence(bs._replace(morale=tuple(morale)), pos, values)
            terms.append((-1, "flanked"))
            chance = self.tables.panic[_band(sum(n for n, _ in terms), -3, 4) + 3]
            if text is not None:
                text.append(f"{_cap(unit.name)} are taken in flank ({_explain(terms)}): {chance}% that they break.")
            if dice.pick([100 - chance, chance]) == 1:
                r = men[u] // 4
                men[u] -= r
                lost += r
                morale[u] = 0
                status[u] = FLED
                order += (u,)
                if text is not None:
                    text.append(f"{_cap(unit.name)} break and run "
                                f"{'for the river and the islands' if self.river is not None else 'for the rear'}.")
                pos += step
                continue
            morale[u] = _band(morale[u] - 1, 1, 4)
            if unit.kind != "infantry" or pos not in (0, self.n - 1):
                status[u] = ENCIRCLED
                if text is not None:
                    text.append(
                        f"{_cap(unit.name)} stand their ground, surrounded on two sides, and the rout stops at them for now."
                    )
            elif text is not None:
                text.append(f"{_cap(unit.name)} hold firm.")
            break
        return bs._replace(men=tuple(men), morale=tuple(morale), status=tuple(status), lost=bs.lost + lost,
                           order=order)

    # -- the crisis and nightfall ------------------------------------------------------------
    def _crisis(self, bs: BattleState, values: tuple[int, ...], action: str, dice: Dice,
                text: list[str] | None) -> BattleState:
        men, morale, status = list(bs.men), list(bs.morale), list(bs.status)
        commander = bs.commander
        lost = 0
        anchor = bs.line[self.river] if self.river is not None else None

        # units still surrounded fall unless a charge relieves them
        def fall_encircled() -> None:
            nonlocal lost
            for u in range(len(self.units)):
                if status[u] == ENCIRCLED:
                    r = min(men[u], max(1, men[u] * 3 // 10))
                    men[u] -= r
                    lost += r
                    status[u] = FELL
                    if text is None:
                        continue
                    if u in self.battle.commander_fell:
                        text.append(
                            f"{_cap(self.units[u].name)} fight on where they stand until they are cut down: "
                            f"{r * 100:,} men fall there with their commander, and the rest are scattered."
                        )
                    else:
                        text.append(
                            f"{_cap(self.units[u].name)} fight on where they stand until they are cut to pieces: "
                            f"{r * 100:,} men fall, and the few who cut their way out{self._towards_river or ' to the rear'} "
                            "are scattered: the unit is no more."
                        )

        if action == "dismount_stand" or action == "take_boat" or (action == "hold" and bs.broke):
            fall_encircled()
            joined = []
            helpers = range(len(self.units)) if action == "dismount_stand" else [
                u for u in range(len(self.units)) if self.units[u].loyalty is not None
            ]
            for u in helpers:
                if status[u] == IN_LINE and u != anchor and men[u] > 0 and (action != "hold"):
                    if action == "take_boat":
                        q = values[self.battle.loyalty_slots[self.units[u].id]] if self.units[u].id in self.battle.loyalty_slots else 5
                        if q < LOYALTY_CUTS[1]:
                            continue
                    joined.append(u)
            block = (men[anchor] if anchor is not None and status[anchor] == IN_LINE else 0) + sum(men[u] for u in joined)
            for u in joined:
                status[u] = STANDING
            if anchor is not None and status[anchor] == IN_LINE:
                status[anchor] = STANDING
            score = 2 if anchor is not None else 0
            parts = ["the river at your back +2"] if anchor is not None else []
            score += 2
            parts.append("horses shy at a wall of shields +2")
            if anchor is not None:
                m = morale[anchor] - 3 - bs.fatigue[anchor]
                score += m
                if text is not None:
                    parts.append(f"the infantry's state {m:+d}")
            if action == "dismount_stand":
                score += 1
                if text is not None:
                    parts.append(f"{_cap(self.commander_name)} fighting on foot +1")
                commander = STOOD
                bs = bs._replace(stood=1)
            elif action == "take_boat":
                score -= 1
                parts.append("the standard gone -1")
                commander = BOAT
                if joined:
                    score += 1
                    parts.append("the Huns dismount beside the foot +1")
            else:
                parts.append("no one gathers the line")
                score -= 1
            size = 1 if block >= 40 else -1 if block < 20 else 0
            score += size
            if size and text is not None:
                parts.append(f"{block * 100:,} men in the block {size:+d}")
            chance = self.tables.stand[_band(score, 0, 6)]
            if text is not None:
                if action == "take_boat":
                    text.append(
                        f"{_cap(self.commander_name)} takes the standard and crosses by boat"
                        f"{' to ' + self.model.refuge if self.model.refuge else ' over the river'}."
                    )
                text.append(
                    f"The last stand{' by the river' if anchor is not None else ''} ({', '.join(parts)}): "
                    f"{chance}% that it holds until dark."
                )
            if dice.pick([chance, 100 - chance]) == 0:
                outcome = DEFEAT
                if text is not None:
                    text.append(
                        "Charge after charge breaks on the shields. The horses will not close, and night comes down."
                    )
            else:
                outcome = ROUTED
                for u in joined + ([anchor] if anchor is not None and status[anchor] == STANDING else []):
                    r = men[u] // 2
                    men[u] -= r
                    lost += r
                if text is not None:
                    text.append("The shield wall gives way. The last of the army is "
                                + ("driven into the river." if anchor is not None else "cut down where it stands."))
                if commander == STOOD:
                    commander = (KILLED, CAPTURED, STOOD)[dice.pick([1, 1, 2])]
                    if text is not None:
                        text.append({
                            KILLED: f"{self.commander_name} is killed on the bank.",
                            CAPTURED: f"{self.commander_name} is taken alive by the Persians.",
                            STOOD: f"{self.commander_name} gets away across the water in the dark.",
                        }[commander])
            for u in joined:
                morale[u] = _band(morale[u] - 1, 0, 4)
        elif action == "counter_charge":
            riders = [u for u in range(len(self.units)) if status[u] in (IN_LINE, RESERVE, ENCIRCLED)
                      and self.units[u].kind in MOUNTED and men[u] > 0]
            force = sum(men[u] for u in riders)
            enemy = bs.emen[bs.target] if bs.target >= 0 else max(bs.emen)
            odds = 2 if force >= 2 * enemy else 1 if force * 4 >= enemy * 5 else 0 if force * 5 >= enemy * 4 else -1 if force * 2 >= enemy else -2
            terms = [
                (-max((bs.fatigue[u] for u in riders), default=0), "tired horses"),
                (3 - bs.emorale[bs.target if bs.target >= 0 else 0], "enemy resolve"),
                (-1, "the line already broken") if bs.broke else (2, "the line unbroken"),
                (self.tables.after_repulse if bs.repulsed else 0, "his blow thrown back"),
            ]
            chance = self.tables.charge[_band(odds + sum(n for n, _ in terms), 0, 6)]
            if text is not None:
                text.append(f"The counter-charge ({force * 100:,} riders against {enemy * 100:,} ({odds:+d}), "
                            f"{_explain(terms)}): {chance}% that it succeeds.")
            if dice.pick([chance, 100 - chance]) == 0:
                for u in range(len(self.units)):
                    if status[u] == ENCIRCLED:
                        status[u] = IN_LINE
                outcome = VICTORY if not bs.broke else HELD
                e = bs.emen[bs.target if bs.target >= 0 else 0] // 3
                if text is not None:
                    text.append(
                        "The charge strikes home. The massed enemy is driven back in disorder, and the Persian "
                        "line gives ground." if outcome == VICTORY else
                        "The charge clears the flank and frees the men who were surrounded; the line is patched "
                        "together and holds until dark."
                    )
                return self._close(bs, men, morale, status, commander, outcome, lost, e)
            fall_encircled()
            order = bs.order
            for u in riders:
                r = men[u] // 3
                men[u] -= r
                lost += r
                if status[u] != FELL:
                    status[u] = FLED
                    if u not in order:
                        order += (u,)
            bs = bs._replace(order=order)
            outcome = ROUTED if bs.broke else DEFEAT
            if text is not None:
                text.append("The charge founders against fresh horsemen. The Roman cavalry is scattered.")
            if bs.broke:
                commander = (KILLED, CAPTURED, WITH_ARMY)[dice.pick([1, 1, 2])]
                if text is not None and commander != WITH_ARMY:
                    text.append(f"{_cap(self.commander_name)} falls at the head of the charge." if commander == KILLED
                                else f"{_cap(self.commander_name)}'s horse is killed under him, and he is taken.")
        elif action == "withdraw":
            fall_encircled()
            d = values[self.discipline_slot] if self.discipline_slot is not None else 5
            band = sum(1 for c in DISCIPLINE_CUTS if d >= c)
            chance = _band(WITHDRAW_ORDER[band] - (25 if bs.broke else 0), 5, 95)
            if text is not None:
                text.append(f"The army falls back{' towards ' + self.model.retreat if self.model.retreat else ''}: "
                            f"{chance}% that it keeps its order.")
            kept = dice.pick([chance, 100 - chance]) == 0
            for u in range(len(self.units)):
                if status[u] != FELL:
                    r = men[u] // 10 if kept else men[u] // 3
                    men[u] -= r
                    lost += r
            if kept:
                outcome = DEFEAT if bs.broke else HELD
                if text is not None:
                    text.append("The columns hold together, and the Persians let them go as the light fails.")
            else:
                outcome = ROUTED
                if text is not None:
                    text.append("The withdrawal turns into a flight, and the Persians ride down the stragglers.")
        else:  # hold an unbroken line until night
            outcome = HELD
            if text is not None:
                text.append("The line holds. The Persians ride back to their camp as the sun goes down.")
        return self._close(bs, men, morale, status, commander, outcome, lost, 0)

    def _close(self, bs: BattleState, men: list[int], morale: list[int], status: list[int], commander: int,
               outcome: int, lost: int, elost: int) -> BattleState:
        return bs._replace(men=tuple(men), morale=tuple(morale), status=tuple(status), commander=commander,
                           outcome=outcome, lost=bs.lost + lost, elost=bs.elost + elost)

    def _finish(self, bs: BattleState, values: tuple[int, ...],
                text: list[str] | None) -> tuple[int, ...]:
        """Nightfall: write the day's record, its results and the units back into the campaign's values."""
        outcome = bs.outcome or (DEFEAT if bs.broke else HELD)
        out = list(values)
        # in the order of RESULT_FLAGS and RESULT_QUANTITIES
        flags = (True, outcome == VICTORY, outcome == HELD, outcome == DEFEAT, outcome == ROUTED, bs.broke,
                 bs.seen, bs.stood, bs.commander == BOAT, bs.commander == KILLED, bs.commander == CAPTURED)
        for k, j in self._flag_slots:
            out[j] = 1 if flags[k] else 0
        losses = self.write_record(bs, out, outcome)
        quantities = (losses, bs.elost)
        for k, j, lo, hi in self._quantity_slots:
            out[j] = _band(quantities[k], lo, hi)
        status = bs.status
        for u, j in self._broke_slots:
            out[j] = 1 if status[u] == FLED else 0
        for u, j in self._fell_slots:
            out[j] = 1 if status[u] == FELL else 0
        for u, m, lo, hi, mo, fa in self._unit_slots:
            # a unit cut down is gone; the survivors of one that fled are still with the army, broken
            out[m] = 0 if status[u] == FELL else _band(bs.men[u], lo, hi)  # setups and detachments may exceed it
            out[mo] = bs.morale[u]
            out[fa] = bs.fatigue[u]
        if text is not None:
            text.append(f"Nightfall. {OUTCOME_TEXT[outcome]} Roman losses: about {losses * 100:,} men, dead or scattered; "
                        f"the enemy's: about {bs.elost * 100:,}.")
        return tuple(out)

    def write_record(self, bs: BattleState, out: list[int], outcome: int = PENDING) -> int:
        """Write the battle record (game/scenario/record.py) into `out`: at nightfall the day's, and
        while it is fought the record so far (for the phases' text variants). Returns the losses."""
        rec = self.battle.record
        losses = 0
        for u, fields in enumerate(self.battle.unit_record):
            st = bs.status[u]
            start = bs.start[u] if bs.start else bs.men[u]
            lost = max(0, start - (0 if st == FELL else bs.men[u]))
            losses += lost
            out[fields["broke"]] = bs.order.index(u) + 1 if u in bs.order else 0
            out[fields["fled"]] = int(st == FLED)
            out[fields["fell"]] = int(st == FELL)
            out[fields["stood"]] = int(st in (IN_LINE, STANDING, ENCIRCLED) and start > 0)
            out[fields["lost"]] = min(lost, 999)
        done = outcome != PENDING
        for name, on in (("fought", done), ("victory", outcome == VICTORY), ("held", outcome == HELD),
                         ("defeat", outcome == DEFEAT), ("routed", outcome == ROUTED),
                         ("struck_left", bs.target == 0), ("struck_right", bs.target == self.n - 1),
                         ("flank_broke", bs.broke), ("shift_seen", bs.seen),
                         ("commander_with_army", done and bs.commander == WITH_ARMY),
                         ("commander_stood", bs.commander == STOOD), ("commander_boat", bs.commander == BOAT),
                         ("commander_killed", bs.commander == KILLED),
                         ("commander_captured", bs.commander == CAPTURED)):
            out[rec[name]] = int(on)
        out[rec["broken"]] = len(bs.order)
        out[rec["roman_losses"]] = min(losses, 999)
        out[rec["enemy_losses"]] = min(bs.elost, 999)
        return losses

    # -- the view ----------------------------------------------------------------------------
    def brought(self, values: tuple[int, ...]) -> list[tuple[str, str]]:
        """What the campaign brought to the field, each with the decision it came from. Shown, never
        read by the rules: the rules read the same values through setups and conditions."""
        return [(what, source) for cond, what, source in self.battle.brought if cond.fn(values)]

    def view(self, bs: BattleState, values: tuple[int, ...]) -> BattleView:
        if bs.step < self.ndeploy:
            d = self.model.deployment[bs.step]
            stage, time, prompt = "Deployment", "Morning", f"{d.title}\n\n{d.text.rstrip()}"
            if bs.step == 0 and self.battle.brought:
                brought = self.brought(values)
                if brought:
                    prompt += "\n\nWhat the campaign brought to the field:\n" + "\n".join(
                        f"• {what} ({source})" for what, source in brought)
        else:
            p = self.current_phase(bs)
            ph = self.phases[p] if p is not None else self.phases[-1]
            text = (ph.holding_text if ph.holding_text and not bs.broke else ph.text).rstrip()
            variants = self.battle.phase_variants[p if p is not None else -1]
            if variants:
                so_far = list(values)
                self.write_record(bs, so_far)
                text += "".join("\n\n" + extra.rstrip() for cond, extra in variants if cond.fn(so_far))
            stage, time, prompt = ph.title, ph.time, text
        positions = []
        hidden_end = self.n - 1 if self.model.terrain_right == "rise" else 0 if self.model.terrain_left == "rise" else None
        for pos, u in enumerate(bs.line):
            unit = self.units[u]
            enemy_men: int | None = bs.emen[pos]
            if bs.target >= 0 and not bs.seen and pos == hidden_end and not bs.broke:
                enemy_men = None
            support = None
            if bs.support >= 0 and pos == bs.target:
                support = self.units[bs.support].name
            positions.append(PositionView(
                pos + 1, unit.id, unit.name, unit.kind, bs.men[u], MORALE_NAMES[bs.morale[u]],
                FATIGUE_NAMES[bs.fatigue[u]], STATUS_NAMES[bs.status[u]], self.enemies[pos].name, enemy_men,
                bs.station == pos, support,
            ))
        reserve = self.units[bs.reserve].name if bs.reserve >= 0 and bs.status[bs.reserve] == RESERVE else None
        station = "on the rise" if bs.station == -1 else f"with {self.units[bs.line[bs.station]].name}"
        return BattleView(
            self.model.title, stage, time, prompt, self.model.terrain_left, self.model.terrain_right,
            tuple(positions), reserve, station, bool(bs.watch), bool(bs.seen), OUTCOME_NAMES[bs.outcome],
            tuple(self.brought(values)),
        )


OUTCOME_TEXT = {
    VICTORY: "The field is yours.",
    HELD: "Neither line has broken.",
    DEFEAT: "The field is lost, but part of the army still stands.",
    ROUTED: "The army is destroyed.",
}


def _apply(values: tuple[int, ...], effects: tuple[Effect, ...]) -> tuple[int, ...]:
    if not effects:
        return values
    out = list(values)
    for e in effects:
        e.apply(out)
    return tuple(out)
