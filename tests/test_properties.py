"""Property-based tests (Hypothesis) of playthroughs and sessions, on the mini scenario and on the
Callinicum campaign.

Random sequences of session operations (choose a random open option, undo, undo and choose again,
a refused decision, save to a slot, load a slot in a fresh session, continue the autosave, branch
from a random node of the branch tree, start anew) never crash, and after every operation:

- every value of every state is within its slot's range: units' men never negative, morale 0..4,
  fatigue 0..2, every quality within its declared min..max, flags 0 or 1; a battle's own numbers too;
- the view renders, and its options agree with `Campaign.step`: an open option steps, a closed or
  unknown one raises EngineError (and a refused decision changes nothing, in memory or on disk);
- a replay of the decisions with the same seed gives exactly the same list of states;
- undo then the same decision again gives the same state and the same record;
- loading a save gives exactly the state (and view) that was saved; the autosave is always the
  current playthrough; the branch tree only ever grows, and every node of it replays exactly.

Settings are deterministic (derandomize, no example database) so CI always runs the same examples.
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from game import DEFAULT_SCENARIO
from game.engine.campaign import Campaign, EngineError, State
from game.engine.dice import SeededDice
from game.scenario.compiled import CompiledScenario, load
from game.session.playthrough import Playthrough
from game.session.saves import (
    SaveError,
    SaveFile,
    from_playthrough,
    read_save,
    replay,
    slot_filename,
    write_save,
)
from game.session.session import Session
from game.session.store import Store

MINI = Path(__file__).resolve().parent / "scenarios" / "mini"
SCENARIOS = {"mini": MINI, "callinicum": DEFAULT_SCENARIO}

FAST = settings(
    derandomize=True, database=None, deadline=None, max_examples=100, print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SLOW = settings(FAST, max_examples=40)

SEEDS = st.one_of(st.integers(0, 20), st.integers(0, 2**63 - 1))
# slot names a player (or an attacker) might type
HOSTILE_NAMES = ["a", "b", "first save", "../../x", "/etc/passwd", "con", "\x00", "", "..", "Ἀρχή",
                 "a/b\\c", "NUL.txt", " . ", "x" * 300]


@functools.cache
def scenario(name: str) -> CompiledScenario:
    return load(SCENARIOS[name])


# -- invariants --------------------------------------------------------------------------------------


def check_state(cs: CompiledScenario, state: State) -> None:
    """Every number of the state within its range."""
    assert 0 <= state.node < len(cs.nodes)
    assert len(state.values) == len(cs.layout)
    for name, slot, value in zip(cs.names, cs.layout, state.values, strict=True):
        assert type(value) is int, (name, value)
        assert slot.lo <= value <= slot.hi, f"{name} = {value}, outside {slot.lo}..{slot.hi}"
    slots = cs.namespace.slots
    for q in cs.scenario.qualities:
        assert q.min <= state.values[slots[q.id].index] <= q.max, q.id
    for f in cs.scenario.flags:
        assert state.values[slots[f.id].index] in (0, 1), f.id
    for u in cs.scenario.units:
        if f"unit.{u.id}.men" not in slots:
            continue
        assert state.values[slots[f"unit.{u.id}.men"].index] >= 0, u.id
        assert 0 <= state.values[slots[f"unit.{u.id}.morale"].index] <= 4, u.id
        assert 0 <= state.values[slots[f"unit.{u.id}.fatigue"].index] <= 2, u.id
    if cs.is_ending(state.node):
        assert state.battle is None
    bs = state.battle
    if bs is not None:
        assert len(bs.men) == len(bs.morale) == len(bs.fatigue)
        assert all(m >= 0 for m in bs.men), bs.men
        assert all(0 <= m <= 4 for m in bs.morale), bs.morale
        assert all(0 <= f <= 2 for f in bs.fatigue), bs.fatigue
        assert len(bs.emen) == len(bs.emorale)
        assert all(m >= 0 for m in bs.emen), bs.emen
        assert all(0 <= m <= 4 for m in bs.emorale), bs.emorale
        assert bs.lost >= 0 and bs.elost >= 0


def check_view(campaign: Campaign, state: State, seed: int, step_no: int) -> None:
    """The view renders, and each option's availability is what `step` does with it."""
    cs = campaign.scenario
    view = campaign.view(state)
    assert view.node_id == cs.node_id(state.node)
    assert view.title
    options = campaign.options(state)
    assert [o.id for o in view.options] == [o.id for o in options]
    assert len({o.id for o in options}) == len(options), "two options share an id"
    assert sorted(campaign.available(state)) == sorted(o.id for o in options if o.available)
    ending = campaign.ending(state)
    if ending is not None:
        assert view.ending == ending and view.options == ()
    for o in options:
        if o.available:
            result = campaign.step(state, o.id, SeededDice(seed, step_no))
            check_state(cs, result.state)
        else:
            assert o.reason, f"closed option {o.id} gives no reason"
            with pytest.raises(EngineError):
                campaign.step(state, o.id, SeededDice(seed, step_no))
    with pytest.raises(EngineError):
        campaign.step(state, "no_such_decision", SeededDice(seed, step_no))


