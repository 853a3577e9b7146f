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

from engine.dataset import Dataset, ReportedFigure, tolerance
from engine.evaluate import Evaluator, Figure
from engine.manual import ManualSet
from engine.periods import SUFFIXES, Period


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


class _Reconciler:
    def __init__(self, manuals: ManualSet, data: Dataset) -> None:
        self.data = data
        self.ev = Evaluator(manuals, data)

    def recompute(self, r: ReportedFigure) -> tuple[Decimal | None, Figure | None]:
        if r.measure == "average_capaian":
            return self.ev.evaluate(r.period, r.unit).average_capaian, None
        fig = self.ev.figure(r.iku, r.unit, r.period)
        return (fig.value.exact if r.measure == "realisasi" else fig.capaian_exact), fig

    def printed(self, iku: str, unit: str, period: Period, measure: str) -> Decimal | None:
        found = self.data.reported_figure(iku, unit, period, measure)
        return found.value if found else None

    def classify(self, r: ReportedFigure, exact: Decimal, fig: Figure | None) -> tuple[str, str]:
        manual = self.ev.manual_for(r.period)
        # carried: capaian from the printed realisasi
        if r.measure == "capaian" and fig is not None and fig.target:
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
        if r.measure == "average_capaian":
            caps = [self.printed(f"IKU.{n}", r.unit, r.period, "capaian") for n in range(1, 100)]
            printed_caps = [c for c in caps if c is not None]
            if printed_caps:
                mean = _to_digits(_mean(printed_caps), r.value)
                return "averaging", (f"the mean of the {len(printed_caps)} printed capaian "
                                     f"figures is {mean}, not {r.value}")
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


def reconcile(manuals: ManualSet, data: Dataset) -> Reconciliation:
    rec = _Reconciler(manuals, data)
    findings: list[Finding] = []
    for r in data.reported:
        exact, fig = rec.recompute(r)
        if exact is None:
            why = fig.note if fig is not None else "nothing to compare"
            findings.append(Finding(r, None, None, None, False, "no data", why))
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
