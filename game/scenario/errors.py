"""Errors a modder sees: always a file, a line, a field and a message in plain words."""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from game.errors import CallinicumError

# Characters that make a terminal act (ESC, BEL, CSI...), break a line, or reorder what is shown.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
#: Control characters a YAML escape ("\e", "\x9b", "\a") can still put in a value, which a terminal
#: would act on (set its title, clear the screen, write the clipboard); newline and tab are prose.
#: The YAML reader refuses them in text, and so do the readers of a kept copy (`frozen`) and a save.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def is_control(ch: str) -> bool:
    """A character that must never reach a terminal from a file: C0, DEL, C1, line and paragraph
    separators, lone surrogates and the bidirectional overrides."""
    return ch in _BIDI or unicodedata.category(ch) in _ESCAPED_CATEGORIES


def escape_controls(text: object) -> str:
    """Text from a file (content or a file name) made safe to print: every control character is
    written as an escape (`\\x1b`, `\\n`, `\\u202e`), so the message stays on one line and the
    terminal only ever receives printable characters. Every message that quotes a scenario, a mod
    or a save goes through here."""
    text = str(text)
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if not is_control(ch):
            out.append(ch)
        elif ch in _NAMED:
            out.append(_NAMED[ch])
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return "".join(out)


@dataclass(frozen=True, order=True)
class Problem:
    """One finding about a scenario: `file:line: field: message`."""

    file: str
    line: int  # 0 when the problem is with a folder, which has no lines
    field: str
    message: str
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        file = escape_controls(self.file)
        where = f"{file}:{self.line}:" if self.line else f"{file}:"
        field = f" {escape_controls(self.field)}:" if self.field else ""
        tag = " warning:" if self.severity == "warning" else ""
        return f"{where}{tag}{field} {escape_controls(self.message)}"


class ScenarioLoadError(CallinicumError):
    """Raised when a scenario cannot be loaded; carries every problem found at once."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def display_path(path: Path) -> str:
    """A path as a modder would type it: relative to the working directory when possible."""
    try:  # links are not resolved: a message names the file as it is in the folder, not its target
        return str(Path(os.path.abspath(path)).relative_to(Path(os.path.abspath(os.getcwd()))))
    except ValueError:
        return str(path)
