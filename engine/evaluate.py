"""Evaluation: a manual set and a dataset in, figures and scores out.

Where rounding happens (docs/scoring.md says the same, with the report's cases):

1. Formulas compute exactly (decimal, 28 significant digits); steps are not rounded.
2. A *published figure* (one unit's realisasi for one period) is rounded half up to
   the manual's precision.
3. A figure built from other figures (a longer period from the periods inside it,
   the owner from its directorates) uses their published, rounded values: that is
   what the units report upwards. Its own exact value is then rounded in turn.
4. Capaian is computed from the exact realisasi and then rounded; NSS is the mean of
   the rounded capaian, NKP = weight/100 x rounded NSS, NPSS = sum of rounded NKP.

Revision in force: for each period, the revision of that year with the latest
effective date on or before the period's end (engine.manual.ManualSet.in_force).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from engine.dataset import Dataset, InputValue, ReportedFigure
from engine.errors import Issue
from engine.formula import Formula, FormulaError, fmt_exact
from engine.functions import round_half_up
from engine.manual import ManualSet
from engine.model import Iku, Manual, Objective, Perspective, Unit
from engine.periods import Period

OK = "ok"
NO_DATA = "no_data"
NOT_MEASURED = "not_measured"
DATA_ERROR = "data_error"
ERROR = "error"
NOT_IN_MANUAL = "not_in_manual"


@dataclass(frozen=True)
class StepValue:
    name: str  # step name (A1, L1, ...) or "realisasi"
    formula: str  # as written
    substituted: str  # with number inputs written in (the formula itself unless explaining)
    value: Decimal  # exact
    meaning: str  # what it computes
    trace: tuple[tuple[str, str], ...]  # (sub-expression, value) innermost first; () unless
    # explaining


@dataclass(frozen=True)
class Part:
    """One figure a longer period or the owner was built from."""

    label: str  # unit short name or period label
    unit: str  # unit code
    period: Period  # its period
    value: Value  # how it came about
    used: Decimal | None  # the rounded value that entered the aggregate


@dataclass(frozen=True)
class Computation:
    kind: str  # formula, aggregate or rollup
    revision: str  # revision whose rules were applied
    rule: str  # formula text, or the aggregate / roll-up rule
    value: Decimal  # exact result
    inputs: tuple[InputValue, ...] = ()  # for formula: the data used
    steps: tuple[StepValue, ...] = ()  # for formula: each step and the final formula
    parts: tuple[Part, ...] = ()  # for aggregate and rollup
    source: str = ""  # file:line of the data entry or the rule
    note: str = ""  # entry-level note


@dataclass(frozen=True)
class Value:
    state: str  # ok, no_data, not_measured, data_error, error, not_in_manual
    exact: Decimal | None  # exact value when ok
    computation: Computation | None  # how it came about
    message: str = ""  # why there is no value
    revision: str = ""  # revision in force for the period


@dataclass(frozen=True)
class Figure:
    """One unit's figure for one IKU and period, scored."""

    iku: str  # IKU code
    unit: str  # unit code
    period: Period  # period
    revision: str  # revision in force
    value: Value  # realisasi and how it came about
    realisasi: Decimal | None  # rounded half up at the manual's precision
    target: Decimal | None  # target of the period, None when it carries none
    target_source: str  # where the target is stated
    capaian_exact: Decimal | None  # from the exact realisasi
    capaian: Decimal | None  # rounded (and capped)
    band: str | None  # status band name
    group: str | None  # above, on or below target
    note: str  # "no target in this period", "no data: ..." and the like
    capaian_formula: str = ""  # the capaian rule applied


@dataclass(frozen=True)
class Row:
    objective: Objective  # the IKU's strategic objective
    iku: Iku  # under the revision in force
    indicator: str  # the unit's own indicator name, or the IKU's
    figure: Figure  # the recomputation
    printed: tuple[tuple[str, ReportedFigure], ...]  # (measure, printed) where they differ


