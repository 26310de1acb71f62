"""Fuzz tests (Hypothesis) of the whole scenario loader. Brief by design (deterministic, a few
hundred examples each), so that they run in CI on every submission.

What must always hold: loading a folder of random or mutated scenario files gives a scenario (which
then checks and plays without crashing) or a ScenarioLoadError whose every problem names a file that
exists, a line >= 1 within the file, and a message; the files are never changed.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from game.scenario.checker import check_scenario
from game.scenario.compiled import CompiledScenario, load
from game.scenario.errors import ScenarioLoadError
from game.session.playthrough import Playthrough

from conftest import FUZZ, MINI, YAML_TEXT, max_line


MINI_FILES = {p.name: p.read_text(encoding="utf-8") for p in sorted(MINI.glob("*.yaml"))}


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
    _mutate_a_file(draw, out_bytes, names)
    return out_bytes


def _mutate_a_file(draw, out_bytes: dict[str, bytes], names: list[str]) -> None:
    """Most often nothing; else one file dropped, renamed, added, replaced by bytes or cut short."""
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


def test_the_fuzzers_start_from_valid_files():
    """The seed of the mutations is whole: the mini scenario loads (and checks)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "scen"
        shutil.copytree(MINI, folder)
        assert check_load(folder) is not None
