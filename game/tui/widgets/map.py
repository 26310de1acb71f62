"""The Euphrates country in box-drawing characters, with where the two armies are.

Places come from the scenario (x and y in map cells); the map stretches them to whatever room it
has and labels as many as fit, always the two armies' places first. The river is drawn when the
scenario is set on the Euphrates (it has the crossing and Barbalissos); another scenario's map
shows its places alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content

from game.scenario.models import Place
from game.tui.widgets.drawn import Drawn

# The Euphrates in the campaign's map cells: from the crossing south to Barbalissos, then east
# past Sura and Callinicum to Circesium.
EUPHRATES: tuple[tuple[int, int], ...] = (
    (33, 0),
    (33, 3),
    (33, 6),
    (32, 9),
    (32, 11),
    (36, 12),
    (42, 13),
    (45, 12),
    (48, 12),
    (55, 14),
    (61, 15),
    (66, 16),
)
RIVER_PLACES = {"crossing", "barbalissos"}

ROMAN, PERSIAN = "◆", "▲"
BOX = {
    frozenset("NS"): "│",
    frozenset("EW"): "─",
    frozenset("NE"): "╰",
    frozenset("NW"): "╯",
    frozenset("SE"): "╭",
    frozenset("SW"): "╮",
    frozenset("N"): "│",
    frozenset("S"): "│",
    frozenset("E"): "─",
    frozenset("W"): "─",
}


def _steps(a: tuple[int, int], b: tuple[int, int]) -> list[tuple[int, int]]:
    """Cells from a to b (b included), moving only along rows and columns."""
    (c0, r0), (c1, r1) = a, b
    cells = []
    dc, dr = c1 - c0, r1 - r0
    n = max(abs(dc), abs(dr), 1)
    c, r = c0, r0
    for i in range(1, n + 1):
        tc, tr = c0 + round(dc * i / n), r0 + round(dr * i / n)
        if tc != c and tr != r:
            # turn the corner on the side the river bends towards
            if abs(dr) >= abs(dc):
                r = tr
            else:
                c = tc
            cells.append((c, r))
        c, r = tc, tr
        if not cells or cells[-1] != (c, r):
            cells.append((c, r))
    return cells


class EuphratesMap(Drawn):
    """The campaign map. `show(place, enemy_at)` moves the armies."""

    DEFAULT_CSS = "EuphratesMap { height: 10; }"

    def __init__(
        self, places: Sequence[Place], *, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.places = {p.id: p for p in places}
        self.river = EUPHRATES if RIVER_PLACES <= set(self.places) else ()
        self.roman: str | None = None
        self.persian: str | None = None
        self.border_title = "The Euphrates" if self.river else "The map"

    def show(self, roman: str | None, persian: str | None) -> None:
        if (roman, persian) != (self.roman, self.persian):
            self.roman, self.persian = roman, persian
            self.refresh()

    def _place_name(self, place_id: str | None) -> str:
        if place_id is None or place_id not in self.places:
            return "unknown"
        name = self.places[place_id].name
        return name[4:] if name.lower().startswith("the ") else name

    def render(self) -> Content:
        width, height = self.draw_width, self.draw_height
        if width < 8 or height < 2:
            return Content("")
        legend = height >= 4
        rows = height - 1 if legend else height
        pts = [(p.x, p.y) for p in self.places.values()] + list(self.river)
        if not pts:
            return Content("")
        minx, maxx = min(x for x, _ in pts), max(x for x, _ in pts)
        miny, maxy = min(y for _, y in pts), max(y for _, y in pts)

        def cell(x: int, y: int) -> tuple[int, int]:
            c = round((x - minx) * (width - 1) / (maxx - minx)) if maxx > minx else width // 2
            r = round((y - miny) * (rows - 1) / (maxy - miny)) if maxy > miny else rows // 2
            return c, r

        grid: list[list[tuple[str, str]]] = [[(" ", "")] * width for _ in range(rows)]
        river_cells: set[tuple[int, int]] = set()
        if self.river:
            path = [cell(*self.river[0])]
            for a, b in zip(self.river, self.river[1:]):
                path += [p for p in _steps(cell(*a), cell(*b)) if p != path[-1]]
            for i, (c, r) in enumerate(path):
                dirs = set()
                for j in (i - 1, i + 1):
                    if 0 <= j < len(path):
                        oc, or_ = path[j]
                        dirs.add("E" if oc > c else "W" if oc < c else "S" if or_ > r else "N")
                grid[r][c] = (BOX.get(frozenset(dirs), "│"), "$river")
                river_cells.add((c, r))

        taken: set[tuple[int, int]] = set()
        marks: dict[str, tuple[int, int]] = {}
        for p in self.places.values():
            c, r = cell(p.x, p.y)
            grid[r][c] = ("•", "$muted")
            taken.add((c, r))
            marks[p.id] = (c, r)
        if self.roman in marks:
            c, r = marks[self.roman]
            grid[r][c] = (ROMAN, "bold $primary")
        if self.persian in marks:
            c, r = marks[self.persian]
            if self.persian == self.roman:
                c = c + 1 if c + 1 < width else c - 1
                taken.add((c, r))
            grid[r][c] = (PERSIAN, "bold $error")

        order = [pid for pid in (self.roman, self.persian) if pid in marks]
        order += [pid for pid in self.places if pid not in order]
        for pid in order:
            c, r = marks[pid]
            label = self._place_name(pid)
            style = (
                "bold $primary"
                if pid == self.roman
                else "bold $error"
                if pid == self.persian
                else "$muted"
            )
            extra = 1 if pid == self.persian and self.persian == self.roman else 0
            placed = False
            spots = [
                (c + 2 + extra, r),
                (c - 1 - len(label), r),
                (c - len(label) // 2, r - 1),
                (c - len(label) // 2, r + 1),
            ]
            for allow_river in (False, True):
                for start, lr in spots:
                    if not 0 <= lr < rows:
                        continue
                    span = [(start + k, lr) for k in range(-1, len(label) + 1)]
                    if start < 0 or start + len(label) > width:
                        continue
                    if any(s in taken for s in span if 0 <= s[0] < width):
                        continue
                    if not allow_river and any(s in river_cells for s in span[1:-1]):
                        continue
                    for k, ch in enumerate(label):
                        grid[lr][start + k] = (ch, style)
                        taken.add((start + k, lr))
                    placed = True
                    break
                if placed:
                    break

        lines = [self._join(row) for row in grid]
        if legend:
            lines.append(
                Content.assemble(
                    (ROMAN, "bold $primary"),
                    (f" Romans: {self._place_name(self.roman)}  ", ""),
                    (PERSIAN, "bold $error"),
                    (f" Persians: {self._place_name(self.persian)}", ""),
                ).truncate(width, ellipsis=True)
            )
        return Content("\n").join(lines)

    @staticmethod
    def _join(row: list[tuple[str, str]]) -> Content:
        runs: list[tuple[str, str]] = []
        for ch, style in row:
            if runs and runs[-1][1] == style:
                runs[-1] = (runs[-1][0] + ch, style)
            else:
                runs.append((ch, style))
        return Content.assemble(*runs)
