"""Evaluation of one owner: its figures scored and rolled up, for a period or as of one.

The work is split along its lines: engine.values computes realisasi (formulas, period
aggregates, cascade, links), engine.scoring scores one figure (target, capaian, band),
engine.rollup forms the NSS, NKP and NPSS by the manual's declared rules, and
engine.printed finds what the report printed. `Evaluator` puts them together for one
owner's year; engine.project gives it the other owners' manuals a link leads into.

Revision in force: for each period, the revision of that year with the latest effective
date on or before the period's end (engine.manual.ManualSet.in_force).

As of a period (the directorates' TW IV tables mix periods): each IKU is scored at the
latest of its scheduled periods that ends within that period (its targeted periods, or
the year for an IKU targeted only yearly), ties going to the shorter period; an IKU with
none is not due (N/A) and left out of the roll-up (docs/scoring.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from engine.dataset import Dataset, ReportedFigure
from engine.errors import Issue
from engine.manual import ManualSet
from engine.model import Iku, Link, Manual, Objective, Unit
from engine.periods import SUFFIXES, Period
from engine.printed import PrintedFigures
from engine.rollup import (
    ObjectiveScore,
    PerspectiveScore,
    Score,
    average,
    nkp,
    npss,
    nss,
)
from engine.scoring import GROUPS, Figure, not_scored, score
from engine.values import NOT_DUE, LinkResolver, Realisations, Value


@dataclass(frozen=True)
class Row:
    """One IKU's figure in an evaluation."""

    objective: Objective  # the IKU's strategic objective
    iku: Iku  # under the revision in force
    indicator: str  # the unit's own indicator name, or the IKU's
    figure: Figure  # the recomputation
    printed: tuple[tuple[str, ReportedFigure], ...]  # (measure, printed) where they differ

    @property
    def period(self) -> Period:
        return self.figure.period


@dataclass(frozen=True)
class Evaluation:
    """One unit's figures and scores for one period."""

    owner: str  # owning unit code
    unit: Unit  # whose view (the owner or a directorate)
    period: Period  # evaluated period (as of it, when `as_of`)
    manual: Manual  # revision in force at the period's end
    rows: tuple[Row, ...]  # one per IKU the unit carries
    objectives: tuple[ObjectiveScore, ...]  # NSS
    perspectives: tuple[PerspectiveScore, ...]  # NKP
    npss: Score  # the NPSS, or why there is none
    groups: tuple[tuple[str, int], ...]  # (above|on|below, count)
    average: Score  # mean capaian of scored IKUs
    printed_average: tuple[ReportedFigure, ...]  # printed averages that differ
    printed_scores: tuple[tuple[str, ReportedFigure], ...]  # (nss/nkp/npss, printed) that differ
    data_issues: tuple[Issue, ...]  # problems in the dataset
    dataset: str  # dataset folder
    revisions: tuple[str, ...] = field(default=())  # every revision whose rules were used
    as_of: bool = False  # each row at its own latest period due in `period`

    @property
    def missing(self) -> tuple[Row, ...]:
        """Rows without a figure for lack of data."""
        return tuple(r for r in self.rows if r.figure.outcome == "no data")

    @property
    def errors(self) -> tuple[Row, ...]:
        """Rows whose data is there but a formula or check failed."""
        return tuple(r for r in self.rows if r.figure.outcome == "error")

    @property
    def average_capaian(self) -> Decimal | None:
        return self.average.value


def due_period(iku: Iku, period: Period) -> Period | None:
    """The period an IKU is reported at, as of `period`: the latest of its scheduled periods
    (those with a target; the year when only the year has one) that ends within `period`;
    the shorter one on a tie (TW IV before Semester II before the year).

    >>> from engine.model import Schedule
    >>> def due(targeted, as_of):
    ...     i = Iku.__new__(Iku)
    ...     object.__setattr__(i, "schedule", Schedule((), targeted, "last", None, ""))
    ...     return str(due_period(i, Period.parse(as_of)))
    >>> due(("S1", "S2"), "2023-TW4"), due(("TW4",), "2023-TW4"), due((), "2023-TW4")
    ('2023-S2', '2023-TW4', '2023')
    >>> due(("TW1",), "2023-TW4"), due(("S1", "S2"), "2023-TW3")
    ('None', 'None')
    """
    scheduled = [s for s in SUFFIXES if s in iku.schedule.targeted] or ["Y"]
    inside = [Period(period.year, s) for s in scheduled
              if period.start <= Period(period.year, s).end <= period.end]
    if not inside:
        return None
    latest = max(p.end for p in inside)
    return next(p for p in inside if p.end == latest)  # SUFFIXES order: the shorter first


