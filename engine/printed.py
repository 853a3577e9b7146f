"""The figures a report printed (`reported.yaml`), found by what they are about, and the
rule for when a recomputation differs from one: by more than half a unit of its last
printed digit. Printed figures are never inputs."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from engine.dataset import ReportedFigure
from engine.periods import Period

Key = tuple[str, str, str, Period, str]  # (measure, subject, unit, period, where: "" for any)


def differs(exact: Decimal | None, printed: ReportedFigure) -> bool:
    """True when the recomputation is further from the printed figure than its rounding allows."""
    return exact is not None and abs(exact - printed.value) > printed.tolerance


def subject(r: ReportedFigure) -> str:
    """What a printed figure is about: its IKU, objective or perspective ("" for the unit)."""
    return r.iku or r.objective or r.perspective


class PrintedFigures:
    """Printed figures by measure, subject, unit and period: each lookup is one dict access,
    whatever the size of the report."""

    def __init__(self, figures: Iterable[ReportedFigure]) -> None:
        self.figures = tuple(figures)
        self._index: dict[tuple[str, str, str, Period], list[ReportedFigure]] = {}
        for r in self.figures:
            self._index.setdefault((r.measure, subject(r), r.unit, r.period), []).append(r)

    def all(self, measure: str, about: str, unit: str, period: Period) -> list[ReportedFigure]:
        """Every printed figure of that kind (a report can print one figure twice, differently:
        the average capaian in the text and in a table)."""
        return self._index.get((measure, about, unit, period), [])

    def one(self, measure: str, about: str, unit: str, period: Period) -> ReportedFigure | None:
        found = self.all(measure, about, unit, period)
        return found[0] if found else None

    def value(self, measure: str, about: str, unit: str, period: Period) -> Decimal | None:
        found = self.one(measure, about, unit, period)
        return found.value if found else None

    def differing(self, measure: str, about: str, unit: str, period: Period,
                  exact: Decimal | None) -> tuple[ReportedFigure, ...]:
        return tuple(r for r in self.all(measure, about, unit, period) if differs(exact, r))
