"""The Textual app: screens wired to the session. It never decides an outcome; the session does.

`run_app` is what `callinicum play` calls. Every key is declared in `keys.py`, every screen lives
in `screens/`, the look in `title.tcss` (the title screen's, read first) and `callinicum.tcss` (the
rest of the game's, read once the title is drawn).
"""

from __future__ import annotations

import gc
import os
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events
from textual.app import App
from textual.css.query import NoMatches
from textual.screen import Screen

from game.tui.collector import QuietCollector
from game.tui.commands import GameCommands
from game.tui.errors import guarded, one_line
from game.tui.keys import keys
from game.tui.saving import AutosaveAfterFrame
from game.tui.screens.base import PlayScreen
from game.tui.screens.title import TitleScreen
from game.tui.screens.too_small import TooSmallScreen, fits
from game.tui.themes import DARK, LIGHT, THEMES

if TYPE_CHECKING:
    from collections.abc import Callable

    from textual.notifications import SeverityLevel

    from game.scenario.compiled import CompiledScenario
    from game.session.branches import BranchNode
    from game.session.playthrough import Playthrough
    from game.session.saves import SaveFile
    from game.session.store import Store

LOAD_AFTER_TITLE = 0.15  # seconds from composing the title to loading what it does not need
M_ARENA_MAX = -8  # glibc's mallopt parameter

# Absolute paths: subclasses of the app live elsewhere.
TITLE_CSS = Path(__file__).with_name("title.tcss")
GAME_CSS = Path(__file__).with_name("callinicum.tcss")


def release_free_memory() -> None:
    """Hand back to the system the memory the C allocator keeps after loading (glibc only)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def one_allocator_arena() -> None:
    """One arena for the C allocator (glibc only): the campaign loads in a thread, and what that
    thread frees would otherwise be kept in an arena of its own, out of the interface's reach."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").mallopt(M_ARENA_MAX, 1)
    except (OSError, AttributeError):
        pass


def import_play_screens() -> None:
    """The modules of the campaign, battle and ending screens, imported ahead of need, so that
    the first battle and the first ending of a campaign do not wait for them."""
    import game.tui.screens.battle
    import game.tui.screens.campaign
    import game.tui.screens.ending  # noqa: F401


PLAY_KINDS = ("campaign", "battle", "ending")
AHEAD = 9  # open choices whose next screen is prepared while the player reads: a digit each


def play_kind(p: Playthrough) -> str:
    """The play screen that shows this playthrough."""
    return "ending" if p.ending else "battle" if p.state.battle is not None else "campaign"


def play_screen(kind: str) -> PlayScreen:
    """A new screen for the campaign, a battle or an ending.

    Screens beyond the title are imported where they are first needed, so the title is up sooner.
    """
    if kind == "battle":
        from game.tui.screens.battle import BattleScreen

        return BattleScreen()
    if kind == "ending":
        from game.tui.screens.ending import EndingScreen

        return EndingScreen()
    from game.tui.screens.campaign import CampaignScreen

    return CampaignScreen()


