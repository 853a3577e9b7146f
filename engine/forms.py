"""Data-entry forms: what each unit owes for a period, as rows of a spreadsheet, and the key
that ties a filled form back to the manual revision it was made from (`iku template`,
`iku import`; docs/forms.md).

A form is one row per input due: for each IKU of the owner's revision in force at the
period's end that measures the period, each unit that carries it (the owner, for an
`owner_only` IKU; a unit linked to its own manual enters its data there and is left out),
each variable its formula reads; an `items` variable one row per item. The rows' keys, the
form's owner, revision, period and number format, and a digest of the revision's files are
sealed with a checksum, so that a form from another revision, owner or period, or one whose
key was edited, is refused rather than read into the wrong place.

This module knows no file format: `engine.xlsxform` (the only openpyxl importer) and the
CSV functions here write and read the same `Form` and `FilledForm`.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import quote, unquote

from engine.dataset import Dataset, Entry
from engine.errors import EXIT_USAGE, InputError, did_you_mean, error
from engine.functions import Items
from engine.model import Iku, Manual, Variable
from engine.periods import Period
from engine.project import Project
from engine.values import needed_variables

FORM_VERSION = "1"
MAGIC = "#iku form"  # the first cell of a CSV form, and of the key sheet of an XLSX form
NUMBER_FORMATS = {"id": "Indonesian: 1.234,5 (thousands dots, decimal comma)",
                  "en": "1234.5 (decimal point, no thousands separator)"}
# A spreadsheet keeps 15 significant digits (IEEE double): every number typed with at most
# 15 comes back exactly from the shortest representation of the stored double.
FLOAT_DIGITS = 15
# Rows for items whose names no earlier data gives; and spare rows after known items, for
# an item that is new this period.
OPEN_ITEM_ROWS = 15
SPARE_ITEM_ROWS = 3
LIST_SEPARATOR = ";"
OMIT = "-"  # typed in a known item's value cell: the item is left out this period

# Columns of the form's table, in order: (name, header). The first four are the key columns.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("iku", "IKU"), ("unit", "Unit"), ("variable", "Variable"), ("item", "Item"),
    ("meaning", "Meaning"), ("measure", "Unit of measure"), ("allowed", "Allowed"),
    ("previous", "Previous"), ("value", "Value"), ("evidence", "Evidence (link or document)"),
    ("note", "Note"),
)
KEY_COLUMNS = ("iku", "unit", "variable", "item")
META_KEYS = ("form", "owner", "revision", "period", "unit", "numbers", "manual")

# Kinds of row: a number, a list in one cell, an item named by the form, an item whose name
# is typed in the form.
NUMBER, LIST, ITEM, NEW_ITEM = "number", "list", "item", "new"


@dataclass(frozen=True)
class FormRow:
    iku: str  # IKU code
    unit: str  # unit code
    variable: str  # variable name
    kind: str  # NUMBER, LIST, ITEM or NEW_ITEM
    item: str  # the item's name for ITEM; "" otherwise
    meaning: str  # the variable's meaning, from the manual
    measure: str  # the variable's unit of measure
    low: Decimal | None  # the variable's min
    high: Decimal | None  # the variable's max
    previous: Decimal | tuple[Decimal, ...] | None  # the previous period's value, if any

    @property
    def key(self) -> str:
        """The row's key: IKU, unit, variable, kind and item, `|`-separated and escaped."""
        return "|".join(quote(p, safe=" ") for p in
                        (self.iku, self.unit, self.variable, self.kind, self.item))

    @property
    def allowed(self) -> str:
        return allowed_text(self.low, self.high)


def parse_key(text: str) -> tuple[str, str, str, str, str] | None:
    """(iku, unit, variable, kind, item) from a row key, or None if it is not one.

    >>> parse_key(FormRow("IKU 1", "AK", "x", "item", "a|b", "", "", None, None, None).key)
    ('IKU 1', 'AK', 'x', 'item', 'a|b')
    """
    parts = text.split("|")
    if len(parts) != 5 or parts[3] not in (NUMBER, LIST, ITEM, NEW_ITEM):
        return None
    iku, unit, variable, kind, item = (unquote(p) for p in parts)
    return iku, unit, variable, kind, item


