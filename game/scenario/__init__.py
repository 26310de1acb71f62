"""The scenario layer: a folder of YAML files becomes the `CompiledScenario` the engine runs.

The front door, for the command line, the session and the interface alike:

    load(path_or_name, mods)     find, read, validate, compile and check a scenario; the checker's
                                 errors stop it (ScenarioLoadError, every problem as file:line);
                                 files that passed before are read from the copy kept of them
    check(path_or_name, mods)    the same, but giving the scenario with every finding, warnings
                                 included, and stopping only where it cannot be compiled
    locate(path_or_name, mods)   the folders a scenario would be read from, or why it cannot be
    preview(path_or_name, mods)  its title and framing, read without validating anything

A scenario is named by its folder or, for the shipped ones, by its name (`dara`). Behind the door,
in the order a scenario passes through them: `files` (which files, their limits and digest),
`yamlread` (safe YAML that remembers lines), `loader` (limits on items, pydantic models; `sources`
keeps where each item lies), `compiled` (state layout, expressions, references), `checker` (what
the types cannot see), and `frozen` (the copy of a checked scenario that later loads read
instead); `errors` holds `Problem` and `ScenarioLoadError`.

Importing this package costs next to nothing: the models and the compiler are imported by the
first `load()`, so that a title screen can be drawn from `preview()` while they load.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from game.config import CONTENT, DEFAULT_SCENARIO
from game.scenario.errors import Problem, ScenarioLoadError, display_path

if TYPE_CHECKING:
    from collections.abc import Sequence

    from game.scenario.compiled import CompiledScenario

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def shipped(name: str) -> Path | None:
    """The folder of the shipped scenario with this name (a scenario id), if the game has one."""
    if not _NAME.match(name):
        return None
    folder = CONTENT / name
    return folder if (folder / "scenario.yaml").is_file() else None


def locate(path_or_name: Path | str | None = None,
           mods: Sequence[Path | str] = ()) -> tuple[Path, tuple[Path, ...]]:
    """The scenario's folder and its mods' folders: a folder as given, else a shipped scenario of
    that name; none given, the Callinicum campaign. A folder that is not there is a
    ScenarioLoadError ("no such scenario folder"), raised before anything is read."""
    if path_or_name is None:
        return DEFAULT_SCENARIO, tuple(Path(m) for m in mods)
    folder = Path(path_or_name)
    if not folder.is_dir():
        folder = shipped(str(path_or_name)) or folder
    missing = [root for root in (folder, *map(Path, mods)) if not root.is_dir()]
    if missing:
        raise ScenarioLoadError([Problem(display_path(root), 0, "", "no such scenario folder")
                                 for root in missing])
    return folder, tuple(Path(m) for m in mods)


def check(path_or_name: Path | str | None = None,
          mods: Sequence[Path | str] = ()) -> tuple[CompiledScenario, list[Problem]]:
    """The compiled scenario and the checker's findings (errors and warnings), for `callinicum
    check`. Raises ScenarioLoadError only where the scenario cannot be read or compiled."""
    from game.scenario.checker import check_scenario
    from game.scenario.compiled import compile_folder

    folder, overlays = locate(path_or_name, mods)
    scenario = compile_folder(folder, overlays)
    return scenario, check_scenario(scenario)


def load(path_or_name: Path | str | None = None, mods: Sequence[Path | str] = (), *,
         apart: bool = False) -> CompiledScenario:
    """A scenario ready to play, explore or replay. The checker's errors stop a scenario from being
    played, as `callinicum check` says: they are raised as a ScenarioLoadError with every problem
    found, each `file:line: field: message`. Warnings never stop it.

    A scenario that has passed is kept (`frozen`): loading the same files again reads that copy,
    without pydantic, PyYAML or the checker. `apart`: files not yet kept are read, validated,
    checked and kept by a child process, so that none of that stays in this one (the game's
    memory); where that fails, they are read here, and their problems raised as ever."""
    from game.scenario import frozen

    folder, overlays = locate(path_or_name, mods)
    kept = frozen.find(folder, overlays)
    if kept is None and apart and frozen.keep_apart(folder, overlays):
        kept = frozen.find(folder, overlays)
    if kept is not None:
        return kept
    scenario, findings = check(folder, overlays)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        raise ScenarioLoadError(errors)
    frozen.keep(scenario, folder, overlays)
    return scenario


_PREVIEWED = ("id", "title", "subtitle", "intro")


@dataclass(frozen=True)
class Preview:
    """What a title screen shows of a scenario before it has loaded."""

    id: str
    title: str
    subtitle: str | None = None
    intro: str | None = None


def preview(path_or_name: Path | str | None = None, mods: Sequence[Path | str] = ()) -> Preview:
    """The scenario's id, title and framing, read from its `scenario.yaml` (a mod's first) without
    validating anything; the folder's name as the title when there is nothing to read. Simple
    YAML is read without PyYAML (`quickyaml`), which the title screen would wait some 20 ms for."""
    from game.scenario.quickyaml import text_fields

    try:
        folder, overlays = locate(path_or_name, mods)
    except ScenarioLoadError:
        return Preview(id="", title=Path(path_or_name or DEFAULT_SCENARIO).name)
    for root in (*reversed(overlays), folder):
        path = root / "scenario.yaml"
        if not path.is_file():
            continue
        try:
            info: object = text_fields(path.read_text(encoding="utf-8"), "scenario", _PREVIEWED)
        except (OSError, UnicodeDecodeError):
            info = None
        if info is None:
            from game.scenario.yamlread import YamlProblem, read_yaml

            try:
                data = read_yaml(path).data
            except YamlProblem:
                break
            info = data.get("scenario") if isinstance(data, dict) else None
        if isinstance(info, dict):
            return Preview(id=_text(info.get("id")) or "", title=_text(info.get("title")) or "",
                           subtitle=_text(info.get("subtitle")), intro=_text(info.get("intro")))
    return Preview(id="", title=folder.name)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


__all__ = ["Preview", "check", "load", "locate", "preview", "shipped"]
