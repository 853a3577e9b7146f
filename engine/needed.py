"""What is still needed: as of a period, the realisasi that the periods still to come must
bring for each indicator and unit to reach its target, and each status band.

For an indicator, a unit (or the owner) and a target period not yet over (a targeted
period, or the year), the periods that form its value are split into those already in
(ending within the as-of period, with a figure) and those to come. The answer is the least
realisasi x (the greatest, for lower-is-better) on the published-figure grid — a multiple of
10^-precision — such that, with every period to come at x, the engine's own functions give
a capaian at or above the goal: engine.rules.apply of the schedule's aggregate over the
rounded period values (and of the cascade's roll-up over the units' rounded values, for the
owner), then engine.scoring.score with the manual's capaian formula, cap and bands. The
target is met at capaian 100 (rounded), a band at its lower bound.

The search is a binary search over integers k (x = k x 10^-precision), which is exact
because every step is monotone: the aggregates `last`, `mean` and `sum`, the roll-ups `mean`,
`sum`, `min`, `max` and `weighted_mean` (non-negative weights), half-up rounding, the cap,
and a capaian formula that rises with a better realisasi (checked at the bounds of the
search). Every answer is verified by evaluating it, and one grid step short of it is
evaluated too: it reaches the goal and the step before does not. `formula` aggregates and
roll-ups are the manual's own arithmetic, of no known direction: they are said to be
unsolvable, never guessed.

Bounds: x lies within the variable's `min` and `max` where the unit's formula is that one
variable; otherwise it is taken to be at least 0, and is searched up to 10^15. "Already
reached" means the goal is met at the worst bound (whatever comes); "out of reach" that it
is not met at the best one (the variable's maximum, or the cap stops capaian short of it),
and it says why.

With an input named (`--input Z1`), the needed value of that input in each period to come,
the unit's other inputs held at their latest values, such that the unit's formula gives the
needed figure; also verified by evaluating the formula, and searched on the grid of the
decimals its latest value is written with.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from engine.dataset import Entry
from engine.evaluate import Evaluator
from engine.formula import Formula, FormulaError
from engine.functions import round_half_up
from engine.model import Iku, Manual, TargetValue, Variable
from engine.periods import SUFFIXES, Period
from engine.rules import AGGREGATES, CASCADE, apply
from engine.scoring import Figure, score, target_of
from engine.values import ERRORS, OK, Value

LIMIT = Decimal(10) ** 15  # the furthest the search goes where no bound is known

# The rules the search knows to be monotone (non-decreasing in every part). Any other rule a
# manual may name, now or once more rules exist, is said to be unsolvable, never guessed.
MONOTONE_AGGREGATES = frozenset({"last", "mean", "sum"})
MONOTONE_ROLLUPS = frozenset({"mean", "sum", "min", "max", "weighted_mean"})
POLARITIES = frozenset({"higher_is_better", "lower_is_better"})  # capaian moves one way

NEEDED = "needed"
REACHED = "already reached"
OUT = "out of reach"
UNSOLVABLE = "cannot be solved"


@dataclass(frozen=True)
class Goal:
    names: tuple[str, ...]  # "target" and/or status band names, such as ("target", "hijau")
    capaian: Decimal  # the least (rounded) capaian that meets it

    @property
    def label(self) -> str:
        return " / ".join(self.names)


@dataclass(frozen=True)
class Answer:
    goal: Goal  # what is to be reached
    outcome: str  # needed, already reached, out of reach, cannot be solved
    value: Decimal | None  # needed: the realisasi in each period to come; otherwise the
    # bound it was decided at (None when none was tried)
    capaian: Decimal | None  # the capaian the engine gives at `value`
    short: Decimal | None  # needed: the capaian one grid step short of `value`
    why: str  # for every outcome but needed: why


@dataclass(frozen=True)
class Part:
    period: Period  # a measured period that forms the target period's value
    unit: str  # whose
    value: Decimal | None  # its published figure when it is in
    note: str  # "no data so far", ...

    @property
    def known(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class InputAnswer:
    name: str  # the input
    unit: str  # whose input
    goal: Goal  # for which goal's figure
    figure: Decimal  # the unit's figure that the input must bring
    value: Decimal | None  # the input's needed value; None when it has none
    result: Decimal | None  # the unit's figure the formula gives at `value`, published
    held: str  # the other inputs, as held, and the entry they come from
    why: str  # when there is no value: why; otherwise which way the input moves


@dataclass(frozen=True)
class Need:
    iku: Iku  # under the revision in force for `period`
    unit: str  # the unit, or the owner
    unit_name: str  # for tables
    owner_level: bool  # the owner's figure, rolled up from its units'
    period: Period  # the target period
    target: TargetValue  # its target: a number, or a range the engine scores by its bounds
    revision: str  # the revision in force for it
    how: str  # how its value is formed, in words
    parts: tuple[Part, ...]  # the periods (of each unit, for the owner) that form it
    to_come: tuple[Period, ...]  # the periods to come, each at the needed value
    answers: tuple[Answer, ...]  # per goal, lowest capaian first
    figure: tuple[Answer, ...]  # the owner's own figure needed, per goal (owner only)
    best: tuple[Decimal, Period] | None  # the best figure of a period so far this year
    lacking: tuple[str, ...]  # units without any figure so far (owner only)
    inputs: tuple[InputAnswer, ...]  # the named input's needed values
    at_risk: str  # why it is at risk ("" when it is not)

    def answer(self, name: str) -> Answer | None:
        return next((a for a in self.answers if name in a.goal.names), None)


@dataclass(frozen=True)
class Needs:
    owner: str  # owner code
    unit: str  # whose view (the owner, or a unit)
    as_of: Period  # data up to this period
    input_name: str  # the input named, "" when none
    rows: tuple[Need, ...]  # per indicator and target period still to come
    precision: int  # decimals of published figures, from the manual

    @property
    def at_risk(self) -> tuple[Need, ...]:
        return tuple(n for n in self.rows if n.at_risk)


# -- the search ---------------------------------------------------------------------------------
def grid(k: int, places: int) -> Decimal:
    """The k-th point of the grid of `places` decimals.

    >>> grid(9950, 2), grid(-3, 0)
    (Decimal('99.50'), Decimal('-3'))
    """
    return Decimal(k).scaleb(-places)


def to_grid(x: Decimal, places: int, up: bool) -> int:
    """The grid index at or above (`up`) or at or below `x`.

    >>> to_grid(Decimal("0.125"), 2, True), to_grid(Decimal("0.125"), 2, False)
    (13, 12)
    """
    return int((x.scaleb(places)).to_integral_value(ROUND_CEILING if up else ROUND_FLOOR))


def search(reach: Callable[[int], bool], lo: int, hi: int, rising: bool) -> tuple[str, int]:
    """The best-for-the-worst k in [lo, hi] where `reach` holds, for a `reach` that is
    monotone: non-decreasing in k when `rising` (the least such k), else non-increasing (the
    greatest). (REACHED, worst end) when it holds at the worst end of the range, (OUT, best
    end) when not even at the best end, (NEEDED, k) otherwise.

    >>> search(lambda k: k >= 7, 0, 100, True), search(lambda k: k <= 7, 0, 100, False)
    (('needed', 7), ('needed', 7))
    >>> search(lambda k: k >= -5, 0, 100, True), search(lambda k: k >= 500, 0, 100, True)
    (('already reached', 0), ('out of reach', 100))
    """
    worst, best = (lo, hi) if rising else (hi, lo)
    if reach(worst):
        return REACHED, worst
    if not reach(best):
        return OUT, best
    fail, ok = worst, best  # reach(fail) is false, reach(ok) true; they close in
    while abs(ok - fail) > 1:
        mid = (fail + ok) // 2
        if reach(mid):
            ok = mid
        else:
            fail = mid
    return NEEDED, ok


# -- one target period ---------------------------------------------------------------------------
def goals(manual: Manual) -> tuple[Goal, ...]:
    """The target (capaian 100) and each status band with a lower bound, lowest first; one
    goal per threshold (SINKA's hijau starts at 100: "target / hijau")."""
    named: dict[Decimal, list[str]] = {Decimal(100): ["target"]}
    for b in manual.scoring.bands:
        if b.low is not None:
            named.setdefault(b.low, []).append(b.name)
    return tuple(Goal(tuple(n), c) for c, n in sorted(named.items()))


def _bare_variable(formula: Formula, iku: Iku) -> Variable | None:
    if isinstance(formula.node, ast.Name):
        return iku.variable(formula.node.id)
    return None


def unit_formula(iku: Iku, unit: str) -> Formula:
    cu = iku.cascade.unit(unit)
    return cu.formula if cu is not None and cu.formula is not None else iku.formula


def bounds(iku: Iku, unit: str) -> tuple[Decimal, Decimal | None, bool]:
    """The range of a unit's figure: its variable's `min` and `max` when its formula is one
    variable; otherwise from 0, unbounded above. The last is whether the lower bound is
    declared (not taken as 0)."""
    var = _bare_variable(unit_formula(iku, unit), iku)
    if var is None or var.min is None:
        return Decimal(0), var.max if var is not None else None, False
    return var.min, var.max, True


@dataclass(frozen=True)
class _Chain:
    """How a unit's value for the target period is formed from the periods to come."""

    unit: str
    parts: tuple[Part, ...]  # every period that forms it, known or to come
    rule: str  # the aggregate applied; "" when the target period is its own figure
    lo: Decimal  # bounds of a period's figure
    hi: Decimal | None
    declared: bool  # whether `lo` is a declared min (not 0 as taken)
    problem: str  # why it cannot be formed ("" when it can)
    linked: str = ""  # the link it follows, when its value is another manual's figure
    prec: int = 2  # the manual's precision: parts enter an aggregate rounded

    def value(self, x: Decimal) -> Decimal:
        """The target period's exact value with each period to come at x (exact: an input's
        figure need not lie on the grid)."""
        if not self.rule:
            return x  # the period's own figure, exact, as capaian takes it
        values = [p.value if p.value is not None else round_half_up(x, self.prec)
                  for p in self.parts]
        return apply(AGGREGATES[self.rule], values)

    @property
    def to_come(self) -> tuple[Period, ...]:
        return tuple(p.period for p in self.parts if not p.known)


def _inner(iku: Iku, period: Period) -> list[Period]:
    inside = [p for p in period.inside() if p != period and p.suffix in iku.schedule.measured]
    return inside[-1:] if iku.schedule.aggregate == "last" else inside


def _chain(ev: Evaluator, iku: Iku, unit: str, period: Period, as_of: Period,
           prec: int) -> _Chain:
    lo, hi, declared = bounds(iku, unit)
    cu = iku.cascade.unit(unit)
    if cu is not None and cu.link is not None:
        # The unit's figure is its own indicator's: follow the link into that manual and
        # data, so that its own schedule forms the period (and the periods to come are its).
        link = cu.link
        lev = ev.linked(link, period.year) if ev.linked is not None else None
        lmanual = lev.manual_for(period) if lev is not None else None
        liku = lmanual.iku(link.indicator) if lmanual is not None else None
        if lev is None or liku is None:
            return _Chain(unit, (Part(period, unit, None, "its own manual's figure"),), "",
                          lo, hi, declared, f"{link.indicator} of {link.owner} cannot be "
                          "followed", f"{link.indicator} of {link.owner}", prec)
        inner = _chain(lev, liku, link.owner, period, as_of, prec)
        return dataclasses.replace(inner, unit=unit,
                                   linked=f"{link.indicator} of {link.owner}")
    if period.suffix in iku.schedule.measured or not _inner(iku, period):
        return _Chain(unit, (Part(period, unit, None, ""),), "", lo, hi, declared, "", "", prec)
    parts: list[Part] = []
    problem = ""
    for p in _inner(iku, period):
        if p.end > as_of.end:
            parts.append(Part(p, unit, None, ""))
            continue
        v = ev.value(iku.code, unit, p)
        if v.state == OK and v.exact is not None:
            parts.append(Part(p, unit, round_half_up(v.exact, prec), ""))
        elif v.state in ERRORS:
            problem = problem or f"{unit} {p.label} is an error: {v.message}"
            parts.append(Part(p, unit, None, "error"))
        else:  # a past period without a figure yet: it can still come in
            parts.append(Part(p, unit, None, "no data so far"))
    rule = iku.schedule.aggregate
    if rule == "formula":
        text = iku.schedule.aggregate_formula.text if iku.schedule.aggregate_formula else ""
        problem = problem or (f"the schedule's aggregate is a formula of the manual (`{text}`), "
                              "of no known direction")
    elif rule not in MONOTONE_AGGREGATES:
        problem = problem or f"the solver does not know the aggregate `{rule}` to be monotone"
    return _Chain(unit, tuple(parts), rule, lo, hi, declared, problem, "", prec)


def _figure(manual: Manual, iku: Iku, unit: str, period: Period, exact: Decimal) -> Figure:
    return score(manual, iku, unit, period, Value(OK, exact, None, "", manual.label))


def _reaches(fig: Figure, goal: Goal) -> bool:
    return fig.capaian is not None and fig.capaian >= goal.capaian


def _solve(manual: Manual, iku: Iku, unit: str, period: Period, realisasi: Callable[[Decimal],
           Decimal], lo: Decimal, hi: Decimal | None, what: str, declared: bool = True
           ) -> tuple[Answer, ...]:
    """Each goal's answer for x in [lo, hi] (hi None: unbounded), realisasi(x) the exact
    value of the target period with every period to come at x."""
    prec = manual.scoring.precision
    higher = iku.polarity == "higher_is_better"
    lo_k = to_grid(lo, prec, True)
    hi_k = to_grid(hi if hi is not None else LIMIT, prec, False)
    if hi_k < lo_k:
        return tuple(Answer(g, UNSOLVABLE, None, None, None, f"the bounds {lo} to {hi} hold no "
                            "value of the grid") for g in goals(manual))
    cache: dict[int, Figure] = {}

    def fig(k: int) -> Figure:
        if k not in cache:
            cache[k] = _figure(manual, iku, unit, period, realisasi(grid(k, prec)))
        return cache[k]

    if hi is None:
        hi_k = _computable(fig, lo_k, hi_k)
    try:
        ends = fig(lo_k), fig(hi_k)
    except FormulaError as exc:
        return tuple(Answer(g, UNSOLVABLE, None, None, None, exc.message)
                     for g in goals(manual))
    if any(f.capaian_exact is None for f in ends):
        note = next(f.note for f in ends if f.capaian_exact is None)
        return tuple(Answer(g, UNSOLVABLE, None, None, None, note) for g in goals(manual))
    low_c, high_c = (f.capaian_exact for f in ends)
    assert low_c is not None and high_c is not None
    if (low_c > high_c) if higher else (low_c < high_c):
        return tuple(Answer(g, UNSOLVABLE, None, None, None, "the capaian formula does not "
                            "rise with a better realisasi") for g in goals(manual))
    out: list[Answer] = []

    def at(k: int) -> str:
        shown = f"{grid(k, prec):,.{prec}f}"
        if k == lo_k:
            return f"{shown}, the least {what} can be" + ("" if declared else " (taken as "
                                                                         "not negative)")
        if k == hi_k and hi is not None:
            return f"{shown}, the most {what} can be"
        return f"{shown}, as far as the search goes"

    for g in goals(manual):
        outcome, k = search(lambda k, g=g: _reaches(fig(k), g), lo_k, hi_k, higher)  # type: ignore[misc]
        got = fig(k)
        if outcome == NEEDED:
            step = k - 1 if higher else k + 1
            assert _reaches(got, g) and not _reaches(fig(step), g)  # verified, and the least
            out.append(Answer(g, NEEDED, grid(k, prec), got.capaian, fig(step).capaian, ""))
            continue
        if outcome == REACHED:
            why = f"even {at(k)}, gives capaian {got.capaian}: met whatever comes"
        elif manual.scoring.cap is not None and manual.scoring.cap < g.capaian:
            why = f"capaian is capped at {manual.scoring.cap}, below {g.capaian}"
        else:
            why = f"even {at(k)}, gives capaian {got.capaian}"
        out.append(Answer(g, outcome, grid(k, prec), got.capaian, None, why))
    return tuple(out)


def _computable(fig: Callable[[int], Figure], lo_k: int, hi_k: int) -> int:
    """The largest grid point up to `hi_k` whose figure can be computed, when the search is
    unbounded above: far enough out, a small target makes capaian pass the formulas' bound
    (10**21), and the search must stop there rather than fail. Computing stops being
    possible only upwards (values grow), so a binary search finds the edge; `lo_k` when even
    it cannot be computed (the caller then reports why)."""
    def ok(k: int) -> bool:
        try:
            return fig(k).capaian_exact is not None  # a figure, or a note saying why not
        except FormulaError:
            return False

    if ok(hi_k):
        return hi_k
    if not ok(lo_k):
        return lo_k
    good, bad = lo_k, hi_k
    while bad - good > 1:
        mid = (good + bad) // 2
        good, bad = (mid, bad) if ok(mid) else (good, mid)
    return good


def _one(ev: Evaluator, code: str, unit: str, period: Period, as_of: Period,
         input_name: str) -> Need | None:
    manual = ev.manual_for(period)
    iku = manual.iku(code) if manual is not None else None
    if manual is None or iku is None:
        return None
    target, _ = target_of(iku, unit, period)
    if target is None:
        return None
    prec = manual.scoring.precision
    refused = ""  # what makes capaian not move one way with the realisasi
    if iku.polarity not in POLARITIES:
        refused = f"polarity {iku.polarity}: capaian need not move one way with the realisasi"
    # A range target is scored against one of its bounds by the engine's own rules; capaian
    # still moves one way with the realisasi for these polarities, so the search holds.
    owner_level = unit == manual.owner and iku.cascade.rollup != "owner_only"
    u = manual.unit(unit)
    name = u.short_name if u else unit
    what = "a figure"
    if owner_level:
        chains = [_chain(ev, iku, cu.unit, period, as_of, prec) for cu in iku.cascade.units]
        rule = CASCADE[iku.cascade.rollup]
        weights = [cu.weight for cu in iku.cascade.units]
        problem = next((c.problem for c in chains if c.problem), "")
        if rule.combine is None:
            problem = problem or (f"the cascade's roll-up is `{rule.name}`, a formula of the "
                                  "manual of no known direction")
        elif rule.name not in MONOTONE_ROLLUPS:
            problem = problem or (f"the solver does not know the roll-up `{rule.name}` to be "
                                  "monotone")
        elif any(w < 0 for w in weights):
            problem = problem or "the roll-up weighs a unit negatively"

        def realisasi_with(x: Decimal, one: str = "", y: Decimal = Decimal(0)) -> Decimal:
            """The owner's value with every unit's periods to come at x (unit `one`'s at y)."""
            return apply(rule, [round_half_up(c.value(y if c.unit == one else x), prec)
                                for c in chains], weights)

        def realisasi(x: Decimal) -> Decimal:
            return realisasi_with(x)

        lo = max((c.lo for c in chains), default=Decimal(0))
        declared = all(c.declared for c in chains)
        his = [c.hi for c in chains]
        hi = None if any(h is None for h in his) else min(h for h in his if h is not None)
        parts = tuple(p for c in chains for p in c.parts)
        to_come = tuple(sorted({p for c in chains for p in c.to_come},
                               key=lambda p: (p.end, p.order())))
        how = (f"{name}'s figure is the `{rule.name}` of its units' ({rule.summary}); each "
               "unit at one equal value in each period to come")
        lacking = tuple(c.unit for c in chains if not _any_figure(ev, iku, c.unit, period,
                                                                  as_of))
        what = "a unit's figure"
        input_units = [c.unit for c in chains]
    else:
        chain = _chain(ev, iku, unit, period, as_of, prec)
        problem = chain.problem

        def realisasi(x: Decimal) -> Decimal:
            return chain.value(x)

        def realisasi_with(x: Decimal, one: str = "", y: Decimal = Decimal(0)) -> Decimal:
            return chain.value(y if one else x)

        lo, hi, declared = chain.lo, chain.hi, chain.declared
        parts, to_come, lacking = chain.parts, chain.to_come, ()
        how = _how(chain, period, prec)
        input_units = [unit]
    best = _best(ev, iku, unit, period, as_of, prec)
    problem = refused or problem
    if problem:
        answers = tuple(Answer(g, UNSOLVABLE, None, None, None, problem) for g in goals(manual))
        figure: tuple[Answer, ...] = ()
    elif not to_come:
        exact = realisasi(Decimal(0))
        fig = _figure(manual, iku, unit, period, exact)
        answers = tuple(Answer(g, REACHED if _reaches(fig, g) else OUT,
                               round_half_up(exact, prec), fig.capaian, None,
                               f"every period that forms it is in: {fig.realisasi}")
                        for g in goals(manual))
        figure = ()
    else:
        answers = _solve(manual, iku, unit, period, realisasi, lo, hi, what, declared)
        figure = ()
        if owner_level:  # the owner's own figure, within what its units' bounds allow
            f_lo = round_half_up(realisasi(lo), prec)
            f_hi = None if hi is None else round_half_up(realisasi(hi), prec)
            figure = _solve(manual, iku, unit, period, lambda y: y, f_lo, f_hi,
                            f"{name}'s figure", declared)
    inputs: list[InputAnswer] = []
    for who in (input_units if input_name else []):
        for a in answers:
            if a.outcome != NEEDED or a.value is None:
                continue
            x, goal = a.value, a.goal

            def reach_at(y: Decimal, who: str = who, x: Decimal = x, goal: Goal = goal) -> bool:
                exact = realisasi_with(x, who, y)
                return _reaches(_figure(manual, iku, unit, period, exact), goal)

            inputs.append(solve_input(ev, iku, who, goal, x, reach_at, as_of, prec,
                                      input_name))
    return Need(iku, unit, name, owner_level, period, target, manual.label, how, parts,
                to_come, answers, figure, best, lacking, tuple(inputs),
                _risk(manual, iku, answers, best))


def _any_figure(ev: Evaluator, iku: Iku, unit: str, period: Period, as_of: Period) -> bool:
    for s in iku.schedule.measured:
        p = Period.of(period.year, s)
        if p.end <= as_of.end and ev.value(iku.code, unit, p).state == OK:
            return True
    return False


def _how(chain: _Chain, period: Period, prec: int) -> str:
    """How the target period's value is formed, in words, for the output."""
    via = f"linked to {chain.linked} (its own manual and data): " if chain.linked else ""
    if not chain.rule:
        return via + ("the year's own figure" if period.is_year else
                      f"{period.label.rsplit(' ', 1)[0]}'s own figure")
    return via + _formed(chain, prec)


def _formed(chain: _Chain, prec: int) -> str:
    rule = AGGREGATES[chain.rule]
    parts = ", ".join(f"{p.period.label.rsplit(' ', 1)[0]} "
                      f"{f'{p.value:,.{prec}f}' if p.value is not None else '(to come)'}"
                      for p in chain.parts)
    each = "; each period to come at one equal value" if len(chain.to_come) > 1 else ""
    return f"`{rule.name}` of {parts} ({rule.summary}){each}"


def _best(ev: Evaluator, iku: Iku, unit: str, period: Period, as_of: Period, prec: int
          ) -> tuple[Decimal, Period] | None:
    """The best published figure of a measured period so far this year."""
    found: list[tuple[Decimal, Period]] = []
    for s in iku.schedule.measured:
        p = Period.of(period.year, s)
        if p.end > as_of.end:
            continue
        v = ev.value(iku.code, unit, p)
        if v.state == OK and v.exact is not None:
            found.append((round_half_up(v.exact, prec), p))
    if not found:
        return None
    higher = iku.polarity == "higher_is_better"
    return max(found, key=lambda f: f[0]) if higher else min(found, key=lambda f: f[0])


def _risk(manual: Manual, iku: Iku, answers: Sequence[Answer],
          best: tuple[Decimal, Period] | None) -> str:
    """Why the target period is at risk: its target cannot be reached, or it needs more
    than the best period so far (less, for lower-is-better)."""
    on_target = next(a for a in answers if "target" in a.goal.names)
    if on_target.outcome in (OUT, UNSOLVABLE):
        return f"target {on_target.outcome}: {on_target.why}"
    if on_target.outcome == NEEDED and best is not None and on_target.value is not None:
        prec = manual.scoring.precision
        higher = iku.polarity == "higher_is_better"
        value, period = best
        if (on_target.value > value) if higher else (on_target.value < value):
            return (f"needs {on_target.value:,.{prec}f}, {'more' if higher else 'less'} than "
                    f"its best period so far ({value:,.{prec}f} in "
                    f"{period.label.rsplit(' ', 1)[0]})")
    return ""


# -- an input ------------------------------------------------------------------------------------
def latest_entry(ev: Evaluator, code: str, unit: str, as_of: Period) -> Entry | None:
    """The unit's latest data entry of the indicator ending within `as_of`."""
    found = [e for e in ev.data.entries if e.iku == code and e.unit == unit
             and e.period.end <= as_of.end]
    if not found:
        return None
    return max(found, key=lambda e: (e.period.end, -SUFFIXES.index(e.period.suffix)))


def formula_value(iku: Iku, unit: str, inputs: dict[str, object]) -> Decimal:
    """The unit's figure from its inputs: the steps in order, then its formula (as
    engine.values computes it)."""
    values = dict(inputs)
    for step in iku.steps:
        values[step.name] = step.formula.evaluate(values)
    return unit_formula(iku, unit).evaluate(values)


def solve_input(ev: Evaluator, iku: Iku, unit: str, goal: Goal, figure: Decimal,
                reach_at: Callable[[Decimal], bool], as_of: Period, prec: int, name: str
                ) -> InputAnswer:
    """The value of input `name` whose figure, in the unit's periods to come, meets `goal`
    (`reach_at` of the formula's exact figure: as the engine scores it), the other inputs
    at their latest values; `figure` is the published figure that the goal needs."""
    def none(why: str, held: str = "") -> InputAnswer:
        return InputAnswer(name, unit, goal, figure, None, None, held, why)

    cu = iku.cascade.unit(unit)
    if cu is not None and cu.link is not None:  # its inputs are entered in its own manual
        return none(f"{unit}'s figure is linked to {cu.link.indicator} of {cu.link.owner}, "
                    f"whose inputs are entered there: ask `iku needed --owner "
                    f"{cu.link.owner} --input {name}`")
    var = iku.variable(name)
    if var is None:
        return none(f"{name} is not a variable of {iku.code}; variables: "
                    f"{', '.join(v.name for v in iku.variables)}")
    if var.kind != "number":
        return none(f"{name} is a {var.kind} variable; name a number input")
    entry = latest_entry(ev, iku.code, unit, as_of)
    if entry is None:
        return none(f"{unit} has no entry up to {as_of.label} to hold the other inputs at")
    values = entry.values()
    held = ", ".join(f"{k} = {v}" for k, v in values.items() if k != name and
                     isinstance(v, Decimal))
    held = f"{held} (as in {entry.period.label}, {entry.location})" if held else \
        f"(the inputs of {entry.period.label}, {entry.location})"
    v0 = values.get(name)
    if not isinstance(v0, Decimal):
        return none(f"the latest entry ({entry.location}) has no {name}", held)
    exponent = v0.normalize().as_tuple().exponent
    places = min(max(0, -exponent), 10) if isinstance(exponent, int) else prec

    def f(v: Decimal) -> Decimal | None:
        try:
            return formula_value(iku, unit, {**values, name: v})
        except FormulaError:
            return None

    lo = var.min if var.min is not None else Decimal(0)
    hi = var.max if var.max is not None else max(LIMIT, abs(v0) * 10)
    direction = 0
    for a, b in ((lo, hi), (v0, hi), (lo, v0), (v0, v0 * 2 + 1)):
        fa, fb = f(a), f(b)
        if fa is not None and fb is not None and a < b and fa != fb:
            direction = 1 if fb > fa else -1
            break
    if direction == 0:
        return none(f"{iku.code}'s formula does not move with {name} here", held)
    higher = iku.polarity == "higher_is_better"

    def reach(k: int) -> bool:
        got = f(grid(k, places))
        return got is not None and reach_at(got)  # a formula that fails gives no figure

    rising = (direction > 0) == higher
    lo_k, hi_k = to_grid(lo, places, True), to_grid(hi, places, False)
    outcome, k = search(reach, lo_k, hi_k, rising)
    value = grid(k, places)
    got = f(value)
    result = round_half_up(got, prec) if got is not None else None
    way = "rises" if direction > 0 else "falls"
    if outcome == OUT:
        return InputAnswer(name, unit, goal, figure, None, result, held,
                           f"even {name} = {value} gives {result}")
    if outcome == REACHED:
        return InputAnswer(name, unit, goal, figure, value, result, held,
                           f"met at any {name} from {value} (the figure {way} with it)")
    step = k - 1 if rising else k + 1
    assert reach(k) and not reach(step)  # verified by the formula, and the least
    bound = "at least" if rising else "at most"
    return InputAnswer(name, unit, goal, figure, value, result, held,
                       f"{bound}: the figure {way} with {name}")


# -- the list ------------------------------------------------------------------------------------
def needs(ev: Evaluator, as_of: Period, unit: str | None = None,
          codes: Sequence[str] = (), input_name: str = "") -> Needs:
    """For each indicator the unit (the owner by default) carries with a target in `as_of`'s
    year, each targeted period not yet over: what the periods to come must bring."""
    manual = ev.manual_for(as_of) or ev.manual_for(Period.of(as_of.year, "Y"))
    if manual is None:
        raise LookupError(f"no manual revision of {ev.owner} in force for {as_of}")
    who = unit or manual.owner
    rows: list[Need] = []
    for obj in manual.objectives:
        for code in obj.ikus:
            if codes and code not in codes:
                continue
            iku = manual.iku(code)
            if iku is None:
                continue
            if who != manual.owner and (iku.cascade.unit(who) is None
                                        or iku.cascade.rollup == "owner_only"):
                continue
            for s in SUFFIXES:
                period = Period.of(as_of.year, s)
                if period.end <= as_of.end:
                    continue
                in_force = ev.manual_for(period)
                later = in_force.iku(code) if in_force is not None else None
                if later is None or (s != "Y" and s not in later.schedule.targeted):
                    continue
                found = _one(ev, code, who, period, as_of, input_name)
                if found is not None:
                    rows.append(found)
    return Needs(manual.owner, who, as_of, input_name, tuple(rows), manual.scoring.precision)
