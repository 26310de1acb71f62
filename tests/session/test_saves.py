"""Saves on disk: round trips, hostile files, slot names, atomic writes under SIGKILL, old saves
after the scenario changed, the saves folder, and `callinicum replay` (transcript and Markdown)."""

from __future__ import annotations

import dataclasses
import importlib
import json
import multiprocessing
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from game import atomic
from game import DEFAULT_SCENARIO, config
from game.scenario.compiled import load
from game.session import saves
from game.session.playthrough import Playthrough
from game.session.saves import (
    MAX_SAVE_BYTES,
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
    MINI,
    POSIX,
    ROOT,
    Result,
    assert_clean_failure,
    game_process,
    needs_posix,
    run_main_in,
)


@pytest.fixture(scope="module")
def mini():
    return load(MINI)


def play(cs, seed: int, rng: random.Random | None = None, first: list[str] | None = None, limit: int = 200) -> Playthrough:
    """A playthrough to its ending: `first` decisions, then random (or first available) ones."""
    p = Playthrough.new(cs, seed, first or [])
    while not p.ending and len(p.decisions) < limit:
        options = [o.id for o in p.options() if o.available]
        p.choose(rng.choice(options) if rng else options[0])
    return p


def historical_or_first(p: Playthrough) -> str:
    options = [o for o in p.options() if o.available]
    return next((o for o in options if o.historical), options[0]).id


def same_playthrough(a: Playthrough, b: Playthrough) -> None:
    assert a.seed == b.seed
    assert a.decisions == b.decisions
    assert a.states == b.states
    assert a.record == b.record
    assert a.view() == b.view()
    assert a.ending == b.ending
    assert [o.id for o in a.options()] == [o.id for o in b.options()]


# -- round trips -----------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 2, 5, 42, 531, 2**63 - 1])
def test_round_trip_of_every_prefix(mini, tmp_path, seed):
    full = play(mini, seed, random.Random(seed))
    assert full.ending
    for n in range(len(full.decisions) + 1):
        before = full.truncated(n)
        path = tmp_path / f"p{n}.json"
        write_save(path, saves.from_playthrough(before, f"prefix {n}"))
        loaded = read_save(path)
        assert loaded.decisions == before.decisions and loaded.seed == seed
        assert loaded.label == f"prefix {n}" and loaded.ending == before.ending
        after, stopped = saves.replay(mini, loaded)
        assert stopped is None
        same_playthrough(before, after)
        # the file is exactly what the model writes: a second round trip changes nothing
        assert SaveFile.read(json.loads(path.read_bytes())) == loaded


def test_round_trip_of_the_campaign(tmp_path):
    cs = load(DEFAULT_SCENARIO)  # loaded fresh: the campaign is being tuned
    p = Playthrough.new(cs, 531)
    while not p.ending and len(p.decisions) < 500:
        p.choose(historical_or_first(p))
    assert p.ending
    for n in range(len(p.decisions) + 1):
        before = p.truncated(n)
        path = tmp_path / "c.json"
        write_save(path, saves.from_playthrough(before))
        after, stopped = saves.replay(cs, read_save(path))
        assert stopped is None
        same_playthrough(before, after)


def test_save_is_small_and_names_the_scenario(mini, tmp_path):
    p = play(mini, 42)
    path = tmp_path / "s.json"
    write_save(path, saves.from_playthrough(p, "label"))
    data = json.loads(path.read_text("utf-8"))
    assert data["format"] == saves.SAVE_FORMAT
    assert data["scenario"] == "mini" and data["scenario_version"] == "1"
    assert data["content_hash"] == mini.scenario.content_hash
    assert data["seed"] == 42 and data["decisions"] == p.decisions
    assert data["date"] == p.view().date and data["place"] == p.view().place_name
    assert path.stat().st_size < 2_000


def test_label_is_one_line_and_never_too_long(mini, tmp_path):
    p = Playthrough.new(mini, 1)
    save = saves.from_playthrough(p, "two\nlines\x1b[31m " + "x" * 500)
    assert "\n" not in save.label and "\x1b" not in save.label
    assert len(save.label) == saves.MAX_LABEL


# -- damaged and hostile saves ---------------------------------------------------------------------


def good_save(mini) -> dict:
    return json.loads(saves.from_playthrough(Playthrough.new(mini, 42, ["scout", "go_home"])).to_json())


