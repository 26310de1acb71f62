"""The expression language: what it computes, what it refuses, and that nothing is ever run as code."""

from __future__ import annotations

import builtins

import pytest

from game.scenario.compiled import load
from game.scenario.expressions import (
    BOOL,
    INT,
    ExpressionError,
    Namespace,
    Slot,
    compile_condition,
    compile_effect,
    compile_number,
)

# supply 0..5, courage 0..10, scouted/fasting flags, a unit's men 0..999 and morale 0..4
NS = Namespace({
    "supply": Slot(0, INT, 0, 5),
    "courage": Slot(1, INT, 0, 10),
    "scouted": Slot(2, BOOL, 0, 1),
    "fasting": Slot(3, BOOL, 0, 1),
    "unit.huns.men": Slot(4, INT, 0, 999),
    "unit.huns.morale": Slot(5, INT, 0, 4),
})
VALUES = (3, 7, 1, 0, 20, 2)


def number(src: str, values=VALUES) -> int:
    return compile_number(src, NS)(values)


def cond(src: str, values=VALUES) -> bool:
    result = compile_condition(src, NS)(values)
    assert result in (0, 1)
    return bool(result)


def effect(src: str, values=VALUES) -> list[int]:
    out = list(values)
    compile_effect(src, NS).apply(out)
    return out


def error(kind, src: str) -> str:
    with pytest.raises(ExpressionError) as info:
        kind(src, NS)
    return str(info.value)


# -- evaluation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "src, expected",
    [
        ("supply", 3),
        ("12", 12),
        ("supply + courage", 10),
        ("courage - supply * 2", 1),
        ("(courage - supply) * 2", 8),
        ("courage // 2", 3),
        ("-courage // 2", -4),  # whole-number division rounds down, as documented
        ("courage // (courage - 7)", 0),  # division by zero gives 0 rather than an error
        ("-supply", -3),
        ("+supply", 3),
        ("min(supply, courage)", 3),
        ("max(supply, courage)", 7),
        ("min(supply, courage, 1)", 1),
        ("max(supply, min(courage, 4), 0)", 4),
        ("unit.huns.men + unit.huns.morale", 22),
        ("unit.huns.men * 1000000", 20_000_000),
        ("1000000", 1_000_000),
    ],
)
def test_numbers(src, expected):
    assert number(src) == expected


@pytest.mark.parametrize(
    "src, expected",
    [
        ("scouted", True),
        ("fasting", False),
        ("not fasting", True),
        ("true", True),
        ("false", False),
        ("supply >= 3", True),
        ("supply > 3", False),
        ("supply == 3", True),
        ("supply != 3", False),
        ("supply < courage", True),
        ("supply <= 2", False),
        ("scouted and not fasting", True),
        ("scouted and fasting", False),
        ("fasting or supply == 3", True),
        ("fasting or supply == 4", False),
        ("scouted == true", True),
        ("fasting != false", False),
        ("scouted == fasting", False),
        ("not (supply > 1 and courage > 1)", False),
        ("min(supply, courage) == 3", True),
        ("supply >= 1 # a comment", True),
    ],
)
def test_conditions(src, expected):
    assert cond(src) is expected


@pytest.mark.parametrize(
    "src, values, expected",
    [
        ("0 < supply <= 3", (3, 7, 1, 0, 20, 2), True),
        ("0 < supply <= 3", (4, 7, 1, 0, 20, 2), False),
        ("0 < supply <= 3", (0, 7, 1, 0, 20, 2), False),
        ("1 <= supply < courage <= 10", (3, 7, 1, 0, 20, 2), True),
        ("1 <= supply < courage <= 10", (7, 7, 1, 0, 20, 2), False),
        ("supply == courage == 3", (3, 3, 0, 0, 0, 0), True),
        ("supply == courage == 3", (3, 4, 0, 0, 0, 0), False),
    ],
)
def test_comparison_chains(src, values, expected):
    assert cond(src, values) is expected


