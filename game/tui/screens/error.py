"""When something fails: one clear line, the reassurance that the campaign is safe, and a way on."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Static

from game.tui.screens.base import Overlay


class ErrorScreen(Overlay):
    def __init__(self, message: str) -> None:
        super().__init__()
        self.error_message = message

    def compose(self) -> ComposeResult:
        with Vertical(id="error-box", classes="overlay-box"):
            yield Static(Content(self.error_message), id="error-message", markup=False)
            yield Static(
                Content("Your campaign is saved after every decision; nothing has been lost."),
                id="error-safe",
                markup=False,
            )
            with Horizontal(id="error-buttons"):
                yield Button("Go on", id="error-ok", variant="primary")
                yield Button("Title screen", id="error-title")

    def on_mount(self) -> None:
        self.query_one("#error-box").border_title = "Something went wrong"
        self.query_one("#error-ok").focus()

    @on(Button.Pressed, "#error-ok")
    def _ok(self) -> None:
        self.action_back()

    @on(Button.Pressed, "#error-title")
    def _title(self) -> None:
        self.action_back()
        self.app.call_later(self.app.action_to_title)
