"""Adversarial inputs, each through the public API and through the command line.

Scenario folders: YAML alias bombs (billion laughs), deep nesting (flow and block), files just over
(and exactly at) the size limit, a huge sparse file, binary files, a NUL byte, text that is not UTF-8,
control characters, symlink loops, FIFOs and devices, 500 and 600 files, expressions of 500 characters,
a huge hexadecimal number. Saves: truncated, garbage, from a future version, a folder, a FIFO, a huge
sparse file, deep JSON, a foreign scenario, slot names that try to escape the saves folder, and a
process killed again and again during a save loop.

The rules: the API raises only ScenarioLoadError (every problem with file:line) or SaveError (one
line); the CLI (`python -m game check DIR`, `python -m game replay FILE`) exits non-zero with one line
per problem, `file:line:` where there is a line, and never a traceback. Every command-line run is a
real subprocess; they are started together, in parallel, to keep this file fast.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from game.scenario.compiled import load
from game.scenario.errors import ScenarioLoadError
from game.scenario.yamlread import MAX_FILE_BYTES, YamlProblem, parse_yaml
from game.session.playthrough import Playthrough
from game.session.saves import (
    MAX_SAVE_BYTES,
    SaveError,
    from_playthrough,
    read_save,
    replay,
)
from game.session.session import Session
from game.session.store import Store

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
MINI = TESTS / "scenarios" / "mini"
POSIX = os.name == "posix"
needs_posix = pytest.mark.skipif(not POSIX, reason="needs POSIX files (symlinks, FIFOs, SIGKILL)")

BILLION_LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)
COMMENTS = "# a comment\n# another\n# a third\n"  # so that the interesting line is line 4


@dataclass
class Result:
    code: int
    out: str
    err: str
    seconds: float

    @property
    def text(self) -> str:
        return self.out + self.err


# -- the inputs --------------------------------------------------------------------------------------
# Each scenario case is a copy of the mini scenario with one thing done to it, in `<root>/<name>/`.


def _mini_copy(root: Path, name: str) -> Path:
    folder = root / name
    shutil.copytree(MINI, folder)
    return folder


def _replace_line(folder: Path, file: str, line_no: int, new: bytes) -> None:
    lines = (folder / file).read_bytes().split(b"\n")
    lines[line_no - 1] = new
    (folder / file).write_bytes(b"\n".join(lines))


def _expression(length: int) -> str:
    """A valid condition of exactly `length` characters."""
    expr = "supply >= 5"
    while len(expr) + len(" and courage >= 0") <= length:
        expr += " and courage >= 0"
    return expr.replace(">=", ">=" + " " * (length - len(expr)), 1)


FEAST_IF_LINE = 28  # `if: supply >= 5` in mini's scenes.yaml

HOSTILE_EXPRESSIONS = {
    "parens_200": "(" * 200 + "supply" + ")" * 200 + " >= 5",
    "not_120": "not " * 120 + "scouted",
    "minus_490": "supply >= " + "-" * 489 + "1",
    "plus_chain": "supply" + " + 1" * 120 + " >= 5",
    "dunder": "supply.__class__.__bases__[0].__subclasses__() >= 5",
    "lambda": "(lambda: 1)() >= 5",
    "walrus": "(x := 5) >= supply",
    "huge_number": "supply >= " + "9" * 480,
    "power": "supply ** 99999999 >= 5",
}


def build_scenario_cases(root: Path) -> dict[str, Path]:
    """Build every scenario folder; returns name -> folder."""
    cases: dict[str, Path] = {}

    def case(name: str) -> Path:
        folder = _mini_copy(root, name)
        cases[name] = folder
        return folder

    (case("alias_bomb") / "bomb.yaml").write_text(BILLION_LAUGHS)
    (case("flow_nesting") / "deep.yaml").write_text(COMMENTS + "flags: " + "[" * 5000 + "]" * 5000 + "\n")
    (case("flow_nesting_maps") / "deep.yaml").write_text(COMMENTS + "flags: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n")
    (case("block_nesting") / "deep.yaml").write_text(COMMENTS + "- " * 10_000 + "x\n")
    (case("block_key_nesting") / "deep.yaml").write_text(COMMENTS + "? " * 10_000 + "x\n")
    (case("indent_nesting") / "deep.yaml").write_text(
        "".join("  " * i + "a:\n" for i in range(1300)) + "  " * 1300 + "1\n")

    def padded(name: str, size: int) -> None:
        folder = case(name)
        text = (folder / "scenes.yaml").read_bytes()
        pad = size - len(text) - 2
        (folder / "scenes.yaml").write_bytes(text + b"#" + b"x" * pad + b"\n")
        assert (folder / "scenes.yaml").stat().st_size == size

    padded("too_large", MAX_FILE_BYTES + 1)
    padded("at_the_limit", MAX_FILE_BYTES)
    (case("binary") / "data.yaml").write_bytes(bytes(range(256)) * 8)
    _replace_line(case("nul_byte"), "scenes.yaml", 12, b"      text: Nothing\x00 happened here.")
    _replace_line(case("latin1"), "scenes.yaml", 7, "      The enemy is at the ford. Caf\xe9.".encode("latin-1"))
    _replace_line(case("control_char"), "scenes.yaml", 10, b"        says: Scout \x1b[31mfirst\x1b[0m.")
    utf16 = case("utf16")
    (utf16 / "scenario.yaml").write_bytes((utf16 / "scenario.yaml").read_text().encode("utf-16"))

    many = case("files_600")
    for i in range(597):
        (many / f"extra_{i:03}.yaml").write_text(f"flags:\n  - id: extra_{i}\n")
    enough = case("files_500")
    for i in range(497):
        (enough / f"extra_{i:03}.yaml").write_text(f"flags:\n  - id: extra_{i}\n")

    _replace_line(case("expression_500"), "scenes.yaml", FEAST_IF_LINE, f"        if: {_expression(500)}".encode())
    _replace_line(case("expression_501"), "scenes.yaml", FEAST_IF_LINE, f"        if: {_expression(501)}".encode())
    for name, expr in HOSTILE_EXPRESSIONS.items():
        _replace_line(case(f"expr_{name}"), "scenes.yaml", FEAST_IF_LINE, f"        if: '{expr}'".encode())

    hexed = case("hex_number")
    _replace_line(hexed, "scenes.yaml", 3, b"    title: 0x" + b"f" * 4000)

    if POSIX:
        loops = case("symlink_loops")
        (loops / "loop").symlink_to(".")
        (loops / "up").symlink_to("..")
        (loops / "a.yaml").symlink_to("b.yaml")
        (loops / "b.yaml").symlink_to("a.yaml")
        (loops / "dangling.yaml").symlink_to("no_such_file.yaml")
        (loops / "sub").mkdir()
        (loops / "sub" / "back").symlink_to(loops)
        special = case("special_files")
        os.mkfifo(special / "fifo.yaml")
        (special / "zero.yaml").symlink_to("/dev/zero")
        (special / "random.yaml").symlink_to("/dev/urandom")
    cases["a_file_not_a_folder"] = MINI / "scenes.yaml"
    cases["no_such_folder"] = root / "does_not_exist"
    return cases


def build_save_cases(root: Path) -> dict[str, Path]:
    cs = load(MINI)
    folder = root / "saves"
    folder.mkdir()
    good = from_playthrough(Playthrough.new(cs, 5, ["scout", "gamble"]), "good")
    raw = good.model_dump_json(indent=2).encode()
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


# -- running the command line ------------------------------------------------------------------------


def run_game(args: list[str], cwd: Path, timeout: float = 60) -> Result:
    env = dict(os.environ)
    env.pop("CALLINICUM_DEBUG", None)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONIOENCODING"] = "utf-8"
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "game", *args], check=False, cwd=cwd, env=env, capture_output=True,
                          text=True, errors="replace", timeout=timeout)
    return Result(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - start)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> tuple[Path, dict[str, Path], dict[str, Path]]:
    root = tmp_path_factory.mktemp("adversarial")
    return root, build_scenario_cases(root), build_save_cases(root)


def run_in_process(args: list[str], cwd: Path) -> Result:
    """`game.cli.main(args)` in this process, in `cwd`, as the command line would run it."""
    import contextlib
    import io

    from game.cli import main

    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    start = time.monotonic()
    os.chdir(cwd)
    try:
        # (a warning about some other test's object, collected meanwhile, is not this command's output)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                code = main(args)
            except SystemExit as exc:  # argparse
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:  # noqa: BLE001 - what a subprocess would print
                import traceback

                traceback.print_exc(file=err)
                code = 1
    finally:
        os.chdir(old)
    return Result(code, out.getvalue(), err.getvalue(), time.monotonic() - start)


# Known crashes stay out of the one `check` subprocess that checks every other folder at once.
NOT_IN_BATCH = {"hex_number"}
REPLAY_SUBPROCESSES = ("truncated", "future_version", "directory")


@pytest.fixture(scope="module")
def cli(inputs) -> dict[str, Result]:
    """Every command-line run of this file, by case.

    Each runs `main()` in this process (for its own exit status and output), and also for real:
    one `python -m game check DIR DIR ...` subprocess over every scenario folder, whose output must be
    the same lines, and a `python -m game replay FILE` subprocess for the saves the issue names.
    """
    root, scenarios, saves = inputs
    results: dict[str, Result] = {}
    folders = {name: os.path.relpath(folder, root) for name, folder in scenarios.items()}
    with ThreadPoolExecutor(max_workers=2) as pool:
        batch = pool.submit(run_game, ["check", *[f for n, f in folders.items() if n not in NOT_IN_BATCH]], root)
        replays = {name: pool.submit(run_game, ["replay", os.path.relpath(saves[name], root), "--scenario", str(MINI)],
                                     root) for name in REPLAY_SUBPROCESSES}
        # a FIFO or /dev/zero read by mistake would block for ever: that case runs only in a child
        special = None
        if "special_files" in folders:
            special = pool.submit(run_game, ["check", folders["special_files"]], root, 30)
        for name, folder in folders.items():
            if name != "special_files":
                results[f"check:{name}"] = run_in_process(["check", folder], root)
        for name, path in saves.items():
            results[f"replay:{name}"] = run_in_process(["replay", os.path.relpath(path, root), "--scenario", str(MINI)],
                                                       root)
        results["replay:foreign_scenario_default"] = run_in_process(
            ["replay", os.path.relpath(saves["foreign_scenario"], root)], root)
        results["batch"] = batch.result(timeout=120)
        if special is not None:
            results["check:special_files"] = special.result(timeout=60)
        for name, future in replays.items():
            results[f"subprocess replay:{name}"] = future.result(timeout=120)
    return results


def test_the_command_line_for_real(cli):
    """The subprocesses: no traceback, no crash, and exactly the lines `main()` printed case by case."""
    batch = cli["batch"]
    assert batch.code == 1 and batch.err == "", batch.err[-3000:]
    assert batch.seconds < 60
    expected = [line for key, result in cli.items() if key.startswith("check:") and key[6:] not in NOT_IN_BATCH
                for line in result.out.splitlines()]
    assert sorted(batch.out.splitlines()) == sorted(expected)
    for name in REPLAY_SUBPROCESSES:
        real, inside = cli[f"subprocess replay:{name}"], cli[f"replay:{name}"]
        assert "Traceback" not in real.text
        assert (real.code, real.out, real.err) == (inside.code, inside.out, inside.err), name


def assert_clean_failure(result: Result) -> None:
    """A non-zero exit, no traceback, no internal error, and no line that is only noise."""
    assert result.code not in (0, 70) and result.code > 0, result
    assert "Traceback" not in result.text, result.text[-2000:]
    assert "internal error" not in result.err, result.err


def assert_check_lines(result: Result, shown: str, line: int | None, fragment: str) -> None:
    """`check`'s output: every line is `file:line: ...`, one names this file (and line), with the fragment."""
    assert_clean_failure(result)
    lines = result.out.splitlines()
    assert lines, result
    for text in lines:
        assert re.match(r"^[^\n:]+(:\d+)?: ", text), f"not a file:line: (or folder:) line: {text!r}"
    where = f"{shown}:{line}:" if line else f"{shown}:"
    hits = [text for text in lines if text.startswith(where) and fragment in text]
    assert hits, f"no line starting {where!r} with {fragment!r} in:\n{result.out}"
    assert all(len(text) < 1000 for text in lines), "a line too long to read"


