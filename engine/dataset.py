"""Measured data: `datasets/<owner>/<year>/IKU.NN.yaml` (inputs) and `reported.yaml`
(figures as a report printed them, never used as inputs).

Data is loaded as strictly as manuals and checked against the revision in force
for each value's period. A broken value spoils only its own IKU, unit and
period: it is reported, left out, and everything else is still evaluated.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

from engine import schemacheck
from engine.codes import code_of_stem
from engine.errors import Issue, Location, did_you_mean, error, has_errors
from engine.functions import Items, iter_numbers
from engine.manual import ManualSet, file_name_issue, indicator_files
from engine.periods import Period, PeriodError
from engine.yamlload import LoadedDoc, display_path, load_file

REPORTED = "reported.yaml"
DEFAULT_ROOT = Path("datasets")

InputData = Decimal | tuple[Decimal, ...] | Items


@dataclass(frozen=True)
class InputValue:
    """One variable's value in a data entry."""

    name: str  # variable name
    value: InputData  # number, list or named items
    location: Location  # where it is written
    evidence: str  # link or document number, may be empty
    note: str  # remark, may be empty


@dataclass(frozen=True)
class Entry:
    """The inputs of one IKU for one unit and period."""

    iku: str  # IKU code
    unit: str  # unit code
    period: Period  # period of the values
    inputs: tuple[InputValue, ...]  # declared variables' values
    evidence: str  # entry-level evidence
    note: str  # entry-level remark
    source: str  # where in the report the values stand
    location: Location  # where the entry starts

    def values(self) -> dict[str, InputData]:
        return {i.name: i.value for i in self.inputs}


@dataclass(frozen=True)
class Narrative:
    """The report's texts on one indicator for one unit and period (the appendices'
    Penjelasan, Permasalahan and Rekomendasi columns). Text only: never an input."""

    iku: str  # IKU code
    unit: str  # unit code: the owner or a unit of the indicator's cascade
    period: Period  # period the texts are about
    penjelasan: str  # explanation, may be empty
    permasalahan: str  # problems met, may be empty
    rekomendasi: str  # recommendations, may be empty
    source: str  # where in the report they stand
    location: Location  # where the entry starts


@dataclass(frozen=True)
class ReportedFigure:
    """A figure as the published report prints it, to compare with ours."""

    iku: str  # IKU code, for realisasi and capaian; "" otherwise
    unit: str  # unit code
    period: Period  # period
    measure: str  # realisasi, capaian, average_capaian, nss, nkp or npss
    value: Decimal  # as printed, with its printed decimals
    where: str  # table or section
    note: str  # remark
    location: Location  # where in reported.yaml
    objective: str = ""  # objective code, for an NSS
    perspective: str = ""  # perspective code, for an NKP
    as_of: bool = False  # a score of a table as of `period` (engine.evaluate.due_period)

    @property
    def tolerance(self) -> Decimal:
        return tolerance(self.value)


def tolerance(printed: Decimal) -> Decimal:
    """Half a unit of the last printed digit.

    >>> tolerance(Decimal("98")), tolerance(Decimal("99.07"))
    (Decimal('0.5'), Decimal('0.005'))
    """
    exponent = printed.as_tuple().exponent
    assert isinstance(exponent, int)
    return Decimal(5).scaleb(exponent - 1)


@dataclass(frozen=True)
class Dataset:
    """One owner's data of one year: entries, printed figures and problems."""

    folder: str  # the year's folder
    year: int  # its year
    entries: tuple[Entry, ...]  # valid entries only
    reported: tuple[ReportedFigure, ...]  # printed figures
    issues: tuple[Issue, ...]  # every problem found
    broken: tuple[tuple[str, str, str], ...]  # (iku, unit, period) left out for errors; "*" = all
    files: int  # files read
    narratives: tuple[Narrative, ...] = ()  # the report's texts, valid entries only

    @cached_property
    def _index(self) -> dict[tuple[str, str, Period], Entry]:
        return {(e.iku, e.unit, e.period): e for e in self.entries}

    def entry(self, iku: str, unit: str, period: Period) -> Entry | None:
        return self._index.get((iku, unit, period))

    def narrative(self, iku: str, unit: str, period: Period) -> Narrative | None:
        return next((n for n in self.narratives
                     if n.iku == iku and n.unit == unit and n.period == period), None)

    def broken_reason(self, iku: str, unit: str, period: Period) -> str:
        """Why data for this IKU, unit and period was left out, or empty."""
        p = str(period)
        for i in self.issues:
            if i.iku == iku and (i.unit in ("", unit)) and (i.period in ("", p)) \
                    and (iku, i.unit or "*", i.period or "*") in self.broken:
                return f"{i.where()}: {i.message}"
        return ""

    @property
    def ok(self) -> bool:
        return not has_errors(self.issues)


