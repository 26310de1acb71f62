"""The qualities the player tracks (supply, discipline, the army's temper...) as bars, with the
change the last decision made to each."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from textual.content import Content

from game.engine.campaign import QualityView
from game.tui.text import truncate
from game.tui.widgets.bars import bar
from game.tui.widgets.drawn import DrawnLines


class QualitiesPanel(DrawnLines):
    DEFAULT_CSS = "QualitiesPanel { height: auto; }"

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.qualities: tuple[QualityView, ...] = ()
        self.previous: dict[str, int] = {}
        self.border_title = "The situation"

    def show(
        self, qualities: Sequence[QualityView], before: Mapping[str, int] | None = None
    ) -> None:
        qualities, before = tuple(qualities), dict(before or {})
        if (qualities, before) != (self.qualities, self.previous):
            resized = len(qualities) != len(self.qualities)
            self.qualities, self.previous = qualities, before
            self.changed(layout=resized, key=(qualities, tuple(before.items())))

    def prepare_values(self, qualities: Sequence[QualityView], before: Mapping[str, int]) -> None:
        """Work out ahead the lines `show(qualities, before)` would draw."""
        qualities, before = tuple(qualities), dict(before)
        key = (qualities, tuple(before.items()))
        self.prepare_showing(key, len(qualities), qualities=qualities, previous=before)

    def draw_lines(self, width: int) -> list[Content]:
        width = max(12, width)
        bar_w = 10 if width >= 38 else 6 if width < 30 else 8
        label_w = max(4, width - bar_w - 7)
        lines: list[Content] = []
        for q in self.qualities:
            delta = q.value - self.previous[q.id] if q.id in self.previous else 0
            mark: tuple[str, str] = (
                (f"{delta:+d}".rjust(3), "bold $accent") if delta else ("   ", "")
            )
            lines.append(
                Content.assemble(
                    truncate(q.label, label_w).ljust(label_w),
                    " ",
                    *_ticked_bar(q, bar_w),
                    (f"{q.value:>3}", "bold"),
                    mark,
                )
            )
        return lines or [Content.styled("Nothing to track.", "italic $muted")]


def _ticked_bar(q: QualityView, cells: int) -> list[tuple[str, str]]:
    """The quality's bar, with a tick where the decision at hand changes (`q.thresholds`): a
    player sees that authority 5 or 7 would read the odds differently."""
    text = bar(q.value - q.min, q.max - q.min, cells)
    span = max(1, q.max - q.min)
    ticks = {min(cells - 1, max(0, round((t - q.min) * cells / span) - 1)) for t in q.thresholds}
    parts: list[tuple[str, str]] = []  # runs of one style: each span costs when it is drawn
    for i, ch in enumerate(text):
        piece, style = (("┃" if ch != " " else "╎"), "bold $warning") if i in ticks else (ch, "$secondary")
        if parts and parts[-1][1] == style:
            parts[-1] = (parts[-1][0] + piece, style)
        else:
            parts.append((piece, style))
    return parts

