"""Property-based tests (Hypothesis) of sessions on disk, on the mini scenario and on the Callinicum
campaign: random sequences of session operations (choose a random open option, undo, undo and choose
again, a refused decision, save to a slot, load a slot in a fresh session, continue the autosave,
branch from a random node of the branch tree, start anew) never crash, and after every operation
every invariant of `check_playthrough` (in tests/conftest.py) holds; a refused decision changes
nothing in memory or on disk; loading a save gives exactly the state (and view) that was saved; the
autosave is always the current playthrough; the branch tree only ever grows, and every node of it
replays exactly."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from game.engine.campaign import EngineError, State
from game.scenario.compiled import CompiledScenario
from game.session.playthrough import Playthrough
from game.session.saves import SaveError, SaveFile, read_save, replay
from game.session.session import Session
from game.session.store import Store

from conftest import (
    FAST,
    HOSTILE_NAMES,
    SEEDS,
    SLOW,
    check_playthrough,
    check_replays,
    lcg,
    pick,
    scenario_named,
)


OPS = ["choose", "choose", "play", "play", "play", "undo", "redo", "refuse", "save", "load", "continue",
       "branch", "new"]


class SessionModel:
    """Drives a Session through random operations and checks every invariant after each."""

    def __init__(self, cs: CompiledScenario, root: Path, seed: int):
        self.cs = cs
        self.root = root
        self.session = Session(cs, Store.open(root, cs))
        self.session.new(seed)
        self.saved: dict[Path, tuple[int, list[str], list[State], object]] = {}
        self.autosaved: tuple[int, list[str], list[State]] | None = None
        self.paths: set[tuple[str, ...]] = set()

    @property
    def p(self) -> Playthrough:
        return self.session.current

    def autosave_is_current(self) -> None:
        p = self.p
        latest = self.session.store.latest()
        assert latest is not None
        assert (latest.seed, latest.decisions, latest.ending) == (p.seed, p.decisions, p.ending)
        self.autosaved = (p.seed, list(p.decisions), list(p.states))

    def tree_only_grows(self) -> None:
        tree = self.session.store.tree()
        paths = {n.turns for n in tree.nodes()}
        assert paths >= self.paths, f"the branch tree lost {self.paths - paths}"
        self.paths = paths

    def run(self, op: str, k: int) -> None:
        getattr(self, f"op_{op}")(k)
        check_playthrough(self.p)
        assert self.session.store.problems == []
        self.tree_only_grows()

    def op_choose(self, k: int) -> None:
        p = self.p
        option_id = pick(p, k)
        if option_id is None:
            assert p.ending is not None, "a scene with no open decision that is not an ending"
            return self.op_refuse(k)
        before = list(p.states)
        self.session.choose(option_id)
        assert p.states[:-1] == before
        self.autosave_is_current()
        assert self.session.store.tree().node(p.decisions) is not None

    def op_play(self, k: int) -> None:
        """Several decisions in a row (1 to 12), each picked from k by a small generator."""
        for i in range(1 + k % 12):
            if self.p.ending:
                break
            k = lcg(k + i)
            self.op_choose(k >> 8)

    def op_undo(self, k: int) -> None:
        p = self.p
        before = list(p.states)
        done = self.session.undo()
        assert done == (len(before) > 1)
        if done:
            assert p.states == before[:-1]
            self.autosave_is_current()
        else:
            assert p.states == before

    def op_redo(self, k: int) -> None:
        p = self.p
        if not p.decisions:
            return self.op_undo(k)
        last, state, record = p.decisions[-1], p.state, p.record[-1]
        assert self.session.undo()
        self.session.choose(last)
        assert p.state == state and p.record[-1] == record
        self.autosave_is_current()

    def op_refuse(self, k: int) -> None:
        p = self.p
        closed = [o.id for o in p.options() if not o.available]
        option_id = [*closed, "no_such_decision"][k % (len(closed) + 1)]
        autosave = self.session.store.autosave_path
        raw = autosave.read_bytes() if autosave.exists() else None
        before = (list(p.states), list(p.decisions))
        with pytest.raises(EngineError):
            self.session.choose(option_id)
        assert (p.states, p.decisions) == before
        assert (autosave.read_bytes() if autosave.exists() else None) == raw

    def op_save(self, k: int) -> None:
        p = self.p
        name = HOSTILE_NAMES[k % len(HOSTILE_NAMES)]
        path = self.session.save(name)
        assert path.parent == self.session.store.slots_dir
        self.saved[path] = (p.seed, list(p.decisions), list(p.states), p.view())

    def op_load(self, k: int) -> None:
        if not self.saved:
            return self.op_save(k)
        paths = sorted(self.saved)
        path = paths[k % len(paths)]
        seed, decisions, states, view = self.saved[path]
        raw = path.read_bytes()
        save = read_save(path)
        assert path.read_bytes() == raw  # reading never changes a save
        # a fresh session, as after quitting and starting the game again
        self.session = Session(self.cs, Store.open(self.root, self.cs))
        p = self.session.resume(save)
        assert self.session.notice is None
        assert (p.seed, p.decisions) == (seed, decisions)
        assert p.states == states
        assert p.view() == view

    def op_continue(self, k: int) -> None:
        session = Session(self.cs, Store.open(self.root, self.cs))
        p = session.continue_latest()
        if self.autosaved is None:
            assert p is None
            return
        assert p is not None and session.notice is None
        seed, decisions, states = self.autosaved
        assert (p.seed, p.decisions, p.states) == (seed, decisions, states)
        self.session = session

    def op_branch(self, k: int) -> None:
        tree = self.session.store.tree()
        nodes = tree.nodes()
        node = nodes[k % len(nodes)]
        p = self.session.branch_from(node)
        assert self.session.notice is None
        assert p.decisions == list(node.path) and p.seed == node.seed
        assert p.chance == list(node.chance)  # the very past the node shows, dice and all
        assert p.states == Playthrough.new(self.cs, node.seed, list(node.path)).states
        self.autosave_is_current()
        info = tree.info(node)
        assert [o.id for o in info.options] == [o.id for o in p.options()]

    def op_new(self, k: int) -> None:
        self.session.new(k)
        assert self.p.decisions == [] and self.p.seed == k


def run_session(cs: CompiledScenario, seed: int, ops: list[tuple[str, int]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        model = SessionModel(cs, Path(tmp) / "saves", seed)
        for op, k in ops:
            model.run(op, k)
        check_replays(model.p)
        # every save still loads and replays to what was saved
        for path, (seed_, decisions, states, _view) in model.saved.items():
            p, stopped = replay(cs, read_save(path))
            assert stopped is None and p.states == states


SESSION_OPS = st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 2**16)), min_size=1, max_size=25)


@FAST
@given(seed=SEEDS, ops=SESSION_OPS)
def test_session_operations_on_mini(seed, ops):
    run_session(scenario_named("mini"), seed, ops)


@SLOW
@given(seed=SEEDS, ops=SESSION_OPS)
def test_session_operations_on_the_campaign(seed, ops):
    run_session(scenario_named("callinicum"), seed, ops)


def test_a_save_of_another_scenario_is_refused_by_resume():
    """Not random, but the one SaveError resume can raise: a save of another scenario."""
    cs = scenario_named("mini")
    with tempfile.TemporaryDirectory() as tmp:
        session = Session(cs, Store.open(Path(tmp), cs))
        save = SaveFile(scenario="callinicum", scenario_version="1", seed=1, decisions=[])
        with pytest.raises(SaveError):
            session.resume(save)
