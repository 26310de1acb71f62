"""The copy of a checked scenario that later loads read (`game.scenario.frozen`): the game plays the
same from it as from its YAML, reads it without pydantic or PyYAML, and never trusts a copy that is
not the one of these very files, or is damaged: it validates the files again."""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

import game.scenario
from game import config
from game.engine.explore import explore_exhaustive
from game.scenario import files, frozen
from game.scenario.compiled import compile_folder
from game.scenario.errors import ScenarioLoadError
from game.session.playthrough import Playthrough

from conftest import MINI, ROOT, ScenarioCopy


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    where = tmp_path / "cache"
    monkeypatch.setenv(config.ENV_CACHE, str(where))
    return where


def _tree(value: object) -> object:
    """A validated model or a record of the copy as plain data: its class's name and its fields."""
    fields = getattr(type(value), "model_fields", None)
    if fields is not None:
        return (type(value).__name__, {name: _tree(getattr(value, name)) for name in fields})
    if isinstance(value, frozen.Record):
        return (type(value).__name__, {name: _tree(v) for name, v in value})
    if isinstance(value, (list, tuple)):
        return [_tree(v) for v in value]
    if isinstance(value, dict):
        return {k: _tree(v) for k, v in value.items()}
    return value


def _from_copy(name: str | Path, mods: tuple = ()) -> object:
    game.scenario.load(name, mods)  # validated, checked and kept
    kept = game.scenario.load(name, mods)
    assert type(kept.scenario).__module__ == "game.scenario.frozen", "the second load reads the copy"
    return kept


@pytest.mark.parametrize("name", ["callinicum", "dara", "satala", str(MINI)])
def test_the_copy_holds_every_field_of_every_item(cache, name):
    kept = _from_copy(name)
    validated = compile_folder(game.scenario.locate(name)[0])
    assert type(validated.scenario).__module__ == "game.scenario.models"
    assert _tree(kept.scenario) == _tree(validated.scenario)
    assert kept.content_hash == validated.content_hash and kept.names == validated.names
    assert kept.initial == validated.initial and kept.index == validated.index
    # what the items say of themselves beyond their fields
    assert [u.is_enemy for u in kept.units] == [u.is_enemy for u in validated.units]
    for b in validated.battles:
        assert kept.battles[b].model.ground == validated.battles[b].model.ground
    choices = [(c.model.chronicles, v.model.chronicles) for n, m in zip(kept.nodes, validated.nodes)
               if hasattr(n, "choices") for c, v in zip(n.choices, m.choices)]
    assert choices and all(_tree(a) == _tree(b) for a, b in choices)


def _random_runs(scenario, seed: int, runs: int) -> list[tuple]:
    rng = random.Random(seed)
    out = []
    for run in range(runs):
        p = Playthrough.new(scenario, run)
        while not p.ending and len(p.decisions) < 200:
            open_ = [o.id for o in p.view().options if o.available]
            p.choose(rng.choice(open_))
        out.append((tuple(p.decisions), p.ending, p.state.values, tuple(p.chance)))
    return out


def test_the_campaign_plays_the_same_from_its_copy(cache):
    kept = _from_copy("callinicum")
    validated = compile_folder(game.scenario.locate("callinicum")[0])
    assert _random_runs(kept, 7, 25) == _random_runs(validated, 7, 25)


def test_the_odds_are_the_same_from_the_copy(cache):
    kept = _from_copy("dara")
    validated = compile_folder(game.scenario.locate("dara")[0])
    a, b = explore_exhaustive(kept, odds=True), explore_exhaustive(validated, odds=True)
    assert a.complete and b.complete
    assert a.endings == b.endings and a.states == b.states


def _copies(cache: Path) -> list[Path]:
    return sorted(cache.glob("*.json")) if cache.is_dir() else []


