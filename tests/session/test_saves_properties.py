"""Property-based and fuzz tests (Hypothesis) of saves and of the store's files.

- a save of a random playthrough reads back and replays to exactly the same states (all the way, or
  part of the way); any recorded decisions replay while they are open, then stop with one line;
- slot names, whatever a player types, never leave the slots folder;
- reading random or mutated saves gives a SaveFile (which then replays) or a one-line SaveError, and
  the file is never changed; damaged store files are reported, never overwritten.

Settings are deterministic (derandomize, no example database) so CI always runs the same examples.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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

from conftest import (
    FAST,
    FUZZ,
    HOSTILE_NAMES,
    SEEDS,
    WALKS,
    check_playthrough,
    random_walk,
    scenario_named,
)


# -- saves of random playthroughs -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["mini", "callinicum"])
@FAST
@given(seed=SEEDS, walk=WALKS)
def test_a_save_replays_to_the_same_states(name, seed, walk):
    cs = scenario_named(name)
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
    cs = scenario_named("mini")
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
    cs = scenario_named("mini")
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


# -- random and mutated saves ---------------------------------------------------------------------


def valid_save_text(seed: int = 3, decisions: tuple[str, ...] = ("scout", "gamble")) -> str:
    p = Playthrough.new(scenario_named("mini"), seed, list(decisions))
    return from_playthrough(p, "a label").to_json(indent=2)


VALID_SAVE = valid_save_text()


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=10,
)


SAVE_KEYS = list(json.loads(VALID_SAVE)) + ["extra", ""]


@st.composite
def mutated_save(draw) -> bytes:
    data = json.loads(VALID_SAVE)
    for _ in range(draw(st.integers(0, 3))):
        key = draw(st.sampled_from(SAVE_KEYS))
        action = draw(st.sampled_from(["set", "delete", "decisions"]))
        if action == "set":
            data[key] = draw(JSON_VALUES)
        elif action == "delete":
            data.pop(key, None)
        else:
            data["decisions"] = draw(st.lists(st.sampled_from(
                ["scout", "rush", "feast", "gamble", "go_home", "allies_right", "none", "blind", "hold",
                 "stand", "x", "", "../x"]), max_size=12))
    text = json.dumps(data, indent=draw(st.sampled_from([None, 2])))
    raw = text.encode("utf-8")
    cut = draw(st.sampled_from(["none", "none", "truncate", "insert", "delete", "flip"]))
    if cut != "none" and raw:
        i = draw(st.integers(0, len(raw) - 1))
        if cut == "truncate":
            raw = raw[:i]
        elif cut == "insert":
            raw = raw[:i] + draw(st.binary(min_size=1, max_size=8)) + raw[i:]
        elif cut == "delete":
            raw = raw[:i] + raw[i + draw(st.integers(1, 10)):]
        else:
            raw = raw[:i] + bytes([raw[i] ^ (1 << draw(st.integers(0, 7)))]) + raw[i + 1:]
    return raw


def check_read_save(raw: bytes) -> SaveFile | None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "save.json"
        path.write_bytes(raw)
        mtime = path.stat().st_mtime_ns
        try:
            save = read_save(path)
        except SaveError as exc:
            message = str(exc)
            assert message.startswith(str(path)) and "\n" not in message and "Traceback" not in message
            save = None
        assert path.read_bytes() == raw and path.stat().st_mtime_ns == mtime
        assert [p.name for p in Path(tmp).iterdir()] == ["save.json"]
        return save


@FUZZ
@given(raw=st.binary(max_size=1000))
def test_save_reader_on_random_bytes(raw):
    assert check_read_save(raw) is None


@FUZZ
@given(raw=mutated_save())
def test_save_reader_on_mutated_saves(raw):
    save = check_read_save(raw)
    if save is None:
        return
    # a save that reads replays: to its end, or stopping with one line where a decision is gone
    try:
        p, stopped = replay(scenario_named("mini"), save)
    except SaveError as exc:  # a save of another scenario
        assert save.scenario != "mini" and "\n" not in str(exc)
        return
    assert stopped is None or "\n" not in stopped
    assert p.decisions == save.decisions[: len(p.decisions)]


# -- the store's own files ------------------------------------------------------------------------


@settings(FUZZ, max_examples=120)
@given(which=st.sampled_from(["autosave.json", "playthroughs.json", "endings.json"]),
       raw=st.one_of(mutated_save(), st.binary(max_size=200),
                     st.builds(lambda recs: json.dumps({"format": 1, "scenario": "mini",
                                                        "playthroughs": recs}).encode(),
                               st.lists(st.fixed_dictionaries({
                                   "id": st.sampled_from(["a", "b", "c"]), "seed": st.integers(0, 50),
                                   "decisions": st.lists(st.sampled_from(["scout", "rush", "feast", "gamble", "go_home",
                                                                          "allies_right", "nonsense"]), max_size=8),
                                   "ending": st.one_of(st.none(), st.sampled_from(["wise_ending", "nope"]))}),
                                   max_size=4))))
def test_store_files_damaged_or_strange_never_crash_and_are_never_overwritten(which, raw):
    cs = scenario_named("mini")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "saves"
        store = Store.open(root, cs)
        target = store.dir / which
        target.write_bytes(raw)
        session = Session(cs, store)
        session.continue_latest()
        tree = store.tree()
        for node in tree.nodes()[:6]:
            tree.info(node)
            p = session.branch_from(node)
            assert session.notice is None or "\n" not in session.notice
            assert p.decisions == list(node.path[: len(p.decisions)])
        session.new(1)
        session.choose("scout")
        store.endings_found()
        reported = any(str(target) in line for line in store.problems)
        for line in store.problems:
            assert "\n" not in line
        if reported:  # a file that cannot be trusted is never overwritten (a damaged autosave is set aside)
            kept = target if which != "autosave.json" else store.dir / "autosave.damaged.json"
            assert kept.read_bytes() == raw
        assert store.slots() == []
        assert read_save(store.autosave_path).decisions == ["scout"]


def test_the_save_fuzzer_starts_from_a_valid_save():
    """The seed of the mutations is whole: the save it starts from reads."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.json"
        write_save(path, SaveFile.read(json.loads(VALID_SAVE)))
        assert read_save(path).decisions == ["scout", "gamble"]
