"""Scoring one figure: its target for the period, capaian, status band and group.

Capaian is computed from the exact realisasi by the IKU's polarity rule (engine.rules
POLARITIES: which of the manual's capaian formulas, against which number; a range target
is met inside it and gives the formula one of its bounds outside it), held within the cap
and floor in force (the IKU's own, else the manual's), then rounded half up; the status is
the band of the rounded capaian, the group compares it with 100 (docs/scoring.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from engine.formula import FormulaError
from engine.functions import round_half_up
from engine.model import Iku, Manual, TargetValue
from engine.periods import Period
from engine.rules import MET, POLARITIES, Bound, choose_bound
from engine.values import ERRORS, NO_DATA, NOT_MEASURED, Value

GROUPS = ("above", "on", "below")


@dataclass(frozen=True)
class Limit:
    """A cap or floor on capaian in force for an IKU, and whose it is."""

    kind: str  # cap or floor
    value: Decimal | None  # None: the IKU writes null, so none applies though the manual has one
    whose: str  # "IKU.6's own" or "the manual's"
    where: str  # file:line where it is written


@dataclass(frozen=True)
class CapaianWork:
    """How a capaian came about, for `iku explain`."""

    polarity: str  # the IKU's polarity, a name in engine.rules.POLARITIES
    bound: Bound  # the case (single, below, inside, above), formula, number used, and why
    formula: str  # the capaian formula's text; "" inside a range
    raw: Decimal  # before cap and floor
    limits: tuple[Limit, ...]  # the cap and floor in force (or removed by the IKU)
    applied: Limit | None  # the one that changed the capaian, if any


@dataclass(frozen=True)
class Figure:
    """One unit's figure for one IKU and period, scored."""

    iku: str  # IKU code
    unit: str  # unit code
    period: Period  # period
    revision: str  # revision in force
    value: Value  # realisasi and how it came about
    realisasi: Decimal | None  # rounded half up at the manual's precision
    target: TargetValue | None  # target of the period (a number or a range), None for none
    target_source: str  # where the target is stated
    capaian_exact: Decimal | None  # from the exact realisasi, within cap and floor, unrounded
    capaian: Decimal | None  # rounded
    band: str | None  # status band name
    group: str | None  # above, on or below target
    note: str  # "no target in this period", "no data: ..." and the like
    work: CapaianWork | None = None  # how the capaian came about

    @property
    def outcome(self) -> str:
        """What the figure counts as in a roll-up: `figure` (scored), `no data`, `error`
        (the data is there but a formula or check failed, capaian included), or `n/a`
        (not due, not measured, no target in the period)."""
        if self.value.state in ERRORS:
            return "error"
        if self.target is None:
            return "n/a"
        if self.capaian is not None:
            return "figure"
        if self.value.exact is not None:
            return "error"  # a capaian that could not be computed is an error too
        return "no data" if self.value.state == NO_DATA else "n/a"

    @property
    def scored(self) -> bool:
        """Whether the figure enters its objective's NSS in this period: it has a target
        there (an error or missing data then makes the roll-up incomplete)."""
        return self.target is not None


def target_of(iku: Iku, unit: str, period: Period) -> tuple[TargetValue | None, str]:
    """The period's target for the unit (its own where the cascade gives one), and where it
    is stated; None for a period the schedule does not target."""
    t = iku.target(period.year, unit)
    if t is None:
        return None, ""
    if period.suffix != "Y" and period.suffix not in iku.schedule.targeted:
        return None, t.source
    return t.for_suffix(period.suffix), t.source


def limits_of(manual: Manual, iku: Iku) -> tuple[Limit, ...]:
    """The cap and floor in force for the IKU: each its own where its file writes one (null
    removing the manual's), else the manual's; only those that exist or were removed."""
    out = []
    own = iku.limits
    for kind, manual_value, at in (("cap", manual.scoring.cap, manual.scoring.cap_at),
                                   ("floor", manual.scoring.floor, manual.scoring.floor_at)):
        if own is not None and (own.sets_cap if kind == "cap" else own.sets_floor):
            value = own.cap if kind == "cap" else own.floor
            if value is not None or manual_value is not None:
                out.append(Limit(kind, value, f"{iku.code}'s own", str(own.location)))
        elif manual_value is not None:
            out.append(Limit(kind, manual_value, "the manual's",
                             str(at or manual.header_file)))
    return tuple(out)


def capaian(manual: Manual, iku: Iku, realisasi: Decimal, target: TargetValue
            ) -> tuple[Decimal, CapaianWork]:
    """The unrounded capaian within the cap and floor in force, and how it came about; a
    FormulaError when the formula fails (a zero bound, say)."""
    bound = choose_bound(POLARITIES[iku.polarity], realisasi, target)
    if bound.formula is None or bound.target is None:
        raw, text = MET, ""
    else:
        formula = manual.scoring.capaian_formula(bound.formula)
        raw, text = formula.evaluate({"realisasi": realisasi, "target": bound.target}), \
            formula.text
    limits = limits_of(manual, iku)
    shown, applied = raw, None
    for lim in limits:  # the loader refuses a floor at or above the cap: one applies at most
        if lim.value is None:
            continue
        if (lim.kind == "cap" and shown > lim.value) or (lim.kind == "floor" and shown < lim.value):
            shown, applied = lim.value, lim
    return shown, CapaianWork(iku.polarity, bound, text, raw, limits, applied)


def score(manual: Manual, iku: Iku, unit: str, period: Period, value: Value) -> Figure:
    prec = manual.scoring.precision
    target, source = target_of(iku, unit, period)
    realisasi = round_half_up(value.exact, prec) if value.exact is not None else None
    note = value.message
    capaian_exact = rounded = None
    band = group = None
    work = None
    if target is None:
        why = "not measured" if value.state == NOT_MEASURED else value.message
        note = f"no target in {period.label}" + (f" ({why})" if why else "")
    elif value.exact is not None:
        try:
            capaian_exact, work = capaian(manual, iku, value.exact, target)
        except FormulaError as exc:
            note = f"capaian: {exc.message}"
        else:
            rounded = round_half_up(capaian_exact, prec)
            b = manual.scoring.band(rounded)
            band = b.name if b else None
            group = "above" if rounded > 100 else "on" if rounded == 100 else "below"
    return Figure(iku.code, unit, period, manual.label, value, realisasi, target, source,
                  capaian_exact, rounded, band, group, note, work)


def not_scored(code: str, unit: str, period: Period, value: Value) -> Figure:
    """A figure for an IKU the manual in force does not have (or the unit does not carry)."""
    return Figure(code, unit, period, value.revision, value, None, None, "", None, None, None,
                  None, value.message)
