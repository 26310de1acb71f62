"""Where playthroughs live on disk: the autosave, named slots, the branch records, endings found.

Layout, per scenario (so mods never mix with the campaign):
    <saves>/<scenario-id>/autosave.json        the latest playthrough, after every decision
    <saves>/<scenario-id>/slots/<name>.json    saves the player named
    <saves>/<scenario-id>/playthroughs.json    every playthrough (seed, decisions, chance, ending): the branch tree
    <saves>/<scenario-id>/endings.json         endings found, with when

A damaged file is reported (see `problems`, one line each) and never overwritten. A damaged
autosave is set aside, as soon as it is found, under a new name (`autosave.damaged.json`, its bytes
unchanged), so that the next autosave cannot replace it. The branch records and the endings found
are changed only under a lock on the scenario's folder (`.lock`), re-read inside it, so several
game processes saving into one folder never lose each other's records. A folder that cannot be
written is reported once ("this campaign is not being saved: ...") and play goes on.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from game import config
from game.errors import CallinicumError
from game.scenario.errors import escape_controls
from game.scenario.compiled import CompiledScenario
from game.session.branches import BranchRecord, BranchTree
from game.session.playthrough import Playthrough
from game.session.saves import (
    LEFT_AS_IT_IS,
    SET_ASIDE,
    MAX_SEED,
    SaveError,
    SaveFile,
    atomic_write,
    clean_label,
    from_playthrough,
    read_save,
    slot_filename,
    write_save,
)
from game.session.strict import Invalid, as_json, read, spec

MAX_RECORDS = 5_000
MAX_JSON_BYTES = 20_000_000
RECORDS_FORMAT = 1
LOCK_NAME = ".lock"
NOT_SAVING = "this campaign is not being saved"

try:  # one writer at a time changes the records: an advisory lock held only while it does
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX)
except ImportError:  # pragma: no cover - Windows
    import msvcrt

    def _lock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        while True:
            try:
                msvcrt.locking(fd, msvcrt.LK_LOCK, 1)  # retries for about 10 s, then raises
                return
            except OSError:
                continue


@dataclass(frozen=True, kw_only=True)
class _Record:
    IGNORES_EXTRA = True
    id: str = spec(str, max_length=64)
    seed: int = spec(int, ge=0, le=MAX_SEED)
    decisions: list[str] = spec(("list", str), max_length=10_000)
    ending: str | None = spec(str, None, optional=True)
    label: str = spec(str, "")
    updated: str = spec(str, "")
    # what the dice gave at each decision; absent in older files (the branch tree then replays them)
    chance: list[list[int]] | None = spec(("list", ("list", int)), None, optional=True, max_length=10_000)


@dataclass(frozen=True, kw_only=True)
class _Records:
    IGNORES_EXTRA = True
    format: int = spec(int, 1, ge=1)
    scenario: str = spec(str)
    playthroughs: list[_Record] = spec(("list", _Record), factory=list, max_length=MAX_RECORDS)


@dataclass(frozen=True, kw_only=True)
class _Endings:
    IGNORES_EXTRA = True
    format: int = spec(int, 1, ge=1)
    scenario: str = spec(str)
    found: dict[str, str] = spec(("dict", str, str), factory=dict)


@dataclass
class SlotInfo:
    name: str
    path: Path
    save: SaveFile | None
    error: str | None = None


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class _Damaged(CallinicumError):
    pass


def _no_long_numbers(text: str) -> int:
    if len(text.lstrip("-")) > 40:
        raise _Damaged(f"it holds a number of {len(text.lstrip('-')):,} digits")
    return int(text)


class Store:
    def __init__(self, root: Path, scenario: CompiledScenario):
        self.root = root
        self.scenario = scenario
        self.dir = root / scenario.id
        self.problems: list[str] = []  # one line each, in the order found; never repeated
        self._records_ok = True
        self._endings_ok = True
        self._autosave_checked = False
        self.not_saving: str | None = None  # why nothing is being saved, once it is known
        self._autosave_blocked = False  # a damaged autosave that could not be set aside is never replaced

    @classmethod
    def open(cls, saves: Path | None, scenario: CompiledScenario) -> Store:
        """The store of a scenario's saves; a folder that cannot be made is reported, not raised."""
        store = cls(saves or config.default_saves_dir(), scenario)
        try:
            store.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            store._cannot_save(exc)
        return store

    def _problem(self, line: str) -> None:
        line = escape_controls(line)
        if line not in self.problems:
            self.problems.append(line)

    def _cannot_save(self, exc: OSError) -> None:
        """Saving failed: say so once, plainly; play goes on, and later decisions try again."""
        if self.not_saving is not None:
            return
        reason = exc.strerror or str(exc)
        self.not_saving = f"{NOT_SAVING}: the saves folder {self.dir} cannot be written ({reason})"
        self._problem(self.not_saving)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the scenario folder's lock: the branch records and endings are re-read, changed and
        written inside it, so two processes never write over each other's records."""
        fd = os.open(self.dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            _lock(fd)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    # -- small JSON files ----------------------------------------------------------------------
    def _read_json(self, path: Path, model: type) -> Any:
        """The file's model; None if there is no file; False (and a problem) if it cannot be trusted."""
        if not path.exists() and not path.is_symlink():
            return None
        left = "it was left as it is and will not be updated this session"
        shown = escape_controls(path)
        try:
            if path.stat().st_size > MAX_JSON_BYTES:
                raise _Damaged("file is too large")
            with open(path, "rb") as f:
                raw = f.read(MAX_JSON_BYTES + 1)
            if len(raw) > MAX_JSON_BYTES:
                raise _Damaged("file is too large")
            data = json.loads(raw.decode("utf-8-sig"), parse_int=_no_long_numbers)
            if not isinstance(data, dict):
                raise _Damaged("not a record of this game")
            fmt = data.get("format", 1)
            if type(fmt) is int and fmt > RECORDS_FORMAT:
                self._problem(f"{shown}: written by a newer version of the game (format {fmt}); {left}")
                return False
            result = read(model, data)
            if getattr(result, "scenario", self.scenario.id) != self.scenario.id:
                raise _Damaged(f"it is for scenario '{result.scenario}', not '{self.scenario.id}'")  # type: ignore[attr-defined]
            return result
        except _Damaged as exc:
            self._problem(f"{shown}: damaged ({exc}); {left}")
        except OSError as exc:
            self._problem(f"{shown}: cannot be read ({exc.strerror or exc}); {left}")
        except (ValueError, Invalid, UnicodeDecodeError, RecursionError):
            self._problem(f"{shown}: damaged; {left}")
        return False

    def _write_json(self, path: Path, record: object) -> None:
        atomic_write(path, json.dumps(as_json(record), indent=1, ensure_ascii=False).encode("utf-8"))

    # -- the autosave and slots ----------------------------------------------------------------
    @property
    def autosave_path(self) -> Path:
        return self.dir / "autosave.json"

    @property
    def slots_dir(self) -> Path:
        return self.dir / "slots"

    def read(self, path: Path) -> SaveFile:
        """Read a save of this store's scenario; SaveError (one line) if it is damaged or foreign."""
        save = read_save(path)
        if save.scenario != self.scenario.id:
            raise SaveError(f"{path}: save is for scenario '{save.scenario}', not '{self.scenario.id}'")
        return save

    def _set_aside(self, reason: str) -> None:
        """An autosave that cannot be continued is renamed (its bytes unchanged), never overwritten;
        one line says what was wrong and where it went."""
        path = self.autosave_path
        for n in range(1, 1000):
            aside = path.with_name(f"autosave.damaged{'' if n == 1 else f'-{n}'}.json")
            if not aside.exists() and not aside.is_symlink():
                break
        else:  # pragma: no cover - a thousand damaged autosaves
            aside = path
        try:
            if aside == path:
                raise FileExistsError(17, "too many damaged autosaves kept")
            os.replace(path, aside)
        except OSError as exc:
            self._autosave_blocked = True
            self._problem(f"{reason}; it could not be set aside ({exc.strerror or exc}), so it was left as "
                          "it is and the autosave is not being written")
            return
        self._problem(f"{reason}; {SET_ASIDE} as {aside.name}")

    def _check_autosave(self) -> SaveFile | None:
        """The autosave, if there is one that can be continued; one that cannot is set aside."""
        self._autosave_checked = True
        path = self.autosave_path
        if not path.exists() and not path.is_symlink():
            self._autosave_blocked = False
            return None
        try:
            return self.read(path)
        except SaveError as exc:
            reason = str(exc).removesuffix(f"; {LEFT_AS_IT_IS}").removesuffix("; update the game to load it")
        self._set_aside(reason)
        return None

    def autosave(self, p: Playthrough, playthrough_id: str, label: str = "", *, record: bool = True) -> None:
        """Write the autosave and (unless `record` is False) the playthrough's branch record.

        A folder that cannot be written is reported once (see `not_saving`); play goes on."""
        try:
            if not self._autosave_checked:
                self._check_autosave()
            if not self._autosave_blocked:
                write_save(self.autosave_path, from_playthrough(p, label or "Autosave"))
            if record:
                self._record(p, playthrough_id, label)
            elif p.ending:
                self.record_ending(p.ending)
        except OSError as exc:
            self._cannot_save(exc)

    def latest(self) -> SaveFile | None:
        """The autosave to continue, if there is one; a damaged one is set aside (and reported)."""
        return self._check_autosave()

    def slot_path(self, name: str) -> Path:
        """The file of a named slot: always directly inside the slots folder."""
        path = self.slots_dir / slot_filename(name)
        assert path.parent == self.slots_dir and path.name not in ("", ".", "..")
        return path

    def save_slot(self, p: Playthrough, name: str) -> Path:
        """Save to a named slot; SaveError (one line) if the folder cannot be written."""
        path = self.slot_path(name)
        try:
            write_save(path, from_playthrough(p, clean_label(name) or "Save"))
        except OSError as exc:
            raise SaveError(escape_controls(f"{path}: cannot save here ({exc.strerror or exc})")) from None
        return path

    def slots(self) -> list[SlotInfo]:
        """Every named save, newest first; one that cannot be loaded carries its error and no save."""
        folder = self.slots_dir
        out: list[SlotInfo] = []
        if not folder.is_dir():
            return out
        for path in sorted(folder.glob("*.json")):
            try:
                out.append(SlotInfo(path.stem, path, self.read(path)))
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
        return [BranchRecord(r.id, r.seed, list(r.decisions), r.ending, r.label,
                             None if r.chance is None else [tuple(c) for c in r.chance])
                for r in data.playthroughs]

    def _record(self, p: Playthrough, playthrough_id: str, label: str) -> None:
        if p.ending:
            self.record_ending(p.ending)
        if not self._records_ok:
            return
        path = self.dir / "playthroughs.json"
        with self._locked():  # re-read inside the lock: another process may have added records
            data = self._read_json(path, _Records)
            if data is False:
                self._records_ok = False
                return
            records = data or _Records(scenario=self.scenario.id)
            kept = [r for r in records.playthroughs if r.id != playthrough_id]
            kept.append(_Record(id=playthrough_id, seed=p.seed, decisions=list(p.decisions), ending=p.ending,
                                label=clean_label(label), updated=_now(), chance=[list(c) for c in p.chance]))
            self._write_json(path, _Records(scenario=self.scenario.id, playthroughs=kept[-MAX_RECORDS:]))

    def tree(self) -> BranchTree:
        return BranchTree(self.scenario, self.records())

    def endings_found(self) -> dict[str, str]:
        data = self._read_json(self.dir / "endings.json", _Endings)
        if data is False:
            self._endings_ok = False
            return {}
        return dict(data.found) if data else {}

    def record_ending(self, ending: str) -> None:
        if not self._endings_ok:
            return
        with self._locked():
            found = self.endings_found()
            if not self._endings_ok or ending in found:
                return
            found[ending] = _now()
            self._write_json(self.dir / "endings.json", _Endings(scenario=self.scenario.id, found=found))
