"""The small expression language of conditions, weights and effects.

Expressions are parsed with Python's own parser (`ast.parse`, which only builds a tree), checked
against a short whitelist of node types and the scenario's names, and compiled into plain Python
closures over the state's value tuple. Nothing is ever passed to `eval` or `exec`.

Language (documented in MODDING.md):
    names      supply, fasting, unit.huns.morale
    literals   whole numbers, true, false
    arithmetic + - * //, unary -, min(a, b, ...), max(a, b, ...); a condition in arithmetic
               counts as 1 when true and 0 when false: 1 + (supply >= 3); `x // 0` is 0 (dividing
               by what is always 0 is refused; by what can be 0, the checker warns)
    compare    == != < <= > >=   (chains allowed: 0 < x <= 3)
    logic      and or not
    effects    name = expr | name += expr | name -= expr
"""

from __future__ import annotations

import ast
import difflib
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from game.errors import CallinicumError

INT = "number"
BOOL = "true/false"

Values = Sequence[int]
Fn = Callable[[Values], int]


class ExpressionError(CallinicumError, ValueError):
    """A mistake in an expression, in a modder's words."""


@dataclass(frozen=True)
class Slot:
    """Where a name lives in the state's value tuple, its type, and its range."""

    index: int
    type: str
    lo: int
    hi: int


ALL = None  # a value used other than by comparing it with constants: its exact value matters
Cuts = frozenset[int] | None  # the cut points x of a value (each splits v < x from v >= x), or ALL


@dataclass(frozen=True)
class Analysis:
    """What an expression tells about the values it reads, worked out once as it is compiled, for
    the checker and the explorer alike.

    `cuts`: per slot read, the thresholds it is compared with (`supply >= 3` cuts supply at 3:
    values on the same side of every cut are alike to the expression), or ALL when it is used in
    any other way (arithmetic, a weight, a comparison with another value). `lo`..`hi`: the least
    and greatest value the expression can take over every value's range. `constant`: its value
    when it reads nothing, else None.
    """

    cuts: Mapping[int, Cuts] = field(default_factory=dict)
    lo: int = 0
    hi: int = 1
    constant: int | None = None

    def may_be_zero_or_less(self) -> bool:
        """Can the expression be 0 or less for some values (a chance weight that rules its outcome out)?"""
        return self.lo <= 0


@dataclass(frozen=True)
class Compiled:
    """A compiled condition or weight: call it with the state's values."""

    source: str
    fn: Fn
    type: str
    reads: frozenset[int]
    warnings: tuple[str, ...] = ()  # advice for the checker (a divisor that can be 0)
    analysis: Analysis = field(default_factory=Analysis, compare=False)

    def __call__(self, values: Values) -> int:
        return self.fn(values)


@dataclass(frozen=True)
class Effect:
    """A compiled effect: `slot (op) value`, clamped to the slot's range."""

    source: str
    slot: Slot
    op: str  # "=", "+=", "-="
    fn: Fn
    reads: frozenset[int]
    warnings: tuple[str, ...] = ()
    analysis: Analysis = field(default_factory=Analysis, compare=False)  # of the value on the right

    def apply(self, values: list[int]) -> None:
        rhs = self.fn(values)
        i = self.slot.index
        if self.op == "+=":
            rhs = values[i] + rhs
        elif self.op == "-=":
            rhs = values[i] - rhs
        if self.slot.type == BOOL:
            values[i] = 1 if rhs else 0
        else:
            lo, hi = self.slot.lo, self.slot.hi
            values[i] = lo if rhs < lo else hi if rhs > hi else rhs


_ARITH = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul}
_COMPARE = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
_SYMBOL = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.FloorDiv: "//", ast.Div: "/", ast.Mod: "%",
    ast.Pow: "**", ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^", ast.LShift: "<<",
    ast.RShift: ">>", ast.MatMult: "@",
}


def _floordiv(a: int, b: int) -> int:
    return a // b if b else 0


