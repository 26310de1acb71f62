"""The battle rules and the dice, compiled or read from their sources.

Where a C compiler is at hand, installing the game compiles the modules in `COMPILED` with mypyc
(setup.py): each then lies beside its source as an extension module, and the library they share
is named by the digest of the sources it was compiled from (`_native_<digest>__mypyc`). The
explorer fights battles in about two thirds of the time with them, and a playthrough is the same.

They are used only while that digest is the digest of the sources as they are now. A source
edited since the build (or a checkout of other code), a build that stopped half-way, or
`CALLINICUM_PURE=1` in the environment: every one of them is then read from its source, with
the same results, more slowly (`settle`). Nothing here imports the modules it governs, and the
build reads this file on its own (setup.py).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
from pathlib import Path

# the modules compiled, in the order their sources are digested (a package's __init__ is not:
# compiled, it would hide the package's other modules)
COMPILED = (
    "game.engine.dice",
    "game.engine.battle.state",
    "game.engine.battle.log",
    "game.engine.battle.fight",
    "game.engine.battle.crisis",
    "game.engine.battle.rules",
    "game.engine.battle.view",
)
PREFIX = "_native_"  # the shared library: game/engine/_native_<digest>__mypyc.<extension suffix>

GAME = Path(__file__).resolve().parent.parent  # the folder of the `game` package


def source_of(name: str, game: Path = GAME) -> Path:
    """The source file of a module of the game package."""
    return game.joinpath(*name.split(".")[1:]).with_suffix(".py")


def digest(game: Path = GAME) -> str:
    """The digest of the compiled modules' sources, as the build names their library by it."""
    try:
        from game.scenario.files import sha256  # the interpreter's own: hashlib stays out of the game
    except ImportError:  # the build, which reads this module without the game
        from hashlib import sha256
    h = sha256()
    for name in COMPILED:
        h.update(name.encode() + b"\0" + source_of(name, game).read_bytes() + b"\0")
    return h.hexdigest()[:16]


def libraries(game: Path = GAME) -> list[Path]:
    """The shared libraries of compiled modules that lie in the engine's folder (one, after a build)."""
    return sorted(p for p in (game / "engine").glob(PREFIX + "*__mypyc*")
                  if p.name.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)))


def extensions_of(name: str, game: Path = GAME) -> list[Path]:
    """The compiled forms of a module that lie beside its source."""
    source = source_of(name, game)
    return [p for p in (source.with_name(source.stem + s) for s in importlib.machinery.EXTENSION_SUFFIXES) if p.is_file()]


def why_pure(game: Path = GAME) -> str | None:
    """Why the compiled modules are not used here; None when they are."""
    from game import config  # not at the top: the build reads this module without the game

    if config.pure():
        return f"{config.ENV_PURE} is set"
    built = {p.name[len(PREFIX):p.name.index("__mypyc")] for p in libraries(game)}
    if not built:
        return "not compiled at install"
    if not all(extensions_of(name, game) for name in COMPILED):
        return "compiled only in part"
    if digest(game) not in built:
        return "the sources changed since they were compiled (pip install -e . compiles them again)"
    return None


class _FromSources(importlib.abc.MetaPathFinder):
    """Finds the compiled modules' sources ahead of their extensions."""

    def __init__(self, game: Path):
        self.game = game

    def find_spec(self, name: str, path: object, target: object = None) -> importlib.machinery.ModuleSpec | None:
        if name not in COMPILED:
            return None
        return importlib.util.spec_from_file_location(name, source_of(name, self.game))


_settled: list[str | None] = []  # why the modules are read from their sources (None: compiled), once settled


def settle() -> str | None:
    """Decide, once per process and before any of them is imported, whether the compiled
    modules are used; why not, or None when they are."""
    if not _settled:
        why = why_pure()
        if why is not None:
            sys.meta_path.insert(0, _FromSources(GAME))
        _settled.append(why)
    return _settled[0]


def describe() -> str:
    """How the battle rules run here, in a few words for a report."""
    why = settle()
    return "battle rules compiled" if why is None else f"battle rules from their sources ({why})"
