"""What were the odds? Every ending's chance from a point of the campaign, and how the player's own
ending came about.

At the ending the odds are those of the first decision (how rare the player's ending was), with
the decision where its odds moved most; at a decision (from the palette) they are the odds from
here. The figures are the session's (`game.session.odds`), computed in a thread with a progress
bar: the interface never waits for them, and escape closes the screen at any time.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import ProgressBar, Static
from textual.worker import Worker, WorkerState, get_current_worker

from game.scenario.compiled import CompiledScenario
from game.session.odds import Odds, OddsStory, odds_from, odds_story
from game.session.playthrough import Playthrough
from game.tui.screens.base import Overlay
from game.tui.widgets.bars import bar
from game.tui.widgets.drawn import Drawn
from game.tui.widgets.keybar import KeyBar

SPARKS = "▁▂▃▄▅▆▇█"
STORY_SHARE = 0.15  # of the progress bar, for replaying the player's decisions (at the ending)


@dataclass(frozen=True)
class Figures:
    scenario: CompiledScenario
    odds: Odds  # from the point the screen reads: the first decision at the ending, else here
    story: OddsStory | None  # at the ending only


class _Closed(Exception):
    """Raised inside the computation when the screen has closed: the thread stops there."""


_FIGURES: dict[tuple, Figures] = {}  # figures already computed, so reopening the screen is instant


def pct(p: float) -> str:
    if p <= 0:
        return "0%"
    if p < 0.001:
        return "<0.1%"
    if p >= 1:
        return "100%"
    if p > 0.999:
        return ">99.9%"
    return f"{p * 100:.1f}%"


def one_in(p: float) -> str:
    return "" if p <= 0 or p >= 0.5 else f"about 1 in {round(1 / p):,}"


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def ranked(cs: CompiledScenario, odds: Odds) -> list[tuple[str, str, float]]:
    """(id, title, probability) of every ending, likeliest first, ties in the scenario's order."""
    rows = [(e.id, e.title, odds.endings.get(e.id, 0.0)) for e in cs.endings]
    return sorted(rows, key=lambda r: -r[2])


def how_known(odds: Odds) -> Content:
    if odds.exact:
        return Content.assemble(
            ("Exact: ", "bold $success"),
            "every road walked, each open choice as likely as the next, the dice by their odds.",
        )
    note = odds.coverage_note()
    return Content.assemble(
        ("Estimated ", "bold $warning"),
        f"from {odds.runs:,} playthroughs choosing at random (every road is too many to walk): "
        f"within ±{odds.margin * 100:.1f} points, 19 times in 20.",
        (f" Note: {note}." if note else "", "italic $warning"),
    )


def rarity(cs: CompiledScenario, odds: Odds, ending: str) -> Content:
    rows = ranked(cs, odds)
    title = next(t for e, t, _ in rows if e == ending)
    p = odds.endings.get(ending, 0.0)
    rank = 1 + sum(1 for _, _, q in rows if q > p)
    aside = [x for x in (one_in(p), f"the {ordinal(rank)} likeliest of {len(rows)} endings") if x]
    if rank == 1:
        aside[-1] = f"the likeliest of {len(rows)} endings"
    return Content.assemble(
        ("Your ending, ", ""),
        (title, "bold $primary"),
        f", had a {pct(p)} chance as the campaign began ({'; '.join(aside)}).",
    )


def turning_point(p: Playthrough, story: OddsStory) -> Content:
    if story.turning_point is None:
        return Content("")
    i = story.turning_point
    d = p.record[i]
    before, after = story.steps[i], story.steps[i + 1]
    sparks = "".join(SPARKS[min(7, int(s * 8))] for s in story.steps)
    return Content.assemble(
        ("Your odds moved most at decision ", ""),
        (f"{i + 1}", "bold"),
        ", ",
        (d.label, "bold $primary"),
        " (",
        (d.scene_title, "italic"),
        f"): from {pct(before)} to {pct(after)}, ",
        (f"{story.moved * 100:+.0f} points", "bold $warning" if story.moved < 0 else "bold $success"),
        ".\n",
        ("Decision by decision: ", "$muted"),
        (sparks, "$accent"),
    )