@dataclass(frozen=True)
class ObjectiveScore:
    objective: Objective  # which
    nss: Decimal | None  # mean of the rounded capaian of its scored IKUs, rounded
    scored: int  # IKUs with a capaian


@dataclass(frozen=True)
class PerspectiveScore:
    perspective: Perspective  # which
    nkp: Decimal | None  # weight/100 x mean NSS, rounded
    mean_nss: Decimal | None  # mean of its objectives' NSS


@dataclass(frozen=True)
class Evaluation:
    owner: str  # owning unit code
    unit: Unit  # whose view (the owner or a directorate)
    period: Period  # evaluated period
    manual: Manual  # revision in force at the period's end
    rows: tuple[Row, ...]  # one per IKU the unit carries
    objectives: tuple[ObjectiveScore, ...]  # NSS
    perspectives: tuple[PerspectiveScore, ...]  # NKP
    npss: Decimal | None  # sum of NKP over scored perspectives
    groups: tuple[tuple[str, int], ...]  # (above|on|below, count)
    average_capaian: Decimal | None  # mean capaian of scored IKUs, rounded
    printed_average: tuple[ReportedFigure, ...]  # printed averages that differ
    data_issues: tuple[Issue, ...]  # problems in the dataset
    dataset: str  # dataset folder
    revisions: tuple[str, ...] = field(default=())  # every revision whose rules were used

    @property
    def missing(self) -> tuple[Row, ...]:
        return tuple(r for r in self.rows if r.figure.value.state in (NO_DATA, DATA_ERROR, ERROR))


def differs(exact: Decimal | None, printed: ReportedFigure) -> bool:
    """True when the recomputation is further from the printed figure than its rounding allows."""
    return exact is not None and abs(exact - printed.value) > printed.tolerance


