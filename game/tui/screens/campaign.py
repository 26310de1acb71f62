"""The campaign: where the army is, what has happened, the counsel, and the decision at hand."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll

from game.session.playthrough import Playthrough
from game.tui.keys import CHOOSE, keys
from game.tui.screens.base import PlayScreen
from game.tui.widgets.army import ArmyPanel
from game.tui.widgets.choices import ChoiceList
from game.tui.widgets.header import GameHeader
from game.tui.widgets.keybar import KeyBar
from game.tui.widgets.map import EuphratesMap
from game.tui.widgets.narrative import Narrative
from game.tui.widgets.qualities import QualitiesPanel

if TYPE_CHECKING:
    from game.engine.views import Option, View

# In the order the key bar shows them, as many as the width allows; help and the palette list all.
PLAY_KEYS = [
    *CHOOSE,
    *keys("scroll_down", "scroll_up", "situation", "undo", "history", "help"),
    *keys("save", "load", "branches", "endings", "title"),
]


def _header(view: View) -> tuple[str | None, str | None, str | None]:
    """The header's date, place and stage of the campaign."""
    return view.date, view.place_name, view.stage


def _question(options: Sequence[Option]) -> str | None:
    return "What will you do?" if options else None


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
        self.query_one(GameHeader).show(*_header(view))
        for m in self.query(EuphratesMap):
            m.show(view.place, view.enemy_at)
        self.query_one(Narrative).show(view, p.record[-1] if p.record else None)
        self.query_one(ChoiceList).show(view.options, _question(view.options))
        self.query_one(ArmyPanel).show(view.army)
        self.query_one(QualitiesPanel).show(view.qualities, self.game.previous_qualities())

    def prepare(self, q: Playthrough) -> None:
        view = q.view()
        self.query_one(GameHeader).prepare_line(*_header(view))
        self.query_one(Narrative).prepare(view, q.record[-1], self.query_one(ChoiceList).outer_size.height)
        self.query_one(ChoiceList).prepare_options(view.options, _question(view.options))
        for m in self.query(EuphratesMap):
            m.prepare((view.place, view.enemy_at))
        before = {x.id: x.value for x in q.campaign.view(q.states[-2]).qualities}
        self.query_one(QualitiesPanel).prepare_values(view.qualities, before)
        self.query_one(ArmyPanel).prepare_army(view.army)

    @on(ChoiceList.Chosen)
    def _chosen(self, event: ChoiceList.Chosen) -> None:
        self.game.choose_number(event.number)
