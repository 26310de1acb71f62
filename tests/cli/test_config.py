"""game/config.py: every environment variable the game heeds, read in one place and when asked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import MINI, ROOT

from game import config


@pytest.mark.parametrize(("value", "on"), [(None, False), ("", False), ("1", True), ("yes", True)])
def test_debug_follows_callinicum_debug(value, on, monkeypatch):
    if value is None:
        monkeypatch.delenv("CALLINICUM_DEBUG", raising=False)
    else:
        monkeypatch.setenv("CALLINICUM_DEBUG", value)
    assert config.debug() is on
    assert config.debug({"CALLINICUM_DEBUG": "1"}) is True and config.debug({}) is False


def test_served_and_dumb_terminals():
    assert config.served({"TEXTUAL_DRIVER": "textual_serve.driver:WebDriver"}) is True
    assert config.served({"TEXTUAL_DRIVER": ""}) is False and config.served({}) is False
    assert config.dumb_terminal({"TERM": "dumb"}) is True
    assert config.dumb_terminal({"TERM": "xterm-256color"}) is False and config.dumb_terminal({}) is False


def test_the_shipped_content():
    assert (config.CONTENT / "schema.json").is_file()
    assert config.DEFAULT_SCENARIO == config.CONTENT / "callinicum"
    assert (config.DEFAULT_SCENARIO / "scenario.yaml").is_file()


def test_saves_go_where_the_option_then_the_environment_then_the_default_say(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "default_saves_dir", lambda: tmp_path / "default")
    monkeypatch.setenv("CALLINICUM_SAVES", str(tmp_path / "env"))
    assert config.saves_dir(tmp_path / "opt") == tmp_path / "opt"
    assert config.saves_dir() == tmp_path / "env"
    assert config.saves_dir(environ={"CALLINICUM_SAVES": "  "}) == tmp_path / "default"
    assert config.saves_dir(environ={}) == tmp_path / "default"


def test_no_module_of_the_game_reads_the_environment_but_config():
    """The interface (game/tui) is left out until it reads CALLINICUM_DEBUG through config too."""
    readers = [str(path.relative_to(ROOT)) for path in sorted((ROOT / "game").rglob("*.py"))
               if path.name != "config.py" and "tui" not in path.parts
               and re.search(r"os\.environ|getenv\(", path.read_text(encoding="utf-8"))]
    assert readers == []


def test_a_save_folder_from_the_environment_is_where_play_saves(tmp_path, monkeypatch):
    from game.session.session import open_scenario

    monkeypatch.setenv("CALLINICUM_SAVES", "~/games")
    monkeypatch.setenv("HOME", str(tmp_path))
    scenario, store = open_scenario(MINI)
    assert store.dir == Path(tmp_path) / "games" / "mini" and scenario.id == "mini"
