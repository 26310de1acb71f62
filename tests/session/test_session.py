"""The session and its store: autosave after every decision, undo, resume, named slots, the branch
records, endings found across sessions, and damaged store files that are reported, never overwritten."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

from game import atomic
from game.engine.campaign import EngineError
from game.scenario.compiled import load
from game.session import saves
from game.session.playthrough import Playthrough
from game.session.saves import SaveError, read_save, write_save
from game.session.session import Session
from game.session.store import Store

from conftest import MINI


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
    assert fork.explored == {"none", "keep_some"}


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
    save = dataclasses.replace(saves.from_playthrough(Playthrough.new(mini, 1, ["scout"])), scenario="dara")
    with pytest.raises(SaveError, match="save is for scenario 'dara', not 'mini'"):
        Session(mini, store).resume(save)


def test_resume_of_a_save_from_another_version_of_the_scenario_says_so(mini, tmp_path, scenario_copy):
    """Announced in one line (`changed`, and the notice the interface shows); the save plays on."""
    played = Playthrough.new(mini, 4, ["rush", "gamble", "horse_right"])
    save = saves.from_playthrough(played)
    same = Session(mini, Store.open(tmp_path / "a", mini))
    assert same.resume(save).state == played.state
    assert same.changed is None and same.notice is None and same.notice_title == ""
    scenario_copy.replace("scenario.yaml", 'version: "1"', 'version: "1.1"')
    newer = load(scenario_copy.path)
    session = Session(newer, Store.open(tmp_path / "b", newer))
    p = session.resume(save)
    assert p.decisions == played.decisions and session.changed is not None
    assert session.changed.startswith("This save was made with another version of the scenario 'mini' "
                                      f"(version 1, content {mini.scenario.content_hash[:8]}; loaded now: "
                                      f"version 1.1, content {newer.scenario.content_hash[:8]})")
    assert session.notice == session.changed and "\n" not in session.notice
    assert session.notice_title == "The scenario has changed since this save"
    # a save written without a content hash (an early format) is judged by its version alone
    unhashed = dataclasses.replace(save, content_hash="")
    assert Session(mini, Store.open(tmp_path / "c", mini)).resume(unhashed) is not None
    check = Session(mini, Store.open(tmp_path / "c", mini))
    check.resume(unhashed)
    assert check.changed is None
    # a new campaign forgets it
    session.new()
    assert session.changed is None and session.notice is None


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
    "deep_wrong_type": b'{"format": 1, "scenario": "mini", "playthroughs": [{"id": "a", "seed": 1, "decisions": [],'
                       b' "chance": [[1], ["x"]]}], "found": {"x": ["y"]}}',
    "no_scenario": b'{"format": 1, "playthroughs": [], "found": {}}',
    "lone_surrogate": b'{"format": 1, "scenario": "mini", "playthroughs": [{"id": "a", "seed": 1, "decisions": [],'
                      b' "label": "\\ud800"}], "found": {"\\ud800": "x"}}',
    "format_zero": b'{"format": 0, "scenario": "mini", "playthroughs": [], "found": {}}',
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


def test_damaged_autosave_is_set_aside_with_one_message(mini, store):
    store.autosave_path.write_bytes(b'{"format": 1, "seed": tr')
    session = Session(mini, store, seed=1)
    assert session.continue_latest() is None
    aside = store.dir / "autosave.damaged.json"
    assert aside.read_bytes() == b'{"format": 1, "seed": tr' and not store.autosave_path.exists()
    assert store.problems == [f"{store.autosave_path}: damaged save (not valid JSON); "
                              "it was set aside, unchanged, as autosave.damaged.json"]
    assert session.continue_latest() is None and store.latest() is None
    session.new()
    session.choose("scout")
    assert aside.read_bytes() == b'{"format": 1, "seed": tr'
    assert read_save(store.autosave_path).decisions == ["scout"]
    assert len(store.problems) == 1  # found once, said once: never "left as it is" as well
    # a second damaged autosave does not replace the first one kept
    store.autosave_path.write_bytes(b"\x00\x01")
    again = Session(mini, Store.open(store.root, mini), seed=1)
    again.new()
    again.choose("rush")
    assert aside.read_bytes() == b'{"format": 1, "seed": tr'
    assert (store.dir / "autosave.damaged-2.json").read_bytes() == b"\x00\x01"
    assert again.store.problems == [f"{store.autosave_path}: damaged save (not valid JSON); "
                                    "it was set aside, unchanged, as autosave.damaged-2.json"]


def test_damaged_autosave_that_cannot_be_set_aside_is_never_overwritten(mini, store):
    store.autosave_path.write_bytes(b"\x00\x01")
    for n in range(1, 1000):  # every name it could be set aside under is taken
        (store.dir / f"autosave.damaged{'' if n == 1 else f'-{n}'}.json").write_bytes(b"")
    session = Session(mini, store, seed=1)
    session.new()
    session.choose("scout")  # play goes on
    assert store.autosave_path.read_bytes() == b"\x00\x01"
    assert store.problems == [f"{store.autosave_path}: damaged save (not valid JSON); it could not be set "
                              "aside (too many damaged autosaves kept), so it was left as it is and the "
                              "autosave is not being written"]
    assert [r.decisions for r in store.records()] == [["scout"]]  # the branch record was still kept


def test_newer_autosave_is_kept_aside(mini, store):
    save = saves.from_playthrough(Playthrough.new(mini, 1, ["scout"]))
    raw = save.to_json().replace('"format":1', '"format":2').encode()
    store.autosave_path.write_bytes(raw)
    assert store.latest() is None
    assert store.problems == [f"{store.autosave_path}: save is from a newer version of the game (format 2); "
                              "it was set aside, unchanged, as autosave.damaged.json"]
    session = Session(mini, store, seed=1)
    session.new()
    session.choose("rush")
    assert (store.dir / "autosave.damaged.json").read_bytes() == raw


def test_foreign_autosave_is_not_continued(mini, store):
    write_save(store.autosave_path,
               dataclasses.replace(saves.from_playthrough(Playthrough.new(mini, 1, ["scout"])), scenario="dara"))
    raw = store.autosave_path.read_bytes()
    assert Session(mini, store).continue_latest() is None
    assert store.problems == [f"{store.autosave_path}: save is for scenario 'dara', not 'mini'; "
                              "it was set aside, unchanged, as autosave.damaged.json"]
    assert (store.dir / "autosave.damaged.json").read_bytes() == raw


def test_store_files_are_written_atomically(mini, store, monkeypatch):
    session = play_a_little(mini, store)
    before = {p.name: p.read_bytes() for p in store.dir.iterdir()}

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", full_disk)
    session.new()
    session.choose("rush")  # reported, not raised: play goes on
    assert {p.name: p.read_bytes() for p in store.dir.iterdir()} == before
    assert store.problems == [f"this campaign is not being saved: the saves folder {store.dir} cannot be "
                              "written (No space left on device)"]


def test_store_folder_layout(mini, store):
    session = play_a_little(mini, store)
    session.save("mine")
    assert sorted(os.listdir(store.dir)) == [".lock", "autosave.json", "endings.json", "playthroughs.json", "slots"]
    assert os.listdir(store.slots_dir) == ["mine.json"]
    data = json.loads(records_file(store).read_text())
    assert data["format"] == 1 and data["scenario"] == "mini"
    assert data["playthroughs"][0]["seed"] == 42 and data["playthroughs"][0]["ending"] == "wise_ending"
    assert json.loads(endings_file(store).read_text())["found"].keys() == {"wise_ending"}


# -- several processes, unwritable folders, byte-order marks ---------------------------------------

_RECORD_LOOP = """
import sys, time
from pathlib import Path
from game.scenario.compiled import load
from game.session.session import Session
from game.session.store import Store
mini, root, go, count = load(Path(sys.argv[1])), Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])
store = Store.open(root, mini)
while not go.exists():
    time.sleep(0.01)
