"""The header names the scenario being played, not always Callinicum."""

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
