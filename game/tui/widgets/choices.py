"""The decisions open to Belisarius: numbered, picked by digit or by mouse.

The list only shows options and reports the player's intent (`ChoiceList.Chosen`); the session
decides what follows. Whether a choice is the historical one stays hidden until it is taken.

It is one widget that draws all the choices itself (wrapping each label under its number), so a
new decision redraws one widget instead of mounting a dozen: a choice key stays quick.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from textual import events
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive

from game.engine.campaign import Option
from game.tui.widgets.drawn import DrawnLines

NUMBER_WIDTH = 4  # " 1 " and a space
EVERY_LINE = 1_000  # the lines prepared ahead: all of them (a list of choices is short)


class ChoiceList(DrawnLines):
    """The numbered choices of the current decision, with its question as a heading.

    Every label is wrapped whole under its number, never cut: choices often differ only in their
    last words. Where they do not all fit, the pane around the list scrolls.
    """

    DEFAULT_CSS = "ChoiceList { height: auto; }"
    hover: reactive[int | None] = reactive(None)

    @dataclass
    class Chosen(Message):
        number: int
        option_id: str

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.options: tuple[Option, ...] = ()
        self.heading: str | None = None
        self._owners: tuple[int, list[int | None]] | None = None  # a width, the number of each line's choice

    def show(self, options: Sequence[Option], heading: str | None = None) -> None:
        options = tuple(options)
        if (options, heading) != (self.options, self.heading):
            self.options, self.heading = options, heading
            self.set_reactive(ChoiceList.hover, None)  # drawn below, with the new choices
            self._owners = None
            self.changed(key=(options, heading))

    def prepare_options(self, options: Sequence[Option], heading: str | None = None) -> None:
        """Work out ahead the lines `show(options, heading)` would draw (no choice under the
        mouse, as `show` leaves it), and their cells."""
        if self.hover is None:
            options = tuple(options)
            self.prepare_showing((options, heading), EVERY_LINE, options=options, heading=heading)

    @staticmethod
    def _wrap(text: str, width: int) -> list[str]:
        return textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False) or [""]

    def draw_lines(self, width: int) -> list[Content]:
        return self._laid_out(width)[0]

    def _laid_out(self, width: int) -> tuple[list[Content], list[int | None]]:
        """The lines, and for each the number of the choice it belongs to."""
        width = max(NUMBER_WIDTH + 4, width)
        text_w = width - NUMBER_WIDTH
        lines: list[Content] = []
        owners: list[int | None] = []
        if self.heading:
            for line in self._wrap(self.heading, width):
                lines.append(Content.styled(line, "bold $secondary"))
                owners.append(None)
        if not self.options:
            lines.append(Content.styled("No decision is open here.", "italic $muted"))
            owners.append(None)
        for number, option in enumerate(self.options, 1):
            hovered = self.hover == number and option.available
            label_style = "$primary" if hovered else "" if option.available else "$disabled"
            badge_style = (
                "bold $background on $primary" if option.available else "$background on $muted"
            )
            badge = f" {number if number <= 9 else '·'} "
            for i, line in enumerate(self._wrap(option.label, text_w)):
                head = (badge, badge_style) if i == 0 else (" " * len(badge), "")
                lines.append(Content.assemble(head, " ", (line, label_style)))
                owners.append(number)
            if option.available and option.gamble:
                for line in self._wrap(option.gamble, text_w):
                    lines.append(Content.assemble(" " * NUMBER_WIDTH, (line, "italic $warning")))
                    owners.append(number)
            if not option.available and option.reason:
                for line in self._wrap(option.reason, text_w):
                    lines.append(Content.assemble(" " * NUMBER_WIDTH, (line, "italic $disabled")))
                    owners.append(number)
        return lines, owners

    def _number_at(self, y: int) -> int | None:
        width = self.draw_width
        if self._owners is None or self._owners[0] != width:
            self._owners = (width, self._laid_out(width)[1])
        owners = self._owners[1]
        return owners[y] if 0 <= y < len(owners) else None

    def _event_number(self, event: events.MouseEvent) -> int | None:
        offset = event.get_content_offset(self)
        return None if offset is None else self._number_at(offset.y)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self.hover = self._event_number(event)

    def on_leave(self, event: events.Leave) -> None:
        self.hover = None

    def watch_hover(self) -> None:
        self.changed(layout=False)

    def on_click(self, event: events.Click) -> None:
        number = self._event_number(event)
        if number is not None:
            event.stop()
            self.post_message(self.Chosen(number, self.options[number - 1].id))
