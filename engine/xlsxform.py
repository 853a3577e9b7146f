"""Forms as XLSX workbooks. The only module that imports openpyxl, and only `iku template`
and `iku import` import this one (openpyxl costs every other command nothing).

The workbook has three sheets: `Form` (a title, a line on how to fill it, the header, one
row per input; the descriptive columns locked, the value, evidence and note cells open,
each value cell validated against the variable's bounds), `Notes` (the same guidance at
length, and what the form leaves out) and `key` (hidden: the form's owner, period, number
format, each owner's revision and manual digest, the checksum, and each row's key by its row
number).
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine.errors import InputError, error
from engine.forms import (
    COLUMNS,
    FORM_VERSION,
    LIST_SEPARATOR,
    MAGIC,
    NEW_ITEM,
    NUMBER_FORMATS,
    OMIT,
    Cell,
    FilledForm,
    FilledRow,
    Form,
    allowed_text,
    column_letter,
    fmt,
    headers,
    sources_text,
)

SHEET = "Form"
NOTES = "Notes"
KEY = "key"
HEADER_ROW = 3
FIRST_ROW = 4
# A form of a few hundred rows is some tens of KiB; these bounds keep a hostile file (a zip
# bomb) from costing more than a refusal.
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
_WIDTHS = {"owner": 10, "iku": 10, "for": 10, "unit": 10, "variable": 22, "item": 22,
           "meaning": 48, "measure": 14, "allowed": 14, "previous": 16, "value": 16,
           "evidence": 30, "note": 36}
_OPEN_FILL = "FFF2CC"  # the cells to fill
_HEAD_FILL = "D9E1F2"


def positions(form: Form) -> list[int]:
    """The sheet rows of the form's rows, as sealed in its checksum."""
    return [FIRST_ROW + i for i in range(len(form.rows))]


def instructions(form: Form) -> list[str]:
    return [
        f"Type each value in the Value column as a number; text cells are read as "
        f"{NUMBER_FORMATS[form.numbers]}. No % sign: the unit of measure is in the manual.",
        "Evidence (a link or document number) and Note are optional; they are written beside "
        "the value in the data.",
        "Items: one row per item. Where the Item cell is open (yellow), type the item's name "
        f"beside its value; leave a named item's value empty only if the variable is empty, "
        f"or type {OMIT} to leave that item out this period.",
        f"Lists: the numbers in one cell, separated by `{LIST_SEPARATOR}`.",
        "The owner, indicator, unit, variable and item columns are the form's key: do not "
        "change them, insert or delete rows, or copy rows into another form.",
        "Owner is whose data a value goes to: a unit linked to its own manual enters its "
        "inputs once, as its own indicator (the Indicator column, with the "
        f"{form.owner} IKU it counts for beside it), into its own data.",
        f"Then: iku import <this file>   (the form is for {form.owner} {form.period}, "
        f"{sources_text(form.sources)}; another revision, owner or period refuses it).",
    ]


