"""The title screen: the name, a short framing of 531, and the way in."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Center, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from game.tui.errors import guarded
from game.tui.keys import keys
from game.tui.screens.base import PlayScreen
from game.tui.text import paragraphs
from game.tui.widgets.menu import Menu, MenuItem

BANNER = (
    "╔═╗╔═╗╦  ╦  ╦╔╗╔╦╔═╗╦ ╦╔╦╗   ╔══ ══╗ ╔╗ ",
    "║  ╠═╣║  ║  ║║║║║║  ║ ║║║║   ╚═╗  ═╣  ║ ",
    "╚═╝╩ ╩╩═╝╩═╝╩╝╚╝╩╚═╝╚═╝╩ ╩   ══╝ ══╝ ═╩═",
)
MENU = (
    MenuItem("new", "New campaign", "enter"),
    MenuItem("continue", "Continue the latest campaign", "c"),
    MenuItem("load", "Load a saved campaign", "l"),
    MenuItem("branches", "The branch tree", "b"),
    MenuItem("endings", "Endings found", "e"),
    MenuItem("help", "Help and keys", "?"),
    MenuItem("quit", "Quit", "ctrl+q"),
)


class TitleScreen(PlayScreen):
    kind = "title"
    BINDINGS = keys("new", "continue", "load", "branches", "endings")
    AUTO_FOCUS = "#menu"

    def compose(self) -> ComposeResult:
        info = self.game.info
        with VerticalScroll(id="title-body"):
            if info.id == "callinicum":
                yield Static(Content("\n".join(BANNER)), id="title-banner", markup=False)
            else:
                yield Static(Content(info.title.upper()), id="title-banner", markup=False)
            yield Static(
                Content("✠  " + (info.subtitle or info.title) + "  ✠"),
                id="title-subtitle",
                markup=False,
            )
            paras = paragraphs(info.intro)
            with Center():
                yield Static(Content(paras[0] if paras else ""), id="title-intro", markup=False)
                yield Static(Content("\n\n".join(paras[1:])), id="title-intro-more", markup=False)
            with Center():
                yield Menu(MENU, id="menu")
            yield Static(id="title-status", markup=False)
        # No footer here: the menu shows its keys, and the title is up sooner without one.

    def draw(self) -> None:
        store = self.game.store
        if store is None:  # the campaign is still loading behind the title
            self.query_one("#title-status", Static).update(
                Content.assemble(("Loading the campaign…", "$muted"))
            )
            return
        latest = store.latest()
        self.query_one(Menu).show(closed={"continue"} if latest is None else ())
        found = len(store.endings_found())
        total = len(self.game.scenario.endings)
        status: list[str | tuple[str, str]] = [(f"{found} of {total} endings found", "$muted")]
        if latest is not None:
            titles = {e.id: e.title for e in self.game.scenario.endings}
            if latest.ending:
                status += [
                    ("  ·  last campaign ended: ", "$muted"),
                    (titles.get(latest.ending, latest.ending), ""),
                ]
            else:
                where = ", ".join(x for x in (latest.date, latest.place) if x) or "the beginning"
                status += [("  ·  last campaign: ", "$muted"), (where, "")]
        status += [
            ("\nctrl+p", "bold $primary"),
            (" every command   ", "$muted"),
            ("t", "bold $primary"),
            (" light or dark", "$muted"),
        ]
        self.query_one("#title-status", Static).update(Content.assemble(*status))
        self.game.flush_notices()

    @on(Menu.Selected)
    @guarded
    def _menu(self, event: Menu.Selected) -> None:
        action = {
            "new": "new_campaign",
            "continue": "continue_campaign",
            "load": "load",
            "branches": "branches",
            "endings": "endings",
            "help": "help",
            "quit": "quit",
        }[event.key]
        getattr(self.app, f"action_{action}")()

    def on_mount(self) -> None:
        # (PlayScreen.on_mount draws the menu first)
        self.game.title_composed()

    def on_screen_resume(self) -> None:
        self.refresh_view()
