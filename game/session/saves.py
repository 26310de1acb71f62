"""Saves: small, exact, and never lost.

A save records the scenario (id, version, content hash), the seed and the decisions; the state is
derived by replaying them. Writes are atomic (temporary file, flush, fsync, rename), so a crash
mid-write leaves the previous save whole. A damaged or foreign save is reported in one line and
never modified.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from game.engine.campaign import EngineError
from game.scenario.compiled import CompiledScenario
from game.session.playthrough import Playthrough

SAVE_FORMAT = 1
MAX_SAVE_BYTES = 1_000_000
SLOT_RE = re.compile(r"[^A-Za-z0-9 _.-]+")


class SaveError(Exception):
    """A save that cannot be read or written; the message is one line for the player."""


class SaveFile(BaseModel):
    """A playthrough on disk."""

    model_config = ConfigDict(extra="forbid")

    format: int = Field(SAVE_FORMAT, description="the save format's version")
    scenario: str
    scenario_version: str
    content_hash: str = ""
    seed: int = Field(ge=0, le=2**63 - 1)
    decisions: list[str] = Field(max_length=10_000)
    label: str = Field("", max_length=200)
    saved_at: str = ""
    date: str | None = None
    place: str | None = None
    ending: str | None = None


def from_playthrough(p: Playthrough, label: str = "") -> SaveFile:
    view = p.view()
    return SaveFile(
        scenario=p.scenario.id, scenario_version=p.scenario.scenario.info.version,
        content_hash=p.scenario.scenario.content_hash, seed=p.seed, decisions=list(p.decisions),
        label=label, saved_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        date=view.date, place=view.place_name, ending=p.ending,
    )


def read_save(path: Path) -> SaveFile:
    """Read and validate a save file without changing it."""
    try:
        size = path.stat().st_size
        if size > MAX_SAVE_BYTES:
            raise SaveError(f"{path}: not a save (file is too large: {size:,} bytes)")
        raw = path.read_bytes()
    except OSError as exc:
        raise SaveError(f"{path}: cannot read save: {exc.strerror or exc}") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise SaveError(f"{path}: damaged save (not valid JSON); the file was left as it is") from None
    if not isinstance(data, dict):
        raise SaveError(f"{path}: damaged save (not a save record); the file was left as it is")
    fmt = data.get("format")
    if isinstance(fmt, int) and fmt > SAVE_FORMAT:
        raise SaveError(f"{path}: save is from a newer version of the game (format {fmt}); update the game to load it")
    try:
        return SaveFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "save"
        raise SaveError(f"{path}: damaged save ({where}: {first['msg'].lower()}); the file was left as it is") from None


def write_save(path: Path, save: SaveFile) -> None:
    """Write atomically: the old file stays whole until the new one is complete on disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = save.model_dump_json(indent=2).encode("utf-8") + b"\n"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass


def slot_filename(name: str) -> str:
    """A safe file name for a save slot: no path separators, no dots at the start."""
    clean = SLOT_RE.sub("_", name).strip(" ._")[:60]
    return (clean or "save") + ".json"


def replay(scenario: CompiledScenario, save: SaveFile, until: int | None = None) -> tuple[Playthrough, str | None]:
    """Replay a save's decisions. Returns the playthrough and, if it had to stop early, why."""
    if save.scenario != scenario.id:
        raise SaveError(f"save is for scenario '{save.scenario}', not '{scenario.id}'")
    p = Playthrough.new(scenario, save.seed)
    decisions = save.decisions if until is None else save.decisions[: max(0, until)]
    for i, option_id in enumerate(decisions):
        try:
            p.choose(option_id)
        except EngineError as exc:
            return p, f"decision {i + 1} ('{option_id}') no longer exists in this version of the scenario: {exc}"
    return p, None
