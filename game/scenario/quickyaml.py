"""A few text fields of one top-level mapping of a YAML file, read without PyYAML.

The title screen shows the scenario's title, subtitle and introduction before anything else has
loaded, and importing PyYAML alone costs it some 20 ms. This reads only the simplest YAML: the
block under `key:` at the start of a line, its entries `name: value` at one indentation, where a
wanted field's value is a plain one-line scalar that can only be a string or a literal block
(`|`, `|-`), and every other entry's value fits on its line (a plain scalar, or a string quoted
on one line). Whenever it meets anything else (flow collections, anchors, tags, folded blocks,
nested mappings, tabs, a wanted field that YAML would read as a number, a boolean or null...) it
gives up and returns None, and the caller reads the file with PyYAML: so what it does return is
what PyYAML reads there. It reads nothing outside the block: a mistake elsewhere in the file is the
loader's to report.
"""

from __future__ import annotations

import re
from collections.abc import Collection

_ENTRY = re.compile(r"(?P<indent> +)(?P<name>[A-Za-z_][A-Za-z0-9_]*):(?: +(?P<value>.*?))? *")
# a plain scalar that YAML reads as a string: it starts with a letter and holds no `#` and no
# `: ` (a comment, a mapping); the words YAML reads as booleans or null are left out below
_TEXT = re.compile(r"[A-Za-z](?:[^#:]|:(?! ))*")
_NOT_TEXT = frozenset(
    "y Y yes Yes YES n N no No NO true True TRUE false False FALSE on On ON off Off OFF null Null NULL".split())
# any other value that ends on its line: a plain scalar (a number, a word) or a quoted string
_ONE_LINE = re.compile(r"""[A-Za-z0-9.+](?:[^#:]|:(?! ))*|-[0-9.](?:[^#:]|:(?! ))*|"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'""")
_LITERAL = re.compile(r"\|(?P<chomp>-?)")


def text_fields(source: str, key: str, wanted: Collection[str]) -> dict[str, str] | None:
    """The `wanted` fields (those present) of the mapping under `key:` in `source`, as PyYAML reads
    them; None when the file holds anything this reader cannot read exactly as PyYAML would."""
    lines = source.split("\n")
    heads = [i for i, line in enumerate(lines) if _is_key_line(line, key)]
    if len(heads) != 1 or "\t" in source or "\r" in source or any(
            line.startswith(("---", "...", "%")) for line in lines):
        return None
    out: dict[str, str] = {}
    names: set[str] = set()
    indent = None
    i = heads[0] + 1
    while i < len(lines):
        line = lines[i]
        if not line.strip() or line.lstrip().startswith("#"):
            i += 1
            continue
        if not line.startswith(" "):
            break  # the next top-level key: the block is over
        m = _ENTRY.fullmatch(line)
        if m is None or m["name"] in names or (indent is not None and m["indent"] != indent):
            return None
        indent, name, value = m["indent"], m["name"], m["value"] or ""
        names.add(name)
        i += 1
        block = _LITERAL.fullmatch(value)
        if block is not None:
            text, i = _literal(lines, i, len(indent))
            if text is None:
                return None
            if name in wanted:
                out[name] = text if block["chomp"] else text + "\n"
        elif name in wanted:
            if _TEXT.fullmatch(value) is None or value in _NOT_TEXT or value.endswith(":"):
                return None
            out[name] = value
        elif _ONE_LINE.fullmatch(value) is None or value.endswith(":"):
            return None
    return out


def _is_key_line(line: str, key: str) -> bool:
    head, colon, rest = line.partition(":")
    return head == key and bool(colon) and (not rest.strip() or rest.lstrip().startswith("#"))


def _literal(lines: list[str], i: int, parent: int) -> tuple[str | None, int]:
    """The lines of a literal block scalar from line i on (indented past `parent`), joined and
    without its trailing blank lines; and the line after it. None where PyYAML might differ."""
    body: list[str] = []
    indent = None
    while i < len(lines):
        line = lines[i]
        if line.strip():
            width = len(line) - len(line.lstrip(" "))
            if width <= parent:
                break
            if indent is None:
                indent = width
            elif width < indent:
                return None, i
            body.append(line[indent:])
        elif line and (indent is None or len(line) > indent):
            return None, i  # a line of spaces alone that might be part of the text
        else:
            body.append("")
        i += 1
    while body and not body[-1]:
        body.pop()
    if indent is None or not body:
        return None, i
    return "\n".join(body), i