def hostile(mini) -> dict[str, bytes]:
    good = good_save(mini)
    raw = json.dumps(good, indent=2).encode()
    return {
        "truncated": raw[: len(raw) // 2],
        "truncated_to_nothing": b"",
        "garbage": bytes(random.Random(1).randrange(256) for _ in range(4096)),
        "all_bytes": bytes(range(256)) * 4,
        "not_an_object": b'"a save"',
        "null": b"null",
        "seed_is_text": json.dumps({**good, "seed": "42"}).encode(),
        "seed_is_true": raw.replace(b'"seed": 42', b'"seed": true'),
        "seed_is_float": raw.replace(b'"seed": 42', b'"seed": 42.0'),
        "seed_has_5000_digits": raw.replace(b'"seed": 42', b'"seed": 1' + b"0" * 5000),
        "seed_negative": raw.replace(b'"seed": 42', b'"seed": -1'),
        "seed_too_big": raw.replace(b'"seed": 42', b'"seed": ' + str(2**63).encode()),
        "seed_nan": raw.replace(b'"seed": 42', b'"seed": NaN'),
        "seed_infinite": raw.replace(b'"seed": 42', b'"seed": -Infinity'),
        "decisions_text": json.dumps({**good, "decisions": "scout"}).encode(),
        "decisions_numbers": json.dumps({**good, "decisions": [1, 2]}).encode(),
        "decisions_too_many": json.dumps({**good, "decisions": ["scout"] * 10_001}).encode(),
        "label_a_list": json.dumps({**good, "label": ["x"]}).encode(),
        "missing_scenario": json.dumps({k: v for k, v in good.items() if k != "scenario"}).encode(),
        "scenario_escapes": json.dumps({**good, "scenario": "../../etc"}).encode(),
        "unknown_field": json.dumps({**good, "cheat": True}).encode(),
        "format_as_text": raw.replace(b'"format": 1', b'"format": "99"'),
        "format_as_text_1": raw.replace(b'"format": 1', b'"format": "1"'),
        "format_as_float": raw.replace(b'"format": 1', b'"format": 2.0'),
        "format_true": raw.replace(b'"format": 1', b'"format": true'),
        "format_zero": raw.replace(b'"format": 1', b'"format": 0'),
        "future_format": raw.replace(b'"format": 1', b'"format": 2'),
        "far_future_format": raw.replace(b'"format": 1', b'"format": 99999999999'),
        "deeply_nested": b"[" * 200_000 + b"]" * 200_000,
        "utf16": json.dumps(good).encode("utf-16"),
        "huge": b" " * (saves.MAX_SAVE_BYTES + 1) + raw,
        "label_with_escapes": json.dumps({**good, "label": "\x1b]0;pwned\x07\x1b[2J"}).encode(),
        "label_with_c1": json.dumps({**good, "label": "a\x9b2Jb"}).encode(),
        "decision_with_escape": json.dumps({**good, "decisions": ["scout", "go\x1b[31mhome"]}).encode(),
        "place_with_carriage_return": json.dumps({**good, "place": "Dara\rGone"}).encode(),
        "scenario_with_newline": json.dumps({**good, "scenario": "mini\n"}).encode(),
        "label_lone_surrogate": raw.replace(b'"label": "', b'"label": "\\ud800', 1),
    }


HOSTILE = list(hostile(load(MINI)))


@pytest.mark.parametrize("kind", HOSTILE)
def test_hostile_save_is_one_line_and_left_unchanged(mini, tmp_path, kind):
    data = hostile(mini)[kind]
    path = tmp_path / "slot.json"
    path.write_bytes(data)
    before = path.stat()
    with pytest.raises(SaveError) as info:
        read_save(path)
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"{path}: ")
    assert ("damaged save" in message or "newer version" in message or "not a save" in message), message
    assert len(message) < 300
    assert path.read_bytes() == data
    assert path.stat().st_mtime_ns == before.st_mtime_ns
    assert os.listdir(tmp_path) == ["slot.json"]


@pytest.mark.parametrize("kind, fragment", [
    ("seed_is_true", "damaged save (seed: input should be a valid integer)"),
    ("seed_has_5000_digits", "damaged save (it holds a number of 5,001 digits)"),
    ("seed_nan", "damaged save (it holds 'NaN', which no save holds)"),
    ("format_as_text", "damaged save (format: should be a whole number)"),
    ("format_as_float", "damaged save (format: should be a whole number)"),
    ("format_zero", "damaged save (format: input should be greater than or equal to 1)"),
    ("future_format", "save is from a newer version of the game (format 2); update the game to load it"),
    ("truncated", "damaged save (not valid JSON); the file was left as it is"),
    ("garbage", "damaged save (not valid JSON)"),
    ("null", "damaged save (not a save record)"),
    ("huge", "not a save (file is too large: "),
    ("unknown_field", "damaged save (cheat: extra inputs are not permitted)"),
    ("scenario_escapes", "damaged save (scenario: string should match pattern"),
    ("label_with_escapes", "damaged save (label: it holds a control character); the file was left as it is"),
    ("label_with_c1", "damaged save (label: it holds a control character)"),
    ("decision_with_escape", "damaged save (decisions: it holds a control character)"),
    ("place_with_carriage_return", "damaged save (place: it holds a control character)"),
    ("seed_is_text", "damaged save (seed: input should be a valid integer)"),
    ("seed_negative", "damaged save (seed: input should be greater than or equal to 0)"),
    ("seed_too_big", "damaged save (seed: input should be less than or equal to 9223372036854775807)"),
    ("decisions_text", "damaged save (decisions: input should be a valid list)"),
    ("decisions_numbers", "damaged save (decisions.0: input should be a valid string)"),
    ("decisions_too_many", "damaged save (decisions: list should have at most 10000 items after validation, not 10001)"),
    ("label_a_list", "damaged save (label: input should be a valid string)"),
    ("missing_scenario", "damaged save (scenario: field required)"),
    ("not_an_object", "damaged save (not a save record)"),
    ("scenario_with_newline", "damaged save (scenario: string should match pattern"),
    ("label_lone_surrogate", "damaged save (label: input should be a valid string, it holds a lone surrogate)"),
])
def test_hostile_save_messages(mini, tmp_path, kind, fragment):
    path = tmp_path / "s.json"
    path.write_bytes(hostile(mini)[kind])
    with pytest.raises(SaveError, match=None) as info:
        read_save(path)
    assert fragment in str(info.value)


def test_a_save_with_a_byte_order_mark_loads(mini, tmp_path):
    path = tmp_path / "bom.json"
    write_save(path, saves.from_playthrough(Playthrough.new(mini, 42, ["scout"]), "with a BOM"))
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    save = read_save(path)
    assert save.decisions == ["scout"] and save.seed == 42 and save.label == "with a BOM"
    # only one mark, at the start: anything else is still damage
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    with pytest.raises(SaveError, match="not valid JSON"):
        read_save(path)


def test_save_prose_keeps_its_newlines_and_tabs(mini, tmp_path):
    path = tmp_path / "prose.json"
    path.write_text(json.dumps({**good_save(mini), "date": "19 April\n531", "place": "Callinicum\tSyria"}))
    assert read_save(path).date == "19 April\n531"


@pytest.mark.parametrize("name", ["save\x1b]0;pwned\x07.json", "two\nlines\x1b[2J.json", "bell\x07\u202e.json"])
def test_a_save_file_name_is_shown_escaped_on_one_line(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"{")
    with pytest.raises(SaveError) as info:
        read_save(path)
    message = str(info.value)
    assert "\n" not in message and "\x1b" not in message and "\x07" not in message and "\u202e" not in message
    assert message.startswith(f"{tmp_path}/") and message.endswith("damaged save (not valid JSON); the file was left as it is")
    assert "\\x" in message or "\\n" in message
    missing = tmp_path / ("gone\x1b" + name)
    with pytest.raises(SaveError) as info:
        read_save(missing)
    assert "\x1b" not in str(info.value) and "\\x1b" in str(info.value) and "\n" not in str(info.value)


