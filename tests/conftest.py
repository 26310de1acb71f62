"""Shared fixtures and helpers for every folder of tests: where the test scenarios are, broken
copies of the mini scenario, and ways to run the command line.

The folders below (scenario, engine, session, cli, tui) mirror `game/`. They keep no conftest.py of
their own outside packages: a test module imports these helpers with `from conftest import ...`.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from game import DEFAULT_SCENARIO
from game.engine.campaign import Campaign, EngineError, State
from game.engine.dice import SeededDice
from game.scenario.compiled import CompiledScenario, load
from game.session.playthrough import Playthrough

# checked scenarios are kept (game.scenario.frozen) in a folder of this run's own, never the user's
os.environ["CALLINICUM_CACHE"] = tempfile.mkdtemp(prefix="callinicum-cache-")

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
MINI = TESTS / "scenarios" / "mini"
FROZEN = TESTS / "tui" / "scenario"  # a frozen copy of the campaign, for snapshots and odds


@pytest.fixture
def mini_dir() -> Path:
    """The small good scenario (never modify it: tests copy it first)."""
    return MINI


class ScenarioCopy:
    """A copy of the mini scenario in a temporary folder, to be broken one mistake at a time.

    The working directory is the copy's parent, so messages name files as `scen/<file>`.
    """

    def __init__(self, root: Path, name: str = "scen"):
        self.root = root
        self.path = root / name
        self.name = name
        shutil.copytree(MINI, self.path)

    def file(self, name: str) -> Path:
        return self.path / name

    def shown(self, name: str) -> str:
        """The file name as messages show it."""
        return f"{self.name}/{name}"

    def read(self, name: str) -> str:
        return self.file(name).read_text(encoding="utf-8")

    def write(self, name: str, content: str | bytes) -> Path:
        """Replace (or add) a whole file."""
        target = self.file(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
        return target

    def replace(self, name: str, old: str, new: str) -> ScenarioCopy:
        """Replace one snippet, which must occur exactly once in the file."""
        text = self.read(name)
        count = text.count(old)
        assert count == 1, f"snippet {old!r} occurs {count} times in {name}"
        self.write(name, text.replace(old, new))
        return self

    def remove(self, name: str) -> None:
        self.file(name).unlink()

    def line_of(self, name: str, fragment: str) -> int:
        """The 1-based line of the only line in the file that contains `fragment`."""
        hits = [i for i, line in enumerate(self.read(name).splitlines(), 1) if fragment in line]
        assert len(hits) == 1, f"{fragment!r} is on lines {hits} of {name}"
        return hits[0]


# an edit of the mini scenario (for `mini_variant`): a road back to an earlier scene, so the story loops
LOOP_BACK = ("scenes.yaml", "      - id: go_home\n", """      - id: wait_a_day
        label: Wait a day in camp
        if: supply >= 2
        effects: [supply -= 1, courage += 1]
        next: camp
      - id: go_home