def load_problems(folder: Path) -> list:
    with pytest.raises(ScenarioLoadError) as info:
        load(folder)
    problems = info.value.problems
    for p in problems:
        assert p.message.strip()
        assert p.line >= 1 or p.line == 0 and ("folder" in p.message or "files" in p.message)
        assert Path(p.file).exists() or p.message == "no such scenario folder"
    return problems


def the_problem(folder: Path, file: str, fragment: str):
    """The problem about `file` (relative to the folder) whose message has `fragment`."""
    problems = load_problems(folder)
    target = (folder / file).resolve() if file else folder.resolve()
    hits = [p for p in problems if Path(p.file).resolve() == target and fragment in p.message]
    assert hits, [str(p) for p in problems]
    return hits[0]


# -- scenario folders --------------------------------------------------------------------------------

#            case                file           line  fragment
REFUSED = [
    ("alias_bomb",         "bomb.yaml",    None, "anchors and aliases"),
    ("flow_nesting",       "deep.yaml",    4,    "nested too deeply"),
    ("flow_nesting_maps",  "deep.yaml",    4,    "nested too deeply"),
    ("block_nesting",      "deep.yaml",    4,    "nested too deeply"),
    ("block_key_nesting",  "deep.yaml",    4,    "nested too deeply"),
    ("indent_nesting",     "deep.yaml",    None, "nested too deeply"),
    ("too_large",          "scenes.yaml",  1,    "too large"),
    ("binary",             "data.yaml",    1,    "binary"),
    ("nul_byte",           "scenes.yaml",  None, "binary"),
    ("latin1",             "scenes.yaml",  7,    "not UTF-8"),
    ("utf16",              "scenario.yaml", 1,   ""),
    ("files_600",          "",             0,    "too many files (600; at most 500)"),
    ("expression_501",     "scenes.yaml",  FEAST_IF_LINE, "500"),
    ("a_file_not_a_folder", "",            0,    "no such scenario folder"),
    ("no_such_folder",     "",             0,    "no such scenario folder"),
]