def test_not_a_regular_file(tmp_path):
    with pytest.raises(SaveError, match="not a save .it is a folder."):
        read_save(tmp_path)
    with pytest.raises(SaveError, match="cannot read save: No such file"):
        read_save(tmp_path / "missing.json")
    if hasattr(os, "mkfifo"):  # a pipe would block a plain read for ever
        fifo = tmp_path / "pipe.json"
        os.mkfifo(fifo)
        with pytest.raises(SaveError, match="not a regular file"):
            read_save(fifo)


def test_foreign_scenario_save(mini, tmp_path):
    path = tmp_path / "slots" / "dara.json"
    write_save(path, SaveFile.read({**good_save(mini), "scenario": "dara"}))
    raw = path.read_bytes()
    save = read_save(path)  # a well-formed save; it is only foreign to this scenario
    with pytest.raises(SaveError, match="save is for scenario 'dara', not 'mini'"):
        saves.replay(mini, save)
    store = Store(tmp_path / "root", mini)
    with pytest.raises(SaveError) as info:
        store.read(path)
    assert str(info.value) == f"{path}: save is for scenario 'dara', not 'mini'"
    assert path.read_bytes() == raw


def test_one_bad_save_never_spoils_the_others(mini, tmp_path):
    """Every kind of hostile file in the slots folder at once: the good saves still load, and only the
    bad ones are marked, each with its one line; no file is touched."""
    store = Store.open(tmp_path, mini)
    good = [store.save_slot(play(mini, seed), f"good {seed}") for seed in (1, 2, 3)]
    bad = {kind: data for kind, data in hostile(mini).items()}
    for kind, data in bad.items():
        (store.slots_dir / f"{kind}.json").write_bytes(data)
    foreign = store.slots_dir / "foreign.json"
    write_save(foreign, SaveFile.read({**good_save(mini), "scenario": "dara"}))
    before = {p.name: p.read_bytes() for p in store.slots_dir.iterdir()}

    slots = store.slots()
    by_name = {s.name: s for s in slots}
    assert len(slots) == len(bad) + 4
    for path in good:
        slot = by_name[path.stem]
        assert slot.error is None and slot.save is not None and slot.save.label.startswith("good ")
        assert saves.replay(mini, slot.save)[1] is None
    for kind in [*bad, "foreign"]:
        slot = by_name[kind]
        assert slot.save is None and slot.error and "\n" not in slot.error, kind
        assert slot.error.startswith(f"{slot.path}: ")
    assert "not 'mini'" in by_name["foreign"].error
    assert [s.name for s in slots[:3]] == sorted((p.stem for p in good), key=lambda n: by_name[n].save.saved_at,
                                                 reverse=True)
    assert {p.name: p.read_bytes() for p in store.slots_dir.iterdir()} == before
    assert store.problems == []  # slots carry their own errors


# -- slot names ------------------------------------------------------------------------------------

NASTY_NAMES = [
    "", " ", ".", "..", "...", "../escape", "../../../../etc/passwd", "/etc/passwd", "/tmp/x", "C:\\Windows\\x",
    "..\\..\\x", "a/../../b", "a\\b", "./.hidden", "\x00", "nul\x00byte", "tab\tand\nnewline", "CON", "nul.txt",
    "com1", "LPT9", "~", "~/x", "$HOME", "*?<>|\"':", "Καλλίνικον", "Ḱ̷a̴", "名前", "🐎🐎🐎", "ｆｕｌｌ／ｗｉｄｔｈ",
    "\u202eexe.json", "x" * 10_000, "é" * 300, "🐎" * 300, "a" * 59 + ".", " ..  lead", "trail . . ",
]


@pytest.mark.parametrize("name", NASTY_NAMES, ids=range(len(NASTY_NAMES)))
def test_slot_names_never_escape(mini, tmp_path, name):
    filename = slot_filename(name)
    assert filename.endswith(".json") and len(filename) <= 66 and len(filename.encode()) <= 255
    assert "/" not in filename and "\\" not in filename and "\x00" not in filename
    assert not filename.startswith(".") and filename.isprintable()
    assert filename.split(".")[0].lower() not in {"con", "prn", "aux", "nul", "com1", "lpt9"}
    store = Store.open(tmp_path / "saves", mini)
    path = store.save_slot(Playthrough.new(mini, 1, ["scout"]), name)
    assert path.parent == store.slots_dir
    assert path.resolve().parent == store.slots_dir.resolve()
    assert sorted(os.listdir(store.slots_dir)) == [filename]
    assert read_save(path).decisions == ["scout"]
    assert [s.name for s in store.slots()] == [path.stem]
    assert sorted(os.listdir(tmp_path)) == ["saves"]


def test_slot_names_keep_what_they_can(mini):
    assert slot_filename("Before the battle") == "Before the battle.json"
    assert slot_filename("Καλλίνικον") == "Καλλίνικον.json"
    assert slot_filename("名前") != slot_filename("🐎") != slot_filename("Καλλίνικον")  # no silent overwrite
    assert slot_filename("../../etc/passwd") == "etc_passwd.json"
    assert slot_filename("") == slot_filename("..") == slot_filename("/") == "save.json"
    assert slot_filename("CON") == "CON_.json"
    assert slot_filename("x" * 100) == "x" * 60 + ".json"


def test_a_slot_is_overwritten_only_by_its_own_name(mini, tmp_path):
    store = Store.open(tmp_path, mini)
    first = store.save_slot(Playthrough.new(mini, 1, ["scout"]), "mine")
    second = store.save_slot(Playthrough.new(mini, 1, ["rush"]), "yours")
    assert first != second
    store.save_slot(Playthrough.new(mini, 1, ["rush", "go_home"]), "mine")
    assert read_save(first).decisions == ["rush", "go_home"]
    assert read_save(second).decisions == ["rush"]


# -- atomic writes ---------------------------------------------------------------------------------


def _write_loop(path: str, seed: int, ready) -> None:  # pragma: no cover - runs in the child until killed
    cs = load(MINI)
    rng = random.Random(seed)
    bases = [play(cs, s, random.Random(s)) for s in range(8)]
    ready.set()
    i = 0
    while True:
        p = bases[i % len(bases)]
        save = saves.from_playthrough(p, f"round {i} " + "x" * rng.randrange(190))
        # a long list of decisions makes each write big enough to be caught in the middle
        save = dataclasses.replace(save, decisions=p.decisions * rng.randrange(1, 1200))
        write_save(Path(path), save)
        i += 1


