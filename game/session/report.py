"""What a playthrough left behind, as plain data: `callinicum replay --json` prints it, and tests
read it to hold later text to the battle that was fought.

Everything here is read from the state (the values and the battle record, game/scenario/record.py),
never from prose, so it is the same truth the army panel and the story read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from game.engine.battle import FATIGUE_NAMES, MORALE_NAMES
from game.scenario.compiled import CBattle, CompiledScenario, CScene
from game.scenario.record import COMMANDER_FATES, OUTCOMES
from game.session.playthrough import Playthrough


@dataclass(frozen=True)
class BattleRecord:
    """One battle as the state records it (unit ids throughout)."""

    battle: str
    scene: str
    outcome: str
    flank: str | None  # "left", "right", or None when no blow fell
    flank_broke: bool
    shift_seen: bool
    first_broken: str | None
    broken: tuple[str, ...]  # in the order they broke
    fallen: tuple[str, ...]
    stood: tuple[str, ...]
    commander: str  # one of COMMANDER_FATES
    roman_losses: int  # men
    enemy_losses: int  # men
    lost: dict[str, int]  # unit id -> men lost

    def as_json(self) -> dict[str, Any]:
        return {
            "battle": self.battle, "scene": self.scene, "outcome": self.outcome, "flank": self.flank,
            "flank_broke": self.flank_broke, "shift_seen": self.shift_seen, "first_broken": self.first_broken,
            "broken": list(self.broken), "fallen": list(self.fallen), "stood": list(self.stood),
            "commander": self.commander, "roman_losses": self.roman_losses, "enemy_losses": self.enemy_losses,
            "lost": self.lost,
        }


def battle_record(cs: CompiledScenario, battle: CBattle, scene: str, values: tuple[int, ...]) -> BattleRecord:
    """The record of a battle from the values after it (its nightfall)."""
    rec = {name: values[j] for name, j in battle.record.items()}
    units = [{name: values[j] for name, j in fields.items()} for fields in battle.unit_record]
    ids = battle.roman
    broke = sorted((u["broke"], ids[k]) for k, u in enumerate(units) if u["broke"])
    return BattleRecord(
        battle=battle.model.id, scene=scene,
        outcome=next((o for o in OUTCOMES if rec[o]), "pending"),
        flank="left" if rec["struck_left"] else "right" if rec["struck_right"] else None,
        flank_broke=bool(rec["flank_broke"]), shift_seen=bool(rec["shift_seen"]),
        first_broken=broke[0][1] if broke else None,
        broken=tuple(uid for _, uid in broke),
        fallen=tuple(ids[k] for k, u in enumerate(units) if u["fell"]),
        stood=tuple(ids[k] for k, u in enumerate(units) if u["stood"]),
        commander=next((f for f in COMMANDER_FATES if rec[f"commander_{f}"]), "with_army"),
        roman_losses=rec["roman_losses"] * 100, enemy_losses=rec["enemy_losses"] * 100,
        lost={ids[k]: u["lost"] * 100 for k, u in enumerate(units) if u["lost"]},
    )


def battles_fought(p: Playthrough) -> list[BattleRecord]:
    """Every battle of the playthrough, in the order fought, read at its nightfall."""
    cs = p.scenario
    out = []
    for before, after in zip(p.states, p.states[1:]):
        if before.battle is not None and (after.battle is None or after.node != before.node):
            node = cs.nodes[before.node]
            assert isinstance(node, CScene) and node.battle is not None
            out.append(battle_record(cs, node.battle, node.model.id, after.values))
    return out


def unit_state(battles: list[BattleRecord], unit_id: str, men: int) -> str:
    """A unit's standing after these battles: 'fallen' (cut down in a battle), 'broken' (fled in
    the last battle it fought), 'absent' (no men with the army) or 'with the army'."""
    last = None
    for b in battles:
        if unit_id in b.fallen or unit_id in b.broken or unit_id in b.stood:
            last = b
    if last is not None and unit_id in last.fallen:
        return "fallen"
    if men <= 0:
        return "absent"
    if last is not None and unit_id in last.broken:
        return "broken"
    return "with the army"


def playthrough_json(p: Playthrough, stopped: str | None = None) -> dict[str, Any]:
    """The contract of `callinicum replay --json` (README, "The command line")."""
    cs = p.scenario
    values = p.state.values
    slots = cs.namespace.slots
    scenes: list[str] = []
    for st in p.states:
        if not cs.is_ending(st.node) and (not scenes or scenes[-1] != cs.node_id(st.node)):
            scenes.append(cs.node_id(st.node))
    named: dict[str, int | bool] = {}
    for q in cs.qualities:
        named[q.id] = values[slots[q.id].index]
    for f in cs.flags:
        named[f.id] = bool(values[slots[f.id].index])
    battles = battles_fought(p)
    units: dict[str, dict[str, Any]] = {}
    for u in cs.units:
        if u.is_enemy:
            continue
        men = values[slots[f"unit.{u.id}.men"].index]
        morale = values[slots[f"unit.{u.id}.morale"].index]
        fatigue = values[slots[f"unit.{u.id}.fatigue"].index]
        units[u.id] = {
            "name": u.name, "men": men * 100, "morale": MORALE_NAMES[morale], "fatigue": FATIGUE_NAMES[fatigue],
            "state": unit_state(battles, u.id, men),
        }
    ending = p.ending
    return {
        "scenario": cs.id, "version": cs.info.version, "seed": p.seed, "decisions": list(p.decisions),
        "scenes": scenes, "values": named, "units": units,
        "battles": [b.as_json() for b in battles],
        "ending": ending,
        "stopped": None if ending else (stopped or "the playthrough has not reached an ending"),
    }
