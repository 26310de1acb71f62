"""The battle line, drawn left to right between the river and the rise.

The Persian line faces the Roman one across a strip of open ground; a unit hidden beyond the rise
shows as "?". Each Roman position shows its men, morale, fatigue and what has become of it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass

from textual.content import Content

from game.engine.battle import FATIGUE_NAMES, MORALE_NAMES, BattleView, PositionView
from game.tui.text import men_text, short_name, truncate, wrap_words
from game.tui.widgets.army import FATIGUE_STYLE, MORALE_STYLE
from game.tui.widgets.bars import bar
from game.tui.widgets.drawn import DrawnKept

Cell = tuple[str, str]
STATUS_STYLE = {
    "in line": "",
    "in reserve": "$muted",
    "fled": "strike $muted",
    "surrounded": "bold $warning",
    "fallen": "bold $error",
    "standing by the river": "bold $success",
}
TERRAIN = {"river": ("≈", "$river"), "rise": ("╱", "$muted"), "hill": ("∩", "$muted"), "wall": ("▓", "$foreground"),
           "open": (" ", "")}


class BattleLine(DrawnKept):
    DEFAULT_CSS = "BattleLine { height: 12; }"

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.battle: BattleView | None = None

    def show(self, battle: BattleView | None) -> None:
        if battle != self.battle:
            self.battle = battle
            self.refresh()

    # -- cells -------------------------------------------------------------------------------
    def _scale(self) -> int:
        b = self.battle
        assert b is not None
        men = [p.men for p in b.positions] + [p.enemy_men or 0 for p in b.positions]
        return max(30, *men)

    @staticmethod
    def _enemy_name(p: PositionView, w: int, line: int) -> Cell:
        if p.enemy_men is None:
            return (["beyond the", "rise"][line] if line < 2 else "", "italic $muted")
        lines = wrap_words(short_name(p.enemy_name), w, 2)
        return (lines[line] if line < len(lines) else "", "$error")

    def _enemy_men(self, p: PositionView, w: int) -> Cell:
        if p.enemy_men is None:
            return (truncate("░░░ ?", w), "bold $warning")
        bw = max(1, w - 7)
        return (
            bar(p.enemy_men, self._scale(), bw) + men_text(p.enemy_men).rjust(min(6, w - bw)),
            "$error",
        )

    @staticmethod
    def _roman_name(p: PositionView, w: int, line: int) -> Cell:
        name = ("★ " if p.commander_here else "") + short_name(p.name)
        lines = wrap_words(name, w, 2)
        style = (
            "bold"
            if p.status in ("in line", "standing by the river")
            else STATUS_STYLE.get(p.status, "")
        )
        if p.commander_here and p.status == "in line":
            style = "bold $accent"
        return (lines[line] if line < len(lines) else "", style)

    def _men(self, p: PositionView, w: int) -> Cell:
        if p.men <= 0:
            return ("none left" if p.status != "in line" else "not here", "italic $muted")
        bw = max(1, w - 7)
        return (bar(p.men, self._scale(), bw) + men_text(p.men).rjust(min(6, w - bw)), "$primary")

    @staticmethod
    def _morale(p: PositionView, w: int) -> list[Cell]:
        """Morale, or what became of the unit once it is no longer simply in the line."""
        if p.status != "in line":
            return [(p.status, STATUS_STYLE.get(p.status, ""))]
        m = MORALE_NAMES.index(p.morale) if p.morale in MORALE_NAMES else 3
        return [(p.morale, MORALE_STYLE[m])]

    @staticmethod
    def _status(p: PositionView, w: int) -> list[Cell]:
        """Fatigue, and support sent to this position."""
        f = FATIGUE_NAMES.index(p.fatigue) if p.fatigue in FATIGUE_NAMES else 0
        cells: list[Cell] = [(p.fatigue, FATIGUE_STYLE[f])]
        if p.support:
            cells.append((f" + {short_name(p.support)}", "$success"))
        return cells

    # -- drawing -----------------------------------------------------------------------------
    def showing(self) -> BattleView | None:
        return self.battle

    def draw(self, what: Hashable) -> Content:
        shown, self.battle = self.battle, what  # type: ignore[assignment]
        try:
            return self._draw()
        finally:
            self.battle = shown

    def _draw(self) -> Content:
        b = self.battle
        width, height = self.draw_width, self.draw_height
        if b is None or not b.positions or width < 12 or height < 1:
            return Content("")
        cols = Columns.across(b, width)
        return Content("\n").join(self._draw_row(name, b, cols) for name in row_names(height))

    def _draw_row(self, name: str, b: BattleView, cols: Columns) -> Content:
        if name == "heading":
            return _heading(b, cols)
        if name == "info":
            return _info(b, cols.width)
        cell: Callable[[PositionView, int], Cell | list[Cell]] = {
            "enemy_name_0": lambda p, w: self._enemy_name(p, w, 0),
            "enemy_name_1": lambda p, w: self._enemy_name(p, w, 1),
            "enemy_men": self._enemy_men,
            "gap": _ground,
            "name_0": lambda p, w: self._roman_name(p, w, 0),
            "name_1": lambda p, w: self._roman_name(p, w, 1),
            "men": self._men,
            "morale": self._morale,
            "status": self._status,
        }[name]
        return cols.row(b, cell)


def _ground(p: PositionView, w: int) -> Cell:
    """The ground a position stands on, drawn between the two lines (a dashed gap where it is open)."""
    glyph, style = TERRAIN.get(p.terrain, TERRAIN["open"])
    return (glyph * w, style) if p.terrain != "open" else ("╌" * w, "$muted")


def row_names(height: int) -> tuple[str, ...]:
    """The rows that fit in `height` lines, the most telling kept when there is little room."""
    if height >= 11:
        return ("heading", "enemy_name_0", "enemy_name_1", "enemy_men", "gap", "name_0", "name_1",
                "men", "morale", "status", "info")
    if height >= 9:
        rows = ("enemy_name_0", "enemy_name_1", "enemy_men", "name_0", "name_1", "men", "morale", "status")
        return (*rows[: height - 1], "info")
    if height >= 6:
        return (*("enemy_name_0", "enemy_men", "name_0", "men", "morale", "status")[: height - 1], "info")
    return ("enemy_men", "name_0", "men", "morale", "status")[:height]


@dataclass(frozen=True)
class Columns:
    """Where the positions' columns fall across the width: the terrain at each end (a band of
    three cells, or one where the line is narrow), then a column per position."""

    width: int
    band: int
    column: int  # a column's width, with the space after it
    left: Cell  # the terrain's character and style at each end
    right: Cell

    @classmethod
    def across(cls, b: BattleView, width: int) -> Columns:
        band = 3 if width >= 40 else 1
        column = max(3, (width - 2 * band - 2) // len(b.positions))
        left = TERRAIN.get(b.terrain_left, TERRAIN["open"])
        right = TERRAIN.get(b.terrain_right, TERRAIN["open"])
        return cls(width, band, column, left, right)

    def row(self, b: BattleView, cell: Callable[[PositionView, int], Cell | list[Cell]]) -> Content:
        w = self.column - 1
        parts: list[Content] = [Content.styled(self.left[0] * self.band + " ", self.left[1])]
        for p in b.positions:
            value = cell(p, w)
            cells = value if isinstance(value, list) else [value]
            content = Content.assemble(*cells).truncate(w, ellipsis=True).pad_right(0)
            parts.append(content.extend_right(self.column - content.cell_length))
        used = self.band + 1 + self.column * len(b.positions)
        parts.append(Content(" " * max(0, self.width - used - self.band)))
        parts.append(Content.styled(self.right[0] * self.band, self.right[1]))
        return Content("").join(parts)


def _heading(b: BattleView, cols: Columns) -> Content:
    left = f"{b.terrain_left}" if b.terrain_left != "open" else ""
    right = f"{b.terrain_right}" if b.terrain_right != "open" else ""
    space = cols.width - len(left) - len(right)
    text = Content.assemble(
        (left, cols.left[1] + " bold"),
        ("the enemy line".center(max(0, space)), "$muted italic"),
        (right, cols.right[1] + " bold"),
    )
    return text.truncate(cols.width)


def _info(b: BattleView, width: int) -> Content:
    """The reserve, your station, the rise and how the day stands; where that is too long for
    one line, your station goes first: the ★ in the line marks it already."""
    full = _standing(b, with_station=True)
    if full.cell_length <= width or not any(p.commander_here for p in b.positions):
        return full.truncate(width, ellipsis=True)
    return _standing(b, with_station=False).truncate(width, ellipsis=True)


def _standing(b: BattleView, with_station: bool) -> Content:
    parts: list[str | tuple[str, str]] = [("Reserve: ", "$muted"), b.reserve or "none"]
    if with_station:
        parts += [("  ·  You stand ", "$muted"), b.station]
    if any(p.terrain == "rise" for p in b.positions):
        parts += [
            ("  ·  The rise: ", "$muted"),
            ("watched", "$success") if b.watch else ("unwatched", "$warning"),
        ]
    if b.shift_seen:
        parts += [("  ·  ", ""), ("the enemy's shift is seen", "bold $accent")]
    if b.outcome:
        parts += [("  ·  ", ""), (b.outcome, "bold")]
    return Content.assemble(*parts)