def _temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "win32", reason="needs fork and SIGKILL")
def test_kill_mid_write_never_loses_the_save(mini, tmp_path):
    """A process writing saves in a loop is killed (SIGKILL) at random moments: every time, the save
    still loads, and no temporary file outlives the next write."""
    ctx = multiprocessing.get_context("fork")
    path = tmp_path / "autosave.json"
    write_save(path, saves.from_playthrough(play(mini, 0), "first"))
    rng = random.Random(531)
    labels = set()
    strays = 0
    pids: set[int] = set()
    for round_no in range(20):
        ready = ctx.Event()
        child = ctx.Process(target=_write_loop, args=(str(path), round_no, ready), daemon=True)
        child.start()
        assert ready.wait(10)
        time.sleep(rng.uniform(0, 0.06))
        os.kill(child.pid, signal.SIGKILL)
        child.join(5)
        assert child.exitcode == -signal.SIGKILL
        save = read_save(path)  # whole: either the previous save or the new one, never a mix
        assert save.scenario == "mini"
        labels.add(save.label.split(" x")[0])
        assert saves.replay(mini, dataclasses.replace(save, decisions=save.decisions[:10]))[0] is not None
        # a write cut short leaves at most its own hidden temporary file, never taken for a save
        pids.add(child.pid)
        for tmp in _temp_files(tmp_path):
            strays += 1
            assert tmp.name.startswith(".autosave.json.") and int(tmp.name.split(".")[3]) in pids
        assert [p.name for p in tmp_path.glob("*.json")] == ["autosave.json"]
    assert len(labels) > 3, labels  # the kills landed at different moments of the loop
    # the next write sweeps away what killed writers left
    write_save(path, saves.from_playthrough(play(mini, 1), "after"))
    assert _temp_files(tmp_path) == []
    assert read_save(path).label == "after"
    assert sorted(os.listdir(tmp_path)) == ["autosave.json"]


