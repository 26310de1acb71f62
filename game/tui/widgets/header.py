"""The top line: where and when Belisarius is, and the stage of the campaign."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Static


class GameHeader(Horizontal):
    def __init__(self, brand: str | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="game-header")
        self._brand = brand

    def compose(self) -> ComposeResult:
        # the scenario's own title: a mod or another scenario is not "Callinicum 531"
        info = getattr(self.app, "info", None)
        brand = self._brand or (getattr(info, "title", "") or "Callinicum 531").upper()
        yield Static(Content(f" ✠ {brand} "), id="header-brand", markup=False)
        yield Static(id="header-when", markup=False)
        yield Static(id="header-stage", markup=False)

    _shown: tuple[str | None, str | None, str | None] | None = None

    def show(self, when: str | None, where: str | None, stage: str | None) -> None:
        if (when, where, stage) == self._shown:
            return  # an update lays the header out and draws it again, for nothing
        self._shown = (when, where, stage)
        parts: list[str | tuple[str, str]] = []
        if when:
            parts.append((when, "bold"))
        if where:
            if parts:
                parts.append(("  ·  ", "$muted"))
            parts.append(where)
        self.query_one("#header-when", Static).update(Content.assemble(*parts))
        self.query_one("#header-stage", Static).update(Content(f"{stage} " if stage else ""))