def _input(name: str, raw: Any, doc: LoadedDoc, path: tuple[Any, ...]) -> InputValue:
    loc = doc.loc(path)
    if isinstance(raw, dict):
        if "items" in raw:
            value: InputData = Items(tuple((k, Decimal(v)) for k, v in raw["items"].items()))
        else:
            inner = raw["value"]
            value = tuple(Decimal(v) for v in inner) if isinstance(inner, list) else Decimal(inner)
        return InputValue(name, value, loc, raw.get("evidence", ""), raw.get("note", ""))
    if isinstance(raw, list):
        return InputValue(name, tuple(Decimal(v) for v in raw), loc, "", "")
    return InputValue(name, Decimal(raw), loc, "", "")


def _kind(value: InputData) -> str:
    if isinstance(value, Items):
        return "items"
    if isinstance(value, tuple):
        return "list"
    return "number"


_KIND_WORDS = {"number": "a number", "list": "a list of numbers",
               "items": "named items ({items: {name: number}})"}


def _check_entry(entry: Entry, doc: LoadedDoc, idx: int, manuals: ManualSet,
                 issues: list[Issue]) -> bool:
    """Check one entry against the revision in force for its period; False if unusable."""
    ctx = {"iku": entry.iku, "unit": entry.unit, "period": str(entry.period)}
    manual = manuals.in_force(entry.period)
    if manual is None:
        issues.append(error(f"no manual revision of {manuals.owner} is in force for "
                            f"{entry.period}", doc.loc(("values", idx, "period")),
                            code="data-period",
                            hint="check the period, or add the manual of that year", **ctx))
        return False
    iku = manual.iku(entry.iku)
    if iku is None:
        issues.append(error(f"{entry.iku} is not in {manuals.owner}'s manual {manual.label}",
                            doc.loc(("iku",)), code="data-iku", iku=entry.iku,
                            hint=f"add {entry.iku} to the manual, or move this file out of "
                                 "the data folder"))
        return False
    if manual.unit(entry.unit) is None:
        issues.append(error(f"unknown unit `{entry.unit}`", doc.loc(("values", idx, "unit")),
                            hint=did_you_mean(entry.unit, [u.code for u in manual.units]),
                            code="data-unit", **ctx))
        return False
    owner_only = iku.cascade.rollup == "owner_only"
    carriers = [manual.owner] if owner_only else [u.unit for u in iku.cascade.units]
    if entry.unit not in carriers:
        issues.append(error(
            f"{entry.unit} does not carry {entry.iku} in manual {manual.label}",
            doc.loc(("values", idx, "unit")),
            hint=f"units that carry it: {', '.join(carriers)}", code="data-unit", **ctx))
        return False
    cu = iku.cascade.unit(entry.unit)
    if cu is not None and cu.link is not None:
        issues.append(error(
            f"two sources for one figure: {entry.unit}'s {entry.iku} comes from "
            f"{cu.link.indicator} of {cu.link.owner}'s own manual (linked at {cu.link.location})",
            doc.loc(("values", idx)), code="data-conflict",
            hint=f"enter it once, in {cu.link.owner}'s data; remove this entry", **ctx))
        return False
    ok = True
    declared = [v.name for v in iku.variables]
    for inp in entry.inputs:
        var = iku.variable(inp.name)
        if var is None:
            issues.append(error(
                f"`{inp.name}` is not a variable of {entry.iku} in manual {manual.label}",
                inp.location, hint=did_you_mean(inp.name, declared) or
                f"declared: {', '.join(declared)}", code="data-variable", **ctx))
            ok = False
            continue
        kind = _kind(inp.value)
        if kind != var.kind:
            issues.append(error(f"`{inp.name}` should be {_KIND_WORDS[var.kind]}, "
                                f"found {_KIND_WORDS[kind]}", inp.location, code="data-kind",
                                **ctx))
            ok = False
            continue
        for number in iter_numbers(inp.value):
            if (var.min is not None and number < var.min) or \
                    (var.max is not None and number > var.max):
                bounds = f"{var.min if var.min is not None else '-'} to " \
                         f"{var.max if var.max is not None else '-'}"
                issues.append(error(f"`{inp.name}` = {number} is outside {bounds}",
                                    inp.location, code="data-range", **ctx))
                ok = False
                break
    return ok