@pytest.mark.parametrize("name, file, line, fragment", REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_scenario(inputs, cli, name, file, line, fragment):
    root, scenarios, _ = inputs
    folder = scenarios[name]
    start = time.monotonic()
    problem = the_problem(folder, file, fragment)
    assert time.monotonic() - start < 5
    if line is not None:
        assert problem.line == line, str(problem)
    elif file:
        assert 1 <= problem.line <= len((folder / file).read_bytes().splitlines()) + 1, str(problem)
    shown = os.path.relpath(folder / file if file else folder, root)
    assert_check_lines(cli[f"check:{name}"], shown, problem.line, fragment)
    assert cli[f"check:{name}"].code == 1


def test_billion_laughs_is_refused_at_once():
    start = time.monotonic()
    with pytest.raises(YamlProblem) as info:
        parse_yaml(BILLION_LAUGHS.encode())
    assert "anchors and aliases" in info.value.message
    assert info.value.line in (1, 2)  # the anchor, or its first alias
    assert time.monotonic() - start < 0.5


@pytest.mark.parametrize("name", ["at_the_limit", "files_500", "expression_500"])
def test_accepted_at_the_limits(inputs, cli, name):
    folder = inputs[1][name]
    cs = load(folder)
    p = Playthrough.new(cs, 1)
    assert {o.id for o in p.options()} >= {"scout", "rush"}
    result = cli[f"check:{name}"]
    assert result.code == 0 and "Traceback" not in result.text, result
    assert result.out.splitlines()[-1].startswith("ok: ")


def test_an_expression_of_500_characters_is_evaluated(inputs):
    cs = load(inputs[1]["expression_500"])
    p = Playthrough.new(cs, 1)
    feast = next(o for o in p.options() if o.id == "feast")
    assert not feast.available  # supply 3 < 5
    assert len(cs.scenario.scenes[0].choices[2].if_) == 500


@pytest.mark.parametrize("name", sorted(HOSTILE_EXPRESSIONS))
def test_hostile_expressions(inputs, cli, name):
    """Each is refused with the file and line of the `if:`, or (if harmless) accepted and evaluated."""
    folder = inputs[1][f"expr_{name}"]
    result = cli[f"check:expr_{name}"]
    assert "Traceback" not in result.text and "internal error" not in result.err, result
    try:
        cs = load(folder)
    except ScenarioLoadError as exc:
        lines = {(Path(p.file).resolve(), p.line) for p in exc.problems}
        assert ((folder / "scenes.yaml").resolve(), FEAST_IF_LINE) in lines, [str(p) for p in exc.problems]
        assert_check_lines(result, f"expr_{name}/scenes.yaml", FEAST_IF_LINE, "")
    else:
        Playthrough.new(cs, 1).options()
        assert result.code == 0, result


@needs_posix
@pytest.mark.parametrize("name", ["symlink_loops", "special_files"])
def test_links_loops_fifos_and_devices_never_hang(inputs, cli, name):
    """Symlink loops, a FIFO and links to /dev/zero and /dev/urandom in a scenario folder: the check
    ends at once (no read that never ends), and either ignores them or names them."""
    result = cli[f"check:{name}"]
    assert result.seconds < 20
    assert "Traceback" not in result.text and "internal error" not in result.err, result
    assert result.code in (0, 1)
    if result.code == 1:
        for text in result.out.splitlines():
            assert re.match(r"^[^\n:]+:\d+: ", text), text
    if name == "symlink_loops":  # safe to try in this process: nothing there can block a read
        try:
            load(inputs[1][name])
        except ScenarioLoadError as exc:
            for p in exc.problems:
                assert p.line >= 1 and Path(p.file).name in ("a.yaml", "b.yaml", "dangling.yaml"), str(p)


def test_control_character_is_refused(inputs, cli):
    """(Its line and its two-line message are a known bug: see the xfail below.)"""
    the_problem(inputs[1]["control_char"], "scenes.yaml", "control characters are not allowed")
    result = cli["check:control_char"]
    assert_clean_failure(result)
    assert result.out.startswith("control_char/scenes.yaml:") and result.code == 1


# -- bugs: each test says what should happen -----------------------------------------------------------


def test_control_character_is_reported_at_its_line_in_one_line(inputs, cli):
    folder = inputs[1]["control_char"]
    problem = the_problem(folder, "scenes.yaml", "control characters are not allowed")
    assert "\n" not in problem.message and "<unicode string>" not in problem.message
    assert problem.line == 10
    result = cli["check:control_char"]
    assert len(result.out.splitlines()) == 1


def test_nul_byte_is_reported_at_its_line(inputs):
    problem = the_problem(inputs[1]["nul_byte"], "scenes.yaml", "")
    assert problem.line == 12


def test_expression_of_501_characters_says_characters(inputs):
    problem = the_problem(inputs[1]["expression_501"], "scenes.yaml", "500")
    assert "items" not in problem.message and "characters" in problem.message


def test_huge_hexadecimal_number_is_a_problem_not_a_crash(inputs, cli):
    folder = inputs[1]["hex_number"]
    problem = the_problem(folder, "scenes.yaml", "")
    assert problem.line == 3
    assert_check_lines(cli["check:hex_number"], "hex_number/scenes.yaml", 3, "")


def _check_in_subprocess(folder: Path, timeout: float = 60) -> tuple[Result, Result]:
    """`load(folder)` in a child (a crash there must not take pytest down), and `python -m game check`."""
    code = textwrap.dedent(f"""
        from game.scenario.compiled import load
        from game.scenario.errors import ScenarioLoadError
        try:
            load({str(folder)!r})
        except ScenarioLoadError as exc:
            print("ScenarioLoadError", exc.problems[0].line, exc.problems[0].message)
        else:
            print("loaded")
    """)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, env=env,
                          timeout=timeout,
                          cwd=folder.parent)
    api = Result(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - start)
    return api, run_game(["check", folder.name], folder.parent, timeout)


