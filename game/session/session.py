"""The session: the one object an interface talks to.

It owns the current playthrough and its id, and saves after every decision, so that quitting,
crashing or pulling the plug never loses more than the decision being made.
"""

from __future__ import annotations

import secrets
import uuid
from pathlib import Path

from game.scenario.compiled import CompiledScenario
from game.session.branches import BranchNode
from game.session.playthrough import Decision, Playthrough
from game.session.saves import SaveFile, replay
from game.session.store import Store


class Session:
    def __init__(self, scenario: CompiledScenario, store: Store, seed: int | None = None):
        self.scenario = scenario
        self.store = store
        self.fixed_seed = seed
        self.playthrough: Playthrough | None = None
        self.id = ""
        self.notice: str | None = None  # one line for the interface to show, then clear

    # -- starting ------------------------------------------------------------------------------
    def new(self, seed: int | None = None) -> Playthrough:
        if seed is None:
            seed = self.fixed_seed if self.fixed_seed is not None else secrets.randbelow(1_000_000)
        self.playthrough = Playthrough.new(self.scenario, seed)
        self.id = uuid.uuid4().hex
        return self.playthrough

    def resume(self, save: SaveFile) -> Playthrough:
        """Continue a saved playthrough; if the scenario changed, stop where it must and say so."""
        p, stopped = replay(self.scenario, save)
        self.playthrough = p
        self.id = uuid.uuid4().hex
        self.notice = stopped
        return p

    def continue_latest(self) -> Playthrough | None:
        save = self.store.latest()
        return self.resume(save) if save is not None else None

    def branch_from(self, node: BranchNode) -> Playthrough:
        """A new playthrough from a node of the branch tree; the old one is kept as it was."""
        p = Playthrough.new(self.scenario, node.seed, list(node.path))
        self.playthrough = p
        self.id = uuid.uuid4().hex
        self.store.autosave(p, self.id)
        return p

    # -- playing -------------------------------------------------------------------------------
    @property
    def current(self) -> Playthrough:
        if self.playthrough is None:
            self.new()
        assert self.playthrough is not None
        return self.playthrough

    def choose(self, option_id: str) -> Decision:
        decision = self.current.choose(option_id)
        self.store.autosave(self.current, self.id)
        return decision

    def undo(self) -> bool:
        done = self.current.undo()
        if done:
            self.store.autosave(self.current, self.id)
        return done

    def save(self, name: str) -> Path:
        return self.store.save_slot(self.current, name)
