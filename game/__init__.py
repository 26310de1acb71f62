"""Callinicum 531: a historical narrative-strategy game for the terminal.

Layers, with dependencies pointing one way:
    scenario (data models, loader, checker) -> engine (pure rules) -> session (playthroughs,
    saves, branches) -> interfaces (tui, cli).
Beside them: `game.errors` (the one base of every error the game reports in words) and
`game.config` (environment variables, shipped content, where saves go).
"""

from game.config import APP_NAME, CONTENT, DEFAULT_SCENARIO


def _version() -> str:
    from importlib import metadata  # read when asked: it costs the title screen some 20 ms

    try:
        return metadata.version(APP_NAME)
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "0.1.0"


def __getattr__(name: str) -> str:
    if name == "__version__":
        return _version()
    raise AttributeError(f"module 'game' has no attribute {name!r}")

__all__ = ["CONTENT", "DEFAULT_SCENARIO", "__version__"]