@dataclass(frozen=True)
class Form:
    """What `iku template` writes: the rows due and the key that seals them."""

    owner: str  # owner code
    owner_name: str  # for the title
    revision: str  # label of the revision in force at the period's end
    period: Period  # the period the values are for
    unit: str  # the one unit the form is for; "" for every unit
    numbers: str  # "id" or "en": how text cells are read (NUMBER_FORMATS)
    manual_digest: str  # digest of the revision's files (manual_digest)
    previous: Period  # the period shown for reference
    rows: tuple[FormRow, ...]  # in manual order: IKU, unit, variable, item
    notes: tuple[str, ...]  # what a reader should know: linked units left out, ...

    @property
    def meta(self) -> dict[str, str]:
        return {"form": FORM_VERSION, "owner": self.owner, "revision": self.revision,
                "period": str(self.period), "unit": self.unit, "numbers": self.numbers,
                "manual": self.manual_digest}

    def checksum(self, positions: Sequence[int]) -> str:
        return checksum(self.meta, [(p, r.key) for p, r in zip(positions, self.rows,
                                                                strict=True)])


def checksum(meta: dict[str, str], rows: Sequence[tuple[int, str]]) -> str:
    """The seal over a form's key: its meta values and each row's position and key. Not a
    secret: it catches an edited key or a form from elsewhere, not a forger (who would still
    meet every check of the values against the manual)."""
    payload = json.dumps({"meta": {k: meta.get(k, "") for k in META_KEYS},
                          "rows": [[p, k] for p, k in rows]},
                         sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()


def manual_digest(manual: Manual) -> str:
    """A digest of the revision's files (header and IKU files, by name and content): a form
    records it, and import refuses a form whose revision has changed since."""
    files = [Path(manual.header_file), *(Path(i.file) for i in manual.ikus)]
    lines = sorted(f"{p.parent.name}/{p.name} {hashlib.sha256(p.read_bytes()).hexdigest()}"
                   for p in files)
    return "sha256:" + hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def previous_period(period: Period) -> Period:
    """The period of the same length just before, for the reference column.

    >>> [str(previous_period(Period.parse(p))) for p in ("2024-TW1", "2023-TW3", "2024-S1",
    ...                                                    "2023-S2", "2023")]
    ['2023-TW4', '2023-TW2', '2023-S2', '2023-S1', '2022']
    """
    s = period.suffix
    if s == "Y":
        return Period(period.year - 1, "Y")
    if s.startswith("TW"):
        n = int(s[2:])
        return Period(period.year, f"TW{n - 1}") if n > 1 else Period(period.year - 1, "TW4")
    return Period(period.year, "S1") if s == "S2" else Period(period.year - 1, "S2")


def allowed_text(low: Decimal | None, high: Decimal | None) -> str:
    if low is not None and high is not None:
        return f"{fmt(low)} to {fmt(high)}"
    if low is not None:
        return f"at least {fmt(low)}"
    if high is not None:
        return f"at most {fmt(high)}"
    return "any number"


def fmt(d: Decimal) -> str:
    """A number as the data files write it: its digits, never an exponent.

    >>> fmt(Decimal("4.9E+2")), fmt(Decimal("99.890")), fmt(Decimal("-0"))
    ('490', '99.890', '0')
    """
    if d == 0:
        return "0"
    return format(d, "f")


# -- what is due ------------------------------------------------------------------------------
def due_form(manual: Manual, owner_name: str, period: Period, unit: str, numbers: str,
             data: dict[int, Dataset | None]) -> Form:
    """The form of `manual`'s owner for `period` (one unit's when `unit` is given), with the
    previous period's values and earlier item names from `data` (datasets by year; None
    where a year's data cannot be read)."""
    if numbers not in NUMBER_FORMATS:
        raise InputError((error(f"unknown number format `{numbers}`", code="usage",
                                hint=f"one of {', '.join(NUMBER_FORMATS)}"),), EXIT_USAGE)
    if unit and manual.unit(unit) is None:
        codes = [u.code for u in manual.units]
        raise InputError((error(f"unknown unit `{unit}` in {manual.owner}'s manual "
                                f"{manual.label}", code="usage",
                                hint=did_you_mean(unit, codes) or f"units: {', '.join(codes)}"),
                          ), EXIT_USAGE)
    prev = previous_period(period)
    rows: list[FormRow] = []
    notes: list[str] = []
    for iku in manual.ikus:
        if period.suffix not in iku.schedule.measured:
            continue
        owner_only = iku.cascade.rollup == "owner_only"
        carriers = [manual.owner] if owner_only else [cu.unit for cu in iku.cascade.units]
        for u in carriers:
            if unit and u != unit:
                continue
            cu = iku.cascade.unit(u)
            if not owner_only and cu is not None and cu.link is not None:
                notes.append(f"{iku.code} {u}: not in this form; its value is {cu.link.indicator}"
                             f" of {cu.link.owner}'s own manual, entered in {cu.link.owner}'s "
                             "data (a form for it: iku template --owner "
                             f"{cu.link.owner})")
                continue
            rows += _unit_rows(iku, u, period, prev, data, notes)
    return Form(manual.owner, owner_name, manual.label, period, unit, numbers,
                manual_digest(manual), prev, tuple(rows), tuple(notes))


def _entry(data: dict[int, Dataset | None], iku: str, unit: str, period: Period) -> Entry | None:
    ds = data.get(period.year)
    return ds.entry(iku, unit, period) if ds is not None else None


def _item_names(data: dict[int, Dataset | None], iku: str, unit: str, variable: str,
                period: Period) -> list[str]:
    """The item names of the latest entry of this unit and IKU at or before `period` (this
    period's own first: a form made again for a period with data shows its items)."""
    found: list[tuple[Period, Items]] = []
    for year in (period.year, period.year - 1):
        ds = data.get(year)
        for e in ds.entries if ds is not None else ():
            value = e.values().get(variable)
            if e.iku == iku and e.unit == unit and isinstance(value, Items) \
                    and e.period.end <= period.end:
                found.append((e.period, value))
    if not found:
        return []
    found.sort(key=lambda pv: (pv[0].end, -pv[0].order()))
    return [name for name, _ in found[-1][1].pairs]


def _unit_rows(iku: Iku, unit: str, period: Period, prev: Period,
               data: dict[int, Dataset | None], notes: list[str]) -> list[FormRow]:
    rows: list[FormRow] = []
    before = _entry(data, iku.code, unit, prev)
    previous = before.values() if before is not None else {}
    for name in needed_variables(iku, unit):
        var = iku.variable(name)
        assert var is not None, name
        old = previous.get(name)

        def row(kind: str, item: str = "", value: object = None, v: Variable = var) -> FormRow:
            shown = value if isinstance(value, Decimal | tuple) else None
            return FormRow(iku.code, unit, v.name, kind, item, " ".join(v.meaning.split()),
                           v.unit, v.min, v.max, shown)

        if var.kind == "items":
            names = _item_names(data, iku.code, unit, name, period)
            olds = dict(old.pairs) if isinstance(old, Items) else {}
            rows += [row(ITEM, n, olds.get(n)) for n in names]
            if not names:
                notes.append(f"{iku.code} {unit} {name}: no earlier data names its items; type "
                             "each item's name in the Item column and its value beside it")
            rows += [row(NEW_ITEM) for _ in range(SPARE_ITEM_ROWS if names else OPEN_ITEM_ROWS)]
        elif var.kind == "list":
            rows.append(row(LIST, "", old))
        else:
            rows.append(row(NUMBER, "", old))
    return rows


# -- reading cells ----------------------------------------------------------------------------
class CellProblem(Exception):
    """A cell that cannot be read as what its row needs."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


_ID_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?$")
_EN_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_POINT_DECIMAL = re.compile(r"^[+-]?\d+\.\d+$")
_SPACES = re.compile(r"[\s\u00a0\u202f]+")


def parse_number(raw: object, numbers: str, number_format: str = "General") -> Decimal | None:
    """A cell's number, exactly; None for an empty cell. `numbers` is the form's declared
    format for text cells; `number_format` the spreadsheet's format of the cell.

    >>> parse_number("1.234,5", "id"), parse_number(99.89, "en"), parse_number(490.0, "id")
    (Decimal('1234.5'), Decimal('99.89'), Decimal('490'))
    >>> parse_number("99,89", "en")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    engine.forms.CellProblem: `99,89` has a comma, and this form reads numbers as 1234.5 ...
    """
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise CellProblem("a yes/no value, not a number", "type the number")
    if isinstance(raw, dt.datetime | dt.date | dt.time | dt.timedelta):
        raise CellProblem("a date or time, not a number (the spreadsheet read what was typed "
                          "as a date)", "type the number, in a cell formatted as General")
    if isinstance(raw, int | float | Decimal):
        if "%" in number_format:
            raise CellProblem("the cell is formatted as a percentage: a spreadsheet stores "
                              "90% as 0.9", "type the number itself (90) in a cell formatted "
                              "as General; the unit of measure is in the manual")
        if isinstance(raw, int):
            return Decimal(raw)
        if isinstance(raw, Decimal):
            if not raw.is_finite():
                raise CellProblem(f"`{raw}` is not a finite number")
            return raw
        return _from_float(raw)
    text = _SPACES.sub(" ", str(raw)).strip()
    if not text:
        return None
    if text.startswith("="):
        raise CellProblem(f"a formula `{text}`, not a value", "type the value itself (copy "
                                                              "the cell, paste as values)")
    if "%" in text:
        raise CellProblem(f"`{text}` has a percent sign", f"type {text.replace('%', '').strip()}"
                          ": the unit of measure is in the manual, not in the cell")
    compact = text.replace(" ", "")
    if numbers == "id":
        if _ID_NUMBER.match(compact):
            return Decimal(compact.replace(".", "").replace(",", "."))
        if _POINT_DECIMAL.match(compact):
            raise CellProblem(f"`{text}` has a decimal point, and this form reads numbers as "
                              f"{NUMBER_FORMATS['id']}",
                              f"write {compact.replace('.', ',')}")
    else:
        if _EN_NUMBER.match(compact):
            return Decimal(compact)
        if "," in compact and re.match(r"^[+-]?[\d.,]+$", compact):
            raise CellProblem(f"`{text}` has a comma, and this form reads numbers as "
                              f"{NUMBER_FORMATS['en']}",
                              "write the decimals after a point and no thousands separators "
                              "(99.89, 3830956836), or make the form with --numbers id")
    raise CellProblem(f"`{text}` is not a number", "type a number in the form's format: "
                                                   f"{NUMBER_FORMATS[numbers]}")


def _from_float(raw: float) -> Decimal:
    """The number a person typed, from the double a spreadsheet stored: the shortest decimal
    that reads back as the same double (`repr`), which is what was typed whenever it had at
    most 15 significant digits; more than that means a computed value, refused."""
    try:
        d = Decimal(repr(raw))
    except InvalidOperation:
        d = Decimal("NaN")
    if not d.is_finite():
        raise CellProblem(f"`{raw}` is not a finite number")
    if d == d.to_integral_value():
        return Decimal(int(d))
    digits = len(d.normalize().as_tuple().digits)
    if digits > FLOAT_DIGITS:
        raise CellProblem(f"`{raw!r}` has {digits} significant digits, more than a spreadsheet "
                          f"keeps ({FLOAT_DIGITS}): it looks computed, not typed",
                          "round it to the decimals the source gives (for example with "
                          "ROUND), or type the value")
    return d


def parse_list(raw: object, numbers: str, number_format: str = "General"
               ) -> tuple[Decimal, ...] | None:
    """A list in one cell: numbers separated by `;`.

    >>> parse_list("90; 85,5; 100", "id")
    (Decimal('90'), Decimal('85.5'), Decimal('100'))
    """
    if not isinstance(raw, str):
        one = parse_number(raw, numbers, number_format)
        return None if one is None else (one,)
    if not raw.strip():
        return None
    out: list[Decimal] = []
    for n, part in enumerate(raw.split(LIST_SEPARATOR), start=1):
        try:
            value = parse_number(part, numbers)
        except CellProblem as exc:
            raise CellProblem(f"element {n} of the list: {exc.message}", exc.hint) from None
        if value is None:
            raise CellProblem(f"element {n} of the list is empty",
                              f"separate the numbers with `{LIST_SEPARATOR}`, one between two")
        out.append(value)
    return tuple(out)


_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
_BAD_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029" + _BIDI + "]")


def cell_text(raw: object) -> str:
    """Evidence, a note or an item name as text; a number or date typed there is kept as
    typed, as far as the cell shows it."""
    if raw is None:
        return ""
    if isinstance(raw, bool):
        text = "true" if raw else "false"
    elif isinstance(raw, float):
        text = fmt(_from_float(raw))
    elif isinstance(raw, dt.datetime) and raw.time() == dt.time():
        text = raw.date().isoformat()
    elif isinstance(raw, dt.date | dt.datetime | dt.time):
        text = raw.isoformat()
    else:
        text = str(raw)
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    bad = _BAD_TEXT.search(text)
    if bad:
        raise CellProblem(f"a control or bidirectional character U+{ord(bad.group()):04X} in "
                          "the text", "remove it; it is invisible and usually pasted by "
                                      "accident")
    return text


# -- a filled form, as read from a file ---------------------------------------------------------
@dataclass(frozen=True)
class Cell:
    address: str  # `Form!I7`: the sheet and cell a person finds it at
    value: object  # as the file holds it: str, int, float, datetime, bool or None
    number_format: str = "General"  # the spreadsheet's format of the cell (XLSX)
    formula: bool = False  # the cell holds a formula (XLSX)
    error: bool = False  # the cell holds an error value such as #DIV/0! (XLSX)


@dataclass
class FilledRow:
    position: int  # the row's position, as sealed in the key
    key: str  # its key (FormRow.key)
    cells: dict[str, Cell]  # by column name


@dataclass
class FilledForm:
    """A filled form as read from an XLSX or CSV file, before any check."""

    shown: str  # the file, as the user would type it
    meta: dict[str, str]  # the key's meta values, and `checksum`
    rows: list[FilledRow]  # in order
    stray: list[Cell] = field(default_factory=list)  # content outside the form's rows


def column_letter(n: int) -> str:
    """Spreadsheet column name of the 1-based column `n`.

    >>> column_letter(1), column_letter(11), column_letter(28)
    ('A', 'K', 'AB')
    """
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


# -- CSV --------------------------------------------------------------------------------------
def csv_text(form: Form) -> str:
    """The form as CSV: meta lines `#name;value`, then a header whose first column `#key`
    holds each row's key, then one line per row. `;` separates fields in the Indonesian
    format (the decimal comma needs it, and Indonesian spreadsheets use it), `,` otherwise."""
    delimiter = ";" if form.numbers == "id" else ","
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    positions = list(range(1, len(form.rows) + 1))
    w.writerow([MAGIC, FORM_VERSION])
    for k in META_KEYS[1:]:
        w.writerow([f"#{k}", form.meta[k]])
    w.writerow(["#checksum", form.checksum(positions)])
    w.writerow(["#numbers are", NUMBER_FORMATS[form.numbers]])
    for note in form.notes:
        w.writerow(["#note", _safe(note)])
    w.writerow(["#key", *headers(form)])
    for row in form.rows:
        w.writerow([row.key, *(_safe(v) for v in row_texts(form, row))])
    return buf.getvalue()


def headers(form: Form) -> list[str]:
    labels = {"previous": f"Previous ({form.previous.label})",
              "value": f"Value ({form.period.label})"}
    return [labels.get(name, header) for name, header in COLUMNS]


def row_texts(form: Form, row: FormRow) -> list[str]:
    """A row's cells as CSV text, in the form's number format."""
    prev = row.previous
    if isinstance(prev, tuple):
        shown = f"{LIST_SEPARATOR} ".join(number_text(v, form.numbers) for v in prev)
    else:
        shown = number_text(prev, form.numbers) if prev is not None else ""
    return [row.iku, row.unit, row.variable, row.item, row.meaning, row.measure, row.allowed,
            shown, "", "", ""]


def number_text(d: Decimal, numbers: str) -> str:
    """A number as text in the form's format.

    >>> number_text(Decimal("1234.5"), "id"), number_text(Decimal("1234.5"), "en")
    ('1234,5', '1234.5')
    """
    text = fmt(d)
    return text.replace(".", ",") if numbers == "id" else text


def _safe(text: str) -> str:
    """Text from a manual or data file as a CSV cell that a spreadsheet shows as text: a
    leading =, +, - or @ would make it a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def read_csv(path: Path, shown: str) -> FilledForm:
    """A filled CSV form. Raises InputError when the file is not one."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError((error(f"{shown} is not UTF-8 text", code="form-file",
                                hint="save it as CSV UTF-8 (the spreadsheet's `CSV UTF-8` "
                                     "type)"),)) from None
    first = text.split("\n", 1)[0]
    if not first.startswith(MAGIC) or len(first) <= len(MAGIC) or \
            first[len(MAGIC)] not in ",;\t":
        raise InputError((error(f"{shown} is not a form made by iku template (its first line "
                                f"should begin with `{MAGIC}`)", code="form-file"),))
    delimiter = first[len(MAGIC)]
    sheet = Path(shown).stem
    meta: dict[str, str] = {"form": ""}
    rows: list[FilledRow] = []
    stray: list[Cell] = []
    names = [name for name, _ in COLUMNS]
    in_table = False
    for number, record in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter),
                                    start=1):
        cells = [c for c in record]
        if not any(c.strip() for c in cells):
            continue
        head = cells[0].strip()
        if not in_table:
            if head == MAGIC:
                meta["form"] = cells[1].strip() if len(cells) > 1 else ""
            elif head == "#key":
                in_table = True
            elif head.startswith("#"):
                meta.setdefault(head[1:], cells[1].strip() if len(cells) > 1 else "")
            continue
        if not head:
            stray += [Cell(f"{sheet}!{column_letter(i)}{number}", c)
                      for i, c in enumerate(cells, start=1) if c.strip()][:1]
            continue
        by_name = {name: Cell(f"{sheet}!{column_letter(i + 2)}{number}",
                              _unsafe(cells[i + 1]) if i + 1 < len(cells) else "")
                   for i, name in enumerate(names)}
        extra = [Cell(f"{sheet}!{column_letter(i)}{number}", c)
                 for i, c in enumerate(cells, start=1) if i > len(names) + 1 and c.strip()]
        stray += extra[:1]
        rows.append(FilledRow(len(rows) + 1, head, by_name))
    if not in_table:
        raise InputError((error(f"{shown} has no `#key` header line: not a form made by iku "
                                "template, or its header was removed", code="form-file"),))
    return FilledForm(shown, meta, rows, stray)


def _unsafe(text: str) -> str:
    return text[1:] if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@") else text


def make_form(project: Project, owner: str, period: Period, unit: str = "",
              numbers: str = "id") -> Form:
    """The form of `owner` for `period` (one unit's when `unit` is given) from the revision
    in force at the period's end, with the previous period's values for reference."""
    manual = project.manuals(owner, period.year).in_force(period)
    if manual is None:
        raise InputError((error(f"{owner} has no manual revision in force for {period}",
                                code="usage", hint="check --period, or add that year's "
                                                   "manual (iku new-revision)"),), EXIT_USAGE)
    data: dict[int, Dataset | None] = {}
    for year in (period.year, period.year - 1):
        try:
            data[year] = project.dataset(owner, year)
        except InputError:  # an unreadable year gives no reference values, nothing worse
            data[year] = None
    found = project.org.owner(owner)
    name = found.name if found is not None else owner
    return due_form(manual, name, period, unit, numbers, data)
