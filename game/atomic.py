"""Files written whole or not at all: the saves, the store's records and the kept copies of
scenarios all go through `atomic_write`."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

TMP_SUFFIX = ".tmp"


def _tmp_prefix(path: Path) -> str:
    return f".{path.name}."


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name != "posix":  # os.kill would end the process there: never ask
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _sweep_stale(path: Path, max_age: float = 3600.0) -> None:
    """Remove temporary files left by writers that were killed mid-write (never a live writer's)."""
    prefix = _tmp_prefix(path)
    try:
        names = os.listdir(path.parent)
    except OSError:
        return
    now = time.time()
    for name in names:
        if not (name.startswith(prefix) and name.endswith(TMP_SUFFIX)):
            continue
        middle = name[len(prefix):-len(TMP_SUFFIX)]
        pid_text = middle.split(".", 1)[0]
        tmp = path.parent / name
        try:
            stale = (pid_text.isdigit() and not _alive(int(pid_text))) or now - tmp.stat().st_mtime > max_age
            if stale:
                tmp.unlink()
        except OSError:
            pass


def atomic_write(path: Path, data: bytes) -> None:
    """Write a file atomically: the old file stays whole until the new one is complete on disk.

    The temporary file (`.<name>.<pid>.<random>.tmp`, beside the target) is removed on any failure;
    one left by a process killed mid-write is removed by the next write to the same file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f"{_tmp_prefix(path)}{os.getpid()}.", suffix=TMP_SUFFIX, dir=path.parent)
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
    _sweep_stale(path)
