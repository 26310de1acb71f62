"""The session: the one object an interface talks to.

It owns the current playthrough and its id, and saves after every decision, so that quitting,
crashing or pulling the plug never loses more than the decision being made.

A playthrough's branch record only ever grows: undo rewinds the autosave but leaves the record as
it was, and a different decision after an undo (or after resuming or branching) starts a new
record, so exploring a new road never overwrites an old one.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from pathlib import Path

import game.scenario
from game import config
from game.scenario.compiled import CompiledScenario
from game.session.branches import BranchNode
from game.session.playthrough import Decision, Playthrough
from game.session.saves import SaveFile, replay, replay_decisions
from game.session.store import Store

# a new campaign's seed, from the system's own randomness, as `secrets` gives it (without the hmac
# and hashlib that importing `secrets` brings: the game's memory)
_SYSTEM_RANDOM = random.SystemRandom()


def open_scenario(path_or_name: Path | str | None = None, mods: Sequence[Path | str] = (),
                  saves: Path | None = None) -> tuple[CompiledScenario, Store]:
    """A scenario through the front door (`game.scenario.load`: the checker's errors stop it) and
    the store of its saves: `saves` if given, else where $CALLINICUM_SAVES or the default puts them.
    The interface runs this behind its title screen; files it has not yet kept are read and
    checked in a child process (`apart`), so that the game holds only what it plays."""
    scenario = game.scenario.load(path_or_name, mods, apart=True)
    return scenario, Store.open(config.saves_dir(saves), scenario)


def _starts_with(longer: list, prefix: list) -> bool:
    return len(longer) >= len(prefix) and longer[: len(prefix)] == prefix


def scenario_changed(scenario: CompiledScenario, save: SaveFile) -> str | None:
    """One line when a save was made with another version of the scenario than the one loaded
    (its version or its content differ); None when it is the same."""
    info = scenario.info
    now_hash = scenario.content_hash
    same_version = save.scenario_version == info.version
    if same_version and (not save.content_hash or save.content_hash == now_hash):
        return None
    then = f"version {save.scenario_version}" + (f", content {save.content_hash[:8]}" if save.content_hash else "")
    now = f"version {info.version}, content {now_hash[:8]}"
    what = "another version" if not same_version else "other content"
    return (f"This save was made with {what} of the scenario '{scenario.id}' ({then}; loaded now: {now}); "
            "its decisions are replayed as far as they still apply.")


def _diverged(p: Playthrough, chance: tuple) -> int | None:
    """The first decision (from 1) at which the dice fell otherwise than recorded, if any."""
    for i, (now, then) in enumerate(zip(p.chance, chance)):
        if then is not None and now != then:
            return i + 1
    return None


class Session:
    def __init__(self, scenario: CompiledScenario, store: Store, seed: int | None = None):
        self.scenario = scenario
        self.store = store
        self.fixed_seed = seed
        self.playthrough: Playthrough | None = None
        self.id = ""
        self.notice: str | None = None  # one line for the interface to show, then clear
        self.notice_title = ""  # what kind of notice it is, for an interface that titles them
        self.changed: str | None = None  # the loaded save was made with another version of the scenario
        self._recorded: list[str] = []  # the decisions in this playthrough's branch record

    # -- starting ------------------------------------------------------------------------------
    def _begin(self, p: Playthrough, playthrough_id: str | None = None, recorded: list[str] | None = None) -> Playthrough:
        self.playthrough = p
        self.id = playthrough_id or uuid.uuid4().hex
        self._recorded = list(recorded or [])
        return p

    def new(self, seed: int | None = None) -> Playthrough:
        if seed is None:
            seed = self.fixed_seed if self.fixed_seed is not None else _SYSTEM_RANDOM.randrange(1_000_000)
        self._say(None)
        self.changed = None
        return self._begin(Playthrough.new(self.scenario, seed))

    def _say(self, notice: str | None, title: str = "The save was replayed as far as it could be") -> None:
        self.notice = notice
        self.notice_title = title if notice else ""

    def resume(self, save: SaveFile) -> Playthrough:
        """Continue a saved playthrough. If it was made with another version of the scenario,
        `changed` and `notice` say so in one line; if its road no longer exists, it stops where it
        must and `notice` says where.

        Raises SaveError if the save is for another scenario.
        """
        p, stopped = replay(self.scenario, save)
        self.changed = scenario_changed(self.scenario, save)
        if self.changed:
            notice = self.changed if not stopped else f"{self.changed} Stopped: {stopped}."
            self._say(notice, "The scenario has changed since this save")
        else:
            self._say(stopped)
        # Go on with the branch record this save came from, if there is one, so that continuing
        # does not add a copy of the same road (the same seed, decisions and dice).
        for rec in self.store.records():
            if (rec.seed == p.seed and _starts_with(rec.decisions, p.decisions)
                    and (rec.chance is None or _starts_with(list(rec.chance), p.chance))):
                return self._begin(p, rec.id, rec.decisions)
        return self._begin(p)

    def continue_latest(self) -> Playthrough | None:
        save = self.store.latest()
        return self.resume(save) if save is not None else None

    def branch_from(self, node: BranchNode) -> Playthrough:
        """A new playthrough from a node of the branch tree, with the past the node shows (the seed
        that reached it gives the same dice); the old one is kept as it was.

        If the scenario changed and the node's road no longer exists, the playthrough stops where it
        must and `notice` says so; if the dice now fall otherwise on that road, `notice` says where.
        """
        p, stopped = replay_decisions(self.scenario, node.seed, list(node.path))
        self.changed = None
        diverged = None if stopped else _diverged(p, node.chance)
        if diverged is not None:
            self._say(f"In this version of the scenario the dice fall otherwise at decision {diverged}: "
                      "the road from there is not the one the tree showed.", "The scenario has changed")
        else:
            self._say(stopped)
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
