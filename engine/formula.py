"""The formula language: one checked expression, evaluated by asteval. The only module
that imports `asteval`.

A formula is a single expression over declared variable names: numbers,
`+ - * /`, `**` with a small literal exponent, parentheses, unary minus,
comparisons, `a if c else b`, `and`/`or`/`not` and calls to the function
library (engine.functions.LIBRARY). Nothing else: no attributes, subscripts,
strings, assignments, comprehensions or lambdas.

`compile_formula` parses and checks the grammar once, before any data is read;
`Formula.evaluate` runs the checked tree on asteval with a symbol table that
holds exactly the library and the current inputs, and removes the inputs
afterwards. Arithmetic is exact decimal in a bounded context (28 significant
digits, magnitudes below 10**21); a division by zero, an overflow or an invalid
operation is an error, so a result is always a finite number.

Cost bound: a formula has at most MAX_NODES nodes and no loops, so one
evaluation does at most MAX_NODES steps, each linear in the size of its
arguments (the library's functions walk their lists once): time is
O(formula size x input size), known before it runs.
"""

from __future__ import annotations

import ast
import copy
import decimal
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from engine.functions import LIBRARY, FunctionError, Items

if TYPE_CHECKING:  # asteval is imported by the first evaluation (_engine)
    from asteval import Interpreter

MAX_LENGTH = 2000  # characters; the longest shipped formula is under 100
MAX_DEPTH = 24  # nesting of the parsed tree
MAX_PARENS = 20  # nesting of parentheses, checked on the text before parsing
MAX_NODES = 400  # nodes of the parsed tree
MAX_LITERAL = 10**15  # numbers written in a formula; data may be larger (rupiah amounts)
MAX_EXPONENT = 10  # `x ** n` needs a literal whole n with |n| <= MAX_EXPONENT

# The context every evaluation runs in. Emax bounds magnitudes so that no result is huge;
# the traps turn x/0, overflow and 0/0 into errors instead of Infinity or NaN.
CONTEXT = decimal.Context(
    prec=28,
    rounding=decimal.ROUND_HALF_EVEN,
    Emax=20,
    Emin=-30,
    traps=[decimal.DivisionByZero, decimal.Overflow, decimal.InvalidOperation],
)

# Showing a number must never fail, whatever the evaluation context refused.
_DISPLAY = decimal.Context(prec=60, Emax=999_999, Emin=-999_999)

_ALLOWED_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)
_ALLOWED_UNARY = (ast.USub, ast.UAdd, ast.Not)
_ALLOWED_CMP = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE)
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# What people call the constructs we refuse, for messages.
_CONSTRUCT_NAMES: dict[type, str] = {
    ast.Attribute: "attribute access (`.`)",
    ast.Subscript: "subscript (`[...]`)",
    ast.List: "list literal",
    ast.Tuple: "tuple",
    ast.Dict: "dict literal",
    ast.Set: "set literal",
    ast.ListComp: "comprehension",
    ast.SetComp: "comprehension",
    ast.DictComp: "comprehension",
    ast.GeneratorExp: "generator expression",
    ast.Lambda: "lambda",
    ast.NamedExpr: "assignment (`:=`)",
    ast.JoinedStr: "f-string",
    ast.Starred: "star argument",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Slice: "slice",
}


