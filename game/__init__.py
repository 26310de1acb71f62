"""Callinicum 531: a historical narrative-strategy game for the terminal.

Layers, with dependencies pointing one way:
    scenario (data models, loader, checker) -> engine (pure rules) -> session (playthroughs,
    saves, branches) -> interfaces (tui, cli).
Beside them: `game.errors` (the one base of every error the game reports in words) and
`game.config` (environment variables, shipped content, where saves go).
"""

from importlib import metadata

from game.config import APP_NAME, CONTENT, DEFAULT_SCENARIO


def _version() -> str:
    try:
        return metadata.version(APP_NAME)
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "0.1.0"


__version__ = _version()

__all__ = ["CONTENT", "DEFAULT_SCENARIO", "__version__"]