def test_a_copy_is_kept_only_of_a_scenario_that_passed(cache, tmp_path):
    broken = ScenarioCopy(tmp_path)
    broken.replace("scenes.yaml", "next: battle", "next: nowhere")
    with pytest.raises(ScenarioLoadError):
        game.scenario.load(broken.path)
    assert _copies(cache) == []
    game.scenario.load(MINI)
    assert len(_copies(cache)) == 1


def test_changed_files_are_read_again_never_the_old_copy(cache, tmp_path):
    copy = ScenarioCopy(tmp_path)
    first = _from_copy(copy.path)
    label = first.nodes[0].choices[0].model.label
    copy.replace("scenes.yaml", label, "Ride out at once")
    again = game.scenario.load(copy.path)
    assert type(again.scenario).__module__ == "game.scenario.models", "validated again"
    assert again.nodes[0].choices[0].model.label == "Ride out at once"
    assert _from_copy(copy.path).nodes[0].choices[0].model.label == "Ride out at once"
    # a file that breaks the scenario is reported, whatever copy of the old files is kept
    copy.replace("scenes.yaml", "Ride out at once", "")
    with pytest.raises(ScenarioLoadError):
        game.scenario.load(copy.path)


def test_a_mod_has_a_copy_of_its_own(cache, tmp_path):
    mod = tmp_path / "mod"
    mod.mkdir()
    text = (MINI / "scenes.yaml").read_text(encoding="utf-8")
    label = compile_folder(MINI).nodes[0].choices[0].model.label
    (mod / "scenes.yaml").write_text(text.replace(label, "Scout by night"), encoding="utf-8")
    plain = _from_copy(MINI)
    modded = _from_copy(MINI, (mod,))
    assert plain.nodes[0].choices[0].model.label == label
    assert modded.nodes[0].choices[0].model.label == "Scout by night"
    assert len(_copies(cache)) == 2


