"""What the screens share: the play screens redraw from the session; overlays close with escape."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.containers import ScrollableContainer
from textual.screen import ModalScreen, Screen

from game.tui.errors import guarded
from game.tui.keys import keys

if TYPE_CHECKING:
    from textual.app import App
    from textual.geometry import Size

    from game.session.playthrough import Playthrough
    from game.tui.app import CallinicumApp


def breakpoint_classes(app: App, size: Size) -> dict[str, bool]:
    """The breakpoint classes a screen of the app has at this size (Textual sets them on the
    screen in view, as it is resized)."""
    found: dict[str, bool] = {}
    for breakpoints, length in ((app.HORIZONTAL_BREAKPOINTS, size.width), (app.VERTICAL_BREAKPOINTS, size.height)):
        ordered = sorted(breakpoints or [], reverse=True)
        on = next((name for start, name in ordered if length >= start), None)
        found.update({name: name == on for _, name in ordered})
    return found


class PlayScreen(Screen[None]):
    """A screen that shows the current playthrough: campaign, battle or ending."""

    kind: ClassVar[str] = ""
    story_pane: ClassVar[str] = ""  # the pane pgup and pgdn scroll unless another has focus
    _composed = False  # set once composed; until then there is nothing to redraw
    _styled_for: tuple | None = None  # out of view: the look its styles are up to date with
    _laid_out: Size | None = None  # out of view: the window size it is laid out for

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

    def ready_ahead(self) -> None:
        """Bring a screen out of view up to date with the window and the look, as if it were in
        view (Textual lays out and styles only the screen in view), before anything is prepared
        on it while the player reads: its widgets then know their widths, and the key that shows
        it finds its styles as they are (`on_screen_resume`) and its lines drawn."""
        size = self.app.size
        if self.is_current or not self.is_attached or not size.area:
            return
        self.update_classes(breakpoint_classes(self.app, size), animate=False)
        if self._styled_for != self._look():
            self.app.update_styles(self)
            self._styled_for = self._look()
        if self._laid_out != size:
            self._refresh_layout(size)
            self._laid_out = size
            self._update_timer.resume()  # a new timer's first tick comes a frame late: let it pass here
            self.laid_out_ahead()
            # every line drawn once, as its first frame would: the key that shows it draws again
            # only what the decision changes, and finds the rest (panes, borders, key bar) drawn
            self._compositor.render_full_update()

    def laid_out_ahead(self) -> None:
        """The screen was laid out out of view: what depends on its sizes can be brought up to date."""

    def _look(self) -> tuple:
        """What the styles of a screen follow, beyond its own widgets: the theme and the sheets
        (a widget's default CSS joins them when the first of its kind is mounted)."""
        return (self.app.theme, tuple(self.app.stylesheet.source))

    def on_screen_suspend(self) -> None:
        self._styled_for, self._laid_out = self._look(), self.app.size

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        """Textual styles every widget of a screen again as it comes back into view, in case the
        look changed meanwhile, and the key that switches screens would wait for it: not when
        neither the theme nor the sheets changed (the screen in view is styled as its widgets
        change)."""
        if self._styled_for is not None and self._styled_for == self._look():
            event.refresh_styles = False
        self._styled_for = self._laid_out = None

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
