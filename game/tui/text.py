"""Prose for the terminal: scenario text is shown exactly as written, never parsed as markup.

Scenario files hard-wrap their paragraphs for the editor; the screen wraps them again to its own
width, so single line breaks inside a paragraph become spaces and blank lines stay paragraphs.
"""

from __future__ import annotations

import re

from textual.content import Content

PHASE_LINE = re.compile(r"^\[(?P<time>[^\]]+)\]\s+(?P<title>.+)$")


def paragraphs(text: str | None) -> list[str]:
    """Paragraphs of hard-wrapped prose, each on one line."""
    if not text:
        return []
    out = []
    for block in re.split(r"\n\s*\n", text.strip()):
        joined = " ".join(line.strip() for line in block.splitlines() if line.strip())
        if joined:
            out.append(joined)
    return out


def reflow(text: str | None) -> str:
    """Hard-wrapped prose as paragraphs separated by one blank line."""
    return "\n\n".join(paragraphs(text))


def prose(text: str | None, style: str = "") -> Content:
    """Scenario prose as Content: brackets and markup-like text show exactly as written."""
    body = reflow(text)
    return Content.styled(body, style) if style else Content(body)


def plain(text: str | None) -> Content:
    """A line of scenario data (a label, a name) as literal Content."""
    return Content(text or "")


def men_text(hundreds: int) -> str:
    """Men are counted in hundreds in the scenario; show them as a soldier would say them."""
    return f"{hundreds * 100:,}"


def truncate(text: str, width: int) -> str:
    if width <= 0:
        return ""
    if len(text) <= width:
        return text
    if width == 1:
        return "…"
    return text[: width - 1].rstrip() + "…"


def short_name(name: str) -> str:
    """A unit's name without a leading article, for narrow columns."""
    return name[4:] if name.lower().startswith("the ") else name


def wrap_words(text: str, width: int, lines: int) -> list[str]:
    """Word-wrap into at most `lines` lines of `width`, truncating the last one."""
    words = text.split()
    out: list[str] = []
    current = ""
    for i, word in enumerate(words):
        candidate = f"{current} {word}".strip()
        if len(candidate) <= width:
            current = candidate
            continue
        if current:
            out.append(current)
        current = word
        if len(out) == lines - 1:
            rest = " ".join([current, *words[i + 1 :]])
            out.append(truncate(rest, width))
            return out
    if current:
        out.append(truncate(current, width))
    return out[:lines]
