"""What the game reads from its surroundings, in one place: the environment variables it heeds,
where the shipped scenarios are, and where saves go.

    CALLINICUM_SAVES   the saves folder, when `--saves DIR` is not given
    CALLINICUM_CACHE   where checked scenarios are kept (`game.scenario.frozen`); `off`: nowhere
    CALLINICUM_DEBUG   any value but empty: failures show Python's traceback (for developers)
    CALLINICUM_PURE    any value but empty or 0: the battle rules run from their sources, not
                       compiled (`game.engine.native`; the build reads it too, in setup.py)
    TEXTUAL_DRIVER     set by textual-serve: the game is running in a web browser
    TERM=dumb          a terminal that cannot draw progress

Every value is read when it is asked for, not when this module is imported, so a test or a shell
that changes the environment is heard. Nothing here imports more than the standard library
(platformdirs only when the per-user folder is wanted).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

ENV_SAVES = "CALLINICUM_SAVES"
ENV_DEBUG = "CALLINICUM_DEBUG"
ENV_CACHE = "CALLINICUM_CACHE"
ENV_PURE = "CALLINICUM_PURE"
ENV_TEXTUAL_DRIVER = "TEXTUAL_DRIVER"
#: The name the game's per-user data folder is kept under (and the distribution's name).
APP_NAME = "callinicum531"


def _shipped_content() -> Path:
    """The folder of shipped scenarios: package data in an installed wheel (game/content, mapped
    from the repository's content/ by pyproject.toml); the repository's content/ in a checkout,
    editable install included. (The package is installed as files, never zipped: its own folder
    is where `importlib.resources` would look, and importing that costs the title screen 10 ms.)"""
    package = Path(__file__).resolve().parent
    packaged = package / "content"
    if packaged.is_dir():
        return packaged
    return package.parent / "content"


#: The folder holding the shipped scenarios (callinicum, dara, satala) and schema.json.
CONTENT = _shipped_content()
#: The scenario shipped with the game, played when no other is named.
DEFAULT_SCENARIO = CONTENT / "callinicum"


def _env(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def debug(environ: Mapping[str, str] | None = None) -> bool:
    """Whether failures should be loud (a traceback) rather than one line for a player."""
    return bool(_env(environ).get(ENV_DEBUG))


def pure(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the battle rules are to run from their sources even where they were compiled."""
    return _env(environ).get(ENV_PURE, "") not in ("", "0")


def served(environ: Mapping[str, str] | None = None) -> bool:
    """Whether a Textual driver of its own was chosen (the web browser's, under `callinicum serve`)."""
    return bool(_env(environ).get(ENV_TEXTUAL_DRIVER))


def dumb_terminal(environ: Mapping[str, str] | None = None) -> bool:
    """A terminal that says it cannot move the cursor: no progress display is drawn on it."""
    return _env(environ).get("TERM") == "dumb"


def default_saves_dir() -> Path:
    """`saves/` in a checkout that can be written; otherwise the user's data directory."""
    checkout = DEFAULT_SCENARIO.parent.parent
    if (checkout / "pyproject.toml").exists() and os.access(checkout, os.W_OK):
        return checkout / "saves"
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME)) / "saves"


def saves_dir(explicit: Path | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """Where saves go: `--saves DIR` if given, else $CALLINICUM_SAVES if set, else the default."""
    if explicit is not None:
        return explicit
    chosen = _env(environ).get(ENV_SAVES, "").strip()
    if chosen:
        return Path(chosen).expanduser()
    return default_saves_dir()


def cache_dir(environ: Mapping[str, str] | None = None) -> Path | None:
    """Where the copies of checked scenarios are kept: $CALLINICUM_CACHE if set (`off`: none are
    kept), else the user's cache folder."""
    chosen = _env(environ).get(ENV_CACHE, "").strip()
    if chosen.lower() == "off":
        return None
    if chosen:
        return Path(chosen).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir(APP_NAME))
