"""The formula language: grammar, hostile input (shared/security.md), exact rounding,
and the report's worked figures."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.formula import (
    MAX_LENGTH,
    FormulaError,
    compile_formula,
    library_symbols,
)
from engine.functions import Items, round_half_up

D = Decimal

# Every category of shared/security.md, several cases each: (category, formula, message part).
HOSTILE = [
    ("escape", "().__class__.__bases__[0].__subclasses__()", "only library functions"),
    ("escape", '"{0.__class__}".format(1)', "only library functions"),
    ("escape", "(x for x in [1]).gi_frame", "attribute access"),
    ("escape", "x.__class__", "attribute access"),
    ("escape", "mean.__globals__", "attribute access"),
    ("file access", 'open("/etc/hostname").read()', "only library functions"),
    ("file access", 'open("MARKER", "w")', "unknown function `open`"),
    ("file access", '__import__("os").system("touch MARKER")', "only library functions"),
    ("file access", '__import__("os")', "unknown function `__import__`"),
    ("integrity", "abs = max", "assignment"),
    ("integrity", "x = 1; x", "more than one statement"),
    ("integrity", "(x := 0)", "assignment (`:=`)"),
    ("integrity", "x += 1", "assignment"),
    ("integrity", "del x", "del"),
    ("cpu", "max(range(10**12))", "unknown function `range`"),
    ("cpu", "(9**9999)**9999", "exponent"),
    ("cpu", "x ** x", "exponent"),
    ("cpu", "[i for i in x]", "comprehension"),
    ("memory", "[0] * 10**8", "list literal"),
    ("memory", '10**8 * "a"', "text is not allowed"),
    ("memory", "(1,) * 100000000", "tuple"),
    ("parser", "(" * 250 + "1" + ")" * 250, "parentheses nest deeper"),
    ("parser", " + ".join(["1"] * 24000), "over the limit"),
    ("parser", "x" * 60_000, "over the limit"),
    ("parser", "-" * 1999 + "1", "nests deeper"),
    ("parser", "lambda: 1", "lambda"),
    ("parser", "1 +", "syntax"),
    ("arithmetic", "(x + 1) / 0", "division by zero"),
]


@pytest.mark.parametrize(("category", "text", "message"), HOSTILE,
                         ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(HOSTILE)])
def test_hostile_formula_is_refused_fast_and_writes_nothing(
    category: str, text: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    start = time.perf_counter()
    with pytest.raises(FormulaError) as info:
        compile_formula(text).evaluate({"x": D(1)})
    elapsed = time.perf_counter() - start
    assert message in info.value.message
    assert elapsed < 0.5, f"{category}: took {elapsed:.2f}s"
    assert list(tmp_path.iterdir()) == []  # no marker file, nothing written


ARITHMETIC = [
    ("a / b", {"a": D(1), "b": D(0)}, "division by zero in `a / b`"),
    ("a / b + 1", {"a": D(0), "b": D(0)}, "in `a / b`"),
    ("a * b * b", {"a": D("1e15"), "b": D("1e15")}, "grows beyond"),
    ("1e308 * 10", {}, "too large"),
    ("a + 1", {"a": D("NaN")}, "not a finite number"),
    ("a + nope", {"a": D(1)}, "no value for `nope`"),
    ("mean(a) + abs(m)", {"a": (D(1),), "m": (D(1), D(2))}, "abs() needs a number"),
    ("percent(a, b)", {"a": D(1), "b": D(0)}, "denominator is zero"),
    ("a > 1", {"a": D(2)}, "true/false"),
    ("mean()", {}, "takes 1 to any number"),
    ("round(a, 2.5)", {"a": D(1)}, "whole number"),
    ("percent(a, b, zero=1)", {"a": D(1), "b": D(1)}, "no argument `zero`"),
]


@pytest.mark.parametrize(("text", "inputs", "message"), ARITHMETIC)
def test_arithmetic_failures_are_errors_never_none(text: str, inputs: dict[str, object],
                                                   message: str) -> None:
    with pytest.raises(FormulaError) as info:
        compile_formula(text).evaluate(inputs)
    assert message in str(info.value)


def test_error_names_the_column_of_the_construct() -> None:
    with pytest.raises(FormulaError) as info:
        compile_formula("mean(a, b.c)")
    assert info.value.column == 9
    assert info.value.part == "b.c"


def test_symbol_table_holds_only_the_library_between_evaluations() -> None:
    before = library_symbols()
    f = compile_formula("mean(a, b) + c")
    assert f.evaluate({"a": D(1), "b": D(2), "c": D(3)}) == D("4.5")
    with pytest.raises(FormulaError):
        f.evaluate({"a": D(1), "b": D(0), "c": D("NaN")})
    assert library_symbols() == before
    assert "open" not in before and "print" not in before and "range" not in before
    # A failed evaluation leaves nothing behind for the next one.
    assert compile_formula("a / b").evaluate({"a": D(1), "b": D(4)}) == D("0.25")


def test_numbers_are_exact_decimals() -> None:
    assert compile_formula("0.1 + 0.2").evaluate({}) == D("0.3")
    assert compile_formula("a / 4").evaluate({"a": D("330.46")}) == D("82.615")


def test_round_half_up_iku10_case() -> None:
    """Tabel 26: mean of PDPIK 88,61, INTI 77,54, AK 83,90, PPSIASN 80,41 = 82,615 -> 82,62."""
    value = compile_formula("mean(a, b, c, d)").evaluate(
        {"a": D("88.61"), "b": D("77.54"), "c": D("83.90"), "d": D("80.41")})
    assert value == D("82.615")
    assert round_half_up(value, 2) == D("82.62")
    assert round(82.615, 2) == 82.61  # what binary floats would have printed
    assert compile_formula("round(x, 2)").evaluate({"x": value}) == D("82.62")


def test_iku5_worked_figure() -> None:
    """Section 3.1 IKU.5: A1 = 84,44; A = 92,22; B = 91,67; IKU = 91,94."""
    modules = Items(tuple((f"m{i}", D(v)) for i, v in enumerate(
        ["66.67", "100", "66.67", "100", "50", "100", "100", "100", "33.33", "50", "100",
         "100", "100", "100", "100"])))
    apps = Items((("simpegnas", D("66.67")), ("android", D(100)), ("web", D(100)),
                  ("ios", D(100))))
    a1 = compile_formula("mean(modul)").evaluate({"modul": modules})
    a = compile_formula("(A1 + talent_pool) / 2").evaluate({"A1": a1, "talent_pool": D(100)})
    b = compile_formula("mean(aplikasi)").evaluate({"aplikasi": apps})
    iku = compile_formula("(A + B) / 2").evaluate({"A": a, "B": b})
    assert [round_half_up(x, 2) for x in (a1, a, b, iku)] == \
        [D("84.44"), D("92.22"), D("91.67"), D("91.94")]


def test_iku8_l1_worked_figure() -> None:
    """Section 3.1 IKU.8: L1 = ((490/490 x 100) + 99,89) / 2. The report prints 99,94; the exact
    value is 99,945, which rounds half up to 99,95: the report rounded down."""
    f = compile_formula("((X1 / Y1 * 100) + Z1) / 2")
    inputs = {"X1": D(490), "Y1": D(490), "Z1": D("99.89")}
    assert f.evaluate(inputs) == D("99.945")
    assert f.substituted(inputs) == "(490 / 490 * 100 + 99.89) / 2"
    assert [v for _, v in f.trace(inputs)] == [D(1), D(100), D("199.89"), D("99.945")]


def test_iku15_no_findings_counts_as_100() -> None:
    f = compile_formula("percent(ditindaklanjuti, temuan, when_zero=100)")
    assert f.evaluate({"ditindaklanjuti": D(0), "temuan": D(0)}) == D(100)
    assert f.evaluate({"ditindaklanjuti": D(3), "temuan": D(4)}) == D(75)


def test_trace_skips_the_branch_not_taken() -> None:
    f = compile_formula("a / b if b != 0 else 100")
    steps = f.trace({"a": D(1), "b": D(0)})
    assert all(expr != "a / b" for expr, _ in steps)
    assert f.evaluate({"a": D(1), "b": D(0)}) == D(100)


def test_length_cap_is_stated() -> None:
    assert MAX_LENGTH == 2000


# -- property: random valid expressions agree with a reference computation ------------------
NAMES = ("a", "b", "c")


@st.composite
def expressions(draw: st.DrawFn, depth: int = 0) -> tuple[str, object]:
    """(formula text, reference function of the inputs)."""
    if depth > 3 or draw(st.booleans()):
        if draw(st.booleans()):
            name = draw(st.sampled_from(NAMES))
            return name, lambda env, n=name: env[n]
        value = draw(st.decimals(min_value=-1000, max_value=1000, places=2,
                                 allow_nan=False, allow_infinity=False))
        text = format(value, "f")
        return f"({text})", lambda env, v=value: v
    op = draw(st.sampled_from(["+", "-", "*", "mean", "max", "min", "neg", "ifpos"]))
    lt, lf = draw(expressions(depth + 1))
    rt, rf = draw(expressions(depth + 1))
    if op in "+-*":
        import operator

        fn = {"+": operator.add, "-": operator.sub, "*": operator.mul}[op]
        return f"({lt} {op} {rt})", lambda env: fn(lf(env), rf(env))
    if op == "neg":
        return f"-({lt})", lambda env: -lf(env)
    if op == "ifpos":
        return f"({lt} if {rt} > 0 else {rt})", lambda env: lf(env) if rf(env) > 0 else rf(env)
    agg = {"mean": lambda x, y: (x + y) / 2, "max": max, "min": min}[op]
    return f"{op}({lt}, {rt})", lambda env: agg(lf(env), rf(env))


@settings(max_examples=150, deadline=None)
@given(expressions(), st.decimals(min_value=-100, max_value=100, places=2),
       st.decimals(min_value=-100, max_value=100, places=2),
       st.decimals(min_value=-100, max_value=100, places=2))
def test_random_expressions_match_reference(expr: tuple[str, object], a: Decimal, b: Decimal,
                                            c: Decimal) -> None:
    import decimal

    text, reference = expr
    env = {"a": a, "b": b, "c": c}
    with decimal.localcontext(decimal.Context(prec=28)):
        expected = reference(env)  # type: ignore[operator]
    assert compile_formula(text).evaluate(env) == expected
