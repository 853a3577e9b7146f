"""One owner's realisasi: for an indicator, a unit and a period, the formula on the unit's
data, a longer period from the periods inside it, the owner's figure from its units', or a
linked unit's figure from the unit's own manual.

Every value has one of three outcomes, kept apart everywhere (table, JSON, CSV, footer,
exit code): a *figure*; *no data* (an input is missing); an *error* (the data is there but
a formula or a check failed). Besides those, a value can be *not applicable*: not measured
in that period, not carried by that unit, not due. An error is never reported as missing
data: combining parts takes the worst outcome among them (error, then no data).

Rounding: formulas compute exactly; a value built from other values (a longer period, the
owner's figure) combines their published figures, rounded half up to the manual's
precision (docs/scoring.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from engine.dataset import Dataset, InputValue
from engine.formula import Formula, FormulaError, fmt_exact
from engine.functions import round_half_up
from engine.manual import ManualSet
from engine.model import Iku, Link, Manual
from engine.periods import Period
from engine.rules import AGGREGATES, CASCADE, LATEST, LATEST_KNOWN, Rule, apply

OK = "ok"
NO_DATA = "no_data"
ERROR = "error"  # a formula or rule failed on data that is there
DATA_ERROR = "data_error"  # the data is there but failed a check when it was loaded
NOT_MEASURED = "not_measured"
NOT_IN_MANUAL = "not_in_manual"
NOT_DUE = "not_due"  # as of a period: no scheduled period of the indicator ends in it

ERRORS = frozenset({ERROR, DATA_ERROR})
NOT_APPLICABLE = frozenset({NOT_MEASURED, NOT_IN_MANUAL, NOT_DUE})


def outcome(state: str) -> str:
    """`figure`, `no data`, `error` or `n/a`: what a state means to a reader."""
    if state == OK:
        return "figure"
    if state in ERRORS:
        return "error"
    if state == NO_DATA:
        return "no data"
    return "n/a"


@dataclass(frozen=True)
class StepValue:
    """A step of a formula with its value, for `iku explain`."""

    name: str  # step name (A1, L1, ...) or "realisasi"
    formula: str  # as written
    substituted: str  # with number inputs written in (the formula itself unless explaining)
    value: Decimal  # exact
    meaning: str  # what it computes
    trace: tuple[tuple[str, str], ...]  # (sub-expression, value) innermost first; () unless
    # explaining


@dataclass(frozen=True)
class Part:
    """One figure a longer period, the owner's figure or a linked figure was built from."""

    label: str  # unit short name or period label
    unit: str  # unit code
    period: Period  # its period
    value: Value  # how it came about
    used: Decimal | None  # the rounded value that entered the rule; None when it had none


@dataclass(frozen=True)
class Computation:
    """How a value was computed: its rule and what it was computed from."""

    kind: str  # formula, aggregate, rollup or link
    revision: str  # revision whose rules were applied
    rule: str  # formula text, the aggregate / roll-up rule, or the linked indicator
    value: Decimal | None  # exact result; None when a part is missing or failed
    inputs: tuple[InputValue, ...] = ()  # for formula: the data used
    steps: tuple[StepValue, ...] = ()  # for formula: each step and the final formula
    parts: tuple[Part, ...] = ()  # for aggregate, rollup and link
    source: str = ""  # file:line of the data entry, the rule or the linked indicator
    note: str = ""  # entry-level note
    summary: str = ""  # the rule in words (engine.rules), for explanations
    passed_over: tuple[Part, ...] = ()  # for take_last_known: the later periods without data


@dataclass(frozen=True)
class Value:
    """A realisasi, or why there is none, with how it came about."""

    state: str  # ok, no_data, error, data_error, not_measured, not_in_manual, not_due
    exact: Decimal | None  # exact value when ok
    computation: Computation | None  # how it came about (also what exists when a part lacks)
    message: str = ""  # why there is no value
    revision: str = ""  # revision in force for the period
    partial: Decimal | None = None  # a roll-up over the units that have a figure, when some
    # lack one: shown as such, never as the figure

    @property
    def outcome(self) -> str:
        return outcome(self.state)


# (link, period) -> the linked indicator's value, the file:line where it is defined, and the
# linked owner's name for tables; None when the link cannot be followed (the message says why).
LinkResolver = Callable[[Link, Period], tuple[Value, str, str]]