def test_reads_record_the_names_used():
    c = compile_condition("supply > 1 and unit.huns.morale >= 2", NS)
    assert c.reads == frozenset({0, 5})
    assert c.type == BOOL
    assert compile_number("courage + 1", NS).reads == frozenset({1})
    assert compile_number("3", NS).reads == frozenset()
    assert compile_effect("supply += courage", NS).reads == frozenset({0, 1})
    assert compile_effect("supply = courage", NS).reads == frozenset({1})


# -- effects and clamping -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "src, expected",
    [
        ("supply += 1", [4, 7, 1, 0, 20, 2]),
        ("supply -= 1", [2, 7, 1, 0, 20, 2]),
        ("supply = 0", [0, 7, 1, 0, 20, 2]),
        ("supply += 10", [5, 7, 1, 0, 20, 2]),  # clamped to the top of 0..5
        ("supply -= 10", [0, 7, 1, 0, 20, 2]),  # clamped to the bottom
        ("supply = -4", [0, 7, 1, 0, 20, 2]),
        ("supply = 99", [5, 7, 1, 0, 20, 2]),
        ("supply = courage", [5, 7, 1, 0, 20, 2]),
        ("supply = courage // 2", [3, 7, 1, 0, 20, 2]),
        ("courage += supply * 2", [3, 10, 1, 0, 20, 2]),
        ("courage = min(courage, supply)", [3, 3, 1, 0, 20, 2]),
        ("courage = max(0, supply - 5)", [3, 0, 1, 0, 20, 2]),
        ("fasting = true", [3, 7, 1, 1, 20, 2]),
        ("scouted = false", [3, 7, 0, 0, 20, 2]),
        ("fasting = scouted and supply > 2", [3, 7, 1, 1, 20, 2]),
        ("unit.huns.men += 2000", [3, 7, 1, 0, 999, 2]),  # men 0..999
        ("unit.huns.men -= 25", [3, 7, 1, 0, 0, 2]),
        ("unit.huns.morale += 5", [3, 7, 1, 0, 20, 4]),  # morale 0..4
        ("unit.huns.morale = -1", [3, 7, 1, 0, 20, 0]),
        ("(supply) += 1", [4, 7, 1, 0, 20, 2]),
    ],
)
def test_effects(src, expected):
    assert effect(src) == expected


def test_effects_apply_in_order_each_clamped():
    out = list(VALUES)
    for src in ("supply += 4", "supply -= 1", "courage = supply * 3"):
        compile_effect(src, NS).apply(out)
    # 3 + 4 = 7 is clamped to 5 before the next effect sees it
    assert out[:2] == [4, 10]


def test_effect_fields():
    e = compile_effect("  courage -= 2 ", NS)
    assert (e.op, e.slot, e.source) == ("-=", NS.slots["courage"], "  courage -= 2 ")


