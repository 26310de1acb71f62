"""The scenario as the game keeps it: a copy of a validated, checked scenario, on disk, read back
without pydantic, PyYAML or the checker.

Reading a scenario's YAML, validating it with the models and checking it costs a game process
pydantic, PyYAML, the models and the checker: about 15 MB that stay for the whole campaign, and a
quarter of a second. Once a scenario has passed them, `keep` writes its validated items as JSON into
the cache folder (`config.cache_dir`), under a name made of the digest of its files and of the code
that reads them; the next `load()` of the same files finds that copy (`find`), reads it into plain
records with the same fields and the same properties (`Record`, `traits`), and compiles it as
usual. A change to any file of the scenario or its mods, or to the game's scenario code, names
another copy, so an old one is never read for new files.

A copy is data: JSON, never code. It is read only if its own digest matches (a damaged copy is
never read, and is written again), and only if what it holds could come from a checked scenario:
its classes and fields are names, its id is an id (it names the folder of saves), and no text holds
a control character. Anything else wrong with it, or a copy that cannot be read or written, only
costs the time of validating the scenario again.
"""

from __future__ import annotations

import glob
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from game import config
from game.atomic import atomic_write
from game.scenario.errors import CONTROL as _CONTROL
from game.scenario.errors import ScenarioLoadError, display_path
from game.scenario.files import content_hash, listing, sha256
from game.scenario.sources import Sources
from game.scenario.traits import TRAITS

if TYPE_CHECKING:
    from game.scenario.compiled import CompiledScenario

_CLASS = re.compile(r"[A-Z][A-Za-z]{0,40}")
_FIELD = re.compile(r"[a-z][a-z0-9_]{0,40}")
_ID = re.compile(r"[a-z][a-z0-9_]{0,63}")

#: The version of the copy's layout; a copy of another version is never read.
FORMAT = 1
KEEP_PER_NAME = 6
TAG = "@"  # the key that names an item's class in the copy; no plain mapping of a scenario holds it
# the code that reads, validates and checks a scenario, and reads and compiles its copy: a copy made
# by other code is never read
_CODE = ("__init__.py", "models.py", "models_base.py", "battle_models.py", "battle_log.py", "traits.py",
         "frozen.py", "loader.py", "files.py", "sources.py", "yamlread.py", "errors.py", "expressions.py",
         "checker.py", "compiled.py", "record.py")


class Record:
    """One item of a scenario read back from its copy: its fields as attributes, frozen, in the
    order of the model's fields (iterating gives `(name, value)` pairs, as a model does)."""

    __slots__ = ()

    def __init__(self, **fields: Any):
        for name, value in fields.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen")

    def __iter__(self) -> Iterable[tuple[str, Any]]:  # type: ignore[override]
        return ((name, getattr(self, name)) for name in self.__slots__)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self)})"

    def __reduce__(self) -> tuple:
        """Pickled by its class's name and fields (the classes are made as copies are read, so a
        process started afresh, as the explorer's workers are on some systems, makes them again)."""
        return _rebuild, (type(self).__name__, self.__slots__, tuple(getattr(self, n) for n in self.__slots__))


def _rebuild(name: str, fields: tuple[str, ...], values: tuple[Any, ...]) -> Record:
    return _record_class(name, fields)(**dict(zip(fields, values)))


_classes: dict[tuple[str, tuple[str, ...]], type] = {}


def _record_class(name: str, fields: tuple[str, ...]) -> type:
    cls = _classes.get((name, fields))
    if cls is None:
        bases = (TRAITS[name], Record) if name in TRAITS else (Record,)
        cls = _classes[(name, fields)] = type(name, bases, {"__slots__": fields, "__module__": __name__})
    return cls


def _decode(obj: dict[str, Any]) -> Any:
    name = obj.pop(TAG, None)
    if name is None:
        return obj
    if not (isinstance(name, str) and _CLASS.fullmatch(name) and all(_FIELD.fullmatch(k) for k in obj)):
        raise ValueError("not a copy of a scenario")
    return _record_class(name, tuple(obj))(**obj)


