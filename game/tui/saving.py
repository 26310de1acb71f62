"""The autosave of a decision, written just after the frame that shows the decision.

A player waits for the screen, not for the disk: writing the autosave and the branch record
(JSON dumps and four fsyncs, 10 to 30 ms) before the screen is redrawn would make every choice
feel that much slower. So the interface hands the session a store whose `autosave` is put off
until the next frame has been drawn.

The order of things on disk stays the session's: whatever else is asked of the store (reading the
latest save, the branch tree, a named save...) first writes any autosave put off, and so does the
interface before each decision, undo or new campaign and before it exits. The playthrough an
autosave was asked for cannot change in between, since only those change it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from game.session.playthrough import Playthrough
    from game.session.store import Store


class AutosaveAfterFrame:
    """A `Store` whose autosaves wait for `after_frame`; everything else is the store's own."""

    def __init__(self, store: Store, after_frame: Callable[[Callable[[], None]], object]) -> None:
        self.store = store
        self._after_frame = after_frame
        self._pending: list[tuple[Playthrough, str, str, bool]] = []

    def autosave(
        self, p: Playthrough, playthrough_id: str, label: str = "", *, record: bool = True
    ) -> None:
        if not self._pending:
            self._after_frame(self.write_pending)
        self._pending.append((p, playthrough_id, label, record))

    @property
    def pending(self) -> bool:
        return bool(self._pending)

    def endings_found(self) -> dict[str, str]:
        """The endings found, with those of the autosaves put off (read without writing them: the
        ending screen counts them in the frame that shows the ending)."""
        found = self.store.endings_found()
        for p, *_ in self._pending:
            if p.ending:
                found.setdefault(p.ending, "")
        return found

    def write_pending(self) -> None:
        """Write the autosaves put off, in the order they were asked for."""
        pending, self._pending = self._pending, []
        for p, playthrough_id, label, record in pending:
            self.store.autosave(p, playthrough_id, label, record=record)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.store, name)
        if callable(value):  # a method: it may read or write what a pending autosave changes
            self.write_pending()
        return value