def _damage(path: Path, how: str) -> None:
    raw = path.read_bytes()
    head, _, body = raw.partition(b"\n")
    if how == "truncated":
        path.write_bytes(raw[: len(raw) // 2])
    elif how == "altered":  # one byte of the body changed, its digest not
        path.write_bytes(head + b"\n" + body.replace(b'"mini"', b'"mino"', 1))
    elif how == "no header":
        path.write_bytes(body)
    elif how == "not a scenario":  # a body whose digest matches, but that no scenario has
        fake = b'{"@":"Scenario","info":7}'
        header = json.loads(head)
        header["sha256"] = hashlib.sha256(fake).hexdigest()
        path.write_bytes(json.dumps(header).encode() + b"\n" + fake)
    elif how == "binary":
        path.write_bytes(os.urandom(4096))
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "deep":
        path.write_bytes(head + b"\n" + b"[" * 100_000)
    elif how in ("not a class", "not a field", "an id out of the folder", "a control character"):
        # whole, its digest matching, but not what a scenario that passed could hold
        body = {"not a class": b'{"@":["x"]}', "not a field": b'{"@":"Unit","a b":1}',
                "an id out of the folder": body.replace(b'"id":"mini"', b'"id":"../x"', 1),
                "a control character": body.replace(b'"title":"', b'"title":"\\u001b]0;', 1)}[how]
        header = json.loads(head)
        header["sha256"] = hashlib.sha256(body).hexdigest()
        path.write_bytes(json.dumps(header).encode() + b"\n" + body)
    elif how == "for other files":  # whole, but its header names another content hash
        header = json.loads(head)
        header["content_hash"] = "0" * 16
        path.write_bytes(json.dumps(header).encode() + b"\n" + body)
    else:
        raise AssertionError(how)


@pytest.mark.parametrize("how", ["truncated", "altered", "no header", "not a scenario", "binary", "empty", "deep",
                                 "not a class", "not a field", "an id out of the folder", "a control character",
                                 "for other files"])
def test_a_damaged_copy_is_never_read_and_is_written_again(cache, how):
    _from_copy(MINI)
    [path] = _copies(cache)
    _damage(path, how)
    again = game.scenario.load(MINI)
    assert type(again.scenario).__module__ == "game.scenario.models", "validated again"
    assert again.id == "mini" and _tree(again.scenario) == _tree(compile_folder(MINI).scenario)
    [path] = _copies(cache)
    assert type(game.scenario.load(MINI).scenario).__module__ == "game.scenario.frozen", "kept again, whole"


def test_no_copy_is_kept_when_the_cache_is_off_or_cannot_be_written(tmp_path, monkeypatch):
    monkeypatch.setenv(config.ENV_CACHE, "off")
    assert config.cache_dir() is None
    game.scenario.load(MINI)
    assert type(game.scenario.load(MINI).scenario).__module__ == "game.scenario.models"
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache folder would be", encoding="utf-8")
    monkeypatch.setenv(config.ENV_CACHE, str(blocked / "cache"))
    assert game.scenario.load(MINI).id == "mini"
    assert type(game.scenario.load(MINI).scenario).__module__ == "game.scenario.models"


def test_old_copies_are_pruned(cache, tmp_path):
    copy = ScenarioCopy(tmp_path)
    label = compile_folder(copy.path).nodes[0].choices[0].model.label
    for i in range(frozen.KEEP_PER_NAME + 3):
        copy.replace("scenes.yaml", label, f"{label} {i}")
        label = f"{label} {i}"
        game.scenario.load(copy.path)
    assert len(_copies(cache)) == frozen.KEEP_PER_NAME


def test_a_campaign_never_imports_pydantic_or_yaml(cache, tmp_path):
    """The game's memory (#17): pydantic, PyYAML, the models and the checker stay out of the game's
    process, saves and all, and so do hashlib (the digests are the interpreter's own) and numpy
    (only the explorer's sweep uses it): on
    the first start a child process reads and checks the files and keeps them; every later start
    plays from the copy."""
    script = (
        "import io, sys\n"
        "from game.cli import main\n"
        "sys.stdin = io.StringIO('1\\n' * 400)\n"
        f"code = main(['play', '--plain', '--seed', '3', '--saves', {str(tmp_path / 'saves')!r}])\n"
        "heavy = ('pydantic', 'yaml', 'hashlib', '_hashlib', 'ssl', 'game.scenario.models', 'game.scenario.loader',\n"
        "         'game.scenario.checker', 'numpy', 'game.engine.sweep')\n"
        "print('loaded:', sorted(m for m in sys.modules if m in heavy or m.split('.')[0] in heavy)[:5])\n"
        "raise SystemExit(code)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("CALLINICUM_DEBUG", None)
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                           cwd=tmp_path, env=env) for _ in range(2)]
    for proc in runs:
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.splitlines()[-2].startswith("ending: ")
    assert [proc.stdout.splitlines()[-1] for proc in runs] == ["loaded: []"] * 2
    assert len(_copies(cache)) == 1
    assert runs[0].stdout.splitlines()[-2] == runs[1].stdout.splitlines()[-2]


def test_apart_a_child_process_keeps_the_scenario_and_its_problems_are_raised_here(cache, tmp_path, monkeypatch):
    kept = game.scenario.load(MINI, apart=True)
    assert type(kept.scenario).__module__ == "game.scenario.frozen", "kept by the child, read from the copy"
    assert len(_copies(cache)) == 1
    broken = ScenarioCopy(tmp_path)
    broken.replace("scenes.yaml", "next: battle", "next: nowhere")
    with pytest.raises(ScenarioLoadError) as here:
        game.scenario.load(broken.path)
    with pytest.raises(ScenarioLoadError) as apart:
        game.scenario.load(broken.path, apart=True)
    assert [str(p) for p in apart.value.problems] == [str(p) for p in here.value.problems]
    assert "nowhere" in str(apart.value)
    # no cache: nothing is handed to a child, and the files are read here
    monkeypatch.setenv(config.ENV_CACHE, "off")
    monkeypatch.setattr(frozen.subprocess, "run", lambda *a, **k: pytest.fail("no child without a cache"))
    assert game.scenario.load(MINI, apart=True).id == "mini"


def test_other_code_reads_the_files_again(cache, monkeypatch):
    """The copy's name holds the digest of the code that reads scenarios: a new version of the game
    never reads a copy an older one kept."""
    _from_copy(MINI)
    monkeypatch.setattr(frozen, "FORMAT", frozen.FORMAT + 1)
    assert type(game.scenario.load(MINI).scenario).__module__ == "game.scenario.models"
    assert len(_copies(cache)) == 2
    monkeypatch.setattr(frozen, "_CODE", frozen._CODE[:-1])
    assert type(game.scenario.load(MINI).scenario).__module__ == "game.scenario.models"


def test_the_same_files_in_another_folder_have_a_copy_of_their_own(cache, tmp_path):
    one, two = ScenarioCopy(tmp_path / "one"), ScenarioCopy(tmp_path / "two")
    _from_copy(one.path)
    assert type(game.scenario.load(two.path).scenario).__module__ == "game.scenario.models"
    assert len(_copies(cache)) == 2


def test_no_copy_is_kept_of_files_that_changed_while_they_were_read(cache, monkeypatch):
    monkeypatch.setattr(frozen, "content_hash", lambda files: "0" * 16)
    game.scenario.load(MINI)
    assert _copies(cache) == []


def test_a_file_too_large_is_never_read_for_the_copy(cache, tmp_path, monkeypatch):
    copy = ScenarioCopy(tmp_path)
    _from_copy(copy.path)
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 5_000)
    copy.write("zz.yaml", "# " + "x" * 6_000 + "\n")
    read = []
    real = files.open if hasattr(files, "open") else open
    monkeypatch.setattr(files, "open", lambda path, *a: read.append(Path(path).name) or real(path, *a), raising=False)
    with pytest.raises(OSError):
        files.content_hash(files.listing(copy.path, []))
    assert "zz.yaml" not in read
    assert frozen.find(copy.path, ()) is None