class FormulaError(Exception):
    """A formula that is not in the language, or that failed on its inputs.

    `column` is 1-based within the formula text (0 when unknown); `part` is the
    sub-expression that failed, when known.
    """

    def __init__(self, message: str, column: int = 0, part: str = "", hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.column = column
        self.part = part
        self.hint = hint


@dataclass(frozen=True)
class Formula:
    """A checked formula, ready to evaluate many times."""

    text: str  # the formula as written in the manual
    node: ast.expr = field(repr=False, compare=False)  # checked tree, numbers already Decimal
    names: tuple[str, ...]  # variable names it reads, in first-use order
    functions: tuple[str, ...]  # library functions it calls

    def evaluate(self, inputs: Mapping[str, object]) -> Decimal:
        """The formula's value on `inputs` (Decimal, tuple of Decimal or Items each)."""
        result: Decimal = (_ENGINE or _engine()).run(self, self.node, inputs, final=True)
        return result

    def trace(self, inputs: Mapping[str, object]) -> list[tuple[str, Decimal | str]]:
        """Every compound sub-expression with its value, innermost first, as evaluated.

        Branches not taken (`a if c else b`, short-circuit `and`/`or`) are left out,
        as they are not evaluated either.
        """
        steps: list[tuple[str, Decimal | str]] = []
        self._trace(self.node, inputs, steps)
        return steps

    def _trace(self, node: ast.expr, inputs: Mapping[str, object],
               steps: list[tuple[str, Decimal | str]]) -> None:
        if isinstance(node, ast.Constant | ast.Name):
            return
        if isinstance(node, ast.IfExp):
            self._trace(node.test, inputs, steps)
            taken = node.body if _engine().run(self, node.test, inputs) else node.orelse
            self._trace(taken, inputs, steps)
        elif isinstance(node, ast.BoolOp):
            for value in node.values:
                self._trace(value, inputs, steps)
                truth = bool(_engine().run(self, value, inputs))
                if truth != isinstance(node.op, ast.And):
                    break
        else:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self._trace(child, inputs, steps)
        value = _engine().run(self, node, inputs)
        shown: Decimal | str = value if isinstance(value, Decimal) else str(value).lower()
        steps.append((show_node(node), shown))

    def substituted(self, inputs: Mapping[str, object]) -> str:
        """The formula with each number-valued name replaced by its value."""
        tree = copy.deepcopy(self.node)

        class _Sub(ast.NodeTransformer):
            def visit_Name(self, n: ast.Name) -> ast.AST:
                v = inputs.get(n.id)
                if isinstance(v, Decimal | int) and not isinstance(v, bool):
                    return ast.copy_location(ast.Name(id=_plain(Decimal(v))), n)
                return n

        return show_node(_Sub().visit(tree))


def show_node(node: ast.expr) -> str:
    """Source text of a checked node, numbers written plainly (not as `Decimal('100')`)."""

    class _Plain(ast.NodeTransformer):
        def visit_Constant(self, n: ast.Constant) -> ast.AST:
            if isinstance(n.value, Decimal):
                return ast.copy_location(ast.Name(id=_plain(n.value)), n)
            return n

    return ast.unparse(_Plain().visit(copy.deepcopy(node)))


def _plain(x: Decimal) -> str:
    """A decimal as people write it: no exponent, no trailing zeros past the point."""
    with decimal.localcontext(_DISPLAY):
        if x.is_finite() and x != 0 and not -12 <= x.adjusted() <= 15:
            return f"{x:.6E}"
        text = format(x.normalize(), "f") if x == x.to_integral_value() else format(x, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def fmt_exact(x: Decimal, max_places: int = 6) -> str:
    """A decimal for explanations: exact when short, else cut to `max_places` with `…`.

    >>> fmt_exact(Decimal("82.615"))
    '82.615'
    >>> fmt_exact(Decimal(1) / Decimal(3))
    '0.333333…'
    """
    q = x.quantize(Decimal(1).scaleb(-max_places), rounding=decimal.ROUND_DOWN)
    return _plain(x) if q == x else _plain(q) + "…"


class _Checker(ast.NodeVisitor):
    """Walks a parsed formula and refuses anything outside the language."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.names: list[str] = []
        self.functions: list[str] = []
        self.count = 0

    def fail(self, node: ast.AST, message: str, hint: str = "") -> FormulaError:
        col = getattr(node, "col_offset", -1) + 1
        part = ast.get_source_segment(self.text, node) or "" if isinstance(node, ast.expr) else ""
        return FormulaError(message, col, part or "", hint)

    def check(self, node: ast.AST, depth: int) -> None:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(node, f"formula has more than {MAX_NODES} parts",
                            "split it into named steps")
        if depth > MAX_DEPTH:
            raise self.fail(node, f"formula nests deeper than {MAX_DEPTH} levels",
                            "split it into named steps")
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                what = "text" if isinstance(node.value, str | bytes) else repr(node.value)
                raise self.fail(node, f"{what} is not allowed in a formula; only numbers are")
            if abs(node.value) >= MAX_LITERAL:
                raise self.fail(node, f"number {node.value} is too large for a formula",
                                "numbers in a formula must be below 10**15")
            return
        if isinstance(node, ast.Name):
            if node.id in LIBRARY:
                raise self.fail(node, f"`{node.id}` is a function; call it as {node.id}(...)")
            if node.id not in self.names:
                self.names.append(node.id)
            return
        if isinstance(node, ast.BinOp):
            if not isinstance(node.op, _ALLOWED_BINOPS):
                raise self.fail(node, f"operator `{_op_text(node.op)}` is not allowed",
                                "use + - * / and ** with a small whole exponent")
            if isinstance(node.op, ast.Pow):
                self._check_exponent(node.right)
            if isinstance(node.op, ast.Div) and isinstance(node.right, ast.Constant) \
                    and node.right.value == 0:  # certain to fail on any data: say so at load
                raise self.fail(node, "division by zero",
                                "divide by a variable, or use percent()/ratio() with when_zero=")
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, _ALLOWED_UNARY):
                raise self.fail(node, f"operator `{_op_text(node.op)}` is not allowed")
        elif isinstance(node, ast.Compare):
            for op in node.ops:
                if not isinstance(op, _ALLOWED_CMP):
                    raise self.fail(node, f"comparison `{_op_text(op)}` is not allowed",
                                    "use == != < <= > >=")
        elif isinstance(node, ast.BoolOp | ast.IfExp):
            pass
        elif isinstance(node, ast.Call):
            self._check_call(node)
            for arg in node.args:
                self.check(arg, depth + 1)
            for kw in node.keywords:
                self.check(kw.value, depth + 1)
            return
        else:
            what = _CONSTRUCT_NAMES.get(type(node), f"`{type(node).__name__}`")
            raise self.fail(node, f"{what} is not allowed in a formula",
                            "a formula is one arithmetic expression over declared variables "
                            "and library functions")
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr_context | ast.operator | ast.unaryop | ast.cmpop
                          | ast.boolop):
                continue
            self.check(child, depth + 1)

    def _check_exponent(self, node: ast.expr) -> None:
        value: object = None
        if isinstance(node, ast.Constant):
            value = node.value
        elif (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)
              and isinstance(node.operand, ast.Constant)):
            value = node.operand.value
            value = -value if isinstance(value, int | float) else None
        if not (isinstance(value, int) and not isinstance(value, bool)
                and abs(value) <= MAX_EXPONENT):
            raise self.fail(node, f"exponent must be a whole number from -{MAX_EXPONENT} "
                                  f"to {MAX_EXPONENT} written in the formula")

    def _check_call(self, node: ast.Call) -> None:
        if not isinstance(node.func, ast.Name):
            raise self.fail(node, "only library functions can be called, by name",
                            f"functions: {', '.join(sorted(LIBRARY))}")
        name = node.func.id
        spec = LIBRARY.get(name)
        if spec is None:
            from engine.errors import did_you_mean

            raise self.fail(node.func, f"unknown function `{name}`",
                            did_you_mean(name, LIBRARY) or
                            f"functions: {', '.join(sorted(LIBRARY))}")
        if name not in self.functions:
            self.functions.append(name)
        n = len(node.args)
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise self.fail(node, "star arguments are not allowed")
        if n < spec.min_args or (spec.max_args is not None and n > spec.max_args):
            most = "any number" if spec.max_args is None else str(spec.max_args)
            raise self.fail(node, f"{name}() takes {spec.min_args} to {most} arguments, got {n}")
        for kw in node.keywords:
            if kw.arg is None or kw.arg not in spec.keywords:
                allowed = ", ".join(spec.keywords) or "none"
                raise self.fail(node, f"{name}() has no argument `{kw.arg or '**'}`",
                                f"keyword arguments it takes: {allowed}")


def _op_text(op: ast.AST) -> str:
    return {
        ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.LShift: "<<",
        ast.RShift: ">>", ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "^",
        ast.Invert: "~", ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in",
    }.get(type(op), type(op).__name__)


class _ToDecimal(ast.NodeTransformer):
    """Numbers written in the formula become Decimal from their text: `0.1` is exactly 0.1."""

    def __init__(self, text: str) -> None:
        self.text = text

    def visit_Constant(self, node: ast.Constant) -> ast.Constant:
        segment = ast.get_source_segment(self.text, node) or repr(node.value)
        # asteval's on_constant returns node.value as it is, so the Decimal is what it computes with
        node.value = Decimal(segment.replace("_", ""))  # type: ignore[assignment]
        return node


def compile_formula(text: str) -> Formula:
    """Parse and check `text`; raise FormulaError naming the construct and its column."""
    if not isinstance(text, str):
        raise FormulaError("a formula must be text")
    return _compile(text)


# The same formulas recur in every revision of a manual and in every owner that copies its
# scheme; a Formula is immutable (its tree is only read), so each text is compiled once.
# Errors are not kept: each failing file raises its own.
@lru_cache(maxsize=4096)
def _compile(text: str) -> Formula:
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"formula is {len(text):,} characters, over the limit of {MAX_LENGTH:,}",
                           hint="split it into named steps")
    if "\n" in text.strip() or "\r" in text:
        raise FormulaError("a formula is one line", hint="write it on one line, or use steps")
    text = text.strip()
    depth = 0
    for i, ch in enumerate(text):  # before parsing: Python's parser has its own, cruder limit
        if ch in "([{":
            depth += 1
            if depth > MAX_PARENS:
                raise FormulaError(f"parentheses nest deeper than {MAX_PARENS} levels", i + 1,
                                   hint="split it into named steps")
        elif ch in ")]}":
            depth -= 1
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        statement = _statement_kind(text)
        if statement:
            raise FormulaError(f"{statement} is not allowed; a formula is one expression",
                               exc.offset or 0,
                               hint="remove it; a formula cannot define or change names") from None
        raise FormulaError(f"syntax: {exc.msg}", exc.offset or 0,
                           hint="check parentheses and operators") from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise FormulaError(f"cannot parse formula: {exc}") from None
    checker = _Checker(text)
    checker.check(tree.body, 0)
    node = _ToDecimal(text).visit(tree.body)
    for name in checker.names:
        if not _NAME_RE.match(name):  # Python allows non-ASCII names; variable names do not
            raise FormulaError(f"`{name}` is not a valid variable name")
    return Formula(text, node, tuple(checker.names), tuple(checker.functions))


def _statement_kind(text: str) -> str:
    """What statement `text` is, when it parses as statements but not as an expression."""
    try:
        module = ast.parse(text, mode="exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return ""
    kinds = {ast.Assign: "assignment (`=`)", ast.AugAssign: "assignment (`+=`)",
             ast.AnnAssign: "assignment", ast.Import: "import", ast.ImportFrom: "import",
             ast.FunctionDef: "function definition", ast.For: "loop", ast.While: "loop",
             ast.Delete: "del", ast.Global: "global"}
    if len(module.body) > 1:
        return "more than one statement (`;`)"
    for stmt in module.body:
        return kinds.get(type(stmt), f"statement `{type(stmt).__name__}`")
    return ""


class _Engine:
    """One asteval interpreter whose symbol table holds only the library and, during an
    evaluation, that evaluation's inputs."""

    def __init__(self) -> None:
        from asteval import Interpreter

        symtable = {name: spec.func for name, spec in LIBRARY.items()}
        self.interp = Interpreter(
            symtable=symtable,
            minimal=True,
            # minimal mode turns off `a if c else b`, which the language has; everything else
            # minimal mode turns off stays off, behind our own grammar check.
            config={"ifexp": True},
            use_numpy=False,
            builtins_readonly=True,
            readonly_symbols=set(LIBRARY),
        )
        # asteval adds `print`; the language has no use for it.
        self.interp.symtable.pop("print", None)
        self.library_names = frozenset(self.interp.symtable)

    def run(self, formula: Formula, node: ast.expr, inputs: Mapping[str, object],
            final: bool = False) -> Any:
        interp = self.interp
        sym = interp.symtable
        installed: list[str] = []
        try:
            for name in formula.names:
                if name not in inputs:
                    raise FormulaError(f"no value for `{name}`", part=name)
                value = inputs[name]
                # The hot path: a finite Decimal is immutable already and goes in as it is.
                if type(value) is not Decimal or not value.is_finite():
                    value = _freeze(name, value)
                sym[name] = value
                installed.append(name)
            # asteval keeps error state between runs; start each one clean.
            interp.error = []
            interp.error_msg = None
            interp._interrupt = None
            interp.retval = None
            interp.expr = formula.text
            interp.code_text = []
            # Swapping the thread's context in and out is cheaper than localcontext(), which
            # copies it on every call; CONTEXT's traps are all that matter, its flags do not.
            previous = decimal.getcontext()
            decimal.setcontext(CONTEXT)
            try:
                result = interp.run(node, with_raise=True)
            except Exception as exc:
                raise _translate(formula, interp, exc) from None
            finally:
                decimal.setcontext(previous)
            if interp.error:
                raise _translate(formula, interp, None)
        finally:
            for name in installed:
                sym.pop(name, None)
            interp.error = []
        if final:
            return _final_number(result)
        return result


def _freeze(name: str, value: object) -> object:
    """Inputs become immutable Decimal values: a formula cannot change what it was given."""
    if isinstance(value, bool):
        raise FormulaError(f"`{name}` is true/false, not a number", part=name)
    if isinstance(value, Decimal | int):
        d = Decimal(value)
        if not d.is_finite():
            raise FormulaError(f"`{name}` is not a finite number ({value})", part=name)
        return d
    if isinstance(value, Items):
        return value
    if isinstance(value, tuple | list):
        return tuple(_freeze(name, v) for v in value)
    raise FormulaError(f"`{name}` has a value of kind {type(value).__name__}", part=name)


def _final_number(result: object) -> Decimal:
    if isinstance(result, bool):
        raise FormulaError("formula gives true/false, not a number",
                           hint="wrap a condition as `a if condition else b`")
    if isinstance(result, int):
        return Decimal(result)
    if isinstance(result, Decimal):
        if not result.is_finite():
            raise FormulaError("formula does not give a finite number")
        return result
    if isinstance(result, tuple | Items):
        raise FormulaError("formula gives a list, not a number",
                           hint="combine the list with mean(), sum(), min() or max()")
    raise FormulaError(f"formula gives {type(result).__name__}, not a number")


_EXC_MESSAGES: dict[type, str] = {
    decimal.DivisionByZero: "division by zero",
    decimal.DivisionUndefined: "0 / 0 is undefined",
    decimal.Overflow: "a value grows beyond 10**21",
    decimal.InvalidOperation: "invalid arithmetic (such as 0/0 or a wrong kind of value)",
}


def _translate(formula: Formula, interp: Interpreter, exc: Exception | None) -> FormulaError:
    """An asteval failure as a FormulaError naming the innermost failing part."""
    holder = interp.error[0] if interp.error else None
    node = getattr(holder, "node", None)
    kind = getattr(holder, "exc", None) or (type(exc) if exc else None)
    inner = holder.exc_info[1] if holder is not None and holder.exc_info[1] else exc
    part = ""
    column = 0
    if isinstance(node, ast.expr):
        part = show_node(node)
        column = getattr(node, "col_offset", -1) + 1
    if isinstance(inner, FormulaError):
        return inner
    if isinstance(inner, FunctionError):
        message = str(inner)
    elif kind is not None and any(issubclass(kind, k) for k in _EXC_MESSAGES):
        message = next(m for k, m in _EXC_MESSAGES.items() if issubclass(kind, k))
    elif kind is NameError:
        message = str(inner) if inner else "unknown name"
    elif kind is TypeError:
        message = f"wrong kind of value: {inner}" if inner else "wrong kind of value"
    else:
        message = str(inner) if inner else "evaluation failed"
    if part:
        message = f"{message} in `{part}`"
    return FormulaError(message, column, part)


# Started by the first evaluation: validate, show and diff compute nothing, and importing
# asteval (with ctypes) and building its interpreter is about 4 ms of their start-up.
_ENGINE: _Engine | None = None


def _engine() -> _Engine:
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = _Engine()
    return _ENGINE


def library_symbols() -> frozenset[str]:
    """Names in the interpreter's symbol table between evaluations (for tests)."""
    return frozenset(_engine().interp.symtable)


def asteval_version() -> str:
    """asteval's version, for a cache key (engine.rowcache)."""
    import asteval

    return str(asteval.__version__)
