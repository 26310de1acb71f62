"""`python -m game.scenario [--mod DIR ...] [--] FOLDER`: read, validate, check and keep a scenario
(`game.scenario.frozen`); exit status 0 if it is kept. The game's first start runs this in a child
process (`load(..., apart=True)`), which says nothing: the game reports what is wrong itself."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from game.scenario import ScenarioLoadError, frozen, load


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m game.scenario", description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--mod", type=Path, action="append", default=[])
    args = parser.parse_args(argv)
    try:
        load(args.folder, args.mod)
    except ScenarioLoadError:
        return 1
    return 0 if frozen.find(args.folder, args.mod) is not None else 1


if __name__ == "__main__":
    raise SystemExit(main())
