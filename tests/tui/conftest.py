"""Fixtures for the Textual interface: scenarios, an app on a temporary saves folder, and a
player's hand on the keyboard."""

from __future__ import annotations

from pathlib import Path

import pytest

from game.scenario.compiled import CompiledScenario, load
from game.scenario.errors import ScenarioLoadError
from game.session.store import Store
from game.tui.app import CallinicumApp

from conftest import FROZEN, MINI, ROOT

CAMPAIGN = ROOT / "content" / "callinicum"


@pytest.fixture(scope="session")
def mini() -> CompiledScenario:
    return load(MINI)


@pytest.fixture(scope="session")
def campaign() -> CompiledScenario:
    """The shipped campaign; it is written in parallel, so a moment when it does not load skips."""
    try:
        return load(CAMPAIGN)
    except ScenarioLoadError as exc:  # pragma: no cover - depends on the content of the day
        pytest.skip(f"the campaign does not load right now ({len(exc.problems)} problems)")


@pytest.fixture(scope="session")
def frozen() -> CompiledScenario:
    return load(FROZEN)


def make_app(scenario: CompiledScenario, saves: Path, seed: int = 3) -> CallinicumApp:
    return CallinicumApp(scenario, Store.open(saves, scenario), seed=seed)


def open_number(
    app: CallinicumApp, *, historical: bool = True, avoid: set[str] = frozenset()
) -> int:
    """The number a player would press: the historical choice if open, else the first open one."""
    options = app.session.current.options()
    numbered = [(i, o) for i, o in enumerate(options, 1) if o.available and o.id not in avoid]
    if not numbered:
        numbered = [(i, o) for i, o in enumerate(options, 1) if o.available]
    if historical:
        for i, o in numbered:
            if o.historical:
                return i
    return numbered[0][0]


async def play_to_end(pilot, app: CallinicumApp, limit: int = 100, **how) -> list[str]:
    """Press digit keys until the campaign ends; returns the screens passed through."""
    seen: list[str] = []
    for _ in range(limit):
        if app.session.current.ending:
            break
        seen.append(type(app.screen).__name__)
        await pilot.press(str(open_number(app, **how)))
        await pilot.pause()
    await pilot.pause()
    return seen