class Evaluator:
    """Computes figures on demand and remembers them (each is asked for many times)."""

    def __init__(self, manuals: ManualSet, data: Dataset, owner: str | None = None,
                 explain: bool = False) -> None:
        self.manuals = manuals
        self.data = data
        self.owner = owner
        # Sub-expression traces and substituted formulas are for `iku explain`; a table does
        # not show them and they cost more than the evaluation itself.
        self.explain = explain
        self._values: dict[tuple[str, str, Period], Value] = {}

    # -- values -----------------------------------------------------------------------------
    def manual_for(self, period: Period) -> Manual | None:
        return self.manuals.in_force(period, self.owner)

    def value(self, code: str, unit: str, period: Period) -> Value:
        key = (code, unit, period)
        if key not in self._values:
            self._values[key] = self._compute(code, unit, period)
        return self._values[key]

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
        if unit != manual.owner and (owner_only or iku.cascade.unit(unit) is None):
            why = (f"{code} is measured for {manual.owner} only" if owner_only
                   else f"{unit} does not carry {code} in manual {rev}")
            return Value(NOT_IN_MANUAL, None, None, why, rev)
        return self._unit_value(manual, iku, unit, period)

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
        rule = iku.schedule.aggregate
        if rule == "last":
            inside = inside[-1:]  # a cumulative figure needs only the latest period
        parts = [Part(p.label, unit, p, self.value(iku.code, unit, p), None) for p in inside]
        return self._combine(manual, iku, period, parts, "aggregate", rule,
                             iku.schedule.aggregate_formula, unit)

    def _rollup(self, manual: Manual, iku: Iku, period: Period) -> Value:
        cascade = iku.cascade
        parts = [
            Part(self._short(manual, cu.unit), cu.unit, period,
                 self.value(iku.code, cu.unit, period), None)
            for cu in cascade.units
        ]
        weights = tuple(cu.weight for cu in cascade.units)
        return self._combine(manual, iku, period, parts, "rollup", cascade.rollup,
                             cascade.rollup_formula, manual.owner, weights)

    def _combine(self, manual: Manual, iku: Iku, period: Period, parts: Sequence[Part],
                 kind: str, rule: str, formula: Formula | None, unit: str,
                 weights: tuple[Decimal, ...] = ()) -> Value:
        rev = manual.label
        prec = manual.scoring.precision
        missing = [p for p in parts if p.value.state != OK]
        measured = [p for p in missing if p.value.state != NOT_MEASURED]
        if missing:
            if not measured and kind == "rollup":
                return Value(NOT_MEASURED, None, None, missing[0].value.message, rev)
            # one broken file spoils every unit alike: say it once
            what = "; ".join(dict.fromkeys(p.value.message for p in (measured or missing)))
            state = DATA_ERROR if any(p.value.state == DATA_ERROR for p in missing) else NO_DATA
            return Value(state, None, None, what, rev)
        used = [round_half_up(p.value.exact, prec) for p in parts if p.value.exact is not None]
        parts = [Part(p.label, p.unit, p.period, p.value, u) for p, u in zip(parts, used,
                                                                             strict=True)]
        try:
            exact = _apply(rule, used, weights, formula)
        except FormulaError as exc:
            return Value(ERROR, None, None, f"{kind} {rule}: {exc.message}", rev)
        text = rule if formula is None else f"{rule}: {formula.text}"
        source = iku.loc("schedule" if kind == "aggregate" else "cascade")
        return Value(OK, exact, Computation(kind, rev, text, exact, parts=tuple(parts),
                                            source=str(source)), "", rev)

    def _formula_value(self, manual: Manual, iku: Iku, unit: str, period: Period,
                       inputs: tuple[InputValue, ...], location: object, note: str) -> Value:
        rev = manual.label
        values: dict[str, object] = {i.name: i.value for i in inputs}
        needed = _needed(iku, unit)
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
        names = list(names) or _needed(iku, unit)
        return f"no data: {', '.join(names)} for {unit} {period}"

    @staticmethod
    def _short(manual: Manual, code: str) -> str:
        u = manual.unit(code)
        return u.short_name if u else code

    # -- figures ----------------------------------------------------------------------------
    def figure(self, code: str, unit: str, period: Period) -> Figure:
        manual = self.manual_for(period)
        value = self.value(code, unit, period)
        if manual is None or manual.iku(code) is None or value.state == NOT_IN_MANUAL:
            return Figure(code, unit, period, value.revision, value, None, None, "", None, None,
                          None, None, value.message)
        iku = manual.iku(code)
        assert iku is not None
        prec = manual.scoring.precision
        t = iku.target(period.year, unit)
        target = t.for_suffix(period.suffix) if t else None
        if period.suffix != "Y" and period.suffix not in iku.schedule.targeted:
            target = None
        realisasi = round_half_up(value.exact, prec) if value.exact is not None else None
        rule = (manual.scoring.capaian_higher if iku.polarity == "higher_is_better"
                else manual.scoring.capaian_lower)
        note = value.message
        capaian_exact = capaian = None
        band = group = None
        if target is None:
            why = "not measured" if value.state == NOT_MEASURED else value.message
            note = f"no target in {period.label}" + (f" ({why})" if why else "")
        elif value.exact is not None:
            try:
                capaian_exact = rule.evaluate({"realisasi": value.exact, "target": target})
            except FormulaError as exc:
                note = f"capaian: {exc.message}"
            else:
                cap = manual.scoring.cap
                shown = min(capaian_exact, cap) if cap is not None else capaian_exact
                capaian = round_half_up(shown, prec)
                b = manual.scoring.band(capaian)
                band = b.name if b else None
                group = "above" if capaian > 100 else "on" if capaian == 100 else "below"
        return Figure(code, unit, period, manual.label, value, realisasi, target,
                      t.source if t else "", capaian_exact, capaian, band, group, note, rule.text)

    def printed_differences(self, fig: Figure) -> tuple[tuple[str, ReportedFigure], ...]:
        """(measure, printed figure) where the report prints another realisasi or capaian than
        the recomputation, beyond the printed figure's rounding."""
        return tuple(
            (measure, r) for measure, exact in (("realisasi", fig.value.exact),
                                                ("capaian", fig.capaian_exact))
            if (r := self.data.reported_figure(fig.iku, fig.unit, fig.period, measure))
            and differs(exact, r)
        )

    # -- the table --------------------------------------------------------------------------
    def evaluate(self, period: Period, unit: str | None = None) -> Evaluation:
        manual = self.manual_for(period)
        if manual is None:
            raise LookupError(f"no manual revision in force for {period}")
        unit_code = unit or manual.owner
        unit_obj = manual.unit(unit_code)
        if unit_obj is None:
            raise LookupError(f"unknown unit {unit_code}")
        prec = manual.scoring.precision
        rows: list[Row] = []
        for obj in manual.objectives:
            for code in obj.ikus:
                iku = manual.iku(code)
                if iku is None:
                    continue
                cu = iku.cascade.unit(unit_code)
                if unit_code != manual.owner and (cu is None or iku.cascade.rollup == "owner_only"):
                    continue
                fig = self.figure(code, unit_code, period)
                printed = self.printed_differences(fig)
                indicator = cu.indicator if cu is not None and cu.indicator and \
                    unit_code != manual.owner else iku.name
                rows.append(Row(obj, iku, indicator, fig, printed))
        objectives = []
        for obj in manual.objectives:
            caps = [r.figure.capaian for r in rows if r.objective.code == obj.code
                    and r.figure.capaian is not None]
            nss = round_half_up(sum(caps, Decimal(0)) / len(caps), prec) if caps else None
            if any(r.objective.code == obj.code for r in rows):
                objectives.append(ObjectiveScore(obj, nss, len(caps)))
        perspectives = []
        for p in manual.perspectives:
            nsss = [o.nss for o in objectives if o.objective.perspective == p.code
                    and o.nss is not None]
            mean = sum(nsss, Decimal(0)) / len(nsss) if nsss else None
            nkp = round_half_up(p.weight / 100 * mean, prec) if mean is not None else None
            perspectives.append(PerspectiveScore(p, nkp, mean))
        nkps = [p.nkp for p in perspectives if p.nkp is not None]
        npss = sum(nkps, Decimal(0)) if nkps else None
        caps = [r.figure.capaian for r in rows if r.figure.capaian is not None]
        average = round_half_up(sum(caps, Decimal(0)) / len(caps), prec) if caps else None
        printed_avg = tuple(r for r in self.data.reported
                            if r.measure == "average_capaian" and r.unit == unit_code
                            and r.period == period and differs(average, r))
        groups = tuple((g, sum(1 for r in rows if r.figure.group == g))
                       for g in ("above", "on", "below"))
        revisions = tuple(sorted({v.revision for v in self._values.values() if v.revision}))
        return Evaluation(manual.owner, unit_obj, period, manual, tuple(rows), tuple(objectives),
                          tuple(perspectives), npss, groups, average, printed_avg,
                          self.data.issues, self.data.folder, revisions)


def _needed(iku: Iku, unit: str) -> list[str]:
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


def _apply(rule: str, values: list[Decimal], weights: tuple[Decimal, ...],
           formula: Formula | None) -> Decimal:
    """Aggregate or roll-up rule over published values."""
    if not values:
        raise FormulaError("no values to combine")
    if rule == "mean":
        return sum(values, Decimal(0)) / len(values)
    if rule == "sum":
        return sum(values, Decimal(0))
    if rule == "min":
        return min(values)
    if rule == "max":
        return max(values)
    if rule == "last":
        return values[-1]
    if rule == "weighted_mean":
        total = sum(weights, Decimal(0))
        return sum((v * w for v, w in zip(values, weights, strict=True)), Decimal(0)) / total
    if rule == "formula" and formula is not None:
        return formula.evaluate({"values": tuple(values), "weights": weights})
    raise FormulaError(f"unknown rule {rule}")
