"""The ending: how the campaign closed, what followed the last decision, and the way to the
Chronicle."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Collapsible, Static

from game.session.chronicle import chronicle
from game.session.playthrough import Decision, Playthrough
from game.tui.keys import keys
from game.tui.screens.base import PlayScreen
from game.tui.text import reflow
from game.tui.widgets.header import GameHeader
from game.tui.widgets.keybar import KeyBar
from game.tui.widgets.narrative import outcome, verdict
from game.tui.widgets.prose import Prose

if TYPE_CHECKING:
    from game.engine.views import View

KIND_WORDS = {
    "victory": "A victory",
    "draw": "A drawn day",
    "defeat": "A defeat",
    "disaster": "A disaster",
    "peace": "A peace",
    "disgrace": "A disgrace",
}


class EndingScreen(PlayScreen):
    kind = "ending"
    BINDINGS = keys(
        "chronicle", "odds", "new_n", "undo", "history", "branches", "endings", "load", "title"
    )

    def compose(self) -> ComposeResult:
        yield GameHeader(id="header")
        with VerticalScroll(id="ending-body"):
            yield Static(id="ending-kind", markup=False)
            yield Static(id="ending-title", markup=False)
            yield Prose(id="ending-outcome")
            yield Prose(id="ending-text")
            with Collapsible(title="What followed, in history", collapsed=True, id="ending-after"):
                yield Static(id="ending-after-text", markup=False)
            yield Static(id="ending-summary", markup=False)
        yield KeyBar()

    def draw(self) -> None:
        p = self.game.session.current
        view = p.view()
        kind = view.ending_kind or ""
        self.query_one(GameHeader).show(*_header(view))
        self.query_one("#ending-kind", Static).update(
            Content(f" {KIND_WORDS.get(kind, 'The end').upper()} ")
        )
        self.query_one("#ending-kind").set_classes(f"ending-kind -{kind}")
        self.query_one("#ending-title", Static).update(Content(view.title))
        last = p.record[-1] if p.record else None
        body = self.query_one("#ending-outcome", Prose)
        if last is not None:
            body.show(last_decision(last))
        body.display = last is not None
        self.query_one("#ending-text", Prose).show(Content(reflow(view.text)))
        after = self.query_one("#ending-after", Collapsible)
        after.display = bool(view.after)
        if view.after:
            self.query_one("#ending-after-text", Static).update(Content(reflow(view.after)))
        c = chronicle(p)
        found = self.game.store.endings_found()
        total = len(self.game.scenario.endings)
        summary: list[str | tuple[str, str]] = []
        if c.decisions_with_history:
            summary += [
                f"You followed {c.words.the_real} in ",
                (f"{c.matched}", "bold"),
                " of ",
                (f"{c.decisions_with_history}", "bold"),
                " recorded decisions.\n",
            ]
        summary += [
            (f"{len(found)} of {total}", "bold"),
            " endings found.\n\n",
            ("c", "bold $primary"),
            " the Chronicle   ",
            ("o", "bold $primary"),
            " the odds   ",
            ("n", "bold $primary"),
            " a new campaign   ",
            ("u", "bold $primary"),
            " undo the last decision   ",
            ("b", "bold $primary"),
            " the branch tree",
        ]
        self.query_one("#ending-summary", Static).update(Content.assemble(*summary))
        self.query_one("#ending-body", VerticalScroll).scroll_home(animate=False)

    def prepare(self, q: Playthrough) -> None:
        """The last decision and the ending's text, drawn ahead (their first page)."""
        view = q.view()
        self.query_one(GameHeader).prepare_line(*_header(view))
        rows = self.query_one("#ending-body", VerticalScroll).size.height
        self.query_one("#ending-outcome", Prose).prepare_content(last_decision(q.record[-1]), rows, at_end=False)
        self.query_one("#ending-text", Prose).prepare_content(Content(reflow(view.text)), rows, at_end=False)


def _header(view: View) -> tuple[str, str, str]:
    """The header of an ending: its title and its kind."""
    kind = view.ending_kind or ""
    return "The end of the campaign", view.title, KIND_WORDS.get(kind, kind)


def last_decision(last: Decision) -> Content:
    """The decision that ended the campaign, what followed it, and whether it was history's."""
    return Content.assemble(("▸ You chose: ", "bold $primary"), last.label, "\n\n", outcome(last), "\n\n", verdict(last))