for seed in range(count):
    session = Session(mini, store, seed=seed)
    session.new()
    session.choose("scout")
assert not store.problems, store.problems
"""


def test_two_processes_keep_every_branch_record_and_ending(mini, tmp_path):
    """Two real game processes autosave into one saves folder at the same time: each record written
    by either survives (the records file is re-read and changed under a lock)."""
    import subprocess
    import sys

    root, go, count = tmp_path / "saves", tmp_path / "go", 60
    procs = [subprocess.Popen([sys.executable, "-c", _RECORD_LOOP, str(MINI), str(root), str(go), str(count)],
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    go.touch()
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    store = Store.open(root, mini)
    records = store.records()
    assert len(records) == 2 * count and len({r.id for r in records}) == 2 * count
    assert sorted(r.seed for r in records) == sorted(list(range(count)) * 2)
    assert all(r.decisions == ["scout"] for r in records)
    assert read_save(store.autosave_path).decisions == ["scout"]
    assert store.problems == [] and not [p for p in store.dir.iterdir() if p.name.endswith(".tmp")]


def test_a_saves_folder_that_cannot_be_made_is_reported_once_and_play_goes_on(mini, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    store = Store.open(blocker / "saves", mini)  # a folder inside a file: it can never be made
    session = Session(mini, store, seed=1)
    session.new()
    session.choose("scout")
    session.choose("go_home")
    session.undo()
    assert store.problems == [f"this campaign is not being saved: the saves folder {store.dir} cannot be "
                              "written (Not a directory)"]
    assert store.not_saving == store.problems[0]
    assert session.current.decisions == ["scout"] and blocker.read_text() == "x"
    assert store.latest() is None and store.records() == [] and store.endings_found() == {}
    with pytest.raises(SaveError, match="cannot save here"):
        session.save("mine")


def test_a_folder_that_stops_being_writable_is_reported_once(mini, store, monkeypatch):
    session = Session(mini, store, seed=1)
    session.new()
    session.choose("scout")

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(store.dir / ".autosave.json.1.x.tmp"))

    monkeypatch.setattr(atomic.tempfile, "mkstemp", denied)
    session.undo()
    session.choose("rush")
    session.choose("go_home")
    assert store.problems == [f"this campaign is not being saved: the saves folder {store.dir} cannot be "
                              "written (Permission denied)"]
    assert ".tmp" not in store.problems[0]
    assert session.current.decisions == ["rush", "go_home"]
    monkeypatch.undo()
    assert read_save(store.autosave_path).decisions == ["scout"]  # the last save that could be written


def test_store_files_with_a_byte_order_mark_are_read(mini, store):
    session = play_a_little(mini, store)
    for path in (records_file(store), endings_file(store)):
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert [r.decisions for r in store.records()] == [["scout", "go_home"]]
    assert store.endings_found().keys() == {"wise_ending"}
    session.new()
    session.choose("rush")
    assert len(store.records()) == 2 and store.problems == []


def test_store_messages_escape_control_characters_in_file_names(mini, tmp_path):
    root = tmp_path / "sa\x1b]0;pwned\x07ves\nx"
    (root / "mini").mkdir(parents=True)
    (root / "mini" / "autosave.json").write_bytes(b"{")
    (root / "mini" / "playthroughs.json").write_bytes(b"{")
    store = Store.open(root, mini)
    assert store.latest() is None
    store.records()
    assert len(store.problems) == 2
    for line in store.problems:
        assert "\x1b" not in line and "\x07" not in line and "\n" not in line
        assert "sa\\x1b]0;pwned\\x07ves\\nx" in line
