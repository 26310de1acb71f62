"""The header: the scenario being played (not always Callinicum), the date and place, the stage, at any width."""

from __future__ import annotations

from pathlib import Path

import pytest

from game.scenario.compiled import load
from game.tui.widgets.header import GameHeader

from .conftest import make_app

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("folder, brand", [("content/dara", "DARA 530"), ("tests/scenarios/mini", "THE FORD")])
async def test_the_header_carries_the_scenario_title(folder, brand, tmp_path):
    app = make_app(load(ROOT / folder), tmp_path, seed=1)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        shown = app.screen.query_one(GameHeader).render_line(0).text
        assert shown.startswith(f" ✠ {brand} ")
        assert "CALLINICUM" not in shown


async def begun(app, pilot) -> GameHeader:
    """The campaign begun from the title, and the header of its screen."""
    await pilot.press("enter")
    for _ in range(10):
        await pilot.pause()
    return app.screen.query_one(GameHeader)


async def test_the_header_shows_the_title_and_stage_again_after_the_window_was_tiny(frozen, tmp_path):
    """Narrower than 70 columns the header leaves out the title and the stage; wider again, it
    shows them, whatever the screen's breakpoint class says while the line is drawn."""
    app = make_app(frozen, tmp_path, seed=3)
    async with app.run_test(size=(120, 40)) as pilot:
        header = await begun(app, pilot)
        for size, whole in (((60, 20), False), ((80, 24), True), ((69, 30), False), ((120, 40), True)):
            await pilot.resize_terminal(*size)
            for _ in range(10):
                await pilot.pause()
            line = header.render_line(0).text
            assert ("✠ CALLINICUM 531" in line) == whole, (size, line)
            assert ("I. " in line or "II. " in line) == whole, (size, line)  # the stage
            assert len(line) == size[0]


async def test_a_header_in_wide_characters_keeps_its_width_and_its_stage(frozen, tmp_path):
    """A date or a place in characters two cells wide (a mod in Japanese, say) is measured in
    cells: the line is the window's width, the date and place are cut short with an ellipsis, and
    the stage on the right is whole."""
    from rich.cells import cell_len

    app = make_app(frozen, tmp_path, seed=3)
    async with app.run_test(size=(100, 30)) as pilot:
        header = await begun(app, pilot)
        for where in ("カリニクムの川岸", "カリニクムの川岸" * 8):
            header.show("五三一年四月十九日", where, "VII. The river islands")
            await pilot.pause()
            line = header.render_line(0).text
            assert cell_len(line) == 100, line
            assert line.rstrip().endswith("VII. The river islands"), line
            assert line.startswith(" ✠ CALLINICUM 531 "), line
            assert ("…" in line) == (len(where) > 8), line
