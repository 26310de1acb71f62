"""The battle line, drawn left to right between the river and the rise.

The Persian line faces the Roman one across a strip of open ground; a unit hidden beyond the rise
shows as "?". Each Roman position shows its men, morale, fatigue and what has become of it.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.content import Content

from game.engine.battle import FATIGUE_NAMES, MORALE_NAMES, BattleView, PositionView
from game.tui.text import men_text, short_name, truncate, wrap_words
from game.tui.widgets.army import FATIGUE_STYLE, MORALE_STYLE
from game.tui.widgets.bars import bar
from game.tui.widgets.drawn import Drawn

Cell = tuple[str, str]
STATUS_STYLE = {
    "in line": "",
    "in reserve": "$muted",
    "fled": "strike $muted",
    "surrounded": "bold $warning",
    "fallen": "bold $error",
    "standing by the river": "bold $success",
}
TERRAIN = {"river": ("≈", "$river"), "rise": ("╱", "$muted"), "open": (" ", "")}


class BattleLine(Drawn):
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
    def render(self) -> Content:
        b = self.battle
        width, height = self.draw_width, self.draw_height
        if b is None or not b.positions or width < 12 or height < 1:
            return Content("")
        n = len(b.positions)
        band = 3 if width >= 40 else 1
        inner = width - 2 * band - 2
        cw = max(3, inner // n)
        w = cw - 1  # one space between columns
        left_ch, left_style = TERRAIN.get(b.terrain_left, TERRAIN["open"])
        right_ch, right_style = TERRAIN.get(b.terrain_right, TERRAIN["open"])

        def row(cell: Callable[[PositionView, int], Cell | list[Cell]]) -> Content:
            parts: list[Content] = [Content.styled(left_ch * band + " ", left_style)]
            for p in b.positions:
                value = cell(p, w)
                cells = value if isinstance(value, list) else [value]
                content = Content.assemble(*cells).truncate(w, ellipsis=True).pad_right(0)
                parts.append(content.extend_right(cw - content.cell_length))
            used = band + 1 + cw * n
            parts.append(Content(" " * max(0, width - used - band)))
            parts.append(Content.styled(right_ch * band, right_style))
            return Content("").join(parts)

        def gap(_p: PositionView, w: int) -> Cell:
            return ("╌" * w, "$muted")

        def heading() -> Content:
            left = f"{b.terrain_left}" if b.terrain_left != "open" else ""
            right = f"{b.terrain_right}" if b.terrain_right != "open" else ""
            middle = "the enemy line"
            space = width - len(left) - len(right)
            text = Content.assemble(
                (left, left_style + " bold"),
                (middle.center(max(0, space)), "$muted italic"),
                (right, right_style + " bold"),
            )
            return text.truncate(width)

        def info() -> Content:
            """The reserve, your station, the rise and how the day stands; where that is too
            long for one line, your station goes first: the ★ in the line marks it already."""
            full = standing(with_station=True)
            if full.cell_length <= width or not any(p.commander_here for p in b.positions):
                return full.truncate(width, ellipsis=True)
            return standing(with_station=False).truncate(width, ellipsis=True)

        def standing(with_station: bool) -> Content:
            parts: list[str | tuple[str, str]] = [("Reserve: ", "$muted"), b.reserve or "none"]
            if with_station:
                parts += [("  ·  You stand ", "$muted"), b.station]
            if b.terrain_right == "rise" or b.terrain_left == "rise":
                parts += [
                    ("  ·  The rise: ", "$muted"),
                    ("watched", "$success") if b.watch else ("unwatched", "$warning"),
                ]
            if b.shift_seen:
                parts += [("  ·  ", ""), ("the enemy's shift is seen", "bold $accent")]
            if b.outcome:
                parts += [("  ·  ", ""), (b.outcome, "bold")]
            return Content.assemble(*parts)

        rows: list[Callable[[], Content]]
        ename = lambda line: lambda: row(lambda p, w: self._enemy_name(p, w, line))
        rname = lambda line: lambda: row(lambda p, w: self._roman_name(p, w, line))
        emen = lambda: row(self._enemy_men)
        rmen = lambda: row(self._men)
        morale = lambda: row(self._morale)
        status = lambda: row(self._status)
        gaps = lambda: row(gap)
        if height >= 11:
            rows = [
                heading,
                ename(0),
                ename(1),
                emen,
                gaps,
                rname(0),
                rname(1),
                rmen,
                morale,
                status,
                info,
            ]
        elif height >= 9:
            rows = [ename(0), ename(1), emen, rname(0), rname(1), rmen, morale, status][
                : height - 1
            ] + [info]
        elif height >= 6:
            rows = [ename(0), emen, rname(0), rmen, morale, status][: height - 1] + [info]
        else:
            rows = [emen, rname(0), rmen, morale, status][:height]
        return Content("\n").join(r() for r in rows)