class CallinicumApp(App[int]):
    CSS_PATH = TITLE_CSS  # the rest of the look is read once the title is drawn: _read_game_css
    TITLE = "Callinicum 531"
    BINDINGS = keys("quit", "help", "theme")
    COMMANDS = App.COMMANDS | {GameCommands}
    HORIZONTAL_BREAKPOINTS: ClassVar = [(0, "-tiny"), (70, "-narrow"), (110, "-wide")]
    VERTICAL_BREAKPOINTS: ClassVar = [(0, "-short"), (32, "-tall")]
    NOTIFICATION_TIMEOUT = 4

    def __init__(
        self,
        scenario: CompiledScenario | None = None,
        store: Store | None = None,
        seed: int | None = None,
        *,
        loader: Callable[[], tuple[CompiledScenario, Store]] | None = None,
        preview: object | None = None,
    ) -> None:
        """Either a loaded scenario and store, or a `loader` that the app runs behind the title
        screen (with a `preview` of the scenario's title and framing to show meanwhile)."""
        super().__init__()
        self.scenario = scenario  # type: ignore[assignment]
        self.store = store  # type: ignore[assignment]
        self.seed = seed
        self.session = None  # type: ignore[assignment]
        self.preview = preview
        self._loader = loader
        self.saves: AutosaveAfterFrame | None = None
        self.collector = QuietCollector(self)
        self._behind_title = False  # whatever loads behind the title has been started
        self._pending: str | None = None
        if scenario is not None and store is not None:
            self._attach(scenario, store)
            import_play_screens()
        self.for_players = False  # run_app sets it: no traceback ever reaches a player's terminal
        # every failure reported to the player (the tests read it)
        self.errors: list[BaseException] = []
        self._play_screens: dict[str, PlayScreen] = {}
        self._problems_shown = 0
        for theme in THEMES:
            self.register_theme(theme)
        # The theme is in place before the app starts, without the watcher: setting `self.theme`
        # here would have Textual parse the whole stylesheet a second time before the title.
        self.set_reactive(App.theme, DARK.name)
        self.stylesheet.set_variables(self.get_css_variables())
        self.set_class(True, f"-theme-{DARK.name}", update=False)

    def _attach(self, scenario: CompiledScenario, store: Store) -> None:
        from game.session.session import Session

        self.scenario = scenario
        self.saves = AutosaveAfterFrame(store, self.call_after_refresh)
        self.store = self.saves  # type: ignore[assignment]
        self.session = Session(scenario, self.store, self.seed)
        # The scenario, the engine and Textual are loaded for good: move them out of the garbage
        # collector's sight, and let its full passes wait for a moment the player is reading.
        gc.collect()  # what loading left behind goes first: frozen, it would stay for good
        gc.freeze()
        release_free_memory()
        self.collector.start()

    @property
    def loaded(self) -> bool:
        return self.session is not None

    @property
    def info(self) -> object:
        """The scenario's id, title, subtitle and intro: from the scenario, or its preview."""
        return self.scenario.info if self.scenario is not None else self.preview

    def on_mount(self) -> None:
        # The stack is always [Textual's blank default screen, the main screen, overlays...].
        self.push_screen(TitleScreen())

    def title_composed(self) -> None:
        """The title is composed, its first frame on the way: the rest of the look, the engine
        and the campaign load behind it a moment later, once the terminal has had the time to
        show it (on a busy machine, loading at once would hold the title back)."""
        if not self._behind_title:
            self._behind_title = True
            self.set_timer(LOAD_AFTER_TITLE, self._load_behind_title)

    def _load_behind_title(self) -> None:
        gc.enable()  # `callinicum` keeps the collector off until the title is up: run_app_loading
        self._read_game_css()
        if self._loader is not None and not self.loaded:
            one_allocator_arena()
            self.run_worker(self._load, thread=True, exclusive=True)

    def _read_game_css(self) -> None:
        """The look of every screen but the title, read once (after the title is drawn, or before
        any other screen is shown). Only the new sheet is parsed; the title's are cached."""
        key = str(GAME_CSS)
        if self.stylesheet.has_source(key):
            return
        self.stylesheet.add_source(GAME_CSS.read_text(encoding="utf-8"), read_from=(key, ""))
        self.stylesheet.update(self)

    def _load(self) -> None:
        assert self._loader is not None
        try:
            scenario, store = self._loader()
            scenario.forget_sources()  # its problems were reported (or there were none)
        except BaseException as exc:  # noqa: BLE001 - reported to the player, in words
            self.call_from_thread(self._load_failed, exc)
            return
        self.call_from_thread(self._loaded, scenario, store)
        import_play_screens()  # while the player reads the title

    def _loaded(self, scenario: CompiledScenario, store: Store) -> None:
        self._attach(scenario, store)
        if isinstance(self.main_screen, TitleScreen):
            self.main_screen.refresh_view()
        pending, self._pending = self._pending, None
        if pending is not None:
            getattr(self, f"action_{pending}")()

    def _load_failed(self, exc: BaseException) -> None:
        from game.scenario.errors import ScenarioLoadError

        if isinstance(exc, ScenarioLoadError):
            lines = [str(p) for p in exc.problems]
        else:
            lines = [f"callinicum: {type(exc).__name__}: {one_line(exc)}"]
        self.exit(None, 1, Text("\n".join(lines), no_wrap=False))

    def _wait_for_load(self, action: str) -> bool:
        """True when the campaign is not loaded yet: the action runs as soon as it is."""
        if self.loaded:
            return False
        self._pending = action
        self.notify("The campaign is still loading; a moment.", title="Loading")
        return True

    # -- a window too small to draw the game ---------------------------------------------------
    def on_resize(self, event: events.Resize) -> None:
        self.call_later(self.fit_window)

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        self.call_later(self.fit_window)

    def fit_window(self) -> None:
        """Below the size the game can draw, a plain message stands over the game until the
        window is large enough again; the game beneath waits as it was."""
        if not self.is_running or len(self.screen_stack) < 2:
            return
        screen = self.screen
        if fits(self.size):
            if isinstance(screen, TooSmallScreen):
                self.pop_screen()
        elif isinstance(screen, TooSmallScreen):
            screen.show_size(self.size)
        else:
            self.push_screen(TooSmallScreen())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Nothing but quit while the window is too small: no decision is ever taken blind.
        if self.is_running and isinstance(self.screen, TooSmallScreen):
            return action == "quit"
        return True

    @property
    def main_screen(self) -> Screen:
        return self.screen_stack[1] if len(self.screen_stack) > 1 else self.screen

    # -- showing the game --------------------------------------------------------------------
    @property
    def playing(self) -> bool:
        return self.session is not None and self.session.playthrough is not None

    def _close_overlays(self) -> None:
        while len(self.screen_stack) > 2:
            self.pop_screen()

    def show_play(self) -> None:
        """Show the current playthrough on the screen that fits it: campaign, battle or ending."""
        p = self.session.current
        kind = play_kind(p)
        self._close_overlays()
        self._read_game_css()
        self.collector.busy()
        main = self.main_screen
        if isinstance(main, PlayScreen) and main.kind == kind:
            main.refresh_view()
        else:
            screen = self._play_screen(kind)
            screen.ready_ahead()  # at the window's size now, if it changed since it was last ready
            screen.refresh_view()
            self.switch_screen(screen)
        self.flush_notices()
        if len(self._play_screens) < len(PLAY_KINDS):
            self.call_after_refresh(self._mount_play_screens)
        if not p.ending:
            self.call_after_refresh(self._prepare_ahead, p, len(p.decisions))

    def _prepare_ahead(self, p: Playthrough, taken: int, ahead: list[str] | None = None) -> None:
        """While the player reads, what each open choice would show, on the screen that would
        show it: one choice at a time (a key pressed meanwhile waits for one at most). Stops
        once the playthrough has moved on."""
        if not self.playing or p is not self.session.current or len(p.decisions) != taken:
            return
        from game.tui.ahead import peek  # the engine is not imported before the title is drawn

        if ahead is None:
            ahead = [o.id for o in p.options() if o.available][:AHEAD]
            if not ahead:
                return
        q = peek(p, ahead[0])
        screen = self._play_screens.get(play_kind(q)) if q is not None else None
        if q is not None and screen is not None and screen.composed:
            try:
                screen.ready_ahead()
                screen.prepare(q)
            except NoMatches:  # a screen taken down with the game, before its widgets
                return
            except Exception as exc:  # noqa: BLE001 - a head start only: the key draws it all anyway
                if not self.for_players:
                    raise
                self.log.error(f"preparing ahead: {type(exc).__name__}: {exc}")
                return
        if len(ahead) > 1:
            self.call_later(self._prepare_ahead, p, taken, ahead[1:])

    def _play_screen(self, kind: str) -> PlayScreen:
        """The screen of this kind, composed once and kept: moving between the campaign and a
        battle is a switch."""
        screen = self._play_screens.get(kind)
        if screen is None:
            screen = self._play_screens[kind] = play_screen(kind)
            self.install_screen(screen, f"play-{kind}")
        return screen

    def _mount_play_screens(self) -> None:
        """Compose and mount the play screens not yet shown, one at a time, after the frame that
        shows a decision (the player is reading): Textual composes a screen only when it is first
        shown, and the first battle and the first ending of a campaign would wait for it."""
        kind = next((k for k in PLAY_KINDS if k not in self._play_screens), None)
        if kind is None or not self.is_running:
            return
        screen = self._play_screen(kind)
        if not screen.is_running:
            self._get_screen(screen)  # mounted, not shown: its first draw waits for show_play
        if len(self._play_screens) < len(PLAY_KINDS):
            self.call_after_refresh(self._mount_play_screens)

    def previous_qualities(self) -> dict[str, int]:
        """The qualities before the last decision, so the panel can show what it changed."""
        p = self.session.current
        if len(p.states) < 2:
            return {}
        return {q.id: q.value for q in p.campaign.view(p.states[-2]).qualities}

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Textual's notify, but literal by default: messages here carry save names, choice labels,
        scenario text and paths, where `[my save]` would vanish and `[/b]` would crash the app."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def flush_notices(self) -> None:
        """Show the session's notice and any new problem with the saves (a damaged file, a folder
        that cannot be written), once each; each line says itself what became of the file."""
        if self.session is not None and self.session.notice:
            self.notify(
                self.session.notice,
                title=self.session.notice_title or "The save was replayed as far as it could be",
                severity="warning",
                timeout=10,
            )
            self.session.notice = None
        if self.store is None:
            return
        problems = self.store.problems[self._problems_shown :]
        self._problems_shown = len(self.store.problems)
        for problem in problems:
            self.notify(
                problem, title="Saves", severity="error", timeout=10
            )

    def command_open(self, action: str) -> bool:
        """Whether a palette command makes sense now."""
        if action in ("undo", "history", "save", "odds", "situation"):
            return self.playing
        if action == "chronicle":
            return self.playing and bool(self.session.current.ending)
        if action == "continue_campaign":
            return self.playing or self.store.autosave_path.exists()
        return True

    # -- decisions ---------------------------------------------------------------------------
    @guarded
    def action_choose(self, number: int) -> None:
        self.choose_number(number)

    def write_saves(self) -> None:
        """Write the autosave put off until after the last frame, before anything changes the
        playthrough again (see saving.py)."""
        if self.saves is not None:
            self.saves.write_pending()

    @guarded
    def choose_number(self, number: int) -> None:
        screen = self.screen
        if not isinstance(screen, PlayScreen) or screen.kind not in ("campaign", "battle"):
            return
        options = self.session.current.options()
        if not 1 <= number <= len(options):
            self.bell()
            self.clear_notifications()
            self.notify(
                f"There is no choice {number} here: the choices are 1 to {len(options)}."
                if options
                else "There is nothing to choose here.",
                title="No such choice",
                severity="warning",
            )
            return
        option = options[number - 1]
        if not option.available:
            self.clear_notifications()  # one notice at a time, however often the key is pressed
            self.notify(
                option.reason or "That is not open to you now.",
                title="Not open to you",
                severity="warning",
            )
            return
        self.write_saves()
        self.session.choose(option.id)
        self.show_play()

    @guarded
    def action_undo(self) -> None:
        if not self.playing:
            return
        self.write_saves()
        p = self.session.current
        label = p.record[-1].label if p.record else None
        if self.session.undo():
            self.notify(f"Taken back: {label}", title="Undone")
            self.show_play()
        else:
            self.notify("Nothing to undo: the campaign begins here.")

    # -- starting and resuming ---------------------------------------------------------------
    @guarded
    def action_new_campaign(self) -> None:
        if self._wait_for_load("new_campaign"):
            return
        self.write_saves()
        self.session.new()
        self.show_play()

    @guarded
    def action_continue_campaign(self) -> None:
        if self._wait_for_load("continue_campaign"):
            return
        self.write_saves()
        if self.playing or self.session.continue_latest() is not None:
            self.show_play()
        else:
            self.flush_notices()
            self.notify("There is no campaign to continue yet.", severity="warning")

    def load_save(self, save: SaveFile) -> None:
        self.write_saves()
        self.session.resume(save)
        self.notify(f"Loaded: {save.label or 'the campaign'}", title="Loaded")
        self.show_play()

    def save_as(self, name: str) -> bool:
        self.write_saves()
        path = self.session.save(name)
        self.notify(f"Saved as “{path.stem}”.", title="Saved")
        return True

    def branch_from(self, node: BranchNode) -> None:
        self.write_saves()
        self.session.branch_from(node)
        self.notify(
            f"A new road from decision {node.depth + 1}; the old ones are kept.", title="Branched"
        )
        self.show_play()

    # -- screens over the game ---------------------------------------------------------------
    def _overlay(self, screen_type: type[Screen], needs_play: bool = True) -> None:
        if isinstance(self.screen, screen_type):
            self.pop_screen()
            return
        if needs_play and not self.playing:
            self.notify("Begin or continue a campaign first.", severity="warning")
            return
        self._close_overlays()
        self._read_game_css()
        self.collector.busy()
        self.push_screen(screen_type())

    @guarded
    def action_history(self) -> None:
        from game.tui.screens.history import HistoryScreen

        self._overlay(HistoryScreen)

    @guarded
    def action_situation(self) -> None:
        from game.tui.screens.situation import SituationScreen

        self._overlay(SituationScreen)

    @guarded
    def action_save(self) -> None:
        from game.tui.screens.saves import SaveScreen

        self._overlay(SaveScreen)

    @guarded
    def action_load(self) -> None:
        if self._wait_for_load("load"):
            return
        from game.tui.screens.saves import LoadScreen

        self._overlay(LoadScreen, needs_play=False)

    @guarded
    def action_branches(self) -> None:
        if self._wait_for_load("branches"):
            return
        from game.tui.screens.branches import BranchesScreen

        self._overlay(BranchesScreen, needs_play=False)

    @guarded
    def action_endings(self) -> None:
        if self._wait_for_load("endings"):
            return
        from game.tui.screens.endings import EndingsScreen

        self._overlay(EndingsScreen, needs_play=False)

    @guarded
    def action_help(self) -> None:
        from game.tui.screens.help import HelpScreen

        self._overlay(HelpScreen, needs_play=False)

    @guarded
    def action_chronicle(self) -> None:
        if not (self.playing and self.session.current.ending):
            self.notify("The Chronicle is written when a campaign has ended.")
            return
        from game.tui.screens.chronicle import ChronicleScreen

        self._overlay(ChronicleScreen)

    @guarded
    def action_odds(self) -> None:
        from game.tui.screens.odds import OddsScreen

        self._overlay(OddsScreen)

    @guarded
    def action_to_title(self) -> None:
        self._close_overlays()
        if not isinstance(self.main_screen, TitleScreen):
            self.switch_screen(TitleScreen())

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT.name if self.theme == DARK.name else DARK.name

    def exit(self, result: int | None = None, return_code: int = 0, message: object | None = None) -> None:
        self.write_saves()  # the last decision's autosave is on disk before the game leaves
        self.collector.stop()
        super().exit(result, return_code, message)  # type: ignore[arg-type]

    def on_unmount(self) -> None:
        self.collector.stop()

    # -- failures ----------------------------------------------------------------------------
    def report_error(self, exc: BaseException) -> None:
        """A failure the player hears about in one line; the saves are never at risk."""
        from game.engine.campaign import EngineError
        from game.scenario.errors import escape_controls
        from game.session.saves import SaveError

        self.errors.append(exc)
        self.log.error(f"{type(exc).__name__}: {exc}")
        if isinstance(exc, EngineError):
            self.notify(one_line(exc), title="Not possible", severity="warning")
        elif isinstance(exc, SaveError):
            self.notify(one_line(exc), title="Save problem", severity="error", timeout=10)
        elif isinstance(exc, OSError):
            where = f": {escape_controls(exc.filename)}" if exc.filename else ""
            self.notify(
                f"{exc.strerror or one_line(exc)}{where}",
                title="The saves folder could not be used",
                severity="error",
                timeout=10,
            )
        else:
            try:
                from game.tui.screens.error import ErrorScreen

                self._read_game_css()
                self.push_screen(ErrorScreen(f"{type(exc).__name__}: {one_line(exc)}"))
            except Exception:  # noqa: BLE001 - the error screen itself failed: a toast is the last resort
                self.notify(one_line(exc), title="Something went wrong", severity="error")

    def _handle_exception(self, error: Exception) -> None:
        """Textual's last resort prints a traceback on exit; a player gets one line instead.

        Only the game proper (`run_app`) does this: under tests, or with CALLINICUM_DEBUG set,
        Textual's own behaviour is kept so that failures are loud where they should be.
        """
        try:
            self.write_saves()
        except Exception:  # noqa: BLE001 - leaving anyway; the failure in hand is the one to report
            pass
        if not self.for_players or os.environ.get("CALLINICUM_DEBUG"):
            super()._handle_exception(error)
            return
        self.errors.append(error)
        if self._return_code == 70:
            return  # already leaving with one line; a second failure adds nothing for the player
        self.exit(
            None,
            70,
            Text(
                f"callinicum: internal error: {type(error).__name__}: {one_line(error)}. "
                "Your campaign was saved after your last decision.",
                no_wrap=False,
            ),
        )


def run_app(scenario: CompiledScenario, store: Store, seed: int | None = None) -> int:
    app = CallinicumApp(scenario, store, seed)
    app.for_players = True
    app.run()
    return app.return_code or 0


def run_app_loading(
    loader: Callable[[], tuple[CompiledScenario, Store]], preview: object | None, seed: int | None = None
) -> int:
    """The game as `callinicum` starts it: the title first, the campaign loading behind it.

    `callinicum` turns the garbage collector off before it imports the interface: start-up makes
    many objects and frees few, and the collector's passes would hold back the title. The app
    turns it on again once the title is drawn, before the campaign loads.
    """
    app = CallinicumApp(seed=seed, loader=loader, preview=preview)
    app.for_players = True
    app.run()
    return app.return_code or 0
