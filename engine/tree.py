"""The organisation at a glance: one row per owner under a chosen one, each owner's manuals
and data checked (as `iku validate --owner` does) and scored by its own manual and data
(`iku evaluate --tree`).

This is the national-scale path: hundreds of owners in one run. Each owner's state is
released once the run holds more than a few owners' files, so memory stays flat however
many owners there are; with `jobs` > 1 the owners are shared among forked worker processes
in contiguous slices, and the rows and problems come back in order, so the output is the
same, byte for byte, with one core or several.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from engine import parsecache
from engine.errors import InputError, Issue
from engine.manual import revision_folders
from engine.org import Owner
from engine.periods import Period, PeriodError
from engine.project import Project
from engine.rollup import Score
from engine.rowcache import RowCache
from engine.validate import validate

# Below this many owners one process is faster than starting workers (measured with
# bench/bench.py: forking and sending rows back costs about as much as 10 owners).
MIN_PARALLEL = 16
# Release the loaded manuals and data when more than this many revisions and data years are
# held: enough for a deputy and its directorates to be evaluated from memory, few enough to
# keep a national run's memory flat.
KEEP_LOADED = 64


@dataclass(frozen=True)
class Weakest:
    code: str  # the IKU's code
    indicator: str  # its name, as the owner's manual writes it
    capaian: Decimal


@dataclass(frozen=True)
class TreeRow:
    owner: Owner  # whose row
    depth: int  # 0 for the chosen owner, 1 for its children, ...
    period: Period | None  # the period evaluated; None when there is no evaluation
    as_of: bool  # each IKU at its latest period due within `period`
    npss: Score | None  # its NPSS, or why there is none; None when there is no evaluation
    groups: tuple[tuple[str, int], ...]  # (above|on|below, count)
    weakest: Weakest | None  # the scored IKU with the lowest capaian
    precision: int  # decimals of its manual's scores
    figure_errors: tuple[str, ...]  # IKUs whose figure could not be computed on its data
    error: str  # why there is no evaluation, or what is wrong with its data; "" when none
    note: str = ""  # why a row without an evaluation is not an error: a grouping owner


@dataclass(frozen=True)
class OrgTree:
    top: str  # the chosen owner's code
    when: str  # the period asked for, as typed ("" for each owner's latest year)
    year: int | None  # the year asked for, None for each owner's latest
    as_of: bool  # each IKU at its latest period due
    rows: tuple[TreeRow, ...]  # the chosen owner first, then the owners below it, depth first
    issues: tuple[Issue, ...]  # what checking the owners' manuals and data found


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def organisation_tree(project: Project, top: str, year: int | None, when: str | None,
                      as_of: bool, jobs: int = 1, cache: bool = True) -> OrgTree:
    """Every owner under `top` checked and evaluated for `year` (each its latest year with
    data when None) and `when` (a period, as typed; the year when None). An owner that
    cannot be evaluated gets a row saying why: nothing is left out silently. An owner whose
    files, and the files of the owners its links lead to, are as an earlier run found them
    gets that run's row and issues back (engine.rowcache; `cache=False` recomputes all)."""
    org = project.org
    chosen = org.owner(top)
    assert chosen is not None, top
    owners = [(0, chosen), *org.descendants(top)]
    cached = RowCache(project, year, when, as_of) if cache and RowCache.usable() else None
    work = _Work(project, year, when, as_of, cached)
    try:
        with parsecache.kept_parses(cached is None):  # rows make them redundant here
            if jobs > 1 and len(owners) >= MIN_PARALLEL and \
                    "fork" in multiprocessing.get_all_start_methods():
                parts = _in_order(work, owners, jobs)
            else:
                parts = [work.run(owners)]
    finally:
        project.before_reading = None  # the cache's fingerprints are for this run only
    rows = tuple(r for rs, _ in parts for r in rs)
    issues = tuple(dict.fromkeys(i for _, iss in parts for i in iss))  # the organisation's once
    return OrgTree(top, when or "", year, as_of, rows, issues)


