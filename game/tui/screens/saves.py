"""Save and load: named slots with the campaign date and place and the real time they were saved.

A damaged save is listed with its one-line problem and cannot be chosen; a named save is never
changed on disk (a damaged autosave is set aside as autosave.damaged.json when it is found).
"""

from __future__ import annotations

from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from game.session.saves import SaveFile
from game.tui.errors import guarded
from game.tui.screens.base import Overlay
from game.tui.widgets.keybar import KeyBar


def when_saved(stamp: str) -> str:
    try:
        return datetime.fromisoformat(stamp).astimezone().strftime("%d %b %Y, %H:%M")
    except (TypeError, ValueError):
        return stamp or "unknown time"


def describe(save: SaveFile, ending_titles: dict[str, str]) -> Content:
    n = len(save.decisions)
    count = (f"  ·  {n} decision{'s' if n != 1 else ''}", "$muted")
    if save.ending:
        parts: list[str | tuple[str, str]] = [
            ("Ended: ", "$muted"),
            (ending_titles.get(save.ending, save.ending), "$accent"),
            count,
        ]
    else:
        parts = [(", ".join(x for x in (save.date, save.place) if x) or "The beginning", ""), count]
    parts += [(f"\nsaved {when_saved(save.saved_at)}", "$muted italic")]
    return Content.assemble(*parts)


class SaveScreen(Overlay):
    """Name a save; choosing an existing slot fills in its name to overwrite it."""

    AUTO_FOCUS = "#save-name"

    def compose(self) -> ComposeResult:
        view = self.game.session.current.view()
        suggestion = view.date or view.title or "Save"
        slots = self.game.store.slots()
        with Vertical(id="save-box", classes="overlay-box dialog"):
            yield Static(
                Content("Name this save, then press enter."), classes="dialog-text", markup=False
            )
            yield Input(
                value=suggestion, placeholder="name of the save", id="save-name", max_length=60
            )
            if slots:
                yield Static(
                    Content("Or choose a save to write over it:"),
                    classes="dialog-text",
                    markup=False,
                )
                yield OptionList(
                    *[Option(Content(s.name), id=s.name) for s in slots], id="save-slots"
                )
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#save-box").border_title = "Save the campaign"

    @on(OptionList.OptionSelected, "#save-slots")
    def _pick(self, event: OptionList.OptionSelected) -> None:
        name_input = self.query_one("#save-name", Input)
        name_input.value = event.option.id or ""
        name_input.focus()

    @on(Input.Submitted, "#save-name")
    @guarded
    def _save(self, event: Input.Submitted) -> None:
        name = event.value.strip()
        if not name:
            self.notify("A save needs a name.", severity="warning")
            return
        if self.game.save_as(name):
            self.dismiss()


class LoadScreen(Overlay):
    """The autosave and the named saves, newest first."""

    AUTO_FOCUS = "#load-list"

    def compose(self) -> ComposeResult:
        store = self.game.store
        titles = {e.id: e.title for e in self.game.scenario.endings}
        self.saves: dict[str, SaveFile] = {}
        options: list[Option | None] = []
        latest = store.latest()
        if latest is not None:
            self.saves["@autosave"] = latest
            options.append(
                Option(
                    Content.assemble(
                        ("Autosave", "bold $primary"),
                        ("  (the latest campaign)\n", "$muted"),
                        describe(latest, titles),
                    ),
                    id="@autosave",
                )
            )
        for slot in store.slots():
            if options:
                options.append(None)
            if slot.save is None:
                problem = (slot.error or "cannot be read").removeprefix(f"{slot.path}: ")
                options.append(
                    Option(
                        Content.assemble(
                            (slot.name, "bold"),
                            ("  cannot be loaded\n", "bold $error"),
                            (problem, "$error"),
                        ),
                        id=f"!{slot.name}",
                        disabled=True,
                    )
                )
                continue
            self.saves[slot.name] = slot.save
            options.append(
                Option(
                    Content.assemble(
                        (slot.save.label or slot.name, "bold"), "\n", describe(slot.save, titles)
                    ),
                    id=slot.name,
                )
            )
        with Vertical(id="load-box", classes="overlay-box"):
            if options:
                yield OptionList(*options, id="load-list")
            else:
                yield Static(
                    Content(
                        "There are no saves yet. Every decision is autosaved; press s in a campaign "
                        "to keep a named save."
                    ),
                    classes="dialog-text",
                    markup=False,
                )
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#load-box").border_title = "Load a campaign"
        self.game.flush_notices()

    @on(OptionList.OptionSelected, "#load-list")
    @guarded
    def _load(self, event: OptionList.OptionSelected) -> None:
        save = self.saves.get(event.option.id or "")
        if save is not None:
            self.game.load_save(save)