def test_a_failed_write_leaves_the_old_save_and_no_temp_file(mini, tmp_path, monkeypatch):
    path = tmp_path / "s.json"
    write_save(path, saves.from_playthrough(play(mini, 0), "old"))
    before = path.read_bytes()

    def boom(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", boom)
    with pytest.raises(OSError):
        write_save(path, saves.from_playthrough(play(mini, 1), "new"))
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["s.json"]


def test_the_sweep_spares_live_writers(mini, tmp_path):
    path = tmp_path / "s.json"
    live = tmp_path / f".s.json.{os.getpid()}.abcd1234.tmp"  # this process: may be mid-write in a thread
    live.write_bytes(b"{")
    other = tmp_path / ".other.json.999999999.abcd.tmp"  # another file's temporary: not ours to sweep
    other.write_bytes(b"{")
    write_save(path, saves.from_playthrough(play(mini, 0)))
    assert live.exists() and other.exists()


# -- a save made before the scenario changed -------------------------------------------------------


def test_old_save_replays_by_choice_id_and_stops_where_a_decision_is_gone(mini, tmp_path, scenario_copy):
    old = Playthrough.new(mini, 42, ["scout", "go_home"])
    path = tmp_path / "old.json"
    write_save(path, saves.from_playthrough(old, "before the change"))
    raw = path.read_bytes()
    # the new version: "go_home" is renamed, a choice is added before it, and the text changes
    scenario_copy.replace("scenes.yaml", "      - id: go_home\n", "      - id: withdraw\n")
    scenario_copy.replace("scenes.yaml", "    text: The road to the ford.\n", "    text: The long road.\n")
    scenario_copy.replace("scenario.yaml", 'version: "1"', 'version: "2"')
    changed = load(scenario_copy.path)
    assert changed.scenario.content_hash != mini.scenario.content_hash

    save = read_save(path)
    p, stopped = saves.replay(changed, save)
    assert p.decisions == ["scout"]
    assert p.view().text.startswith("The long road.")
    assert stopped == ("decision 2 ('go_home') no longer exists in this version of the scenario: "
                       "there is no decision 'go_home' here")
    # the session resumes it as far as it goes and says so; the file is never changed
    session = Session(changed, Store.open(tmp_path / "saves", changed))
    resumed = session.resume(save)
    assert resumed.decisions == ["scout"]
    assert session.changed == (f"This save was made with another version of the scenario 'mini' (version 1, "
                               f"content {mini.scenario.content_hash[:8]}; loaded now: version 2, content "
                               f"{changed.scenario.content_hash[:8]}); its decisions are replayed as far as "
                               "they still apply.")
    assert session.notice == f"{session.changed} Stopped: {stopped}." and "\n" not in session.notice
    assert path.read_bytes() == raw
    # a change that keeps the ids keeps the whole save
    scenario_copy.replace("scenes.yaml", "      - id: withdraw\n", "      - id: go_home\n")
    p, stopped = saves.replay(load(scenario_copy.path), save)
    assert stopped is None and p.ending == "wise_ending"


@pytest.mark.parametrize("markdown", [False, True])
def test_replay_of_a_save_from_another_version_says_so_first(mini, tmp_path, scenario_copy, run_cli, markdown):
    """One line on stderr before the transcript; the replay goes on, since the decisions still apply."""
    p = play(mini, 1, first=["scout", "gamble"])
    path = saved(mini, tmp_path, p)
    same = run_cli("replay", path, "--scenario", MINI, *(["--markdown"] if markdown else []))
    assert same.code == 0 and same.err == ""
    scenario_copy.replace("scenes.yaml", "    text: The road to the ford.\n", "    text: The long road.\n")
    other_content = load(scenario_copy.path)
    result = run_cli("replay", path, "--scenario", scenario_copy.path, *(["--markdown"] if markdown else []))
    assert result.code == 0
    assert result.err_lines == [
        f"{path}: This save was made with other content of the scenario 'mini' (version 1, content "
        f"{mini.scenario.content_hash[:8]}; loaded now: version 1, content {other_content.scenario.content_hash[:8]}); "
        "its decisions are replayed as far as they still apply."]
    assert result.out_lines[-1] == f"ending: {p.ending}"
    assert result.out.replace("The long road.", "The road to the ford.") == same.out
    scenario_copy.replace("scenario.yaml", 'version: "1"', 'version: "2"')
    result = run_cli("replay", path, "--scenario", scenario_copy.path)
    assert result.code == 0 and len(result.err_lines) == 1
    assert "made with another version of the scenario 'mini' (version 1," in result.err
    assert "loaded now: version 2," in result.err


def test_replay_of_a_changed_save_that_stops_says_both(mini, tmp_path, scenario_copy, run_cli):
    path = saved(mini, tmp_path, Playthrough.new(mini, 42, ["scout", "go_home"]))
    scenario_copy.replace("scenes.yaml", "      - id: go_home\n", "      - id: withdraw\n")
    result = run_cli("replay", path, "--scenario", scenario_copy.path)
    assert result.code == 1 and len(result.err_lines) == 2
    assert "This save was made with other content" in result.err_lines[0]
    assert result.err_lines[1] == (f"{path}: decision 2 ('go_home') no longer exists in this version of the "
                                   "scenario: there is no decision 'go_home' here")


def test_old_save_stops_where_a_choice_is_no_longer_open(mini, tmp_path, scenario_copy):
    save = saves.from_playthrough(Playthrough.new(mini, 42, ["scout", "go_home"]))
    scenario_copy.replace("scenes.yaml", "        label: Go home\n", "        label: Go home\n        if: courage > 4\n")
    p, stopped = saves.replay(load(scenario_copy.path), save)
    assert p.decisions == ["scout"]
    assert stopped.startswith("decision 2 ('go_home') no longer exists in this version of the scenario: ")
    assert "not available" in stopped


def test_old_save_of_a_finished_campaign_with_decisions_past_its_end(mini):
    save = saves.from_playthrough(Playthrough.new(mini, 42, ["scout", "go_home"]))
    save = dataclasses.replace(save, decisions=["scout", "go_home", "gamble"])
    p, stopped = saves.replay(mini, save)
    assert p.ending == "wise_ending"
    assert stopped == ("decision 3 ('gamble') no longer exists in this version of the scenario: "
                       "the campaign is over; there are no more decisions")


# -- where saves go --------------------------------------------------------------------------------


@pytest.fixture
def fake_app(monkeypatch):
    """Stand in for the Textual app: record the store `play` would run with."""
    import types

    seen: dict = {}

    def run_app_loading(loader, preview, seed=None):
        # the real app runs the loader behind its title screen; here it runs at once
        scenario, store = loader()
        seen.update(scenario=scenario, store=store, seed=seed, preview=preview)
        return 0

    monkeypatch.setitem(sys.modules, "game.tui.app", types.SimpleNamespace(run_app_loading=run_app_loading))
    monkeypatch.setattr("game.cli._terminal", lambda: True)  # as if at a terminal: the full-screen game
    # the game keeps TLS out of its own process (`cmd_play`); this one, the tests', keeps its own
    monkeypatch.setitem(sys.modules, "ssl", importlib.import_module("ssl"))
    return seen


@pytest.mark.parametrize("argv", [["--saves", "{opt}"], ["play", "--saves", "{opt}"]])
def test_play_saves_option_beats_the_environment(argv, tmp_path, monkeypatch, run_cli, fake_app):
    monkeypatch.setenv("CALLINICUM_SAVES", str(tmp_path / "env"))
    result = run_cli(*[a.format(opt=tmp_path / "opt") for a in argv], "--scenario", MINI, "--seed", "3")
    assert result.code == 0, result.err
    assert fake_app["store"].root == tmp_path / "opt" and fake_app["seed"] == 3
    assert (tmp_path / "opt" / "mini").is_dir() and not (tmp_path / "env").exists()


def test_play_saves_from_the_environment(tmp_path, monkeypatch, run_cli, fake_app):
    monkeypatch.setenv("CALLINICUM_SAVES", str(tmp_path / "env"))
    assert run_cli("--scenario", MINI).code == 0
    assert fake_app["store"].root == tmp_path / "env"
    assert fake_app["store"].dir == tmp_path / "env" / "mini"


def test_play_saves_default(monkeypatch, run_cli, fake_app, tmp_path):
    monkeypatch.delenv("CALLINICUM_SAVES", raising=False)
    monkeypatch.setattr(config, "default_saves_dir", lambda: tmp_path / "default")
    assert run_cli("--scenario", MINI).code == 0
    assert fake_app["store"].root == tmp_path / "default"


def test_play_with_a_saves_path_that_is_a_file(tmp_path, run_cli, fake_app):
    """The game still starts; the store says, once, that nothing is being saved."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run_cli("--saves", blocker, "--scenario", MINI)
    assert result.code == 0 and "Traceback" not in result.err
    store = fake_app["store"]
    assert store.problems == [f"this campaign is not being saved: the saves folder {blocker / 'mini'} cannot "
                              "be written (Not a directory)"]
    assert blocker.read_text() == "x"


# -- callinicum replay -----------------------------------------------------------------------------


def saved(cs, tmp_path: Path, p: Playthrough, name: str = "game.json") -> Path:
    path = tmp_path / name
    write_save(path, saves.from_playthrough(p, "shared"))
    return path


def test_replay_markdown_export(mini, tmp_path, run_cli):
    p = play(mini, 1, first=["scout", "gamble"])  # through the battle to an ending
    assert p.ending
    path = saved(mini, tmp_path, p)
    raw = path.read_bytes()
    result = run_cli("replay", path, "--scenario", MINI, "--markdown")
    assert result.code == 0 and result.err == ""
    lines = result.out_lines
    assert lines[0] == "# The Ford: a campaign"
    assert f"Scenario `mini` v1, seed 1, {len(p.decisions)} decisions." in lines
    ending_title = p.view().title
    assert f"**Ending: {ending_title}** (`{p.ending}`)" in lines
    assert "## The campaign beside the history" in lines
    assert "### 1. The camp — Day one" in lines
    assert "- **You:** Send scouts *(as in history)*" in lines
    assert "## The ending" in lines
    assert lines[-1] == f"ending: {p.ending}"
    assert path.read_bytes() == raw
    # the same export as the library gives, and the same each time
    from game.session.chronicle import markdown

    assert result.out == markdown(saves.replay(mini, read_save(path))[0])
    assert run_cli("replay", path, "--scenario", MINI, "--markdown").out == result.out


def test_replay_markdown_of_a_diverging_campaign(mini, tmp_path, run_cli):
    p = play(mini, 1, first=["rush", "gamble", "horse_right"])
    path = saved(mini, tmp_path, p)
    out = run_cli("replay", path, "--scenario", MINI, "--markdown").out
    assert "- **You:** Rush to the ford" in out
    assert "- **In history:** Send scouts" in out
    assert "- **You:** The horse" in out and "- **In history:** The allies" in out
    assert "You followed the real commander in 0 of 2 recorded decisions and diverged in 2." in out


def test_replay_markdown_stopped_and_unfinished(mini, tmp_path, run_cli):
    path = saved(mini, tmp_path, Playthrough.new(mini, 1, ["scout"]))
    result = run_cli("replay", path, "--scenario", MINI, "--markdown")
    assert result.code == 0
    assert "ending:" not in result.out and "## The ending" not in result.out
    data = json.loads(path.read_text())
    data["decisions"] = ["scout", "dance"]
    path.write_text(json.dumps(data))
    result = run_cli("replay", path, "--scenario", MINI, "--markdown")
    assert result.code == 1
    assert "*Stopped: decision 2 ('dance') no longer exists in this version of the scenario: " in result.out
    assert result.err_lines == [f"{path}: decision 2 ('dance') no longer exists in this version of the scenario: "
                                "there is no decision 'dance' here"]


def test_replay_markdown_until(mini, tmp_path, run_cli):
    p = play(mini, 42)
    path = saved(mini, tmp_path, p)
    out = run_cli("replay", path, "--scenario", MINI, "--markdown", "--until", "1").out
    assert "Scenario `mini` v1, seed 42, 1 decisions." in out and "ending:" not in out


@pytest.mark.parametrize("kind", ["truncated", "seed_is_true", "seed_has_5000_digits", "format_as_text",
                                  "scenario_escapes", "huge"])
def test_replay_markdown_of_a_damaged_save_is_one_line(mini, tmp_path, run_cli, kind):
    path = tmp_path / "bad.json"
    data = hostile(mini)[kind]
    path.write_bytes(data)
    result = run_cli("replay", path, "--scenario", MINI, "--markdown")
    assert result.code == 1 and result.out == ""
    assert len(result.err_lines) == 1 and result.err_lines[0].startswith(f"callinicum: {path}: ")
    assert path.read_bytes() == data


def test_replay_of_a_campaign_autosave_ends_with_its_ending(tmp_path, run_cli):
    """The campaign end to end: play it through a Session, then `replay` the autosave."""
    cs = load(DEFAULT_SCENARIO)
    session = Session(cs, Store.open(tmp_path, cs), seed=531)
    p = session.new()
    while not p.ending and len(p.decisions) < 500:
        session.choose(historical_or_first(p))
    assert p.ending
    autosave = tmp_path / cs.id / "autosave.json"
    result = run_cli("replay", autosave)  # the scenario is found from the save
    assert result.code == 0, result.err
    assert result.out_lines[-1] == f"ending: {p.ending}"
    assert result.out.count("\n> ") == len(p.decisions)
    md = run_cli("replay", autosave, "--markdown")
    assert md.code == 0 and md.out_lines[-1] == f"ending: {p.ending}"
    assert "## As the chroniclers would tell it" in md.out


# -- hostile saves ---------------------------------------------------------------------------------
# Truncated, garbage, from a future version, a folder, a FIFO, a huge sparse file, deep JSON, a foreign
# scenario: the API raises only SaveError (one line); `python -m game replay FILE` exits non-zero with
# one line and never a traceback; the file is never changed.


def build_save_cases(root: Path) -> dict[str, Path]:
    cs = load(MINI)
    folder = root / "saves"
    folder.mkdir()
    good = from_playthrough(Playthrough.new(cs, 5, ["scout", "gamble"]), "good")
    raw = good.to_json(indent=2).encode()
    data = json.loads(raw)
    cases: dict[str, Path] = {}

    def case(name: str, content: bytes) -> Path:
        path = folder / f"{name}.json"
        path.write_bytes(content)
        cases[name] = path
        return path

    case("good", raw)
    case("truncated", raw[: len(raw) // 2])
    case("truncated_to_nothing", b"")
    case("garbage", bytes(random.Random(531).getrandbits(8) for _ in range(3000)))
    case("nul_byte", raw.replace(b'"label"', b'"la\x00bel"'))
    case("latin1", raw.replace(b'"good"', '"caf\xe9"'.encode("latin-1")))
    case("future_version", json.dumps({**data, "format": 2}).encode())
    case("far_future_version", json.dumps({**data, "format": 10**50}).encode())
    case("format_as_text", json.dumps({**data, "format": "2"}).encode())
    case("deep_json", b"[" * 100_000 + b"]" * 100_000)
    case("deep_json_maps", b'{"a":' * 50_000 + b"1" + b"}" * 50_000)
    case("huge_seed", json.dumps({**data, "seed": 2**64}).encode())
    case("seed_of_5000_digits", raw.replace(b'"seed": 5', b'"seed": ' + b"9" * 5000))
    case("foreign_scenario", json.dumps({**data, "scenario": "elsewhere"}).encode())
    case("escaping_scenario", json.dumps({**data, "scenario": "../../etc"}).encode())
    case("decision_gone", json.dumps({**data, "decisions": ["scout", "nope", "gamble"]}).encode())
    case("ten_thousand_decisions", json.dumps({**data, "decisions": ["scout"] * 10_000}).encode())
    case("too_large", b" " * (MAX_SAVE_BYTES + 1) + raw)
    directory = folder / "a_folder.json"
    directory.mkdir()
    (directory / "inside.json").write_bytes(raw)
    cases["directory"] = directory
    cases["missing"] = folder / "missing.json"
    if POSIX:
        sparse = folder / "sparse.json"
        with open(sparse, "wb") as f:
            f.truncate(5 * 2**30)  # 5 GB of nothing, taking no disk
        cases["sparse_5gb"] = sparse
        fifo = folder / "fifo.json"
        os.mkfifo(fifo)
        cases["fifo"] = fifo
        link = folder / "loop.json"
        link.symlink_to(link.name)
        cases["symlink_loop"] = link
    return cases


@pytest.fixture(scope="module")
def hostile_saves(tmp_path_factory) -> tuple[Path, dict[str, Path]]:
    """Every hostile save file, built once: (their root, name -> file)."""
    root = tmp_path_factory.mktemp("adversarial")
    return root, build_save_cases(root)


REPLAY_SUBPROCESSES = ("truncated", "future_version", "directory")


@pytest.fixture(scope="module")
def replays(hostile_saves) -> dict[str, Result]:
    """`replay` of every hostile save, by case: `main()` in this process, and for real a `python -m
    game replay FILE` subprocess for the saves the issue names."""
    root, saves = hostile_saves
    results: dict[str, Result] = {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        real = {name: pool.submit(game_process, ["replay", os.path.relpath(saves[name], root), "--scenario", str(MINI)],
                                  root) for name in REPLAY_SUBPROCESSES}
        for name, path in saves.items():
            results[f"replay:{name}"] = run_main_in(["replay", os.path.relpath(path, root), "--scenario", str(MINI)],
                                                    root)
        results["replay:foreign_scenario_default"] = run_main_in(
            ["replay", os.path.relpath(saves["foreign_scenario"], root)], root)
        for name, future in real.items():
            results[f"subprocess replay:{name}"] = future.result(timeout=120)
    return results


def test_replay_for_real(replays):
    """The `replay` subprocesses: no traceback, and exactly what `main()` printed."""
    for name in REPLAY_SUBPROCESSES:
        real, inside = replays[f"subprocess replay:{name}"], replays[f"replay:{name}"]
        assert "Traceback" not in real.text
        assert (real.code, real.out, real.err) == (inside.code, inside.out, inside.err), name


DAMAGED_SAVES = [
    ("truncated", "damaged save (not valid JSON)"),
    ("truncated_to_nothing", "damaged save (not valid JSON)"),
    ("garbage", "damaged save (not valid JSON)"),
    ("nul_byte", "damaged save"),
    ("latin1", "damaged save (not valid JSON)"),
    ("future_version", "newer version of the game (format 2)"),
    ("far_future_version", "damaged save (it holds a number of 51 digits)"),
    ("format_as_text", "damaged save (format: should be a whole number)"),
    ("deep_json", "damaged save (not valid JSON)"),
    ("deep_json_maps", "damaged save (not valid JSON)"),
    ("huge_seed", "damaged save (seed:"),
    ("seed_of_5000_digits", "damaged save (it holds a number of 5,000 digits)"),
    ("escaping_scenario", "damaged save (scenario:"),
    ("too_large", "not a save (file is too large"),
    ("directory", "not a save (it is a folder)"),
    ("missing", "cannot read save"),
    ("sparse_5gb", "not a save (file is too large"),
    ("fifo", "not a save (not a regular file)"),
    ("symlink_loop", "cannot read save"),
]


@pytest.mark.parametrize("name, fragment", DAMAGED_SAVES, ids=[d[0] for d in DAMAGED_SAVES])
def test_damaged_save(hostile_saves, replays, name, fragment):
    root, saves = hostile_saves
    if name not in saves:
        pytest.skip("needs POSIX files")
    path = saves[name]
    before = _snapshot(path)
    with pytest.raises(SaveError) as info:
        read_save(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and "\n" not in message and fragment in message, message
    assert _snapshot(path) == before  # never changed, never created
    result = replays[f"replay:{name}"]
    assert_clean_failure(result)
    assert result.code == 1 and result.out == ""
    assert len(result.err.splitlines()) == 1, result
    line = result.err.strip()
    shown = os.path.relpath(path, root)
    assert line.startswith(f"callinicum: {shown}: ") and fragment in line, line
    assert _snapshot(path) == before


def _snapshot(path: Path) -> object:
    try:
        info = path.lstat()
    except FileNotFoundError:
        return None
    if stat.S_ISREG(info.st_mode) and info.st_size < 10_000_000:
        return info.st_mode, info.st_size, info.st_mtime_ns, path.read_bytes()
    return info.st_mode, info.st_size, info.st_mtime_ns


def test_good_save_replays(hostile_saves, replays):
    result = replays["replay:good"]
    assert result.code == 0 and result.err == "", result
    p, stopped = replay(load(MINI), read_save(hostile_saves[1]["good"]))
    assert stopped is None
    if p.ending:
        assert result.out.splitlines()[-1] == f"ending: {p.ending}"


def test_foreign_and_outdated_saves(hostile_saves, replays):
    root, saves = hostile_saves
    for key in ("replay:foreign_scenario", "replay:foreign_scenario_default"):
        result = replays[key]
        assert_clean_failure(result)
        assert len(result.err.splitlines()) == 1, result
        line = result.err.strip()
        assert "save is for scenario 'elsewhere'" in line, line
    for name, step in (("decision_gone", 2), ("ten_thousand_decisions", 2)):
        result = replays[f"replay:{name}"]
        assert_clean_failure(result)
        assert len(result.err.splitlines()) == 1, result
        line = result.err.strip()
        assert line.startswith(f"{os.path.relpath(saves[name], root)}: decision {step} (")
        assert "no longer exists" in line
        p, stopped = replay(load(MINI), read_save(saves[name]))
        assert len(p.decisions) == step - 1 and stopped is not None


@pytest.mark.parametrize("name", [d[0] for d in DAMAGED_SAVES if d[0] not in ("missing", "directory")])
def test_damaged_autosave_is_set_aside_unchanged(hostile_saves, tmp_path, name):
    """The same files as the autosave of a store: reported in one line, kept aside byte for byte, and
    play goes on."""
    saves = hostile_saves[1]
    if name not in saves:
        pytest.skip("needs POSIX files")
    cs = load(MINI)
    store = Store.open(tmp_path / "saves", cs)
    source = saves[name]
    if name == "fifo":
        os.mkfifo(store.autosave_path)
    elif name == "symlink_loop":
        store.autosave_path.symlink_to(store.autosave_path.name)
    elif name == "sparse_5gb":
        with open(store.autosave_path, "wb") as f:
            f.truncate(source.stat().st_size)
    else:
        shutil.copy(source, store.autosave_path)
    before = _snapshot(store.autosave_path)
    session = Session(cs, store)
    assert session.continue_latest() is None
    assert len(store.problems) == 1 and "\n" not in store.problems[0]
    session.new(3)
    session.choose("scout")
    assert _snapshot(store.dir / "autosave.damaged.json") == before  # moved aside, not one byte changed
    assert read_save(store.autosave_path).decisions == ["scout"]
    assert all("\n" not in line for line in store.problems)


# -- slot names that try to escape the saves folder -----------------------------------------------


ESCAPING_NAMES = ["../../x", "../../../../../../tmp/escaped", "/etc/passwd", "..", ".", "...", "con", "CON.json",
                  "nul", "com1", "lpt9.txt", "\x00", "a\x00b", "a/b", "a\\b", "~/x", "$HOME", "%APPDATA%",
                  "\n", " ", ".hidden", "x" * 1000, "\u202eevil", "../autosave", "../playthroughs"]


def _files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


def test_slot_names_never_escape_the_saves_folder(tmp_path):
    cs = load(MINI)
    outside = tmp_path / "outside"
    outside.mkdir()
    root = outside / "inner" / "saves"
    store = Store.open(root, cs)
    session = Session(cs, store)
    session.new(5)
    session.choose("scout")
    before_outside = _files_under(tmp_path) - _files_under(root)
    written = {}
    for name in ESCAPING_NAMES:
        path = session.save(name)
        assert path.parent == store.slots_dir and path.resolve().parent == store.slots_dir.resolve(), name
        assert path.name.endswith(".json") and not path.name.startswith(".")
        assert path.stem.lower().split(".")[0] not in {"con", "nul", "com1", "lpt9", "prn", "aux"}
        assert read_save(path).decisions == ["scout"]
        written[name] = path
    assert _files_under(tmp_path) - _files_under(root) == before_outside  # nothing outside the saves
    assert {p.name for p in store.dir.iterdir()} == {".lock", "autosave.json", "playthroughs.json", "slots"}
    assert not Path("/tmp/escaped.json").exists()
    # the autosave and the records are never overwritten by a slot
    assert read_save(store.autosave_path).label == "Autosave"
    assert [s.error for s in store.slots()] == [None] * len(store.slots())


def test_a_slot_that_is_a_symlink_is_replaced_not_followed(tmp_path):
    cs = load(MINI)
    store = Store.open(tmp_path / "saves", cs)
    secret = tmp_path / "secret.txt"
    secret.write_text("do not touch")
    store.slots_dir.mkdir(parents=True)
    (store.slots_dir / "evil.json").symlink_to(secret)
    [slot] = store.slots()
    assert slot.save is None and "\n" not in slot.error
    session = Session(cs, store)
    session.new(1)
    path = session.save("evil")
    assert secret.read_text() == "do not touch"
    assert not path.is_symlink() and read_save(path).seed == 1


def test_replay_of_a_slot_named_to_escape(tmp_path):
    cs = load(MINI)
    store = Store.open(tmp_path / "saves", cs)
    session = Session(cs, store)
    session.new(2)
    session.choose("scout")
    path = session.save("../../x")
    result = game_process(["replay", str(path), "--scenario", str(MINI)], tmp_path)
    assert result.code == 0 and "Traceback" not in result.text, result
    assert "Send scouts" in result.out


# -- a process killed again and again during a save loop ------------------------------------------


SAVE_LOOP = textwrap.dedent("""
    import random, sys
    from pathlib import Path
    from game.scenario.compiled import load
    from game.session.session import Session
    from game.session.store import Store

    cs = load(sys.argv[1])
    store = Store.open(Path(sys.argv[2]), cs)
    session = Session(cs, store)
    rng = random.Random(int(sys.argv[3]))
    session.new(rng.randrange(1000))
    print("ready", flush=True)
    n = 0
    while True:
        p = session.current
        options = [o.id for o in p.options() if o.available]
        if not options:
            session.new(rng.randrange(1000))
            continue
        session.choose(rng.choice(options))
        n += 1
        if n % 3 == 0:
            session.save(f"slot {n % 4}")
        if n % 7 == 0:
            session.undo()
""")


@needs_posix
def test_a_process_killed_during_a_save_loop_leaves_every_save_whole(tmp_path):
    cs = load(MINI)
    root = tmp_path / "saves"
    script = tmp_path / "loop.py"
    script.write_text(SAVE_LOOP)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    rng = random.Random(531)
    for round_no in range(4):
        proc = subprocess.Popen([sys.executable, str(script), str(MINI), str(root), str(round_no)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
            time.sleep(rng.uniform(0.02, 0.3))
            assert proc.poll() is None, proc.stderr.read()  # still saving when killed
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.kill()
            proc.wait(10)
            proc.stdout.close()
            proc.stderr.close()
        assert proc.returncode == -signal.SIGKILL
        # every file the game wrote is whole: it loads, replays, and nothing is reported damaged
        store = Store(root, cs)
        latest = store.latest()
        assert latest is not None and store.problems == []
        assert replay(cs, latest)[1] is None
        for slot in store.slots():
            assert slot.error is None, slot.error
            assert replay(cs, slot.save)[1] is None
        records = store.records()
        assert records and store.problems == []
        store.endings_found()
        assert store.problems == []
        tree = store.tree()
        for node in tree.nodes()[:20]:
            tree.info(node)
        session = Session(cs, store)
        resumed = session.continue_latest()
        assert resumed is not None and resumed.decisions == latest.decisions and session.notice is None
    # temporary files of killed writers are hidden and swept by the next write to the same file
    session = Session(cs, Store.open(root, cs))
    session.new(1)
    session.choose("scout")
    for n in range(4):
        session.save(f"slot {n}")
    leftovers = [p for p in root.rglob("*") if p.name.endswith(".tmp") and "playthroughs" not in p.name
                 and "endings" not in p.name]
    assert leftovers == []
    for path in root.rglob("*.json"):
        if path.name.startswith(("autosave", "slot")) or path.parent.name == "slots":
            read_save(path)


def test_a_save_the_game_writes_it_can_read_whatever_the_scenario_says(mini, tmp_path):
    """Every text a save takes from the scenario fits the limits it is read with: a version as long
    as a scenario's version may be, a place and a date as long as a line."""
    p = Playthrough.new(mini, 42, ["scout"])
    save = dataclasses.replace(saves.from_playthrough(p, "ü" * 300), scenario_version="v" * 500,
                               place="p" * 500, date="d" * 500)
    path = tmp_path / "long.json"
    write_save(path, save)
    assert read_save(path) == save
