"""Small JSON records read without trusting them: the saves and the store's records.

Each record is a frozen dataclass whose fields carry their limits (`spec`); `read` checks a parsed
JSON object against them strictly, as a save must be read: `"seed": true` or `"format": "1"` is
damage, never quietly taken for a number. The first problem found, in the order of the fields, is
raised as `Invalid` with where it is (`decisions.3`) and what is wrong, in one line.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, TypeVar

from game.errors import CallinicumError

R = TypeVar("R")


class Invalid(CallinicumError, ValueError):
    """A record that breaks its limits: `where` (field names and indexes, dotted) and `message`."""

    def __init__(self, where: tuple[str | int, ...], message: str):
        super().__init__(f"{'.'.join(map(str, where)) or 'record'}: {message}")
        self.where = ".".join(map(str, where))
        self.message = message


@dataclasses.dataclass(frozen=True)
class Spec:
    """What one field may hold: its kind, and its limits (a number's bounds, a text's or a list's
    length, a text's pattern)."""

    kind: Any  # int, str, ("list", kind), ("dict", str, str), or a record class
    optional: bool = False  # None allowed
    ge: int | None = None
    le: int | None = None
    max_length: int | None = None
    pattern: str | None = None


def spec(kind: Any, default: Any = dataclasses.MISSING, *, factory: Any = dataclasses.MISSING,
         **limits: Any) -> Any:
    """A dataclass field that holds `kind` within `limits` (those of `Spec`)."""
    return dataclasses.field(default=default, default_factory=factory, metadata={"spec": Spec(kind, **limits)})


def read(cls: type[R], data: Any, where: tuple[str | int, ...] = ()) -> R:
    """A `cls` from a parsed JSON object, each field checked against its kind and limits, then by
    the class's own `check_field(value)` if it has one (a message, or None). Fields it does not
    know are damage, unless the class says `IGNORES_EXTRA = True`."""
    if not isinstance(data, dict):
        raise Invalid(where, "input should be a valid dictionary")
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        at = (*where, f.name)
        if f.name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise Invalid(at, "field required")
            continue
        values[f.name] = _value(data[f.name], f.metadata["spec"], at)
        problem = getattr(cls, "check_field", lambda value: None)(values[f.name])
        if problem:
            raise Invalid(at, problem)
    if not getattr(cls, "IGNORES_EXTRA", False):
        known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        for name in data:
            if name not in known:
                raise Invalid((*where, name), "extra inputs are not permitted")
    return cls(**values)


def _value(value: Any, s: Spec, at: tuple[str | int, ...]) -> Any:
    if value is None and s.optional:
        return None
    kind = s.kind
    if kind is int:
        if type(value) is not int:
            raise Invalid(at, "input should be a valid integer")
        if s.ge is not None and value < s.ge:
            raise Invalid(at, f"input should be greater than or equal to {s.ge}")
        if s.le is not None and value > s.le:
            raise Invalid(at, f"input should be less than or equal to {s.le}")
        return value
    if kind is str:
        if type(value) is not str:
            raise Invalid(at, "input should be a valid string")
        if not _is_utf8(value):
            raise Invalid(at, "input should be a valid string, it holds a lone surrogate")
        if s.max_length is not None and len(value) > s.max_length:
            raise Invalid(at, f"string should have at most {s.max_length} characters")
        if s.pattern is not None and not re.fullmatch(s.pattern, value):
            raise Invalid(at, f"string should match pattern '{s.pattern}'")
        return value
    if isinstance(kind, tuple) and kind[0] == "list":
        if type(value) is not list:
            raise Invalid(at, "input should be a valid list")
        if s.max_length is not None and len(value) > s.max_length:
            raise Invalid(at, f"list should have at most {s.max_length} items after validation, not {len(value)}")
        item = Spec(kind[1])
        return [_value(v, item, (*at, i)) for i, v in enumerate(value)]
    if isinstance(kind, tuple) and kind[0] == "dict":
        if type(value) is not dict:
            raise Invalid(at, "input should be a valid dictionary")
        key, item = Spec(kind[1]), Spec(kind[2])
        return {_value(k, key, (*at, k)): _value(v, item, (*at, k)) for k, v in value.items()}
    return read(kind, value, at)  # a record within the record


def _is_utf8(text: str) -> bool:
    """False for text JSON can carry but no file can hold: a lone surrogate (`"\\ud800"`)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def as_json(record: Any) -> dict[str, Any]:
    """A record as the JSON object it is read from, its fields in their order."""
    return {f.name: _plain(getattr(record, f.name)) for f in dataclasses.fields(record)}


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return as_json(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value