class Realisations:
    """The realisasi of one owner's indicators, computed on demand and remembered (each is
    asked for many times: by its period, by the longer periods and by the owner)."""

    def __init__(self, manuals: ManualSet, data: Dataset, links: LinkResolver | None = None,
                 explain: bool = False) -> None:
        self.manuals = manuals
        self.data = data
        self.links = links
        # Sub-expression traces and substituted formulas are for `iku explain`; a table does
        # not show them and they cost more than the evaluation itself.
        self.explain = explain
        self._values: dict[tuple[str, str, Period], Value] = {}
        self._computing: set[tuple[str, str, Period]] = set()

    @property
    def owner(self) -> str:
        return self.manuals.owner

    def manual_for(self, period: Period) -> Manual | None:
        return self.manuals.in_force(period)

    def value(self, code: str, unit: str, period: Period) -> Value:
        key = (code, unit, period)
        found = self._values.get(key)
        if found is not None:
            return found
        if key in self._computing:  # a link that leads back here: validate reports it too
            return Value(ERROR, None, None, f"link cycle: {code} {unit} {period} depends on "
                                            "itself through linked manuals")
        self._computing.add(key)
        try:
            value = self._compute(code, unit, period)
        finally:
            self._computing.discard(key)
        self._values[key] = value
        return value

    def revisions_used(self) -> tuple[str, ...]:
        return tuple(sorted({v.revision for v in self._values.values() if v.revision}))

    def _compute(self, code: str, unit: str, period: Period) -> Value:
        manual = self.manual_for(period)
        if manual is None:
            return Value(NOT_IN_MANUAL, None, None, f"no manual revision in force for {period}")
        iku = manual.iku(code)
        rev = manual.label
        if iku is None:
            return Value(NOT_IN_MANUAL, None, None, f"{code} is not in manual {rev}", rev)
        owner_only = iku.cascade.rollup == "owner_only"
        if unit == manual.owner and not owner_only:
            return self._rollup(manual, iku, period)
        cu = iku.cascade.unit(unit)
        if unit != manual.owner and (owner_only or cu is None):
            why = (f"{code} is measured for {manual.owner} only" if owner_only
                   else f"{unit} does not carry {code} in manual {rev}")
            return Value(NOT_IN_MANUAL, None, None, why, rev)
        if cu is not None and cu.link is not None:
            return self._linked(manual, cu.link, unit, period)
        return self._unit_value(manual, iku, unit, period)

    def _linked(self, manual: Manual, link: Link, unit: str, period: Period) -> Value:
        """A unit's value taken from the unit's own manual, so that it is entered once."""
        rev = manual.label
        if self.links is None:
            return Value(ERROR, None, None, f"{unit}'s value is linked to {link.indicator} of "
                                            f"{link.owner}, and no linked manuals are loaded",
                         rev)
        linked, where, name = self.links(link, period)
        comp = Computation("link", rev, f"{link.indicator} of {link.owner}", linked.exact,
                           parts=(Part(name, link.owner, period, linked, linked.exact),),
                           source=where, summary=f"linked at {link.location}")
        if linked.state != OK:
            return Value(linked.state, None, comp, linked.message, rev)
        return Value(OK, linked.exact, comp, "", rev)

    def _unit_value(self, manual: Manual, iku: Iku, unit: str, period: Period) -> Value:
        rev = manual.label
        broken = self.data.broken_reason(iku.code, unit, period)
        if broken:
            return Value(DATA_ERROR, None, None, f"data error: {broken}", rev)
        entry = self.data.entry(iku.code, unit, period)
        if entry is not None:
            return self._formula_value(manual, iku, unit, period, entry.inputs, entry.location,
                                       entry.note)
        if period.suffix in iku.schedule.measured:
            return Value(NO_DATA, None, None, self._missing(iku, unit, period, ()), rev)
        inside = [p for p in period.inside() if p != period and p.suffix in iku.schedule.measured]
        if not inside:
            return Value(NOT_MEASURED, None, None,
                         f"not measured in {period.label} (measured: "
                         f"{', '.join(iku.schedule.measured)})", rev)
        rule = AGGREGATES[iku.schedule.aggregate]
        if rule.parts == LATEST:
            inside = inside[-1:]  # a cumulative figure needs only the latest period
        parts = [Part(p.label, unit, p, self.value(iku.code, unit, p), None) for p in inside]
        passed_over: list[Part] = []
        if rule.parts == LATEST_KNOWN:
            # An error is data that is there (it is never passed over as missing); a period
            # the revision in force does not carry has no data either.
            known = [i for i, p in enumerate(parts)
                     if p.value.state not in NOT_APPLICABLE and p.value.state != NO_DATA]
            if known:
                passed_over, parts = parts[known[-1] + 1:], [parts[known[-1]]]
        return self._combine(manual, iku, parts, "aggregate", rule,
                             iku.schedule.aggregate_formula, passed_over=tuple(passed_over))

    def _rollup(self, manual: Manual, iku: Iku, period: Period) -> Value:
        cascade = iku.cascade
        parts = [
            Part(_short(manual, cu.unit), cu.unit, period,
                 self.value(iku.code, cu.unit, period), None)
            for cu in cascade.units
        ]
        weights = tuple(cu.weight for cu in cascade.units)
        return self._combine(manual, iku, parts, "rollup", CASCADE[cascade.rollup],
                             cascade.rollup_formula, weights)

    def _combine(self, manual: Manual, iku: Iku, parts: Sequence[Part], kind: str, rule: Rule,
                 formula: Formula | None, weights: tuple[Decimal, ...] = (),
                 passed_over: tuple[Part, ...] = ()) -> Value:
        rev = manual.label
        prec = manual.scoring.precision
        parts = [Part(p.label, p.unit, p.period, p.value,
                      None if p.value.exact is None else round_half_up(p.value.exact, prec))
                 for p in parts]
        text = rule.name if formula is None else f"{rule.name}: {formula.text}"
        source = str(iku.loc("schedule" if kind == "aggregate" else "cascade"))
        lacking = [p for p in parts if p.value.state != OK]
        if lacking:
            applicable = [p for p in lacking if p.value.state not in NOT_APPLICABLE]
            if not applicable and kind == "rollup":
                return Value(NOT_MEASURED, None, None, lacking[0].value.message, rev)
            # The worst outcome wins: an error is never reported as missing data. One broken
            # file spoils every unit alike: say it once.
            errors = [p for p in lacking if p.value.state in ERRORS]
            shown = errors or applicable or lacking
            what = "; ".join(dict.fromkeys(p.value.message for p in shown))
            state = (DATA_ERROR if any(p.value.state == DATA_ERROR for p in errors) else ERROR) \
                if errors else NO_DATA
            comp = Computation(kind, rev, text, None, parts=tuple(parts), source=source,
                               summary=rule.summary, passed_over=passed_over)
            present = [(p.used, w) for p, w in zip(parts, weights or [Decimal(1)] * len(parts),
                                                   strict=True) if p.used is not None]
            partial = None
            if kind == "rollup" and present and rule.combine is not None:
                partial = rule.combine([v for v, _ in present], [w for _, w in present])
            return Value(state, None, comp, what, rev, partial)
        used = [p.used for p in parts if p.used is not None]
        try:
            exact = apply(rule, used, weights, formula)
        except FormulaError as exc:
            return Value(ERROR, None, None, f"{kind} {rule.name}: {exc.message}", rev)
        return Value(OK, exact, Computation(kind, rev, text, exact, parts=tuple(parts),
                                            source=source, summary=rule.summary,
                                            passed_over=passed_over), "", rev)

    def _formula_value(self, manual: Manual, iku: Iku, unit: str, period: Period,
                       inputs: tuple[InputValue, ...], location: object, note: str) -> Value:
        rev = manual.label
        values: dict[str, object] = {i.name: i.value for i in inputs}
        needed = needed_variables(iku, unit)
        absent = [n for n in needed if n not in values]
        if absent:
            return Value(NO_DATA, None, None, self._missing(iku, unit, period, absent), rev)
        steps: list[StepValue] = []
        cu = iku.cascade.unit(unit)
        final = cu.formula if cu is not None and cu.formula is not None else iku.formula
        try:
            for step in iku.steps:
                v = step.formula.evaluate(values)
                steps.append(_step_value(step.name, step.formula, values, v, step.meaning,
                                         self.explain))
                values[step.name] = v
            result = final.evaluate(values)
            steps.append(_step_value("realisasi", final, values, result, "", self.explain))
        except FormulaError as exc:
            if len(steps) < len(iku.steps):
                what = f"step {iku.steps[len(steps)].name} `{iku.steps[len(steps)].formula.text}`"
            else:
                what = f"formula `{final.text}`"
            hint = f" ({exc.hint})" if exc.hint else ""
            return Value(ERROR, None, None, f"{what} failed for {unit} {period} (data at "
                                            f"{location}): {exc.message}{hint}", rev)
        used = tuple(i for i in inputs if i.name in needed)
        return Value(OK, result, Computation("formula", rev, final.text, result, used,
                                             tuple(steps), source=str(location), note=note),
                     "", rev)

    def _missing(self, iku: Iku, unit: str, period: Period, names: Sequence[str]) -> str:
        names = list(names) or needed_variables(iku, unit)
        return f"no data: {', '.join(names)} for {unit} {period}"


def _short(manual: Manual, code: str) -> str:
    u = manual.unit(code)
    return u.short_name if u else code


def needed_variables(iku: Iku, unit: str) -> list[str]:
    """The declared variables the unit's computation reads."""
    cu = iku.cascade.unit(unit)
    final = cu.formula if cu is not None and cu.formula is not None else iku.formula
    declared = [v.name for v in iku.variables]
    names: list[str] = []
    for f in [s.formula for s in iku.steps] + [final]:
        names += [n for n in f.names if n in declared and n not in names]
    return names


def _step_value(name: str, formula: Formula, values: dict[str, object], result: Decimal,
                meaning: str, explain: bool) -> StepValue:
    if not explain:
        return StepValue(name, formula.text, formula.text, result, meaning, ())
    trace = tuple((expr, fmt_exact(v) if isinstance(v, Decimal) else str(v))
                  for expr, v in formula.trace(values))
    return StepValue(name, formula.text, formula.substituted(values), result, meaning, trace)
