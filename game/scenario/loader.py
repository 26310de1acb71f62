"""Load a scenario folder: read every file, validate every item, report every problem at once.

The result is a `Scenario` (pydantic models) with a `Sources` index that can give the file and
line of any value, for the compiler's and the checker's messages.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from game.scenario.errors import Problem, ScenarioLoadError, display_path
from game.scenario.models import SECTIONS, Scenario, ScenarioInfo
from game.scenario.yamlread import MAX_FILE_BYTES, Document, YamlProblem, parse_yaml

MAX_FILES = 500
IGNORED_DIRS = {"playthroughs", ".git", "__pycache__"}


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


def scenario_files(folder: Path, overlays: Sequence[Path] = ()) -> list[tuple[str, Path]]:
    """The YAML files of a scenario, by relative path; an overlay's files replace or add to them."""
    found: dict[str, Path] = {}
    for root in (folder, *overlays):
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root)
            if any(part in IGNORED_DIRS or part.startswith(".") for part in rel.parts):
                continue
            if path.suffix in (".yaml", ".yml") and path.is_file():
                found[rel.as_posix()] = path
    return sorted(found.items())


def load_scenario(folder: Path | str, overlays: Sequence[Path | str] = ()) -> tuple[Scenario, Sources]:
    """Read and validate a scenario folder. Raises ScenarioLoadError with every problem found."""
    folder = Path(folder)
    overlay_paths = [Path(o) for o in overlays]
    shown = display_path(folder)
    for root in (folder, *overlay_paths):
        if not root.is_dir():
            raise ScenarioLoadError([Problem(display_path(root), 0, "", "no such scenario folder")])
    files = scenario_files(folder, overlay_paths)
    if not files:
        raise ScenarioLoadError([Problem(shown, 0, "", "the folder holds no .yaml scenario files")])
    if len(files) > MAX_FILES:
        raise ScenarioLoadError([Problem(shown, 0, "", f"too many files ({len(files)}; at most {MAX_FILES})")])

    problems: list[Problem] = []
    sources = Sources()
    collected: dict[str, list[Any]] = {name: [] for name in SECTIONS}
    info: ScenarioInfo | None = None
    unreadable = False
    digest = hashlib.sha256()

    for rel, path in files:
        name = display_path(path)
        sources.files.append(name)
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                problems.append(Problem(name, 1, "", f"file is too large ({size:,} bytes; the limit is "
                                        f"{MAX_FILE_BYTES:,})"))
                unreadable = True
                continue
            raw = path.read_bytes()
        except OSError as exc:
            problems.append(Problem(name, 1, "", f"cannot read file: {exc.strerror or exc}"))
            continue
        digest.update(rel.encode() + b"\0" + hashlib.sha256(raw).digest())
        try:
            doc = parse_yaml(raw)
        except YamlProblem as exc:
            problems.append(Problem(name, exc.line, "", exc.message))
            unreadable = True
            continue
        if not isinstance(doc.data, dict):
            problems.append(Problem(name, 1, "", "a scenario file must be a mapping of sections "
                                    f"({', '.join(['scenario', *SECTIONS])})"))
            continue
        for key, value in doc.data.items():
            line = doc.line_of((key,))
            if key == "scenario":
                if info is not None or sources.info is not None:
                    problems.append(Problem(name, doc.key_line((key,)), "scenario",
                                            "the 'scenario' section appears twice"))
                    continue
                loc = Located(name, doc, ("scenario",))
                sources.info = loc
                model = _validate(ScenarioInfo, value, loc, "scenario", problems)
                if model is not None:
                    info = model
                continue
            if key not in SECTIONS:
                close = difflib.get_close_matches(key, ["scenario", *SECTIONS], n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                problems.append(Problem(name, doc.key_line((key,)), key, f"unknown section '{key}'{hint}"))
                continue
            if not isinstance(value, list):
                problems.append(Problem(name, line, key, f"'{key}' must be a list of items (each starting with '- ')"))
                continue
            for i, item in enumerate(value):
                label = _item_label(key, item, i)
                loc = Located(name, doc, (key, i))
                model = _validate(SECTIONS[key], item, loc, label, problems)
                if model is None:
                    continue
                ident = model.id  # type: ignore[attr-defined]
                if (key, ident) in sources.items:
                    first = sources.items[(key, ident)]
                    problems.append(Problem(name, loc.line(), label,
                                            f"duplicate id '{ident}' (first defined at {first.file}:{first.line()})"))
                    continue
                sources.items[(key, ident)] = loc
                collected[key].append(model)

    if info is None and not unreadable and not any(
        p.field == "scenario" or p.field.startswith("scenario.") for p in problems
    ):
        problems.append(Problem(shown, 1, "scenario", "no file has a 'scenario' section (id, title, version, start)"))
    if not collected["scenes"] and not problems:
        problems.append(Problem(shown, 1, "scenes", "the scenario has no scenes"))
    if not collected["endings"] and not problems:
        problems.append(Problem(shown, 1, "endings", "the scenario has no endings"))
    if problems:
        raise ScenarioLoadError(problems)
    assert info is not None
    scenario = Scenario(info=info, content_hash=digest.hexdigest()[:16], **collected)
    return scenario, sources


def _item_label(section: str, item: Any, index: int) -> str:
    if isinstance(item, dict) and isinstance(item.get("id"), str):
        return f"{section}[{item['id']}]"
    return f"{section}[{index}]"


def _is_tag(part: str | int) -> bool:
    """Pydantic names the branches of a union in error locations ('str', 'list[Route]', ...)."""
    return isinstance(part, str) and (
        "[" in part or "-" in part or part in ("str", "int", "bool", "float", "dict", "list")
    )


UNION_HINTS = {
    "next": "should be a scene or ending id, or a list of routes ('- if: ...' and 'to: ...')",
    "station": "should be a line position (1 = the left end) or 'rise'",
    "reserve": "should be a unit id or 'none'",
    "units": "should be 'roman', 'enemy', 'all' or a list of unit ids",
}


def _union_errors(errors: list[Any]) -> list[Any]:
    """Keep one explanation per union field: the branch that got furthest, or a plain hint."""
    groups: dict[tuple, list[Any]] = {}
    order: list[tuple] = []
    out: list[Any] = []
    for error in errors:
        loc = tuple(error["loc"])
        cut = next((i for i, part in enumerate(loc) if _is_tag(part)), None)
        if cut is None:
            out.append(error)
            continue
        key = loc[:cut]
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(error)
    for key in order:
        group = groups[key]
        branches: dict[str, list[Any]] = {}
        for error in group:
            branches.setdefault(error["loc"][len(key)], []).append(error)
        deep = {b: errs for b, errs in branches.items()
                if any(len([p for p in e["loc"] if not _is_tag(p)]) > len(key) for e in errs)}
        if len(branches) == 1 or deep:
            chosen = next(iter((deep or branches).values()))
            for error in chosen:
                out.append({**error, "loc": tuple(p for p in error["loc"] if not _is_tag(p))})
            continue
        field = next((p for p in reversed(key) if isinstance(p, str)), "")
        hint = UNION_HINTS.get(field)
        first = group[0]
        out.append({**first, "loc": key, "type": "union_hint" if hint else first["type"],
                    "msg": hint or first["msg"]})
    return out


def _validate(model: type[BaseModel], data: Any, loc: Located, label: str,
              problems: list[Problem]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = _union_errors(exc.errors())
        # a misspelt required field is one mistake, not two: keep "unknown field (did you mean ...)"
        extras = {tuple(e["loc"]) for e in errors if e["type"] == "extra_forbidden"}
        errors = [
            e for e in errors
            if not (e["type"] == "missing" and any(
                x[:-1] == tuple(e["loc"])[:-1]
                and difflib.get_close_matches(str(x[-1]), [str(e["loc"][-1])], n=1)
                for x in extras
            ))
        ]
        for error in errors:
            path = tuple(error["loc"])
            line = loc.doc.key_line(loc.base + path) if error["type"] == "extra_forbidden" else loc.line(*path)
            problems.append(Problem(loc.file, line, _field_path(label, data, path),
                                    _message(error, model, data, path)))
        return None


def _field_path(label: str, data: Any, path: Iterable[str | int]) -> str:
    """`scenes[sura].choices[fight].effects[0]`: list items named by their id where they have one."""
    out, node = label, data
    for part in path:
        if isinstance(part, int):
            item = node[part] if isinstance(node, list) and part < len(node) else None
            ident = item.get("id") if isinstance(item, dict) else None
            out += f"[{ident}]" if isinstance(ident, str) else f"[{part}]"
            node = item
        else:
            if _is_tag(part):
                continue
            out += f".{part}"
            node = node.get(part) if isinstance(node, dict) else None
    return out


def _message(error: Any, model: type[BaseModel], data: Any, path: tuple[str | int, ...]) -> str:
    kind = error["type"]
    value = error.get("input")
    if kind == "missing":
        return "required field is missing"
    if kind == "union_hint":
        return f"'{value}' {error['msg']}" if isinstance(value, str | int) else str(error["msg"])
    if kind == "extra_forbidden":
        bad = str(path[-1]) if path else "?"
        known = _known_fields(model, path[:-1])
        close = difflib.get_close_matches(bad, known, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"unknown field '{bad}'{hint}"
    if kind == "string_pattern_mismatch":
        return f"'{value}' is not a valid id: use lower_snake_case (a-z, 0-9, _), starting with a letter"
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"'{value}' is not allowed here; expected {expected}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"'{value}' should be a whole number"
    if kind in ("string_type",):
        return f"should be text, not {_kind_of(value)}"
    if kind in ("list_type",):
        return f"should be a list (items starting with '- '), not {_kind_of(value)}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"should be a mapping of fields, not {_kind_of(value)}"
    if kind == "bool_parsing" or kind == "bool_type":
        return f"'{value}' should be true or false"
    if kind == "string_too_short":
        return "should not be empty"
    if kind == "string_too_long":
        return f"is too long (at most {error.get('ctx', {}).get('max_length')} characters)"
    if kind == "too_short":
        return f"needs at least {error.get('ctx', {}).get('min_length')} items"
    if kind == "too_long":
        limit = error.get("ctx", {}).get("max_length")
        if isinstance(value, str):
            return f"is too long (at most {limit} characters)"
        return f"has too many items (at most {limit})"
    if kind == "value_error":
        return str(error.get("ctx", {}).get("error", error["msg"]))
    msg = str(error["msg"])
    return msg[:1].lower() + msg[1:]


def _kind_of(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        shown = str(value) if abs(value) < 10**30 else "a very large number"
        return f"the number {shown}"
    return f"'{value}'"


def _known_fields(model: type[BaseModel], path: tuple[str | int, ...]) -> list[str]:
    """The field names (with aliases) of the model found by following `path` from `model`."""
    current: Any = model
    for part in path:
        if isinstance(part, int) or current is None:
            continue
        info = getattr(current, "model_fields", {}).get(part) or next(
            (f for f in getattr(current, "model_fields", {}).values() if f.alias == part), None
        )
        current = _model_in(info.annotation) if info else None
    if current is None:
        return []
    return [f.alias or name for name, f in current.model_fields.items()]


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None
