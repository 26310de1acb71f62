"""Small terminals: at 80x24 every order reads whole, the situation is one key away, the map names
where the armies are, the story scrolls by keys the key bar names; below that, the game says how
big it needs to be and comes back when the window grows."""

from __future__ import annotations

import re

from textual.containers import VerticalScroll
from textual.widgets import Static, Tree

from game.tui.screens.battle import BattleScreen
from game.tui.screens.branches import BranchesScreen
from game.tui.screens.campaign import CampaignScreen
from game.tui.screens.help import help_text
from game.tui.screens.situation import SituationScreen
from game.tui.screens.title import TitleScreen
from game.tui.screens.too_small import TooSmallScreen
from game.tui.widgets.choices import ChoiceList
from game.tui.widgets.keybar import KeyBar
from game.tui.widgets.map import PERSIAN, ROMAN, EuphratesMap
from game.tui.widgets.narrative import Narrative
from game.tui.widgets.qualities import QualitiesPanel

from .conftest import make_app, open_number

SMALL = (80, 24)


def words(text: str) -> str:
    return " ".join(text.split())


def key_bar(app) -> str:
    return app.screen.query_one(KeyBar).render().plain


async def start(pilot) -> None:
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()


async def take(pilot) -> None:
    await pilot.press(str(open_number(pilot.app)))
    await pilot.pause()


# -- the battle orders ------------------------------------------------------------------------


async def test_every_battle_order_reads_whole_and_can_be_reached_at_80x24(frozen, tmp_path):
    app = make_app(frozen, tmp_path, seed=3)
    async with app.run_test(size=SMALL) as pilot:
        await start(pilot)
        while app.session.current.state.battle is None:
            await take(pilot)
        hours = 0
        while app.session.current.state.battle is not None:
            await pilot.pause()
            assert isinstance(app.screen, BattleScreen)
            drawn = app.screen.query_one(ChoiceList).render().plain
            assert "…" not in drawn
            for option in app.session.current.options():
                assert words(option.label) in words(drawn)
                if not option.available and option.reason:
                    assert words(option.reason) in words(drawn)
            orders = app.screen.query_one("#orders", VerticalScroll)
            if orders.max_scroll_y > 0:
                # more than the pane holds: it says so, and tab then pgdn brings the rest
                assert "more below" in str(orders.border_title)
                while app.screen.focused is not orders:
                    await pilot.press("tab")
                for _ in range(4):
                    await pilot.press("pagedown")
                await pilot.pause()
                assert orders.scroll_y == orders.max_scroll_y
                assert "more above" in str(orders.border_title)
            else:
                assert str(orders.border_title) == "Orders"
            hours += 1
            await take(pilot)
        assert hours >= 5
        assert app.errors == []


async def test_the_orders_that_run_past_the_pane_say_so(frozen, tmp_path):
    """The crisis of the frozen campaign has two closed orders with their reasons: too many
    lines for the pane at 80x24."""
    app = make_app(frozen, tmp_path, seed=3)
    async with app.run_test(size=SMALL) as pilot:
        await start(pilot)
        while app.session.current.state.battle is None or (
            app.session.current.view().battle.stage != "The crisis"
        ):
            await take(pilot)
        await pilot.pause()
        orders = app.screen.query_one("#orders", VerticalScroll)
        assert orders.max_scroll_y > 0
        assert str(orders.border_title) == "Orders ↓ more below: tab, pgdn"


# -- the situation ----------------------------------------------------------------------------


async def test_the_situation_is_one_key_away_and_the_key_bar_says_which(frozen, tmp_path):
    app = make_app(frozen, tmp_path, seed=3)
    async with app.run_test(size=SMALL) as pilot:
        await start(pilot)
        await take(pilot)
        assert "a situation" in key_bar(app)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, SituationScreen)
        shown = app.screen.query_one(QualitiesPanel).render().plain
        view = app.session.current.view()
        for quality in view.qualities:
            assert quality.label in shown
        panel = app.screen.query_one(QualitiesPanel)
        assert panel.region.bottom <= SMALL[1]  # on the screen, not below the fold
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, CampaignScreen)
        # and in the battle, where there is no side column
        while app.session.current.state.battle is None:
            await take(pilot)
        assert "a situation" in key_bar(app)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, SituationScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, BattleScreen)
        assert app.errors == []


# -- the map ----------------------------------------------------------------------------------


def map_rows(widget: EuphratesMap) -> tuple[list[str], str]:
    lines = widget.render().plain.split("\n")
    return lines[:-1], lines[-1]


def next_to_its_mark(rows: list[str], name: str, marks: str) -> bool:
    """The name on the map once, with one of `marks` beside it: one space to the left or right
    on its row, or on the row above or below, under or over the name."""
    found = [(r, m.start()) for r, row in enumerate(rows) for m in re.finditer(re.escape(name), row)]
    if len(found) != 1:
        return False
    r, start = found[0]
    end = start + len(name)

    def at(row: int, col: int) -> str:
        return rows[row][col] if 0 <= row < len(rows) and 0 <= col < len(rows[row]) else ""

    beside = [at(r, start - 2), at(r, end + 1)]
    over_under = [at(rr, c) for rr in (r - 1, r + 1) for c in range(start, end)]
    return any(ch and ch in marks for ch in beside + over_under)


ARMIES_AT = [
    ("dara", "hierapolis"),
    ("hierapolis", "gabboulon"),
    ("chalcis", "gabboulon"),
    ("barbalissos", "sura"),
    ("barbalissos", "gabboulon"),
    ("gabboulon", "barbalissos"),
    ("sura", "callinicum"),
    ("callinicum", "callinicum"),
    ("callinicum", "circesium"),
]