def _load_inputs(doc: LoadedDoc, year: int, manuals: ManualSet, issues: list[Issue],
                 broken: set[tuple[str, str, str]]) -> list[Entry]:
    d = doc.data
    code = d["iku"]
    entries: list[Entry] = []
    if int(d["year"]) != year:
        issues.append(error(f"says year {d['year']} but lies in the folder of {year}",
                            doc.loc(("year",)), iku=code, code="data-year"))
        broken.add((code, "*", "*"))
        return entries
    seen: dict[tuple[str, Period], int] = {}
    for idx, raw in enumerate(d["values"]):
        try:
            period = Period.parse(raw["period"])
        except PeriodError as exc:
            issues.append(error(str(exc), doc.loc(("values", idx, "period")), iku=code,
                                unit=raw["unit"], code="data-period"))
            broken.add((code, raw["unit"], "*"))
            continue
        ctx = {"iku": code, "unit": raw["unit"], "period": str(period)}
        if period.year != year:
            issues.append(error(f"period {period} is not in {year}",
                                doc.loc(("values", idx, "period")), code="data-period", **ctx))
            continue
        key = (raw["unit"], period)
        if key in seen:
            issues.append(error(f"{raw['unit']} {period} has two entries (first at line "
                                f"{doc.loc(('values', seen[key])).line})",
                                doc.loc(("values", idx)), code="data-duplicate", **ctx))
            broken.add((code, raw["unit"], str(period)))
            continue
        seen[key] = idx
        inputs = tuple(_input(name, value, doc, ("values", idx, "inputs", name))
                       for name, value in raw["inputs"].items())
        entry = Entry(code, raw["unit"], period, inputs, raw.get("evidence", ""),
                      raw.get("note", ""), raw.get("source", ""), doc.loc(("values", idx)))
        if _check_entry(entry, doc, idx, manuals, issues):
            entries.append(entry)
        else:
            broken.add((code, raw["unit"], str(period)))
    return _without_conflicts(entries, manuals, issues, broken)


def _load_narratives(doc: LoadedDoc, year: int, manuals: ManualSet, issues: list[Issue]
                     ) -> list[Narrative]:
    """The file's `narratives`, each checked against the revision in force for its period:
    the IKU is there, the unit is its owner or in its cascade (an owner-only IKU such as
    IKU.13 still lists the units that support it), one entry per unit and period."""
    code = doc.data["iku"]
    out: list[Narrative] = []
    seen: dict[tuple[str, Period], int] = {}
    for idx, raw in enumerate(doc.data.get("narratives", [])):
        where = ("narratives", idx)
        try:
            period = Period.parse(raw["period"])
        except PeriodError as exc:
            issues.append(error(str(exc), doc.loc((*where, "period")), iku=code,
                                unit=raw["unit"], code="data-period"))
            continue
        ctx = {"iku": code, "unit": raw["unit"], "period": str(period)}
        if period.year != year:
            issues.append(error(f"period {period} is not in {year}",
                                doc.loc((*where, "period")), code="data-period", **ctx))
            continue
        manual = manuals.in_force(period)
        iku = manual.iku(code) if manual is not None else None
        if manual is None or iku is None:
            issues.append(error(f"{code} is not in a manual revision in force for {period}",
                                doc.loc((*where, "period")), code="data-iku", **ctx))
            continue
        units = [manual.owner, *(u.unit for u in iku.cascade.units)]
        if raw["unit"] not in units:
            issues.append(error(
                f"{raw['unit']} is neither the owner nor a unit of {code}'s cascade in manual "
                f"{manual.label}", doc.loc((*where, "unit")), code="data-unit",
                hint=did_you_mean(raw["unit"], units) or f"units: {', '.join(units)}", **ctx))
            continue
        if not any(raw.get(k) for k in ("penjelasan", "permasalahan", "rekomendasi")):
            issues.append(error("a narrative without text", doc.loc(where), code="data-narrative",
                                hint="write at least one of penjelasan, permasalahan, "
                                     "rekomendasi", **ctx))
            continue
        key = (raw["unit"], period)
        if key in seen:
            issues.append(error(f"{raw['unit']} {period} has two narratives (first at line "
                                f"{doc.loc(('narratives', seen[key])).line})",
                                doc.loc(where), code="data-duplicate",
                                hint="write one entry per unit and period", **ctx))
            continue
        seen[key] = idx
        out.append(Narrative(code, raw["unit"], period, raw.get("penjelasan", ""),
                             raw.get("permasalahan", ""), raw.get("rekomendasi", ""),
                             raw.get("source", ""), doc.loc(where)))
    return out


