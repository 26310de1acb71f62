"""Safe YAML reading that remembers the line of every value.

PyYAML composes the document into nodes (which carry their marks); we build plain Python data
from those nodes ourselves, so no YAML tag can ever construct an object, aliases cannot explode,
and every value's line is known for error messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from game.errors import CallinicumError
from game.scenario.errors import CONTROL as _CONTROL
from game.scenario.files import MAX_FILE_BYTES

try:  # libyaml's composer is several times faster; the pure one behaves the same
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_DEPTH = 64
MAX_NODES = 200_000
MAX_NUMBER = 1_000_000  # the largest number a scenario file may hold, either sign (MODDING.md)
MAX_FLOW_DEPTH = 1_000  # libyaml's parser recurses on the C stack for [ and {: refuse absurd nesting first

Path_ = tuple[str | int, ...]

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class YamlProblem(CallinicumError):
    """A file that cannot be read as safe scenario YAML; `line` is 1-based."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class Document:
    """A YAML file's data, with the line where each value starts."""

    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    key_lines: dict[Path_, int] = field(default_factory=dict)

    def key_line(self, path: Path_) -> int:
        """The line of the key that names the value at `path` (falls back to the value's line)."""
        found = self.key_lines.get(tuple(path))
        return found if found is not None else self.line_of(path)

    def line_of(self, path: Path_) -> int:
        """The line of the value at `path`, or of its nearest ancestor that exists."""
        for end in range(len(path), -1, -1):
            found = self.lines.get(tuple(path[:end]))
            if found is not None:
                return found
        return 1


def read_yaml(path: Path) -> Document:
    """Read one scenario file. Raises YamlProblem with a line for anything unsafe or malformed."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise YamlProblem(1, f"cannot read file: {exc.strerror or exc}") from None
    return parse_yaml(raw)


def parse_yaml(raw: bytes) -> Document:
    if len(raw) > MAX_FILE_BYTES:
        raise YamlProblem(1, f"file is too large ({len(raw):,} bytes; the limit is {MAX_FILE_BYTES:,})")
    if b"\x00" in raw:
        sample = raw[:4096]
        controls = sum(1 for byte in sample if byte < 9 or 13 < byte < 32)
        if controls > sample.count(b"\x00") or raw.index(b"\x00") == 0:
            raise YamlProblem(1, "file is binary, not YAML text")
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise YamlProblem(line, "file is binary or damaged here: a NUL byte is not allowed in YAML text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlProblem(line, "file is not UTF-8 text (save it as UTF-8)") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise YamlProblem(1, "file is empty")
    _check_flow_depth(text)
    _check_block_depth(text)
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.reader.ReaderError as exc:
        line = text[: max(0, exc.position)].count("\n") + 1
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        raise YamlProblem(line, f"control characters are not allowed (found U+{ord(char):04X})") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlProblem(line, f"YAML syntax: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise YamlProblem(1, f"YAML syntax: {exc}") from None
    except RecursionError:
        raise YamlProblem(1, "YAML is nested too deeply") from None
    if node is None:
        raise YamlProblem(1, "file is empty")
    doc = Document(data=None)
    builder = _Builder(doc)
    doc.data = builder.build(node, (), 0)
    return doc


_BLOCK_PREFIX = re.compile(r"[ \t]*(?:[-?:][ \t]+)*")


def _check_block_depth(text: str) -> None:
    """Refuse absurd block nesting too ('- - - - ... x' on one line, or indentation by the
    thousand), which would also overflow libyaml's C stack."""
    if len(text) < MAX_FLOW_DEPTH * 2:
        return
    for number, line in enumerate(text.split("\n"), start=1):
        if len(line) > MAX_FLOW_DEPTH * 2 and _BLOCK_PREFIX.match(line).end() > MAX_FLOW_DEPTH * 2:  # type: ignore[union-attr]
            raise YamlProblem(number, f"YAML is nested too deeply (more than {MAX_FLOW_DEPTH} levels)")


