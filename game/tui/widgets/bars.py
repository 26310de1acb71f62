"""Compact bars for the army and the qualities: a whole army fits in a narrow column."""

from __future__ import annotations

EIGHTHS = " ▏▎▍▌▋▊▉█"


def bar(value: float, maximum: float, cells: int) -> str:
    """A left-aligned bar of `cells` characters, in eighths of a cell, padded with spaces."""
    if cells <= 0:
        return ""
    if maximum <= 0:
        return " " * cells
    share = max(0.0, min(1.0, value / maximum))
    eighths = round(share * cells * 8)
    if value > 0 and eighths == 0:
        eighths = 1  # a unit that still has men never shows an empty bar
    full, part = divmod(eighths, 8)
    text = "█" * full + (EIGHTHS[part] if part else "")
    return text.ljust(cells)


def pips(value: int, maximum: int, on: str = "▰", off: str = "▱") -> str:
    """Discrete steps (morale 0-4, fatigue 0-2) as filled and empty pips."""
    value = max(0, min(maximum, value))
    return on * value + off * (maximum - value)
