"""The organisation at a glance: one row per owner under a chosen one, each scored by its
own manual and data (`iku evaluate --tree`)."""

from __future__ import annotations

from dataclasses import dataclass

from engine.errors import InputError
from engine.evaluate import Evaluation, Row
from engine.org import Owner
from engine.periods import Period, PeriodError
from engine.project import Project


@dataclass(frozen=True)
class TreeRow:
    owner: Owner  # whose row
    depth: int  # 0 for the chosen owner, 1 for its children, ...
    evaluation: Evaluation | None  # its own evaluation, None when it cannot be made
    error: str  # why there is none: no data, or its manual or data cannot be used

    @property
    def weakest(self) -> Row | None:
        """The scored IKU with the lowest capaian."""
        if self.evaluation is None:
            return None
        scored = [r for r in self.evaluation.rows if r.figure.capaian is not None]
        return min(scored, key=lambda r: r.figure.capaian or 0, default=None)


@dataclass(frozen=True)
class OrgTree:
    top: str  # the chosen owner's code
    when: str  # the period asked for, as typed ("" for each owner's latest year)
    as_of: bool  # each IKU at its latest period due
    rows: tuple[TreeRow, ...]  # the chosen owner first, then the owners below it, depth first


def organisation_tree(project: Project, top: str, year: int | None, when: str | None,
                      as_of: bool) -> OrgTree:
    """Every owner under `top` evaluated for `year` (each its latest year with data when
    None) and `when` (a period, as typed; the year when None). An owner that cannot be
    evaluated gets a row saying why: nothing is left out silently."""
    org = project.org
    chosen = org.owner(top)
    assert chosen is not None, top
    rows: list[TreeRow] = []
    for depth, owner in [(0, chosen), *org.descendants(top)]:
        rows.append(_row(project, owner, depth, year, when, as_of))
    return OrgTree(top, when or "", as_of, tuple(rows))


def _row(project: Project, owner: Owner, depth: int, year: int | None, when: str | None,
         as_of: bool) -> TreeRow:
    try:
        y = year or (int(when[:4]) if when and when[:4].isdigit() else None)
        if y is None:
            years = project.data_years(owner.code)
            if not years:
                return TreeRow(owner, depth, None, "no data")
            y = years[-1]
        if not project.data_folder(owner.code, y).is_dir():
            return TreeRow(owner, depth, None, f"no data for {y}")
        period = Period.loose(when, y) if when else Period.of(y, "Y")
        ev = project.evaluator(owner.code, y)
        if ev.manual_for(period) is None:
            return TreeRow(owner, depth, None, f"no manual in force for {period}")
        evaluation = ev.evaluate(period, as_of=as_of)
    except InputError as exc:
        first = exc.issues[0].as_text() if exc.issues else "cannot be used"
        return TreeRow(owner, depth, None, f"cannot be evaluated: {first}")
    except PeriodError as exc:
        return TreeRow(owner, depth, None, str(exc))
    if not ev.data.ok:
        return TreeRow(owner, depth, evaluation, f"{len(ev.data.issues)} problem(s) in its data")
    return TreeRow(owner, depth, evaluation, "")
