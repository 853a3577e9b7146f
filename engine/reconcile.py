"""Every printed figure of a dataset's `reported.yaml` against the recomputation.

A figure agrees when it is within half a unit of its last printed digit of the
recomputation. Otherwise it is classified, first match wins:

* carried: the printed figure follows from other printed figures (the deputy's
  mean of the directorates' printed values, or capaian from the printed
  realisasi); the difference comes from those, listed with it;
* averaging: the printed figure is meant to be a mean of printed parts but is
  not their mean;
* copied: it equals, to its printed digits, the recomputed value of another
  period or unit of the same IKU;
* rounding: it is within one unit of its last printed digit (an intermediate
  rounded, or rounded down instead of half up);
* arithmetic: anything else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from engine.dataset import ReportedFigure, tolerance
from engine.evaluate import Evaluation, Evaluator
from engine.periods import SUFFIXES, Period
from engine.rollup import Score
from engine.scoring import Figure


@dataclass(frozen=True)
class Finding:
    printed: ReportedFigure  # the figure as printed
    recomputed: Decimal | None  # the exact recomputation, None when it cannot be recomputed
    shown: Decimal | None  # the recomputation rounded to the printed digits
    difference: Decimal | None  # printed - recomputed
    agrees: bool  # within tolerance
    classification: str  # agrees, carried, averaging, copied, rounding, arithmetic, no data
    explanation: str  # why, in a sentence


@dataclass(frozen=True)
class Reconciliation:
    year: int  # the dataset's year
    dataset: str  # its folder
    findings: tuple[Finding, ...]  # one per printed figure, in file order

    @property
    def discrepancies(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.agrees)


def _to_digits(x: Decimal, like: Decimal) -> Decimal:
    exponent = like.as_tuple().exponent
    assert isinstance(exponent, int)
    return x.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP)


def _mean(values: Sequence[Decimal]) -> Decimal:
    return sum(values, Decimal(0)) / len(values)


_SCORES = ("average_capaian", "nss", "nkp", "npss")


class _Reconciler:
    def __init__(self, ev: Evaluator) -> None:
        self.ev = ev
        self._tables: dict[tuple[str, Period, bool], Evaluation] = {}

    def table(self, unit: str, period: Period, as_of: bool) -> Evaluation:
        key = (unit, period, as_of)
        if key not in self._tables:
            self._tables[key] = self.ev.evaluate(period, unit, as_of=as_of)
        return self._tables[key]

    def score(self, r: ReportedFigure) -> Score | None:
        """The recomputed score a printed NSS, NKP, NPSS or average stands for."""
        table = self.table(r.unit, r.period, r.as_of)
        if r.measure == "average_capaian":
            return table.average
        if r.measure == "npss":
            return table.npss
        if r.measure == "nss":
            return next((o.score for o in table.objectives
                         if o.objective.code == r.objective), None)
        return next((p.score for p in table.perspectives
                     if p.perspective.code == r.perspective), None)

    def recompute(self, r: ReportedFigure) -> tuple[Decimal | None, Figure | None, str]:
        """The exact recomputation, the figure it belongs to, and why there is none."""
        if r.measure in _SCORES:
            s = self.score(r)
            if s is None:
                return None, None, f"{r.objective or r.perspective} is not in the manual"
            return s.exact, None, "" if s.exact is not None else f"{s.state}: {s.why}"
        fig = self.ev.figure(r.iku, r.unit, r.period)
        exact = fig.value.exact if r.measure == "realisasi" else fig.capaian_exact
        return exact, fig, fig.note

    def printed(self, iku: str, unit: str, period: Period, measure: str) -> Decimal | None:
        return self.ev.printed.value(measure, iku, unit, period)

    def printed_parts(self, r: ReportedFigure) -> tuple[Score, list[tuple[str, Decimal | None]]]:
        """The score a printed NSS, NKP, NPSS or average stands for, and the printed figures
        of its parts (None where the report prints none)."""
        score = self.score(r)
        assert score is not None
        table = self.table(r.unit, r.period, r.as_of)
        if r.measure in ("nss", "average_capaian"):
            rows = [row for row in table.rows if row.figure.scored and
                    (r.measure == "average_capaian" or row.objective.code == r.objective)]
            return score, [(row.iku.code, self.printed(row.iku.code, r.unit, row.period,
                                                      "capaian")) for row in rows]
        measure = "nss" if r.measure == "nkp" else "nkp"
        return score, [(p.label, self.ev.printed.value(measure, p.label, r.unit, r.period))
                       for p in score.parts]

    def classify_score(self, r: ReportedFigure) -> tuple[str, str] | None:
        """carried: the printed score follows from the printed figures of its parts by the
        manual's rule (the difference is in those); averaging: it does not."""
        score, parts = self.printed_parts(r)
        if not parts or any(v is None for _, v in parts):
            return None
        values = [v for _, v in parts if v is not None]
        weights = [p.weight if p.weight is not None else Decimal(1) for p in score.parts]
        if score.rule.combine is None or len(weights) != len(values):
            return None
        combined = score.rule.combine(values, weights)
        if r.measure == "nkp" and score.weight is not None:
            combined = combined * score.weight / 100
        kind = {"nss": "capaian", "average_capaian": "capaian", "nkp": "NSS", "npss": "NKP"}
        listed = ", ".join(f"{label} {v}" for label, v in parts) if len(parts) <= 4 else \
            f"{len(parts)} {kind[r.measure]} figures"
        if abs(combined - r.value) <= r.tolerance:
            off = [f"{p.label} recomputed {p.value}, printed {v}" for p, (_, v) in
                   zip(score.parts, parts, strict=False)
                   if v is not None and p.value is not None and abs(p.value - v) > tolerance(v)]
            return "carried", (f"follows by {score.rule.name} from the printed {listed}; the "
                               "difference comes from " + ("; ".join(off) or "their rounding"))
        return "averaging", (f"the {score.rule.name} of the printed {listed} is "
                             f"{_to_digits(combined, r.value)}, not {r.value}")

    def classify(self, r: ReportedFigure, exact: Decimal, fig: Figure | None) -> tuple[str, str]:
        manual = self.ev.manual_for(r.period)
        # carried: capaian from the printed realisasi
        if r.measure == "capaian" and fig is not None and isinstance(fig.target, Decimal) \
                and fig.target:  # a range's bound depends on the realisasi: not for ranges
            real = self.printed(r.iku, r.unit, r.period, "realisasi")
            if real is not None and _to_digits(real / fig.target * 100, r.value) == r.value:
                return "carried", (f"follows from the printed realisasi {real} / target "
                                   f"{fig.target}; the difference is in the realisasi")
        # carried / averaging: the owner's figure against its directorates' printed figures
        if manual is not None and r.iku and r.unit == manual.owner and r.measure == "realisasi":
            iku = manual.iku(r.iku)
            if iku is not None and iku.cascade.rollup == "mean":
                parts = {u.unit: self.printed(r.iku, u.unit, r.period, "realisasi")
                         for u in iku.cascade.units}
                if parts and all(v is not None for v in parts.values()):
                    values = [v for v in parts.values() if v is not None]
                    mean = _mean(values)
                    if abs(mean - r.value) <= r.tolerance:
                        off = []
                        for unit_code, value in parts.items():
                            f = self.ev.figure(r.iku, unit_code, r.period)
                            if value is not None and f.value.exact is not None and \
                                    abs(f.value.exact - value) > tolerance(value):
                                off.append(f"{unit_code} printed {value}, recomputed "
                                           f"{f.realisasi}")
                        return "carried", ("the mean of the directorates' printed figures; "
                                           "the difference comes from "
                                           + ("; ".join(off) or "their rounding"))
                    return "averaging", (f"the mean of the directorates' printed figures "
                                         f"({', '.join(str(v) for v in values)}) is "
                                         f"{_to_digits(mean, r.value)}, not {r.value}")
        if r.measure in _SCORES:
            found = self.classify_score(r)
            if found is not None:
                return found
        # averaging over periods: a unit's year as the mean of its semesters or quarters
        comp = fig.value.computation if fig is not None else None
        if r.measure == "realisasi" and comp is not None and comp.kind == "aggregate" \
                and comp.rule == "mean":
            listed = ", ".join(f"{p.label} {p.used}" for p in comp.parts)
            return "averaging", (f"the mean of {listed} is {_to_digits(exact, r.value)}, "
                                 f"not {r.value}")
        # copied from another period or unit of the same IKU
        if r.iku and manual is not None:
            iku = manual.iku(r.iku)
            units = [manual.owner] + ([u.unit for u in iku.cascade.units] if iku else [])
            for unit in dict.fromkeys(units):
                for suffix in SUFFIXES:
                    other = Period.of(r.period.year, suffix)
                    if (unit, other) == (r.unit, r.period):
                        continue
                    f = self.ev.figure(r.iku, unit, other)
                    value = f.value.exact if r.measure == "realisasi" else f.capaian_exact
                    if value is not None and _to_digits(value, r.value) == r.value:
                        return "copied", f"equals the recomputed {r.measure} of {unit} {other}"
        if abs(exact - r.value) <= 2 * r.tolerance:  # one unit of the last printed digit
            return "rounding", "within one unit of the last printed digit: an intermediate " \
                               "rounded, or rounded another way than half up"
        return "arithmetic", (f"the data and the manual give {_to_digits(exact, r.value)}; "
                              "the printed figure does not follow from them")


def reconcile(ev: Evaluator) -> Reconciliation:
    rec = _Reconciler(ev)
    data = ev.data
    findings: list[Finding] = []
    for r in data.reported:
        exact, fig, why = rec.recompute(r)
        if exact is None:
            findings.append(Finding(r, None, None, None, False, "no data",
                                    why or "nothing to compare"))
            continue
        shown = _to_digits(exact, r.value)
        diff = r.value - exact
        if abs(diff) <= r.tolerance:
            findings.append(Finding(r, exact, shown, diff, True, "agrees",
                                    "within the printed figure's rounding"))
            continue
        kind, why = rec.classify(r, exact, fig)
        findings.append(Finding(r, exact, shown, diff, False, kind, why))
    return Reconciliation(data.year, data.folder, tuple(findings))
