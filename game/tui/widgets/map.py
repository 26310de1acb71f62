"""The Euphrates country in box-drawing characters, with where the two armies are.

Places come from the scenario (x and y in map cells); the map stretches them to whatever room it
has and labels as many as fit, always the two armies' places first. The river is drawn when the
scenario is set on the Euphrates (it has the crossing and Barbalissos); another scenario's map
shows its places alone.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import TYPE_CHECKING

from textual.content import Content

from game.tui.widgets.drawn import DrawnKept

if TYPE_CHECKING:
    from game.scenario.models import Place

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


class EuphratesMap(DrawnKept):
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
            before = self.showing()
            self.roman, self.persian = roman, persian
            self.changed_from(before)

    def showing(self) -> tuple[str | None, str | None]:
        return self.roman, self.persian

    def _place_name(self, place_id: str | None) -> str:
        if place_id is None or place_id not in self.places:
            return "unknown"
        name = self.places[place_id].name
        return name[4:] if name.lower().startswith("the ") else name

    def draw(self, what: Hashable) -> Content:
        """The map with the armies at `what` (the Romans' place, the Persians')."""
        shown = self.roman, self.persian
        self.roman, self.persian = what  # type: ignore[misc]
        try:
            return self._draw()
        finally:
            self.roman, self.persian = shown

    def _draw(self) -> Content:
        width, height = self.draw_width, self.draw_height
        if width < 8 or height < 2:
            return Content("")
        legend = height >= 4
        rows = height - 1 if legend else height
        cell = self._projection(width, rows)
        if cell is None:
            return Content("")
        grid: list[list[tuple[str, str]]] = [[(" ", "")] * width for _ in range(rows)]
        river_cells = self._draw_river(grid, cell)
        marks = self._draw_places(grid, cell)
        armies = [pid for pid in dict.fromkeys((self.roman, self.persian)) if pid in marks]
        labelled = self._label(grid, marks, river_cells, armies)
        lines = [self._join(row) for row in grid]
        if legend:
            lines.append(self._legend(width, set(armies) <= labelled))
        return Content("\n").join(lines)

    def _projection(self, width: int, rows: int) -> Callable[[int, int], Cell] | None:
        """Map cells to the widget's cells: the places and the river stretched to the room."""
        pts = [(p.x, p.y) for p in self.places.values()] + list(self.river)
        if not pts:
            return None
        minx, maxx = min(x for x, _ in pts), max(x for x, _ in pts)
        miny, maxy = min(y for _, y in pts), max(y for _, y in pts)

        def cell(x: int, y: int) -> Cell:
            c = round((x - minx) * (width - 1) / (maxx - minx)) if maxx > minx else width // 2
            r = round((y - miny) * (rows - 1) / (maxy - miny)) if maxy > miny else rows // 2
            return c, r

        return cell

    def _draw_river(self, grid: list[list[tuple[str, str]]], cell: Callable[[int, int], Cell]) -> set[Cell]:
        """The river in box-drawing characters, turning its corners; the cells it runs through."""
        river_cells: set[Cell] = set()
        if not self.river:
            return river_cells
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
        return river_cells

    def _draw_places(self, grid: list[list[tuple[str, str]]], cell: Callable[[int, int], Cell]) -> dict[str, Cell]:
        """A dot for each place, the armies' marks over theirs (side by side when they share a
        place); where each place's dot is."""
        marks: dict[str, Cell] = {}
        for p in self.places.values():
            c, r = cell(p.x, p.y)
            grid[r][c] = ("•", "$muted")
            marks[p.id] = (c, r)
        if self.roman in marks:
            c, r = marks[self.roman]
            grid[r][c] = (ROMAN, "bold $primary")
        if self.persian in marks:
            c, r = marks[self.persian]
            if self.persian == self.roman:
                c = c + 1 if c + 1 < len(grid[0]) else c - 1
            grid[r][c] = (PERSIAN, "bold $error")
        return marks

    def _label(
        self, grid: list[list[tuple[str, str]]], marks: dict[str, Cell], river: set[Cell], armies: list[str]
    ) -> set[str]:
        """Name the armies' places first, then every other place that fits; the places named."""
        width = len(grid[0])
        taken = set(marks.values())
        dots = {pid: [marks[pid]] for pid in marks}
        if self.persian == self.roman and self.persian in marks:
            c, r = marks[self.persian]
            beside = (c + 1 if c + 1 < width else c - 1, r)
            taken.add(beside)
            dots[self.persian].append(beside)
        labels = Labels(grid, taken, river, dots, self._place_name, self._label_style)
        labelled = labels.place_armies(armies)
        for pid in self.places:
            if pid in armies or labels.covered(pid):
                continue
            if labels.place(pid, labels.spots(pid)):
                labelled.add(pid)
        return labelled

    def _label_style(self, pid: str) -> str:
        if pid == self.roman:
            return "bold $primary"
        return "bold $error" if pid == self.persian else "$muted"

    def _legend(self, width: int, on_map: bool) -> Content:
        """Which mark is which army, and where each is: in full when it fits; else the marks
        alone, when the map itself names both places."""
        roman, persian = self._place_name(self.roman), self._place_name(self.persian)
        if self.roman == self.persian:
            full = Content.assemble(
                (ROMAN, "bold $primary"),
                " Romans ",
                (PERSIAN, "bold $error"),
                f" Persians: both at {roman}",
            )
        else:
            full = Content.assemble(
                (ROMAN, "bold $primary"),
                (f" Romans: {roman}  ", ""),
                (PERSIAN, "bold $error"),
                (f" Persians: {persian}", ""),
            )
        if full.cell_length <= width:
            return full
        if on_map:
            where = {
                army: "" if pid in self.places else ": unknown"
                for army, pid in (("Romans", self.roman), ("Persians", self.persian))
            }
            marks_only = Content.assemble(
                (ROMAN, "bold $primary"),
                f" Romans{where['Romans']}  ",
                (PERSIAN, "bold $error"),
                f" Persians{where['Persians']}",
            )
            if marks_only.cell_length <= width:
                return marks_only
        names = Content.assemble(
            (ROMAN, "bold $primary"), f" {roman}  ", (PERSIAN, "bold $error"), f" {persian}"
        )
        return names.truncate(width, ellipsis=True)

    @staticmethod
    def _join(row: list[tuple[str, str]]) -> Content:
        runs: list[tuple[str, str]] = []
        for ch, style in row:
            if runs and runs[-1][1] == style:
                runs[-1] = (runs[-1][0] + ch, style)
            else:
                runs.append((ch, style))
        return Content.assemble(*runs)


