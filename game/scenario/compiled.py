"""Lower a validated scenario into the form the engine runs: a fixed state layout, compiled
expressions and resolved references. Every broken reference or expression is reported with its
file and line, all at once.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from game.scenario.battle_log import templates
from game.scenario.errors import Problem, ScenarioLoadError
from game.scenario.expressions import (
    BOOL,
    INT,
    Compiled,
    Effect,
    ExpressionError,
    Namespace,
    Slot,
    compile_condition,
    compile_effect,
    compile_number,
)
from game.scenario.sources import Sources
from game.scenario.record import BATTLE_FIELDS
from game.scenario.record import UNIT_FIELDS as RECORD_UNIT_FIELDS
from game.scenario.record import battle_name, unit_name

if TYPE_CHECKING:  # the validated models, or the records of their kept copy (`game.scenario.frozen`)
    from game.scenario.battle_models import Battle, DeployOption, EnemyPlan, Order
    from game.scenario.models import (
        Character,
        Choice,
        ChronicleEntry,
        Counsel,
        Ending,
        Flag,
        Place,
        Quality,
        Scene,
        Scenario,
        ScenarioInfo,
        Unit,
    )
    from game.scenario.models_base import Next

UNIT_FIELDS = (("men", 0, 999), ("morale", 0, 4), ("fatigue", 0, 2))
# names an expression reads as constants, never as a quality or flag
RESERVED_NAMES = frozenset({"true", "false"})


@dataclass(frozen=True)
class Target:
    """A compiled `next`: the first route whose condition holds gives the node index."""

    routes: tuple[tuple[Compiled | None, int], ...]

    def resolve(self, values: Any) -> int:
        for cond, node in self.routes:
            if cond is None or cond.fn(values):
                return node
        return self.routes[-1][1]

    @property
    def reads(self) -> frozenset[int]:
        out: set[int] = set()
        for cond, _ in self.routes:
            if cond is not None:
                out |= cond.reads
        return frozenset(out)

    @property
    def nodes(self) -> tuple[int, ...]:
        return tuple(node for _, node in self.routes)


@dataclass(frozen=True)
class COutcome:
    weight: Compiled
    effects: tuple[Effect, ...]
    target: Target
    text: str | None
    model_label: str | None = None


@dataclass(frozen=True)
class CChoice:
    model: Choice
    id: str
    cond: Compiled | None
    effects: tuple[Effect, ...]
    target: Target | None
    outcomes: tuple[COutcome, ...]
    # the chronicle entries with their conditions (on the state after the decision): the first that holds
    chronicle: tuple[tuple[Compiled | None, ChronicleEntry], ...] = ()


@dataclass(frozen=True)
class CDeployOption:
    model: DeployOption
    cond: Compiled | None
    effects: tuple[Effect, ...]
    line: tuple[int, ...] | None  # indices into CBattle.roman
    reserve: int | None  # -1 = none, index into CBattle.roman
    station: int | None  # position index (0-based), or -1 for the rise
    detach: tuple[tuple[int, int], ...] = ()  # (roman index, percent) that form the reserve


@dataclass(frozen=True)
class COrder:
    model: Order
    cond: Compiled | None
    effects: tuple[Effect, ...]
    unit: int | None = None  # the unit that rides (an index into CBattle.roman), for strike_at_commander


@dataclass(frozen=True)
class CSetup:
    cond: Compiled
    units: tuple[int, ...]  # indices into CBattle.units (roman first, then enemy)
    morale: int
    fatigue: int
    men: int
    reveal: bool
    phase: int | None  # apply at the end of this phase (index into the battle's phases)
    text: str | None


@dataclass(frozen=True)
class CHidden:
    unit: int  # index into CBattle.roman
    at: int  # the line position (0-based) it comes down on
    phase: int  # it comes down at the start of this phase
    cond: Compiled | None
    surprise: int
    strike: int
    text: str | None


@dataclass
class CBattle:
    model: Battle
    roman: tuple[str, ...]  # roman unit ids that may take part (the line and any reserve)
    enemy: tuple[str, ...]  # enemy unit ids, in their line order
    unit_models: dict[str, Unit]
    unit_slots: dict[str, tuple[int, int, int]]  # unit id -> (men, morale, fatigue) slots
    loyalty_slots: dict[str, int]
    default_line: tuple[int, ...]
    setup: tuple[CSetup, ...]
    deployment: tuple[tuple[CDeployOption, ...], ...]
    orders: tuple[tuple[COrder, ...], ...]  # per phase
    results: dict[str, Slot]
    unit_broke: dict[int, Slot]  # roman index -> flag slot
    commander_fell: dict[int, Slot]
    after: Target
    record: dict[str, int] = field(default_factory=dict)  # battle field -> slot index
    unit_record: tuple[dict[str, int], ...] = ()  # per roman index: unit field -> slot index
    phase_variants: tuple[tuple[tuple[Compiled, str], ...], ...] = ()  # per phase
    brought: tuple[tuple[Compiled, str, str], ...] = ()  # (condition, text, where it came from); shown only
    ground: tuple[str, ...] = ()  # the terrain at each line position, left to right
    plans: tuple[EnemyPlan, ...] = ()  # per phase: the enemy's plan (a shift phase's own, or the battle's)
    hidden: tuple[CHidden, ...] = ()
    log: dict[str, str] = field(default_factory=dict)  # every log line's template (game/scenario/battle_log.py)

    @property
    def reads(self) -> frozenset[int]:
        """Every value the battle reads: its conditions, effects, units and loyalties, and where it goes after."""
        out: set[int] = set(self.after.reads) | set(self.loyalty_slots.values())
        conds = [s.cond for s in self.setup] + [h.cond for h in self.hidden]  # what is `brought` is only shown
        conds += [o.cond for group in self.deployment for o in group] + [o.cond for row in self.orders for o in row]
        out |= {j for c in conds if c is not None for j in c.reads}
        effects = [e for group in self.deployment for o in group for e in o.effects]
        effects += [e for row in self.orders for o in row for e in o.effects]
        out |= {j for e in effects for j in e.reads}
        for slots in self.unit_slots.values():
            out |= set(slots)
        return frozenset(out)

    @property
    def writes(self) -> frozenset[int]:
        """Every value the battle can change: its record and results, the player's units, its orders'
        effects. The one list of what a battle writes: the rules, the explorer and the checker read it."""
        out = {s.index for s in self.results.values()}
        out |= set(self.record.values()) | {j for fields in self.unit_record for j in fields.values()}
        out |= {s.index for s in self.unit_broke.values()} | {s.index for s in self.commander_fell.values()}
        for uid in self.roman:
            out |= set(self.unit_slots[uid])
        for group in self.deployment:
            for opt in group:
                out |= {e.slot.index for e in opt.effects}
        for row in self.orders:
            for order in row:
                out |= {e.slot.index for e in order.effects}
        return frozenset(out)


@dataclass
class CScene:
    model: Scene
    choices: tuple[CChoice, ...]
    variants: tuple[tuple[Compiled, str], ...]
    counsel: tuple[tuple[Compiled | None, Counsel], ...]
    battle: CBattle | None = None
    effects: tuple[Effect, ...] = ()  # applied on entering the scene


@dataclass
class CEnding:
    model: Ending
    variants: tuple[tuple[Compiled, str], ...]


@dataclass
class CompiledScenario:
    """A scenario ready to run: the engine's only view of the data."""

    scenario: Scenario
    sources: Sources
    folder: Path
    layout: tuple[Slot, ...]
    names: tuple[str, ...]  # the name of each slot, in layout order
    namespace: Namespace
    initial: tuple[int, ...]
    nodes: list[CScene | CEnding]
    index: dict[str, int]
    n_scenes: int
    start: int
    battles: dict[str, CBattle] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.scenario.info.id

    def forget_sources(self) -> None:
        """Let go of the file and line of every item (the parsed YAML, megabytes, kept for the
        compiler's and the checker's messages): a game that has loaded its scenario has no more
        use for them. A message about the scenario after this names its first file, line 1."""
        self.sources = Sources(files=list(self.sources.files))

    def node_id(self, node: int) -> str:
        n = self.nodes[node]
        return n.model.id

    def is_ending(self, node: int) -> bool:
        return node >= self.n_scenes

    # -- what the layers above read of the scenario's data -------------------------------------
    # Read through these rather than `.scenario`, so that the validated models stay the
    # compiler's business. Lists are in the order of the scenario's files.
    @property
    def info(self) -> ScenarioInfo:
        """The scenario's id, title, subtitle, version, intro and start."""
        return self.scenario.info

    @property
    def content_hash(self) -> str:
        """A digest of every file's bytes: a save names it, to tell other content from its own."""
        return self.scenario.content_hash

    @property
    def qualities(self) -> tuple[Quality, ...]:
        return tuple(self.scenario.qualities)

    @property
    def flags(self) -> tuple[Flag, ...]:
        return tuple(self.scenario.flags)

    @property
    def units(self) -> tuple[Unit, ...]:
        """Every unit, the player's and the enemy's (`is_enemy`)."""
        return tuple(self.scenario.units)

    @property
    def endings(self) -> tuple[Ending, ...]:
        return tuple(self.scenario.endings)

    @property
    def places(self) -> tuple[Place, ...]:
        return tuple(self.scenario.places)

    @property
    def characters(self) -> tuple[Character, ...]:
        return tuple(self.scenario.characters)

    def place(self, place_id: str | None) -> Place | None:
        """The place with this id; None for no id or an unknown one."""
        return self._by_id["places"].get(place_id or "")  # type: ignore[return-value]

    def character(self, character_id: str | None) -> Character | None:
        """The character with this id; None for no id or an unknown one."""
        return self._by_id["characters"].get(character_id or "")  # type: ignore[return-value]

    def ending(self, ending_id: str | None) -> Ending | None:
        """The ending with this id; None for no id or an unknown one."""
        return self._by_id["endings"].get(ending_id or "")  # type: ignore[return-value]

    @cached_property
    def _by_id(self) -> dict[str, dict[str, Any]]:
        return {section: {item.id: item for item in getattr(self.scenario, section)}
                for section in ("places", "characters", "endings")}