@pytest.mark.parametrize("indicator", ["- ", "? "])
def test_very_deep_block_nesting_is_refused_not_a_crash(tmp_path, indicator):
    folder = _mini_copy(tmp_path, "scen")
    (folder / "deep.yaml").write_text(COMMENTS + indicator * 100_000 + "x\n")
    api, result = _check_in_subprocess(folder)
    assert api.code == 0 and api.out.startswith("ScenarioLoadError 4 "), api
    assert_check_lines(result, "scen/deep.yaml", 4, "nested too deeply")


@needs_posix
def test_a_huge_sparse_file_is_refused_without_reading_it(tmp_path):
    folder = _mini_copy(tmp_path, "scen")
    with open(folder / "huge.yaml", "wb") as f:
        f.truncate(128 * 2**20)
    code = ("import resource, sys\nfrom game.cli import main\ncode = main(['check', 'scen'])\n"
            "print('peak', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
            "sys.exit(code)\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8")
    env.pop("CALLINICUM_DEBUG", None)
    proc = subprocess.run([sys.executable, "-c", code], check=False, cwd=tmp_path, env=env, capture_output=True,
                          text=True,
                          timeout=60)
    assert proc.returncode == 1 and "scen/huge.yaml:1: file is too large" in proc.stdout, proc
    assert "Traceback" not in proc.stderr
    peak_mb = int(proc.stderr.split("peak ")[-1]) / 1024  # ru_maxrss is in kilobytes on Linux
    assert peak_mb < 100, f"peak memory {peak_mb:.0f} MB to refuse a file by its size"


