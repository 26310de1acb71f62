"""Writing the battle log: each line is the battle's template for its key (game/scenario/battle_log.py)
filled with what happened. The explorer, which never reads the log, passes None for it, and
nothing is formatted then."""

from __future__ import annotations

from typing import Any

MEN = frozenset({"lost", "elost", "moved", "extra", "attack", "defend", "fallen", "force", "enemy", "losses",
                 "killed", "men"})  # counts of hundreds of men, shown as men
SIGNED = frozenset({"odds", "net"})


def explain(terms: list[tuple[int, str]]) -> str:
    """The modifiers of a score for the log: 'shaken -1, the river +2'."""
    return ", ".join(f"{why} {n:+d}" for n, why in terms if n)


def cap(name: str) -> str:
    """A name at the start of a sentence."""
    return name[:1].upper() + name[1:]


class Words:
    """The battle's log lines, and the names they show everywhere."""

    def __init__(self, templates: dict[str, str], commander: str, enemy_commander: str):
        self.templates = templates
        self.names = {"commander": commander, "Commander": cap(commander),
                      "enemy_commander": enemy_commander, "Enemy_commander": cap(enemy_commander)}

    def line(self, key: str, **fields: Any) -> str:
        shown = dict(self.names)
        for name, value in fields.items():
            if name in MEN:
                value = f"{value * 100:,}"
            elif name in SIGNED:
                value = f"{value:+d}"
            shown[name] = value
            if name == "unit":
                shown["Unit"] = cap(value)
        return self.templates[key].format_map(shown)

    def say(self, text: list[str] | None, key: str, **fields: Any) -> None:
        """Add a line to the log, if anyone reads it."""
        if text is not None:
            text.append(self.line(key, **fields))
