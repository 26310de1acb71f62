"""Saves: small, exact, and never lost.

A save records the scenario (id, version, content hash), the seed and the decisions; the state is
derived by replaying them. Writes are atomic (temporary file, flush, fsync, rename), so a crash
mid-write leaves the previous save whole. A damaged or foreign save is reported in one line and
never modified.
"""

from __future__ import annotations

import dataclasses
import json
import re
import stat
import unicodedata
from datetime import datetime, timezone
from pathlib import Path

from game.engine.campaign import EngineError
from game.errors import CallinicumError
from game.scenario.compiled import CompiledScenario
from game.scenario.errors import CONTROL, escape_controls
from game.atomic import atomic_write
from game.session.playthrough import Playthrough
from game.session.strict import Invalid, as_json, read, spec

SAVE_FORMAT = 1
DAMAGED = "damaged save"  # the words of every report of a save that cannot be read
LEFT_AS_IT_IS = "the file was left as it is"  # what happens to it, unless it is the autosave:
SET_ASIDE = "it was set aside, unchanged,"  # "...; it was set aside, unchanged, as autosave.damaged.json"
MAX_SAVE_BYTES = 1_000_000
MAX_LABEL = 200
MAX_SEED = 2**63 - 1
MAX_NUMBER_DIGITS = 40  # a seed has at most 19; a longer number in a save is damage, not data
SLOT_MAX_CHARS = 60
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


class SaveError(CallinicumError):
    """A save that cannot be read or written; the message is one line for the player."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class SaveFile:
    """A playthrough on disk.

    Read strictly (`SaveFile.read`): `"seed": true` or `"format": "1"` is damage, never quietly
    read as a number.
    """

    format: int = spec(int, SAVE_FORMAT, ge=1, le=SAVE_FORMAT)  # the save format's version
    scenario: str = spec(str, pattern=r"^[a-z][a-z0-9_]*$", max_length=64)
    scenario_version: str = spec(str, max_length=500)  # a scenario's version is a line: 500 at most
    content_hash: str = spec(str, "", max_length=200)
    seed: int = spec(int, ge=0, le=MAX_SEED)
    decisions: list[str] = spec(("list", str), max_length=10_000)
    label: str = spec(str, "", max_length=MAX_LABEL)
    saved_at: str = spec(str, "", max_length=100)
    date: str | None = spec(str, None, optional=True, max_length=500)
    place: str | None = spec(str, None, optional=True, max_length=500)
    ending: str | None = spec(str, None, optional=True, max_length=200)

    @staticmethod
    def check_field(value: object) -> str | None:
        """The game never writes a control character into a save (labels are cleaned, ids cannot
        hold one); one found there is damage, and would reach the terminal if shown."""
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, str) and CONTROL.search(text):
                return "it holds a control character"
        return None

    @classmethod
    def read(cls, data: object) -> SaveFile:
        """A save from its parsed JSON; `Invalid` (where, and what is wrong) if it breaks a limit."""
        return read(cls, data)

    def to_json(self, indent: int | None = None) -> str:
        """The save as it is written to disk: its fields, in their order, as JSON."""
        return json.dumps(as_json(self), indent=indent, ensure_ascii=False,
                          separators=None if indent is not None else (",", ":"))


def clean_label(label: str) -> str:
    """A label on one line, short enough for a save."""
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in label).split())
    return text[:MAX_LABEL]


def from_playthrough(p: Playthrough, label: str = "") -> SaveFile:
    view = p.view()
    return SaveFile(
        scenario=p.scenario.id, scenario_version=p.scenario.info.version,
        content_hash=p.scenario.content_hash, seed=p.seed, decisions=list(p.decisions),
        label=clean_label(label), saved_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        date=view.date, place=view.place_name, ending=p.ending,
    )


class _TooLong(CallinicumError, ValueError):
    pass


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise _TooLong(f"it holds a number of {len(text.lstrip('-')):,} digits")
    return int(text)


def _parse_constant(name: str) -> float:
    raise _TooLong(f"it holds '{name}', which no save holds")


def read_save(path: Path) -> SaveFile:
    """Read and validate a save file without changing it. Every failure is one SaveError line,
    with the file's name and anything quoted from the file escaped (see `escape_controls`)."""
    shown = escape_controls(path)
    damaged = f"{shown}: {DAMAGED} ({{}}); {LEFT_AS_IT_IS}"
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise SaveError(f"{shown}: not a save (it is a folder)")
        if not stat.S_ISREG(info.st_mode):
            raise SaveError(f"{shown}: not a save (not a regular file)")
        if info.st_size > MAX_SAVE_BYTES:
            raise SaveError(f"{shown}: not a save (file is too large: {info.st_size:,} bytes)")
        with open(path, "rb") as f:
            raw = f.read(MAX_SAVE_BYTES + 1)
        if len(raw) > MAX_SAVE_BYTES:
            raise SaveError(f"{shown}: not a save (file is too large: more than {MAX_SAVE_BYTES:,} bytes)")
    except OSError as exc:
        raise SaveError(f"{shown}: cannot read save: {exc.strerror or escape_controls(exc)}") from None
    try:
        # utf-8-sig: a save re-saved by an editor that adds a byte-order mark still loads
        data = json.loads(raw.decode("utf-8-sig"), parse_int=_parse_int, parse_constant=_parse_constant)
    except _TooLong as exc:
        raise SaveError(damaged.format(str(exc))) from None
    except (UnicodeDecodeError, ValueError, RecursionError):  # JSONDecodeError is a ValueError
        raise SaveError(damaged.format("not valid JSON")) from None
    if not isinstance(data, dict):
        raise SaveError(damaged.format("not a save record"))
    fmt = data.get("format", SAVE_FORMAT)
    if type(fmt) is not int:
        raise SaveError(damaged.format("format: should be a whole number"))
    if fmt > SAVE_FORMAT:
        raise SaveError(f"{shown}: save is from a newer version of the game (format {fmt}); update the game to load it")
    try:
        return SaveFile.read(data)
    except Invalid as exc:
        raise SaveError(damaged.format(escape_controls(f"{exc.where or 'save'}: {exc.message}"))) from None


