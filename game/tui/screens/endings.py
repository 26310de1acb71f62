"""The endings found across every playthrough, and the unfound ones, locked, with a hint."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from game.tui.screens.base import Overlay
from game.tui.screens.ending import KIND_WORDS
from game.tui.widgets.keybar import KeyBar


def found_on(stamp: str) -> str:
    try:
        return datetime.fromisoformat(stamp).astimezone().strftime("%d %b %Y")
    except (TypeError, ValueError):
        return ""


class EndingsScreen(Overlay):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "back", "close", show=False, id="endings-close")
    ]

    def compose(self) -> ComposeResult:
        endings = self.game.scenario.endings
        found = self.game.store.endings_found()
        with Vertical(id="endings-box", classes="overlay-box"):
            yield Static(
                Content.assemble(
                    (f"{sum(e.id in found for e in endings)} of {len(endings)}", "bold"),
                    " endings found. Every playthrough counts, whichever save it began from.",
                ),
                id="endings-summary",
                markup=False,
            )
            with VerticalScroll(id="endings-body"):
                for e in endings:
                    if e.id in found:
                        when = found_on(found[e.id])
                        body = Content.assemble(
                            ("● ", "bold $success"),
                            (e.title, "bold $primary"),
                            (f"  {KIND_WORDS.get(e.kind, e.kind).lower()}", "italic"),
                            (f"  · found {when}" if when else "", "$muted"),
                        )
                        yield Static(body, classes="ending-row -found", markup=False)
                    else:
                        hint = e.hint or "Keep playing: another road leads here."
                        body = Content.assemble(
                            ("○ ", "$muted"),
                            ("Locked", "bold $muted"),
                            (f"  {KIND_WORDS.get(e.kind, e.kind).lower()}\n", "italic $muted"),
                            (hint, "$muted"),
                        )
                        yield Static(body, classes="ending-row -locked", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#endings-box").border_title = "Endings"
        self.game.flush_notices()
