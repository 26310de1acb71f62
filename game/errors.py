"""The game's own errors, all under one base, so that an interface can catch "anything the game
itself refused" in one `except` and still let a real bug through as a bug.

    CallinicumError                       game.errors
    ├── ScenarioLoadError                 game.scenario.errors      every Problem found in a scenario
    ├── YamlProblem                       game.scenario.yamlread    one file is not safe scenario YAML
    ├── ExpressionError (ValueError)      game.scenario.expressions an expression that does not compile
    ├── EngineError (ValueError)          game.engine.errors        a decision the rules refuse
    ├── SaveError                         game.session.saves        a save that cannot be read or replayed
    └── CliError                          game.cli                  a command line that cannot be run

Each class lives beside the code that raises it; this module holds only the base, so that importing
it costs nothing. Every message is written for a player or a modder, never in Python's words.
"""

from __future__ import annotations


class CallinicumError(Exception):
    """A failure the game itself reports in words: a scenario, a save, a decision or a command
    line it refuses. Anything else that escapes is a bug."""