async def test_the_map_names_where_the_armies_are_once_and_beside_their_marks(frozen, tmp_path):
    app = make_app(frozen, tmp_path, seed=3)
    async with app.run_test(size=SMALL) as pilot:
        await start(pilot)
        widget = app.screen.query_one("#map-narrow", EuphratesMap)
        assert widget.draw_width <= 32  # the narrow map of a small window
        for roman, persian in ARMIES_AT:
            widget.show(roman, persian)
            rows, legend = map_rows(widget)
            names = {pid: widget._place_name(pid) for pid in widget.places}
            assert next_to_its_mark(rows, names[roman], ROMAN + PERSIAN), (roman, persian, rows)
            assert next_to_its_mark(rows, names[persian], PERSIAN + ROMAN), (roman, persian, rows)
            text = "\n".join(rows)
            for name in names.values():
                assert text.count(name) <= 1, (name, rows)
            for name in names.values():  # any name shown is beside its own dot or mark
                if name in text:
                    assert next_to_its_mark(rows, name, "•" + ROMAN + PERSIAN), (name, rows)
            assert "…" not in legend and "Romans" in legend and "Persians" in legend
        assert app.errors == []


async def test_the_map_follows_the_story_to_the_battle_at_80x24(frozen, tmp_path):
    app = make_app(frozen, tmp_path, seed=3)
    async with app.run_test(size=SMALL) as pilot:
        await start(pilot)
        while app.session.current.state.battle is None:
            view = app.session.current.view()
            widget = app.screen.query_one("#map-narrow", EuphratesMap)
            rows, legend = map_rows(widget)
            for pid in {view.place, view.enemy_at} - {None}:
                assert next_to_its_mark(rows, widget._place_name(pid), ROMAN + PERSIAN)
            assert "…" not in legend
            await take(pilot)


# -- scrolling --------------------------------------------------------------------------------


async def test_the_story_scrolls_by_the_keys_the_key_bar_and_help_name(frozen, tmp_path):
    app = make_app(frozen, tmp_path, seed=3)
    async with app.run_test(size=SMALL) as pilot:
        await start(pilot)
        while app.session.current.view().node_id != "holy_saturday_assembly":
            await take(pilot)
        assert "pgdn scroll" in key_bar(app)
        story = app.screen.query_one(Narrative)
        assert story.max_scroll_y > 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert story.scroll_y > 0
        await pilot.press("pageup")
        await pilot.pause()
        assert story.scroll_y == 0
        # with the focus elsewhere, the keys still scroll the story
        app.screen.query_one("#side-column").focus()
        await pilot.press("pagedown")
        await pilot.pause()
        assert story.scroll_y > 0 or app.screen.query_one("#side-column").scroll_y > 0
        # in the battle, the keys scroll the log
        while app.session.current.state.battle is None:
            await take(pilot)
        await take(pilot)
        await pilot.pause()
        assert "pgdn scroll" in key_bar(app)
        log = app.screen.query_one("#battle-log", VerticalScroll)
        assert log.max_scroll_y > 0 and log.scroll_y == log.max_scroll_y
        await pilot.press("pageup")
        await pilot.pause()
        assert log.scroll_y < log.max_scroll_y
    text = help_text().plain
    for key in ("pgdn", "pgup", "up/down", "tab"):
        assert re.search(rf"^\s*{re.escape(key)}\s+\S", text, re.M), key


# -- too small --------------------------------------------------------------------------------


def message(app) -> str:
    return words(app.screen.query_one("#too-small-text", Static).visual.plain)


async def test_below_80x24_the_game_says_how_big_it_needs_and_comes_back(frozen, tmp_path):
    app = make_app(frozen, tmp_path, seed=3)
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TooSmallScreen)
        assert message(app) == (
            "This window is 40x12; Callinicum 531 needs at least 80x24. Make it larger, "
            "or play in plain text with `callinicum play --plain`."
        )
        # nothing is taken blind: enter and the digits do nothing here
        await pilot.press("enter", "1", "a", "question_mark")
        await pilot.pause()
        assert isinstance(app.screen, TooSmallScreen)
        assert not app.playing
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert isinstance(app.screen, TitleScreen)
        await start(pilot)
        await take(pilot)
        decisions = list(app.session.current.decisions)
        await pilot.resize_terminal(79, 30)
        await pilot.pause()
        assert isinstance(app.screen, TooSmallScreen)
        assert message(app).startswith("This window is 79x30;")
        await pilot.resize_terminal(100, 23)
        await pilot.pause()
        assert message(app).startswith("This window is 100x23;")
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert isinstance(app.screen, CampaignScreen)
        assert app.session.current.decisions == decisions
        assert app.errors == []


async def test_the_branch_tree_comes_back_whole_after_a_window_too_small(frozen, tmp_path):
    app = make_app(frozen, tmp_path, seed=3)
    async with app.run_test(size=SMALL) as pilot:
        await start(pilot)
        await take(pilot)
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, BranchesScreen)
        await pilot.resize_terminal(40, 12)
        await pilot.pause()
        assert isinstance(app.screen, TooSmallScreen)
        await pilot.resize_terminal(*SMALL)
        await pilot.pause()
        assert isinstance(app.screen, BranchesScreen)
        tree = app.screen.query_one("#branch-tree", Tree)
        assert tree.region.width >= 20 and tree.region.height >= 3
        assert app.errors == []