def check_playthrough(p: Playthrough, view_too: bool = True) -> None:
    cs = p.scenario
    assert len(p.states) == len(p.decisions) + 1 == len(p.record) + 1
    for state in p.states:
        check_state(cs, state)
    if view_too:
        check_view(p.campaign, p.state, p.seed, len(p.decisions))


def check_replays(p: Playthrough) -> None:
    again = Playthrough.new(p.scenario, p.seed, list(p.decisions))
    assert again.states == p.states
    assert again.record == p.record


def pick(p: Playthrough, k: int) -> str | None:
    """An open option chosen by k: one time in three the historical one (so that random play also
    reaches the campaign's late scenes and its battle), otherwise any."""
    options = [o for o in p.options() if o.available]
    if not options:
        return None
    historical = [o.id for o in options if o.historical]
    if historical and k % 3 == 0:
        return historical[0]
    return options[(k // 3) % len(options)].id


# -- playthroughs in memory ----------------------------------------------------------------------------


def lcg(k: int) -> int:
    return (k * 1103515245 + 12345) % 2**31


def random_walk(cs: CompiledScenario, seed: int, walk: tuple[list[int], int, int]) -> Playthrough:
    """Decisions picked by `picks`, then up to `extra` more picked by a generator seeded with
    `policy` (so that most walks go far, many to an ending), checking every invariant at each."""
    picks, extra, policy = walk
    p = Playthrough.new(cs, seed)
    check_playthrough(p)
    ks = list(picks)
    for _ in range(extra):
        policy = lcg(policy)
        ks.append(policy >> 8)
    for k in ks:
        option_id = pick(p, k)
        if option_id is None:
            assert p.ending is not None, "a scene with no open decision that is not an ending"
            break
        p.choose(option_id)
        check_playthrough(p)
    return p


WALKS = st.tuples(st.lists(st.integers(0, 2**16), max_size=8), st.integers(0, 60), st.integers(0, 2**31))


@pytest.mark.parametrize("name", ["mini", "callinicum"])
@FAST
@given(data=st.data())
def test_random_playthroughs_keep_every_invariant(name, data):
    cs = scenario(name)
    seed = data.draw(SEEDS, label="seed")
    p = random_walk(cs, seed, data.draw(WALKS, label="walk"))
    check_replays(p)

    # undo then the same decision again: the same state, the same record
    if p.decisions:
        n = data.draw(st.integers(0, len(p.decisions) - 1), label="undo to")
        states, record, decisions = list(p.states), list(p.record), list(p.decisions)
        for _ in range(len(decisions) - n):
            assert p.undo()
        assert p.states == states[: n + 1] and p.decisions == decisions[:n]
        check_view(p.campaign, p.state, p.seed, n)
        for option_id in decisions[n:]:
            p.choose(option_id)
        assert p.states == states and p.record == record

        # a branch from step n is the prefix of the playthrough
        branch = p.truncated(n)
        assert branch.states == states[: n + 1] and branch.decisions == decisions[:n]
        assert p.states == states  # the original is untouched
    # nothing more to undo at the start
    while p.undo():
        pass
    assert not p.undo() and len(p.states) == 1


@pytest.mark.parametrize("name", ["mini", "callinicum"])
@FAST
@given(seed=SEEDS, walk=WALKS, bad=st.integers(0, 2**16))
def test_a_refused_decision_changes_nothing(name, seed, walk, bad):
    cs = scenario(name)
    p = random_walk(cs, seed, walk)
    closed = [o.id for o in p.options() if not o.available]
    candidates = [*closed, "no_such_decision", "", " ", "../x", "\x00"]
    option_id = candidates[bad % len(candidates)]
    states, decisions, record = list(p.states), list(p.decisions), list(p.record)
    with pytest.raises(EngineError):
        p.choose(option_id)
    assert (p.states, p.decisions, p.record) == (states, decisions, record)
    if p.ending:
        for o in p.scenario.nodes[0].choices:  # the campaign is over: nothing can be chosen
            with pytest.raises(EngineError):
                p.choose(o.id)


@pytest.mark.parametrize("name", ["mini", "callinicum"])
@FAST
@given(seed=SEEDS, walk=WALKS)
def test_a_save_replays_to_the_same_states(name, seed, walk):
    cs = scenario(name)
    p = random_walk(cs, seed, walk)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "save.json"
        write_save(path, from_playthrough(p, "label"))
        raw = path.read_bytes()
        save = read_save(path)
        assert path.read_bytes() == raw
    assert save.seed == p.seed and save.decisions == p.decisions and save.ending == p.ending
    again, stopped = replay(cs, save)
    assert stopped is None
    assert again.states == p.states and again.view() == p.view()
    # and part of the way: --until n
    n = len(p.decisions) // 2
    part, stopped = replay(cs, save, n)
    assert stopped is None and part.states == p.states[: n + 1]


@FAST
@given(seed=SEEDS, decisions=st.lists(st.sampled_from(
    ["scout", "rush", "feast", "gamble", "go_home", "allies_right", "horse_right", "none", "keep_some",
     "blind", "watch", "hold", "press", "reserve_in", "bend", "stay", "stand", "boat", "charge", "back",
     "wait", "nonsense"]), max_size=20))
def test_any_recorded_decisions_replay_or_stop_with_a_reason(seed, decisions):
    """A save's decisions may be anything (an old version, a hand edit): replay takes them while they
    are open and stops with one line at the first that is not; it never raises."""
    cs = scenario("mini")
    save = SaveFile(scenario="mini", scenario_version="1", seed=seed, decisions=decisions)
    p, stopped = replay(cs, save)
    check_playthrough(p)
    assert p.decisions == decisions[: len(p.decisions)]
    if stopped is None:
        assert p.decisions == decisions
    else:
        assert "\n" not in stopped and f"decision {len(p.decisions) + 1} " in stopped


@settings(FAST, max_examples=60)
@given(name=st.one_of(st.sampled_from(HOSTILE_NAMES), st.text(max_size=80)))
def test_slot_names_never_leave_the_slots_folder(name):
    cs = scenario("mini")
    filename = slot_filename(name)
    assert filename.endswith(".json") and "/" not in filename and "\\" not in filename
    assert "\x00" not in filename and not filename.startswith(".")
    assert len(filename) <= 60 + len(".json")
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "saves", cs)
        session = Session(cs, store)
        session.new(7)
        session.choose("scout")
        path = session.save(name)
        assert path.parent == store.slots_dir
        assert path.resolve().parent == store.slots_dir.resolve()
        assert sorted(x.name for x in Path(tmp).rglob("*") if x.is_file()) == sorted(
            [".lock", "autosave.json", "playthroughs.json", path.name])
        save = read_save(path)
        assert save.decisions == ["scout"] and "\n" not in save.label
        [slot] = store.slots()
        assert slot.save == save and slot.error is None


# -- sessions on disk ----------------------------------------------------------------------------------

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
    run_session(scenario("mini"), seed, ops)


@SLOW
@given(seed=SEEDS, ops=SESSION_OPS)
def test_session_operations_on_the_campaign(seed, ops):
    run_session(scenario("callinicum"), seed, ops)


def test_a_save_of_another_scenario_is_refused_by_resume():
    """Not random, but the one SaveError resume can raise: a save of another scenario."""
    cs = scenario("mini")
    with tempfile.TemporaryDirectory() as tmp:
        session = Session(cs, Store.open(Path(tmp), cs))
        save = SaveFile(scenario="callinicum", scenario_version="1", seed=1, decisions=[])
        with pytest.raises(SaveError):
            session.resume(save)
