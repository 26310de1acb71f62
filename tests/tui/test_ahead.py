"""What is made ready while the player reads: the screen a decision leads to is laid out, styled
and drawn before the key is pressed, so that the frame after the key shows it whole (the battle
log at its end, the orders, the story) with nothing left to draw but what Textual composes."""

from __future__ import annotations

from collections import Counter

from textual.color import Color
from textual.geometry import Region
from textual.containers import VerticalScroll
from textual.screen import Screen

from game.tui.screens.battle import BattleScreen
from game.tui.screens.campaign import CampaignScreen
from game.tui.themes import LIGHT
from game.tui.widgets.drawn import DrawnLines
from game.tui.widgets.header import GameHeader

from .conftest import make_app, open_number

SIZE = (120, 40)


async def read(pilot) -> None:
    """A player reading the screen: whatever the game prepares meanwhile is done."""
    for _ in range(30):
        await pilot.pause()


class FirstFrame:
    """What happens between a key and the first frame after the game took it: the lines the
    drawn widgets convert into cells (by kind of widget), the screens restyled, and the battle
    log's scroll position in that frame."""

    def __init__(self, app, monkeypatch) -> None:
        self.app = app
        self.watching = False
        self.shown = False
        self.converted: Counter[str] = Counter()
        self.restyled: list[str] = []
        self.log_scroll: tuple[float, int] | None = None
        convert, refresh, show_play = DrawnLines._convert, Screen._compositor_refresh, app.show_play
        update_styles = app.update_styles

        def counting_convert(widget, line, width, style):
            if self.watching:
                self.converted[type(widget).__name__] += 1
            return convert(widget, line, width, style)

        def framed(screen) -> None:
            refresh(screen)
            if self.watching and self.shown and screen is app.screen:
                self.watching = False
                if isinstance(screen, BattleScreen):
                    log = screen.query_one("#battle-log", VerticalScroll)
                    self.log_scroll = (log.scroll_y, log.max_scroll_y)

        def shown() -> None:
            show_play()
            self.shown = True

        def restyle(node, animate: bool = True) -> None:
            if self.watching and isinstance(node, Screen):
                self.restyled.append(type(node).__name__)
            update_styles(node, animate=animate)

        monkeypatch.setattr(DrawnLines, "_convert", counting_convert)
        monkeypatch.setattr(Screen, "_compositor_refresh", framed)
        monkeypatch.setattr(app, "show_play", shown)
        monkeypatch.setattr(app, "update_styles", restyle)

    async def press(self, pilot, key: str) -> None:
        self.converted.clear()
        self.restyled.clear()
        self.log_scroll = None
        self.shown, self.watching = False, True
        await pilot.press(key)
        await pilot.pause()
        assert not self.watching, "no frame followed the key"


def rows_drawn(frame: FirstFrame, monkeypatch) -> Counter[str]:
    """The rows each widget ("Type#id") draws in the frames `frame` watches: those Textual does
    not find kept (all of them, for a widget drawn at another width)."""
    from textual._styles_cache import StylesCache

    drawn: Counter[str] = Counter()
    render_widget = StylesCache.render_widget

    def counting(cache, widget, crop):
        if frame.watching:
            missing = [y for y in crop.line_range if y not in cache._cache or y in cache._dirty_lines]
            drawn[f"{type(widget).__name__}#{widget.id}"] += len(missing) if cache._width == widget.region.width else crop.height
        return render_widget(cache, widget, crop)

    monkeypatch.setattr(StylesCache, "render_widget", counting)
    return drawn


async def test_the_frame_after_a_key_finds_every_line_drawn_on_every_screen(frozen, tmp_path, monkeypatch):
    """From the title to the ending: each key's first frame converts no line of the story, the
    choices, the qualities, the army, the battle log, the orders or the ending's text (they were
    drawn while the player read), also for the keys that first open the battle and the ending."""
    app = make_app(frozen, tmp_path, seed=3)
    async with app.run_test(size=SIZE) as pilot:
        frame = FirstFrame(app, monkeypatch)
        await pilot.press("enter")
        await read(pilot)
        screens: list[str] = []
        while not app.session.current.ending and len(screens) < 60:
            before = type(app.screen).__name__
            await frame.press(pilot, str(open_number(app)))
            after = type(app.screen).__name__
            screens.append(f"{before}>{after}")
            assert frame.converted == Counter(), (before, after, frame.converted)
            await read(pilot)
        assert "CampaignScreen>BattleScreen" in screens
        assert "BattleScreen>CampaignScreen" in screens
        assert screens.count("BattleScreen>BattleScreen") >= 3
        assert screens[-1] == "CampaignScreen>EndingScreen"


