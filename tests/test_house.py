"""The house in order: the engine holds no scenario, and nothing inside the scenario or engine
layers imports in a circle (function-local imports included: a circle hidden inside a function is
still a circle; imports for type checking alone are not run, and do not count)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from game.scenario.compiled import load

GAME = Path(__file__).resolve().parent.parent / "game"
CONTENT = GAME.parent / "content"

# peoples and places of the shipped scenarios that no engine string may name
PEOPLES = r"persians?|huns?|massaget\w*|romans?|ghassanid\w*|lakhmid\w*|arabs?|sabir\w*|islands?|euphrates"


def _strings(path: Path) -> list[tuple[int, str]]:
    """A module's string constants, its docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docs.add(id(first.value))
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs]


def _scenario_words() -> re.Pattern[str]:
    names = set()
    for folder in ("callinicum", "dara"):
        cs = load(CONTENT / folder)
        for c in cs.characters:
            names |= {w for w in re.findall(r"[A-Z][\w-]{3,}", c.name)}
        for p in cs.places:
            names |= {w for w in re.findall(r"[A-Z][\w-]{3,}", p.name)}
    return re.compile(r"\b(" + PEOPLES + "|" + "|".join(sorted(map(re.escape, names))) + r")\b", re.I)


def test_the_engine_names_no_people_peoples_or_places() -> None:
    words = _scenario_words()
    found = [f"{path.relative_to(GAME.parent)}:{line}: {m.group(0)!r}"
             for path in sorted((GAME / "engine").rglob("*.py"))
             for line, text in _strings(path) for m in [words.search(text)] if m]
    assert not found, "scenario words in engine strings:\n" + "\n".join(found)


def test_the_scenario_words_are_found_where_they_are() -> None:
    """The check above can fail: the scenario's own files are full of its words."""
    words = _scenario_words()
    assert words.search("The Persians ride back to their camp")
    assert words.search("Belisarius takes the boat")


def _module(path: Path) -> str:
    parts = list(path.relative_to(GAME.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The project modules a file imports anywhere in it (`from pkg import sub` imports pkg.sub),
    except under `if TYPE_CHECKING:`, which never runs."""
    out = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(n) for node in ast.walk(tree)
                   if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
                   for stmt in node.body for n in ast.walk(stmt)}
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name in modules}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                if sub in modules:
                    out.add(sub)
                elif node.module in modules:
                    out.add(node.module)
    return out


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for n in sorted(graph.get(m, ())):
            if state.get(n) == 1:
                return stack[stack.index(n):] + [n]
            if n not in state and (found := visit(n)):
                return found
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state and (found := visit(m)):
            return found
    return None


@pytest.mark.parametrize("layer", ["scenario", "engine"])
def test_no_import_circle_inside_a_layer(layer: str) -> None:
    files = {_module(p): p for p in (GAME / layer).rglob("*.py")}
    graph = {m: _imports(p, set(files)) - {m} for m, p in files.items()}
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_a_circle_would_be_found() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def _long_functions(root: Path, limit: int = 60) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > limit:
                    found.append(f"{path.relative_to(root.parent)}:{node.lineno}: {node.name} is {length} lines")
    return found


def test_no_function_of_the_game_is_over_60_lines() -> None:
    found = _long_functions(GAME)
    assert not found, "\n".join(found)


def test_a_long_function_would_be_found(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text("def f():\n" + "    x = 1\n" * 60 + "\n\ndef g():\n    return 1\n")
    assert _long_functions(tmp_path / "pkg") == ["pkg/m.py:1: f is 61 lines"]
