"""The session: the one object an interface talks to.

It owns the current playthrough and its id, and saves after every decision, so that quitting,
crashing or pulling the plug never loses more than the decision being made.

A playthrough's branch record only ever grows: undo rewinds the autosave but leaves the record as
it was, and a different decision after an undo (or after resuming or branching) starts a new
record, so exploring a new road never overwrites an old one.
"""

from __future__ import annotations

import secrets
import uuid
from pathlib import Path

from game.scenario.compiled import CompiledScenario
from game.session.branches import BranchNode
from game.session.playthrough import Decision, Playthrough
from game.session.saves import SaveFile, replay, replay_decisions
from game.session.store import Store


def _starts_with(longer: list[str], prefix: list[str]) -> bool:
    return len(longer) >= len(prefix) and longer[: len(prefix)] == prefix


class Session:
    def __init__(self, scenario: CompiledScenario, store: Store, seed: int | None = None):
        self.scenario = scenario
        self.store = store
        self.fixed_seed = seed
        self.playthrough: Playthrough | None = None
        self.id = ""
        self.notice: str | None = None  # one line for the interface to show, then clear
        self._recorded: list[str] = []  # the decisions in this playthrough's branch record

    # -- starting ------------------------------------------------------------------------------
    def _begin(self, p: Playthrough, playthrough_id: str | None = None, recorded: list[str] | None = None) -> Playthrough:
        self.playthrough = p
        self.id = playthrough_id or uuid.uuid4().hex
        self._recorded = list(recorded or [])
        return p

    def new(self, seed: int | None = None) -> Playthrough:
        if seed is None:
            seed = self.fixed_seed if self.fixed_seed is not None else secrets.randbelow(1_000_000)
        self.notice = None
        return self._begin(Playthrough.new(self.scenario, seed))

    def resume(self, save: SaveFile) -> Playthrough:
        """Continue a saved playthrough; if the scenario changed, stop where it must and say so.

        Raises SaveError if the save is for another scenario.
        """
        p, stopped = replay(self.scenario, save)
        self.notice = stopped
        # Go on with the branch record this save came from, if there is one, so that continuing
        # does not add a copy of the same road.
        for rec in self.store.records():
            if rec.seed == p.seed and _starts_with(rec.decisions, p.decisions):
                return self._begin(p, rec.id, rec.decisions)
        return self._begin(p)

    def continue_latest(self) -> Playthrough | None:
        save = self.store.latest()
        return self.resume(save) if save is not None else None

    def branch_from(self, node: BranchNode) -> Playthrough:
        """A new playthrough from a node of the branch tree; the old one is kept as it was.

        If the scenario changed and the node's road no longer exists, the playthrough stops where it
        must and `notice` says so.
        """
        p, stopped = replay_decisions(self.scenario, node.seed, list(node.path))
        self.notice = stopped
        self._begin(p, recorded=list(p.decisions))
        self.store.autosave(p, self.id, record=False)
        return p

    # -- playing -------------------------------------------------------------------------------
    @property
    def current(self) -> Playthrough:
        if self.playthrough is None:
            self.new()
        assert self.playthrough is not None
        return self.playthrough

    def _autosave(self) -> None:
        p = self.current
        decisions = list(p.decisions)
        if _starts_with(decisions, self._recorded):  # the same road, further on
            self.store.autosave(p, self.id)
            self._recorded = decisions
        elif _starts_with(self._recorded, decisions):  # taken back: the record keeps the longer road
            self.store.autosave(p, self.id, record=False)
        else:  # a new road: a new record, the old one untouched
            self.id = uuid.uuid4().hex
            self.store.autosave(p, self.id)
            self._recorded = decisions

    def choose(self, option_id: str) -> Decision:
        decision = self.current.choose(option_id)
        self._autosave()
        return decision

    def undo(self) -> bool:
        done = self.current.undo()
        if done:
            self._autosave()
        return done

    def save(self, name: str) -> Path:
        return self.store.save_slot(self.current, name)