""")


@functools.cache
def from_source(name: str):  # noqa: ANN201 - a module
    """A module of the game read from its source under a name of its own, whatever the build
    compiled: a test that replaces one of its functions, or a method of one of its classes, then
    reaches the code it means to (a compiled module calls its own functions directly). The
    compiled modules run as their sources do (tests/engine/test_native.py)."""
    import importlib.util

    from game.engine.native import source_of

    spec = importlib.util.spec_from_file_location(f"_from_source_{name.replace('.', '_')}", source_of(name))
    module = sys.modules[spec.name] = importlib.util.module_from_spec(spec)  # a dataclass looks itself up there
    spec.loader.exec_module(module)
    return module


def mini_variant(tmp_path: Path, *edits: tuple[str, str, str]) -> Path:
    """A copy of the mini scenario at `tmp_path/scen` with (file, old, new) replacements, each of a
    unique snippet."""
    copy = ScenarioCopy(tmp_path)
    for name, old, new in edits:
        copy.replace(name, old, new)
    return copy.path


@pytest.fixture
def scenario_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ScenarioCopy:
    """A fresh copy of the mini scenario at `scen/` (the working directory is its parent)."""
    monkeypatch.chdir(tmp_path)
    return ScenarioCopy(tmp_path)


@dataclass
class Result:
    code: int
    out: str
    err: str
    seconds: float = 0.0

    @property
    def text(self) -> str:
        return self.out + self.err

    @property
    def out_lines(self) -> list[str]:
        return self.out.splitlines()

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()


def _run_in_process(args: list[str]) -> Result:
    from game.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse exits on usage errors, --help and --version
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return Result(code, out.getvalue(), err.getvalue())


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch):
    """Run `game.cli.main([...])` in this process; returns Result(code, out, err)."""
    monkeypatch.delenv("CALLINICUM_DEBUG", raising=False)

    def run(*args: object) -> Result:
        return _run_in_process([str(a) for a in args])

    return run


def run_main_in(args: list[str], cwd: Path) -> Result:
    """`game.cli.main(args)` in this process, in `cwd`, reported as a subprocess would report it: an
    exception that escapes is a traceback on stderr and exit status 1, never a failure of the test
    that ran it (the hostile inputs check for tracebacks themselves)."""
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
                traceback.print_exc(file=err)
                code = 1
    finally:
        os.chdir(old)
    return Result(code, out.getvalue(), err.getvalue(), time.monotonic() - start)


def game_process(args: list[object], cwd: Path | None = None, timeout: float = 60,
                 env: dict[str, str] | None = None) -> Result:
    """Run `python -m game ARGS` in a subprocess of this checkout (no debug tracebacks, UTF-8)."""
    full = dict(os.environ)
    full.update(env or {})
    full.pop("CALLINICUM_DEBUG", None)
    full["PYTHONPATH"] = str(ROOT) + os.pathsep + full.get("PYTHONPATH", "")
    full["PYTHONIOENCODING"] = "utf-8"
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "game", *[str(a) for a in args]],
        cwd=cwd or ROOT, env=full, capture_output=True, text=True, errors="replace", timeout=timeout,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - start)


@pytest.fixture
def run_game():
    """Run `python -m game ...` in a subprocess; returns Result(code, out, err)."""

    def run(*args: object, cwd: Path | None = None, timeout: float = 60,
            env: dict[str, str] | None = None) -> Result:
        return game_process(list(args), cwd, timeout, env)

    return run


# -- hostile inputs ---------------------------------------------------------------------------------

POSIX = os.name == "posix"
needs_posix = pytest.mark.skipif(not POSIX, reason="needs POSIX files (symlinks, FIFOs, SIGKILL)")

BILLION_LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)


def assert_clean_failure(result: Result) -> None:
    """A non-zero exit, no traceback, no internal error, and no line that is only noise."""
    assert result.code not in (0, 70) and result.code > 0, result
    assert "Traceback" not in result.text, result.text[-2000:]
    assert "internal error" not in result.err, result.err


# -- property-based tests (Hypothesis) ------------------------------------------------------------
# Deterministic settings (derandomize, no example database), so CI always runs the same examples.

FUZZ = settings(
    derandomize=True, database=None, deadline=None, max_examples=200, print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FAST = settings(FUZZ, max_examples=100)
SLOW = settings(FAST, max_examples=40)


# characters that matter to YAML, a few letters, and some that should never be in a file
YAML_CHARS = st.sampled_from(list(":-[]{}#&*!|>'\"%@`,?~=<+. \t\n\r0123456789abcxyz_")
                             + ["\x00", "\x07", "\x1b", "\x85", "\u2028", "\ufeff", "\ufffe", "é", "\U0001f600",
                                "\\", "0x", "&a ", "*a", "!!python/object ", "<<: ", "---\n", "...\n"])
YAML_TEXT = st.lists(YAML_CHARS, max_size=12).map("".join)


def max_line(raw: bytes) -> int:
    """The last line a message may name: counting every kind of line break (generously)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.count(b"\n") + 1
    return len(text.splitlines()) + 1


# -- random playthroughs and their invariants -------------------------------------------------------

SCENARIOS = {"mini": MINI, "callinicum": DEFAULT_SCENARIO}
SEEDS = st.one_of(st.integers(0, 20), st.integers(0, 2**63 - 1))
WALKS = st.tuples(st.lists(st.integers(0, 2**16), max_size=8), st.integers(0, 60), st.integers(0, 2**31))
# slot names a player (or an attacker) might type
HOSTILE_NAMES = ["a", "b", "first save", "../../x", "/etc/passwd", "con", "\x00", "", "..", "Ἀρχή",
                 "a/b\\c", "NUL.txt", " . ", "x" * 300]


@functools.cache
def scenario_named(name: str) -> CompiledScenario:
    """The mini scenario or the Callinicum campaign, loaded once."""
    return load(SCENARIOS[name])


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


def battle_at(campaign, **values: int):  # noqa: ANN001, ANN201 - a Campaign, its State
    """The state as the scene named `battle` begins its battle, with some values set first (a
    dotted name written with `__`, e.g. `battle__fight__fought`)."""
    cs = campaign.scenario
    v = list(cs.initial)
    for name, value in values.items():
        v[cs.namespace.slots[name.replace("__", ".")].index] = value
    return campaign.enter(cs.index["battle"], tuple(v))


def play_orders(campaign, state, orders: list[str], seed: int = 1):  # noqa: ANN001, ANN201
    """Give orders one after another with seeded dice: the state after them, and the log."""
    from game.engine.dice import SeededDice

    log: list[str] = []
    for i, order in enumerate(orders):
        step = campaign.step(state, order, SeededDice(seed, i))
        log += step.text
        state = step.state
    return state, log
