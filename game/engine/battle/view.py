"""What the battle screen shows of a battle state: the question or phase, the line with its
terrain, the enemy facing each position (hidden where the player cannot see), and what the
campaign brought to the field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from game.engine.battle.state import (
    FATIGUE_NAMES,
    MORALE_NAMES,
    ON_THE_RISE,
    OUTCOME_NAMES,
    RESERVE,
    STATUS_NAMES,
    WITH_HIDDEN,
    BattleState,
)

if TYPE_CHECKING:
    from game.engine.battle.rules import BattleRules


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
    terrain: str = "open"


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


def _prompt(r: BattleRules, bs: BattleState, values: tuple[int, ...]) -> tuple[str, str, str]:
    """The stage, the time of day and the text of the question or phase at hand."""
    if bs.step < r.ndeploy:
        d = r.model.deployment[bs.step]
        prompt = f"{d.title}\n\n{d.text.rstrip()}"
        if bs.step == 0 and r.battle.brought:
            brought = r.brought(values)
            if brought:
                prompt += "\n\nWhat the campaign brought to the field:\n" + "\n".join(
                    f"• {what} ({source})" for what, source in brought)
        return "Deployment", "Morning", prompt
    p = r.current_phase(bs)
    ph = r.phases[p] if p is not None else r.phases[-1]
    text = (ph.holding_text if ph.holding_text and not bs.broke else ph.text).rstrip()
    variants = r.battle.phase_variants[p if p is not None else -1]
    if variants:
        so_far = list(values)
        r.write_record(bs, so_far)
        text += "".join("\n\n" + extra.rstrip() for cond, extra in variants if cond.fn(so_far))
    return ph.title, ph.time, text


def battle_view(r: BattleRules, bs: BattleState, values: tuple[int, ...]) -> BattleView:
    stage, time, prompt = _prompt(r, bs, values)
    positions = []
    for pos, u in enumerate(bs.line):
        unit = r.units[u]
        enemy_men: int | None = bs.emen[pos]
        if pos == bs.target and r.ground[pos] == "rise" and not bs.seen and not bs.broke:
            enemy_men = None  # massed behind the rise, out of sight
        support = r.units[bs.support].name if bs.support >= 0 and pos == bs.target else None
        positions.append(PositionView(
            pos + 1, unit.id, unit.name, unit.kind, bs.men[u], MORALE_NAMES[bs.morale[u]],
            FATIGUE_NAMES[bs.fatigue[u]], STATUS_NAMES[bs.status[u]], r.enemies[pos].name, enemy_men,
            bs.station == pos, support, r.ground[pos],
        ))
    reserve = r.units[bs.reserve].name if bs.reserve >= 0 and bs.status[bs.reserve] == RESERVE else None
    station = ("on the rise" if bs.station == ON_THE_RISE
               else f"with {r.units[r.commander_unit].name}" if bs.station == WITH_HIDDEN and r.commander_unit is not None
               else f"with {r.units[bs.line[bs.station]].name}")
    return BattleView(
        r.model.title, stage, time, prompt, r.ground[0], r.ground[-1],
        tuple(positions), reserve, station, bool(bs.watch), bool(bs.seen), OUTCOME_NAMES[bs.outcome],
        tuple(r.brought(values)),
    )
