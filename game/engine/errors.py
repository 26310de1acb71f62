"""The engine's error: a decision that cannot be taken in the state it was asked of."""

from __future__ import annotations

from game.errors import CallinicumError


class EngineError(CallinicumError, ValueError):
    """A decision that is not open in this state (unknown id, unavailable, or the game is over)."""