# -- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, src, message",
    [
        (compile_number, "suply", "unknown name 'suply' (did you mean 'supply'?)"),
        (compile_condition, "scoutd", "unknown name 'scoutd' (did you mean 'scouted'?)"),
        (compile_number, "unit.huns.mne", "unknown name 'unit.huns.mne' (did you mean 'unit.huns.men'?)"),
        (compile_number, "unit.hun.men", "unknown name 'unit.hun.men' (did you mean 'unit.huns.men'?)"),
        (compile_number, "supply ** 2", "operator '**' is not allowed (use + - * //)"),
        (compile_number, "supply / 2", "operator '/' is not allowed (use + - * //)"),
        (compile_number, "supply % 2", "operator '%' is not allowed (use + - * //)"),
        (compile_number, "supply << 2", "operator '<<' is not allowed (use + - * //)"),
        (compile_number, "supply & 2", "operator '&' is not allowed (use + - * //)"),
        (compile_number, "supply @ 2", "operator '@' is not allowed (use + - * //)"),
        (compile_number, "~supply", "operator '~' is not allowed"),
        (compile_condition, "supply in (1, 2)", "'in' and 'is' are not allowed; use == or !="),
        (compile_condition, "supply is 1", "'in' and 'is' are not allowed; use == or !="),
        (compile_condition, "__import__('os')", "only min(a, b, ...) and max(a, b, ...) may be called"),
        (compile_number, "abs(supply)", "only min(a, b, ...) and max(a, b, ...) may be called"),
        (compile_number, "min(supply)", "only min(a, b, ...) and max(a, b, ...) may be called"),
        (compile_number, "max(supply, 1, key=2)", "only min(a, b, ...) and max(a, b, ...) may be called"),
        (compile_number, "supply.bit_length()", "only min(a, b, ...) and max(a, b, ...) may be called"),
        (compile_condition, "supply + 5", "a condition must be true or false (e.g. 'supply >= 3'); "
                                          "'supply + 5' is a number"),
        (compile_condition, "3", "a condition must be true or false (e.g. 'supply >= 3'); '3' is a number"),
        (compile_condition, "scouted == 1", "cannot compare a true/false with a number"),
        (compile_condition, "supply != true", "cannot compare a number with a true/false"),
        (compile_condition, "not supply", "'not' needs a true/false, not a number"),
        (compile_condition, "scouted and 1", "'and'/'or' needs a true/false, not a number"),
        (compile_condition, "supply >= ", "cannot read expression 'supply >='"),
        (compile_condition, "supply ==", "cannot read expression 'supply =='"),
        (compile_condition, "(supply", "cannot read expression '(supply'"),
        (compile_condition, "", "cannot read expression ''"),
        (compile_condition, "x := 1", "cannot read expression 'x := 1'"),
        (compile_condition, "supply; fasting", "cannot read expression 'supply; fasting'"),
        (compile_number, "1.5", "1.5 is not allowed; use whole numbers, true or false"),
        (compile_number, "'text'", "'text' is not allowed; use whole numbers, true or false"),
        (compile_condition, "None", "None is not allowed; use whole numbers, true or false"),
        (compile_number, "1000001", "number 1000001 is too large"),
        (compile_number, "supply[0]", "indexing with [ ] is not allowed in expressions"),
        (compile_number, "supply if scouted else 1", "'x if c else y' is not allowed in expressions"),
        (compile_number, "lambda: 1", "'lambda' is not allowed in expressions"),
        (compile_number, "[supply]", "a list is not allowed in expressions"),
        (compile_number, "(supply, 1)", "a tuple is not allowed in expressions"),
        (compile_number, "{1: 2}", "a dictionary is not allowed in expressions"),
        (compile_number, "f'{supply}'", "an f-string is not allowed in expressions"),
        (compile_number, "[x for x in supply]", "a comprehension is not allowed in expressions"),
        (compile_number, "supply" + " + 1" * 200, "expression is too long (500 characters at most)"),
    ],
    ids=lambda v: v[:40] if isinstance(v, str) else None,
)
def test_expression_errors(kind, src, message):
    assert error(kind, src).startswith(message)


@pytest.mark.parametrize(
    "src, message",
    [
        ("scouted += 1", "'scouted' is a flag: set it with '= true' or '= false'"),
        ("scouted -= 1", "'scouted' is a flag: set it with '= true' or '= false'"),
        ("scouted = 1", "'scouted' is a true/false but the value is a number"),
        ("supply = true", "'supply' is a number but the value is a true/false"),
        ("supply = supply > 1", "'supply' is a number but the value is a true/false"),
        ("supply == 1", "'supply == 1' is not an effect; write 'name = value', 'name += n' or 'name -= n'"),
        ("supply *= 2", "'supply *= 2' is not an effect; write 'name = value', 'name += n' or 'name -= n'"),
        ("supply //= 2", "'supply //= 2' is not an effect"),
        ("supply = courage = 1", "'supply = courage = 1' is not an effect"),
        ("supply: int = 1", "'supply: int = 1' is not an effect"),
        ("import os", "'import os' is not an effect"),
        ("del supply", "'del supply' is not an effect"),
        ("supply = 1; courage = 2", "write one effect per list entry"),
        ("supply, courage = 1, 2", "the left side of an effect must be a name, such as 'supply' or 'unit.huns.morale'"),
        ("supply[0] = 1", "the left side of an effect must be a name"),
        ("x = 1", "unknown name 'x'"),
        ("suply += 1", "unknown name 'suply' (did you mean 'supply'?)"),
        ("supply += suply", "unknown name 'suply' (did you mean 'supply'?)"),
        ("supply += 1 +", "cannot read expression 'supply += 1 +'"),
        ("supply += 2 ** 3", "operator '**' is not allowed (use + - * //)"),
    ],
)
def test_effect_errors(src, message):
    assert error(compile_effect, src).startswith(message)


