"""Text wrapped to the width of the pane that scrolls it, drawn a line at a time.

What a `Static` shows, but Textual draws a `Static` whole, every line of it, at each change; the
battle log grows with every order, and only its last page is in view.
"""

from __future__ import annotations

from textual.content import Content

from game.tui.widgets.drawn import DrawnLines


def content_key(content: Content) -> tuple:
    """What a Content shows, styles included (a Content compares its text alone)."""
    return (content.plain, tuple(content.spans))


class Prose(DrawnLines):
    DEFAULT_CSS = """
    Prose {
        height: auto;
        text-wrap: nowrap;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.content = Content("")

    def show(self, content: Content) -> None:
        key = content_key(content)
        if key != content_key(self.content):
            self.content = content
            self.changed(key=key)

    def prepare_content(self, content: Content, rows: int, *, at_end: bool = True) -> None:
        """Work out ahead the lines `show(content)` would draw, and the cells of its last rows
        (of its first, unless `at_end`)."""
        self.prepare_showing(content_key(content), -rows if at_end else rows, content=content)

    def draw_lines(self, width: int) -> list[Content]:
        width = max(1, width)
        out: list[Content] = []
        for line in self.content.split("\n"):
            out += line.wrap(width) if line.plain else [line]
        return out
