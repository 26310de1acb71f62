"""Which files a scenario is made of, the limits on them, and their digest.

Nothing here imports pydantic or PyYAML: the game reads the files' digest (`content_hash`) to
know whether the copy of a scenario it keeps (`game.scenario.frozen`) is still the scenario's.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Sequence
from pathlib import Path
from game.scenario.errors import Problem, ScenarioLoadError, display_path

# SHA-256 as the interpreter computes it itself, the same digests as hashlib's: importing hashlib
# sets up every digest OpenSSL offers, about 0.6 MB that a game playing from its kept copy never
# needs (CPython 3.12 and later name the module _sha2, 3.11 _sha256; hashlib where neither exists)
try:
    from _sha2 import sha256
except ImportError:
    try:
        from _sha256 import sha256  # type: ignore[no-redef]
    except ImportError:
        from hashlib import sha256  # type: ignore[no-redef]

MAX_FILES = 500
MAX_TOTAL_BYTES = 4_000_000  # all files together (the Callinicum campaign is about 0.5 MB)
MAX_FILE_BYTES = 2_000_000  # one file
IGNORED_DIRS = {"playthroughs", ".git", "__pycache__"}


def _walk(root: Path) -> list[tuple[str, Path]]:
    """The YAML files below `root`, by relative path; ignored folders are never entered, links to
    folders are not followed, and the listing stops soon after it has more than MAX_FILES."""
    found: list[tuple[str, Path]] = []
    for top, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in IGNORED_DIRS and not d.startswith("."))
        base = Path(top)
        for fname in sorted(names):
            path = base / fname
            if fname.startswith(".") or path.suffix not in (".yaml", ".yml") or not path.is_file():
                continue
            found.append((path.relative_to(root).as_posix(), path))
        if len(found) > 20 * MAX_FILES:
            break
    return found


def scenario_files(folder: Path, overlays: Sequence[Path] = ()) -> list[tuple[str, Path]]:
    """The YAML files of a scenario, by relative path; an overlay's files replace or add to them."""
    found: dict[str, Path] = {}
    for root in (folder, *overlays):
        found.update(_walk(root))
    return sorted(found.items())


def _outside(root: Path, path: Path) -> str | None:
    """Where a file that is a link out of its folder really is; None if it lies inside."""
    real = path.resolve()
    return None if real.is_relative_to(root.resolve()) else str(real)


def listing(folder: Path, overlays: list[Path]) -> list[tuple[str, Path]]:
    """The files to read, after the checks that need nothing but the listing: how many there are,
    how large they are together, and that none is a link that leaves its folder."""
    shown = display_path(folder)
    for root in (folder, *overlays):
        if not root.is_dir():
            raise ScenarioLoadError([Problem(display_path(root), 0, "", "no such scenario folder")])
    owner: dict[str, tuple[Path, Path]] = {}  # relative path -> (its folder, the file)
    for root in (folder, *overlays):
        owner.update((rel, (root, path)) for rel, path in _walk(root))
    files = sorted((rel, path) for rel, (_, path) in owner.items())
    if not files:
        raise ScenarioLoadError([Problem(shown, 0, "", "the folder holds no .yaml scenario files")])
    if len(files) > MAX_FILES:
        many = f"{len(files)}" if len(files) <= 20 * MAX_FILES else f"more than {20 * MAX_FILES:,}"
        raise ScenarioLoadError([Problem(shown, 0, "", f"too many files ({many}; at most {MAX_FILES})")])
    problems = []
    total = 0
    for rel, path in files:
        real = _outside(owner[rel][0], path)
        if real is not None:
            problems.append(Problem(display_path(path), 1, "", f"the file is a link to {real}, outside the "
                                    "scenario's folder; copy the file into the folder instead"))
            continue
        try:
            size = path.stat().st_size
        except OSError:
            continue  # reported when the file is read
        total += size if size <= MAX_FILE_BYTES else 0  # a file too large is reported on its own
    if problems:
        raise ScenarioLoadError(problems)
    if total > MAX_TOTAL_BYTES:
        raise ScenarioLoadError([Problem(shown, 0, "", f"the scenario's files are too large together "
                                         f"({total:,} bytes; the limit is {MAX_TOTAL_BYTES:,})")])
    return files


def file_digest(rel: str, raw: bytes) -> bytes:
    """What one file adds to a scenario's digest: its relative path and the digest of its bytes."""
    return rel.encode() + b"\0" + sha256(raw).digest()


def content_hash(files: Sequence[tuple[str, Path]]) -> str:
    """The digest of a scenario's files (`Scenario.content_hash`), as the loader computes it while
    it reads them. OSError if one cannot be read, or is larger than a file may be (MAX_FILE_BYTES:
    it is never read; the loader reports it)."""
    digest = sha256()
    for rel, path in files:
        real = path.resolve()
        if real.stat().st_size > MAX_FILE_BYTES:
            raise OSError(errno.EFBIG, "file is too large", str(path))
        with open(real, "rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise OSError(errno.EFBIG, "file is too large", str(path))
        digest.update(file_digest(rel, raw))
    return digest.hexdigest()[:16]