# -- saves -------------------------------------------------------------------------------------------

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
def test_damaged_save(inputs, cli, name, fragment):
    root, _, saves = inputs
    if name not in saves:
        pytest.skip("needs POSIX files")
    path = saves[name]
    before = _snapshot(path)
    with pytest.raises(SaveError) as info:
        read_save(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and "\n" not in message and fragment in message, message
    assert _snapshot(path) == before  # never changed, never created
    result = cli[f"replay:{name}"]
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


def test_good_save_replays(inputs, cli):
    result = cli["replay:good"]
    assert result.code == 0 and result.err == "", result
    p, stopped = replay(load(MINI), read_save(inputs[2]["good"]))
    assert stopped is None
    if p.ending:
        assert result.out.splitlines()[-1] == f"ending: {p.ending}"


def test_foreign_and_outdated_saves(inputs, cli):
    root, _, saves = inputs
    for key in ("replay:foreign_scenario", "replay:foreign_scenario_default"):
        result = cli[key]
        assert_clean_failure(result)
        assert len(result.err.splitlines()) == 1, result
        line = result.err.strip()
        assert "save is for scenario 'elsewhere'" in line, line
    for name, step in (("decision_gone", 2), ("ten_thousand_decisions", 2)):
        result = cli[f"replay:{name}"]
        assert_clean_failure(result)
        assert len(result.err.splitlines()) == 1, result
        line = result.err.strip()
        assert line.startswith(f"{os.path.relpath(saves[name], root)}: decision {step} (")
        assert "no longer exists" in line
        p, stopped = replay(load(MINI), read_save(saves[name]))
        assert len(p.decisions) == step - 1 and stopped is not None


@pytest.mark.parametrize("name", [d[0] for d in DAMAGED_SAVES if d[0] not in ("missing", "directory")])
def test_damaged_autosave_is_set_aside_unchanged(inputs, tmp_path, name):
    """The same files as the autosave of a store: reported in one line, kept aside byte for byte, and
    play goes on."""
    saves = inputs[2]
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


# -- slot names --------------------------------------------------------------------------------------

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
    result = run_game(["replay", str(path), "--scenario", str(MINI)], tmp_path)
    assert result.code == 0 and "Traceback" not in result.text, result
    assert "Send scouts" in result.out


# -- a process killed during a save loop -----------------------------------------------------------

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
