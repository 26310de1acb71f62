"""The explorer's battles: each fought out from its beginnings, one step of the battle at a time
(`Fighter`), in this process or in a worker process (game/engine/explore.py hands them out).

Nearly all of an exhaustive walk's work is here, so this module is compiled with the battle rules
where a C compiler is at hand (game/engine/native.py): its loops then call the rules without the
interpreter in between, for its arguments are typed with the rules' own classes (`BattleRules`,
`BattleState`). What it merges of battle states and values it keeps as plain tuples, lists and
dicts. Compiled, its functions and methods cannot be replaced
while it runs: a test that replaces one reads the module from its source (`from_source` in
tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from game.engine.abstraction import Abstraction, banded
from game.engine.battle.rules import BattleRules
from game.engine.battle.state import BattleState, Roll
from game.engine.campaign import Campaign
from game.engine.dice import enumerate_chance
from game.engine.state import State
from game.engine.walker import Batch, Fought

Key = tuple[Any, ...]


def _canonical(layer: dict[Key, list]) -> list[list]:
    """A step's battle states in an order that depends only on the states themselves (their keys
    hold only numbers, whose hashes are the same in every process), so that every beginning's
    sums are added up in the same order whichever beginnings are fought alongside it."""
    return [layer[k] for k in sorted(layer, key=lambda k: (hash(k), k))]


class Fighter:
    """Fights battles out from their beginnings, one step of the battle at a time (every order and
    every chance outcome), merging battle states that the rest of the battle cannot tell apart: of
    the battle's own state, `BattleRules.remembered` keeps only what some later phase reads; of the
    campaign's values, `Abstraction.battle_key` keeps only what the battle still reads, less what
    only its orders' conditions read. Beginnings fought together share the states they both reach
    (each state carries each beginning's probability and paths); where they differ in what the
    orders' conditions read, each is given the orders its own values open. Each step's states are
    dropped once the next step's are known."""

    def __init__(self, campaign: Campaign, ab: Abstraction, merge: bool = True):
        self.campaign = campaign
        self.ab = ab
        self.merge = merge
        # battles by number (the scenes that fight one battle share its states)
        self.number = {bid: i for i, bid in enumerate(sorted(campaign.scenario.battles))}
        self._arrival: dict[tuple[BattleRules, int], tuple[tuple[int, Any], ...]] = {}
        self._read_at_night: dict[BattleRules, Callable[[BattleState], tuple]] = {}
        # per battle, what tells apart the states of its last step (`BattleRules.last_step_key`)
        self._last_key: dict[BattleRules, Callable[[BattleState, tuple[int, ...]], tuple] | None] = {}
        # a batch's leaves: by what tells them apart (`_night`), their number; and the node each enters
        self._leaf_number: dict[Key, int] = {}
        self._leaf_node: list[int] = []
        # the day's last battle states, by what nightfall reads of them: their leaf's number
        # (by the values they end with, then by the battle and what nightfall reads of the state;
        # the values' own memo is kept at hand while the outcomes share them: `_night_values`)
        self._nightfall: dict[tuple[int, ...], dict[tuple, int]] = {}
        self._night_values: tuple[Any, dict[tuple, int]] = (None, {})
        # a batch's battle states of the steps to come, by step, then by key (`key`): their slots,
        # [masses (per beginning [probability, paths]), rules, node, battle state, values]
        self._pending: dict[int, dict[Key, list]] = {}
        # a batch's steps from a blow's roll, by the node and the roll: (chance paths, `_step`'s outcomes)
        self._rolled: dict[tuple[int, Roll], tuple[int, list]] = {}
        self._begun_values: list[tuple[int, ...]] = []  # each beginning's values, in a batch
        # the values `key` last merged: (them, (node, whole), merged)
        self._read_values: tuple[Any, Any, Any] = (None, None, None)

    def fight(self, beginnings: list[tuple[State, int]]) -> Batch:
        """Fight out each (beginning, budget): a beginning's battle states are counted step by
        step, and one that would pass its budget is fought no further (`complete` is then False)."""
        batch = Batch([Fought([], budget) for _, budget in beginnings])
        # per beginning, its leaves by number: [probability, paths, values at nightfall, node entered]
        leaves: list[dict[int, list]] = [{} for _ in beginnings]
        self._begun_values = [state.values for state, _ in beginnings]
        pending = self._pending = {}
        try:
            for b, (state, _) in enumerate(beginnings):
                rules, bs = self._begun(state)
                key = self.key(rules, state.node, bs, state.values)
                slot = pending.setdefault(0, {}).setdefault(key, [{}, rules, state.node, bs, state.values])
                slot[0][b] = [1.0, 1]
            while pending:
                layer = _canonical(pending.pop(min(pending)))
                _count(layer, batch.fought)
                for slot in layer:
                    if slot[0]:
                        self._orders(slot, leaves, batch)
        finally:  # what a batch keeps is its own (the outcomes of its blows carry its slots), even if it stops
            self._nightfall.clear()
            self._night_values = (None, {})
            self._rolled.clear()
            self._leaf_number.clear()
            self._leaf_node.clear()
            self._pending = {}
        for fought, table in zip(batch.fought, leaves):
            fought.leaves = [(p, n, w, node) for p, n, w, node in table.values()]
        return batch

    def _begun(self, state: State) -> tuple[BattleRules, BattleState]:
        """The rules of the battle a state has begun, and its battle state."""
        rules, bs = self.campaign.battle_rules(state), state.battle
        assert rules is not None and bs is not None, "a battle's beginning is inside a battle"
        return rules, bs

    def _live(self, rules: BattleRules, to: int) -> tuple[tuple[int, Any], ...]:
        """Of the values a battle changes, those that matter on arrival at `to`."""
        found = self._arrival.get((rules, to))
        if found is None:
            found = self._arrival[rules, to] = self.ab.live_on_arrival(to, rules.changes)
        return found

    def _night(self, rules: BattleRules, bs: BattleState, values: tuple[int, ...]) -> int:
        """Where the day's last battle state leaves the story, as the number of its leaf in the
        batch: leaves are told apart as the walk tells them apart, by the next node and the merged
        form of the values the battle changed as they arrive there. Last states alike in what
        nightfall reads for those values (`BattleRules.finish_reads`) leave alike, so each is
        finished once."""
        reads = self._read_at_night.get(rules)
        if reads is None:
            reads = self._read_at_night[rules] = rules.finish_reads(self._read_after(rules))
        memo = self._night_values
        if memo[0] is not values:  # the values are hashed only when the outcomes stop sharing them
            memo = self._night_values = (values, self._nightfall.setdefault(values, {}))
        seen = (rules, reads(bs))
        found = memo[1].get(seen)
        if found is None:
            out = rules.finish(bs, values)
            to = rules.battle.after.resolve(out)
            leaf = (to, banded(out, self._live(rules, to)))
            found = self._leaf_number.setdefault(leaf, len(self._leaf_number))
            if found == len(self._leaf_node):
                self._leaf_node.append(to)
            memo[1][seen] = found
        return found

    def _read_after(self, rules: BattleRules) -> set[int]:
        """The values the battle changes that the story after it reads: where it goes, and what
        matters on arrival there."""
        after = rules.battle.after
        return set(after.reads) | {j for _, to in after.routes for j, _ in self._live(rules, to)}

    def key(self, rules: BattleRules, node: int, bs: BattleState, values: tuple[int, ...], whole: bool = False) -> Key:
        """What tells battle states apart: the battle (not the scene that fights it), its state
        less what no later phase reads (at the day's last step, less the men where the crisis and
        nightfall read only a few things worked out from them: `BattleRules.last_step_key`), and
        the campaign's values that the battle still reads, less those only its orders' conditions
        read, unless `whole` (what tells beginnings apart)."""
        state: tuple
        if not self.merge:
            state = bs
        else:
            if rules not in self._last_key:
                self._last_key[rules] = rules.last_step_key(self._read_after(rules))
            last = self._last_key[rules]
            state = last(bs, values) if last is not None and bs.step == rules.last_step else rules.remembered(bs)
        read = self._read_values
        if read[0] is not values or read[1] != (node, whole):  # the outcomes of a step mostly share their values
            read = self._read_values = (values, (node, whole), self.ab.battle_key(node, values, whole))
        return (self.number[rules.battle.model.id], state, read[2])

    def kin(self, state: State) -> tuple[tuple, Key]:
        """How a beginning is put in a batch: its kin (the battle, the campaign's values it reads,
        and its state less the men of each unit), then its key (`key`). Beginnings of one kin (the
        foot stronger by a garrison, or weaker by the rear left on the road) come to many of the
        same states by the battle's last step, whose key reads the men only through a few figures
        worked out from them: fought in one batch, they share those states."""
        rules, bs = self._begun(state)
        first = self.key(rules, state.node, bs, state.values)
        if bs.step == rules.last_step:  # a day that begins with its crisis: its key is its kin
            return (first[0], first[2], (bs.step, first[1])), first
        menless = bs._replace(men=(), start=())
        return (first[0], first[2], rules.remembered(menless)), first

    def _opening(self, node: int, masses: dict[int, list], values: tuple[int, ...]) -> list[tuple[tuple, dict]]:
        """The beginnings of a battle state (their masses) by their values of those only the orders'
        conditions read (`Abstraction.late`): (the state's values with theirs, their masses)."""
        late = self.ab.late(node)
        if not late:
            return [(values, masses)]
        parts: dict[tuple[int, ...], dict[int, list]] = {}
        for b, mass in masses.items():
            parts.setdefault(tuple([self._begun_values[b][j] for j in late]), {})[b] = mass
        out = []
        for mine in sorted(parts):
            own = list(values)
            for j, v in zip(late, mine):
                own[j] = v
            out.append((tuple(own), parts[mine]))
        return out

    def _orders(self, slot: list, leaves: list[dict[int, list]], batch: Batch) -> None:
        """Every order open in one battle state, and every chance outcome of each."""
        masses, rules, node, bs, values = slot
        outcomes_of: dict[str, list] = {}  # the same for every beginning given the order
        for opened, group in self._opening(node, masses, values):
            options = rules.available(bs, opened)
            if not options:
                for b, (p, _) in group.items():
                    batch.fought[b].dead += 1
                    batch.fought[b].dead_p += p
                continue
            share = 1.0 / len(options)
            for b in group:
                batch.fought[b].taken.update((bs.step, option) for option in options)
            for option in options:
                outcomes = outcomes_of.get(option)
                if outcomes is None:
                    outcomes = outcomes_of[option] = self._step(rules, node, bs, values, option, batch)
                self._outcomes(outcomes, share, rules, group, leaves)

    def _step(self, rules: BattleRules, node: int, bs: BattleState, values: tuple[int, ...], option: str,
              batch: Batch) -> list:
        """An order's chance outcomes, those the rest of the battle cannot tell apart together
        (`_alike`). The rest of a step from its first roll (`BattleRules.to_roll`) is worked out
        once for every order and state that come to the same blow: many do, for the blow resets
        what the orders against it set."""
        found = rules.to_roll(bs, values, option)
        if not isinstance(found, Roll):
            batch.steps += 1
            return self._alike(rules, node, [(1.0, found)])
        roll = found
        # only an assault is met again: a crisis comes from one state of the last step alone. The
        # outcomes kept carry the slots of the states they lead to, of later steps than the roll's:
        # still to come whenever a state of the roll's step or an earlier one is fought
        memo = roll.kind == "assault"
        known = self._rolled.get((node, roll)) if memo else None
        if known is not None:
            batch.steps += known[0]
            return known[1]
        outcomes = enumerate_chance(lambda dice: rules.from_roll(roll, dice))
        batch.steps += len(outcomes)
        merged = self._alike(rules, node, outcomes)
        if memo:
            self._rolled[node, roll] = (len(outcomes), merged)
        return merged

    def _alike(self, rules: BattleRules, node: int, outcomes: list) -> list:
        """A step's chance outcomes ((chance, (battle state, values))), merged where the rest of
        the battle cannot tell them apart: each [chance, chance paths, into, leaf]. Before
        nightfall, `into` is the masses of the next battle state's slot, in the steps to come (the
        slot is made if it is new); at nightfall, `leaf` is [the leaf's number, a last battle
        state, its values, the values after nightfall] (these worked out when first needed)."""
        alike: dict[int, list] = {}  # by id(into), or by ~leaf (below zero, as no id is)
        pending = self._pending
        for q, (nbs, nvalues) in outcomes:
            if rules.over(nbs):
                leaf = self._night(rules, nbs, nvalues)
                same = alike.get(~leaf)
                if same is None:
                    alike[~leaf] = [q, 1, None, [leaf, nbs, nvalues, None]]
                    continue
            else:
                layer = pending.get(nbs.step)
                if layer is None:
                    layer = pending[nbs.step] = {}
                into = layer.setdefault(self.key(rules, node, nbs, nvalues), [{}, rules, node, nbs, nvalues])[0]
                same = alike.get(id(into))
                if same is None:
                    alike[id(into)] = [q, 1, into, None]
                    continue
            same[0] += q
            same[1] += 1
        return list(alike.values())

    def _outcomes(self, outcomes: list, share: float, rules: BattleRules, masses: dict[int, list],
                  leaves: list[dict[int, list]]) -> None:
        """An order's chance outcomes (`_alike`), each the next battle state of `masses'` beginnings
        (or, at nightfall, a leaf of each)."""
        for q, paths, into, leaf in outcomes:
            f = share * q
            if into is not None:  # the next battle state's masses
                for b, (p, n) in masses.items():
                    mass = into.get(b)
                    if mass is None:
                        into[b] = [p * f, n * paths]
                    else:
                        mass[0] += p * f
                        mass[1] += n * paths
                continue
            k = leaf[0]
            for b, (p, n) in masses.items():
                found = leaves[b].get(k)
                if found is not None:
                    found[0] += p * f
                    found[1] += n * paths
                    continue
                if leaf[3] is None:  # the values after nightfall, worked out for the leaf's first beginning
                    leaf[3] = rules.finish(leaf[1], leaf[2])
                leaves[b][k] = [p * f, n * paths, leaf[3], self._leaf_node[k]]


def _count(layer: list[list], fought: list[Fought]) -> None:
    """Count each beginning's battle states at this step; a beginning that would pass its budget
    is fought no further (the walk leaves it unexplored)."""
    counts: dict[int, int] = {}
    for slot in layer:
        for b in slot[0]:
            counts[b] = counts.get(b, 0) + 1
    for b, c in counts.items():
        f = fought[b]
        if f.states + c <= f.budget:
            f.states += c
            continue
        f.complete = False
        for slot in layer:
            slot[0].pop(b, None)
