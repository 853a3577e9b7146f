"""Scoring one figure: its target for the period, capaian, status band and group.

Capaian is computed from the exact realisasi with the manual's formula for the IKU's
polarity, capped where the manual sets a cap, then rounded half up; the status is the band
of the rounded capaian, the group compares it with 100 (docs/scoring.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from engine.formula import FormulaError
from engine.functions import round_half_up
from engine.model import Iku, Manual
from engine.periods import Period
from engine.values import ERRORS, NO_DATA, NOT_MEASURED, Value

GROUPS = ("above", "on", "below")


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


def target_of(iku: Iku, unit: str, period: Period) -> tuple[Decimal | None, str]:
    """The period's target for the unit (its own where the cascade gives one), and where it
    is stated; None for a period the schedule does not target."""
    t = iku.target(period.year, unit)
    if t is None:
        return None, ""
    if period.suffix != "Y" and period.suffix not in iku.schedule.targeted:
        return None, t.source
    return t.for_suffix(period.suffix), t.source


def score(manual: Manual, iku: Iku, unit: str, period: Period, value: Value) -> Figure:
    prec = manual.scoring.precision
    target, source = target_of(iku, unit, period)
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
    return Figure(iku.code, unit, period, manual.label, value, realisasi, target, source,
                  capaian_exact, capaian, band, group, note, rule.text)


def not_scored(code: str, unit: str, period: Period, value: Value) -> Figure:
    """A figure for an IKU the manual in force does not have (or the unit does not carry)."""
    return Figure(code, unit, period, value.revision, value, None, None, "", None, None, None,
                  None, value.message)