@dataclass(frozen=True)
class _Work:
    project: Project
    year: int | None
    when: str | None
    as_of: bool
    cache: RowCache | None

    def run(self, owners: Sequence[tuple[int, Owner]]) -> tuple[list[TreeRow], list[Issue]]:
        rows: list[TreeRow] = []
        issues: list[Issue] = []
        for depth, owner in owners:
            found = self.cache.get(owner, depth) if self.cache is not None else None
            if found is not None:
                rows.append(found[0])
                issues += found[1]
                continue
            if self.cache is not None:
                self.cache.start(owner)
            with self.project.recording() as touched:
                mine = validate(self.project, owner=owner.code).all_issues()
                row = _row(self.project, owner, depth, self.year, self.when, self.as_of)
            rows.append(row)
            issues += mine
            if self.cache is not None:
                self.cache.put(owner, touched, row, mine)
            if self.project.loaded() > KEEP_LOADED:
                self.project.release()
        return rows, issues


_WORK: _Work | None = None  # what a forked worker works on, inherited from its parent


def _run_slice(owners: list[tuple[int, Owner]]
               ) -> tuple[list[TreeRow], list[Issue], frozenset[str]]:
    assert _WORK is not None
    return (*_WORK.run(owners), parsecache.wrote())


def _in_order(work: _Work, owners: list[tuple[int, Owner]], jobs: int
              ) -> list[tuple[list[TreeRow], list[Issue]]]:
    """The owners in contiguous slices over `jobs` forked workers (a deputy and its
    directorates mostly stay together, so links are read in one process), results in order.
    More slices than workers, so that a worker slowed by the machine's other load does not
    hold up the run."""
    global _WORK
    n = min(len(owners), jobs * 4)
    size = -(-len(owners) // n)
    slices = [owners[i:i + size] for i in range(0, len(owners), size)]
    _WORK = work
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            done = pool.map(_run_slice, slices, chunksize=1)
    finally:
        _WORK = None
    for _, _, wrote in done:
        parsecache.note_written(wrote)
    return [(rows, issues) for rows, issues, _ in done]


def _row(project: Project, owner: Owner, depth: int, year: int | None, when: str | None,
         as_of: bool) -> TreeRow:
    def without(error: str) -> TreeRow:
        return TreeRow(owner, depth, None, as_of, None, (), None, 0, (), error)

    try:
        y = year or (int(when[:4]) if when and when[:4].isdigit() else None)
        if not project.data_years(owner.code) and not revision_folders(
                project.org.manual_folder(owner)):
            # an owner that only groups others (a national root): nothing of its own to score
            return TreeRow(owner, depth, None, as_of, None, (), None, 0, (), "",
                           "no manual or data of its own")
        if y is None:
            years = project.data_years(owner.code)
            if not years:
                return without("no data")
            y = years[-1]
        if not project.data_folder(owner.code, y).is_dir():
            return without(f"no data for {y}")
        period = Period.loose(when, y) if when else Period.of(y, "Y")
        ev = project.evaluator(owner.code, y)
        if ev.manual_for(period) is None:
            return without(f"no manual in force for {period}")
        evaluation = ev.evaluate(period, as_of=as_of)
    except InputError as exc:
        first = exc.issues[0].as_text() if exc.issues else "cannot be used"
        return without(f"cannot be evaluated: {first}")
    except PeriodError as exc:
        return without(str(exc))
    scored = [r for r in evaluation.rows if r.figure.capaian is not None]
    weak = min(scored, key=lambda r: r.figure.capaian or 0, default=None)
    error = f"{len(ev.data.issues)} problem(s) in its data" if not ev.data.ok else ""
    return TreeRow(
        owner, depth, evaluation.period, evaluation.as_of, evaluation.npss, evaluation.groups,
        Weakest(weak.iku.code, weak.indicator, weak.figure.capaian)
        if weak is not None and weak.figure.capaian is not None else None,
        evaluation.manual.scoring.precision, tuple(r.iku.code for r in evaluation.errors), error)
