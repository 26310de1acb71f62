"""The keys of the screen, along the bottom: Textual's Footer, drawn as one line.

It reads the same bindings the footer would (the screen's active bindings, as declared in
`keys.py`), but draws them itself: the Footer builds a widget per key and rebuilds them whenever
focus or the screen changes, which costs more than the rest of a redraw. Click a key to press it.
"""

from __future__ import annotations

from textual import events
from textual.content import Content

from game.tui.widgets.drawn import Drawn


class KeyBar(Drawn):
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $panel;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._spans: list[tuple[int, int, str]] = []  # (start, end, key) of each key drawn

    def on_mount(self) -> None:
        self.watch(self.screen, "focused", lambda _: self.refresh(), init=False)

    def keys(self) -> list[tuple[str, str, str]]:
        """(key to press, key as shown, description) of every binding shown, in order."""
        out: list[tuple[str, str, str]] = []
        seen: set[str] = set()
        for key, active in self.screen.active_bindings.items():
            binding = active.binding
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            out.append(
                (key, binding.key_display or self.app.get_key_display(binding), binding.description)
            )
        # in the order the screen declares them: its priority bindings would otherwise come first
        declared_bindings = getattr(self.screen, "BINDINGS", ())
        if not any(getattr(b, "priority", False) for b in declared_bindings):
            return out
        declared = [getattr(b, "id", None) for b in declared_bindings]
        ids = {key: active.binding.id for key, active in self.screen.active_bindings.items()}

        def place(item: tuple[str, str, str]) -> int:
            binding_id = ids.get(item[0])
            return declared.index(binding_id) if binding_id in declared else len(declared)

        return sorted(out, key=place)

    def render(self) -> Content:
        width = self.draw_width
        palette = Content.assemble((" ^p", "bold $footer-key-foreground"), (" palette ", "$muted"))
        room = width - palette.cell_length
        parts: list[Content] = []
        used = 0
        self._spans = []
        for key, shown, description in self.keys():
            piece = Content.assemble(
                (f" {shown}", "bold $footer-key-foreground"), (f" {description} ", "")
            )
            if used + piece.cell_length > room:
                break
            self._spans.append((used, used + piece.cell_length, key))
            parts.append(piece)
            used += piece.cell_length
        gap = Content(" " * max(0, room - used))
        return Content("").join([*parts, gap, palette]) if room > 0 else Content("").join(parts)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        for start, end, key in self._spans:
            if start <= offset.x < end:
                self.app.simulate_key(key)
                return
        if offset.x >= self.draw_width - 11:
            self.app.action_command_palette()
