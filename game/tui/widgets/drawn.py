"""A widget that draws its own lines to its width.

It reads its width from the layout (the width it is being measured for, or the size it was
given), never from `content_size`, which looks the widget up in the screen's map and, in the
middle of a layout, makes Textual rebuild that map: the difference between a choice key that
redraws in a few milliseconds and one that takes a tenth of a second.
"""

from __future__ import annotations

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
