"""A widget that draws its own lines to its width.

It reads its width from the layout (the width it is being measured for, or the size it was
given), never from `content_size`, which looks the widget up in the screen's map and, in the
middle of a layout, makes Textual rebuild that map: the difference between a choice key that
redraws in a few milliseconds and one that takes a tenth of a second.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import ClassVar, TypeVar

from textual.content import Content
from textual.geometry import Region
from textual.strip import Strip
from textual.style import Style
from textual.visual import Visual
from textual.widget import Widget

T = TypeVar("T")


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


class DrawnKept(Drawn):
    """A drawn widget whose drawings in cells are kept, a few, by what they show (`showing()`)
    and the widget's size and look: `prepare(what)` draws ahead of need (while the player reads)
    what a decision may show next, and showing it then costs no more than a copy."""

    KEEP: ClassVar[int] = 12  # the drawing shown and those a decision may lead to

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._kept: dict[tuple, list[Strip]] = {}

    def showing(self) -> Hashable:  # pragma: no cover - every subclass says
        raise NotImplementedError

    def draw(self, what: Hashable) -> Content:  # pragma: no cover - every subclass draws
        raise NotImplementedError

    def render(self) -> Content:
        return self.draw(self.showing())

    def prepare(self, what: Hashable) -> None:
        if self.display and self.size.area and self.text_selection is None:
            self._cells(what)

    def changed_from(self, before: Hashable) -> None:
        """It shows something else than `before` now: draw again only the rows that differ, where
        both drawings are at hand at its size and look (a map whose armies moved a few places
        changes a few rows of its fourteen), else all of it."""
        old = self._kept.get((before, self.size, self.visual_style))
        if old is None or not self.display or not self.size.area or self.text_selection is not None:
            self.refresh()
        else:
            redraw_rows(self, old, self._cells(self.showing()), lambda a, b: a != b, layout=False)

    def render_line(self, y: int) -> Strip:
        if self.text_selection is not None:  # a selection is drawn over the cells: never kept
            return super().render_line(y)
        strips = self._cells(self.showing())
        return strips[y] if 0 <= y < len(strips) else Strip.blank(self.size.width, self.visual_style.rich_style)

    def _cells(self, what: Hashable) -> list[Strip]:
        size, style = self.size, self.visual_style
        key = (what, size, style)
        strips = self._kept.get(key)
        if strips is None:
            strips = Visual.to_strips(self, self.draw(what), size.width, size.height, style, pad=True)
            if len(self._kept) >= self.KEEP:
                del self._kept[next(iter(self._kept))]
            self._kept[key] = strips
        return strips


def redraw_rows(widget: Widget, old: Sequence[T], new: Sequence[T], differ: Callable[[T, T], bool],
                layout: bool) -> None:
    """Refresh only the rows of `widget` whose line differs between what it showed (`old`) and
    what it shows (`new`); with another number of lines, all of it (and lay it out, if `layout`)."""
    if len(old) != len(new):
        widget.refresh(layout=layout)
        return
    rows = [y for y, (a, b) in enumerate(zip(old, new)) if differ(a, b)]
    if rows:
        width = widget.size.width
        widget.refresh(*[Region(0, y, width, 1) for y in rows])


READY = 16  # what a widget keeps prepared at most: the next scene of each open choice


def _let_go(_: object) -> None:
    """Called after a frame with what a widget no longer needs, which is freed as the call ends."""


def _line_key(line: Content, width: int, style: Style) -> tuple:
    return (line.plain, tuple(line.spans), width, style)  # a Content compares its text alone


class DrawnLines(Drawn):
    """A drawn widget whose height is its lines: they are worked out once for a width and kept
    until `changed()`. Textual asks for a widget's height and then for its lines, and forgets
    what it rendered in between; worked out once, a decision draws each of these widgets once.

    Each line is made into cells only when Textual draws it (only the lines in view of a pane
    that scrolls), and the cells of a line are kept while the widget shows that line: a decision
    that changes one quality of seven, or one unit of the army, converts that line alone."""

    _lines: tuple[int, Style, list[Content]] | None = None  # for a width and look
    _strips: dict[tuple, Strip] | None = None  # the lines drawn since the last change
    _strips_before: dict[tuple, Strip] | None = None  # those drawn before it
    _ready: dict[object, tuple[int, Style, list[Content], dict[tuple, Strip]]] | None = None  # prepare()

    def draw_lines(self, width: int) -> list[Content]:  # pragma: no cover - every subclass draws
        raise NotImplementedError

    def lines(self, width: int) -> list[Content]:
        """The lines for this width, in the widget's look (the lines carry styles: another theme
        draws them again; Textual tells a widget its styles were updated far more often than
        they change, at every switch of screens)."""
        look = self.visual_style
        if self._lines is None or self._lines[:2] != (width, look):
            if self._lines is not None:  # another width or look: the cells kept are of no more use
                self._strips_before, self._strips, self._ready = None, {}, None
            self._lines = (width, look, self.draw_lines(width))
        return self._lines[2]

    def changed(self, layout: bool = True, key: object = None) -> None:
        """What the widget shows has changed: draw it again (and lay it out, if its height may).
        `key` names what it shows now, if that may have been prepared.

        Where the widget was drawn before at its width and look, the new lines are worked out now
        and only the rows that differ are drawn again; nor is the widget laid out again when its
        height stays the same. Textual draws every row of a widget refreshed as a whole through
        its border, padding and filters: a decision that changes two qualities of seven, or the
        marks of one choice, costs two rows, not the panel."""
        before = self._lines
        # what it showed before and what was prepared for the decision just taken are of no more
        # use: let go of them after the frame (freeing thousands of cells holds the key back)
        self.call_after_refresh(_let_go, (self._lines, self._strips_before, self._ready))
        self._lines = None
        self._strips_before, self._strips = self._strips, {}
        ready = (self._ready or {}).get(key) if key is not None else None
        self._ready = None
        if ready is not None:
            width, look, lines, strips = ready
            self._lines = (width, look, lines)
            self._strips.update(strips)
        comparable = before is not None and self.display and self.size.area and self.text_selection is None
        if not comparable or before[:2] != (self.draw_width, self.visual_style):
            self.refresh(layout=layout)  # not drawn before at this width and look: all of it
            return
        size, look = self.size.width, before[1]
        # another number of lines: laid out again, whatever the caller expected
        redraw_rows(self, before[2], self.lines(before[0]),
                    lambda a, b: _line_key(a, size, look) != _line_key(b, size, look), layout=True)

    def prepare(self, key: object, draw: Callable[[int], list[Content]], rows: int) -> None:
        """Work out ahead of need (while the player reads) the lines of what the widget may show
        next, and the cells of its first `rows` (its last, if `rows` is negative): `changed(key=key)`
        then finds them ready."""
        width = self.draw_width
        if width <= 0 or self.text_selection is not None:
            return
        lines = draw(width)
        size, style = self.size.width, self.visual_style
        seen = lines[rows:] if rows < 0 else lines[:rows]
        strips = {_line_key(line, size, style): self._convert(line, size, style) for line in seen}
        if self._ready is None or len(self._ready) >= READY:
            self._ready = {}
        self._ready[key] = (width, style, lines, strips)

    def prepare_showing(self, key: object, rows: int, **showing: object) -> None:
        """`prepare` the lines the widget draws with these attributes (what `show` would set)."""

        def draw(width: int) -> list[Content]:
            shown = {name: getattr(self, name) for name in showing}
            self.__dict__.update(showing)
            try:
                return self.draw_lines(width)
            finally:
                self.__dict__.update(shown)

        self.prepare(key, draw, rows)

    def get_content_height(self, container, viewport, width: int) -> int:  # type: ignore[override]
        return len(self.lines(width))

    def render(self) -> Content:
        return Content("\n").join(self.lines(self.draw_width))

    def render_line(self, y: int) -> Strip:
        """One line, in cells: from the lines kept, else converted now (and kept)."""
        lines = self.lines(self.draw_width)
        width, style = self.size.width, self.visual_style
        if not 0 <= y < len(lines):
            return Strip.blank(width, style.rich_style)
        if self.text_selection is not None:  # a selection is drawn over the cells: never kept
            return self._convert(lines[y], width, style)
        line = lines[y]
        key = _line_key(line, width, style)
        if self._strips is None:
            self._strips = {}
        strip = self._strips.get(key)
        if strip is None:
            strip = (self._strips_before or {}).get(key) or self._convert(line, width, style)
            self._strips[key] = strip
        return strip

    def _convert(self, line: Content, width: int, style: Style) -> Strip:
        return Visual.to_strips(self, line, width, 1, style, pad=True)[0]
