"""The game's commands in the command palette (ctrl+p), by name."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from game.tui.app import CallinicumApp

# (name, action, help); the actions are the app's, the same ones the keys run.
COMMANDS = (
    ("New campaign", "new_campaign", "Begin a new campaign"),
    ("Continue the latest campaign", "continue_campaign", "Pick up where the autosave left off"),
    ("Undo the last decision", "undo", "Take back the last decision"),
    ("History of this stage", "history", "What happened here, and who says so"),
    ("The army and the situation", "situation", "Supply, the men's temper, each unit's strength"),
    ("Save the campaign", "save", "Keep this campaign in a named slot"),
    ("Load a campaign", "load", "Open a saved campaign"),
    ("Branch tree", "branches", "Every road taken, and branch from any decision"),
    ("Endings found", "endings", "The endings found and the hints to the rest"),
    ("Chronicle", "chronicle", "Your campaign beside the history (after an ending)"),
    ("What were the odds?", "odds", "The chance of each ending from here, and where yours turned"),
    ("Help: every key", "help", "The keys of the game"),
    ("Toggle light and dark", "toggle_theme", "Switch the colour theme"),
    ("Title screen", "to_title", "Back to the title screen"),
)


class GameCommands(Provider):
    """Offers the game's commands that make sense on the current screen."""

    def _open(self) -> list[tuple[str, str, str]]:
        app: CallinicumApp = self.app  # type: ignore[assignment]
        return [c for c in COMMANDS if app.command_open(c[1])]

    async def discover(self) -> Hits:
        for name, action, help_text in self._open():
            yield DiscoveryHit(name, getattr(self.app, f"action_{action}"), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, action, help_text in self._open():
            score = matcher.match(name)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(name),
                    getattr(self.app, f"action_{action}"),
                    text=name,
                    help=help_text,
                )