@pytest.mark.parametrize("compiler", [compile_condition, compile_number, compile_effect])
@pytest.mark.parametrize("value", [None, 3, True, ["supply"]])
def test_non_text_is_an_error(compiler, value):
    with pytest.raises(ExpressionError) as info:
        compiler(value, NS)
    assert "must be text" in str(info.value)


# -- never run as code ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "src",
    ["__builtins__", "__import__", "eval", "exec", "open", "globals", "print", "os", "sys", "self",
     "True_", "__class__", "__builtins__.open", "supply.__class__", "unit.__dict__"],
)
def test_python_names_are_unknown_names(src):
    assert error(compile_number, src).startswith(f"unknown name '{src}'")


@pytest.mark.parametrize(
    "src",
    [
        "().__class__",
        "().__class__.__bases__[0].__subclasses__()",
        "(1).__class__",
        "''.join",
        "__import__('os').system('touch PWNED')",
        "eval('1')",
        "exec('x = 1')",
        "open('/etc/passwd')",
        "getattr(supply, 'real')",
        "[c for c in ().__class__.__mro__]",
        "(lambda: 1)()",
        "__builtins__['eval']('1')",
    ],
)
def test_attribute_and_call_tricks_are_refused(src, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for compiler in (compile_condition, compile_number):
        with pytest.raises(ExpressionError):
            compiler(src, NS)
    assert not (tmp_path / "PWNED").exists()


def test_attribute_trick_message_fits_a_condition():
    message = error(compile_condition, "().__class__")
    assert "effect" not in message


def test_nothing_is_evaluated_with_eval_or_exec(monkeypatch):
    """The game's code may parse (compile to an AST only) but never eval, exec or compile to code."""
    import ast
    import sys

    misuse: list[str] = []
    real = {"eval": builtins.eval, "exec": builtins.exec, "compile": builtins.compile}

    def guard(name):
        def wrapper(*args, **kwargs):
            caller = sys._getframe(1).f_globals.get("__name__", "")
            flags = kwargs.get("flags", args[3] if len(args) > 3 else 0)
            from_game = caller == "game" or caller.startswith("game.") or caller == "ast"
            if from_game and not (name == "compile" and flags & ast.PyCF_ONLY_AST):
                misuse.append(f"{name} called from {caller}")
            return real[name](*args, **kwargs)
        return wrapper

    for name in real:
        monkeypatch.setattr(builtins, name, guard(name))
    assert number("max(supply, courage) * 2 - 1") == 13
    assert cond("0 < supply <= 3 and not fasting") is True
    assert effect("courage -= min(supply, 2)") == [3, 5, 1, 0, 20, 2]
    for src in ("__import__('os')", "eval('1')", "().__class__"):
        with pytest.raises(ExpressionError):
            compile_condition(src, NS)
    assert misuse == []


@pytest.mark.parametrize(
    "compiler, src",
    [(compile_number, "-" * 499 + "1"), (compile_number, "+" * 499 + "1"),
     (compile_condition, "-" * 494 + "1 > 0")],
    ids=["minus", "plus", "condition"],
)
def test_deeply_nested_expression_is_an_expression_error(compiler, src):
    assert len(src) <= 500
    try:
        compiler(src, NS)
    except ExpressionError:
        return
    except RecursionError:  # reported briefly: pytest's traceback of a deep recursion is slow
        got = "RecursionError"
    else:
        got = "no error"
    pytest.fail(f"expected ExpressionError, got {got}", pytrace=False)


def test_moderately_nested_expression_still_works():
    assert number("-" * 100 + "3") == 3
    assert number("(" * 50 + "supply" + ")" * 50) == 3
    assert cond("not " * 41 + "fasting") is True


# -- the namespace of a real scenario --------------------------------------------------------------


def test_scenario_namespace(mini_dir):
    cs = load(mini_dir)
    names = set(cs.namespace.slots)
    assert {"supply", "courage", "losses", "scouted", "won", "unit.horse.men", "unit.horse.morale",
            "unit.horse.fatigue"} <= names
    assert cs.namespace.slots["supply"].type == INT
    assert (cs.namespace.slots["supply"].lo, cs.namespace.slots["supply"].hi) == (0, 5)
    assert cs.namespace.slots["scouted"].type == BOOL
    morale = cs.namespace.slots["unit.foot.morale"]
    assert (morale.lo, morale.hi) == (0, 4)
    fatigue = cs.namespace.slots["unit.foot.fatigue"]
    assert (fatigue.lo, fatigue.hi) == (0, 2)
    values = list(cs.initial)
    compile_effect("unit.foot.fatigue += 5", cs.namespace).apply(values)
    assert values[fatigue.index] == 2
    assert compile_condition("unit.horse.men == 20 and supply == 3", cs.namespace)(cs.initial) == 1
    assert names == set(cs.names)


def test_conditions_count_as_one_or_zero_in_numbers():
    values = [0] * len(NS.slots)
    values[NS.slots["supply"].index] = 4
    assert compile_number("1 + (supply >= 3) + 2 * (supply > 4)", NS)(values) == 2
    assert compile_number("supply > 1", NS)(values) == 1
    assert compile_number("min(scouted, 1) + scouted", NS)(values) == 0
    values[NS.slots["scouted"].index] = 1
    assert compile_number("-scouted + 3", NS)(values) == 2
    # but a number is still not a condition
    with pytest.raises(ExpressionError):
        compile_condition("supply + 1", NS)


# -- division by zero ------------------------------------------------------------------------------


@pytest.mark.parametrize("src, shown", [
    ("supply // 0", "0"),
    ("supply // (2 - 2)", "2 - 2"),
    ("supply // false", "false"),
    ("supply // (courage * 0)", "courage * 0"),
    ("supply // min(0, 0, 3)", "min(0, 0, 3)"),
    ("supply // (supply // 6)", "supply // 6"),  # supply is 0 to 5: a sixth of it is always 0
    ("1 + (3 // 0)", "0"),
])
def test_division_by_a_constant_zero_is_refused(src, shown):
    assert error(compile_number, src) == f"division by zero: '{shown}' is always 0"
    assert error(compile_effect, f"supply = {src}") == f"division by zero: '{shown}' is always 0"
    assert error(compile_condition, f"{src} > 1") == f"division by zero: '{shown}' is always 0"


def test_modulo_is_not_in_the_language():
    assert error(compile_number, "supply % 0") == "operator '%' is not allowed (use + - * //)"


@pytest.mark.parametrize("src, warning", [
    ("supply // supply", "'supply' can be 0 here (0 to 5), and dividing by 0 gives 0"),
    ("courage // (supply - 3)", "'supply - 3' can be 0 here (-3 to 2), and dividing by 0 gives 0"),
    ("courage // scouted", "'scouted' can be 0 here (0 to 1), and dividing by 0 gives 0"),
    ("courage // (unit.huns.morale - 2)", "'unit.huns.morale - 2' can be 0 here (-2 to 2), and dividing by 0 gives 0"),
    ("courage // (supply >= 3)", "'supply >= 3' can be 0 here (0 to 1), and dividing by 0 gives 0"),
])
def test_division_by_what_can_be_zero_carries_a_warning_and_gives_zero(src, warning):
    compiled = compile_number(src, NS)
    assert compiled.warnings == (warning,)
    assert compile_effect(f"courage = {src}", NS).warnings == (warning,)
    zero = {"supply // supply": (0, 7, 1, 0, 20, 2), "courage // (supply - 3)": VALUES,
            "courage // scouted": (3, 7, 0, 0, 20, 2), "courage // (unit.huns.morale - 2)": VALUES,
            "courage // (supply >= 3)": (2, 7, 1, 0, 20, 2)}[src]
    assert compiled(zero) == 0  # the documented result of dividing by 0


@pytest.mark.parametrize("src", [
    "supply // 2", "supply // -3", "supply // (supply + 1)", "supply // max(supply, 1)",
    "supply // (1 + (courage > 2))", "supply // (-supply - 1)", "supply // min(-1, -courage)",
])
def test_division_by_what_is_never_zero_is_quiet(src):
    assert compile_number(src, NS).warnings == ()
