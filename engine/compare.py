"""Each figure beside the same period a year earlier (LHE 2023 recommendation 21: monitor the
quarterly realisasi against the same quarter of the previous year).

The earlier figure is recomputed from the owner's data of that year, under that year's
manual, when there is any; otherwise it is the realisasi (and capaian) printed in that
year's reported.yaml; each row says which. Where the indicator's unit of measure changed
between the years, no change is computed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from engine.dataset import load_reported
from engine.errors import InputError
from engine.evaluate import Evaluation, Evaluator, Row
from engine.model import TargetValue
from engine.periods import Period
from engine.printed import PrintedFigures
from engine.project import Project


@dataclass(frozen=True)
class Earlier:
    period: Period  # the same period a year earlier
    realisasi: Decimal | None  # published
    capaian: Decimal | None  # rounded
    target: TargetValue | None  # that year's target for the period, when recomputed
    source: str  # "recomputed from <year> data" or "printed in <where>"; "" when none
    at: str  # the data folder, or the printed figure's file:line
    note: str  # why there is no figure, or what makes it not comparable


@dataclass(frozen=True)
class CompareRow:
    row: Row  # this year's row
    earlier: Earlier  # the same period a year earlier
    change: Decimal | None  # realisasi now less realisasi then, when both are there


@dataclass(frozen=True)
class Comparison:
    evaluation: Evaluation  # this year's table
    previous_year: int  # the year compared with
    rows: tuple[CompareRow, ...]  # one per row of the table


def compare(project: Project, evaluation: Evaluation) -> Comparison:
    """Each row of `evaluation` beside its period a year earlier."""
    owner = evaluation.owner
    year = evaluation.period.year - 1
    ev: Evaluator | None = None
    if year in project.data_years(owner):
        try:
            ev = project.evaluator(owner, year)
        except InputError:
            ev = None  # that year's manual cannot be used: its printed figures still can
    printed = PrintedFigures(load_reported(project.data_folder(owner, year)))
    unit = evaluation.unit.code
    rows = []
    for r in evaluation.rows:
        period = r.figure.period if r.figure.value.state != "not_due" else evaluation.period
        then = Period(year, period.suffix)
        earlier = _earlier(ev, printed, r, unit, then)
        now = r.figure.realisasi
        change = None
        if now is not None and earlier.realisasi is not None and not earlier.note:
            change = now - earlier.realisasi
        rows.append(CompareRow(r, earlier, change))
    return Comparison(evaluation, year, tuple(rows))


def _earlier(ev: Evaluator | None, printed: PrintedFigures, r: Row, unit: str, then: Period
             ) -> Earlier:
    code = r.iku.code
    note = ""
    if ev is not None:
        manual = ev.manual_for(then)
        iku = manual.iku(code) if manual is not None else None
        if iku is not None and iku.unit_of_measure != r.iku.unit_of_measure:
            note = (f"not comparable: the unit of measure was {iku.unit_of_measure}, now "
                    f"{r.iku.unit_of_measure}")
        if iku is not None:
            fig = ev.figure(code, unit, then)
            if fig.realisasi is not None:
                return Earlier(then, fig.realisasi, fig.capaian, fig.target,
                               f"recomputed from {then.year} data", ev.data.folder, note)
    real = printed.one("realisasi", code, unit, then)
    cap = printed.one("capaian", code, unit, then)
    if real is not None or cap is not None:
        shown = real or cap
        assert shown is not None
        return Earlier(then, real.value if real else None, cap.value if cap else None, None,
                       f"printed in {shown.where}", str(shown.location), note)
    return Earlier(then, None, None, None, "", "", note or f"no figure for {then.label}")
