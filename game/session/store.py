"""Where playthroughs live on disk: the autosave, named slots, the branch records, endings found.

Layout, per scenario (so mods never mix with the campaign):
    <saves>/<scenario-id>/autosave.json        the latest playthrough, after every decision
    <saves>/<scenario-id>/slots/<name>.json    saves the player named
    <saves>/<scenario-id>/playthroughs.json    every playthrough (seed, decisions, ending): the branch tree
    <saves>/<scenario-id>/endings.json         endings found, with when

A damaged file is reported (see `problems`) and never overwritten.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from game import DEFAULT_SCENARIO
from game.scenario.compiled import CompiledScenario
from game.session.branches import BranchRecord, BranchTree
from game.session.playthrough import Playthrough
from game.session.saves import SaveError, SaveFile, from_playthrough, read_save, slot_filename, write_save

MAX_RECORDS = 5_000


class _Record(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str = Field(max_length=64)
    seed: int
    decisions: list[str] = Field(max_length=10_000)
    ending: str | None = None
    label: str = ""
    updated: str = ""


class _Records(BaseModel):
    model_config = ConfigDict(extra="ignore")
    format: int = 1
    scenario: str
    playthroughs: list[_Record] = Field(default_factory=list, max_length=MAX_RECORDS)


class _Endings(BaseModel):
    model_config = ConfigDict(extra="ignore")
    format: int = 1
    scenario: str
    found: dict[str, str] = Field(default_factory=dict)


@dataclass
class SlotInfo:
    name: str
    path: Path
    save: SaveFile | None
    error: str | None = None


def default_saves_dir() -> Path:
    """`saves/` in a checkout; otherwise the user's data directory."""
    checkout = DEFAULT_SCENARIO.parent.parent
    if (checkout / "pyproject.toml").exists() and os.access(checkout, os.W_OK):
        return checkout / "saves"
    from platformdirs import user_data_dir

    return Path(user_data_dir("callinicum531")) / "saves"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Store:
    def __init__(self, root: Path, scenario: CompiledScenario):
        self.root = root
        self.scenario = scenario
        self.dir = root / scenario.id
        self.problems: list[str] = []
        self._records_ok = True
        self._endings_ok = True

    @classmethod
    def open(cls, saves: Path | None, scenario: CompiledScenario) -> Store:
        store = cls(saves or default_saves_dir(), scenario)
        store.dir.mkdir(parents=True, exist_ok=True)
        return store

    # -- small JSON files ----------------------------------------------------------------------
    def _read_json(self, path: Path, model: type[BaseModel]) -> BaseModel | None:
        if not path.exists():
            return None
        try:
            if path.stat().st_size > 20_000_000:
                raise ValueError("file is too large")
            return model.model_validate(json.loads(path.read_text("utf-8")))
        except (OSError, ValueError, ValidationError, UnicodeDecodeError, RecursionError):
            self.problems.append(f"{path}: damaged; it was left as it is and will not be updated this session")
            return False  # type: ignore[return-value]

    def _write_json(self, path: Path, model: BaseModel) -> None:
        import tempfile

        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(model.model_dump_json(indent=1).encode("utf-8"))
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise

    # -- the autosave and slots ----------------------------------------------------------------
    @property
    def autosave_path(self) -> Path:
        return self.dir / "autosave.json"

    def autosave(self, p: Playthrough, playthrough_id: str, label: str = "") -> None:
        write_save(self.autosave_path, from_playthrough(p, label or "Autosave"))
        self._record(p, playthrough_id, label)

    def latest(self) -> SaveFile | None:
        if not self.autosave_path.exists():
            return None
        try:
            return read_save(self.autosave_path)
        except SaveError as exc:
            self.problems.append(str(exc))
            return None

    def save_slot(self, p: Playthrough, name: str) -> Path:
        path = self.dir / "slots" / slot_filename(name)
        write_save(path, from_playthrough(p, name.strip() or "Save"))
        return path

    def slots(self) -> list[SlotInfo]:
        folder = self.dir / "slots"
        out: list[SlotInfo] = []
        if not folder.is_dir():
            return out
        for path in sorted(folder.glob("*.json")):
            try:
                out.append(SlotInfo(path.stem, path, read_save(path)))
            except SaveError as exc:
                out.append(SlotInfo(path.stem, path, None, str(exc)))
        out.sort(key=lambda s: s.save.saved_at if s.save else "", reverse=True)
        return out

    # -- branch records and endings ------------------------------------------------------------
    def records(self) -> list[BranchRecord]:
        data = self._read_json(self.dir / "playthroughs.json", _Records)
        if data is False:
            self._records_ok = False
            return []
        if data is None:
            return []
        return [BranchRecord(r.id, r.seed, list(r.decisions), r.ending, r.label) for r in data.playthroughs]  # type: ignore[union-attr]

    def _record(self, p: Playthrough, playthrough_id: str, label: str) -> None:
        if p.ending:
            self.record_ending(p.ending)
        if not self._records_ok:
            return
        path = self.dir / "playthroughs.json"
        data = self._read_json(path, _Records)
        if data is False:
            self._records_ok = False
            return
        records = data or _Records(scenario=self.scenario.id)
        kept = [r for r in records.playthroughs if r.id != playthrough_id]  # type: ignore[union-attr]
        kept.append(_Record(id=playthrough_id, seed=p.seed, decisions=list(p.decisions), ending=p.ending,
                            label=label, updated=_now()))
        self._write_json(path, _Records(scenario=self.scenario.id, playthroughs=kept[-MAX_RECORDS:]))

    def tree(self) -> BranchTree:
        return BranchTree(self.scenario, self.records())

    def endings_found(self) -> dict[str, str]:
        data = self._read_json(self.dir / "endings.json", _Endings)
        if data is False:
            self._endings_ok = False
            return {}
        return dict(data.found) if data else {}  # type: ignore[union-attr]

    def record_ending(self, ending: str) -> None:
        if not self._endings_ok:
            return
        found = self.endings_found()
        if not self._endings_ok or ending in found:
            return
        found[ending] = _now()
        self._write_json(self.dir / "endings.json", _Endings(scenario=self.scenario.id, found=found))
