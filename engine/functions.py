"""The formula language's function library, in exact decimal arithmetic.

Every function takes numbers (`Decimal`), lists of numbers (`tuple`) or named
items (`Items`), checks what it was given, and returns a `Decimal`. Each costs
time linear in the size of its arguments. docs/formulas.md documents each
function with an example; the examples there are tested.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


class FunctionError(Exception):
    """A function was called with arguments it cannot use."""


@dataclass(frozen=True)
class Items:
    """Named numbers, such as IKU.5's fifteen service modules, in the order given.

    >>> m = Items((("email", Decimal("100")), ("drive", Decimal("50"))))
    >>> m.values()
    (Decimal('100'), Decimal('50'))
    """

    pairs: tuple[tuple[str, Decimal], ...]  # (name, value) in the order the dataset lists them

    def values(self) -> tuple[Decimal, ...]:
        return tuple(v for _, v in self.pairs)

    def __repr__(self) -> str:
        return "{" + ", ".join(f"{k}: {v}" for k, v in self.pairs) + "}"


def _flatten(fname: str, args: tuple[object, ...]) -> list[Decimal]:
    out: list[Decimal] = []
    for arg in args:
        if isinstance(arg, Items):
            out.extend(arg.values())
        elif isinstance(arg, tuple):
            out.extend(_number(fname, a) for a in arg)
        else:
            out.append(_number(fname, arg))
    return out


def _number(fname: str, value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        kind = "a list" if isinstance(value, tuple | Items) else type(value).__name__
        raise FunctionError(f"{fname}() needs a number here, got {kind}")
    return Decimal(value)


def _nonempty(fname: str, values: list[Decimal]) -> list[Decimal]:
    if not values:
        raise FunctionError(f"{fname}() of no values")
    return values


def f_mean(*args: object) -> Decimal:
    """Arithmetic mean of all numbers given, lists and items flattened.

    >>> f_mean(Decimal("88.61"), Decimal("77.54"), Decimal("83.90"), Decimal("80.41"))
    Decimal('82.615')
    """
    values = _nonempty("mean", _flatten("mean", args))
    return sum(values, Decimal(0)) / len(values)


def f_sum(*args: object) -> Decimal:
    """Sum of all numbers given.

    >>> f_sum((Decimal(1), Decimal(2)), Decimal(3))
    Decimal('6')
    """
    return sum(_flatten("sum", args), Decimal(0))


def f_count(*args: object) -> Decimal:
    """How many numbers are given.

    >>> f_count((Decimal(1), Decimal(2)))
    Decimal('2')
    """
    return Decimal(len(_flatten("count", args)))


def f_min(*args: object) -> Decimal:
    """Smallest number.

    >>> f_min(Decimal(3), (Decimal(1), Decimal(2)))
    Decimal('1')
    """
    return min(_nonempty("min", _flatten("min", args)))


def f_max(*args: object) -> Decimal:
    """Largest number.

    >>> f_max(Decimal(3), (Decimal(1), Decimal(2)))
    Decimal('3')
    """
    return max(_nonempty("max", _flatten("max", args)))


def f_abs(x: object) -> Decimal:
    """Absolute value.

    >>> f_abs(Decimal("-2.5"))
    Decimal('2.5')
    """
    return abs(_number("abs", x))


def f_wmean(values: object, weights: object) -> Decimal:
    """Weighted mean: sum(v * w) / sum(w); both lists of the same length.

    >>> f_wmean((Decimal(80), Decimal(90)), (Decimal(1), Decimal(3)))
    Decimal('87.5')
    """
    vs = _flatten("wmean", (values,))
    ws = _flatten("wmean", (weights,))
    if len(vs) != len(ws):
        raise FunctionError(f"wmean() has {len(vs)} values but {len(ws)} weights")
    total = sum(ws, Decimal(0))
    if total == 0:
        raise FunctionError("wmean() weights sum to zero")
    return sum((v * w for v, w in zip(vs, ws, strict=True)), Decimal(0)) / total


def _divide(fname: str, part: object, whole: object, when_zero: object, scale: Decimal) -> Decimal:
    p, w = _number(fname, part), _number(fname, whole)
    if w == 0:
        if when_zero is None:
            raise FunctionError(
                f"{fname}() denominator is zero and the formula gives no policy; "
                f"write {fname}(a, b, when_zero=...) to say what zero means"
            )
        return _number(fname, when_zero)
    return p / w * scale


def f_percent(part: object, whole: object, when_zero: object = None) -> Decimal:
    """part / whole x 100; `when_zero` is the value when whole is 0 (IKU.15: no findings = 100).

    >>> f_percent(Decimal(3), Decimal(4))
    Decimal('75.00')
    >>> f_percent(Decimal(0), Decimal(0), when_zero=Decimal(100))
    Decimal('100')
    """
    return _divide("percent", part, whole, when_zero, Decimal(100))


def f_ratio(part: object, whole: object, when_zero: object = None) -> Decimal:
    """part / whole, with the same zero policy as percent().

    >>> f_ratio(Decimal(1), Decimal(4))
    Decimal('0.25')
    """
    return _divide("ratio", part, whole, when_zero, Decimal(1))


def round_half_up(x: Decimal, places: int) -> Decimal:
    """Round half up (away from zero on a tie), as Indonesian reports do.

    >>> round_half_up(Decimal("82.615"), 2)
    Decimal('82.62')
    >>> round_half_up(Decimal("-0.125"), 2)
    Decimal('-0.13')
    """
    return x.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def f_round(x: object, places: object = Decimal(0)) -> Decimal:
    """Round half up to `places` decimals (0 to 10).

    >>> f_round(Decimal("82.615"), Decimal(2))
    Decimal('82.62')
    """
    n = _number("round", places)
    if n != n.to_integral_value() or not 0 <= n <= 10:
        raise FunctionError("round() places must be a whole number from 0 to 10")
    return round_half_up(_number("round", x), int(n))


def f_clamp(x: object, low: object, high: object) -> Decimal:
    """x limited to [low, high].

    >>> f_clamp(Decimal(120), Decimal(0), Decimal(100))
    Decimal('100')
    """
    lo, hi = _number("clamp", low), _number("clamp", high)
    if lo > hi:
        raise FunctionError("clamp() low is above high")
    return min(max(_number("clamp", x), lo), hi)


@dataclass(frozen=True)
class FunctionSpec:
    """A library function and what a call to it may look like."""

    func: Callable[..., Decimal]  # the implementation
    min_args: int  # fewest positional arguments
    max_args: int | None  # most positional arguments; None for any number
    keywords: tuple[str, ...] = ()  # keyword arguments it accepts
    takes_lists: bool = False  # whether its arguments may be lists and items (checked at load)


LIBRARY: dict[str, FunctionSpec] = {
    "mean": FunctionSpec(f_mean, 1, None, takes_lists=True),
    "sum": FunctionSpec(f_sum, 1, None, takes_lists=True),
    "count": FunctionSpec(f_count, 1, None, takes_lists=True),
    "min": FunctionSpec(f_min, 1, None, takes_lists=True),
    "max": FunctionSpec(f_max, 1, None, takes_lists=True),
    "abs": FunctionSpec(f_abs, 1, 1),
    "wmean": FunctionSpec(f_wmean, 2, 2, takes_lists=True),
    "percent": FunctionSpec(f_percent, 2, 3, ("when_zero",)),
    "ratio": FunctionSpec(f_ratio, 2, 3, ("when_zero",)),
    "round": FunctionSpec(f_round, 1, 2),
    "clamp": FunctionSpec(f_clamp, 3, 3),
}


def iter_numbers(value: object) -> Iterator[Decimal]:
    """The numbers inside an input value, for checks on data."""
    if isinstance(value, Items):
        yield from value.values()
    elif isinstance(value, tuple):
        yield from value  # type: ignore[misc]
    elif isinstance(value, Decimal):
        yield value
