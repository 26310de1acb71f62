"""The header names the scenario being played, not always Callinicum."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from game.scenario.compiled import load

from .conftest import make_app

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("folder, brand", [("content/dara", "DARA 530"), ("tests/scenarios/mini", "THE FORD")])
async def test_the_header_carries_the_scenario_title(folder, brand, tmp_path):
    app = make_app(load(ROOT / folder), tmp_path, seed=1)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        shown = str(app.screen.query_one("#header-brand", Static).render())
        assert shown.strip() == f"✠ {brand}"
        assert "CALLINICUM" not in shown