async def test_the_battle_log_shows_its_end_in_the_frame_after_the_key(frozen, tmp_path, monkeypatch):
    """The log grows with every order; the first frame after each shows its last lines (and a
    log that fits its pane, from its top)."""
    app = make_app(frozen, tmp_path, seed=3)
    async with app.run_test(size=SIZE) as pilot:
        frame = FirstFrame(app, monkeypatch)
        await pilot.press("enter")
        await read(pilot)
        seen: list[tuple[float, int]] = []
        while app.session.current.state.battle is None or isinstance(app.screen, BattleScreen):
            await frame.press(pilot, str(open_number(app)))
            if isinstance(app.screen, BattleScreen):
                assert frame.log_scroll is not None
                seen.append(frame.log_scroll)
            await read(pilot)
            if app.session.current.ending or (seen and app.session.current.state.battle is None):
                break
        assert len(seen) >= 3
        assert all(y == end for y, end in seen), seen
        assert any(end > 0 for _, end in seen), "the log never ran past its pane: the test shows nothing"


async def test_a_screen_shown_again_keeps_its_styles_unless_the_theme_changed(frozen, tmp_path, monkeypatch):
    """Moving between the campaign and the battle does not restyle every widget of the screen
    shown, as Textual otherwise does; a theme chosen while the battle screen was out of view
    still reaches it, restyled before the key that shows it."""
    app = make_app(frozen, tmp_path, seed=3)
    async with app.run_test(size=SIZE) as pilot:
        frame = FirstFrame(app, monkeypatch)
        await pilot.press("enter")
        await read(pilot)
        await frame.press(pilot, str(open_number(app)))  # a decision on the campaign screen
        assert isinstance(app.screen, CampaignScreen)
        assert frame.restyled == []
        await pilot.press("t")  # the light theme, while the battle screen waits out of view
        await read(pilot)
        assert app.theme == LIGHT.name
        while app.session.current.state.battle is None:
            await frame.press(pilot, str(open_number(app)))
            await read(pilot)
        assert isinstance(app.screen, BattleScreen)
        assert frame.restyled == []  # restyled for the new theme while the player read
        panel = Color.parse(app.get_css_variables()["panel"])
        assert app.screen.query_one(GameHeader).styles.background == panel
        while isinstance(app.screen, BattleScreen):
            await frame.press(pilot, str(open_number(app)))
            await read(pilot)
        assert isinstance(app.screen, CampaignScreen)  # back to the campaign, the theme unchanged
        assert frame.restyled == []
        assert app.screen.query_one(GameHeader).styles.background == panel


async def test_the_battle_log_shows_its_end_when_the_window_changed_while_it_was_out_of_view(frozen, tmp_path):
    """The battle screen is made ready at the window's size while the player reads the campaign;
    a window made smaller or larger before the key that opens the battle still shows the log's
    end (from its top, where it fits), and a log that fits a window made larger later sits at the
    top of its pane."""
    for before, after in (((120, 40), (80, 24)), ((80, 24), (120, 40))):
        app = make_app(frozen, tmp_path / f"{before[0]}", seed=3)
        async with app.run_test(size=before) as pilot:
            await pilot.press("enter")
            await read(pilot)
            while not isinstance(app.screen, BattleScreen):
                if app.session.current.state.battle is not None or _opens_battle(app):
                    await pilot.resize_terminal(*after)
                    await read(pilot)
                await pilot.press(str(open_number(app)))
                await read(pilot)
            log = app.screen.query_one("#battle-log", VerticalScroll)
            assert log.scroll_y == log.max_scroll_y, (before, after)
            if after == (80, 24):
                assert log.max_scroll_y > 0  # the log runs past the small pane: its end is shown
            else:
                assert log.scroll_y == 0  # it fits the large one, from its top
            await pilot.resize_terminal(130, 45)  # the battle in view, the window larger again
            await read(pilot)
            assert 0 <= log.scroll_y <= log.max_scroll_y


def _opens_battle(app) -> bool:
    """Whether the choice a player would press next begins the battle."""
    from game.tui.ahead import peek

    options = app.session.current.options()
    q = peek(app.session.current, options[open_number(app) - 1].id)
    return q is not None and q.state.battle is not None