Cell = tuple[int, int]


class Labels:
    """Names written next to their dots, never apart from them: on the dot's row, one space to
    the right or the left, or on the row above or below, beginning or ending at the dot. A name
    is not put one space short of another place's dot, where it would seem to name that dot, nor
    one space from another name, where the two would read as one. Where the map is too crowded
    to name the armies' places otherwise, their names may cover the dot of a place where the story
    is not; that place then goes unnamed."""

    def __init__(
        self,
        grid: list[list[tuple[str, str]]],
        taken: set[Cell],
        river: set[Cell],
        dots: dict[str, list[Cell]],
        name: Callable[[str], str],
        style: Callable[[str], str],
    ) -> None:
        self.grid, self.taken, self.river, self.dots = grid, taken, river, dots
        self.name, self.style = name, style
        self.names: set[Cell] = set()
        self.rows, self.width = len(grid), len(grid[0])
        self.armies: set[str] = set()

    def spots(self, pid: str, army: bool = False) -> list[Cell]:
        """Where the name may go, best first; the armies' places may, as a last resort, be
        named across their dot's column."""
        n = len(self.name(pid))
        own = self.dots[pid]
        c, r = own[0]
        right, left = max(x for x, _ in own), min(x for x, _ in own)
        spots = [
            (right + 2, r),
            (left - 1 - n, r),
            (left, r - 1),
            (right - n + 1, r - 1),
            (left, r + 1),
            (right - n + 1, r + 1),
        ]
        if army:
            spots += [(c - n // 2, r - 1), (c - n // 2, r + 1)]
        others = {d for other, ds in self.dots.items() if other != pid for d in ds}
        found: list[Cell] = []
        # clear of the river, then with the river just beside the name, then across it
        tiers: list[tuple[int, set[Cell]]] = [(0, set()), (1, set()), (2, set())]
        if army:
            elsewhere = {d for o, ds in self.dots.items() if o not in self.armies for d in ds}
            tiers.append((2, elsewhere))
        for river, ignored in tiers:
            found += [
                spot
                for spot in spots
                if spot not in found and self._free(spot, n, others - ignored, ignored, river)
            ]
        return found

    def _free(
        self, spot: Cell, n: int, others: set[Cell], ignored: set[Cell], river: int
    ) -> bool:
        start, row = spot
        if not 0 <= row < self.rows or start < 0 or start + n > self.width:
            return False
        span = [(start + k, row) for k in range(-1, n + 1)]
        if any(cell in self.taken and cell not in ignored for cell in span):
            return False
        ends = ((start - 2, row), (start + n + 1, row))
        if any(end in others or end in self.names for end in ends):
            return False
        if river == 0:
            return not any(cell in self.river for cell in span)
        return river == 2 or not any(cell in self.river for cell in span[1:-1])

    def covered(self, pid: str) -> bool:
        return any(dot in self.names for dot in self.dots[pid])

    def place(self, pid: str, spots: list[Cell]) -> bool:
        if not spots:
            return False
        start, row = spots[0]
        for k, ch in enumerate(self.name(pid)):
            self.grid[row][start + k] = (ch, self.style(pid))
            self.taken.add((start + k, row))
            self.names.add((start + k, row))
        return True

    def place_armies(self, armies: list[str]) -> set[str]:
        """Name the armies' places first, trying each place for the first name until the second
        fits too; the names placed."""
        self.armies = set(armies)
        if len(armies) < 2:
            return {pid for pid in armies if self.place(pid, self.spots(pid, army=True))}
        first, second = armies
        saved = ([row[:] for row in self.grid], set(self.taken), set(self.names))
        for spot in self.spots(first, army=True):
            self.place(first, [spot])
            if self.place(second, self.spots(second, army=True)):
                return {first, second}
            grid, taken, names = saved
            self.grid[:] = [row[:] for row in grid]
            self.taken.clear()
            self.taken.update(taken)
            self.names.clear()
            self.names.update(names)
        return {pid for pid in armies if self.place(pid, self.spots(pid, army=True))}
