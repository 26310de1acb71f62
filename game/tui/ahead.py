"""What each open choice would lead to, worked out while the player reads.

A playthrough is a scenario, a seed and the decisions taken: the next scene of every open choice
is already decided, and working it out changes nothing. The campaign screen uses this to wrap the
story and draw the map of each possible next scene before the key is pressed, so that the key
itself costs little more than showing them.
"""

from __future__ import annotations

import copy

from game.engine.campaign import EngineError
from game.session.playthrough import Playthrough


def peek(p: Playthrough, option_id: str) -> Playthrough | None:
    """The playthrough as it would be after this decision (None if it is not open); `p` is left
    as it was."""
    q = copy.copy(p)
    q.decisions, q.states, q.record = list(p.decisions), list(p.states), list(p.record)
    try:
        q.choose(option_id)
    except EngineError:
        return None
    return q
