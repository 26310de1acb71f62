"""Every key of the game, from the same declarations the screens use."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from game.tui.keys import help_sections
from game.tui.screens.base import Overlay
from game.tui.widgets.keybar import KeyBar


def help_text() -> Content:
    parts: list[Content] = []
    for section in help_sections():
        lines = [Content.styled(section.title, "bold $secondary")]
        for key, what in section.entries:
            lines.append(Content.assemble((f"  {key:>9}", "bold $primary"), "  ", what))
        parts.append(Content("\n").join(lines))
    parts.append(
        Content.styled(
            "Every decision is saved as you make it. The historical choice is marked only after you choose, "
            "or in the history note (h).",
            "italic $muted",
        )
    )
    return Content("\n\n").join(parts)


class HelpScreen(Overlay):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "back", "close", show=False, id="help-close")
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box", classes="overlay-box"), VerticalScroll(id="help-body"):
            yield Static(help_text(), id="help-text", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#help-box").border_title = "Keys"
