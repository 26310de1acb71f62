"""The story so far: what followed the last decision, then the scene, then the counsel.

Everything here is scenario prose and is rendered as literal text (no markup), so "[brackets]"
in a scene show exactly as written.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from game.engine.campaign import View
from game.session.playthrough import Decision
from game.tui.text import paragraphs, reflow


def verdict(decision: Decision) -> Content:
    """Whether the decision just taken is the one Belisarius took in 531."""
    if decision.historical:
        return Content.assemble(
            ("★ ", "bold $success"), ("As in 531: ", "bold"), "this is what Belisarius did."
        )
    if decision.historical_label:
        return Content.assemble(
            ("☆ ", "bold $warning"),
            ("In 531, Belisarius chose otherwise: ", "bold"),
            decision.historical_label,
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


class Narrative(VerticalScroll):
    """The scrollable story column of the campaign screen."""

    can_focus = True

    def compose(self) -> ComposeResult:
        yield Static(id="outcome-label", markup=False)
        yield Static(id="outcome-text", markup=False)
        yield Static(id="outcome-verdict", markup=False)
        yield Static(id="scene-title", markup=False)
        yield Static(id="scene-text", markup=False)
        yield Static("Counsel", id="counsel-heading", markup=False)
        yield Static(id="counsel", markup=False)

    def show(self, view: View, last: Decision | None) -> None:
        q = self.query_one
        has_outcome = last is not None
        for wid in ("#outcome-label", "#outcome-text", "#outcome-verdict"):
            q(wid).display = has_outcome
        if last is not None:
            q("#outcome-label", Static).update(
                Content.assemble(("▸ ", "$primary"), ("You chose: ", "bold"), last.label)
            )
            text = outcome(last)
            q("#outcome-text", Static).update(text)
            q("#outcome-text").display = bool(text.plain)
            v = verdict(last)
            q("#outcome-verdict", Static).update(v)
            q("#outcome-verdict").display = bool(v.plain)
        q("#scene-title", Static).update(Content.styled(view.title, "bold $primary"))
        q("#scene-text", Static).update(Content(reflow(view.text)))
        has_counsel = bool(view.counsel)
        q("#counsel-heading").display = has_counsel
        q("#counsel").display = has_counsel
        q("#counsel", Static).update(counsel(view))
        self.scroll_home(animate=False)
