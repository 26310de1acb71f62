"""The army and the situation, one key away: the panels the campaign screen keeps at its side,
which a small window (or the battle) has no room to show."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll

from game.tui.screens.base import Overlay
from game.tui.widgets.army import ArmyPanel
from game.tui.widgets.keybar import KeyBar
from game.tui.widgets.qualities import QualitiesPanel


class SituationScreen(Overlay):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "back", "close", show=False, id="situation-close")
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="situation-box", classes="overlay-box"):
            with VerticalScroll(id="situation-body"):
                yield QualitiesPanel(id="situation-qualities", classes="panel")
                yield ArmyPanel(id="situation-army", classes="panel")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#situation-box").border_title = "The army and the situation"
        view = self.game.session.current.view()
        self.query_one(QualitiesPanel).show(view.qualities, self.game.previous_qualities())
        self.query_one(ArmyPanel).show(view.army)
