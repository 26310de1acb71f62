"""Every key of the game, declared once.

Screens take their bindings from here, so the footer, the help screen and the command palette
always agree. Each binding has an id (for keymaps) and a description the player reads.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


def _choose(n: int) -> Binding:
    return Binding(
        str(n),
        f"app.choose({n})",
        "choose",
        show=n == 1,
        key_display="1-9",
        id=f"choose-{n}",
        tooltip="Take the decision with this number",
    )


CHOOSE = [_choose(n) for n in range(1, 10)]

KEYS: dict[str, Binding] = {
    "quit": Binding(
        "ctrl+q",
        "quit",
        "quit",
        id="quit",
        tooltip="Leave the game (your campaign is autosaved)",
        priority=True,
    ),
    "help": Binding(
        "question_mark", "help", "help", key_display="?", id="help", tooltip="Every key, explained"
    ),
    "theme": Binding(
        "t",
        "toggle_theme",
        "theme",
        id="theme",
        show=False,
        tooltip="Switch between light and dark",
    ),
    "undo": Binding("u", "app.undo", "undo", id="undo", tooltip="Take back the last decision"),
    "history": Binding(
        "h",
        "app.history",
        "history",
        id="history",
        tooltip="What happened here, and who says so",
    ),
    "situation": Binding(
        "a",
        "app.situation",
        "situation",
        id="situation",
        tooltip="The army and the situation: supply, the men's temper",
    ),
    "scroll_down": Binding(
        "pagedown",
        "scroll_story(1)",
        "scroll",
        key_display="pgdn",
        id="scroll-down",
        priority=True,
        tooltip="Scroll the story a page down (or the pane tab moved to)",
    ),
    "scroll_up": Binding(
        "pageup",
        "scroll_story(-1)",
        "scroll up",
        key_display="pgup",
        show=False,
        id="scroll-up",
        priority=True,
        tooltip="Scroll the story a page up",
    ),
    "save": Binding(
        "s", "app.save", "save", id="save", tooltip="Save this campaign in a named slot"
    ),
    "load": Binding("l", "app.load", "load", id="load", tooltip="Load a saved campaign"),
    "branches": Binding(
        "b",
        "app.branches",
        "branches",
        id="branches",
        tooltip="The tree of every road you have taken",
    ),
    "endings": Binding(
        "e",
        "app.endings",
        "endings",
        id="endings",
        tooltip="The endings found, and hints at the rest",
    ),
    "chronicle": Binding(
        "c",
        "app.chronicle",
        "chronicle",
        id="chronicle",
        tooltip="Your campaign beside the history, as the chroniclers would tell it",
    ),
    "odds": Binding(
        "o",
        "app.odds",
        "odds",
        id="odds",
        tooltip="What were the odds? Each ending's chance, how rare yours was, where it turned",
    ),
    "title": Binding(
        "escape", "app.to_title", "title", id="to-title", tooltip="Back to the title screen"
    ),
    "back": Binding("escape", "back", "back", id="back", tooltip="Close this screen"),
    "new": Binding(
        "enter",
        "app.new_campaign",
        "new campaign",
        id="new-campaign",
        tooltip="Begin a new campaign",
    ),
    "new_n": Binding(
        "n", "app.new_campaign", "new campaign", id="new-campaign-n", tooltip="Begin a new campaign"
    ),
    "continue": Binding(
        "c",
        "app.continue_campaign",
        "continue",
        id="continue",
        tooltip="Continue the latest campaign",
    ),
    "branch_here": Binding(
        "b",
        "branch_here",
        "branch from here",
        id="branch-from-here",
        tooltip="Start a new playthrough from the highlighted decision",
    ),
    "save_confirm": Binding("enter", "confirm", "save", id="save-confirm", show=False),
    "load_confirm": Binding(
        "enter", "confirm", "load", id="load-confirm", tooltip="Load the highlighted save"
    ),
}


def keys(*names: str) -> list[Binding]:
    return [KEYS[n] for n in names]


@dataclass(frozen=True)
class HelpSection:
    title: str
    entries: tuple[tuple[str, str], ...]


def _entry(name: str) -> tuple[str, str]:
    b = KEYS[name]
    return (b.key_display or b.key, b.tooltip or b.description)


# The help screen's sections: (title, entries); an entry is a binding's name in KEYS, or
# (keys as shown, what they do) for keys that are not bindings of their own.
HELP: tuple[tuple[str, tuple[str | tuple[str, str], ...]], ...] = (
    (
        "Everywhere",
        ("help", "theme", ("ctrl+p", "The command palette: every command of the game by name"), "quit"),
    ),
    (
        "Title screen",
        ("new", "continue", "load", "branches", "endings", ("up/down", "Move in the menu; the mouse works too")),
    ),
    (
        "Campaign and battle",
        (
            ("1-9", CHOOSE[0].tooltip or CHOOSE[0].description),
            ("click", "Take the decision you click"),
            "scroll_down",
            "scroll_up",
            ("up/down", "Scroll the pane you are in a line; home, end: top, foot"),
            ("tab", "Move between the panes: story, orders, side panels"),
            *("situation", "undo", "history", "save", "load", "branches", "endings", "title"),
        ),
    ),
    ("The ending", ("chronicle", "odds", "new_n", "undo", "history", "branches", "endings", "title")),
    (
        "The branch tree",
        (("up/down", "Move between decisions"), ("enter", "Open or close a branch"), "branch_here", "back"),
    ),
    (
        "Saves",
        (("type, enter", "Name the save and keep it"), ("up/down, enter", "Load the highlighted save"), "back"),
    ),
)


def help_sections() -> list[HelpSection]:
    """The help screen's contents, built from the same bindings the screens use."""
    return [
        HelpSection(title, tuple(_entry(e) if isinstance(e, str) else e for e in entries))
        for title, entries in HELP
    ]


def all_help_keys() -> set[str]:
    return {key for section in help_sections() for key, _ in section.entries}