class Evaluator:
    """One owner's figures for one year: computed on demand, scored and rolled up."""

    def __init__(self, manuals: ManualSet, data: Dataset, links: LinkResolver | None = None,
                 explain: bool = False,
                 linked: Callable[[Link, int], Evaluator | None] | None = None) -> None:
        self.manuals = manuals
        self.data = data
        self.realisations = Realisations(manuals, data, links, explain)
        self.printed = PrintedFigures(data.reported)
        # The evaluator of the owner a link leads to, for a year: what works on a figure's
        # parts (engine.needed) follows a linked unit into its own manual and data.
        self.linked = linked

    @property
    def owner(self) -> str:
        return self.manuals.owner

    def manual_for(self, period: Period) -> Manual | None:
        return self.manuals.in_force(period)

    def value(self, code: str, unit: str, period: Period) -> Value:
        return self.realisations.value(code, unit, period)

    def figure(self, code: str, unit: str, period: Period) -> Figure:
        manual = self.manual_for(period)
        value = self.value(code, unit, period)
        iku = manual.iku(code) if manual is not None else None
        if manual is None or iku is None or value.state == "not_in_manual":
            return not_scored(code, unit, period, value)
        return score(manual, iku, unit, period, value)

    def printed_differences(self, fig: Figure) -> tuple[tuple[str, ReportedFigure], ...]:
        """(measure, printed figure) where the report prints another realisasi or capaian than
        the recomputation, beyond the printed figure's rounding."""
        return tuple(
            (measure, r) for measure, exact in (("realisasi", fig.value.exact),
                                                ("capaian", fig.capaian_exact))
            for r in self.printed.differing(measure, fig.iku, fig.unit, fig.period, exact)[:1]
        )

    def _not_due(self, iku: Iku, unit: str, as_of: Period, manual: Manual) -> Figure:
        scheduled = ", ".join(iku.schedule.targeted) or "the year"
        value = Value(NOT_DUE, None, None, f"N/A: not due in {as_of.label} (scheduled: "
                                           f"{scheduled})", manual.label)
        return not_scored(iku.code, unit, as_of, value)

    def evaluate(self, period: Period, unit: str | None = None, as_of: bool = False
                 ) -> Evaluation:
        """The table of one unit (the owner by default) for `period`, or as of it."""
        manual = self.manual_for(period)
        if manual is None:
            raise LookupError(f"no manual revision of {self.owner} in force for {period}")
        unit_code = unit or manual.owner
        unit_obj = manual.unit(unit_code)
        if unit_obj is None:
            raise LookupError(f"unknown unit {unit_code}")
        rows: list[Row] = []
        for obj in manual.objectives:
            for code in obj.ikus:
                iku = manual.iku(code)
                if iku is None:
                    continue
                cu = iku.cascade.unit(unit_code)
                if unit_code != manual.owner and (cu is None or iku.cascade.rollup == "owner_only"):
                    continue
                at = due_period(iku, period) if as_of else period
                fig = self.figure(code, unit_code, at) if at is not None else \
                    self._not_due(iku, unit_code, period, manual)
                indicator = cu.indicator if cu is not None and cu.indicator and \
                    unit_code != manual.owner else iku.name
                rows.append(Row(obj, iku, indicator, fig, self.printed_differences(fig)))
        objectives = [ObjectiveScore(obj, nss(manual, obj, [r.figure for r in rows
                                                            if r.objective.code == obj.code]))
                      for obj in manual.objectives
                      if any(r.objective.code == obj.code for r in rows)]
        perspectives = [nkp(manual, p, objectives) for p in manual.perspectives]
        total = npss(manual, perspectives)
        avg = average(manual, [r.figure for r in rows])
        groups = tuple((g, sum(1 for r in rows if r.figure.group == g)) for g in GROUPS)
        return Evaluation(
            manual.owner, unit_obj, period, manual, tuple(rows), tuple(objectives),
            tuple(perspectives), total, groups, avg,
            self.printed.differing("average_capaian", "", unit_code, period, avg.value),
            self._printed_scores(unit_code, period, objectives, perspectives, total),
            self.data.issues, self.data.folder, self.realisations.revisions_used(), as_of)

    def _printed_scores(self, unit: str, period: Period, objectives: Sequence[ObjectiveScore],
                        perspectives: Sequence[PerspectiveScore], total: Score
                        ) -> tuple[tuple[str, ReportedFigure], ...]:
        found: list[tuple[str, ReportedFigure]] = []
        for measure, about, exact in (
                *(("nss", o.objective.code, o.score.exact) for o in objectives),
                *(("nkp", p.perspective.code, p.score.exact) for p in perspectives),
                ("npss", "", total.exact)):
            found += [(measure, r) for r in self.printed.differing(measure, about, unit, period,
                                                                     exact)]
        return tuple(found)