def _without_conflicts(entries: list[Entry], manuals: ManualSet, issues: list[Issue],
                       broken: set[tuple[str, str, str]]) -> list[Entry]:
    """An entry for a period the schedule forms from the measured periods inside it (a
    year entry beside the unit's semesters) is a second source for one figure: an error at
    both, never a silent winner."""
    out: list[Entry] = []
    by_unit: dict[str, list[Entry]] = {}
    for e in entries:
        by_unit.setdefault(e.unit, []).append(e)
    for e in entries:
        manual = manuals.in_force(e.period)
        iku = manual.iku(e.iku) if manual else None
        measured = iku.schedule.measured if iku else ()
        within = e.period.inside()
        inside = [o for o in by_unit[e.unit] if o.period != e.period
                  and o.period in within and o.period.suffix in measured]
        if e.period.suffix in measured or not inside:
            out.append(e)
            continue
        lines = ", ".join(f"{o.period} at line {o.location.line}" for o in inside)
        issues.append(error(
            f"two sources for {e.unit} {e.period}: this entry, and the schedule's "
            f"`{iku.schedule.aggregate if iku else ''}` over the measured periods inside it "
            f"({lines})", e.location, iku=e.iku, unit=e.unit, period=str(e.period),
            code="data-conflict",
            hint=f"keep either the {e.period} entry or the entries inside it"))
        broken.add((e.iku, e.unit, str(e.period)))
    return out


# What each printed measure is about, beside its unit and period.
_SUBJECT = {"realisasi": "iku", "capaian": "iku", "nss": "objective", "nkp": "perspective"}


def _load_reported(doc: LoadedDoc, year: int, issues: list[Issue]) -> list[ReportedFigure]:
    out: list[ReportedFigure] = []
    for idx, raw in enumerate(doc.data["figures"]):
        try:
            period = Period.parse(raw["period"])
        except PeriodError as exc:
            issues.append(error(str(exc), doc.loc(("figures", idx, "period")),
                                code="data-period"))
            continue
        needs = _SUBJECT.get(raw["measure"])
        if needs is not None and not raw.get(needs):
            issues.append(error(f"a printed {raw['measure']} needs `{needs}`: which one is it?",
                                doc.loc(("figures", idx)), code="data-reported",
                                hint=f"add `{needs}: ...`"))
            continue
        out.append(ReportedFigure(raw.get("iku", ""), raw["unit"], period, raw["measure"],
                                  Decimal(raw["value"]), raw["where"], raw.get("note", ""),
                                  doc.loc(("figures", idx)), raw.get("objective", ""),
                                  raw.get("perspective", ""), bool(raw.get("as_of", False))))
    return out


def load_dataset(folder: Path, manuals: ManualSet) -> Dataset:
    """Load a year's folder; never raises for bad content (issues are in the result)."""
    issues: list[Issue] = []
    broken: set[tuple[str, str, str]] = set()
    shown = display_path(folder)
    year_text = folder.name
    if not folder.is_dir() or not year_text.isdigit():
        issues.append(error(f"{shown} is not a dataset year folder",
                            Location(shown), hint="expected datasets/<owner>/<year>/",
                            code="io"))
        return Dataset(shown, 0, (), (), tuple(issues), (), 0)
    year = int(year_text)
    entries: list[Entry] = []
    reported: list[ReportedFigure] = []
    narratives: list[Narrative] = []
    files = 0
    paths = indicator_files(folder, issues, skip=(REPORTED,))
    if (folder / REPORTED).is_file():
        paths.append(folder / REPORTED)
    seen: dict[str, str] = {}
    for path in paths:
        files += 1
        doc, found = load_file(path)
        code = code_of_stem(path.stem) if path.name != REPORTED else ""
        issues += [dataclasses.replace(i, iku=code) for i in found]
        if doc is None:
            if code:
                broken.add((code, "*", "*"))
            continue
        schema = "reported" if path.name == REPORTED else "dataset"
        schema_issues = schemacheck.validate(doc, schema, iku=code)
        issues += schema_issues
        if schema_issues:
            if code:
                broken.add((code, "*", "*"))
            continue
        if schema == "reported":
            reported += _load_reported(doc, year, issues)
            continue
        code = doc.data["iku"]
        name_issue = file_name_issue(path, code, doc, "iku")
        if name_issue is not None:  # a stray copy (IKU.10_old.yaml): refused, never read
            issues.append(name_issue)
            continue
        if code in seen:  # IKU.1.yaml beside IKU.01.yaml: neither can be the one source
            issues.append(error(f"{code} has two files here: {seen[code]} and {path.name}",
                                doc.loc(("iku",)), iku=code, code="file-name",
                                hint="keep one file per indicator"))
            broken.add((code, "*", "*"))
            continue
        seen[code] = path.name
        entries += _load_inputs(doc, year, manuals, issues, broken)
        if int(doc.data["year"]) == year:  # a file of another year is reported above
            narratives += _load_narratives(doc, year, manuals, issues)
    return Dataset(shown, year, tuple(entries), tuple(reported), tuple(_once(issues)),
                   tuple(sorted(broken)), files, tuple(narratives))


