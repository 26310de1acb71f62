"""Callinicum 531: a historical narrative-strategy game for the terminal.

Layers, with dependencies pointing one way:
    scenario (data models, loader, checker) -> engine (pure rules) -> session (playthroughs,
    saves, branches) -> interfaces (tui, cli).
"""

from pathlib import Path

__version__ = "0.1.0"

#: The scenario shipped with the game.
DEFAULT_SCENARIO = Path(__file__).resolve().parent.parent / "content" / "callinicum"
