"""Fuzz tests (Hypothesis over bytes and text) of the YAML reader, the whole scenario loader, the
save reader and the store's files. Brief by design (deterministic, a few hundred examples each), so
that they run in CI on every submission.

What must always hold:
- the YAML reader gives a Document or a YamlProblem with a line >= 1 and a message;
- loading a folder of random or mutated scenario files gives a scenario (which then checks and plays
  without crashing) or a ScenarioLoadError whose every problem names a file that exists, a line
  >= 1 within the file, and a message; the files are never changed;
- reading random or mutated saves gives a SaveFile (which then replays) or a one-line SaveError,
  and the file is never changed; damaged store files are reported, never overwritten.
"""

from __future__ import annotations

import functools
import json
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from game.scenario.checker import check_scenario
from game.scenario.compiled import CompiledScenario, load
from game.scenario.errors import ScenarioLoadError
from game.scenario.yamlread import Document, YamlProblem, parse_yaml
from game.session.playthrough import Playthrough
from game.session.saves import SaveError, SaveFile, from_playthrough, read_save, replay, write_save
from game.session.session import Session
from game.session.store import Store

MINI = Path(__file__).resolve().parent / "scenarios" / "mini"
MINI_FILES = {p.name: p.read_text(encoding="utf-8") for p in sorted(MINI.glob("*.yaml"))}