def _once(issues: list[Issue]) -> list[Issue]:
    """The same problem at the same place said once, however many entries it spoils."""
    counts: dict[tuple[object, str, str], int] = {}
    for i in issues:
        key = (i.location, i.message, i.hint)
        counts[key] = counts.get(key, 0) + 1
    out: list[Issue] = []
    for i in issues:
        key = (i.location, i.message, i.hint)
        n = counts.pop(key, 0)
        if n == 1:
            out.append(i)
        elif n > 1:
            out.append(dataclasses.replace(i, message=f"{i.message} ({n} entries)", unit="",
                                           period=""))
    return out


def history(folder: Path, iku: str, unit: str) -> list[ReportedFigure]:
    """Printed realisasi of `iku` and `unit` in the years before `folder`'s, from the
    sibling year folders' reported.yaml, oldest first (for trends; never inputs)."""
    out: list[ReportedFigure] = []
    if not folder.name.isdigit():
        return out
    for sibling in sorted(folder.parent.iterdir()):
        path = sibling / REPORTED
        if not (sibling.name.isdigit() and int(sibling.name) < int(folder.name)
                and path.is_file()):
            continue
        doc, found = load_file(path)
        if doc is None or found or schemacheck.validate(doc, "reported"):
            continue  # a broken older file is not this run's business; validate shows it
        out += [r for r in _load_reported(doc, int(sibling.name), [])
                if r.iku == iku and r.unit == unit and r.measure == "realisasi"
                and r.period.is_year]
    return out


def load_reported(folder: Path) -> tuple[ReportedFigure, ...]:
    """The printed figures of one year folder's reported.yaml, read without the year's manual
    (an earlier year may have none), or nothing when the file is missing or broken
    (`iku validate` shows why)."""
    path = folder / REPORTED
    if not (folder.name.isdigit() and path.is_file()):
        return ()
    doc, found = load_file(path)
    if doc is None or found or schemacheck.validate(doc, "reported"):
        return ()
    return tuple(_load_reported(doc, int(folder.name), []))


def has_inputs(folder: Path) -> bool:
    """Whether a year folder holds indicator data (a year with only a reported.yaml has
    nothing to evaluate)."""
    return any(p.suffix == ".yaml" and p.name != REPORTED and not p.name.startswith(".")
               for p in folder.iterdir())


def year_folders(path: Path) -> list[Path]:
    """The dataset year folders at or below `path` (a folder named for its year holding
    YAML files; manual revision folders such as `2022/` are not)."""
    def is_year(p: Path) -> bool:
        return p.is_dir() and p.name.isdigit() and not (p / "manual.yaml").is_file() and \
            any(p.glob("*.yaml"))

    if is_year(path):
        return [path]
    if not path.is_dir():
        return []
    return sorted((p for p in path.rglob("*") if is_year(p)), key=lambda p: (p.parent, p.name))


def data_years(owner_folder: Path) -> list[int]:
    """The years of one owner's data folder that hold indicator data, oldest first."""
    if not owner_folder.is_dir():
        return []
    return sorted(int(p.name) for p in owner_folder.iterdir()
                  if p.is_dir() and p.name.isdigit() and has_inputs(p))


def read_input(name: str, raw: Any, doc: LoadedDoc, path: tuple[Any, ...]) -> InputValue:
    """One input as written in a loaded, schema-valid dataset file (for `iku import`,
    which compares a form's values with what a file holds)."""
    return _input(name, raw, doc, path)


def check_file(doc: LoadedDoc, path: Path, manuals: ManualSet) -> list[Issue]:
    """The checks `load_dataset` makes of one indicator file of a year folder named for its
    year: schema, file name, year, and every entry against the revision in force. For a
    file about to be written (`iku import`), before it replaces the old one."""
    code = code_of_stem(path.stem)
    issues = list(schemacheck.validate(doc, "dataset", iku=code))
    if issues:
        return issues
    name_issue = file_name_issue(path, doc.data["iku"], doc, "iku")
    if name_issue is not None:
        return [name_issue]
    _load_inputs(doc, int(path.parent.name), manuals, issues, set())
    return _once(issues)
