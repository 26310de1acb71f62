"""The session and its store: autosave after every decision, undo, resume, named slots, the branch
records, endings found across sessions, and damaged store files that are reported, never overwritten."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from game.engine.campaign import EngineError
from game.scenario.compiled import load
from game.session import saves
from game.session.playthrough import Playthrough
from game.session.saves import SaveError, read_save, write_save
from game.session.session import Session
from game.session.store import Store

MINI = Path(__file__).resolve().parent / "scenarios" / "mini"


@pytest.fixture(scope="module")
def mini():
    return load(MINI)


@pytest.fixture
def store(mini, tmp_path) -> Store:
    return Store.open(tmp_path / "saves", mini)


def records_file(store: Store) -> Path:
    return store.dir / "playthroughs.json"


def endings_file(store: Store) -> Path:
    return store.dir / "endings.json"


def records(store: Store) -> dict[str, list[str]]:
    return {r.id: r.decisions for r in Store(store.root, store.scenario).records()}


# -- autosave --------------------------------------------------------------------------------------


def test_autosave_after_every_decision(mini, store):
    session = Session(mini, store, seed=1)
    p = session.new()
    assert not store.autosave_path.exists()  # nothing decided yet, nothing to save
    for option_id in ["scout", "gamble", "allies_right", "none", "blind", "hold", "stand"]:
        session.choose(option_id)
        save = read_save(store.autosave_path)
        assert save.decisions == p.decisions and save.seed == 1
        assert save.label == "Autosave"
        assert save.date == p.view().date and save.place == p.view().place_name
        assert records(store) == {session.id: p.decisions}
        assert saves.replay(mini, save)[0].state == p.state
    assert p.ending and read_save(store.autosave_path).ending == p.ending
    assert store.endings_found().keys() == {p.ending}
    with pytest.raises(EngineError):
        session.choose("stand")
    assert read_save(store.autosave_path).decisions == p.decisions


def test_a_refused_decision_changes_nothing_on_disk(mini, store):
    session = Session(mini, store, seed=1)
    session.new()
    session.choose("scout")
    before = {p.name: p.read_bytes() for p in store.dir.iterdir()}
    for bad in ["feast", "dance", ""]:  # closed, unknown, empty
        with pytest.raises(EngineError):
            session.choose(bad)
    assert {p.name: p.read_bytes() for p in store.dir.iterdir()} == before


def test_continue_latest_resumes_exactly(mini, store, tmp_path):
    session = Session(mini, store, seed=4)
    p = session.new()
    for option_id in ["rush", "gamble", "horse_right"]:
        session.choose(option_id)
    # a new process: a new store and session on the same folder
    again = Session(mini, Store.open(store.root, mini))
    q = again.continue_latest()
    assert q is not None and q.decisions == p.decisions and q.state == p.state and q.seed == 4
    assert again.notice is None
    assert again.id == session.id  # the same road goes on: no copy of it in the branch records
    again.choose("keep_some")
    assert records(store) == {session.id: ["rush", "gamble", "horse_right", "keep_some"]}


def test_continue_latest_with_nothing_saved(mini, store):
    session = Session(mini, store)
    assert session.continue_latest() is None
    assert session.playthrough is None and store.problems == []


def test_undo_rewinds_the_autosave_but_never_the_branch_record(mini, store):
    session = Session(mini, store, seed=1)
    session.new()
    for option_id in ["scout", "gamble", "allies_right"]:
        session.choose(option_id)
    first = session.id
    assert session.undo() and session.undo()
    assert read_save(store.autosave_path).decisions == ["scout"]
    assert records(store) == {first: ["scout", "gamble", "allies_right"]}
    # the same road again: still the same record
    session.choose("gamble")
    assert session.id == first and records(store) == {first: ["scout", "gamble", "allies_right"]}
    session.choose("allies_right")
    session.choose("none")
    assert records(store) == {first: ["scout", "gamble", "allies_right", "none"]}
    # another road after an undo: a new record; the old one is kept whole
    session.undo()
    session.choose("keep_some")
    assert session.id != first
    assert records(store) == {first: ["scout", "gamble", "allies_right", "none"],
                              session.id: ["scout", "gamble", "allies_right", "keep_some"]}
    tree = store.tree()
    fork = tree.node(["scout", "gamble", "allies_right"])
    assert set(fork.children) == {"none", "keep_some"}


def test_undo_to_the_start_and_nothing_more(mini, store):
    session = Session(mini, store, seed=1)
    session.new()
    session.choose("scout")
    assert session.undo()
    assert read_save(store.autosave_path).decisions == []
    assert not session.undo()
    assert records(store) == {session.id: ["scout"]}


def test_new_campaigns_get_new_records(mini, store):
    session = Session(mini, store, seed=2)
    ids = []
    for first in ["scout", "rush", "scout"]:
        session.new()
        session.choose(first)
        ids.append(session.id)
    assert len(set(ids)) == 3
    assert records(store) == {ids[0]: ["scout"], ids[1]: ["rush"], ids[2]: ["scout"]}
    assert len(store.tree().root.playthroughs) == 3


def test_resume_of_a_slot(mini, store):
    session = Session(mini, store, seed=4)
    session.new()
    session.choose("rush")
    path = session.save("Before the march")
    assert path == store.slots_dir / "Before the march.json"
    assert read_save(path).label == "Before the march"
    session.choose("go_home")
    other = Session(mini, Store.open(store.root, mini))
    p = other.resume(read_save(path))
    assert p.decisions == ["rush"] and p.seed == 4
    other.choose("gamble")  # a new road from the slot: the finished one stays as it was
    assert other.id != session.id
    assert records(store) == {session.id: ["rush", "go_home"], other.id: ["rush", "gamble"]}


def test_resume_of_a_foreign_save_raises_one_line(mini, store):
    save = saves.from_playthrough(Playthrough.new(mini, 1, ["scout"])).model_copy(update={"scenario": "dara"})
    with pytest.raises(SaveError, match="save is for scenario 'dara', not 'mini'"):
        Session(mini, store).resume(save)


# -- endings found ---------------------------------------------------------------------------------


def test_endings_found_persist_across_stores(mini, tmp_path):
    root = tmp_path / "saves"
    found = set()
    for seed, first in [(42, ["scout", "go_home"]), (1, ["rush", "go_home"]), (1, ["scout", "gamble"])]:
        session = Session(mini, Store.open(root, mini), seed=seed)
        p = session.new()
        for option_id in first:
            session.choose(option_id)
        while not p.ending:
            session.choose([o.id for o in p.options() if o.available][0])
        found.add(p.ending)
        fresh = Store.open(root, mini)
        assert set(fresh.endings_found()) == found
    assert found == {"wise_ending", "storm_ending", "loss_ending"}
    stamps = Store.open(root, mini).endings_found()
    # finding an ending again keeps when it was first found
    session = Session(mini, Store.open(root, mini), seed=42)
    session.new()
    session.choose("scout")
    session.choose("go_home")
    assert Store.open(root, mini).endings_found() == stamps
    # each scenario keeps its own
    assert json.loads((root / "mini" / "endings.json").read_text())["scenario"] == "mini"


# -- damaged store files ---------------------------------------------------------------------------

DAMAGED_JSON = {
    "truncated": b'{"format": 1, "scenario": "mini", "playthr',
    "garbage": bytes(range(256)),
    "empty": b"",
    "a_list": b"[]",
    "wrong_types": b'{"format": 1, "scenario": "mini", "playthroughs": "all of them", "found": ["x"]}',
    "seed_true": b'{"format": 1, "scenario": "mini", "playthroughs": [{"id": "a", "seed": true, "decisions": []}],'
                 b' "found": {"x": 1}}',
    "long_number": b'{"format": 1' + b"0" * 5000 + b', "scenario": "mini"}',
    "newer": b'{"format": 2, "scenario": "mini", "playthroughs": [], "found": {}}',
    "foreign": b'{"format": 1, "scenario": "dara", "playthroughs": [], "found": {}}',
}


def play_a_little(mini, store: Store) -> Session:
    session = Session(mini, store, seed=42)
    session.new()
    session.choose("scout")
    session.choose("go_home")  # an ending: both files would be written
    return session


@pytest.mark.parametrize("kind", list(DAMAGED_JSON))
@pytest.mark.parametrize("which", ["playthroughs.json", "endings.json"])
def test_damaged_store_file_is_reported_and_never_overwritten(mini, tmp_path, kind, which):
    root = tmp_path / "saves"
    (root / "mini").mkdir(parents=True)
    path = root / "mini" / which
    data = DAMAGED_JSON[kind]
    path.write_bytes(data)
    for _ in range(2):  # a second session finds it just as the first left it
        store = Store.open(root, mini)
        play_a_little(mini, store)
        store.tree()
        store.endings_found()
        assert path.read_bytes() == data
        assert len(store.problems) == 1, store.problems  # once, however often it was read
        problem = store.problems[0]
        assert problem.startswith(f"{path}: ") and "\n" not in problem
        assert "left as it is" in problem
        # the rest of the store goes on working
        assert read_save(store.autosave_path).decisions == ["scout", "go_home"]
        other = root / "mini" / ("endings.json" if which == "playthroughs.json" else "playthroughs.json")
        assert other.exists()
    if which == "playthroughs.json":
        assert store.records() == [] and store.tree().root.children == {}
        assert Store.open(root, mini).endings_found().keys() == {"wise_ending"}
    else:
        assert store.endings_found() == {}
        assert [r.decisions for r in store.records()] == [["scout", "go_home"]] * 2  # one per session
    if kind == "newer":
        assert "newer version of the game" in store.problems[0]
    assert not [p for p in (root / "mini").iterdir() if p.name.endswith(".tmp")]


def test_damaged_autosave_is_kept_aside_not_overwritten(mini, store):
    store.autosave_path.write_bytes(b'{"format": 1, "seed": tr')
    session = Session(mini, store, seed=1)
    assert session.continue_latest() is None
    assert len(store.problems) == 1 and "damaged save (not valid JSON)" in store.problems[0]
    session.new()
    session.choose("scout")
    aside = store.dir / "autosave.damaged.json"
    assert aside.read_bytes() == b'{"format": 1, "seed": tr'
    assert read_save(store.autosave_path).decisions == ["scout"]
    assert store.problems[-1].endswith("it was kept, unchanged, as autosave.damaged.json")
    assert all("\n" not in line for line in store.problems)
    # a second damaged autosave does not replace the first one kept
    store.autosave_path.write_bytes(b"\x00\x01")
    again = Session(mini, Store.open(store.root, mini), seed=1)
    again.new()
    again.choose("rush")
    assert aside.read_bytes() == b'{"format": 1, "seed": tr'
    assert (store.dir / "autosave.damaged-2.json").read_bytes() == b"\x00\x01"


def test_newer_autosave_is_kept_aside(mini, store):
    save = saves.from_playthrough(Playthrough.new(mini, 1, ["scout"]))
    raw = save.model_dump_json().replace('"format":1', '"format":2').encode()
    store.autosave_path.write_bytes(raw)
    assert store.latest() is None and "newer version" in store.problems[0]
    session = Session(mini, store, seed=1)
    session.new()
    session.choose("rush")
    assert (store.dir / "autosave.damaged.json").read_bytes() == raw


def test_foreign_autosave_is_not_continued(mini, store):
    write_save(store.autosave_path, saves.from_playthrough(Playthrough.new(mini, 1, ["scout"]))
               .model_copy(update={"scenario": "dara"}))
    raw = store.autosave_path.read_bytes()
    assert Session(mini, store).continue_latest() is None
    assert store.problems == [f"{store.autosave_path}: save is for scenario 'dara', not 'mini'"]
    assert store.autosave_path.read_bytes() == raw


def test_store_files_are_written_atomically(mini, store, monkeypatch):
    session = play_a_little(mini, store)
    before = {p.name: p.read_bytes() for p in store.dir.iterdir()}

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(saves.os, "fsync", full_disk)
    session.new()
    with pytest.raises(OSError):
        session.choose("rush")
    assert {p.name: p.read_bytes() for p in store.dir.iterdir()} == before


def test_store_folder_layout(mini, store):
    session = play_a_little(mini, store)
    session.save("mine")
    assert sorted(os.listdir(store.dir)) == ["autosave.json", "endings.json", "playthroughs.json", "slots"]
    assert os.listdir(store.slots_dir) == ["mine.json"]
    data = json.loads(records_file(store).read_text())
    assert data["format"] == 1 and data["scenario"] == "mini"
    assert data["playthroughs"][0]["seed"] == 42 and data["playthroughs"][0]["ending"] == "wise_ending"
    assert json.loads(endings_file(store).read_text())["found"].keys() == {"wise_ending"}
