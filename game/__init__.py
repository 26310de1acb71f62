"""Callinicum 531: a historical narrative-strategy game for the terminal.

Layers, with dependencies pointing one way:
    scenario (data models, loader, checker) -> engine (pure rules) -> session (playthroughs,
    saves, branches) -> interfaces (tui, cli).
"""

from importlib import metadata, resources
from pathlib import Path


def _version() -> str:
    try:
        return metadata.version("callinicum531")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "0.1.0"


def _shipped_content() -> Path:
    """The folder of shipped scenarios: package data in an installed wheel (game/content, mapped
    from the repository's content/ by pyproject.toml); the repository's content/ in a checkout,
    editable install included."""
    packaged = resources.files(__name__) / "content"
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged.resolve()
    return Path(__file__).resolve().parent.parent / "content"


__version__ = _version()

#: The folder holding the shipped scenarios (callinicum, dara, schema.json).
CONTENT = _shipped_content()
#: The scenario shipped with the game.
DEFAULT_SCENARIO = CONTENT / "callinicum"
