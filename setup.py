"""The build's one step beyond pyproject.toml: the battle rules, the dice and the explorer's fighter
compiled with mypyc (game/engine/native.py says which modules, and how the game chooses between
them and their sources). Where no C compiler is at hand, or with CALLINICUM_PURE=1 set at
install, the game is installed as pure Python, with the same results: every compiled module is
optional, and the game uses them only when all of them, and their shared library, were built from
the sources beside them.
"""

import importlib.util
import os
import sys
from pathlib import Path

from setuptools import setup

ROOT = Path(__file__).resolve().parent


def _native():
    """game/engine/native.py, read without importing the game (its packages need what the build
    environment does not have)."""
    spec = importlib.util.spec_from_file_location("callinicum_native", ROOT / "game" / "engine" / "native.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# the commands that build (not those that only read the project's metadata, which pip asks first)
BUILDS = {"build", "build_ext", "bdist_wheel", "editable_wheel", "install", "develop"}


# the commands that build in the sources themselves (an editable install)
IN_PLACE = {"editable_wheel", "develop"}


def extensions():
    commands = set(sys.argv[1:])
    if not BUILDS & commands:
        return []
    native = _native()
    game = ROOT / "game"
    if IN_PLACE & commands or {"build_ext", "--inplace"} <= commands:
        # what an earlier editable install compiled for this Python beside the sources: replaced by
        # this build, or (a build of the sources alone) taken away. A wheel leaves them be.
        for old in [*native.libraries(game), *(native.compiled_of(name, game) for name in native.COMPILED)]:
            old.unlink(missing_ok=True)
    # what an earlier build from these sources left in build/, which a wheel would take up whole
    for lib in ROOT.glob("build/lib*/game/engine"):
        for old in lib.rglob(f"*{native.SUFFIX}"):
            old.unlink()
    if os.environ.get("CALLINICUM_PURE", "") not in ("", "0"):
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        return []
    paths = [str(native.source_of(name, game).relative_to(ROOT)) for name in native.COMPILED]
    try:
        built = mypycify(["--follow-imports=silent", "--ignore-missing-imports", *paths],
                         group_name=f"game.engine.{native.PREFIX}{native.digest(game)}")
    except (Exception, SystemExit) as e:  # mypy found the sources wanting: they are installed as they are
        print(f"setup.py: the battle rules are not compiled ({e or type(e).__name__}); "
              "the game runs them from their sources", file=sys.stderr)
        return []
    for ext in built:
        ext.optional = True  # a machine with no compiler installs the sources alone
    return built


setup(ext_modules=extensions())