class Namespace:
    """The names an expression may use, mapped to their slots."""

    def __init__(self, slots: dict[str, Slot]):
        self.slots = slots

    def lookup(self, name: str) -> Slot:
        slot = self.slots.get(name)
        if slot is None:
            close = difflib.get_close_matches(name, list(self.slots), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ExpressionError(f"unknown name '{name}'{hint}")
        return slot


def _parse(source: str, mode: str) -> ast.AST:
    if len(source) > 500:
        raise ExpressionError("expression is too long (500 characters at most)")
    try:
        return ast.parse(source.strip(), mode=mode)
    except SyntaxError as exc:
        col = f" at column {exc.offset}" if exc.offset else ""
        raise ExpressionError(f"cannot read expression '{source.strip()}'{col}") from None
    except (ValueError, RecursionError, MemoryError):
        raise ExpressionError(f"cannot read expression '{source.strip()}'") from None


def compile_condition(source: str, ns: Namespace) -> Compiled:
    return _compile_typed(source, ns, BOOL, "a condition must be true or false (e.g. 'supply >= 3')")


def compile_number(source: str, ns: Namespace) -> Compiled:
    return _compile_typed(source, ns, INT, "a weight must be a number (e.g. 'discipline + 2')")


def _compile_typed(source: str, ns: Namespace, want: str, message: str) -> Compiled:
    if not isinstance(source, str):
        raise ExpressionError("an expression must be text")
    tree = _parse(source, "eval")
    builder = _Builder(ns)
    try:
        fn, kind = builder.build(tree.body)  # type: ignore[attr-defined]
    except RecursionError:
        raise ExpressionError(f"expression '{source.strip()[:40]}...' is nested too deeply") from None
    if want == INT and kind == BOOL:
        kind = INT
    if kind != want:
        raise ExpressionError(f"{message}; '{source.strip()}' is a {kind}")
    body = tree.body  # type: ignore[attr-defined]
    return Compiled(source, fn, kind, frozenset(builder.reads), tuple(builder.warnings), analyse(body, ns))


def compile_effect(source: str, ns: Namespace) -> Effect:
    if not isinstance(source, str):
        raise ExpressionError("an effect must be text")
    tree = _parse(source, "exec")
    body = tree.body  # type: ignore[attr-defined]
    if len(body) != 1:
        raise ExpressionError("write one effect per list entry")
    stmt = body[0]
    builder = _Builder(ns)
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target, op, value = stmt.targets[0], "=", stmt.value
    elif isinstance(stmt, ast.AugAssign) and type(stmt.op) in (ast.Add, ast.Sub):
        target, op, value = stmt.target, "+=" if isinstance(stmt.op, ast.Add) else "-=", stmt.value
    else:
        raise ExpressionError(
            f"'{source.strip()}' is not an effect; write 'name = value', 'name += n' or 'name -= n'"
        )
    slot = ns.lookup(_dotted(target))
    try:
        fn, kind = builder.build(value)
    except RecursionError:
        raise ExpressionError(f"effect '{source.strip()[:40]}...' is nested too deeply") from None
    if op != "=" and slot.type != INT:
        raise ExpressionError(f"'{_dotted(target)}' is a flag: set it with '= true' or '= false'")
    if kind != slot.type:
        raise ExpressionError(f"'{_dotted(target)}' is a {slot.type} but the value is a {kind}")
    reads = set(builder.reads)
    if op != "=":
        reads.add(slot.index)
    return Effect(source, slot, op, fn, frozenset(reads), tuple(builder.warnings), analyse(value, ns))


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    raise ExpressionError("the left side of an effect must be a name, such as 'supply' or 'unit.huns.morale'")


class _Builder:
    def __init__(self, ns: Namespace):
        self.ns = ns
        self.reads: set[int] = set()
        self.warnings: list[str] = []

    depth = 0

    def build(self, node: ast.AST) -> tuple[Fn, str]:
        self.depth += 1
        if self.depth > 200:
            raise ExpressionError("expression is nested too deeply (simplify it)")
        try:
            return self._build(node)
        finally:
            self.depth -= 1

    def _build(self, node: ast.AST) -> tuple[Fn, str]:
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise ExpressionError(f"{_describe(node)} is not allowed in expressions")
        return method(node)

    def _Constant(self, node: ast.Constant) -> tuple[Fn, str]:
        value = node.value
        if isinstance(value, bool):
            v = int(value)
            return (lambda _: v), BOOL
        if isinstance(value, int):
            if abs(value) > 1_000_000:
                raise ExpressionError(f"number {value} is too large")
            return (lambda _: value), INT
        raise ExpressionError(f"{value!r} is not allowed; use whole numbers, true or false")

    def _Name(self, node: ast.Name) -> tuple[Fn, str]:
        if node.id in ("true", "false"):
            v = 1 if node.id == "true" else 0
            return (lambda _: v), BOOL
        return self._slot(node.id)

    def _Attribute(self, node: ast.Attribute) -> tuple[Fn, str]:
        try:
            name = _dotted(node)
        except ExpressionError:
            raise ExpressionError("only names may use dots, such as 'unit.huns.morale'") from None
        return self._slot(name)

    def _slot(self, name: str) -> tuple[Fn, str]:
        slot = self.ns.lookup(name)
        self.reads.add(slot.index)
        i = slot.index
        return (lambda v: v[i]), slot.type

    def _UnaryOp(self, node: ast.UnaryOp) -> tuple[Fn, str]:
        fn, kind = self.build(node.operand)
        if isinstance(node.op, ast.Not):
            self._want(kind, BOOL, "'not'")
            return (lambda v: 0 if fn(v) else 1), BOOL
        if isinstance(node.op, ast.USub):
            self._want(kind, INT, "'-'")
            return (lambda v: -fn(v)), INT
        if isinstance(node.op, ast.UAdd):
            self._want(kind, INT, "'+'")
            return fn, INT
        raise ExpressionError("operator '~' is not allowed")

    def _BinOp(self, node: ast.BinOp) -> tuple[Fn, str]:
        op_type = type(node.op)
        if op_type not in _ARITH and op_type is not ast.FloorDiv:
            raise ExpressionError(f"operator '{_SYMBOL.get(op_type, '?')}' is not allowed (use + - * //)")
        left, lk = self.build(node.left)
        right, rk = self.build(node.right)
        sym = _SYMBOL[op_type]
        self._want(lk, INT, f"'{sym}'")
        self._want(rk, INT, f"'{sym}'")
        if op_type is ast.FloorDiv:
            self._check_divisor(node.right)
        op = _floordiv if op_type is ast.FloorDiv else _ARITH[op_type]
        return (lambda v: op(left(v), right(v))), INT

    def _BoolOp(self, node: ast.BoolOp) -> tuple[Fn, str]:
        parts = []
        for value in node.values:
            fn, kind = self.build(value)
            self._want(kind, BOOL, "'and'/'or'")
            parts.append(fn)
        if isinstance(node.op, ast.And):
            return (lambda v: 1 if all(p(v) for p in parts) else 0), BOOL
        return (lambda v: 1 if any(p(v) for p in parts) else 0), BOOL

    def _Compare(self, node: ast.Compare) -> tuple[Fn, str]:
        first, kind = self.build(node.left)
        fns, ops = [first], []
        for op, comparator in zip(node.ops, node.comparators):
            if type(op) not in _COMPARE:
                raise ExpressionError("'in' and 'is' are not allowed; use == or !=")
            fn, k = self.build(comparator)
            if type(op) in (ast.Eq, ast.NotEq):
                if k != kind:
                    raise ExpressionError(f"cannot compare a {kind} with a {k}")
            else:
                self._want(kind, INT, "'<', '>'")
                self._want(k, INT, "'<', '>'")
            fns.append(fn)
            ops.append(_COMPARE[type(op)])
        if len(ops) == 1:
            a, b, op0 = fns[0], fns[1], ops[0]
            return (lambda v: 1 if op0(a(v), b(v)) else 0), BOOL

        def chain(v: Values) -> int:
            values = [f(v) for f in fns]
            return 1 if all(op(values[i], values[i + 1]) for i, op in enumerate(ops)) else 0

        return chain, BOOL

    def _Call(self, node: ast.Call) -> tuple[Fn, str]:
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in ("min", "max") or node.keywords or len(node.args) < 2:
            raise ExpressionError("only min(a, b, ...) and max(a, b, ...) may be called")
        args = []
        for arg in node.args:
            fn, kind = self.build(arg)
            self._want(kind, INT, f"'{name}'")
            args.append(fn)
        pick = min if name == "min" else max
        return (lambda v: pick(a(v) for a in args)), INT

    def _check_divisor(self, node: ast.AST) -> None:
        """Dividing by what is always 0 is a mistake; by what can be 0, worth a warning (it gives 0)."""
        lo, hi = bounds(node, self.ns)
        shown = ast.unparse(node)
        if lo == hi == 0:
            raise ExpressionError(f"division by zero: '{shown}' is always 0")
        if lo <= 0 <= hi:
            self.warnings.append(f"'{shown}' can be 0 here ({lo} to {hi}), and dividing by 0 gives 0")

    @staticmethod
    def _want(kind: str, want: str, what: str) -> None:
        if want == INT and kind == BOOL:
            return  # a condition counts as 1 when true and 0 when false: 1 + (supply >= 3)
        if kind != want:
            raise ExpressionError(f"{what} needs a {want}, not a {kind}")


def bounds(node: ast.AST, ns: Namespace) -> tuple[int, int]:
    """The least and greatest value an expression that compiled can take, from its names' ranges
    (every value is clamped to its range, so these bounds always hold; they may be loose)."""
    if isinstance(node, ast.Constant):
        return int(node.value), int(node.value)
    if isinstance(node, ast.Name) and node.id in ("true", "false"):
        return (1, 1) if node.id == "true" else (0, 0)
    if isinstance(node, ast.Name | ast.Attribute):
        slot = ns.lookup(_dotted(node))
        return slot.lo, slot.hi
    if isinstance(node, ast.UnaryOp):
        lo, hi = bounds(node.operand, ns)
        if isinstance(node.op, ast.USub):
            return -hi, -lo
        return (lo, hi) if isinstance(node.op, ast.UAdd) else (0, 1)
    if isinstance(node, ast.BinOp):
        (a, b), (c, d) = bounds(node.left, ns), bounds(node.right, ns)
        if isinstance(node.op, ast.Add):
            return a + c, b + d
        if isinstance(node.op, ast.Sub):
            return a - d, b - c
        if isinstance(node.op, ast.Mult):
            corners = (a * c, a * d, b * c, b * d)
            return min(corners), max(corners)
        divisors = [y for y in (c, d, -1, 1) if y != 0 and c <= y <= d]
        results = [x // y for x in (a, b) for y in divisors] + ([0] if c <= 0 <= d else [])
        return min(results), max(results)
    if isinstance(node, ast.Call):
        parts = [bounds(arg, ns) for arg in node.args]
        pick = min if node.func.id == "min" else max  # type: ignore[attr-defined]
        return pick(lo for lo, _ in parts), pick(hi for _, hi in parts)
    return 0, 1  # a comparison, 'and', 'or', 'not': true or false


def analyse(node: ast.AST, ns: Namespace) -> Analysis:
    """The `Analysis` of an expression that compiled (its tree and its namespace)."""
    cuts: dict[int, Cuts] = {}
    _cuts(node, ns, cuts)
    lo, hi = bounds(node, ns)
    return Analysis(cuts, lo, hi, lo if lo == hi and not cuts else None)


def union(a: Cuts, b: Cuts) -> Cuts:
    """The cuts of a value read both ways: ALL if either needs its exact value."""
    if a is ALL or b is ALL:
        return ALL
    return a | b


def _cuts(node: ast.AST, ns: Namespace, out: dict[int, Cuts]) -> None:
    """Add to `out` how `node` uses each value: the cut points of its comparisons with constants,
    ALL for any other use. 'and', 'or' and 'not' only combine comparisons."""
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        left, right, op = node.left, node.comparators[0], node.ops[0]
        for name, const, flipped in ((left, right, False), (right, left, True)):
            slot, c = _name_slot(name, ns), _int_constant(const)
            if slot is not None and c is not None:
                out[slot] = union(out.get(slot, frozenset()), _threshold(op, c, flipped))
                return
    if isinstance(node, ast.BoolOp) or (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)):
        for child in ast.iter_child_nodes(node):
            _cuts(child, ns, out)
        return
    slot = _name_slot(node, ns)
    if slot is not None:
        out[slot] = ALL
        return
    for child in ast.iter_child_nodes(node):
        _cuts(child, ns, out)


def _name_slot(node: ast.AST, ns: Namespace) -> int | None:
    """The slot a name (or dotted name) reads; None for anything else, `true` and `false` included."""
    if not isinstance(node, ast.Name | ast.Attribute):
        return None
    try:
        slot = ns.slots.get(_dotted(node))
    except ExpressionError:
        return None
    return slot.index if slot is not None else None


def _int_constant(node: ast.AST) -> int | None:
    """A whole number written in the expression (`3`, `-2`), or None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _int_constant(node.operand)
        return -inner if inner is not None else None
    return None


_FLIPPED = {ast.Lt: ast.Gt, ast.LtE: ast.GtE, ast.Gt: ast.Lt, ast.GtE: ast.LtE}


def _threshold(op: ast.cmpop, c: int, flipped: bool) -> frozenset[int]:
    """The cut points of `value op c` (of `c op value` when flipped)."""
    kind = type(op)
    if kind in (ast.Eq, ast.NotEq):
        return frozenset({c, c + 1})
    if flipped:  # c < value  is  value > c
        kind = _FLIPPED[kind]
    return frozenset({c}) if kind in (ast.GtE, ast.Lt) else frozenset({c + 1})  # > and <= cut above c


def _describe(node: ast.AST) -> str:
    names = {
        "Subscript": "indexing with [ ]",
        "Lambda": "'lambda'",
        "IfExp": "'x if c else y'",
        "List": "a list",
        "Tuple": "a tuple",
        "Dict": "a dictionary",
        "JoinedStr": "an f-string",
        "NamedExpr": "':='",
        "Await": "'await'",
        "Starred": "'*'",
        "ListComp": "a comprehension",
        "GeneratorExp": "a comprehension",
    }
    return names.get(type(node).__name__, f"'{type(node).__name__}'")
