"""Python's full garbage collections, put where the player does not wait for them.

With the interface on the screen, a full collection walks every object the interface made since the
campaign loaded: 20 to 30 ms, enough to double the time a choice key takes when it falls there.
While the app runs, the collector's youngest two generations go on as usual (they take a
millisecond or less), but the full collection waits until the player has left the keys alone for a
moment (reading a scene takes seconds), and then runs; or, when keys come faster than anyone
reads (a script, a player hurrying through scenes known by heart), just after the frame that
shows every sixth decision, so that what it would free does not pile up.
"""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.app import App
    from textual.timer import Timer

NEVER = 1_000_000_000  # a full collection after this many collections of the middle generation
QUIET = 1.0  # seconds without a key before a full collection
EVERY = 6  # decisions (or screens opened) at most between full collections


class QuietCollector:
    def __init__(self, app: App) -> None:
        self.app = app
        self._thresholds: tuple[int, int, int] | None = None
        self._timer: Timer | None = None
        self._since = 0  # things done since the last full collection

    def start(self) -> None:
        """From now on, full collections wait for a quiet moment."""
        if self._thresholds is None:
            self._thresholds = gc.get_threshold()
            gc.set_threshold(self._thresholds[0], self._thresholds[1], NEVER)

    def stop(self) -> None:
        """The collector as it was (the app is leaving)."""
        if self._thresholds is not None:
            gc.set_threshold(*self._thresholds)
            self._thresholds = None
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def busy(self) -> None:
        """The player did something: the full collection waits for the next quiet moment."""
        if self._thresholds is None:
            return
        self._since += 1
        if self._since == EVERY:
            self.app.call_after_refresh(self._collect_after_frame)
        if self._timer is None:
            self._timer = self.app.set_timer(QUIET, self._collect, name="quiet garbage collection")
        else:
            self._timer.reset()

    def _collect(self) -> None:
        self._timer = None
        self._since = 0
        gc.collect()

    def _collect_after_frame(self) -> None:
        if self._thresholds is not None:
            self._since = 0
            gc.collect()
