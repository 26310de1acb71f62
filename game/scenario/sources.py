"""Where each item of a scenario lies in its files: the file and line that the compiler's and the
checker's messages name. The loader fills it as it reads; a scenario read from its kept copy
(`frozen`) has only the files' names."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from game.scenario.yamlread import Document


@dataclass
class Located:
    """Where one validated item came from."""

    file: str
    doc: Document
    base: tuple[str | int, ...]

    def line(self, *path: str | int) -> int:
        return self.doc.line_of(self.base + path)


@dataclass
class Sources:
    """The file and line of every item, by (section, id)."""

    items: dict[tuple[str, str], Located] = field(default_factory=dict)
    info: Located | None = None
    files: list[str] = field(default_factory=list)

    def at(self, section: str, item_id: str, *path: str | int) -> tuple[str, int]:
        loc = self.items.get((section, item_id))
        if loc is None:
            return (self.files[0] if self.files else "?", 1)
        return loc.file, loc.line(*path)
