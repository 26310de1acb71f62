"""The top line: where and when Belisarius is, and the stage of the campaign.

One widget that draws its line itself: the scenario's title on the left, the date and the place
in the middle, the stage on the right. A decision that moves the army changes the middle and the
right together, and one widget of one line is drawn again far faster than three laid out anew.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.content import Content

from game.tui.widgets.drawn import DrawnLines


class GameHeader(DrawnLines):
    DEFAULT_CSS = """
    GameHeader {
        height: 1;
        text-wrap: nowrap;
        & > .game-header--brand {
            color: $background;
            background: $primary;
            text-style: bold;
        }
        & > .game-header--stage {
            color: $secondary;
            text-style: italic;
        }
    }
    """
    COMPONENT_CLASSES = {"game-header--brand", "game-header--stage"}

    def __init__(self, brand: str | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="game-header")
        self._brand = brand
        self.when: str | None = None
        self.where: str | None = None
        self.stage: str | None = None

    @property
    def brand(self) -> str:
        """The scenario's own title: a mod or another scenario is not "Callinicum 531"."""
        info = getattr(self.app, "info", None)
        return self._brand or (getattr(info, "title", "") or "Callinicum 531").upper()

    def show(self, when: str | None, where: str | None, stage: str | None) -> None:
        if (when, where, stage) != (self.when, self.where, self.stage):
            self.when, self.where, self.stage = when, where, stage
            self.changed(layout=False, key=(when, where, stage))

    def prepare_line(self, when: str | None, where: str | None, stage: str | None) -> None:
        """Work out ahead the line `show(when, where, stage)` would draw."""
        self.prepare_showing((when, where, stage), 1, when=when, where=where, stage=stage)

    def draw_lines(self, width: int) -> list[Content]:
        # the title and the stage are left out at the app's "-tiny" width, worked out from the
        # width drawn for (the screen's class may still be the last size's as the line is drawn)
        breakpoints = sorted(getattr(self.app, "HORIZONTAL_BREAKPOINTS", None) or [], reverse=True)
        tiny = next((name for start, name in breakpoints if width >= start), None) == "-tiny"
        brand = "" if tiny else f" ✠ {self.brand} "
        stage = "" if tiny or not self.stage else f"{self.stage} "
        middle = max(0, width - cell_len(brand) - cell_len(stage))
        parts: list[tuple[str, str]] = []
        if self.when:
            parts.append((self.when, "bold"))
        if self.where:
            if parts:
                parts.append(("  ·  ", "$muted"))
            parts.append((self.where, ""))
        # the date and the place, centred in what the title and the stage leave, cut short with an
        # ellipsis where they do not fit (in cells: a place may be written in wide characters)
        shown = Content.assemble(*parts).truncate(middle, ellipsis=True)
        pad = (middle - shown.cell_length) // 2
        return [
            Content.assemble(
                (brand, self.get_visual_style("game-header--brand")),
                " " * pad,
                shown,
                " " * (middle - shown.cell_length - pad),
                (stage, self.get_visual_style("game-header--stage", partial=True)),
            )
        ]
