"""The army at a glance: each unit's men, morale and fatigue as compact bars and words."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content

from game.engine.battle import FATIGUE_NAMES, MORALE_NAMES
from game.engine.campaign import UnitView
from game.tui.text import men_text, short_name, truncate
from game.tui.widgets.bars import bar
from game.tui.widgets.drawn import DrawnLines

MORALE_STYLE = ("bold $error", "$error", "$warning", "$foreground", "bold $success")
FATIGUE_STYLE = ("$success", "$warning", "bold $error")


def morale_word(value: int) -> tuple[str, str]:
    value = max(0, min(len(MORALE_NAMES) - 1, value))
    return MORALE_NAMES[value], MORALE_STYLE[value]


def fatigue_word(value: int) -> tuple[str, str]:
    value = max(0, min(len(FATIGUE_NAMES) - 1, value))
    return FATIGUE_NAMES[value], FATIGUE_STYLE[value]


class ArmyPanel(DrawnLines):
    """Units with men (bar and number), morale and fatigue; one line each when there is room."""

    DEFAULT_CSS = "ArmyPanel { height: auto; }"

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.army: tuple[UnitView, ...] = ()
        self.border_title = "The army"

    def show(self, army: Sequence[UnitView]) -> None:
        army = tuple(army)
        if army != self.army:
            resized = len(army) != len(self.army)
            self.army = army
            self.changed(layout=resized, key=army)

    def prepare_army(self, army: Sequence[UnitView]) -> None:
        """Work out ahead the lines `show(army)` would draw."""
        army = tuple(army)
        if army != self.army:
            self.prepare_showing(army, 2 * len(army), army=army)

    def draw_lines(self, width: int) -> list[Content]:
        width = max(10, width)
        if not self.army:
            return [Content.styled("No army in the field.", "italic $muted")]
        scale = max(50, max(u.men for u in self.army))
        lines: list[Content] = []
        wide = width >= 46
        for u in self.army:
            morale, mstyle = morale_word(u.morale)
            fatigue, fstyle = fatigue_word(u.fatigue)
            name = short_name(u.name)
            men = men_text(u.men).rjust(6)
            if wide:
                name_w = width - 33
                lines.append(
                    Content.assemble(
                        (truncate(name, name_w).ljust(name_w), ""),
                        " ",
                        (bar(u.men, scale, 8), "$primary"),
                        (men, "bold"),
                        " ",
                        (morale.ljust(8), mstyle),
                        " ",
                        (fatigue, fstyle),
                    )
                )
            else:
                lines.append(
                    Content.assemble(
                        (truncate(name, width - 7).ljust(width - 7), "bold"), (men, "bold")
                    )
                )
                bar_w = max(3, width - 18)
                lines.append(
                    Content.assemble(
                        " ",
                        (bar(u.men, scale, bar_w), "$primary"),
                        " ",
                        (morale.rjust(8), mstyle),
                        " ",
                        (fatigue.ljust(5), fstyle),
                    )
                )
        return lines