async def test_the_first_frame_of_the_battle_draws_only_what_the_decision_changed(frozen, tmp_path, monkeypatch):
    """The battle screen, readied while the player reads the campaign, has every line drawn
    once: the key that first shows it draws again the header, the line of battle, the log and the
    orders, which the decision changes (and the screen's own background, which Textual redraws
    as it shows a screen), and no line of the panes around them."""
    app = make_app(frozen, tmp_path, seed=3)
    async with app.run_test(size=SIZE) as pilot:
        frame = FirstFrame(app, monkeypatch)
        drawn = rows_drawn(frame, monkeypatch)
        await pilot.press("enter")
        await read(pilot)
        while not isinstance(app.screen, BattleScreen):
            drawn.clear()
            await frame.press(pilot, str(open_number(app)))
            await read(pilot)
        assert drawn["BattleLine#battle-line"] > 0 and drawn["ChoiceList#battle-choices"] > 0
        panes = {k: n for k, n in drawn.items() if k.split("#")[0] in ("Horizontal", "VerticalScroll")}
        assert panes and not any(panes.values()), panes


async def test_a_campaign_key_redraws_only_the_rows_of_the_panels_that_changed(frozen, tmp_path, monkeypatch):
    """A decision that moves two qualities of seven, or the armies on the map, draws again those
    rows of the panel and no other (Textual draws each row of a widget refreshed as a whole through
    its border, padding and filters); what the panels show afterwards is what they would draw from
    nothing."""
    from game.tui.widgets.map import EuphratesMap
    from game.tui.widgets.qualities import QualitiesPanel

    app = make_app(frozen, tmp_path, seed=3)
    async with app.run_test(size=SIZE) as pilot:
        frame = FirstFrame(app, monkeypatch)
        drawn = rows_drawn(frame, monkeypatch)

        def rows(widget) -> list[str]:
            return [widget.render_line(y).text for y in range(widget.size.height)]

        await pilot.press("enter")
        await read(pilot)
        partly = {"QualitiesPanel#qualities": 0, "EuphratesMap#map-wide": 0}
        for _ in range(12):
            if not isinstance(app.screen, CampaignScreen) or app.session.current.ending:
                break
            screen = app.screen
            panels = [screen.query_one(QualitiesPanel), screen.query_one("#map-wide", EuphratesMap)]
            before = [(p.size, rows(p)) for p in panels]
            drawn.clear()
            await frame.press(pilot, str(open_number(app)))
            if app.screen is not screen:
                break
            for panel, (size, old) in zip(panels, before):
                new = rows(panel)
                name = f"{type(panel).__name__}#{panel.id}"
                if panel.size != size:  # laid out again: drawn whole
                    continue
                changed = sum(1 for a, b in zip(old, new) if a != b)
                assert drawn[name] == changed, (name, drawn[name], changed)
                if 0 < changed < panel.size.height:
                    partly[name] += 1
                # what the screen shows of it (the rows Textual keeps) is what it would draw from nothing
                whole = Region(0, 0, panel.outer_size.width, panel.outer_size.height)
                kept = [strip.text for strip in panel.render_lines(whole)]
                panel._styles_cache.clear()
                assert kept == [strip.text for strip in panel.render_lines(whole)], name
            await read(pilot)
        assert all(partly.values()), partly


async def test_the_choices_are_laid_out_again_after_a_key_taken_with_the_mouse_over_them(frozen, tmp_path):
    """With the mouse resting on a choice, the key (or the click) that takes it leaves the next
    choices whole: the list's height is its new number of lines, however many the old list had
    (un-hovering it first redrew it at the old height)."""
    from game.tui.screens.base import PlayScreen
    from game.tui.widgets.choices import ChoiceList

    app = make_app(frozen, tmp_path, seed=3)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await read(pilot)
        heights = []
        for step in range(12):
            if app.session.current.ending or not isinstance(app.screen, PlayScreen):
                break
            listed = next(c for c in app.screen.query(ChoiceList) if c.display and c.size.area)
            assert listed.size.height == len(listed.lines(listed.draw_width)), (step, heights)
            number = open_number(app)
            y = next(y for y in range(listed.size.height) if listed._number_at(y) == number)
            at = (listed.styles.gutter.left + 2, listed.styles.gutter.top + y)
            await pilot.hover(listed, offset=at)
            await read(pilot)
            assert listed.hover == number
            if step % 2:
                await pilot.click(listed, offset=at)
            else:
                await pilot.press(str(number))
            await read(pilot)
            for shown in app.screen.query(ChoiceList):
                if shown.display and shown.size.area:
                    heights.append((shown.size.height, len(shown.lines(shown.draw_width))))
        assert len(heights) >= 6 and all(h == n for h, n in heights), heights
        assert len({n for _, n in heights}) > 1, "the lists taken differ in length"