def write_xlsx(form: Form, path: Path) -> None:
    """Write the form to `path` atomically."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.workbook.protection import WorkbookProtection
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    unit = f", {form.unit}" if form.unit else ""
    _text(ws.cell(1, 1), f"Realisasi {form.period.label}: {form.owner_name} ({form.owner}"
                         f"{unit}), Manual IKU {_revisions(form)}").font = Font(bold=True,
                                                                               size=13)
    _text(ws.cell(2, 1), f"Numbers as {NUMBER_FORMATS[form.numbers]}; no % sign. Fill the "
                         "yellow cells; the Notes sheet says more.")
    names = [name for name, _ in COLUMNS]
    col = {name: i for i, name in enumerate(names, start=1)}
    head_fill = PatternFill("solid", fgColor=_HEAD_FILL)
    open_fill = PatternFill("solid", fgColor=_OPEN_FILL)
    unlocked = Protection(locked=False)
    for i, text in enumerate(headers(form), start=1):
        c = _text(ws.cell(HEADER_ROW, i), text)
        c.font = Font(bold=True)
        c.fill = head_fill
        c.alignment = Alignment(wrap_text=True, vertical="top")
    bounds: dict[tuple[Decimal | None, Decimal | None], list[str]] = {}
    for r, row in zip(positions(form), form.rows, strict=True):
        values: dict[str, Any] = {"owner": row.owner, "iku": row.iku, "for": row.counts_for,
                                  "unit": row.unit, "variable": row.variable,
                                  "item": row.item, "meaning": row.meaning,
                                  "measure": row.measure, "allowed": row.allowed}
        for name, value in values.items():
            _text(ws.cell(r, col[name]), value)
        prev = ws.cell(r, col["previous"])
        if isinstance(row.previous, tuple):
            _text(prev, f"{LIST_SEPARATOR} ".join(fmt(v) for v in row.previous))
        elif row.previous is not None:
            prev.value = row.previous  # a number, stored as written (openpyxl keeps Decimal)
        prev.number_format = "General"
        open_cells = ["value", "evidence", "note"] + (["item"] if row.kind == NEW_ITEM else [])
        for name in open_cells:
            c = ws.cell(r, col[name])
            c.protection = unlocked
            c.fill = open_fill
            c.number_format = "General"
        if row.kind != "list" and (row.low is not None or row.high is not None):
            bounds.setdefault((row.low, row.high), []).append(
                f"{column_letter(col['value'])}{r}")
    for (low, high), cells in bounds.items():
        if low is not None and high is not None:
            dv = DataValidation(type="decimal", operator="between", formula1=fmt(low),
                                formula2=fmt(high))
        elif low is not None:
            dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1=fmt(low))
        else:
            dv = DataValidation(type="decimal", operator="lessThanOrEqual",
                                formula1=fmt(high))  # type: ignore[arg-type]
        dv.allow_blank = True
        dv.showErrorMessage = True
        dv.errorTitle = "Out of range"
        dv.error = f"Allowed: {allowed_text(low, high)}"
        # a warning, not a stop: `-` leaves a named item out (docs/forms.md), and the import
        # checks every cell anyway
        dv.errorStyle = "warning"
        for ref in cells:
            dv.add(ref)
        ws.add_data_validation(dv)
    for name, width in _WIDTHS.items():
        ws.column_dimensions[column_letter(col[name])].width = width
    ws.freeze_panes = ws.cell(FIRST_ROW, 1)
    ws.row_dimensions[HEADER_ROW].height = 30  # two lines: "Previous (TW IV 2023)"
    # printed (some offices fill forms on paper first): landscape, all columns on one page
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.protection.sheet = True  # no password: a guard against slips; the checksum is the seal

    notes = wb.create_sheet(NOTES)
    lines = [f"Form of {form.owner_name} ({form.owner}) for {form.period.label}, made from "
             f"Manual IKU {_revisions(form)}.", "", *instructions(form)]
    if form.all_notes:
        lines += ["", "Not in this form, or to know:", *form.all_notes]
    for i, line in enumerate(lines, start=1):
        _text(notes.cell(i, 1), line)
    notes.column_dimensions["A"].width = 120
    notes.protection.sheet = True

    key = wb.create_sheet(KEY)
    meta = form.meta
    rows = [(MAGIC, FORM_VERSION), *((f"#{k}", v) for k, v in list(meta.items())[1:]),
            ("#checksum", form.checksum(positions(form))), ("#row", "#key")]
    for i, (a, b) in enumerate(rows, start=1):
        _text(key.cell(i, 1), a)
        _text(key.cell(i, 2), b)
    start = len(rows) + 1
    for i, (r, row) in enumerate(zip(positions(form), form.rows, strict=True)):
        key.cell(start + i, 1).value = r
        _text(key.cell(start + i, 2), row.key)
    key.sheet_state = "hidden"
    key.protection.sheet = True
    wb.security = WorkbookProtection(lockStructure=True)
    _save(wb, path)


def _revisions(form: Form) -> str:
    """`2023-r2`, or `SINKA 2024, INTI 2024` for a form across owners."""
    return sources_text(form.sources).split(" ", 1)[1]


def _text(cell: Any, value: str) -> Any:
    """A text cell that stays text: openpyxl would take a leading `=` for a formula, and a
    manual's text is untrusted (formula injection)."""
    cell.value = value
    if isinstance(value, str) and value:
        cell.data_type = "s"
    return cell