def _check_flow_depth(text: str) -> None:
    if text.count("[") + text.count("{") <= MAX_FLOW_DEPTH:
        return
    depth = 0
    line = 1
    for ch in text:
        if ch == "[" or ch == "{":
            depth += 1
            if depth > MAX_FLOW_DEPTH:
                raise YamlProblem(line, f"YAML is nested too deeply (more than {MAX_FLOW_DEPTH} levels of [ or {{)")
        elif ch == "]" or ch == "}":
            depth = depth - 1 if depth > 0 else 0
        elif ch == "\n":
            line += 1


class _Builder:
    def __init__(self, doc: Document):
        self.doc = doc
        self.count = 0
        self.seen: set[int] = set()

    def build(self, node: yaml.Node, path: Path_, depth: int) -> Any:
        line = node.start_mark.line + 1
        if depth > MAX_DEPTH:
            raise YamlProblem(line, f"YAML is nested too deeply (more than {MAX_DEPTH} levels)")
        self.count += 1
        if self.count > MAX_NODES:
            raise YamlProblem(line, f"file has too many values (more than {MAX_NODES:,})")
        if id(node) in self.seen:
            raise YamlProblem(line, "anchors and aliases (& and *) are not supported; write the value out")
        self.seen.add(id(node))
        self.doc.lines[path] = line
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP:
                raise YamlProblem(line, f"YAML tag {node.tag!r} is not allowed")
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise YamlProblem(key_node.start_mark.line + 1, "merge keys (<<) are not supported")
                key = self.build(key_node, path + ("<key>",), depth + 1)
                if not isinstance(key, str):
                    key = str(key) if isinstance(key, int | float | bool) else None
                if key is None:
                    raise YamlProblem(key_node.start_mark.line + 1, "a mapping key must be a plain word")
                if key in result:
                    raise YamlProblem(key_node.start_mark.line + 1, f"duplicate key {key!r}")
                self.doc.key_lines[path + (key,)] = key_node.start_mark.line + 1
                result[key] = self.build(value_node, path + (key,), depth + 1)
            return result
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ:
                raise YamlProblem(line, f"YAML tag {node.tag!r} is not allowed")
            return [self.build(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        return _scalar(node, line)


def _scalar(node: yaml.Node, line: int) -> Any:
    tag, value = node.tag, node.value
    if tag in (_STR, _TIMESTAMP):
        found = _CONTROL.search(value)
        if found:
            raise YamlProblem(line, f"control character U+{ord(found.group()):04X} is not allowed in text "
                              "(newline and tab are the only ones allowed)")
        return value
    if tag == _NULL:
        return None
    if tag == _BOOL:
        return value.lower() in ("true", "yes", "on")
    if tag == _INT:
        text = value.replace("_", "")
        if len(text) > 30:  # never converted: a number this long is out of range whatever it is
            raise YamlProblem(line, _out_of_range(value))
        try:
            if text.lower().startswith(("0x", "-0x", "+0x")):
                number = int(text, 16)
            elif text.lower().startswith(("0o", "-0o", "+0o")):
                number = int(text, 8)
            else:
                number = int(text)
        except ValueError:
            return value
        if not -MAX_NUMBER <= number <= MAX_NUMBER:
            raise YamlProblem(line, _out_of_range(value))
        return number
    if tag == _FLOAT:
        try:
            number_f = float(value.replace("_", ""))
        except ValueError:
            return value
        if not -MAX_NUMBER <= number_f <= MAX_NUMBER:  # also refuses .inf and .nan
            raise YamlProblem(line, _out_of_range(value))
        return number_f
    raise YamlProblem(line, f"YAML tag {tag!r} is not allowed")


def _out_of_range(text: str) -> str:
    shown = text if len(text) <= 20 else f"{text[:12]}... ({len(text):,} characters)"
    return (f"the number {shown} is out of range: numbers in scenario files are from "
            f"{-MAX_NUMBER:,} to {MAX_NUMBER:,} (write text in quotes)")