def write_save(path: Path, save: SaveFile) -> None:
    """Write a save atomically: the old file stays whole until the new one is complete on disk."""
    atomic_write(path, save.to_json(indent=2).encode("utf-8") + b"\n")


def slot_filename(name: str) -> str:
    """A safe file name for a save slot: letters and digits of any script, spaces, `_`, `.` and `-`;
    no path separators, no dots at the start, no control characters, no reserved device names,
    at most 60 characters. Anything else becomes `_`; an empty result becomes `save`."""
    text = unicodedata.normalize("NFKC", name)
    kept = "".join(ch if ch in " _.-" or (ch.isascii() and ch.isalnum())
                   or (not ch.isascii() and unicodedata.category(ch)[0] in "LNM") else "\0" for ch in text)
    clean = re.sub("\0+", "_", kept)
    clean = clean.strip(" ._")[:SLOT_MAX_CHARS].rstrip(" .")
    stem, dot, rest = clean.partition(".")
    if stem.rstrip().lower() in _WINDOWS_RESERVED:  # CON, NUL.txt, com1 ...: devices on Windows
        clean = f"{stem}_{dot}{rest}"
    return (clean or "save") + ".json"


def replay(scenario: CompiledScenario, save: SaveFile, until: int | None = None) -> tuple[Playthrough, str | None]:
    """Replay a save's decisions. Returns the playthrough and, if it had to stop early, why."""
    if save.scenario != scenario.id:
        raise SaveError(escape_controls(f"save is for scenario '{save.scenario}', not '{scenario.id}'"))
    return replay_decisions(scenario, save.seed, save.decisions if until is None else save.decisions[: max(0, until)])


def replay_decisions(scenario: CompiledScenario, seed: int, decisions: list[str]) -> tuple[Playthrough, str | None]:
    """Take the decisions by choice id as far as they still exist; say where and why it stopped."""
    p = Playthrough.new(scenario, seed)
    for i, option_id in enumerate(decisions):
        try:
            p.choose(option_id)
        except EngineError as exc:
            return p, escape_controls(
                f"decision {i + 1} ('{option_id}') no longer exists in this version of the scenario: {exc}")
    return p, None
