"""The autosave of a decision is written just after the frame that shows it: before anything else
reads or changes what it saves, and before the game leaves."""

from __future__ import annotations

import json

from game.tui.saving import AutosaveAfterFrame

from .conftest import make_app


class Disk:
    """A store that writes down what is asked of it."""

    problems: list[str] = []

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def autosave(self, p, playthrough_id, label="", *, record=True):  # noqa: ANN001, ANN201
        self.calls.append(("autosave", p, playthrough_id, record))

    def latest(self):  # noqa: ANN201
        self.calls.append(("latest",))

    def endings_found(self) -> dict[str, str]:
        return {"old": "2026-01-01"}


class Ended:
    ending = "won"


def test_autosaves_wait_for_the_frame_and_come_before_anything_else_asked_of_the_store():
    disk, frames = Disk(), []
    saves = AutosaveAfterFrame(disk, frames.append)  # type: ignore[arg-type]
    saves.autosave("p1", "road")
    saves.autosave("p2", "road", record=False)
    assert disk.calls == [] and len(frames) == 1 and saves.pending
    saves.latest()
    assert disk.calls == [("autosave", "p1", "road", True), ("autosave", "p2", "road", False), ("latest",)]
    frames[0]()  # the frame came: nothing is left to write
    assert len(disk.calls) == 3 and not saves.pending
    assert saves.problems == [] and len(disk.calls) == 3  # reading an attribute writes nothing


def test_the_endings_found_count_one_whose_autosave_waits_without_writing_it():
    disk, frames = Disk(), []
    saves = AutosaveAfterFrame(disk, frames.append)  # type: ignore[arg-type]
    saves.autosave(Ended(), "road")
    assert set(saves.endings_found()) == {"old", "won"}
    assert disk.calls == [] and saves.pending


def autosaved(tmp_path, scenario_id: str) -> list[str]:  # noqa: ANN001
    return json.loads((tmp_path / scenario_id / "autosave.json").read_text())["decisions"]


async def test_a_decision_is_on_disk_after_its_frame_and_before_the_game_leaves(mini, tmp_path):
    app = make_app(mini, tmp_path, seed=1)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("1")
        await pilot.pause()
        assert not app.saves.pending
        assert autosaved(tmp_path, mini.id) == app.session.current.decisions
        option = next(o for o in app.session.current.options() if o.available)
        app.session.choose(option.id)  # a decision whose frame has not come yet
        assert app.saves.pending
        decisions = list(app.session.current.decisions)
        app.exit()
    assert autosaved(tmp_path, mini.id) == decisions


async def test_a_key_pressed_before_the_last_frame_finds_the_last_decision_saved(mini, tmp_path):
    app = make_app(mini, tmp_path, seed=1)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        option = next(o for o in app.session.current.options() if o.available)
        app.session.choose(option.id)
        first = list(app.session.current.decisions)
        app.action_undo()  # before any frame: the decision's autosave is written first
        assert app.session.current.decisions == []
        records = json.loads((tmp_path / mini.id / "playthroughs.json").read_text())["playthroughs"]
        assert [r["decisions"] for r in records] == [first]  # the road taken back is kept
