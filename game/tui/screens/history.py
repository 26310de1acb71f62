"""History at hand: what happened at this stage (in 531, for Callinicum), who says so, and where the sources
disagree. The historical choice is revealed here, and only here, before the player chooses."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from game.engine.campaign import View
from game.session.history_words import HistoryWords
from game.tui.screens.base import Overlay
from game.tui.text import paragraphs
from game.tui.widgets.keybar import KeyBar


def history_note(view: View, words: HistoryWords) -> Content:
    h = view.history
    parts: list[Content] = []
    when = ", ".join(x for x in (view.date, view.place_name) if x)
    parts.append(
        Content.assemble(
            (view.title, "bold $primary"), (f"\n{when}" if when else "", "italic $muted")
        )
    )
    if h is None:
        parts.append(Content.styled("There is no history note for this stage.", "italic $muted"))
    else:
        text = getattr(h, "text", "")
        parts.append(Content("\n\n").join(Content(p) for p in paragraphs(text)))
        sources = list(getattr(h, "sources", []) or [])
        if sources:
            parts.append(
                Content.assemble(
                    ("Who says so", "bold $secondary"), "\n", "\n".join(f"• {s}" for s in sources)
                )
            )
        disputes = list(getattr(h, "disputes", []) or [])
        if disputes:
            block = [Content.styled("Where the sources disagree", "bold $secondary")]
            for d in disputes:
                block.append(Content.assemble(("? ", "bold $warning"), (d.question, "bold")))
                for v in d.views:
                    block.append(
                        Content.assemble(
                            ("   ", ""),
                            (v.source, "bold $accent"),
                            ": ",
                            " ".join(paragraphs(v.says)),
                        )
                    )
            parts.append(Content("\n").join(block))
    historical = [o for o in view.options if o.historical]
    if historical:
        block = [Content.styled(f"What {words.hero} did", "bold $secondary")]
        for o in historical:
            src = f"  ({'; '.join(o.sources)})" if o.sources else ""
            block.append(Content.assemble(("★ ", "bold $success"), o.label, (src, "italic $muted")))
        parts.append(Content("\n").join(block))
    elif view.options:
        parts.append(
            Content.styled(
                f"None of the choices here is recorded as the one {words.hero} made.", "italic $muted"
            )
        )
    return Content("\n\n").join(parts)


class HistoryScreen(Overlay):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("h", "back", "close", show=False, id="history-close")
    ]

    def compose(self) -> ComposeResult:
        view = self.game.session.current.view()
        with Vertical(id="history-box", classes="overlay-box"), VerticalScroll(id="history-body"):
            yield Static(history_note(view, HistoryWords.of(self.game.scenario)), id="history-text", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#history-box").border_title = HistoryWords.of(self.game.scenario).happened