def _save(wb: Any, path: Path) -> None:
    path = path.resolve()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".xlsx", dir=path.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_xlsx(path: Path, shown: str) -> FilledForm:
    """A filled XLSX form. Raises InputError when the file is not one."""
    _check_container(path, shown)
    from openpyxl import load_workbook

    try:
        # data_only=False: a formula is seen as a formula (and refused), never as a cached
        # result that may be stale or absent
        wb = load_workbook(path, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InputError((error(f"{shown} cannot be read as XLSX: {exc}", code="form-file",
                                hint="save it again from the spreadsheet program as Excel "
                                     "Workbook (.xlsx)"),)) from None
    if KEY not in wb.sheetnames or SHEET not in wb.sheetnames:
        raise InputError((error(f"{shown} is not a form made by iku template (it has no "
                                f"`{SHEET}` and `{KEY}` sheets)", code="form-file",
                                hint="make one with iku template"),))
    key = wb[KEY]
    meta: dict[str, str] = {}
    table: list[tuple[int, str]] = []
    in_table = False
    for a, b in key.iter_rows(min_col=1, max_col=2, values_only=True):
        if a is None and b is None:
            continue
        if not in_table:
            if a == MAGIC:
                meta["form"] = _str(b)
            elif a == "#row":
                in_table = True
            elif isinstance(a, str) and a.startswith("#"):
                meta[a[1:]] = _str(b)
            continue
        table.append((a if isinstance(a, int) else -1, _str(b)))
    if "form" not in meta:
        raise InputError((error(f"{shown}: the `{KEY}` sheet is not a form's key",
                                code="form-key", hint="make a new form with iku template"),))
    ws = wb[SHEET]
    names = [name for name, _ in COLUMNS]
    rows: list[FilledRow] = []
    for r, k in table:
        cells = {name: _cell(ws, r, i) for i, name in enumerate(names, start=1)} if r > 0 \
            else {}
        rows.append(FilledRow(r, k, cells))
    known = {r for r, _ in table}
    stray: list[Cell] = []
    for line in ws.iter_rows(min_row=FIRST_ROW):
        for c in line:
            if c.value is not None and str(c.value).strip() and \
                    (c.row not in known or c.column > len(names)):
                stray.append(Cell(f"{SHEET}!{c.coordinate}", c.value))
                break
    return FilledForm(shown, meta, rows, stray)


def _str(value: object) -> str:
    return "" if value is None else str(value)


def _cell(ws: Any, row: int, column: int) -> Cell:
    c = ws.cell(row, column)
    return Cell(f"{SHEET}!{c.coordinate}", c.value, c.number_format or "General",
                c.data_type == "f", c.data_type == "e")


def _check_container(path: Path, shown: str) -> None:
    """Refuse what is not a reasonable XLSX before openpyxl parses it: an XLSX is a zip of
    XML parts (the XML parser, expat, refuses entity expansion bombs itself)."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InputError((error(f"{shown} is {size:,} bytes, over the limit of "
                                f"{MAX_FILE_BYTES:,} for a form", code="form-file"),))
    try:
        with zipfile.ZipFile(path) as z:
            unzipped = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError):
        raise InputError((error(f"{shown} is not an XLSX file", code="form-file",
                                hint="save it as Excel Workbook (.xlsx), or give a .csv "
                                     "form"),)) from None
    if unzipped > MAX_UNZIPPED_BYTES:
        raise InputError((error(f"{shown} unpacks to {unzipped:,} bytes, over the limit of "
                                f"{MAX_UNZIPPED_BYTES:,} for a form", code="form-file"),))

