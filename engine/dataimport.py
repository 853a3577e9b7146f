"""`iku import`: a filled form back into the datasets' YAML.

In order, and nothing is written until all of it is clean:
1. the form is read (XLSX or CSV) and its key checked: the checksum over the key, the owner,
   the period, and for each owner whose rows it holds (the form's own, and each owner a
   linked unit's rows go to) the revision in force for that period and the digest of its
   files; and each row's key columns against the key; any of these refuses the form;
2. every cell is read and checked (numbers in the form's declared format, no % sign, no
   text, within the variable's bounds; items and lists complete), each problem named by its
   sheet and cell, with the IKU, unit and period;
3. the values are compared with the data: the same value is a no-op, a missing one is
   added, a different one is a conflict unless `replace` is given;
4. the new texts, each in its own owner's data, are checked against that owner's manual and
   written together (engine.datawrite).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from engine.datawrite import CONFLICT, Change, FilePlan, Typed, plan_file, write_all
from engine.errors import EXIT_INPUT, EXIT_USAGE, InputError, Issue, Location, error
from engine.forms import (
    FORM_VERSION,
    ITEM,
    LIST,
    NEW_ITEM,
    NUMBER,
    NUMBER_FORMATS,
    OMIT,
    Cell,
    CellProblem,
    FilledForm,
    FilledRow,
    Source,
    allowed_text,
    cell_text,
    checksum,
    fmt,
    has_manual_of,
    manual_digest,
    parse_key,
    parse_list,
    parse_number,
    sources_of,
    sources_text,
)
from engine.functions import Items
from engine.manual import ManualSet
from engine.model import Manual, Variable
from engine.periods import Period, PeriodError
from engine.project import Project
from engine.yamlload import display_path


@dataclass
class ImportResult:
    owner: str  # the form's owner
    period: Period  # the form's period
    sources: list[Source]  # each owner's revision the form was made from, its owner's first
    cells: int  # values read from the form
    plans: list[FilePlan] = field(default_factory=list)  # files that change (or would)
    changes: list[Change] = field(default_factory=list)  # every value, with what happens
    written: bool = False  # the files were written

    def count(self, kind: str) -> int:
        return sum(1 for c in self.changes if c.kind == kind)


def read_form(path: Path) -> FilledForm:
    shown = display_path(path)
    if not path.is_file():
        raise InputError((error(f"{shown} does not exist", code="usage"),), EXIT_USAGE)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        from engine.forms import read_csv

        return read_csv(path, shown)
    if suffix in (".xlsx", ".xlsm"):
        from engine.xlsxform import read_xlsx

        return read_xlsx(path, shown)
    raise InputError((error(f"{shown}: a form is an .xlsx or a .csv file", code="usage",
                            hint="save the form as Excel Workbook (.xlsx) or CSV UTF-8"),),
                     EXIT_USAGE)


@dataclass(frozen=True)
class _Sealed:
    """A form whose key checked out: where its values go."""

    owner: str  # the form's owner
    period: Period
    manuals: dict[str, Manual]  # by owner: the revision each owner's rows were asked from
    sets: dict[str, ManualSet]  # by owner: its revisions of the year, to check files against
    numbers: str

    def sources(self) -> list[Source]:
        return [Source(o, m.label, "") for o, m in self.manuals.items()]


def check_key(form: FilledForm, project: Project, owner: str | None, period: str | None
              ) -> _Sealed:
    """The form's owner, period and each owner's revision, or InputError naming everything
    that ties it elsewhere: an edited key, another version, owner, period or revision (of
    the form's owner or of any owner whose rows it holds)."""
    meta = form.meta
    where = Location(form.shown)
    issues: list[Issue] = []

    def refuse(message: str, hint: str = "make a new form with iku template") -> None:
        issues.append(error(message, where, hint=hint, code="form-key"))

    if meta.get("form") != FORM_VERSION:
        refuse(f"the form was made by another version of iku template (form {meta.get('form')})"
               f", this one reads form {FORM_VERSION}")
        raise InputError(tuple(issues), EXIT_INPUT)
    sealed = checksum(meta, [(r.position, r.key) for r in form.rows])
    if sealed != meta.get("checksum"):
        refuse("the form's key was edited: its checksum does not match its owner, revisions, "
               "period, number format and row keys", "the key (the hidden `key` sheet, or the "
               "`#` lines and `#key` column of a CSV) must stay as iku template wrote it; "
               "make a new form and copy the values into it")
    code = meta.get("owner", "")
    found = project.org.owner(code)
    if found is None:
        refuse(f"the form is for owner {code}, which is not in this organisation",
               f"owners: {', '.join(o.code for o in project.org.owners)}")
    elif owner is not None and project.owner(owner).code != found.code:
        refuse(f"the form is {found.code}'s; --owner says {project.owner(owner).code}",
               "import it without --owner, or use the form of the owner meant")
    try:
        when = Period.parse(meta.get("period", ""))
    except PeriodError as exc:
        refuse(f"the form's period: {exc}")
        raise InputError(tuple(issues), EXIT_INPUT) from None
    if period is not None:
        try:
            asked = Period.loose(period, when.year)
        except PeriodError as exc:
            raise InputError((error(str(exc), code="usage"),), EXIT_USAGE) from None
        if asked != when:
            refuse(f"the form is for {when} ({when.label}); --period says {asked}",
                   "import it without --period, or use the form of the period meant")
    numbers = meta.get("numbers", "")
    if numbers not in NUMBER_FORMATS:
        refuse(f"the form's number format `{numbers}` is unknown")
    sources = sources_of(meta)
    if found is not None and (not sources or sources[0].owner != found.code):
        refuse(f"the form's key names no revision of its owner {found.code}")
    if found is None or issues:
        raise InputError(tuple(issues), EXIT_INPUT)
    manuals: dict[str, Manual] = {}
    sets: dict[str, ManualSet] = {}
    for source in sources:
        other = project.org.owner(source.owner)
        if other is None:
            refuse(f"the form holds rows of owner {source.owner}, which is not in this "
                   "organisation")
            continue
        if not has_manual_of(project, other.code, when.year):
            refuse(f"the form was made from revision {source.revision} of {other.code}; "
                   f"{other.code} now has no manual for {when.year}")
            continue
        mset = project.manuals(other.code, when.year)
        manual = mset.in_force(when)
        if manual is None:
            refuse(f"{other.code} has no manual revision in force for {when}")
        elif manual.label != source.revision:
            refuse(f"the form was made from revision {source.revision} of {other.code}; the "
                   f"revision of {other.code} in force for {when} is now {manual.label}")
        elif manual_digest(manual) != source.digest:
            refuse(f"revision {source.revision} of {other.code} has changed since the form was "
                   "made (its files differ)", "make a new form with iku template, so that "
                                              "each row asks for what the manual now says")
        else:
            manuals[other.code] = manual
            sets[other.code] = mset
    if issues:
        raise InputError(tuple(issues), EXIT_INPUT)
    return _Sealed(found.code, when, manuals, sets, numbers)


def _key_issues(form: FilledForm, sealed: _Sealed) -> list[Issue]:
    """Each row's key columns as the key says, and its key as the manuals know it."""
    issues: list[Issue] = []
    for row in form.rows:
        parsed = parse_key(row.key)
        manual = sealed.manuals.get(parsed[0]) if parsed else None
        iku = manual.iku(parsed[1]) if parsed and manual else None
        var = iku.variable(parsed[3]) if parsed and iku else None
        if parsed is None or var is None or not row.cells:
            issues.append(error(f"row {row.position} of the key is not a row of the manuals "
                                f"the form was made from ({sources_text(sealed.sources())})",
                                Location(form.shown), code="form-key",
                                hint="make a new form with iku template"))
            continue
        expected = {"owner": parsed[0], "iku": parsed[1], "unit": parsed[2],
                    "variable": parsed[3], "item": parsed[5]}
        for name, want in expected.items():
            if name == "item" and parsed[4] == NEW_ITEM:
                continue  # typed by the user
            cell = row.cells[name]
            found = "" if cell.value is None else str(cell.value).strip()
            if found != want:
                issues.append(error(
                    f"the key column `{name}` was edited: it says `{found}`, the form was made "
                    f"with `{want}`", Location(f"{form.shown}:{cell.address}"),
                    iku=parsed[1], unit=parsed[2], period=str(sealed.period), code="form-key",
                    hint="the owner, indicator, unit, variable and item columns tie each row "
                         "to a manual; undo the edit, or make a new form with iku template"))
    return issues


_BAD = Decimal("NaN")  # an item whose cell had a problem (already reported)


@dataclass
class _ItemRow:
    name: str  # the item's name
    value: Decimal | None  # None when empty or left out
    omitted: bool  # `-` typed: left out this period
    evidence: str
    note: str
    cell: Cell  # the value cell
    name_cell: Cell | None  # the item cell, for an item named in the form


class _Reader:
    """Reads a sealed form's cells into values, collecting every problem at its cell."""

    def __init__(self, form: FilledForm, sealed: _Sealed) -> None:
        self.form = form
        self.sealed = sealed
        self.issues: list[Issue] = []
        self.owner = ""  # the row group being read, for the messages
        self.iku = ""
        self.unit = ""

    def where(self, cell: Cell) -> str:
        return f"{self.form.shown}:{cell.address}"

    def problem(self, cell: Cell, message: str, hint: str = "") -> None:
        # codes repeat across owners (the deputy's IKU.8, Dit. PPSIASN's IKU.8): a row of
        # another owner than the form's says whose indicator it is
        if self.owner != self.sealed.owner:
            message = f"{self.owner}'s {self.iku}: {message}"
        self.issues.append(error(message, Location(self.where(cell)), hint=hint, iku=self.iku,
                                 unit=self.unit, period=str(self.sealed.period),
                                 code="form-cell"))

    def text(self, cell: Cell, what: str) -> str | None:
        try:
            return cell_text(cell.value)
        except CellProblem as exc:
            self.problem(cell, f"{what}: {exc.message}", exc.hint)
            return None

    def value(self, cell: Cell, kind: str, var: Variable
              ) -> Decimal | tuple[Decimal, ...] | bool | None:
        """A number or list from its cell, within bounds; None for an empty cell, False after
        a problem (reported)."""
        if cell.formula:
            self.problem(cell, f"`{var.name}`: a formula `{cell.value}`, not a value",
                         "type the value itself (copy the cell, paste as values)")
            return False
        if cell.error:
            self.problem(cell, f"`{var.name}`: the error value {cell.value}",
                         "type the value itself")
            return False
        numbers = self.sealed.numbers
        try:
            value: Decimal | tuple[Decimal, ...] | None = (
                parse_list(cell.value, numbers, cell.number_format) if kind == LIST
                else parse_number(cell.value, numbers, cell.number_format))
        except CellProblem as exc:
            self.problem(cell, f"`{var.name}`: {exc.message}", exc.hint)
            return False
        for number in value if isinstance(value, tuple) else () if value is None else (value,):
            why = _out_of_range(number, var)
            if why:
                self.problem(cell, f"`{var.name}` = {fmt(number)} is {why}",
                             f"allowed: {allowed_text(var.min, var.max)} ({var.unit})")
                return False
        return value

    def single(self, row: FilledRow, kind: str, var: Variable) -> Typed | None:
        cells = row.cells
        value = self.value(cells["value"], kind, var)
        evidence = self.text(cells["evidence"], "evidence")
        note = self.text(cells["note"], "note")
        if value is None:
            if evidence or note:
                self.problem(cells["value"], f"`{var.name}` has an evidence or note but no "
                                             "value", "type the value, or clear the evidence "
                                                      "and note")
            return None
        if value is False or evidence is None or note is None:
            return None
        assert not isinstance(value, bool)
        return Typed(self.iku, self.unit, var.name, value, evidence, note,
                     self.where(cells["value"]), self.owner)

    def items(self, rows: list[tuple[FilledRow, str, str]], var: Variable) -> Typed | None:
        """An items variable from its rows; None when it is empty or has a problem."""
        got: list[_ItemRow] = []
        ok = True
        for row, kind, item in rows:
            cells = row.cells
            evidence = self.text(cells["evidence"], "evidence")
            note = self.text(cells["note"], "note")
            name_cell = cells["item"] if kind == NEW_ITEM else None
            name: str | None = item if name_cell is None else self.text(name_cell, "item name")
            raw = cells["value"].value
            omitted = kind == ITEM and isinstance(raw, str) and raw.strip() == OMIT
            value = None if omitted else self.value(cells["value"], NUMBER, var)
            if value is False or evidence is None or note is None or name is None:
                ok = False
            if value is False:  # reported; a value is there, for the checks of the others
                value = _BAD
            assert not isinstance(value, tuple | bool)
            got.append(_ItemRow(name or "", value, omitted, evidence or "", note or "",
                                cells["value"], name_cell))
        filled = [g for g in got if g.value is not None]
        if not filled:
            left_out = [g for g in got if g.omitted]
            if left_out:
                self.problem(left_out[0].cell, f"`{var.name}`: every item is left out ({OMIT})",
                             "an items value needs one item at least; leave the cells empty "
                             "to give no value")
                return None
            for g in got:
                if g.evidence or g.note or (g.name_cell is not None and g.name):
                    what = f"item `{g.name}` has no value" if g.name else \
                        "has an evidence or note but no value"
                    self.problem(g.cell, f"`{var.name}`: {what}", "type its value, or clear "
                                                                  "the row")
                    return None
            return None
        seen: dict[str, Cell] = {}
        for g in got:
            if g.name_cell is not None and g.value is not None and not g.name:
                self.problem(g.name_cell, f"`{var.name}`: a value without an item name",
                             "type the item's name in the Item column")
                ok = False
            elif g.name_cell is not None and g.name and g.value is None:
                self.problem(g.cell, f"`{var.name}`: item `{g.name}` has no value",
                             "type its value, or clear its name")
                ok = False
            elif g.name_cell is None and g.value is None and not g.omitted:
                self.problem(g.cell, f"`{var.name}`: item `{g.name}` has no value, while "
                                     "other items of it have",
                             f"type its value, or {OMIT} to leave the item out this period")
                ok = False
            if g.name and g.value is not None and g.value is not _BAD:
                if g.name in seen:
                    self.problem(g.name_cell or g.cell, f"`{var.name}`: item `{g.name}` "
                                 f"twice (first at {seen[g.name].address})",
                                 "give each item once")
                    ok = False
                seen.setdefault(g.name, g.name_cell or g.cell)
        if not ok:
            return None
        pairs = tuple((g.name, g.value) for g in filled if g.value is not None)
        return Typed(self.iku, self.unit, var.name, Items(pairs), _joined(filled, "evidence"),
                     _joined(filled, "note"), self.where(filled[0].cell), self.owner)


def read_values(form: FilledForm, sealed: _Sealed) -> tuple[list[Typed], list[Issue]]:
    """Every value of the form, checked; with every problem, each at its cell."""
    key_issues = _key_issues(form, sealed)
    if key_issues:
        raise InputError((*key_issues, error(
            f"{form.shown} is refused: its key columns do not match its key",
            code="form-key")), EXIT_INPUT)
    reader = _Reader(form, sealed)
    for cell in form.stray:
        reader.problem(cell, f"`{cell.value}` is outside the form's rows: a row the form did "
                             "not give is not read",
                       "move the value into its row, or make a form that has the row (iku "
                       "template); rows cannot be added")
    groups: dict[tuple[str, str, str, str], list[tuple[FilledRow, str, str]]] = {}
    for row in form.rows:
        parsed = parse_key(row.key)
        assert parsed is not None
        owner, iku, unit, variable, kind, item = parsed
        groups.setdefault((owner, iku, unit, variable), []).append((row, kind, item))
    typed: list[Typed] = []
    for (owner, code, unit, variable), rows in groups.items():
        found = sealed.manuals[owner].iku(code)
        var = found.variable(variable) if found is not None else None
        assert var is not None, (owner, code, variable)
        reader.owner, reader.iku, reader.unit = owner, code, unit
        kind = rows[0][1]
        got = reader.single(rows[0][0], kind, var) if kind in (NUMBER, LIST) else \
            reader.items(rows, var)
        if got is not None:
            typed.append(got)
    return typed, reader.issues


def _out_of_range(number: Decimal, var: Variable) -> str:
    if var.min is not None and number < var.min:
        return f"below the minimum {fmt(var.min)}"
    if var.max is not None and number > var.max:
        return f"above the maximum {fmt(var.max)}"
    return ""


def _joined(rows: list[_ItemRow], what: str) -> str:
    """An items variable's evidence or note: the one text its rows give, or each row's with
    its item's name when they differ (the data holds one per variable)."""
    texts = [(g.name, getattr(g, what)) for g in rows if getattr(g, what)]
    if len({t for _, t in texts}) <= 1:
        return texts[0][1] if texts else ""
    return "; ".join(f"{name}: {text}" for name, text in texts)


def import_form(project: Project, path: Path, owner: str | None = None,
                period: str | None = None, replace: bool = False,
                dry_run: bool = False) -> tuple[ImportResult, list[Issue]]:
    """Check the form at `path` and write its values (unless `dry_run`), each into its own
    owner's data. Raises InputError when the form or the data cannot be used; returns the
    cell and conflict problems (nothing is written when there are any)."""
    form = read_form(path)
    sealed = check_key(form, project, owner, period)
    typed, issues = read_values(form, sealed)
    result = ImportResult(sealed.owner, sealed.period, sealed.sources(), len(typed))
    if issues:
        return result, issues
    by_file: dict[tuple[str, str], list[Typed]] = {}
    for t in typed:
        by_file.setdefault((t.owner, t.iku), []).append(t)
    for (code_owner, code), group in by_file.items():
        folder = project.data_folder(code_owner, sealed.period.year)
        plan = plan_file(folder, code, sealed.period, group, replace, issues)
        if plan is not None:
            plan.owner = code_owner
            result.changes += plan.changes
            if plan.old != plan.new:
                result.plans.append(plan)
    if any(c.kind == CONFLICT for c in result.changes) or issues:
        return result, issues
    if not dry_run and result.plans:
        # every owner's files in one write: each checked against its own owner's manual
        # before any is replaced, all or none
        write_all(result.plans, sealed.sets)
        result.written = True
    return result, issues
