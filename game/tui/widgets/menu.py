"""The title screen's menu: a few fixed lines, one highlighted, picked by keys or the mouse.

It is one widget that draws its own lines, with the look of Textual's OptionList (which builds
and caches a line per option and costs several times more to put on the screen the first time:
the title is the first thing a player waits for).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive

from game.tui.widgets.drawn import Drawn


@dataclass(frozen=True)
class MenuItem:
    key: str  # what the menu reports when the item is picked
    label: str
    shortcut: str  # the key that does the same from anywhere on the screen, as shown


class Menu(Drawn):
    """Items one per line, a label and its shortcut; items closed now are shown dimmed and skipped."""

    DEFAULT_CSS = """
    Menu {
        height: auto;
        background: $surface;
        padding: 0 1;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", "up", show=False),
        Binding("down", "move(1)", "down", show=False),
        Binding("home", "move_to(0)", "first", show=False),
        Binding("end", "move_to(-1)", "last", show=False),
        Binding("enter", "select", "select", show=False),
    ]
    can_focus = True
    highlighted: reactive[int] = reactive(0)
    hover: reactive[int | None] = reactive(None)

    @dataclass
    class Selected(Message):
        key: str

    def __init__(
        self, items: Sequence[MenuItem], *, label_width: int = 32, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.items = tuple(items)
        self.label_width = label_width
        self.closed: frozenset[str] = frozenset()  # (Textual's `disabled` is the widget's own)

    def show(self, closed: Collection[str] = ()) -> None:
        """Which items cannot be picked now; the highlight moves off them."""
        closed = frozenset(closed)
        if closed != self.closed:
            self.closed = closed
            if self._open(self.highlighted) is None:
                self.highlighted = self._next(self.highlighted, 1)
            self.refresh()

    def _open(self, index: int | None) -> int | None:
        if index is None or not 0 <= index < len(self.items):
            return None
        return None if self.items[index].key in self.closed else index

    def _next(self, start: int, step: int) -> int:
        """The first open item from `start` on (stepping by `step`); `start` if there is none."""
        index = start
        for _ in self.items:
            index = (index + step) % len(self.items)
            if self._open(index) is not None:
                return index
        return start

    def render(self) -> Content:
        width = max(self.label_width, self.draw_width)
        cursor = (
            "bold on $block-cursor-background" if self.has_focus else "on $block-cursor-blurred-background"
        )
        lines = []
        for index, item in enumerate(self.items):
            label = f"{item.label:<{self.label_width}}"
            shortcut = f"{item.shortcut:>7}".ljust(max(0, width - len(label)))
            if index == self.highlighted:
                style, muted = f"$block-cursor-foreground {cursor}", f"$muted {cursor}"
            elif item.key in self.closed:
                style = muted = "$text-disabled"
            elif index == self.hover:
                style, muted = "on $block-hover-background", "$muted on $block-hover-background"
            else:
                style, muted = "", "$muted"
            lines.append(Content.assemble((label, style), (shortcut, muted)))
        return Content("\n").join(lines)

    def watch_highlighted(self) -> None:
        self.refresh()

    def watch_hover(self) -> None:
        self.refresh()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def action_move(self, step: int) -> None:
        self.highlighted = self._next(self.highlighted, step)

    def action_move_to(self, index: int) -> None:
        index %= len(self.items)
        self.highlighted = index if self._open(index) is not None else self._next(index, 1)

    def action_select(self) -> None:
        if self._open(self.highlighted) is None:
            self.app.bell()
            return
        self.post_message(self.Selected(self.items[self.highlighted].key))

    def _line(self, event: events.MouseEvent) -> int | None:
        offset = event.get_content_offset(self)
        return None if offset is None or not 0 <= offset.y < len(self.items) else offset.y

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self.hover = self._line(event)

    def on_leave(self, event: events.Leave) -> None:
        self.hover = None

    def on_click(self, event: events.Click) -> None:
        index = self._open(self._line(event))
        if index is not None:
            event.stop()
            self.highlighted = index
            self.post_message(self.Selected(self.items[index].key))
