"""The battle: the line between the river and the rise, the orders of the hour, and the log."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.css.query import NoMatches

from game.engine.campaign import View
from game.session.playthrough import Decision, Playthrough
from game.tui.screens.base import PlayScreen
from game.tui.screens.campaign import PLAY_KEYS
from game.tui.text import PHASE_LINE, reflow
from game.tui.widgets.battle_line import BattleLine
from game.tui.widgets.choices import ChoiceList
from game.tui.widgets.header import GameHeader
from game.tui.widgets.keybar import KeyBar
from game.tui.widgets.prose import Prose


def battle_log(intro: str, decisions: list[Decision], now: str = "", prompt: str = "") -> Content:
    """The battle so far, phase by phase, in the words of the engine's narration, then the hour."""
    parts: list[Content] = [Content.styled(reflow(intro), "italic $muted")]
    for d in decisions:
        mark = (
            (f"  ★ {d.words.as_in}", "$success")
            if d.historical
            else (
                (f"  ☆ {d.words.in_year.lower()}: {d.historical_label}", "$warning")
                if d.historical_label
                else ("", "")
            )
        )
        parts.append(Content.assemble(("▸ ", "$primary"), (d.label, "bold"), mark))
        for line in d.text:
            m = PHASE_LINE.match(line.strip())
            if m:
                parts.append(
                    Content.assemble(
                        ("── ", "$secondary"),
                        (m["time"], "bold $secondary"),
                        (" · " + m["title"] + " ──", "bold $secondary"),
                    )
                )
            else:
                parts.append(Content(reflow(line)))
    if now or prompt:
        parts.append(Content.assemble(("◆ Now: ", "bold $accent"), (now, "bold $accent")))
        if prompt.strip():
            parts.append(Content.styled(reflow(prompt), "$accent"))
    return Content("\n\n").join(parts)


def _header(view: View) -> tuple[str, str, str]:
    """The header's date, place and stage for a battle: the day, the hour and phase, the battle."""
    b = view.battle
    assert b is not None
    return view.date, f"{b.time}: {b.stage}", b.title


def current_battle(decisions: list[Decision]) -> list[Decision]:
    """The decisions of the battle being fought (the trailing ones taken in battle)."""
    out: list[Decision] = []
    for d in reversed(decisions):
        if not d.in_battle:
            break
        out.append(d)
    return out[::-1]


class BattleScreen(PlayScreen):
    kind = "battle"
    story_pane = "#battle-log"
    BINDINGS = PLAY_KEYS

    def compose(self) -> ComposeResult:
        yield GameHeader(id="header")
        yield BattleLine(id="battle-line")
        with Horizontal(id="battle-body"):
            with VerticalScroll(id="battle-log", classes="panel"):
                yield Prose(id="log-text")
            with VerticalScroll(id="orders", classes="panel"):
                yield ChoiceList(id="battle-choices")
        yield KeyBar()

    def on_mount(self) -> None:
        # (Textual also runs PlayScreen.on_mount, which draws the battle.)
        try:
            log = self.query_one("#battle-log")
            orders = self.query_one("#orders", VerticalScroll)
        except NoMatches:  # mounted ahead of need, and taken down with the game before its panes
            return
        log.border_title = "The battle log"
        orders.border_title = "Orders"
        self.watch(orders, "scroll_y", self._orders_hint, init=False)
        self.watch(orders, "virtual_size", self._orders_hint, init=False)

    def laid_out_ahead(self) -> None:
        self._orders_hint()

    def _orders_hint(self) -> None:
        """Orders that run past the pane say so on its border, and how to reach them."""
        orders = self.query_one("#orders", VerticalScroll)
        if not orders.container_size.height:  # in the middle of its first layout
            return
        if orders.scroll_y < orders.max_scroll_y:
            orders.border_title = "Orders ↓ more below: tab, pgdn"
        elif orders.scroll_y > 0:
            orders.border_title = "Orders ↑ more above"
        else:
            orders.border_title = "Orders"

    def draw(self) -> None:
        p = self.game.session.current
        view = p.view()
        b = view.battle
        if b is None:
            return
        self.query_one(GameHeader).show(*_header(view))
        self.query_one(BattleLine).show(b)
        group = next((o.group for o in view.options if o.group), None) or b.stage
        self.query_one(ChoiceList).show(view.options, group)
        prose = self.query_one(Prose)
        prose.show(self._log(p, view, group))
        self._show_the_end(self.query_one("#battle-log", VerticalScroll), prose)

    @staticmethod
    def _show_the_end(log: VerticalScroll, prose: Prose) -> None:
        """The log shows its last lines in the frame that shows the decision: anchored to its end
        for that frame once it runs past its pane (Textual scrolls an anchored pane as it lays it
        out), from its top while it fits (anchored, a short log would sit at the bottom of its
        pane). The anchor goes after the frame: anchored, a log that a larger window lets fit
        would sit at the bottom of its pane too."""
        height = log.scrollable_content_region.height
        if not height:  # never laid out: its end is known only after the frame
            log.anchor(False)
            log.call_after_refresh(log.scroll_end, animate=False)
        elif len(prose.lines(prose.draw_width)) > height:
            log.anchor()
            log.call_after_refresh(log.anchor, False)
        else:
            log.anchor(False)
            log.scroll_home(animate=False, immediate=True)

    @staticmethod
    def _log(p: Playthrough, view: View, group: str) -> Content:
        b = view.battle
        assert b is not None
        prompt = b.prompt or ""
        first, _, rest = prompt.partition("\n")
        if first.strip() == group.strip():
            prompt = rest
        now = (
            f"{b.time}, {b.stage.lower() if b.stage == 'Deployment' else b.stage}: {group}"
            if group != b.stage
            else f"{b.time}, {b.stage}"
        )
        return battle_log(view.text, current_battle(p.record), now, prompt)

    def prepare(self, q: Playthrough) -> None:
        view = q.view()
        if view.battle is None:
            return
        self.query_one(GameHeader).prepare_line(*_header(view))
        self.query_one(BattleLine).prepare(view.battle)
        group = next((o.group for o in view.options if o.group), None) or view.battle.stage
        self.query_one(ChoiceList).prepare_options(view.options, group)
        rows = self.query_one("#battle-log", VerticalScroll).size.height
        self.query_one(Prose).prepare_content(self._log(q, view, group), rows)

    @on(ChoiceList.Chosen)
    def _chosen(self, event: ChoiceList.Chosen) -> None:
        self.game.choose_number(event.number)