def test_pruning_keeps_to_copies_of_its_own_folder(cache, tmp_path):
    star = ScenarioCopy(tmp_path, "a*")
    plain = ScenarioCopy(tmp_path, "a-b")
    _from_copy(plain.path)
    for i in range(frozen.KEEP_PER_NAME + 1):
        star.replace("scenario.yaml", "version:", f"# {i}\n  version:") if i else None
        game.scenario.load(star.path)
    names = [p.name for p in _copies(cache)]
    assert sum(n.startswith("a-b-") for n in names) == 1, "another folder's copy is never pruned"


def test_a_kept_scenario_can_be_sent_to_a_process_started_afresh(cache, monkeypatch):
    """The explorer's workers are started afresh on macOS and Windows: the scenario is pickled."""
    import pickle

    from game.engine import explore

    kept = _from_copy("dara")
    again = pickle.loads(pickle.dumps(kept.scenario))
    assert _tree(again) == _tree(kept.scenario) and again.units[0].is_enemy == kept.units[0].is_enemy
    monkeypatch.setattr(explore, "START_METHOD", "spawn")
    two = explore_exhaustive(kept, odds=True, jobs=2)
    one = explore_exhaustive(kept, odds=True, jobs=1)
    assert two.complete and (two.endings, two.states) == (one.endings, one.states)


def test_the_child_imports_nothing_from_where_the_game_was_started(cache, tmp_path):
    """A file named like a module in the player's folder is never run by the child process."""
    here = tmp_path / "here"
    here.mkdir()
    (here / "argparse.py").write_text("raise SystemExit(3)\n", encoding="utf-8")
    old = os.getcwd()
    os.chdir(here)
    try:
        assert frozen.keep_apart(MINI, ())
    finally:
        os.chdir(old)
    assert len(_copies(cache)) == 1


def test_the_digest_is_sha256_whoever_computes_it():
    import hashlib

    for data in (b"", b"abc", bytes(range(256)) * 999):
        assert files.sha256(data).hexdigest() == hashlib.sha256(data).hexdigest()
    assert compile_folder(MINI).content_hash == files.content_hash(files.listing(MINI, []))
