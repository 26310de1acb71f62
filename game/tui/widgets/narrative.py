"""The story so far: what followed the last decision, then the scene, then the counsel.

Everything here is scenario prose and is rendered as literal text (no markup), so "[brackets]"
in a scene show exactly as written.

The story is one widget that wraps and lays out its parts itself (a margin above each, an indent,
a rule under the scene's title), inside the pane that scrolls: a decision changes most of it, and
Textual measures and draws one widget much faster than seven.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content

from game.engine.campaign import View
from game.session.playthrough import Decision
from game.tui.text import paragraphs, reflow
from game.tui.widgets.drawn import DrawnLines


def verdict(decision: Decision) -> Content:
    """Whether the decision just taken is the one the real commander took (Belisarius, in 531)."""
    w = decision.words
    if decision.historical:
        return Content.assemble(("★ ", "bold $success"), (f"{w.as_in.capitalize()}: ", "bold"), w.did)
    if decision.historical_label:
        return Content.assemble(
            ("☆ ", "bold $warning"), (w.chose_otherwise, "bold"), decision.historical_label
        )
    return Content("")


def outcome(decision: Decision, *, limit: int | None = None) -> Content:
    """The narration of what followed a decision, phase headings picked out."""
    from game.tui.text import PHASE_LINE

    parts: list[Content] = []
    lines = list(decision.text)
    if limit is not None and len(lines) > limit:
        lines = lines[-limit:]
    for line in lines:
        m = PHASE_LINE.match(line.strip())
        if m:
            parts.append(Content.assemble((f"{m['time']} · {m['title']}", "bold $secondary")))
        else:
            parts.append(Content(reflow(line)))
    return Content("\n\n").join(parts)


def counsel(view: View) -> Content:
    out: list[Content] = []
    for c in view.counsel:
        who = c.name + (f", {c.title}" if c.title else "")
        out.append(
            Content.assemble(
                (c.name, "bold $accent"),
                (who[len(c.name) :], "italic $muted"),
                "\n",
                " ".join(paragraphs(c.says)),
            )
        )
    return Content("\n\n").join(out)


@dataclass(frozen=True)
class Part:
    """One part of the story: its text, the blank lines above it, its indent, whether a rule
    runs under it, and a component class of the story whose style goes under the text's own."""

    id: str
    content: Content
    above: int = 1
    indent: int = 0
    rule: bool = False
    look: str = ""


def story_parts(view: View, last: Decision | None) -> list[Part]:
    """What the story shows after `last` (None at the start): the outcome, the scene, the counsel."""
    parts: list[Part] = []
    if last is not None:
        parts.append(
            Part(
                "outcome-label",
                Content.assemble(("▸ ", "$primary"), ("You chose: ", "bold"), last.label),
            )
        )
        text = outcome(last)
        if text.plain:
            parts.append(Part("outcome-text", text, indent=2, look="story--outcome"))
        judged = verdict(last)
        if judged.plain:
            parts.append(Part("outcome-verdict", judged, indent=2))
    parts.append(Part("scene-title", Content.styled(view.title, "bold $primary"), rule=True))
    parts.append(Part("scene-text", Content(reflow(view.text))))
    if view.counsel:
        parts.append(Part("counsel-heading", Content.styled("Counsel", "bold $secondary")))
        parts.append(Part("counsel", counsel(view), above=0, indent=2))
    return parts


def story_key(parts: Sequence[Part]) -> tuple:
    """What a story shows, styles included (a Content compares its text alone)."""
    return tuple(
        (p.id, p.content.plain, tuple(p.content.spans), p.above, p.indent, p.rule, p.look) for p in parts
    )


class Story(DrawnLines):
    """The parts of the story, wrapped to the width of the pane; the pane scrolls it."""

    DEFAULT_CSS = """
    Story {
        height: auto;
        text-wrap: nowrap;
        & > .story--outcome {
            color: $text-muted;
            text-style: italic;
        }
        & > .story--rule {
            color: $primary 30%;
        }
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"story--outcome", "story--rule"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.parts: tuple[Part, ...] = ()

    def show(self, parts: Sequence[Part]) -> None:
        parts = tuple(parts)
        if parts != self.parts:
            self.parts = parts
            self.changed(key=story_key(parts))

    def prepare_parts(self, parts: Sequence[Part], rows: int) -> None:
        """The lines of a story that may come next, and the cells of its first rows."""
        parts = tuple(parts)

        def draw(width: int) -> list[Content]:
            shown, self.parts = self.parts, parts
            try:
                return self.draw_lines(width)
            finally:
                self.parts = shown

        self.prepare(story_key(parts), draw, rows)

    def part(self, part_id: str) -> Part | None:
        return next((p for p in self.parts if p.id == part_id), None)

    def draw_lines(self, width: int) -> list[Content]:
        width = max(1, width)
        rule = Content.styled("─" * width, self.get_visual_style("story--rule", partial=True))
        out: list[Content] = []
        for part in self.parts:
            out += [Content("")] * part.above
            margin = " " * part.indent
            content = part.content
            if part.look:
                content = content.stylize_before(self.get_visual_style(part.look))
            for line in content.split("\n"):
                wrapped = line.wrap(max(1, width - part.indent)) if line.plain else [line]
                out += [Content(margin) + piece if margin else piece for piece in wrapped]
            if part.rule:
                out.append(rule)
        if self.parts and self.parts[-1].id == "counsel":
            out.append(Content(""))
        return out


class Narrative(VerticalScroll):
    """The scrollable story column of the campaign screen."""

    can_focus = True

    def compose(self) -> ComposeResult:
        yield Story(id="story")

    def show(self, view: View, last: Decision | None) -> None:
        self.query_one(Story).show(story_parts(view, last))
        self.scroll_home(animate=False)

    def prepare(self, view: View, last: Decision, taller: int = 0) -> None:
        """Work out ahead the story of a decision the player may take: its first page in cells,
        for a pane up to `taller` rows taller than now (the choices under it may be fewer)."""
        self.query_one(Story).prepare_parts(story_parts(view, last), self.size.height + taller)