def _text_is_safe(value: Any) -> bool:
    """No text in the copy holds what the YAML reader refuses in text: a control character."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _CONTROL.search(item):
                return False
        elif isinstance(item, Record):
            stack.extend(v for _, v in item)
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
    return True


def _encode(value: Any) -> Any:
    """A validated model (any object with `model_fields`), list or mapping as JSON data; each model
    tagged with its class's name."""
    fields = getattr(type(value), "model_fields", None)
    if fields is not None:
        out = {TAG: type(value).__name__}
        out.update((name, _encode(getattr(value, name))) for name in fields)
        return out
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        if TAG in value:
            raise ValueError(f"a mapping holds the key '{TAG}'")
        return {k: _encode(v) for k, v in value.items()}
    if value is None or isinstance(value, (str, int, float)):
        return value
    raise ValueError(f"cannot keep a {type(value).__name__}")


def _code_digest() -> bytes:
    here = Path(__file__).resolve().parent
    digest = sha256(str(FORMAT).encode())
    for name in _CODE:
        digest.update(name.encode() + b"\0" + (here / name).read_bytes())
    return digest.digest()


def _name(folder: Path, overlays: Sequence[Path]) -> tuple[str, list[tuple[str, Path]], str]:
    """The copy's file name, the scenario's files and their digest. ScenarioLoadError or OSError if
    the files cannot be listed or read (the loader will say why)."""
    files = listing(folder, list(overlays))
    content = content_hash(files)
    digest = sha256(_code_digest())
    for root in (folder, *overlays):  # the same files in another folder are another scenario
        digest.update(str(root.resolve()).encode() + b"\0")
    digest.update(content.encode())
    return f"{_stem(folder)}-{digest.hexdigest()[:24]}.json", files, content


def _stem(folder: Path) -> str:
    """The start of a copy's name: its folder's name, short enough for any file system."""
    return folder.resolve().name[:80]


def find(folder: Path, overlays: Sequence[Path]) -> CompiledScenario | None:
    """The scenario compiled from its kept copy, if there is one for these very files; None
    otherwise (no cache folder, no copy, a damaged copy, or files that cannot be read)."""
    where = config.cache_dir()
    if where is None:
        return None
    try:
        name, files, content = _name(folder, overlays)
        raw = (where / name).read_bytes()
    except (OSError, ScenarioLoadError):
        return None
    head, _, body = raw.partition(b"\n")
    from game.scenario.compiled import compile_scenario

    try:
        header = json.loads(head)
        if header != {"format": FORMAT, "content_hash": content, "sha256": sha256(body).hexdigest()}:
            return None
        scenario = json.loads(body, object_hook=_decode)
        if not (_ID.fullmatch(scenario.info.id) and _text_is_safe(scenario)):
            return None  # the id names the scenario's folder of saves
        return compile_scenario(scenario, Sources(files=[display_path(path) for _, path in files]), folder)
    except Exception:  # noqa: BLE001 - whatever is wrong with a copy, the files are read again
        return None


def keep(compiled: CompiledScenario, folder: Path, overlays: Sequence[Path]) -> Path | None:
    """Write the copy of a scenario that has been validated and checked; where it went, or None if
    it could not be written (nothing is said: the scenario is validated again next time)."""
    where = config.cache_dir()
    if where is None:
        return None
    try:
        name, _, content = _name(folder, overlays)
        if content != compiled.content_hash:  # a file changed while it was read
            return None
        body = json.dumps(_encode(compiled.scenario), ensure_ascii=False, separators=(",", ":")).encode()
        header = json.dumps({"format": FORMAT, "content_hash": content, "sha256": sha256(body).hexdigest()})
        atomic_write(where / name, header.encode() + b"\n" + body)
        _prune(where, _stem(folder))
    except (OSError, ScenarioLoadError, ValueError, RecursionError):
        return None
    return where / name


def keep_apart(folder: Path, overlays: Sequence[Path]) -> bool:
    """Have a child process read, validate, check and keep the scenario (`python -P -m
    game.scenario`); whether it kept it. It says nothing: a scenario it could not keep is read
    again by the caller, who reports what is wrong with it."""
    if config.cache_dir() is None:
        return False
    # -P: nothing from the folder the game was started in is imported by the child
    argv = [sys.executable, "-P", "-m", "game.scenario", *(f"--mod={mod}" for mod in overlays), "--", str(folder)]
    try:
        return subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=300).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _prune(where: Path, stem: str) -> None:
    """Keep the newest copies of scenarios from folders of this name (KEEP_PER_NAME): a modder
    who edits a scenario all day leaves no more than that behind."""
    copies = sorted(where.glob(f"{glob.escape(stem)}-{'[0-9a-f]' * 24}.json"), key=lambda p: p.stat().st_mtime,
                    reverse=True)
    for old in copies[KEEP_PER_NAME:]:
        os.unlink(old)

