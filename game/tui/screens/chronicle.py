"""The Chronicle: the player's campaign beside the history, and how Procopius and Malalas would tell it."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from game.session.chronicle import (
    IMAGINED_LABEL,
    Chronicle,
    Voiced,
    chronicle,
    paragraphs,
)
from game.tui.screens.base import Overlay
from game.tui.widgets.keybar import KeyBar


def _prose(text: str, style: str) -> Content:
    """Paragraphs kept apart, each reflowed to the screen's width."""
    return Content("\n").join(Content.styled(para, style) for para in paragraphs(text))


def entries(c: Chronicle) -> Content:
    parts: list[Content] = []
    for e in c.entries:
        head: list[str | tuple[str, str]] = [(f"{e.step}. {e.title}", "bold $primary")]
        if e.date:
            head.append((f"  {e.date}", "$muted"))
        lines = [Content.assemble(*head)]
        mark = (f"  ★ {c.words.as_in}", "bold $success") if e.historical else ("", "")
        lines.append(Content.assemble(("You: ", "bold"), e.yours, mark))
        if e.what_happened:
            lines.append(Content.assemble((f"{c.words.in_year}: ", "bold $warning"), e.what_happened))
        if e.record:
            cited = f" ({'; '.join(e.sources)})" if e.sources else ""
            lines.append(Content.assemble((c.words.record, "bold $success"), (cited, "$muted"), ":"))
            lines.append(_prose(e.record, "italic"))
        if e.imagined:
            lines.append(Content.styled(f"{IMAGINED_LABEL}:", "italic $warning"))
            lines.append(_prose(e.imagined, "italic $text-muted"))
        parts.append(Content("\n").join(lines))
    if not parts:
        return Content.styled("No decisions yet.", "italic $muted")
    return Content("\n\n").join(parts)


def voices(lines: list[Voiced], empty: str) -> Content:
    if not lines:
        return Content.styled(empty, "italic $muted")
    out = []
    for v in lines:
        lead: list[str | tuple[str, str]] = [(f"{v.step}. ", "bold")]
        if v.imagined:
            lead.append(("imagined: ", "italic $warning"))
        out.append(Content.assemble(*lead, "\n".join(paragraphs(v.text))))
    return Content("\n\n").join(out)


class ChronicleScreen(Overlay):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "back", "close", show=False, id="chronicle-close")
    ]

    def compose(self) -> ComposeResult:
        p = self.game.session.current
        c = chronicle(p)
        with (
            Vertical(id="chronicle-box", classes="overlay-box"),
            VerticalScroll(id="chronicle-body"),
        ):
            summary = f"Your campaign, step by step, beside {c.words.beside}."
            if c.decisions_with_history:
                summary = (
                    f"You followed {c.words.the_real} in {c.matched} of {c.decisions_with_history} "
                    f"recorded decisions and took another road in {c.diverged}."
                )
            yield Static(Content(summary), id="chronicle-summary", markup=False)
            yield Static(entries(c), id="chronicle-entries", markup=False)
            yield Static(
                Content("As the chroniclers would tell it"), classes="section-title", markup=False
            )
            yield Static(
                Content.styled(
                    f"Lines marked imagined tell deeds {c.words.the_real} never did, "
                    "as each chronicler might have told them.",
                    "italic $muted",
                ),
                markup=False,
            )
            with Horizontal(id="chroniclers"):
                with Vertical(classes="chronicler"):
                    yield Static(
                        Content.assemble(
                            ("Procopius", "bold $accent"),
                            (", Belisarius' assessor, who flatters him", "italic"),
                        ),
                        markup=False,
                        classes="chronicler-name",
                    )
                    yield Static(
                        voices(c.procopius, "Procopius passes over these deeds in silence."),
                        markup=False,
                    )
                with Vertical(classes="chronicler"):
                    yield Static(
                        Content.assemble(
                            ("John Malalas", "bold $accent"),
                            (", from Antioch, who is blunter", "italic"),
                        ),
                        markup=False,
                        classes="chronicler-name",
                    )
                    yield Static(
                        voices(c.malalas, "Malalas has nothing to say of these deeds."),
                        markup=False,
                    )
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#chronicle-box").border_title = "The Chronicle"
