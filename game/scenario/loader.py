"""Load a scenario folder: read every file, validate every item, report every problem at once.

The result is a `Scenario` (pydantic models) with a `Sources` index that can give the file and
line of any value, for the compiler's and the checker's messages.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from game.scenario.errors import Problem, ScenarioLoadError, display_path
from game.scenario.files import MAX_FILE_BYTES, file_digest, listing, sha256
from game.scenario.sources import Located, Sources
from game.scenario.models import SECTIONS, Scenario, ScenarioInfo
from game.scenario.yamlread import Document, YamlProblem, parse_yaml

# Limits (MODDING.md, "Limits"): checked from the folder listing and the parsed files, before any
# item is validated, compiled or checked, so that no scenario can make loading slow.
MAX_ITEMS = {"scenes": 2_000, "endings": 500}  # items in a section, across all files
MAX_OTHER_ITEMS = 1_000  # items in any other section
MAX_CHOICES = 50  # choices in one scene
MAX_OUTCOMES = 50  # outcomes in one choice's chance


def _over_limits(name: str, doc: Document, counts: dict[str, int]) -> list[Problem]:
    """Count a parsed file's items into `counts`; the limits it breaks, at the line where each is
    first broken. Cheap: it only looks at list lengths."""
    problems: list[Problem] = []
    if not isinstance(doc.data, dict):
        return problems
    for key, value in doc.data.items():
        if key not in SECTIONS or not isinstance(value, list):
            continue
        limit = MAX_ITEMS.get(key, MAX_OTHER_ITEMS)
        before = counts.get(key, 0)
        counts[key] = before + len(value)
        if counts[key] > limit:
            at = doc.line_of((key, max(0, limit - before)))
            problems.append(Problem(name, at, key, f"too many {key} (more than {limit:,}; the limit is "
                                    f"{limit:,})"))
        if key != "scenes":
            continue
        for i, scene in enumerate(value[: limit + 1]):
            choices = scene.get("choices") if isinstance(scene, dict) else None
            if not isinstance(choices, list):
                continue
            label = _item_label(key, scene, i)
            if len(choices) > MAX_CHOICES:
                problems.append(Problem(name, doc.line_of((key, i, "choices", MAX_CHOICES)), f"{label}.choices",
                                        f"too many choices ({len(choices):,}; at most {MAX_CHOICES})"))
            for j, choice in enumerate(choices[: MAX_CHOICES + 1]):
                chance = choice.get("chance") if isinstance(choice, dict) else None
                if isinstance(chance, list) and len(chance) > MAX_OUTCOMES:
                    where = (key, i, "choices", j, "chance", MAX_OUTCOMES)
                    problems.append(Problem(name, doc.line_of(where), f"{label}.choices[{j}].chance",
                                            f"too many outcomes ({len(chance):,}; at most {MAX_OUTCOMES})"))
    return problems


def _read_files(files: list[tuple[str, Path]]) -> tuple[list[tuple[str, Document]], list[Problem], bool, str]:
    """Read and parse every file, counting items as it goes: a broken limit stops the reading there
    (ScenarioLoadError), before anything is validated. Returns the parsed files, the problems found,
    whether a file could not be read at all, and the content hash."""
    problems: list[Problem] = []
    docs: list[tuple[str, Document]] = []
    counts: dict[str, int] = {}
    unreadable = False
    digest = sha256()
    for rel, path in files:
        name = display_path(path)
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                problems.append(Problem(name, 1, "", f"file is too large ({size:,} bytes; the limit is "
                                        f"{MAX_FILE_BYTES:,})"))
                unreadable = True
                continue
            raw = path.resolve().read_bytes()  # the real file, checked to lie inside its folder
        except OSError as exc:
            problems.append(Problem(name, 1, "", f"cannot read file: {exc.strerror or exc}"))
            continue
        digest.update(file_digest(rel, raw))
        try:
            doc = parse_yaml(raw)
        except YamlProblem as exc:
            problems.append(Problem(name, exc.line, "", exc.message))
            unreadable = True
            continue
        over = _over_limits(name, doc, counts)
        if over:
            raise ScenarioLoadError(problems + over)
        docs.append((name, doc))
    return docs, problems, unreadable, digest.hexdigest()[:16]


def load_scenario(folder: Path | str, overlays: Sequence[Path | str] = ()) -> tuple[Scenario, Sources]:
    """Read and validate a scenario folder. Raises ScenarioLoadError with every problem found."""
    folder = Path(folder)
    files = listing(folder, [Path(o) for o in overlays])
    docs, problems, unreadable, content_hash = _read_files(files)
    found = _Items(Sources(files=[display_path(path) for _, path in files]), problems)
    for name, doc in docs:
        found.add_file(name, doc)
    problems += _missing(display_path(folder), found, unreadable)
    if problems:
        raise ScenarioLoadError(problems)
    assert found.info is not None
    return Scenario(info=found.info, content_hash=content_hash, **found.items), found.sources


@dataclass
class _Items:
    """The validated items of a scenario's files, gathered file by file, with where each came from
    and every problem found on the way."""

    sources: Sources
    problems: list[Problem]
    items: dict[str, list[Any]] = field(default_factory=lambda: {name: [] for name in SECTIONS})
    info: ScenarioInfo | None = None

    def add_file(self, name: str, doc: Document) -> None:
        if not isinstance(doc.data, dict):
            self.problems.append(Problem(name, 1, "", "a scenario file must be a mapping of sections "
                                         f"({', '.join(['scenario', *SECTIONS])})"))
            return
        for key, value in doc.data.items():
            if key == "scenario":
                self._add_info(name, doc, value)
            elif key not in SECTIONS:
                close = difflib.get_close_matches(key, ["scenario", *SECTIONS], n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                self.problems.append(Problem(name, doc.key_line((key,)), key, f"unknown section '{key}'{hint}"))
            elif not isinstance(value, list):
                self.problems.append(Problem(name, doc.line_of((key,)), key,
                                             f"'{key}' must be a list of items (each starting with '- ')"))
            else:
                self._add_section(name, doc, key, value)

    def _add_info(self, name: str, doc: Document, value: Any) -> None:
        if self.info is not None or self.sources.info is not None:
            self.problems.append(Problem(name, doc.key_line(("scenario",)), "scenario",
                                         "the 'scenario' section appears twice"))
            return
        loc = Located(name, doc, ("scenario",))
        self.sources.info = loc
        self.info = _validate(ScenarioInfo, value, loc, "scenario", self.problems)

    def _add_section(self, name: str, doc: Document, key: str, value: list[Any]) -> None:
        for i, item in enumerate(value):
            label = _item_label(key, item, i)
            loc = Located(name, doc, (key, i))
            model = _validate(SECTIONS[key], item, loc, label, self.problems)
            if model is None:
                continue
            ident = model.id  # type: ignore[attr-defined]
            first = self.sources.items.get((key, ident))
            if first is not None:
                self.problems.append(Problem(name, loc.line(), label,
                                             f"duplicate id '{ident}' (first defined at {first.file}:{first.line()})"))
                continue
            self.sources.items[(key, ident)] = loc
            self.items[key].append(model)


def _missing(shown: str, found: _Items, unreadable: bool) -> list[Problem]:
    """What a whole scenario needs and no file gave: its `scenario` section, a scene, an ending.
    Said only where nothing else explains it (a file that could not be read may hold them)."""
    if found.info is None and not unreadable and not any(
        p.field == "scenario" or p.field.startswith("scenario.") for p in found.problems
    ):
        return [Problem(shown, 1, "scenario", "no file has a 'scenario' section (id, title, version, start)")]
    if not found.items["scenes"] and not found.problems:
        return [Problem(shown, 1, "scenes", "the scenario has no scenes")]
    if not found.items["endings"] and not found.problems:
        return [Problem(shown, 1, "endings", "the scenario has no endings")]
    return []


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
