"""How `callinicum` starts: the title first, from the scenario's preview; the rest of the look, the
engine and the campaign behind it; a key pressed meanwhile is kept until the campaign is ready."""

from __future__ import annotations

import gc
import subprocess
import sys
import threading

from game.scenario import Preview
from game.session.store import Store
from game.tui.app import GAME_CSS, CallinicumApp
from game.tui.screens.campaign import CampaignScreen
from game.tui.screens.title import TitleScreen
from game.tui.widgets.menu import Menu

from .conftest import ROOT, open_number

PREVIEW = Preview(id="mini", title="Mini", subtitle="A test", intro="A short framing.\n\nA second paragraph.")


class Recorded(CallinicumApp):
    """The app as `callinicum` runs it, writing down when each part of the start happened."""

    def __init__(self, loader, events: list[str]) -> None:  # noqa: ANN001
        super().__init__(seed=1, loader=loader, preview=PREVIEW)
        self.events = events

    def title_composed(self) -> None:
        self.events.append("title composed")
        super().title_composed()

    def _read_game_css(self) -> None:
        if not self.stylesheet.has_source(str(GAME_CSS)):
            self.events.append("game look read")
        super()._read_game_css()


async def wait_until(pilot, condition, tries: int = 200) -> bool:  # noqa: ANN001
    for _ in range(tries):
        if condition():
            return True
        await pilot.pause(0.05)
    return condition()


async def test_the_title_comes_first_and_a_key_pressed_meanwhile_waits_for_the_campaign(mini, tmp_path):
    events: list[str] = []
    release = threading.Event()

    def loader():  # noqa: ANN202 - the worker thread's
        events.append("loading")
        release.wait(20)
        return mini, Store.open(tmp_path, mini)

    app = Recorded(loader, events)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TitleScreen)
        assert "A short framing." in app.export_screenshot().replace("&#160;", " ")
        assert await wait_until(pilot, lambda: "loading" in events)
        assert events[:3] == ["title composed", "game look read", "loading"]
        assert not app.loaded
        await pilot.press("enter")  # a new campaign, asked for before there is one
        await pilot.pause()
        assert isinstance(app.screen, TitleScreen)
        assert any("still loading" in n.message for n in app._notifications)
        release.set()
        assert await wait_until(pilot, lambda: isinstance(app.screen, CampaignScreen))
        assert app.loaded and app.session.current.decisions == []


def test_the_interface_imports_neither_the_engine_nor_the_scenario_models_before_the_title():
    """Nor PyYAML: the title's text is read from the shipped scenario without it (quickyaml)."""
    script = (
        "import sys, game.scenario, game.tui.app, game.tui.screens.title\n"
        "assert game.scenario.preview().title == 'Callinicum 531'\n"
        "print(sorted(m for m in sys.modules if m.startswith(('game.engine', 'game.session', 'pydantic', 'yaml'))"
        " or m in ('game.scenario.models', 'importlib.resources')))"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


async def test_the_garbage_collector_is_back_on_once_the_title_is_up(mini, tmp_path):
    gc.disable()  # as `callinicum` leaves it before importing the interface
    try:
        app = Recorded(lambda: (mini, Store.open(tmp_path, mini)), [])
        async with app.run_test(size=(100, 30)) as pilot:
            assert await wait_until(pilot, lambda: app.loaded)
            assert gc.isenabled()
    finally:
        gc.enable()


async def test_a_scenario_that_fails_to_load_leaves_with_its_problems(tmp_path):
    from game.scenario.errors import Problem, ScenarioLoadError

    def loader():  # noqa: ANN202
        raise ScenarioLoadError([Problem("scenario.yaml", 3, "start", "no such scene")])

    app = Recorded(loader, [])
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: not app.is_running, tries=100)
    assert app.return_code == 1


async def test_keys_faster_than_anyone_reads_still_let_a_full_collection_run(mini, tmp_path, monkeypatch):
    from game.tui import collector

    full: list[int] = []
    monkeypatch.setattr(collector, "QUIET", 600.0)  # the player never stops
    monkeypatch.setattr(collector, "EVERY", 2)
    monkeypatch.setattr(collector.gc, "collect", lambda *args: full.append(1) or 0)
    app = CallinicumApp(mini, Store.open(tmp_path, mini), seed=1)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("enter")  # the first thing done
        await pilot.pause()
        before = len(full)
        await pilot.pause()
        assert len(full) == before
        await pilot.press(str(open_number(app)))  # the second: the frame that shows it, then the pass
        assert await wait_until(pilot, lambda: len(full) > before)


async def test_the_title_menu_skips_what_cannot_be_done_and_answers_keys_and_clicks(mini, tmp_path):
    from game.tui.screens.help import HelpScreen

    app = CallinicumApp(mini, Store.open(tmp_path, mini), seed=1)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        menu = app.screen.query_one(Menu)
        assert menu.has_focus and menu.closed == {"continue"}  # no campaign to continue yet
        highlighted = lambda: menu.items[menu.highlighted].key  # noqa: E731
        assert highlighted() == "new"
        await pilot.press("down")
        assert highlighted() == "load"  # past "continue"
        await pilot.press("end")
        assert highlighted() == "quit"
        await pilot.press("down")
        assert highlighted() == "new"  # round again
        await pilot.press("up", "up")
        assert highlighted() == "help"
        assert "Continue the latest campaign" in menu.render().plain
        row = next(i for i, item in enumerate(menu.items) if item.key == "endings")
        help_row = next(i for i, item in enumerate(menu.items) if item.key == "help")
        await pilot.click(menu, offset=(menu.gutter.left + 2, menu.gutter.top + help_row))
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert row != help_row


async def test_full_collections_wait_for_a_quiet_moment_and_the_collector_is_left_as_it_was(
    mini, tmp_path, monkeypatch
):
    from game.tui import collector

    before = gc.get_threshold()
    full: list[int] = []
    monkeypatch.setattr(collector, "QUIET", 0.05)
    monkeypatch.setattr(collector.gc, "collect", lambda *args: full.append(1) or 0)
    app = CallinicumApp(mini, Store.open(tmp_path, mini), seed=1)
    async with app.run_test(size=(100, 30)) as pilot:
        assert gc.get_threshold()[2] == collector.NEVER  # no full pass in the middle of a key
        await pilot.pause()
        await pilot.press("enter")  # a new campaign: the player is busy
        assert await wait_until(pilot, lambda: bool(full))  # then reads: the full pass runs
    assert gc.get_threshold() == before