FUZZ = settings(
    derandomize=True, database=None, deadline=None, max_examples=200, print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# characters that matter to YAML, a few letters, and some that should never be in a file
YAML_CHARS = st.sampled_from(list(":-[]{}#&*!|>'\"%@`,?~=<+. \t\n\r0123456789abcxyz_")
                             + ["\x00", "\x07", "\x1b", "\x85", "\u2028", "\ufeff", "\ufffe", "é", "\U0001f600",
                                "\\", "0x", "&a ", "*a", "!!python/object ", "<<: ", "---\n", "...\n"])
YAML_TEXT = st.lists(YAML_CHARS, max_size=12).map("".join)


@functools.cache
def mini() -> CompiledScenario:
    return load(MINI)


# -- the YAML reader -------------------------------------------------------------------------------


def check_document_or_problem(raw: bytes) -> Document | None:
    try:
        doc = parse_yaml(raw)
    except YamlProblem as exc:
        assert isinstance(exc.line, int) and exc.line >= 1
        assert exc.line <= max_line(raw), (exc.line, exc.message)
        assert exc.message.strip()
        return None
    assert doc.data is not None
    for line in [*doc.lines.values(), *doc.key_lines.values()]:
        assert 1 <= line <= max_line(raw)
    return doc


def max_line(raw: bytes) -> int:
    """The last line a message may name: counting every kind of line break (generously)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.count(b"\n") + 1
    return len(text.splitlines()) + 1


@FUZZ
@given(raw=st.binary(max_size=2000))
def test_yaml_reader_on_random_bytes(raw):
    check_document_or_problem(raw)


@FUZZ
@given(text=st.lists(st.one_of(YAML_TEXT, st.text(max_size=10)), max_size=40).map("".join))
def test_yaml_reader_on_random_yaml_like_text(text):
    check_document_or_problem(text.encode("utf-8", "surrogatepass"))


# -- mutated scenario files ------------------------------------------------------------------------

LINE_MUTATIONS = ["value", "number", "value", "number", "delete", "swap", "insert", "truncate", "duplicate",
                  "indent", "dedent", "replace", "cut_line", "blank"]
NUMBERS = ["0", "-1", "1", "4", "5", "999", "1000", "-999999", "99999999999999999999", "0x10", "1.5", "true",
           "null", "''", "[]", "{}", "courage", "supply + 1", "not scouted"]


@st.composite
def mutated_scenario(draw) -> dict[str, bytes]:
    """The mini scenario's files with a few mutations: lines deleted, swapped, duplicated (so keys
    and items repeat), re-indented, cut, random characters inserted, a file truncated, dropped,
    renamed or added."""
    files = {name: text.split("\n") for name, text in MINI_FILES.items()}
    names = sorted(files)
    out_bytes: dict[str, bytes] = {}
    for _ in range(draw(st.integers(1, 4))):
        name = names[draw(st.integers(0, len(names) - 1))]
        lines = files[name]
        if not lines:
            lines.append("")
        kind = draw(st.sampled_from(LINE_MUTATIONS))
        i = draw(st.integers(0, len(lines) - 1))
        j = draw(st.integers(0, len(lines) - 1))
        if kind == "value":  # another line's value here: wrong types, wrong references, often valid
            key, colon, _ = lines[i].partition(": ")
            other = lines[j].partition(": ")[2]
            if colon and other:
                lines[i] = f"{key}: {other}"
        elif kind == "number":
            key, colon, _ = lines[i].partition(": ")
            if colon:
                lines[i] = f"{key}: {draw(st.sampled_from(NUMBERS))}"
        elif kind == "delete":
            del lines[i: i + draw(st.integers(1, 5))]
        elif kind == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "insert":
            col = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:col] + draw(YAML_TEXT) + lines[i][col:]
        elif kind == "truncate":
            del lines[i:]
        elif kind == "duplicate":
            lines[i:i] = lines[i: i + draw(st.integers(1, 8))]
        elif kind == "indent":
            lines[i] = " " * draw(st.integers(1, 4)) + lines[i]
        elif kind == "dedent":
            lines[i] = lines[i][draw(st.integers(1, 4)):] if lines[i].startswith(" ") else lines[i].lstrip()
        elif kind == "replace":
            lines[i] = draw(YAML_TEXT)
        elif kind == "cut_line":
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
        elif kind == "blank":
            lines[i] = ""
    for name, lines in files.items():
        out_bytes[name] = "\n".join(lines).encode("utf-8", "surrogatepass")
    file_op = draw(st.sampled_from(["none"] * 6 + ["drop", "rename", "add", "bytes", "cut_bytes"]))
    name = draw(st.sampled_from(names))
    if file_op == "drop":
        del out_bytes[name]
    elif file_op == "rename":
        out_bytes[f"{name[:-5]}.yml"] = out_bytes.pop(name)
    elif file_op == "add":
        out_bytes["extra.yaml"] = draw(st.one_of(YAML_TEXT, st.sampled_from(list(MINI_FILES.values())))).encode(
            "utf-8", "surrogatepass")
    elif file_op == "bytes":
        out_bytes[name] = draw(st.binary(max_size=300))
    elif file_op == "cut_bytes":
        out_bytes[name] = out_bytes[name][: draw(st.integers(0, len(out_bytes[name])))]
    return out_bytes


def check_load(folder: Path) -> CompiledScenario | None:
    """A scenario, or a ScenarioLoadError whose every problem has a file, a line and a message."""
    try:
        cs = load(folder)
    except ScenarioLoadError as exc:
        assert exc.problems, "a ScenarioLoadError with no problem"
        for problem in exc.problems:
            check_problem(problem)
        return None
    for finding in check_scenario(cs):
        check_problem(finding)
    return cs


def check_problem(problem) -> None:
    path = Path(problem.file)
    assert path.exists(), f"{problem}: no such file"
    assert isinstance(problem.line, int) and problem.line >= 1, str(problem)
    if path.is_file():
        assert problem.line <= max_line(path.read_bytes()), str(problem)
    assert problem.message.strip(), str(problem)
    assert problem.severity in ("error", "warning")
    assert str(problem).startswith(f"{problem.file}:{problem.line}:")


def play_a_little(cs: CompiledScenario, seed: int) -> None:
    """A scenario that loads also plays: a few random decisions, never a crash."""
    p = Playthrough.new(cs, seed)
    for i in range(40):
        view = p.view()
        options = [o.id for o in view.options if o.available]
        if not options:
            break
        p.choose(options[(seed + i) % len(options)])
    again = Playthrough.new(cs, seed, list(p.decisions))
    assert again.states == p.states


@FUZZ
@given(files=mutated_scenario(), seed=st.integers(0, 1000))
def test_loader_on_mutated_scenarios(files, seed):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "scen"
        folder.mkdir()
        for name, raw in files.items():
            (folder / name).write_bytes(raw)
        cs = check_load(folder)
        if cs is not None:
            play_a_little(cs, seed)
        # loading never changes a file
        assert {p.name: p.read_bytes() for p in folder.iterdir()} == files


@FUZZ
@given(files=st.dictionaries(st.sampled_from(["scenario.yaml", "scenes.yaml", "a.yml", "sub/b.yaml"]),
                             st.one_of(st.binary(max_size=400), YAML_TEXT.map(str.encode)), min_size=1, max_size=3))
def test_loader_on_random_files(files):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "scen"
        for name, raw in files.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(raw)
        assert check_load(folder) is None  # random bytes are never a whole scenario


# -- saves -------------------------------------------------------------------------------------------


def valid_save_text(seed: int = 3, decisions: tuple[str, ...] = ("scout", "gamble")) -> str:
    p = Playthrough.new(mini(), seed, list(decisions))
    return from_playthrough(p, "a label").model_dump_json(indent=2)


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
        p, stopped = replay(mini(), save)
    except SaveError as exc:  # a save of another scenario
        assert save.scenario != "mini" and "\n" not in str(exc)
        return
    assert stopped is None or "\n" not in stopped
    assert p.decisions == save.decisions[: len(p.decisions)]


# -- the store's own files ---------------------------------------------------------------------------


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
    cs = mini()
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


def test_the_fuzzers_start_from_valid_files():
    """The seeds of the mutations are whole: the mini scenario loads and its save reads."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "scen"
        shutil.copytree(MINI, folder)
        assert check_load(folder) is not None
        path = Path(tmp) / "s.json"
        write_save(path, SaveFile.model_validate_json(VALID_SAVE))
        assert read_save(path).decisions == ["scout", "gamble"]
