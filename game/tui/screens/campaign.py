"""The campaign: where the army is, what has happened, the counsel, and the decision at hand."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll

from game.session.playthrough import Playthrough
from game.tui.ahead import peek
from game.tui.keys import CHOOSE, keys
from game.tui.screens.base import PlayScreen
from game.tui.widgets.army import ArmyPanel
from game.tui.widgets.choices import ChoiceList
from game.tui.widgets.header import GameHeader
from game.tui.widgets.keybar import KeyBar
from game.tui.widgets.map import EuphratesMap
from game.tui.widgets.narrative import Narrative
from game.tui.widgets.qualities import QualitiesPanel

# In the order the key bar shows them, as many as the width allows; help and the palette list all.
PLAY_KEYS = [
    *CHOOSE,
    *keys("scroll_down", "scroll_up", "situation", "undo", "history", "help"),
    *keys("save", "load", "branches", "endings", "title"),
]


AHEAD = 9  # open choices whose next scene is prepared: those a digit key can take


class CampaignScreen(PlayScreen):
    kind = "campaign"
    story_pane = "#narrative"
    BINDINGS = PLAY_KEYS
    AUTO_FOCUS = "#narrative"

    def compose(self) -> ComposeResult:
        places = self.game.scenario.places
        yield GameHeader(id="header")
        with Horizontal(id="campaign-body"):
            with Vertical(id="main-column"):
                yield EuphratesMap(places, id="map-wide", classes="map")
                yield Narrative(id="narrative")
                yield ChoiceList(id="choices")
            with VerticalScroll(id="side-column"):
                yield EuphratesMap(places, id="map-narrow", classes="map")
                yield ArmyPanel(id="army", classes="panel")
                yield QualitiesPanel(id="qualities", classes="panel")
        yield KeyBar()

    def draw(self) -> None:
        p = self.game.session.current
        view = p.view()
        self.query_one(GameHeader).show(view.date, view.place_name, view.stage)
        for m in self.query(EuphratesMap):
            m.show(view.place, view.enemy_at)
        self.query_one(Narrative).show(view, p.record[-1] if p.record else None)
        self.query_one(ChoiceList).show(view.options, "What will you do?" if view.options else None)
        self.query_one(ArmyPanel).show(view.army)
        self.query_one(QualitiesPanel).show(view.qualities, self.game.previous_qualities())
        ahead = [o.id for o in view.options if o.available][:AHEAD]
        if ahead:
            self.call_after_refresh(self._prepare, p, len(p.decisions), ahead)

    def _prepare(self, p: Playthrough, taken: int, ahead: list[str]) -> None:
        """While the player reads, the story and the map of each open choice, one choice at a time
        (a key pressed meanwhile waits for one at most). Stops once anything else is shown."""
        if not self.is_current or p is not self.game.session.current or len(p.decisions) != taken:
            return
        q = peek(p, ahead[0])
        if q is not None and not q.ending and q.state.battle is None:
            view = q.view()
            self.query_one(Narrative).prepare(view, q.record[-1])
            for m in self.query(EuphratesMap):
                m.prepare(view.place, view.enemy_at)
        if len(ahead) > 1:
            self.call_later(self._prepare, p, taken, ahead[1:])

    @on(ChoiceList.Chosen)
    def _chosen(self, event: ChoiceList.Chosen) -> None:
        self.game.choose_number(event.number)
