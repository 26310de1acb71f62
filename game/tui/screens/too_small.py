"""The window is smaller than the game can draw: say so, and how big it needs to be.

It stands over whatever screen was showing, which waits unchanged beneath it; keys do nothing
here but quit, so no decision is taken blind. The app takes it away when the window is large
enough again.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center, Middle
from textual.content import Content
from textual.geometry import Size
from textual.screen import Screen
from textual.widgets import Static

MIN_SIZE = Size(80, 24)


def too_small_message(size: Size, title: str = "Callinicum 531") -> Content:
    return Content.assemble(
        f"This window is {size.width}x{size.height}; ",
        (f"{title} needs at least {MIN_SIZE.width}x{MIN_SIZE.height}", "bold $primary"),
        ". Make it larger, or play in plain text with ",
        ("`callinicum play --plain`", "bold"),
        ".",
    )


def fits(size: Size) -> bool:
    return size.width >= MIN_SIZE.width and size.height >= MIN_SIZE.height


class TooSmallScreen(Screen[None]):
    DEFAULT_CSS = """
    TooSmallScreen {
        background: $background;
    }
    TooSmallScreen #too-small-text {
        width: 100%;
        max-width: 60;
        height: auto;
        padding: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        with Middle(), Center():
            yield Static(id="too-small-text", markup=False)

    def on_mount(self) -> None:
        # No notices here: they would cover the one thing to read (they wait in the app).
        for rack in self.query("#textual-toastrack"):
            rack.remove()
        self.show_size(self.app.size)

    def show_size(self, size: Size) -> None:
        self.query_one("#too-small-text", Static).update(too_small_message(size, self.app.TITLE))
