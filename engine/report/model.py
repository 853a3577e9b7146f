"""What the report shows, as data: the evaluation of the unit, per IKU its history over the
Renstra years, the Renstra's final target, the units that carry it and the narratives, and
one appendix per unit. Every writer (HTML, XLSX, Markdown) renders this one projection; none
computes or loads anything itself.

The history of an IKU: for each year from the manual's first target year to the report's
year, the manual's target (the Renstra's, Tabel 3), the realisasi the earlier reports
printed (`reported.yaml` of those years, engine.dataset.history), and the recomputed
figure of the report's year. Capaian of earlier years follows from those with the manual's
own rule. The Renstra's final target is the manual's latest target year after the report's.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from engine.dataset import Narrative, ReportedFigure, history
from engine.evaluate import Evaluation, Evaluator, Row
from engine.model import Iku, Manual, TargetValue, Unit
from engine.periods import Period
from engine.project import Project
from engine.scoring import Figure, score
from engine.values import OK, Value


@dataclass(frozen=True)
class YearPoint:
    year: int  # calendar year
    target: TargetValue | None  # the manual's target for the year (a number or a range)
    realisasi: Decimal | None  # printed (earlier years) or recomputed (the report's year)
    capaian: Decimal | None  # by the manual's rule, where both are there
    source: str  # recomputed, printed or none
    where: str  # the printed figure's table or section


@dataclass(frozen=True)
class UnitFigure:
    unit: Unit  # a unit that carries the IKU (Tabel 6)
    indicator: str  # its own indicator name
    figure: Figure  # its figure for the row's period
    printed: tuple[tuple[str, ReportedFigure], ...]  # printed figures that differ
    narrative: Narrative | None  # its texts


@dataclass(frozen=True)
class IkuSection:
    row: Row  # the unit's row of the evaluation
    history: tuple[YearPoint, ...]  # first target year .. the report's year
    renstra: YearPoint | None  # the Renstra's final target, after the report's year
    units: tuple[UnitFigure, ...]  # the units that carry it, when the owner is viewed
    narrative: Narrative | None  # the viewed unit's texts
    owner_only: bool  # measured at the owner's level only (IKU.13)


@dataclass(frozen=True)
class AppendixRow:
    row: Row  # the unit's row
    target_year: TargetValue | None  # Target Tahunan
    narrative: Narrative | None  # Penjelasan, Permasalahan, Rekomendasi


@dataclass(frozen=True)
class Appendix:
    evaluation: Evaluation  # the unit's table
    rows: tuple[AppendixRow, ...]  # in manual order


@dataclass(frozen=True)
class Report:
    evaluation: Evaluation  # the viewed unit's table (Tabel 5)
    owner_name: str  # the owner's full name
    unit_name: str  # the viewed unit's full name
    year: int  # the report's year
    sections: tuple[IkuSection, ...]  # one per IKU, in manual order
    appendices: tuple[Appendix, ...]  # the viewed unit's, then each unit under it
    manuals: str  # where the manuals are
    data: str  # the data folder

    @property
    def manual(self) -> Manual:
        return self.evaluation.manual


def build_report(project: Project, owner: str, year: int, period: Period,
                 unit: str | None = None, as_of: bool = False) -> Report:
    """The report of `owner`'s `unit` (the owner by default) for `period` (or as of it)."""
    ev = project.evaluator(owner, year)
    evaluation = ev.evaluate(period, unit, as_of)
    manual = evaluation.manual
    viewed = evaluation.unit.code
    folder = Path(ev.data.folder)
    sections = tuple(_section(ev, manual, row, viewed, folder, period) for row in
                     evaluation.rows)
    units = [evaluation.unit] + ([u for u in manual.units if u.code != manual.owner]
                                 if viewed == manual.owner else [])
    appendices = []
    for u in units:
        uev = evaluation if u.code == viewed else ev.evaluate(period, u.code, as_of)
        appendices.append(Appendix(uev, tuple(
            AppendixRow(r, _year_target(r.iku, u.code, year),
                        _narrative(ev, r.iku.code, u.code, r.period, period))
            for r in uev.rows)))
    owner_unit = manual.unit(manual.owner)
    return Report(evaluation, owner_unit.name if owner_unit else manual.owner,
                  evaluation.unit.name, year, sections, tuple(appendices),
                  str(project.manuals_root), ev.data.folder)


def _year_target(iku: Iku, unit: str, year: int) -> TargetValue | None:
    t = iku.target(year, unit)
    return t.value if t is not None else None


def _narrative(ev: Evaluator, code: str, unit: str, at: Period, period: Period
               ) -> Narrative | None:
    """The texts for the row's own period, else for the report's period."""
    return ev.data.narrative(code, unit, at) or ev.data.narrative(code, unit, period)


def _section(ev: Evaluator, manual: Manual, row: Row, viewed: str, folder: Path,
             period: Period) -> IkuSection:
    iku = row.iku
    owner_only = iku.cascade.rollup == "owner_only"
    units: list[UnitFigure] = []
    if viewed == manual.owner and not owner_only:
        for cu in iku.cascade.units:
            u = manual.unit(cu.unit)
            if u is None:
                continue
            fig = ev.figure(iku.code, cu.unit, row.period)
            units.append(UnitFigure(u, cu.indicator or iku.name, fig,
                                    ev.printed_differences(fig),
                                    _narrative(ev, iku.code, cu.unit, row.period, period)))
    points, renstra = _history(manual, iku, row, viewed, folder)
    return IkuSection(row, points, renstra, tuple(units),
                      _narrative(ev, iku.code, viewed, row.period, period), owner_only)


def _history(manual: Manual, iku: Iku, row: Row, unit: str, folder: Path
             ) -> tuple[tuple[YearPoint, ...], YearPoint | None]:
    """The Renstra years up to the report's: from the manual's first target year (of any
    IKU: every section covers the same years, 2020-2023 for SINKA) to the row's year."""
    year = row.period.year
    target_years = sorted({t.year for i in manual.ikus for t in i.targets})
    first = min([*target_years, year])
    printed = {r.period.year: r for r in history(folder, iku.code, unit)}
    points = []
    for y in range(first, year + 1):
        t = iku.target(y, unit)
        target = t.value if t is not None else None
        if y == year:
            fig = row.figure
            points.append(YearPoint(y, target, fig.realisasi,
                                    fig.capaian if row.period.is_year else None,
                                    "recomputed" if fig.realisasi is not None else "none", ""))
            continue
        p = printed.get(y)
        if p is None:
            points.append(YearPoint(y, target, None, None, "none", ""))
            continue
        # the earlier year's capaian by this manual's rule, from the printed realisasi
        fig = score(manual, iku, unit, Period.of(y, "Y"),
                    Value(OK, p.value, None, "", manual.label))
        points.append(YearPoint(y, target, p.value, fig.capaian, "printed", p.where))
    renstra = None
    later = [y for y in target_years if y > year]
    final = iku.target(later[-1], unit) if later else None
    if final is not None:
        renstra = YearPoint(final.year, final.value, None, None, "none", "")
    return tuple(points), renstra
