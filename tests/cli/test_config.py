"""game/config.py: every environment variable the game heeds, read in one place and when asked."""

from __future__ import annotations

import re
import sys
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


def test_default_saves_dir_in_a_checkout():
    assert config.default_saves_dir() == ROOT / "saves"


def test_default_saves_dir_when_installed(tmp_path, monkeypatch):
    site = tmp_path / "site-packages"
    (site / "content" / "callinicum").mkdir(parents=True)
    monkeypatch.setattr(config, "DEFAULT_SCENARIO", site / "content" / "callinicum")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    from platformdirs import user_data_dir

    expected = Path(user_data_dir("callinicum531")) / "saves"
    assert config.default_saves_dir() == expected
    if sys.platform.startswith("linux"):
        assert expected == tmp_path / "data" / "callinicum531" / "saves"
    # a read-only checkout is not a place for saves either
    (site / "pyproject.toml").write_text("[project]\n")
    monkeypatch.setattr(config.os, "access", lambda path, mode: False)
    assert config.default_saves_dir() == expected


def test_saves_dir_option_then_environment_then_default_at_home(tmp_path, monkeypatch):
    monkeypatch.delenv("CALLINICUM_SAVES", raising=False)
    assert config.saves_dir() == config.default_saves_dir()
    monkeypatch.setenv("CALLINICUM_SAVES", "")
    assert config.saves_dir() == config.default_saves_dir()
    monkeypatch.setenv("CALLINICUM_SAVES", str(tmp_path / "env"))
    assert config.saves_dir() == tmp_path / "env"
    assert config.saves_dir(tmp_path / "opt") == tmp_path / "opt"
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CALLINICUM_SAVES", "~/mine")
    assert config.saves_dir() == tmp_path / "home" / "mine"


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