def roman_units(b: Battle) -> list[str]:
    """Every unit of the player's that a battle may place: its line, then any other unit a
    deployment option puts in the line or the reserve, in the order they are first named."""
    roman = list(b.line)
    for dec in b.deployment:
        for opt in dec.options:
            for uid in (opt.line or []) + ([opt.reserve] if opt.reserve not in (None, "none") else []):
                if uid not in roman:
                    roman.append(uid)
    for h in b.hidden:
        if h.unit not in roman:
            roman.append(h.unit)
    return roman


def compile_folder(folder: Path | str, overlays: Sequence[Path | str] = ()) -> CompiledScenario:
    """Read, validate and compile a scenario folder (raises ScenarioLoadError), without the
    checker: `game.scenario.load()` is the front door that adds it."""
    from game.scenario.loader import load_scenario

    scenario, sources = load_scenario(folder, overlays)
    return compile_scenario(scenario, sources, Path(folder))


#: The name the tests and benchmarks know `compile_folder` by (no checker: they look at broken scenarios too).
load = compile_folder


def compile_scenario(scenario: Scenario, sources: Sources, folder: Path) -> CompiledScenario:
    return _Compiler(scenario, sources, folder).run()


class _Compiler:
    def __init__(self, scenario: Scenario, sources: Sources, folder: Path):
        self.s = scenario
        self.src = sources
        self.folder = folder
        self.problems: list[Problem] = []

    # -- reporting -------------------------------------------------------------------------
    def problem(self, section: str, item: str, path: tuple[str | int, ...], field_: str, message: str) -> None:
        file, line = self.src.at(section, item, *path)
        self.problems.append(Problem(file, line, field_, message))

    def expr(self, kind: str, source: str, section: str, item: str, path: tuple[str | int, ...],
             field_: str) -> Any:
        compiler: Callable[[str, Namespace], Any] = {
            "condition": compile_condition, "number": compile_number, "effect": compile_effect,
        }[kind]
        try:
            return compiler(source, self.ns)
        except ExpressionError as exc:
            self.problem(section, item, path, field_, str(exc))
            return None

    # -- the state layout --------------------------------------------------------------------
    def layout(self) -> None:
        slots: dict[str, Slot] = {}
        names: list[str] = []
        initial: list[int] = []
        owners: dict[str, str] = {}

        def add(name: str, kind: str, lo: int, hi: int, start: int, section: str, item: str) -> None:
            if name in slots:
                self.problem(section, item, ("id",), f"{section}[{item}].id",
                             f"'{name}' is already the id of a {owners[name]}; ids of qualities, flags "
                             "and units must differ")
                return
            owners[name] = section[:-1] if section != "qualities" else "quality"
            slots[name] = Slot(len(names), kind, lo, hi)
            names.append(name)
            initial.append(start)

        def reserved(section: str, item: str, words: frozenset[str]) -> None:
            # `true` would silently read as the constant, `if` or `not` would not parse at all
            if item in words or keyword.iskeyword(item):
                self.problem(section, item, ("id",), f"{section}[{item}].id",
                             f"'{item}' is a reserved word in expressions; choose another id")

        for q in self.s.qualities:
            reserved("qualities", q.id, RESERVED_NAMES)
            add(q.id, INT, q.min, q.max, q.start, "qualities", q.id)
        for f in self.s.flags:
            reserved("flags", f.id, RESERVED_NAMES)
            add(f.id, BOOL, 0, 1, int(f.start), "flags", f.id)
        for u in self.s.units:
            reserved("units", u.id, frozenset())  # `unit.true.men` is fine; `unit.if.men` is not
            if u.id in slots:
                add(u.id, INT, 0, 0, 0, "units", u.id)
                continue
            owners[u.id] = "unit"
            for fname, lo, hi in UNIT_FIELDS:
                add(f"unit.{u.id}.{fname}", INT, lo, hi, getattr(u, fname), "units", u.id)
        for b in self.s.battles:  # the battle record (game/scenario/record.py)
            for fname, kind, lo, hi, _ in BATTLE_FIELDS:
                add(battle_name(b.id, fname), kind, lo, hi, 0, "battles", b.id)
            for uid in roman_units(b):
                for fname, kind, lo, hi, _ in RECORD_UNIT_FIELDS:
                    add(unit_name(b.id, uid, fname), kind, lo, hi, 0, "battles", b.id)
        self.slots, self.names, self.initial = slots, names, initial
        self.ns = Namespace(slots)

    # -- references ------------------------------------------------------------------------
    def ref(self, kind: str, value: str | None, known: set[str], section: str, item: str,
            path: tuple[str | int, ...], field_: str) -> None:
        if value is None or value in known:
            return
        import difflib

        close = difflib.get_close_matches(value, sorted(known), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        self.problem(section, item, path, field_, f"no {kind} with id '{value}'{hint}")

    def target(self, nxt: Next, section: str, item: str, path: tuple[str | int, ...], label: str) -> Target | None:
        routes = [(None, nxt)] if isinstance(nxt, str) else [(route.if_, route.to) for route in nxt]
        out: list[tuple[Compiled | None, int]] = []
        for i, (if_, to) in enumerate(routes):
            rpath = path if isinstance(nxt, str) else path + (i,)
            rlabel = label if isinstance(nxt, str) else f"{label}[{i}]"
            cond = None
            if if_ is not None:
                cond = self.expr("condition", if_, section, item, rpath + ("if",), rlabel + ".if")
            elif i != len(routes) - 1:
                self.problem(section, item, rpath, rlabel, "only the last route may leave out 'if'")
            if to not in self.index:
                self.ref("scene or ending", to, set(self.index), section, item,
                         rpath if isinstance(nxt, str) else rpath + ("to",), rlabel)
                continue
            out.append((cond, self.index[to]))
        if routes and routes[-1][0] is not None:
            self.problem(section, item, path, label,
                         "the last route needs no 'if', so that there is always a way on")
        return Target(tuple(out)) if out else None

    def effects(self, sources: list[str], section: str, item: str, path: tuple[str | int, ...],
                label: str) -> tuple[Effect, ...]:
        out = []
        for i, src in enumerate(sources):
            e = self.expr("effect", src, section, item, path + (i,), f"{label}[{i}]")
            if e is not None:
                out.append(e)
        return tuple(out)

    def variants(self, variants: list[Any], section: str, item: str, label: str,
                 path: tuple[str | int, ...] = ()) -> tuple[tuple[Compiled, str], ...]:
        out = []
        for i, v in enumerate(variants):
            c = self.expr("condition", v.if_, section, item, path + ("variants", i, "if"), f"{label}.variants[{i}].if")
            if c is not None:
                out.append((c, v.text))
        return tuple(out)

    # -- the whole ---------------------------------------------------------------------------
    def run(self) -> CompiledScenario:
        self.layout()
        s = self.s
        self.node_index()
        self.scenario_references()
        compiled_battles: dict[str, CBattle] = {}
        for b in s.battles:
            cb = self.battle(b)
            if cb is not None:
                compiled_battles[b.id] = cb
        nodes: list[CScene | CEnding] = [self.scene(sc, compiled_battles) for sc in s.scenes]
        for e in s.endings:
            nodes.append(CEnding(e, self.variants(e.variants, "endings", e.id, f"endings[{e.id}]")))
        if self.problems:
            raise ScenarioLoadError(self.problems)
        return CompiledScenario(
            scenario=s, sources=self.src, folder=self.folder, layout=tuple(self.slots.values()),
            names=tuple(self.names), namespace=self.ns, initial=tuple(self.initial), nodes=nodes,
            index=self.index, n_scenes=len(s.scenes), start=self.index.get(s.info.start, 0),
            battles=compiled_battles,
        )

    def node_index(self) -> None:
        """Every scene, then every ending, by id: the nodes' numbers. Scenes and endings share one
        set of ids."""
        ids = [sc.id for sc in self.s.scenes] + [e.id for e in self.s.endings]
        self.index = {}
        for i, ident in enumerate(ids):
            if ident in self.index:
                self.problem("endings", ident, ("id",), f"endings[{ident}].id",
                             f"'{ident}' is already a scene id; scenes and endings share one set of ids")
            else:
                self.index[ident] = i

    def scenario_references(self) -> None:
        """The start scene, and each unit's commander and loyalty quality."""
        s = self.s
        characters = {c.id for c in s.characters}
        self.ref("scene", s.info.start, {sc.id for sc in s.scenes}, "scenario", "", (), "scenario.start")
        if self.src.info is not None and s.info.start not in {sc.id for sc in s.scenes}:
            # point at the start field itself
            self.problems[-1] = Problem(self.src.info.file, self.src.info.line("start"), "scenario.start",
                                        self.problems[-1].message)
        self.ref("character", s.info.hero, characters, "scenario", "", ("hero",), "scenario.hero")
        for u in s.units:
            self.ref("character", u.commander, characters, "units", u.id, ("commander",), f"units[{u.id}].commander")
            if u.loyalty is not None:
                slot = self.slots.get(u.loyalty)
                if slot is None or slot.type != INT or u.loyalty.startswith("unit."):
                    self.problem("units", u.id, ("loyalty",), f"units[{u.id}].loyalty",
                                 f"no quality with id '{u.loyalty}'")
        self.unit_kinds()

    def unit_kinds(self) -> None:
        """A unit's kind and experience are known to some battle's tables (or the defaults); those
        of a unit that fights are checked against its own battle's (`_battle_kinds`)."""
        tables = [b.tables for b in self.s.battles]
        if not tables:  # the defaults
            from game.scenario.battle_models import Tables

            tables = [Tables()]
        fighting = {uid for b in self.s.battles for uid in roman_units(b) + list(b.enemy_line)}
        for u in self.s.units:
            if u.id in fighting:
                continue
            for what, value, known in (("kind", u.kind, {k for t in tables for k in t.kinds}),
                                       ("experience", u.experience, {k for t in tables for k in t.experience})):
                if value not in known:
                    self.ref(what, value, known, "units", u.id, (what,), f"units[{u.id}].{what}")

    def scene(self, sc: Scene, battles: dict[str, CBattle]) -> CScene:
        """One scene: its places and battle checked, its counsel, choices, variants and entry effects compiled."""
        label = f"scenes[{sc.id}]"
        places = {p.id for p in self.s.places}
        self.ref("place", sc.place, places, "scenes", sc.id, ("place",), label + ".place")
        self.ref("place", sc.enemy_at, places, "scenes", sc.id, ("enemy_at",), label + ".enemy_at")
        if sc.battle is not None:
            self.ref("battle", sc.battle, {b.id for b in self.s.battles}, "scenes", sc.id, ("battle",),
                     label + ".battle")
        entry = self.effects(sc.effects, "scenes", sc.id, ("effects",), label + ".effects")
        return CScene(sc, self.scene_choices(sc, label), self.variants(sc.variants, "scenes", sc.id, label),
                      self.counsel(sc, label), battles.get(sc.battle) if sc.battle is not None else None, entry)

    def counsel(self, sc: Scene, label: str) -> tuple[tuple[Compiled | None, Counsel], ...]:
        characters = {c.id for c in self.s.characters}
        out = []
        for i, c in enumerate(sc.counsel):
            self.ref("character", c.who, characters, "scenes", sc.id, ("counsel", i, "who"), f"{label}.counsel[{i}].who")
            cond = None
            if c.if_ is not None:
                cond = self.expr("condition", c.if_, "scenes", sc.id, ("counsel", i, "if"), f"{label}.counsel[{i}].if")
            out.append((cond, c))
        return tuple(out)

    def scene_choices(self, sc: Scene, label: str) -> tuple[CChoice, ...]:
        """A scene's choices: ids unique in the scene, at most one marked historical."""
        choices = []
        seen: set[str] = set()
        historical = 0
        for i, ch in enumerate(sc.choices):
            cl = f"{label}.choices[{ch.id}]"
            if ch.id in seen:
                self.problem("scenes", sc.id, ("choices", i, "id"), cl + ".id", f"duplicate choice id '{ch.id}' in this scene")
            seen.add(ch.id)
            historical += ch.historical
            choices.append(self.choice(ch, sc.id, ("choices", i), cl))
        if historical > 1:
            self.problem("scenes", sc.id, ("choices",), label + ".choices",
                         f"{historical} choices are marked historical; at most one may be")
        return tuple(c for c in choices if c is not None)

    def choice(self, ch: Choice, scene: str, path: tuple[str | int, ...], label: str) -> CChoice | None:
        cond = None
        if ch.if_ is not None:
            cond = self.expr("condition", ch.if_, "scenes", scene, path + ("if",), label + ".if")
        effects = self.effects(ch.effects, "scenes", scene, path + ("effects",), label + ".effects")
        target = None
        if ch.next is not None:
            target = self.target(ch.next, "scenes", scene, path + ("next",), label + ".next")
        outcomes = []
        for j, o in enumerate(ch.chance or []):
            ol = f"{label}.chance[{j}]"
            op = path + ("chance", j)
            w = self.expr("number", o.weight, "scenes", scene, op + ("weight",), ol + ".weight")
            eff = self.effects(o.effects, "scenes", scene, op + ("effects",), ol + ".effects")
            t = self.target(o.next, "scenes", scene, op + ("next",), ol + ".next")
            if w is not None and t is not None:
                outcomes.append(COutcome(w, eff, t, o.text, o.label))
        chronicle = []
        for k, entry in enumerate(ch.chronicles):
            listed = isinstance(ch.chronicle, list)
            cp = path + ("chronicle",) + ((k,) if listed else ())
            cl = label + ".chronicle" + (f"[{k}]" if listed else "")
            when = None
            if entry.if_ is not None:
                when = self.expr("condition", entry.if_, "scenes", scene, cp + ("if",), cl + ".if")
                if when is None:
                    continue
            chronicle.append((when, entry))
        return CChoice(ch, ch.id, cond, effects, target, tuple(outcomes), tuple(chronicle))

    # -- battles -----------------------------------------------------------------------------
    def unique(self, ids: list[str], battle: str, path: tuple[str | int, ...], label: str, what: str,
               where: str = "in this battle") -> None:
        """Report a repeated id: the engine, saves and replays find options and orders by id (so
        a second one could never be taken), and a setup's `phase` names its phase by id."""
        seen: set[str] = set()
        for i, ident in enumerate(ids):
            if ident in seen:
                self.problem("battles", battle, path + (i, "id"), f"{label}[{ident}].id",
                             f"duplicate {what} id '{ident}' {where}")
            seen.add(ident)

    def battle(self, b: Battle) -> CBattle | None:
        units = {u.id: u for u in self.s.units}
        if not self._battle_units(b, units):
            return None
        label = f"battles[{b.id}]"
        roman = roman_units(b)
        all_units = tuple(roman) + tuple(b.enemy_line)
        self._battle_kinds(b, units, all_units)
        after = self.target(b.after, "battles", b.id, ("after",), label + ".after")
        if after is None:
            return None
        deployment = self._battle_deployment(b, roman)
        orders = self._battle_orders(b, roman)
        self._battle_plans(b)
        setups = self._battle_setups(b, all_units)
        phase_ids = [ph.id for ph in b.phases]
        unit_slots = {uid: tuple(self.slots[f"unit.{uid}.{f}"].index for f, _, _ in UNIT_FIELDS) for uid in all_units}
        loyalty = {uid: self.slots[units[uid].loyalty].index for uid in all_units
                   if units[uid].loyalty and units[uid].loyalty in self.slots}
        unit_broke, commander_fell = self._battle_unit_results(b, roman)
        return CBattle(
            model=b, roman=tuple(roman), enemy=tuple(b.enemy_line), unit_models={u: units[u] for u in all_units},
            unit_slots=unit_slots, loyalty_slots=loyalty,
            default_line=tuple(range(len(b.line))), setup=setups, deployment=deployment,
            orders=orders, results=self._battle_results(b), unit_broke=unit_broke, commander_fell=commander_fell,
            after=after,
            record={f: self.slots[battle_name(b.id, f)].index for f, *_ in BATTLE_FIELDS},
            unit_record=tuple({f: self.slots[unit_name(b.id, uid, f)].index for f, *_ in RECORD_UNIT_FIELDS}
                              for uid in roman),
            phase_variants=tuple(self.variants(ph.variants, "battles", b.id, f"{label}.phases[{ph.id}]",
                                               ("phases", p)) for p, ph in enumerate(b.phases)),
            brought=self._battle_brought(b),
            ground=tuple(b.ground),
            plans=tuple(ph.plan or b.plan for ph in b.phases),
            hidden=self._battle_hidden(b, roman, phase_ids),
            log=templates(b.log),
        )

    def _battle_units(self, b: Battle, units: dict[str, Unit]) -> bool:
        """The battle's lines, commanders and deployment name units and characters that exist, on the right side."""
        label = f"battles[{b.id}]"
        ok = True
        for key, ids, side in (("line", b.line, "roman"), ("enemy_line", b.enemy_line, "enemy")):
            for i, uid in enumerate(ids):
                ok &= self._battle_unit(b, units, uid, (key, i), f"{label}.{key}[{i}]", side)
        characters = {c.id for c in self.s.characters}
        self.ref("character", b.commander, characters, "battles", b.id, ("commander",), label + ".commander")
        self.ref("character", b.enemy_commander, characters, "battles", b.id, ("enemy_commander",),
                 label + ".enemy_commander")
        for d, dec in enumerate(b.deployment):
            for o, opt in enumerate(dec.options):
                ol = f"{label}.deployment[{dec.id}].options[{opt.id}]"
                op = ("deployment", d, "options", o)
                for k, uid in enumerate(opt.line or []):
                    ok &= self._battle_unit(b, units, uid, op + ("line", k), f"{ol}.line[{k}]", "roman")
                if opt.line is not None and len(opt.line) != len(b.line):
                    self.problem("battles", b.id, op + ("line",), ol + ".line",
                                 f"the line has {len(opt.line)} units but the battle has {len(b.line)} positions")
                    ok = False
                if opt.line is not None and len(set(opt.line)) != len(opt.line):
                    self.problem("battles", b.id, op + ("line",), ol + ".line", "a unit stands twice in the line")
                    ok = False
                if opt.reserve not in (None, "none"):
                    ok &= self._battle_unit(b, units, opt.reserve, op + ("reserve",), ol + ".reserve", "roman")
                if isinstance(opt.station, int) and not 1 <= opt.station <= len(b.line):
                    self.problem("battles", b.id, op + ("station",), ol + ".station",
                                 f"station {opt.station} is not a line position (1..{len(b.line)})")
                    ok = False
        for k, h in enumerate(b.hidden):
            ok &= self._battle_unit(b, units, h.unit, ("hidden", k, "unit"), f"{label}.hidden[{k}].unit", "roman")
        return ok

    def _battle_unit(self, b: Battle, units: dict[str, Unit], uid: str, path: tuple[str | int, ...],
                     field_: str, side: str) -> bool:
        u = units.get(uid)
        if u is None:
            self.ref("unit", uid, set(units), "battles", b.id, path, field_)
            return False
        if (side == "roman") == u.is_enemy:
            key = path[0]
            self.problem("battles", b.id, path, field_,
                         f"unit '{uid}' is on the {'enemy' if u.is_enemy else 'Roman'} side; "
                         f"'{key}' needs {'Roman' if side == 'roman' else 'enemy'} units"
                         if key in ("line", "enemy_line") else f"unit '{uid}' is an enemy unit")
            return False
        return True

    def _battle_kinds(self, b: Battle, units: dict[str, Unit], all_units: tuple[str, ...]) -> None:
        """Every unit's kind and experience are in the battle's tables, which say how they fight."""
        t = b.tables
        for uid in all_units:
            u = units[uid]
            for what, value, known in (("kind", u.kind, t.kinds), ("experience", u.experience, t.experience),
                                       ("experience", u.experience, t.experience_weight)):
                if value not in known:
                    self.problem("units", uid, (what,), f"units[{uid}].{what}",
                                 f"battle '{b.id}' has no {what} '{value}' in its tables "
                                 f"(it knows {', '.join(sorted(known))})")
                    break
        for pos, ground in enumerate(b.ground):
            if ground not in t.terrain:
                self.problem("battles", b.id, ("terrain",), f"battles[{b.id}].terrain[{pos}]",
                             f"the tables give no defence for terrain '{ground}'")

    def _battle_setups(self, b: Battle, all_units: tuple[str, ...]) -> tuple[CSetup, ...]:
        label = f"battles[{b.id}]"
        nr = len(all_units) - len(b.enemy_line)
        phase_ids = [ph.id for ph in b.phases]
        # a setup's `phase` names a phase by id
        self.unique(phase_ids, b.id, ("phases",), f"{label}.phases", "phase")
        setups = []
        for i, st in enumerate(b.setup):
            sl = f"{label}.setup[{i}]"
            cond = self.expr("condition", st.if_, "battles", b.id, ("setup", i, "if"), sl + ".if")
            groups = {"roman": range(nr), "enemy": range(nr, len(all_units)), "all": range(len(all_units))}
            if isinstance(st.units, str):
                idx = tuple(groups[st.units])
            else:
                found = []
                for k, uid in enumerate(st.units):
                    if uid in all_units:
                        found.append(all_units.index(uid))
                    else:
                        self.ref("unit in this battle", uid, set(all_units), "battles", b.id,
                                 ("setup", i, "units", k), f"{sl}.units[{k}]")
                idx = tuple(found)
            phase = None
            if st.phase is not None:
                if st.phase in phase_ids:
                    phase = phase_ids.index(st.phase)
                else:
                    self.ref("phase", st.phase, set(phase_ids), "battles", b.id, ("setup", i, "phase"), sl + ".phase")
            if cond is not None:
                setups.append(CSetup(cond, idx, st.morale, st.fatigue, st.men, st.reveal, phase, st.text))
        return tuple(setups)

    def _battle_deployment(self, b: Battle, roman: list[str]) -> tuple[tuple[CDeployOption, ...], ...]:
        label = f"battles[{b.id}]"
        deployment = []
        for d, dec in enumerate(b.deployment):
            self.unique([opt.id for opt in dec.options], b.id, ("deployment", d, "options"),
                        f"{label}.deployment[{dec.id}].options", "option", "in this question")
            opts = []
            for o, opt in enumerate(dec.options):
                ol = f"{label}.deployment[{dec.id}].options[{opt.id}]"
                op = ("deployment", d, "options", o)
                cond = None
                if opt.if_ is not None:
                    cond = self.expr("condition", opt.if_, "battles", b.id, op + ("if",), ol + ".if")
                eff = self.effects(opt.effects, "battles", b.id, op + ("effects",), ol + ".effects")
                line = tuple(roman.index(u) for u in opt.line) if opt.line else None
                reserve = None if opt.reserve is None else (-1 if opt.reserve == "none" else roman.index(opt.reserve))
                station = None if opt.station is None else (-1 if opt.station == "rise" else opt.station - 1)
                detach = []
                for uid, pct in opt.detach.items():
                    if uid not in roman or not 1 <= pct <= 100:
                        self.problem("battles", b.id, op + ("detach", uid), f"{ol}.detach.{uid}",
                                     f"'{uid}' is not a unit of the player's in this battle" if uid not in roman
                                     else f"{pct} is not a percentage from 1 to 100")
                    else:
                        detach.append((roman.index(uid), pct))
                if detach and (reserve is None or reserve < 0):
                    self.problem("battles", b.id, op + ("detach",), ol + ".detach",
                                 "'detach' forms a reserve: name the reserve unit in 'reserve'")
                opts.append(CDeployOption(opt, cond, eff, line, reserve, station, tuple(detach)))
            deployment.append(tuple(opts))
        return tuple(deployment)

    def _battle_plans(self, b: Battle) -> None:
        """A plan that names a line position names one the line has."""
        for path, plan in [(("plan", "mass_against"), b.plan)] + [
            (("phases", p, "plan", "mass_against"), ph.plan) for p, ph in enumerate(b.phases) if ph.plan
        ]:
            if isinstance(plan.mass_against, int) and plan.mass_against > len(b.line):
                self.problem("battles", b.id, path, f"battles[{b.id}]." + ".".join(map(str, path)),
                             f"position {plan.mass_against} is not a line position (1..{len(b.line)})")

    def _battle_orders(self, b: Battle, roman: list[str]) -> tuple[tuple[COrder, ...], ...]:
        label = f"battles[{b.id}]"
        orders = []
        for p, phase in enumerate(b.phases):
            self.unique([order.id for order in phase.orders], b.id, ("phases", p, "orders"),
                        f"{label}.phases[{phase.id}].orders", "order", "in this phase")
            row = []
            for o, order in enumerate(phase.orders):
                ol = f"{label}.phases[{phase.id}].orders[{order.id}]"
                op = ("phases", p, "orders", o)
                cond = None
                if order.if_ is not None:
                    cond = self.expr("condition", order.if_, "battles", b.id, op + ("if",), ol + ".if")
                eff = self.effects(order.effects, "battles", b.id, op + ("effects",), ol + ".effects")
                unit = None
                if order.unit is not None:
                    if order.action != "strike_at_commander":
                        self.problem("battles", b.id, op + ("unit",), ol + ".unit",
                                     "only a 'strike_at_commander' order names the unit that rides")
                    elif order.unit not in roman:
                        self.ref("unit of the player's in this battle", order.unit, set(roman), "battles", b.id,
                                 op + ("unit",), ol + ".unit")
                    else:
                        unit = roman.index(order.unit)
                row.append(COrder(order, cond, eff, unit))
            orders.append(tuple(row))
        return tuple(orders)

    def _battle_results(self, b: Battle) -> dict[str, Slot]:
        results: dict[str, Slot] = {}
        for key, value in dict(b.results).items():
            if isinstance(value, str):
                slot = self.slots.get(value)
                want = INT if key in ("roman_losses", "enemy_losses") else BOOL
                if slot is None or slot.type != want or value.startswith("unit."):
                    self.problem("battles", b.id, ("results", key), f"battles[{b.id}].results.{key}",
                                 f"no {'quality' if want == INT else 'flag'} with id '{value}'")
                else:
                    results[key] = slot
        return results

    def _battle_unit_results(self, b: Battle, roman: list[str]) -> tuple[dict[int, Slot], dict[int, Slot]]:
        unit_broke: dict[int, Slot] = {}
        commander_fell: dict[int, Slot] = {}
        for key, table in (("unit_broke", unit_broke), ("commander_fell", commander_fell)):
            for uid, flag in getattr(b.results, key).items():
                slot = self.slots.get(flag)
                field_ = f"battles[{b.id}].results.{key}.{uid}"
                if uid not in roman:
                    self.ref("unit of the player's in this battle", uid, set(roman), "battles", b.id,
                             ("results", key, uid), field_)
                elif slot is None or slot.type != BOOL:
                    self.problem("battles", b.id, ("results", key, uid), field_, f"no flag with id '{flag}'")
                else:
                    table[roman.index(uid)] = slot
        return unit_broke, commander_fell

    def _battle_brought(self, b: Battle) -> tuple[tuple[Compiled, str, str], ...]:
        brought = []
        for i, item in enumerate(b.brought):
            cond = self.expr("condition", item.if_, "battles", b.id, ("brought", i, "if"),
                             f"battles[{b.id}].brought[{i}].if")
            if cond is not None:
                brought.append((cond, item.text, item.from_))
        return tuple(brought)

    def _battle_hidden(self, b: Battle, roman: list[str], phase_ids: list[str]) -> tuple[CHidden, ...]:
        out = []
        for k, h in enumerate(b.hidden):
            hl = f"battles[{b.id}].hidden[{k}]"
            path = ("hidden", k)
            cond = None
            if h.if_ is not None:
                cond = self.expr("condition", h.if_, "battles", b.id, path + ("if",), hl + ".if")
            if h.arrives not in phase_ids:
                self.ref("phase", h.arrives, set(phase_ids), "battles", b.id, path + ("arrives",), hl + ".arrives")
                continue
            if not 1 <= h.at <= len(b.line):
                self.problem("battles", b.id, path + ("at",), hl + ".at",
                             f"position {h.at} is not a line position (1..{len(b.line)})")
                continue
            if h.unit in b.line:
                self.problem("battles", b.id, path + ("unit",), hl + ".unit",
                             f"'{h.unit}' stands in the battle's line: a hidden force is a unit kept out of it")
                continue
            out.append(CHidden(roman.index(h.unit), h.at - 1, phase_ids.index(h.arrives), cond,
                               h.surprise, h.strike, h.text))
        return tuple(out)