class OddsTable(Drawn):
    """Each ending's probability, likeliest first, with a bar; the endings out of reach together."""

    DEFAULT_CSS = "OddsTable { height: auto; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.figures: Figures | None = None
        self.yours: str | None = None

    def show(self, figures: Figures, yours: str | None) -> None:
        self.figures, self.yours = figures, yours
        self.refresh(layout=True)

    def rows(self) -> list[tuple[str, str, float]]:
        return [] if self.figures is None else ranked(self.figures.scenario, self.figures.odds)

    def render(self) -> Content:
        if self.figures is None:
            return Content("")
        rows = self.rows()
        width = self.draw_width
        shown = [r for r in rows if r[2] > 0]
        title_width = min(max(len(t) for _, t, _ in rows), max(8, width // 2 - 4))
        cells = max(0, min(48, width - title_width - 11))
        lines: list[Content] = []
        for ending, title, p in shown:
            yours = ending == self.yours
            name = title if len(title) <= title_width else title[: title_width - 1] + "…"
            lines.append(
                Content.assemble(
                    ("▸ " if yours else "  ", "bold $primary"),
                    (name.ljust(title_width), "bold $primary" if yours else ""),
                    (f" {pct(p):>7} ", "bold"),
                    (bar(p, 1.0, cells), "$accent" if yours else "$secondary"),
                )
            )
        gone = [t for _, t, p in rows if p <= 0]
        if gone:
            lead = (
                "Out of reach from there: "
                if self.figures.odds.exact
                else "Reached in none of the playthroughs: "
            )
            lines.append(Content.styled(lead + ", ".join(gone) + ".", "italic $muted"))
        return Content("\n").join(lines)


class OddsScreen(Overlay):
    DEFAULT_CSS = """
    OddsScreen #odds-table, OddsScreen .odds-said { margin: 1 0 0 0; }
    OddsScreen #odds-progress { margin: 1 0 1 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("o", "back", "close", show=False, id="odds-close")
    ]
    # what the figures are computed with (the session's defaults); tests may make them smaller
    BUDGET: ClassVar[int] = 6_000
    RUNS: ClassVar[int] = 2_000
    STORY_RUNS: ClassVar[int] = 300
    SEED: ClassVar[int] = 0

    class Progress(Message):
        def __init__(self, share: float, doing: str) -> None:
            super().__init__()
            self.share, self.doing = share, doing

    def __init__(self) -> None:
        super().__init__()
        self.figures: Figures | None = None
        self.outcome = "computing"  # then "done", "closed" (stopped when the screen closed) or "failed"
        self.stopped = threading.Event()  # set when the computation has ended, however it ended
        self.worker: Worker[Figures | None] | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="odds-box", classes="overlay-box"):
            yield Static(id="odds-doing", markup=False)
            yield ProgressBar(total=100, show_eta=False, id="odds-progress")
            with VerticalScroll(id="odds-body"):
                # at the ending the player's own story first, then every ending
                yield Static(id="odds-rare", markup=False)
                yield Static(id="odds-turn", classes="odds-said", markup=False)
                yield Static(id="odds-point", classes="odds-said", markup=False)
                yield Static(id="odds-how", markup=False)
                yield OddsTable(id="odds-table")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#odds-box").border_title = "What were the odds?"
        # a copy of the playthrough as it stands: the thread reads it while the game goes on
        live = self.game.session.current
        p = copy.copy(live)
        p.decisions, p.states, p.record = list(live.decisions), list(live.states), list(live.record)
        self.playthrough = p
        self.at_end = p.ending is not None
        self.query_one("#odds-point", Static).update(self._point())
        for part in ("#odds-how", "#odds-rare", "#odds-turn"):
            self.query_one(part).display = False
        key = self._key()
        cached = _FIGURES.get(key)
        if cached is not None and cached.scenario is p.scenario:
            self.stopped.set()
            self._show(cached)
            return
        self._doing(self._walking())
        self.worker = self.run_worker(
            lambda: self._compute(p), thread=True, exclusive=True, exit_on_error=False, name="odds"
        )

    def _key(self) -> tuple:
        p = self.playthrough
        return (
            id(p.scenario), p.seed, tuple(p.decisions), tuple(p.chance),
            self.BUDGET, self.RUNS, self.STORY_RUNS, self.SEED,
        )

    def _point(self) -> Content:
        p = self.playthrough
        if self.at_end:
            return Content.styled("Every ending, as the campaign began", "bold $secondary")
        view = p.view()
        when = f", {view.date}" if view.date else ""
        return Content.assemble(
            ("Every ending from here", "bold $secondary"),
            f": decision {len(p.decisions) + 1}, ",
            (view.title, "italic"),
            when,
        )

    def _walking(self) -> str:
        return f"Walking every road from {'the first decision' if self.at_end else 'here'}…"

    # -- in the thread -----------------------------------------------------------------------
    def _compute(self, p: Playthrough) -> Figures | None:
        worker = get_current_worker()
        walk = 1 - STORY_SHARE if self.at_end else 1.0
        walking = self._walking()

        def tell(share: float, doing: str) -> None:
            if worker.is_cancelled:
                raise _Closed
            self.post_message(self.Progress(share, doing))

        try:
            origin = p.states[0] if self.at_end else p.state
            odds = odds_from(
                p.scenario, origin, budget=self.BUDGET, runs=self.RUNS, seed=self.SEED,
                progress=lambda s: tell(s * walk, walking),
            )
            story = None
            if self.at_end:
                doing = "Replaying your decisions, one by one…"
                tell(walk, doing)
                story = odds_story(
                    p, runs=self.STORY_RUNS, seed=self.SEED,
                    progress=lambda s: tell(walk + s * STORY_SHARE, doing),
                )
            tell(1.0, "")
        except _Closed:
            self.outcome = "closed"
            return None
        finally:
            self.stopped.set()
        return Figures(p.scenario, odds, story)

    # -- back in the interface ---------------------------------------------------------------
    def on_odds_screen_progress(self, message: Progress) -> None:
        self.query_one(ProgressBar).update(progress=message.share * 100)
        if message.doing:
            self._doing(message.doing)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is not self.worker:
            return
        if event.state == WorkerState.SUCCESS and event.worker.result is not None:
            figures = event.worker.result
            _FIGURES[self._key()] = figures
            while len(_FIGURES) > 16:
                del _FIGURES[next(iter(_FIGURES))]
            self._show(figures)
        elif event.state == WorkerState.ERROR:
            self.outcome = "failed"
            self._doing("The odds could not be worked out.")
            self.game.report_error(event.worker.error or RuntimeError("the odds failed"))

    def _doing(self, text: str) -> None:
        self.query_one("#odds-doing", Static).update(
            Content.assemble((text, "italic $muted"), ("   esc closes", "$muted"))
        )

    def _show(self, figures: Figures) -> None:
        self.figures = figures
        self.outcome = "done"
        self.query_one("#odds-doing").display = False
        self.query_one(ProgressBar).display = False
        how = self.query_one("#odds-how", Static)
        how.update(how_known(figures.odds))
        how.display = True
        p = self.playthrough
        self.query_one(OddsTable).show(figures, p.ending)
        if figures.story is not None and p.ending is not None:
            rare = self.query_one("#odds-rare", Static)
            rare.update(rarity(figures.scenario, figures.odds, p.ending))
            turn = self.query_one("#odds-turn", Static)
            turn.update(turning_point(p, figures.story))
            rare.display = turn.display = True
