"""The battle rules, the dice and the explorer's fighter, compiled or read from their sources.

Where a C compiler is at hand, installing the game compiles the modules in `COMPILED` with mypyc
(setup.py): each then lies beside its source as an extension module, and the library they share
is named by the digest of the engine's and the scenario's sources they were compiled from and
against (`_native_<digest>__mypyc`). The explorer walks the whole campaign in a little over half
the time with them (the fighter calls the rules without the interpreter in between), and a
playthrough is the same.

They are used only while that digest is the digest of the sources as they are now, and only by
the Python they were built for. A source edited since the build (or a checkout of other code), a
build that stopped half-way, or `CALLINICUM_PURE=1` in the environment: every module of the engine
is then read from its source, with the same results, more slowly, and so is any module compiled
by an earlier build but not by this one (`settle`). Nothing here imports the modules it governs,
and the build reads this file on its own (setup.py).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
from functools import cache
from pathlib import Path

# the modules compiled (a package's __init__ is not: compiled, it would hide the package's other modules)
COMPILED = (
    "game.engine.dice",
    "game.engine.battle.state",
    "game.engine.battle.log",
    "game.engine.battle.fight",
    "game.engine.battle.crisis",
    "game.engine.battle.rules",
    "game.engine.battle.view",
    "game.engine.fighter",
)
PREFIX = "_native_"  # the shared library: game/engine/_native_<digest>__mypyc<SUFFIX>
# this interpreter's own suffix of extension modules (".cpython-311-x86_64-linux-gnu.so"): a build
# for another Python beside the same sources is never taken for this one's
SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]
# what the compiled code was compiled from, and against: every source of the engine and of the
# scenario's compiled form (mypyc builds into it what it knows of the classes it reads there)
DIGESTED = ("engine", "scenario")

GAME = Path(__file__).resolve().parent.parent  # the folder of the `game` package


def source_of(name: str, game: Path = GAME) -> Path:
    """The source file of a module of the game package."""
    return game.joinpath(*name.split(".")[1:]).with_suffix(".py")


@cache
def code_digest(game: Path = GAME) -> str:
    """The digest of the engine's and the scenario's sources (the whole hex digest): the compiled
    modules are named by it, and kept odds carry it (`game.session.odds.code_digest`). Read once
    per process and folder: the sources do not change under a process."""
    try:
        from game.scenario.files import sha256  # the interpreter's own: hashlib stays out of the game
    except ImportError:  # the build, which reads this module without the game
        from hashlib import sha256
    h = sha256()
    for folder in DIGESTED:
        for path in sorted((game / folder).rglob("*.py")):
            h.update(path.relative_to(game).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def digest(game: Path = GAME) -> str:
    """The part of `code_digest` the build names the compiled modules' library by."""
    return code_digest(game)[:16]


def libraries(game: Path = GAME) -> list[Path]:
    """This interpreter's shared libraries of compiled modules in the engine's folder (one, after a build)."""
    return sorted((game / "engine").glob(f"{PREFIX}*__mypyc{SUFFIX}"))


def compiled_of(name: str, game: Path = GAME) -> Path:
    """Where this interpreter's compiled form of a module lies, beside its source, when there is one."""
    source = source_of(name, game)
    return source.with_name(source.stem + SUFFIX)


def why_pure(game: Path = GAME) -> str | None:
    """Why the compiled modules are not used here; None when they are."""
    from game import config  # not at the top: the build reads this module without the game

    if config.pure():
        return f"{config.ENV_PURE} is set"
    built = {p.name[len(PREFIX):p.name.index("__mypyc")] for p in libraries(game)}
    if not built:
        return "not compiled at install"
    if not all(compiled_of(name, game).is_file() for name in COMPILED):
        return "compiled only in part"
    if digest(game) not in built:
        return "the game's sources changed since they were compiled; pip install -e . compiles them again"
    return None


class _FromSources(importlib.abc.MetaPathFinder):
    """Finds the engine's modules in their sources, ahead of any compiled form beside them, but
    those of a build made from the sources as they are (`compiled`): a module compiled by an
    earlier build, of other code or for a list of modules since changed, is never run."""

    def __init__(self, game: Path, compiled: frozenset[str]):
        self.game = game
        self.compiled = compiled

    def find_spec(self, name: str, path: object, target: object = None) -> importlib.machinery.ModuleSpec | None:
        if not name.startswith("game.engine.") or name in self.compiled:
            return None
        source = source_of(name, self.game)
        return importlib.util.spec_from_file_location(name, source) if source.is_file() else None


@cache
def settle() -> str | None:
    """Decide, once per process and before any of them is imported, whether the compiled
    modules are used; why not, or None when they are."""
    why = why_pure()
    sys.meta_path.insert(0, _FromSources(GAME, frozenset(COMPILED) if why is None else frozenset()))
    return why


def describe() -> str:
    """How the battle rules run here, in a few words for a report."""
    why = settle()
    return "battle rules compiled" if why is None else f"battle rules from their sources ({why})"
