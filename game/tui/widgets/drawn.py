"""A widget that draws its own lines to its width.

It reads its width from the layout (the width it is being measured for, or the size it was
given), never from `content_size`, which looks the widget up in the screen's map and, in the
middle of a layout, makes Textual rebuild that map: the difference between a choice key that
redraws in a few milliseconds and one that takes a tenth of a second.
"""

from __future__ import annotations

from textual.content import Content
from textual.widget import Widget


class Drawn(Widget):
    _measuring: int | None = None

    def get_content_height(self, container, viewport, width: int) -> int:  # type: ignore[override]
        self._measuring = width
        try:
            return super().get_content_height(container, viewport, width)
        finally:
            self._measuring = None

    @property
    def draw_width(self) -> int:
        if self._measuring is not None:
            return self._measuring
        return max(0, self.outer_size.width - self.styles.gutter.width)

    @property
    def draw_height(self) -> int:
        return max(0, self.outer_size.height - self.styles.gutter.height)


class DrawnLines(Drawn):
    """A drawn widget whose height is its lines: they are worked out once for a width and kept
    until `changed()`. Textual asks for a widget's height and then for its lines, and forgets
    what it rendered in between; worked out once, a decision draws each of these widgets once."""

    _lines: tuple[int, list[Content]] | None = None

    def draw_lines(self, width: int) -> list[Content]:  # pragma: no cover - every subclass draws
        raise NotImplementedError

    def lines(self, width: int) -> list[Content]:
        if self._lines is None or self._lines[0] != width:
            self._lines = (width, self.draw_lines(width))
        return self._lines[1]

    def changed(self, layout: bool = True) -> None:
        """What the widget shows has changed: draw it again (and lay it out, if its height may)."""
        self._lines = None
        self.refresh(layout=layout)

    def notify_style_update(self) -> None:
        self._lines = None  # the lines carry styles: another theme, say
        super().notify_style_update()

    def get_content_height(self, container, viewport, width: int) -> int:  # type: ignore[override]
        return len(self.lines(width))

    def render(self) -> Content:
        return Content("\n").join(self.lines(self.draw_width))
