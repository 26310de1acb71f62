"""What the screens share: the play screens redraw from the session; overlays close with escape."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.containers import ScrollableContainer
from textual.screen import ModalScreen, Screen

from game.tui.errors import guarded
from game.tui.keys import keys

if TYPE_CHECKING:
    from game.session.playthrough import Playthrough
    from game.tui.app import CallinicumApp


class PlayScreen(Screen[None]):
    """A screen that shows the current playthrough: campaign, battle or ending."""

    kind: ClassVar[str] = ""
    story_pane: ClassVar[str] = ""  # the pane pgup and pgdn scroll unless another has focus
    _composed = False  # set once composed; until then there is nothing to redraw

    @property
    def game(self) -> CallinicumApp:
        return self.app  # type: ignore[return-value]

    @property
    def composed(self) -> bool:
        return self._composed

    def on_mount(self) -> None:
        self._composed = True
        if self in self.app.screen_stack:  # a screen mounted ahead of need draws when shown
            self.refresh_view()

    @guarded
    def refresh_view(self) -> None:
        if self._composed:
            self.draw()

    def draw(self) -> None:  # pragma: no cover - every play screen draws
        raise NotImplementedError

    def prepare(self, q: Playthrough) -> None:
        """Work out ahead, while the player reads, what this screen would show of `q` (the
        playthrough after a decision the player may take next), so that the key finds it ready."""

    def action_scroll_story(self, pages: int) -> None:
        focused = self.focused
        pane = (
            focused
            if isinstance(focused, ScrollableContainer)
            else self.query_one(self.story_pane, ScrollableContainer)
        )
        if pages > 0:
            pane.scroll_page_down(animate=False)
        else:
            pane.scroll_page_up(animate=False)


class Overlay(ModalScreen[None]):
    """A screen over the game (history, saves, help...): escape closes it."""

    BINDINGS = keys("back")

    @property
    def game(self) -> CallinicumApp:
        return self.app  # type: ignore[return-value]

    def action_back(self) -> None:
        if self.is_current:
            self.dismiss()
